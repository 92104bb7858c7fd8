"""``NexusCompositeJob``: an oversized batch split into sub-jobs that behave as one job.

Life of a composite job
-----------------------
1. ``backend.run(circuits)`` with more circuits than ``max_circuits_per_job`` creates the composite
   with a client-generated id (``nexus_composite_<hex>``) and one *slot* per chunk of circuits,
   and returns at once.
2. In the background, the composite is written to the provider's store **before** any sub-job is
   created (write-ahead): one record per slot holding that slot's circuits, then the composite's
   record.  Sub-jobs are submitted by a bounded pool meanwhile: their circuits upload while the
   records are written (uploads create no job), and each waits for the write-ahead before it
   creates its job; the record is updated as each is created.  A remote sub-job gets an
   idempotency key (saved before its POST) and carries the composite id and its slot in its
   Nexus job properties, so that :meth:`.NexusProvider.retrieve_job` can rebuild the batch from
   the server alone, and a process killed mid-submission can be restored without creating a
   duplicate sub-job.  If the write-ahead fails, no sub-job is created (the circuits already
   uploaded stay unused in the project).
3. :meth:`status` aggregates the sub-jobs (first match wins:
   INITIALIZING > VALIDATING > QUEUED > RUNNING > ERROR > CANCELLED > DONE).
4. :meth:`result` merges the sub-jobs' experiments in input order; with ``partial=True`` failed
   slots become unsuccessful placeholder experiments so that indexes line up.
5. :meth:`rerun_failed` submits again only the slots that ended in ERROR or CANCELLED, or were
   never submitted.

Submit or adopt
---------------
Every submission (the first one, a restore's, :meth:`rerun_failed`'s) goes through one path: a
slot's sub-job keeps its idempotency key until it is known to have reached Nexus, and a key that
may have been sent is looked up on the server before anything is uploaded or POSTed (see
:meth:`.RemoteNexusBackend.submit_job`); a new sub-job gets a new key, which no job can carry
yet, and is saved with it before its POST.  A lookup that fails is retried, and if it still fails
the slot fails to submit: "could not look" is never taken for "not there".

A composite restored from the store (:meth:`restore`) adopts every sub-job it finds (clearing a
stale submission error) and submits only the slots that were never attempted (the write-ahead
record is the user's intent to run them); slots that failed need :meth:`rerun_failed`.  Restores
and reruns hold an inter-process lock on the record (:meth:`.JobStore.lock`) while they decide
what to submit and submit it, and re-read the record under that lock, so two processes never
submit the same slot.

Seeds
-----
With ``seed_simulator`` set, slot ``i`` runs with a seed derived from the user's seed and ``i``
(:func:`slot_seed`): sub-jobs are independent of one another (circuit *k* of two slots does not
repeat the same shots) and the whole batch is reproducible.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import BaseFileLock
from qiskit import QuantumCircuit
from qiskit.providers import JobStatus, JobTimeoutError, JobV1
from qiskit.result import Result

from ..api.pool import PriorityPool
from ..exceptions import CompositeJobError, JobCancelledError, JobFailedError, StoreCorruptError
from ..options import NexusOptions
from ..progress import progress_bar
from ..results import experiment_header, failed_experiment, make_result
from ..store import JobRecord, JobStore, decode_circuits, encode_circuits
from .job import NexusJob
from .transport import StatusReport, WaitCallback

if TYPE_CHECKING:
    from ..backends.base import NexusBackend

__all__ = ["COMPOSITE_ID_PREFIX", "STATUS_PRIORITY", "NexusCompositeJob", "Slot", "slot_seed"]

logger = logging.getLogger(__name__)

COMPOSITE_ID_PREFIX = "nexus_composite_"

STATUS_PRIORITY = (
    JobStatus.INITIALIZING,
    JobStatus.VALIDATING,
    JobStatus.QUEUED,
    JobStatus.RUNNING,
    JobStatus.ERROR,
    JobStatus.CANCELLED,
    JobStatus.DONE,
)
"""Aggregation order of sub-job statuses: the first one any sub-job has wins."""

_UPLOAD, _DOWNLOAD = 0, 1
"""Priorities in the shared request pool: uploads first, then downloads; each in sub-job order
(see :mod:`..api.pool`)."""

_MAX_SUBMIT_WORKERS = 3
"""Sub-jobs submitted at once.  Their uploads go through the composite's :class:`.PriorityPool`
in sub-job order, so submitting several at once does not interleave them: it lets the next
sub-jobs' serial steps (encoding, property definitions, idempotency lookup) overlap the current
one's uploads.  Three, not more, because each holds its sub-job's encoded circuits until they
are uploaded (issue 13)."""


def slot_seed(seed: int, index: int) -> int:
    """The simulator seed of slot ``index`` of a composite run with ``seed_simulator=seed``.

    Derived with :class:`numpy.random.SeedSequence` from ``(seed, index)``: distinct slots get
    statistically independent seeds, and the same ``(seed, index)`` always gives the same one.

    Returns:
        An integer in ``[0, 2**31)`` (accepted by Aer offline and by Aer on Nexus).
    """
    state = np.random.SeedSequence(entropy=seed, spawn_key=(index,)).generate_state(1, np.uint32)
    return int(state[0]) & 0x7FFFFFFF


def slot_options(options: NexusOptions, index: int) -> NexusOptions:
    """The options of slot ``index``'s sub-job: the composite's, with the slot's own seed."""
    if options.seed_simulator is None:
        return options
    return options.model_copy(update={"seed_simulator": slot_seed(options.seed_simulator, index)})


