"""Reading and translating the next job's first circuits while the current job simulates.

While a chunk simulates (in the simulation process, :mod:`.simulator_process`), the worker
thread only waits for the answer; the next job then read its circuits from the store, decoded
and translated them (:func:`.prepare`) while the simulation process had nothing to do.  For
1000 circuits in four jobs of ``benchmarks/bench_issue13.py`` that was 0.19 s between
simulations (2026-12-01, 2 cores).

:class:`Lookahead` does that work for the next waiting job during the current simulation, on a
thread of its own.  It changes nothing in the store: the job stays queued and no item is marked,
so the queue order, cancellation, pause and the job's times are as before.  What it prepared is
used only when that job runs (same job, so the same target and circuits) and dropped otherwise.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from qiskit_nexus_provider.emulator.conversion import CircuitError, PreparedCircuit, prepare
from qiskit_nexus_provider.emulator.devices import ExecutionTarget, resolve_target
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.store import Store

__all__ = ["Entry", "Lookahead", "prepare_entry"]

logger = logging.getLogger(__name__)

Entry = tuple[PreparedCircuit, dict[str, Any] | None] | str
"""A program ready to run (with its JSON when its cost is needed), or why it cannot run."""


def prepare_entry(text: str | None, target: ExecutionTarget, valid_check: bool) -> Entry:
    """Decode and translate one stored program for ``target``.

    Returns:
        ``(prepared, content)``, ``content`` being the circuit JSON on Quantinuum targets (for
        its cost) and ``None`` elsewhere; or the error message of a program that cannot run.
    """
    if text is None:
        return "circuit no longer exists"
    content = json.loads(text)
    try:
        prepared = prepare(content, target, valid_check)
    except CircuitError as exc:
        return str(exc)
    return prepared, content if target.is_quantinuum else None


class Lookahead:
    """The first ``chunk_size`` programs of the next waiting job, prepared ahead (see module).

    Args:
        store: The emulator's state.
        chunk_size: Programs of a job's first chunk.
    """

    def __init__(self, store: Store, chunk_size: int) -> None:
        self._store = store
        self._chunk_size = chunk_size
        self._lock = threading.Lock()
        self._busy = False
        self._job_id: str | None = None
        self._entries: dict[str, Entry] = {}

    def start(self) -> None:
        """Prepare the next waiting job's first chunk on a thread, unless one is at work."""
        with self._lock:
            if self._busy:
                return
            self._busy = True
        threading.Thread(target=self._run, name="nexus-emulator-lookahead", daemon=True).start()

    def take(self, job_id: str) -> dict[str, Entry]:
        """What was prepared for ``job_id``, by program id (empty if nothing); given once."""
        with self._lock:
            if self._job_id != job_id:
                return {}
            entries, self._job_id, self._entries = self._entries, None, {}
            return entries

    def _run(self) -> None:
        try:
            job = self._store.next_waiting_job()
            if job is None or job.inject_failure or job.job_type != "execute":
                return
            with self._lock:
                if self._job_id == job.id:
                    return  # prepared already
            try:
                target = resolve_target(job.definition.get("backend_config", {}))
            except ApiError:
                return  # the job fails when it runs
            if target.is_helios or target.syntax_check_only:
                return
            items = self._store.get_items(job.id)[: self._chunk_size]
            programs = list(dict.fromkeys(item.program_id for item in items))
            contents = self._store.circuit_contents(programs)
            valid_check = bool(job.definition.get("valid_check", True))
            entries = {p: prepare_entry(contents.get(p), target, valid_check) for p in programs}
            with self._lock:
                self._job_id, self._entries = job.id, entries
        except Exception:  # only an optimisation: the job prepares its circuits when it runs
            logger.debug("lookahead failed", exc_info=True)
        finally:
            with self._lock:
                self._busy = False
