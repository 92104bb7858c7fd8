"""SQLite state of the emulator: projects, circuits, jobs and their items, results, compilations.

One connection, guarded by a re-entrant lock, serves every thread (the HTTP server's event loop,
whose handlers run the short queries inline, and the worker).  ``path=None`` keeps everything in
memory; a file path makes the state survive restarts:
:meth:`Store.recover` then puts jobs that were queued or running back in the queue.
"""

from __future__ import annotations

from qiskit_nexus_provider.emulator.store.circuits import CircuitsMixin
from qiskit_nexus_provider.emulator.store.projects import ProjectsMixin
from qiskit_nexus_provider.emulator.store.properties import PropertiesMixin, PropertyDefinitionRow
from qiskit_nexus_provider.emulator.store.qir import QirMixin
from qiskit_nexus_provider.emulator.store.queue import QueueMixin
from qiskit_nexus_provider.emulator.store.rows import (
    CircuitRow,
    CompilationRow,
    ItemOutcome,
    ItemRow,
    JobRow,
    ProjectRow,
    ResultRow,
    transition,
)

__all__ = [
    "CircuitRow",
    "CompilationRow",
    "ItemOutcome",
    "ItemRow",
    "JobRow",
    "ProjectRow",
    "PropertyDefinitionRow",
    "ResultRow",
    "Store",
    "transition",
]


class Store(QirMixin, ProjectsMixin, PropertiesMixin, CircuitsMixin, QueueMixin):
    """Thread-safe SQLite storage of the emulator's state.

    Args:
        path: Database file, or ``None`` for an in-memory database.
    """
