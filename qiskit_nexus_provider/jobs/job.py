"""``NexusJob``: one batch of circuits on one backend, offline or remote."""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qiskit import QuantumCircuit
from qiskit.providers import JobStatus, JobV1
from qiskit.result import Result

from ..exceptions import JobCancelledError, JobFailedError
from ..options import NexusOptions
from ..store import JobRecord, JobStore, encode_circuits
from .polling import retry_transient
from .transport import JobTransport, StatusReport, WaitCallback

if TYPE_CHECKING:
    from ..backends.base import NexusBackend

__all__ = ["NexusJob"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class NexusJob(JobV1):
    """A job running a batch of circuits on a Nexus backend or an offline simulator.

    ``backend.run()`` creates and submits it and returns at once.  The job can be persisted
    (:meth:`persist`) and restored in another process days later (:meth:`restore`) with the same
    id; an offline job restored that way gives exactly the counts it gave before.

    ``result()`` of a job that failed or was cancelled raises :class:`.JobFailedError` or
    :class:`.JobCancelledError` carrying the backend's reason, rather than returning a silent
    ``success=False`` result.

    Args:
        backend: the backend (it is the job's transport).
        job_id: the job's id; remote jobs take the id Nexus assigns at submission.
        circuits: the circuits, already validated.
        options: the validated run options.
        state: transport state restored from a record (offline seed, Nexus ids).
        submitted: whether the job was already submitted (a restored job).
    """

    def __init__(
        self,
        backend: NexusBackend,
        job_id: str,
        circuits: Sequence[QuantumCircuit],
        options: NexusOptions,
        *,
        state: dict[str, Any] | None = None,
        submitted: bool = False,
    ) -> None:
        super().__init__(backend, job_id)
        self.circuits: list[QuantumCircuit] = list(circuits)
        self.options = options
        self.state: dict[str, Any] = dict(state or {})
        self.handle: Any = None
        """Runtime handle of the transport (an Aer job for offline jobs); never persisted."""
        self.request_executor: Executor | None = None
        """Runs the uploads and downloads of a remote job: a lane of the pool a composite job
        shares among its sub-jobs, so that together they keep at most
        ``max_concurrent_requests`` requests in flight; ``None`` for a job on its own (its
        thread pools are the bound).  Never persisted."""
        self.before_start: Callable[[], None] | None = None
        """Called by the transport once it is about to create the job (a remote job: after
        its circuits are uploaded, before any job is POSTed; an offline job: before it runs);
        an exception it raises fails the submission.  A composite job waits there for its
        write-ahead record and saves the sub-job's idempotency key.  Never persisted."""
        self.recorded_in: JobStore | None = None
        """The store holding this job's record (it was persisted or restored): its final
        status is written there once known, so that ``qiskit-nexus jobs`` lists it."""
        self.created: datetime.datetime | None = None
        """When the job's record was first written (kept by later writes)."""
        self._submitted = submitted
        self._final: StatusReport | None = None
        self._result: Result | None = None
        self._lock = threading.RLock()

    # -- identity --------------------------------------------------------------------------
    @property
    def transport(self) -> JobTransport:
        """The backend, seen as the transport that runs this job."""
        return self._backend

    def set_job_id(self, job_id: str) -> None:
        """Set the id (a transport does this when the server assigns one)."""
        self._job_id = job_id

    def __repr__(self) -> str:
        return f"<NexusJob {self._job_id!r} on {self._backend.name!r}>"

    # -- JobV1 interface -------------------------------------------------------------------
    def submit(self) -> None:
        """Submit the job to its backend.

        Raises:
            RuntimeError: the job was already submitted.
        """
        with self._lock:
            if self._submitted:
                raise RuntimeError(f"Job {self._job_id} was already submitted.")
            self.transport.submit_job(self)
            self._submitted = True
        logger.debug("submitted %r with %d circuit(s)", self, len(self.circuits))

    @property
    def submitted(self) -> bool:
        """Whether the job was submitted."""
        return self._submitted

    def _require_submitted(self) -> None:
        if not self._submitted:
            raise RuntimeError(f"Job {self._job_id} has not been submitted; call submit() first.")

    def status_report(self) -> StatusReport:
        """The status with the backend's message (ERROR and CANCELLED carry the reason)."""
        if self._final is not None:
            return self._final
        if not self._submitted:
            return StatusReport(JobStatus.INITIALIZING)
        report = self.transport.job_status(self)
        if report.final:
            self._record_final(report)
        return report

    def status(self) -> JobStatus:
        """Return the job's status (one query for an unfinished job; cached once final)."""
        return self.status_report().status

    def error_message(self) -> str | None:
        """The backend's message for a failed or cancelled job, else ``None``."""
        report = self.status_report()
        return report.message if report.status in (JobStatus.ERROR, JobStatus.CANCELLED) else None

    def wait_for_final_state(
        self,
        timeout: float | None = None,
        wait: float | None = None,
        callback: WaitCallback | None = None,
    ) -> None:
        """Wait until the job is DONE, ERROR or CANCELLED.

        Args:
            timeout: seconds to wait at most; ``None`` waits as long as it takes.
            wait: first interval between status queries of a remote job (default: the
                ``poll_interval`` option); it doubles up to ``poll_max_interval``.
            callback: ``callback(job_id, status, job)`` at every status query.

        A status query that fails with a transient error (no response, HTTP 5xx or 429, after
        the client's own retries) is logged and tried again with the same capped backoff: the
        wait ends only at a final status or at ``timeout``.

        Raises:
            qiskit.providers.JobTimeoutError: the job was not final after ``timeout`` seconds.
                The job is not cancelled.
        """
        self._require_submitted()
        if self._final is not None:
            return
        started = time.monotonic()
        final = self.transport.wait_job(self, timeout, callback, wait)
        if final is not None and final.final:
            self._record_final(final)  # as status_report() does, without asking again
            return
        self._with_retries(self.status_report, timeout, started, "status")

    def result(self, timeout: float | None = None) -> Result:
        """Wait for the job and return its :class:`~qiskit.result.Result`.

        The result download is retried on transient errors until ``timeout`` passes.

        Raises:
            JobFailedError: the job ended in ERROR; ``reason`` holds the backend's message.
            JobCancelledError: the job was cancelled.
            qiskit.providers.JobTimeoutError: ``timeout`` seconds passed first.
        """
        if self._result is not None:
            return self._result
        started = time.monotonic()
        self.wait_for_final_state(timeout=timeout)
        report = self.status_report()
        if report.status is JobStatus.ERROR:
            raise JobFailedError(self._job_id, report.message or "no reason given")
        if report.status is JobStatus.CANCELLED:
            raise JobCancelledError(self._job_id, report.message or "the job was cancelled")
        with self._lock:
            if self._result is None:
                self._result = self._with_retries(
                    lambda: self.transport.job_result(self), timeout, started, "result download"
                )
        return self._result

    def _with_retries(
        self, call: Callable[[], T], timeout: float | None, started: float, what: str
    ) -> T:
        """``call()``, retrying transient failures until ``timeout`` (from ``started``) passes."""
        remaining = None if timeout is None else max(0.0, timeout - (time.monotonic() - started))
        return retry_transient(
            call,
            timeout=remaining,
            initial_interval=self.options.poll_interval,
            max_interval=self.options.poll_max_interval,
            what=f"{what} of job {self._job_id}",
        )

    def cancel(self) -> bool:
        """Ask the backend to cancel the job; return whether the request was accepted.

        A finished job cannot be cancelled (``False``).
        """
        self._require_submitted()
        if self.status_report().final:
            return False
        accepted = self.transport.cancel_job(self)
        if accepted:
            self._final = None
        return accepted

    def _record_final(self, report: StatusReport) -> None:
        """Keep the final status, and write it to the job's record if it has one.

        Before, a job restored in another process and collected there stayed "UNFINISHED" in
        ``qiskit-nexus jobs``.  A record that cannot be written is logged, never raised: the
        status is known all the same.
        """
        first = self._final is None
        self._final = report
        store = self.recorded_in
        if first and store is not None:
            try:
                store.save(self.to_record())
            except Exception as exc:
                logger.warning("could not record the final status of %s: %s", self._job_id, exc)

    def restore_final(self, report: StatusReport, result: Result | None = None) -> None:
        """Set a final status (and result) known from a persisted record."""
        self._final = report
        self._result = result

    # -- persistence -----------------------------------------------------------------------
    def to_record(self) -> JobRecord:
        """The job as a store record (circuits as QPY, options, backend spec, transport state)."""
        self._require_submitted()
        spec = self.transport.spec()
        state = dict(self.state)
        if spec.kind == "offline" and self.status_report().status is JobStatus.DONE:
            # An offline result lives nowhere else: keep it, so that a restored job answers at
            # once with exactly these counts, even under another version of Aer.
            state["result"] = self.result().to_dict()
        report = self._final
        record = JobRecord(
            job_id=self._job_id,
            backend=spec,
            options=self.options.model_dump(mode="json"),
            circuits_qpy=encode_circuits(self.circuits),
            state=state,
            status=report.status.name if report else None,
            error=report.message if report else None,
        )
        if self.created is None:
            self.created = record.created
        else:
            record.created = self.created
        return record

    def persist(self, *, store_path: str | Path | None = None) -> Path:
        """Save the job so that :meth:`restore` can rebuild it, in this or another process.

        Args:
            store_path: the store folder; default: the provider's store (or the user cache).

        Returns:
            The file written (mode 0600; it never holds a token).

        Raises:
            RuntimeError: the job was not submitted.
        """
        store = JobStore(store_path) if store_path is not None else self._backend_store()
        path = store.save(self.to_record())
        self.recorded_in = store
        return path

    def _backend_store(self) -> JobStore:
        provider = getattr(self._backend, "provider", None)
        store = getattr(provider, "store", None)
        return store if isinstance(store, JobStore) else JobStore()

    @classmethod
    def restore(
        cls,
        job_id: str,
        *,
        token: str | None = None,
        url: str | None = None,
        store_path: str | Path | None = None,
        remove_from_store: bool = False,
    ) -> NexusJob:
        """Rebuild a persisted job.

        Args:
            job_id: the id of the persisted job (a plain or a composite job).
            token: Nexus refresh token for remote jobs (default: the usual credential lookup).
            url: the Nexus server to reach a remote job at (default: ``NEXUS_*`` variables, else
                the Nexus service).  The token is only sent to a server the user chose: a record
                naming another server than the configured one raises :class:`PermissionError`
                unless ``url`` is given here, which is then used instead of the record's (for
                example an emulator restarted on another port).
            store_path: the store folder (default: the user cache folder).
            remove_from_store: delete the record once loaded.

        Returns:
            The job, with the same id.  A :class:`.NexusCompositeJob` for a composite id.

        Raises:
            ValueError: ``job_id`` is not a valid id (e.g. it holds a path separator).
            JobNotFoundError: no such job in the store.
            StoreCorruptError: the file is unreadable; it names the file.
            PermissionError: the job ran on another server than the configured one and no
                ``url`` was given.
        """
        from ..provider import NexusProvider

        provider = NexusProvider(token=token, url=url, store_path=store_path)
        job = provider.restore_job(job_id, url=url)
        if remove_from_store:
            provider.store.delete(job_id)
            if isinstance(job, NexusJob):
                job.recorded_in = None
        return job