@dataclass
class Slot:
    """One chunk of the batch: circuits ``start`` to ``stop - 1`` and the sub-job running them."""

    index: int
    start: int
    stop: int
    attempt: int = 0
    job: NexusJob | None = None
    submit_error: str | None = None
    pending: bool = False
    cancelled_before_submit: bool = False
    circuits: list[QuantumCircuit] | None = None
    headers: list[dict[str, Any]] | None = None
    future: Future[None] | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """``circuits a-b``, the slot's name in reports and errors."""
        return f"circuits {self.start}-{self.stop - 1}"

    def report(self) -> StatusReport:
        """The slot's status."""
        if self.pending:
            return StatusReport(JobStatus.INITIALIZING)
        if self.cancelled_before_submit:
            return StatusReport(JobStatus.CANCELLED, "cancelled before submission")
        if self.submit_error is not None:
            return StatusReport(JobStatus.ERROR, f"submission failed: {self.submit_error}")
        if self.job is None:
            return StatusReport(JobStatus.INITIALIZING, "not submitted")
        return self.job.status_report()

    def to_json(self) -> dict[str, Any]:
        """The slot as stored in the composite record.

        An offline sub-job that finished keeps its result in the record (it lives nowhere else),
        so a composite restored in another process answers with it instead of running again.
        """
        state = dict(self.job.state) if self.job is not None else {}
        job = self.job
        if (
            job is not None
            and job.submitted
            and job.transport.spec().kind == "offline"
            and job.status_report().status is JobStatus.DONE
        ):
            state["result"] = job.result().to_dict()
        return {
            "index": self.index,
            "start": self.start,
            "stop": self.stop,
            "attempt": self.attempt,
            "job_id": self.job.job_id() if self.job is not None else None,
            "submitted": bool(self.job is not None and self.job.submitted),
            "state": state,
            "submit_error": self.submit_error,
            "cancelled_before_submit": self.cancelled_before_submit,
        }


