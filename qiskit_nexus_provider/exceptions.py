"""Exceptions raised by the provider (the REST client has its own in :mod:`.api.errors`)."""

from __future__ import annotations

from pathlib import Path

from qiskit.exceptions import QiskitError
from qiskit.providers import JobError

__all__ = [
    "CircuitValidationError",
    "CompositeJobError",
    "JobCancelledError",
    "JobFailedError",
    "JobNotFoundError",
    "NexusProviderError",
    "OptionsError",
    "StoreCorruptError",
    "UnknownOptionWarning",
]


class _PlainMessage:
    """Print the message as is (``QiskitError.__str__`` would quote it with ``repr``)."""

    message: str

    def __str__(self) -> str:
        return self.message


class NexusProviderError(_PlainMessage, QiskitError):
    """Base class of the provider's errors."""


class OptionsError(NexusProviderError, ValueError):
    """A run option has an invalid value."""


class UnknownOptionWarning(UserWarning):
    """``run()`` or ``set_options()`` got an option the backend does not know; it is ignored."""


class CircuitValidationError(NexusProviderError, ValueError):
    """A circuit cannot run on the backend (too wide, unsupported instruction, no measure...)."""


class JobFailedError(_PlainMessage, JobError):
    """The job ended in error; ``reason`` carries the backend's message."""

    def __init__(self, job_id: str, reason: str) -> None:
        super().__init__(f"Job {job_id} failed: {reason}")
        self.job_id = job_id
        self.reason = reason


class JobCancelledError(_PlainMessage, JobError):
    """The result of a cancelled job was requested."""

    def __init__(self, job_id: str, reason: str = "the job was cancelled") -> None:
        super().__init__(f"Job {job_id} was cancelled: {reason}")
        self.job_id = job_id
        self.reason = reason


class CompositeJobError(_PlainMessage, JobError):
    """Some sub-jobs of a composite job failed; ``failures`` maps sub-job ids to messages."""

    def __init__(self, job_id: str, failures: dict[str, str]) -> None:
        lines = "; ".join(f"{sub}: {msg}" for sub, msg in failures.items())
        super().__init__(
            f"Composite job {job_id}: {len(failures)} sub-job(s) did not complete ({lines}). "
            "Call rerun_failed() to submit them again, or result(partial=True) for the rest."
        )
        self.job_id = job_id
        self.failures = failures


class JobNotFoundError(NexusProviderError, LookupError):
    """No job with that id exists in the store (or on the server)."""


class StoreCorruptError(NexusProviderError):
    """A persisted job file cannot be read; ``path`` names it."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Persisted job file {path} is corrupt or was tampered with: {reason}")
        self.path = path
        self.reason = reason
