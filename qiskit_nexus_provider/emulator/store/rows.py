"""Rows of the emulator's tables, and the JobStatus transitions of jobs and items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from qiskit_nexus_provider.api.models import utc_now
from qiskit_nexus_provider.emulator.query import Listable

__all__ = [
    "PRIMARY_USER",
    "RUNNABLE",
    "TERMINAL",
    "CircuitRow",
    "CompilationRow",
    "ItemOutcome",
    "ItemRow",
    "JobRow",
    "ProjectRow",
    "ResultRow",
    "iso_now",
    "listable",
    "transition",
]

_TIME_KEYS = {
    "SUBMITTED": "submitted_time",
    "QUEUED": "queued_time",
    "RUNNING": "running_time",
    "COMPLETED": "completed_time",
    "CANCELLED": "cancelled_time",
    "ERROR": "error_time",
}
PRIMARY_USER = "user-1"
"""Id of the emulator's first user (the one of ``NexusEmulator.token``)."""
RUNNABLE = ("SUBMITTED", "QUEUED", "RETRYING")
TERMINAL = ("COMPLETED", "CANCELLED", "ERROR", "DEPLETED", "TERMINATED")


def iso_now() -> str:
    """The current UTC time in ISO 8601 (what timestamps look like on the wire)."""
    return utc_now().isoformat()


def _timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def transition(
    old: dict[str, Any] | None,
    status: str,
    message: str = "",
    *,
    error_detail: str | None = None,
    cost: float | None = None,
    restart: bool = False,
) -> dict[str, Any]:
    """Return a new JobStatus dictionary for a status change, keeping earlier timestamps.

    Args:
        old: The previous status dictionary, or ``None`` for a new job or item.
        status: New status name (``JobStatusEnum`` value).
        message: Status message.
        error_detail: Error detail (kept only for ``ERROR``).
        cost: Cost to record; the previous cost is kept when ``None``.
        restart: Forget the previous run's timestamps, error and cost (for a retry).

    Returns:
        The new status dictionary.
    """
    base: dict[str, Any] = {
        "status": status,
        "message": message,
        "error_detail": None,
        "completed_time": None,
        "queued_time": None,
        "submitted_time": None,
        "running_time": None,
        "cancelled_time": None,
        "error_time": None,
        "queue_position": None,
        "cost": None,
    }
    if old and not restart:
        for key in _TIME_KEYS.values():
            base[key] = old.get(key)
        base["cost"] = old.get("cost")
    elif old:
        base["submitted_time"] = old.get("submitted_time")
    base["status"] = status
    base["message"] = message
    time_key = _TIME_KEYS.get(status)
    if time_key is not None:
        base[time_key] = iso_now()
    if status == "ERROR":
        base["error_detail"] = error_detail if error_detail is not None else message
    if cost is not None:
        base["cost"] = cost
    return base


@dataclass
class ProjectRow:
    """A project."""

    id: str
    name: str
    description: str | None
    properties: dict[str, Any]
    archived: bool
    created: str
    modified: str
    contents_modified: str
    seq: int
    owner: str = PRIMARY_USER


@dataclass
class CircuitRow:
    """A circuit; ``content`` is the pytket circuit dictionary (``None`` when not loaded)."""

    id: str
    project_id: str
    name: str
    description: str | None
    properties: dict[str, Any]
    n_qubits: int
    created: str
    modified: str
    seq: int
    content: dict[str, Any] | None


@dataclass
class JobRow:
    """A job; ``definition`` holds everything submitted except the items."""

    id: str
    project_id: str
    name: str
    description: str | None
    properties: dict[str, Any]
    job_type: str
    definition: dict[str, Any]
    status: dict[str, Any]
    inject_failure: bool
    created: str
    modified: str
    seq: int

    @property
    def status_name(self) -> str:
        """The job's status name."""
        return str(self.status["status"])


@dataclass
class ItemRow:
    """One program of a job."""

    job_id: str
    item_id: int
    program_id: str
    spec: dict[str, Any]
    status: dict[str, Any]
    result_id: str | None
    compilation_id: str | None


@dataclass
class ResultRow:
    """A pytket ``BackendResult`` dictionary of one item."""

    id: str
    job_id: str
    item_id: int
    program_id: str
    device_name: str
    content: dict[str, Any]


@dataclass
class CompilationRow:
    """The record linking an original circuit to its compiled version."""

    id: str
    job_id: str
    project_id: str
    name: str
    description: str | None
    properties: dict[str, Any]
    original_circuit_id: str
    compiled_circuit_id: str
    created: str
    modified: str


@dataclass
class ItemOutcome:
    """What the worker reports for one finished item."""

    item_id: int
    status: dict[str, Any]
    result: dict[str, Any] | None = None
    device_name: str = ""
    compilation_id: str | None = None
    program_id: str | None = None


def listable(row: ProjectRow | CircuitRow | JobRow) -> Listable:
    """The fields listing queries filter and sort on."""
    return Listable(
        row.name, row.properties, _timestamp(row.created), _timestamp(row.modified), row.seq
    )