class NexusCompositeJob(JobV1):
    """A batch larger than ``max_circuits_per_job``, run as several sub-jobs that act as one job.

    It has the whole job interface (:meth:`submit`, :meth:`status`, :meth:`result`,
    :meth:`cancel`, :meth:`wait_for_final_state`, :meth:`persist`, :meth:`restore`) plus
    :meth:`rerun_failed`, :meth:`sub_jobs`, :meth:`sub_job`, :meth:`report` and
    :meth:`block_for_submit`.  Create it with ``backend.run()``; see the module documentation for
    its life cycle.
    """

    def __init__(
        self,
        backend: NexusBackend,
        job_id: str,
        slots: Sequence[Slot],
        options: NexusOptions,
        store: JobStore,
    ) -> None:
        super().__init__(backend, job_id)
        self.options = options
        self._slots = list(slots)
        self._store = store
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()
        self._saved_status: str | None = None
        self._created: datetime.datetime | None = None
        self._cancelled = False
        self._pool: ThreadPoolExecutor | None = None
        self._result: Result | None = None
        self._started = False
        # Set once the records of the submission in progress are on disk (at once when there
        # is nothing to write); sub-jobs create their jobs only then (see _before_start).
        self._persisted = threading.Event()
        self._persisted.set()
        self._persist_error: str | None = None
        # Runs the sub-jobs' uploads and downloads: together they keep at most
        # max_concurrent_requests requests in flight, uploads first, in sub-job order.
        self._requests = PriorityPool(
            options.max_concurrent_requests, name=f"{job_id[-8:]}-request"
        )

    # -- creation --------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        backend: NexusBackend,
        circuits: Sequence[QuantumCircuit],
        options: NexusOptions,
        max_circuits_per_job: int,
    ) -> NexusCompositeJob:
        """Split ``circuits`` into slots of at most ``max_circuits_per_job`` (not yet submitted)."""
        slots = [
            Slot(
                index=i,
                start=start,
                stop=min(start + max_circuits_per_job, len(circuits)),
                circuits=list(circuits[start : start + max_circuits_per_job]),
            )
            for i, start in enumerate(range(0, len(circuits), max_circuits_per_job))
        ]
        job_id = COMPOSITE_ID_PREFIX + uuid.uuid4().hex
        return cls(backend, job_id, slots, options, _store_of(backend))

    @property
    def num_circuits(self) -> int:
        """Number of circuits in the whole batch."""
        return self._slots[-1].stop if self._slots else 0

    def __repr__(self) -> str:
        return (
            f"<NexusCompositeJob {self._job_id!r} on {self._backend.name!r}: "
            f"{self.num_circuits} circuits in {len(self._slots)} sub-jobs>"
        )

    # -- submission ------------------------------------------------------------------------
    def submit(self) -> None:
        """Persist the composite (write-ahead) and submit its sub-jobs in the background.

        Returns at once; :meth:`block_for_submit` waits for the submissions.

        Raises:
            RuntimeError: the composite was already submitted.
        """
        with self._lock:
            if self._started:
                raise RuntimeError(f"Composite job {self._job_id} was already submitted.")
            self._started = True
            for slot in self._slots:
                slot.pending = True
            self._persisted.clear()
        starter = threading.Thread(
            target=self._write_ahead_then_submit,
            args=(list(self._slots),),
            name=f"submit-{self._job_id}",
            daemon=True,
        )
        self._starter = starter
        starter.start()

    def _write_ahead_then_submit(self, slots: list[Slot]) -> None:
        """Start the slots' submissions, then write their records: the circuits upload while
        the records are written, and no sub-job is created before they are on disk."""
        try:
            lock = self._store.lock(self._job_id)
            lock.acquire()
        except BaseException as exc:
            self._not_persisted(exc)
            for slot in slots:
                slot.submit_error = self._persist_error
                slot.pending = False
            return
        try:
            self._submit_slots(slots, lock)
        except BaseException as exc:  # no slot may wait for a write-ahead that never comes
            self._not_persisted(exc)
            return
        try:
            self._write_ahead(slots)
        except BaseException as exc:  # whatever it was, no sub-job may be created now
            self._not_persisted(exc)
        finally:
            self._persisted.set()

    def _not_persisted(self, exc: BaseException) -> None:
        logger.error("could not persist composite job %s: %r", self._job_id, exc)
        self._persist_error = f"could not persist the composite job before submission: {exc}"
        self._persisted.set()

    def _write_ahead(self, slots: Sequence[Slot]) -> None:
        """Write the slots' circuit records and the composite record before any submission."""
        for slot in slots:
            if slot.circuits is not None:
                self._store.save(self._slot_record(slot))
        self._save()
        self._persist_error = None  # a rerun's write-ahead succeeded after a failed one

    def _submit_slots(self, slots: list[Slot], lock: BaseFileLock | None = None) -> None:
        """Submit ``slots`` in the background; release ``lock`` once every one is done."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=min(_MAX_SUBMIT_WORKERS, max(1, len(slots))),
                    thread_name_prefix=f"{self._job_id[-8:]}-submit",
                )
            pool = self._pool
        bar = progress_bar(
            len(slots), "Submitting sub-jobs", self.options.with_progress_bar, unit="job"
        )
        scheduled: list[Slot] = []
        try:
            for slot in slots:
                slot.pending = True
                future = pool.submit(self._submit_slot, slot)
                future.add_done_callback(lambda _f: bar.update(1))
                slot.future = future
                scheduled.append(slot)
            closer = threading.Thread(target=_close_when_done, args=(slots, bar, lock), daemon=True)
            closer.start()
        except BaseException as exc:  # a thread could not start: fail what was not scheduled
            for slot in slots:
                if slot not in scheduled:
                    slot.submit_error = f"could not start the submission: {exc}"
                    slot.pending = False
            _release_when_done([s.future for s in scheduled if s.future], bar, lock)
            raise

    def _submit_slot(self, slot: Slot) -> None:
        try:
            if self._cancelled:
                slot.cancelled_before_submit = True
                if slot.circuits is not None:  # what run() encoded for it is not needed now
                    self._backend.forget_prepared(slot.circuits)
                return
            if slot.circuits is None:
                slot.submit_error = (
                    "the circuits of this slot are not known locally (the composite was rebuilt "
                    "from the server); they cannot be submitted again"
                )
                return
            backend: NexusBackend = self._backend
            job = slot.job
            if job is None or job.submitted:
                # A new sub-job: the transport gives it a new idempotency key, which
                # _before_start saves before the job is created.
                job = NexusJob(
                    backend,
                    backend.new_job_id(),
                    slot.circuits,
                    slot_options(self.options, slot.index),
                )
            job.state["composite"] = {
                "id": self._job_id,
                "index": slot.index,
                "total": len(self._slots),
                "start": slot.start,
                "end": slot.stop - 1,
                "attempt": slot.attempt,
                "circuits": self.num_circuits,
            }
            slot.job = job
            slot.submit_error = None
            job.request_executor = self._requests.lane(_UPLOAD, slot.index)
            job.before_start = self._before_start
            if job.state.get("client_key"):
                self._before_start()  # a key that may have been sent: on disk before its lookup
            job.submit()  # submit or adopt: a key that may have been sent is looked up first
        except _CancelledBeforeStart:  # cancel() came while the circuits uploaded
            slot.cancelled_before_submit = True
        except _NotPersisted as exc:
            slot.submit_error = str(exc)
        except Exception as exc:
            logger.warning(
                "sub-job for %s of %s failed to submit: %s", slot.label, self._job_id, exc
            )
            slot.submit_error = f"{type(exc).__name__}: {exc}"
        finally:
            self._persisted.wait()  # the composite's record is written last (write-ahead)
            slot.pending = False
            if self._persist_error is None:  # else the composite has no record: none is written
                try:
                    self._save()
                except Exception as exc:  # never lose the submission because the disk is full
                    logger.error("could not update composite record %s: %s", self._job_id, exc)

    def _before_start(self) -> None:
        """Called by a sub-job's transport before it creates the job (after its uploads):
        wait for the write-ahead, then save the record with the sub-job's idempotency key.

        Raises:
            _NotPersisted: the write-ahead failed; no sub-job of this submission is created.
            _CancelledBeforeStart: :meth:`cancel` was called meanwhile: no job is created.
        """
        self._persisted.wait()
        if self._persist_error is not None:
            raise _NotPersisted(self._persist_error)
        if self._cancelled:
            raise _CancelledBeforeStart
        self._save()  # the idempotency key is on disk before the POST

    def _wait_for_starter(self, deadline: float | None) -> None:
        """Wait until the write-ahead is done and every slot's submission is scheduled.

        Raises:
            qiskit.providers.JobTimeoutError: still going on at ``deadline``.
        """
        starter = getattr(self, "_starter", None)
        if starter is not None:
            starter.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if starter.is_alive():
                raise JobTimeoutError(f"Submission of {self._job_id} still running.")

    def block_for_submit(self, timeout: float | None = None) -> None:
        """Wait until every sub-job has been submitted (or failed to submit).

        Raises:
            qiskit.providers.JobTimeoutError: submissions were still going on after ``timeout``.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        self._wait_for_starter(deadline)
        for slot in self._slots:
            future = slot.future
            if future is None:
                continue
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                future.result(timeout=remaining)
            except TimeoutError:
                raise JobTimeoutError(
                    f"Submission of {self._job_id} still running after {timeout} s."
                ) from None

    # -- status ----------------------------------------------------------------------------
    def sub_jobs(self, block_for_submit: bool = True) -> list[NexusJob | None]:
        """The sub-jobs in slot order (``None`` for a slot with no sub-job yet)."""
        if block_for_submit:
            self.block_for_submit()
        return [slot.job for slot in self._slots]

    def sub_job(self, circuit_index: int) -> NexusJob | None:
        """The sub-job running circuit ``circuit_index`` of the input batch.

        Raises:
            IndexError: the index is outside the batch.
        """
        if not 0 <= circuit_index < self.num_circuits:
            raise IndexError(
                f"Circuit index {circuit_index} is outside the batch of {self.num_circuits}."
            )
        for slot in self._slots:
            if slot.start <= circuit_index < slot.stop:
                return slot.job
        raise AssertionError("slots do not cover the batch")  # pragma: no cover

    @property
    def slots(self) -> list[Slot]:
        """The slots (chunks of the batch) in order."""
        return list(self._slots)

    def status(self) -> JobStatus:
        """Aggregate status: the first of INITIALIZING, VALIDATING, QUEUED, RUNNING, ERROR,
        CANCELLED, DONE that any sub-job has."""
        seen = {slot.report().status for slot in self._slots}
        status = next(s for s in STATUS_PRIORITY if s in seen)
        self._save_if_newly_final()
        return status

    def _known_status(self) -> str | None:
        """The aggregate status, if every slot's is final and known without asking the backend."""
        seen = set()
        for slot in self._slots:
            if slot.cancelled_before_submit:
                seen.add(JobStatus.CANCELLED)
            elif slot.submit_error is not None:
                seen.add(JobStatus.ERROR)
            elif slot.pending or slot.job is None or slot.job._final is None:
                return None
            else:
                seen.add(slot.job._final.status)
        status = next((s for s in STATUS_PRIORITY if s in seen), None)
        return status.name if status is not None else None

    def _save_if_newly_final(self) -> None:
        """Record the aggregate status in the store once it is final (``qiskit-nexus jobs``)."""
        status = self._known_status()
        if status is not None and status != self._saved_status:
            self._saved_status = status
            try:
                self._save()
            except OSError as exc:
                logger.warning(
                    "could not record the status of composite job %s: %s", self.job_id(), exc
                )

    def error_message(self) -> str | None:
        """One line per failed or cancelled slot, or ``None``."""
        failures = self._failures()
        return "\n".join(f"{k}: {v}" for k, v in failures.items()) or None

    def _failures(self, unreachable: dict[int, str] | None = None) -> dict[str, str]:
        failures: dict[str, str] = {}
        for slot in self._slots:
            report = self._slot_report(slot, unreachable or {})
            if slot.index in (unreachable or {}):
                failures[slot.label] = report.message or "not finished"
            elif report.status in (JobStatus.ERROR, JobStatus.CANCELLED):
                who = f"{slot.label} (job {slot.job.job_id()})" if slot.job else slot.label
                message = report.message or "no reason given"
                # A remote job's message starts with its Nexus status ("ERROR; ..."): not twice.
                same = message.split(";", 1)[0] == report.status.name
                failures[who] = message if same else f"{report.status.name}: {message}"
        return failures

    def report(self, detailed: bool = True) -> str:
        """A summary of the sub-jobs; with ``detailed``, a table of slots, states, ids, errors."""
        reports = [slot.report() for slot in self._slots]
        counts: dict[str, int] = {}
        for r in reports:
            counts[r.status.name] = counts.get(r.status.name, 0) + 1
        summary = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items()))
        lines = [
            f"Composite job {self._job_id} on {self._backend.name}: {self.num_circuits} circuits "
            f"in {len(self._slots)} sub-jobs ({summary})"
        ]
        if detailed:
            rows = [("slot", "circuits", "status", "sub-job id", "message")]
            for slot, r in zip(self._slots, reports, strict=True):
                rows.append(
                    (
                        str(slot.index),
                        f"{slot.start}-{slot.stop - 1}",
                        r.status.name,
                        slot.job.job_id() if slot.job is not None else "-",
                        r.message or "",
                    )
                )
            widths = [max(len(row[i]) for row in rows) for i in range(4)]
            for row in rows:
                cells = [c.ljust(w) for c, w in zip(row[:4], widths, strict=True)]
                lines.append("  ".join([*cells, row[4]]).rstrip())
        return "\n".join(lines)

    # -- waiting and results -----------------------------------------------------------------
    def wait_for_final_state(
        self,
        timeout: float | None = None,
        wait: float | None = None,
        callback: WaitCallback | None = None,
    ) -> None:
        """Wait until every sub-job is final (see :meth:`.NexusJob.wait_for_final_state`).

        Raises:
            qiskit.providers.JobTimeoutError: not final after ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout

        def remaining() -> float | None:
            return None if deadline is None else max(0.0, deadline - time.monotonic())

        self.block_for_submit(remaining())
        bar = progress_bar(
            len(self._slots), "Waiting for sub-jobs", self.options.with_progress_bar, unit="job"
        )
        try:
            for slot in self._slots:
                if slot.job is not None and slot.submit_error is None and slot.job.submitted:
                    slot.job.wait_for_final_state(timeout=remaining(), wait=wait)
                bar.update(1)
                if callback is not None:
                    callback(self._job_id, self.status(), self)
        finally:
            bar.close()
        self._save_if_newly_final()

    def result(self, timeout: float | None = None, partial: bool = False) -> Result:
        """Wait for every sub-job and merge their results in input order.

        Args:
            timeout: seconds to wait at most.
            partial: keep going when sub-jobs failed or cannot be reached: their circuits become
                unsuccessful experiments (``result.results[i].success`` is false, ``status``
                holds the reason) so that indexes still match the input batch.  With
                ``partial=True`` nothing is raised for a slot: a sub-job still running at the
                timeout, or whose status or result could not be fetched, is reported as not
                finished, with the reason.

        Raises:
            CompositeJobError: some sub-jobs failed, were cancelled or could not be reached and
                ``partial`` is false; it names each such sub-job with its message.
            JobCancelledError: the composite was cancelled and ``partial`` is false.
            qiskit.providers.JobTimeoutError: ``timeout`` seconds passed first and ``partial`` is
                false.
        """
        if self._result is not None:
            return self._result
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            self._wait_for_starter(deadline)
        except JobTimeoutError:
            if not partial:
                raise
        # Sub-jobs still submitting are collected as soon as each is submitted: the first
        # sub-jobs' results download while later ones still upload (issue 13).
        unreachable = self._collect(deadline, partial)
        failures = self._failures(unreachable)
        if failures and not partial:
            if self._cancelled:
                raise JobCancelledError(self._job_id, "; ".join(failures.values()))
            raise CompositeJobError(self._job_id, failures)
        experiments = []
        for slot in self._slots:
            report = self._slot_report(slot, unreachable)
            if report.status is JobStatus.DONE and slot.job is not None:
                experiments.extend(slot.job.result().results)
            else:
                message = report.message or report.status.name
                for header in self._headers(slot):
                    experiments.append(failed_experiment(header, self.options.shots, message))
        result = make_result(
            experiments,
            backend_name=self._backend.name,
            backend_version=str(getattr(self._backend, "backend_version", "1")),
            job_id=self._job_id,
        )
        if not failures:
            self._result = result
            with contextlib.suppress(Exception):  # keep the finished results (offline)
                self._save()
        self._save_if_newly_final()
        return result

    def _collect(self, deadline: float | None, partial: bool) -> dict[int, str]:
        """Wait for every submitted sub-job and download its results, all sub-jobs at once.

        Each sub-job is waited for (on its own polling schedule) and its results downloaded
        as soon as it is done, by up to ``max_concurrent_requests`` daemon threads taking the
        sub-jobs in order: a sub-job that finishes first is downloaded while later ones still
        run, and no sub-job's poll waits for another's download (issue 13: sequential
        collection left finished sub-jobs undetected for up to a poll interval each).  The
        bound keeps a batch split into thousands of sub-jobs (``max_circuits_per_job=1``) from
        starting a thread, and a poller, per sub-job.  Daemon threads, so that an interrupted
        ``result()`` never keeps the interpreter alive.

        Returns:
            Reasons of the slots that could not be collected (``partial`` only for timeouts),
            by slot index.

        Raises:
            qiskit.providers.JobTimeoutError: a sub-job was not final by ``deadline`` and
                ``partial`` is false.
        """
        outcomes: dict[int, str | BaseException] = {}
        queued: list[Slot] = []
        finished: set[int] = set()
        finished_lock = threading.Lock()

        def record(index: int, outcome: str | BaseException) -> None:
            with finished_lock:
                outcomes[index] = outcome

        def collect(slot: Slot) -> None:
            future = slot.future
            if future is not None:  # still submitting: collect it as soon as it is submitted
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    future.result(timeout=remaining)
                except TimeoutError:
                    message = (
                        f"Submission of {slot.label} of {self._job_id} still running after the "
                        f"timeout{self._trouble()}."
                    )
                    timeout = JobTimeoutError(message)
                    record(slot.index, f"not submitted: {message}" if partial else timeout)
                    return
            job = slot.job
            if job is None or not job.submitted or slot.submit_error is not None:
                return
            job.request_executor = self._requests.lane(_DOWNLOAD, slot.index)
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                job.wait_for_final_state(timeout=remaining)
                if job.status() is JobStatus.DONE:
                    job.result(timeout=remaining)
            except JobTimeoutError as exc:
                record(slot.index, f"not finished: {exc}" if partial else exc)
            except (JobFailedError, JobCancelledError):
                pass  # reported by the slot's status
            except Exception as exc:
                logger.warning("%s of %s unreachable: %s", slot.label, self._job_id, exc)
                record(slot.index, f"not finished (unreachable: {type(exc).__name__}: {exc})")

        work: queue.SimpleQueue[Slot] = queue.SimpleQueue()
        for slot in self._slots:
            submitting = slot.future is not None and not slot.future.done()
            job = slot.job
            if not submitting and (
                job is None or not job.submitted or slot.submit_error is not None or slot.pending
            ):
                continue
            work.put(slot)
            queued.append(slot)

        def collector() -> None:
            while True:
                if deadline is not None and time.monotonic() >= deadline:
                    return  # what is left is reported as not finished
                try:
                    slot = work.get_nowait()
                except queue.Empty:
                    return
                collect(slot)
                with finished_lock:
                    finished.add(slot.index)

        threads = [
            threading.Thread(
                target=collector, name=f"{self._job_id[-8:]}-collect-{number}", daemon=True
            )
            for number in range(min(work.qsize(), self.options.max_concurrent_requests))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            # Until the deadline only: a download already in flight, or waiting for the shared
            # bound, must not hold result(timeout=...) past it (daemon threads finish alone).
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        with finished_lock:
            settled = dict(outcomes)
            late = [slot for slot in queued if slot.index not in finished]
        for slot in late:
            if slot.index in settled:
                continue
            message = (
                f"{slot.label} of {self._job_id} was not collected within the timeout"
                f"{self._trouble()}"
            )
            settled[slot.index] = (
                f"not finished: {message}" if partial else JobTimeoutError(message)
            )
        unreachable: dict[int, str] = {}
        for index in sorted(settled):
            outcome = settled[index]
            if isinstance(outcome, BaseException):
                raise outcome
            unreachable[index] = outcome
        return unreachable

    def _trouble(self) -> str:
        """``"; requests to the service are failing (last: ...)"`` when they are, else ``""``."""
        trouble = self._backend.connection_trouble()
        return "" if trouble is None else f"; requests to the service are failing (last: {trouble})"

    @staticmethod
    def _slot_report(slot: Slot, unreachable: dict[int, str]) -> StatusReport:
        if slot.index in unreachable:
            return StatusReport(JobStatus.RUNNING, unreachable[slot.index])
        try:
            return slot.report()
        except Exception as exc:  # a status query that could not be answered
            return StatusReport(JobStatus.RUNNING, f"not finished (unreachable: {exc})")

    def _headers(self, slot: Slot) -> list[dict[str, Any]]:
        if slot.circuits is not None:
            return [experiment_header(c) for c in slot.circuits]
        if slot.headers is not None:
            return slot.headers
        return [{"name": f"circuit-{i}"} for i in range(slot.start, slot.stop)]

    # -- control ---------------------------------------------------------------------------
    def cancel(self) -> bool:
        """Cancel every unfinished sub-job and every submission not yet made.

        Returns whether anything was cancelled.
        """
        self._cancelled = True
        self.block_for_submit()
        cancelled = any(slot.cancelled_before_submit for slot in self._slots)
        for slot in self._slots:
            if slot.job is not None and slot.job.submitted and not slot.job.status_report().final:
                cancelled = slot.job.cancel() or cancelled
        self._save()
        return cancelled

    def rerun_failed(self) -> list[int]:
        """Submit again the slots that ended in ERROR or CANCELLED, or were never submitted.

        Finished (DONE) sub-jobs are kept.  The composite record is re-read under the record's
        inter-process lock first, so a slot another process has already rerun is adopted rather
        than submitted twice; a slot whose earlier submission failed keeps its idempotency key
        and is looked up on Nexus before it is POSTed again.  The slots' records are written
        before any submission.  Returns at once; the new submissions run in the background like
        the first ones.

        Returns:
            The indexes of the slots submitted again.

        Raises:
            OSError: the slots could not be written to the store (nothing was submitted).
        """
        self.block_for_submit()
        lock = self._store.lock(self._job_id)
        lock.acquire()
        try:
            self._merge_from_store()
            self._cancelled = False
            self._result = None
            again = [
                slot
                for slot in self._slots
                if slot.report().status
                in (JobStatus.ERROR, JobStatus.CANCELLED, JobStatus.INITIALIZING)
            ]
            for slot in again:
                slot.cancelled_before_submit = False
                if slot.job is not None and slot.job.submitted:
                    slot.job = None  # it reached Nexus and failed there: a new attempt, a new key
                    slot.attempt += 1
                slot.submit_error = None
            if again:
                self._write_ahead(again)
        except BaseException:
            lock.release()
            raise
        if again:
            self._submit_slots(again, lock)
        else:
            lock.release()
        return [slot.index for slot in again]

    def _merge_from_store(self) -> None:
        """Adopt the sub-jobs another process recorded for a later attempt of a slot."""
        try:
            record = self._store.load(self._job_id)
            saved = {int(d["index"]): d for d in record.state["slots"]}
        except Exception as exc:  # nothing to merge: this process's view stands
            logger.debug("composite %s: no record to merge (%s)", self._job_id, exc)
            return
        for slot in self._slots:
            data = saved.get(slot.index)
            if data is None or int(data.get("attempt", 0)) <= slot.attempt:
                continue
            if slot.circuits is None or not data.get("job_id"):
                continue
            slot.attempt = int(data.get("attempt", 0))
            self._attach(slot, data)

    def _attach(self, slot: Slot, data: dict[str, Any]) -> bool:
        """Set ``slot.job`` from its stored data, adopting the sub-job if it reached Nexus.

        Returns whether the slot still needs to be submitted (its sub-job never reached Nexus
        and it had not failed to submit).
        """
        assert slot.circuits is not None
        backend: NexusBackend = self._backend
        options = slot_options(self.options, slot.index)
        state = dict(data.get("state") or {})
        job = NexusJob(backend, data["job_id"], slot.circuits, options, state=state, submitted=True)
        try:
            reached = backend.resume_job(job)
        except Exception as exc:
            slot.job = NexusJob(backend, data["job_id"], slot.circuits, options, state=state)
            slot.submit_error = (
                f"could not check whether the sub-job reached Nexus ({type(exc).__name__}: "
                f"{exc}); rerun_failed() looks again before submitting"
            )
            return False
        if reached:
            slot.job = job
            slot.submit_error = None  # a stale error: the sub-job exists after all
            return False
        # Never reached the server: same idempotency key, submitted again if it never failed.
        slot.job = NexusJob(backend, data["job_id"], slot.circuits, options, state=state)
        return slot.submit_error is None and not slot.cancelled_before_submit

    # -- persistence -----------------------------------------------------------------------
    def _slot_record_id(self, slot: Slot) -> str:
        return f"{self._job_id}.slot{slot.index:05d}"

    def _slot_record(self, slot: Slot) -> JobRecord:
        assert slot.circuits is not None
        return JobRecord(
            job_id=self._slot_record_id(slot),
            backend=self._backend.spec(),
            options=self.options.model_dump(mode="json"),
            circuits_qpy=encode_circuits(slot.circuits),
            state={"parent": self._job_id, "slot": slot.index},
        )

    def to_record(self) -> JobRecord:
        """The composite as a store record (its slots' circuits live in their own records)."""
        record = JobRecord(
            kind="composite",
            job_id=self._job_id,
            backend=self._backend.spec(),
            options=self.options.model_dump(mode="json"),
            state={
                "num_circuits": self.num_circuits,
                "cancelled": self._cancelled,
                "slots": [slot.to_json() for slot in self._slots],
            },
            status=self._known_status(),
        )
        if self._created is None:
            self._created = record.created  # later writes keep when it was first written
        else:
            record.created = self._created
        return record

    def _save(self, store: JobStore | None = None) -> None:
        with self._save_lock:
            (store or self._store).save(self.to_record())

    def persist(self, *, store_path: str | Path | None = None) -> Path:
        """Write the composite (and its slots' circuits) to a store; return the composite's file.

        The provider's store is kept up to date automatically; use this to copy the composite to
        another folder.
        """
        store = JobStore(store_path) if store_path is not None else self._store
        if store.path != self._store.path:
            for slot in self._slots:
                if slot.circuits is not None:
                    store.save(self._slot_record(slot))
        self._save(store)
        return store.file_for(self._job_id)

    @classmethod
    def restore(
        cls,
        job_id: str,
        *,
        token: str | None = None,
        url: str | None = None,
        store_path: str | Path | None = None,
        remove_from_store: bool = False,
    ) -> NexusCompositeJob:
        """Rebuild a composite from the store (see :meth:`.NexusJob.restore`)."""
        job = NexusJob.restore(
            job_id,
            token=token,
            url=url,
            store_path=store_path,
            remove_from_store=remove_from_store,
        )
        if not isinstance(job, NexusCompositeJob):
            raise TypeError(f"{job_id!r} is a plain job; use NexusJob.restore().")
        return job

    @classmethod
    def from_record(
        cls, backend: NexusBackend, record: JobRecord, store: JobStore
    ) -> NexusCompositeJob:
        """Rebuild from a store record: adopt every sub-job found, submit never-attempted slots.

        Runs under the record's inter-process lock and re-reads the record under it, so that two
        processes restoring the same composite at once submit each slot once at most.

        Raises:
            StoreCorruptError: the composite or a slot record is unreadable; it names the file.
        """
        lock = store.lock(record.job_id)
        lock.acquire()
        try:
            composite, unsubmitted = cls._rebuild(backend, store.load(record.job_id), store)
            if not (unsubmitted and not composite._cancelled):
                try:
                    composite._save()  # adopted sub-jobs and cleared errors
                except OSError as exc:
                    logger.error("could not update composite record %s: %s", record.job_id, exc)
        except BaseException:
            lock.release()
            raise
        if unsubmitted and not composite._cancelled:
            logger.info(
                "composite %s: submitting %d slot(s) that were never submitted",
                record.job_id,
                len(unsubmitted),
            )
            composite._submit_slots(unsubmitted, lock)
        else:
            lock.release()
        return composite

    @classmethod
    def _rebuild(
        cls, backend: NexusBackend, record: JobRecord, store: JobStore
    ) -> tuple[NexusCompositeJob, list[Slot]]:
        options = NexusOptions.validated(record.options)
        path = store.file_for(record.job_id)
        try:
            slot_data = [dict(d) for d in record.state["slots"]]
            composite = cls(backend, record.job_id, [], options, store)
            composite._created = record.created
            composite._started = True
            composite._cancelled = bool(record.state.get("cancelled"))
            composite._saved_status = record.status
            unsubmitted: list[Slot] = []
            for data in slot_data:
                slot = Slot(
                    index=int(data["index"]),
                    start=int(data["start"]),
                    stop=int(data["stop"]),
                    attempt=int(data.get("attempt", 0)),
                    submit_error=data.get("submit_error"),
                    cancelled_before_submit=bool(data.get("cancelled_before_submit")),
                )
                slot_record = store.load(composite._slot_record_id(slot))
                if slot_record.circuits_qpy is None:
                    raise StoreCorruptError(store.file_for(slot_record.job_id), "no circuits")
                slot.circuits = decode_circuits(slot_record.circuits_qpy)
                state = data.get("state") or {}
                if data.get("job_id") and (data.get("submitted") or state.get("client_key")):
                    if composite._attach(slot, data):
                        unsubmitted.append(slot)
                elif slot.submit_error is None and not slot.cancelled_before_submit:
                    unsubmitted.append(slot)
                composite._slots.append(slot)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoreCorruptError(path, f"invalid composite record ({exc!r})") from None
        return composite, unsubmitted

    @classmethod
    def from_sub_jobs(
        cls,
        backend: NexusBackend,
        job_id: str,
        options: NexusOptions,
        slots: Sequence[Slot],
        store: JobStore | None = None,
    ) -> NexusCompositeJob:
        """Build a composite from sub-jobs found on the server (used by ``retrieve_job``)."""
        composite = cls(backend, job_id, slots, options, store or _store_of(backend))
        composite._started = True
        return composite


class _NotPersisted(RuntimeError):
    """The composite's records could not be written: its sub-jobs are not created."""


class _CancelledBeforeStart(RuntimeError):
    """The composite was cancelled before this sub-job's job was created."""


def _store_of(backend: Any) -> JobStore:
    provider = getattr(backend, "provider", None)
    store = getattr(provider, "store", None)
    return store if isinstance(store, JobStore) else JobStore()


def _release_when_done(
    futures: list[Future[None]], bar: Any, lock: BaseFileLock | None = None
) -> None:
    """Close ``bar`` and release ``lock`` once every one of ``futures`` is done (no thread)."""
    remaining = [len(futures)]
    guard = threading.Lock()

    def one_done(_future: Future[None] | None = None) -> None:
        with guard:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            bar.close()
            if lock is not None:
                lock.release()

    if not futures:
        remaining[0] = 1
        one_done()
    for future in futures:
        future.add_done_callback(one_done)


def _close_when_done(slots: list[Slot], bar: Any, lock: BaseFileLock | None = None) -> None:
    try:
        for slot in slots:
            if slot.future is not None:
                with contextlib.suppress(Exception):  # reported on the slot
                    slot.future.result()
        bar.close()
    finally:
        if lock is not None:
            lock.release()
