"""What a job asks of its backend: the transport protocol shared by offline and remote backends.

A :class:`~qiskit_nexus_provider.NexusJob` is a state machine; it never runs circuits or talks
HTTP itself.  Its backend implements :class:`JobTransport`: the offline simulators run Aer in
process, the remote backends call the Nexus REST API.  Offline and remote jobs therefore share one
state machine, one persistence format and one composite implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from qiskit.providers import JobStatus
from qiskit.result import Result

if TYPE_CHECKING:
    from ..store import BackendSpec
    from .job import NexusJob

__all__ = ["FINAL_STATUSES", "JobTransport", "StatusReport", "WaitCallback"]

FINAL_STATUSES = frozenset({JobStatus.DONE, JobStatus.ERROR, JobStatus.CANCELLED})

WaitCallback = Callable[[str, JobStatus, Any], None]
"""``callback(job_id, status, job)``, called at every status query while waiting."""


@dataclass(frozen=True)
class StatusReport:
    """A job's status and, for ERROR and CANCELLED, the backend's message."""

    status: JobStatus
    message: str | None = None

    @property
    def final(self) -> bool:
        """Whether the job can no longer change."""
        return self.status in FINAL_STATUSES


class JobTransport(Protocol):
    """Operations a backend performs for its jobs."""

    def spec(self) -> BackendSpec:
        """Everything needed to rebuild this backend in another process (no token)."""

    def submit_job(self, job: NexusJob) -> None:
        """Start the job; record what is needed to find it again in ``job.state``.

        May replace the job's id (remote jobs take the id Nexus assigns).
        """

    def resume_job(self, job: NexusJob) -> bool:
        """Reattach a restored job (from ``job.state``) so that it can be queried.

        Returns whether the job had really been submitted: a sub-job whose submission was cut
        short (its process killed) may have left no trace, and must then be submitted again.
        """

    def job_status(self, job: NexusJob) -> StatusReport:
        """Query the job's status once."""

    def wait_job(
        self,
        job: NexusJob,
        timeout: float | None,
        callback: WaitCallback | None,
        wait: float | None = None,
    ) -> StatusReport | None:
        """Return once the job is final; ``wait`` overrides the first polling interval.

        Returns:
            The final status, when the wait learnt it (``None``: the caller asks for it).

        Raises:
            qiskit.providers.JobTimeoutError: ``timeout`` seconds passed first.
        """

    def job_result(self, job: NexusJob) -> Result:
        """The result of a job that reached DONE."""

    def cancel_job(self, job: NexusJob) -> bool:
        """Ask for cancellation; return whether the request was accepted."""
