"""Garbage-collector settings for a process that the emulator owns.

With CPython's default thresholds, decoding one uploaded circuit (thousands of small lists and
dictionaries) sets off collections that walk every object of the process, hundreds of thousands
once Qiskit is loaded: several times the cost of the decoding itself.  The simulation process
(:mod:`.simulator_process`) paid the same on every chunk: unpickling 256 prepared circuits took
17.0 ms with the default thresholds and 3.8 ms with these, and simulating them 163 ms against
150 ms (CPU time, median of six chunks, 2026-12-01, 2 cores).

Only for processes that run nothing but the emulator (``qiskit-nexus emulator`` and the
simulation process): :class:`~qiskit_nexus_provider.emulator.NexusEmulator` leaves its host's
collector alone.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "tune_gc"]

YOUNG_THRESHOLD = 50_000
"""Allocations between young collections (CPython's default is 700)."""


def tune_gc() -> None:
    """Freeze the objects that exist now out of the collections (the modules loaded at
    start-up) and collect young objects every :data:`YOUNG_THRESHOLD` allocations."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, max(gen1, 20), gen2)
