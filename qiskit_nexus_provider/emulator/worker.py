"""The background thread that moves jobs SUBMITTED → QUEUED → RUNNING → final status.

The worker sleeps on a condition variable and wakes when a job is submitted, retried or
resumed (:meth:`Worker.notify`); nothing polls.  Jobs run one at a time, oldest first.
"""

from __future__ import annotations

import logging
import threading

from qiskit_nexus_provider.emulator.lookahead import Lookahead
from qiskit_nexus_provider.emulator.runner import CHUNK_SIZE, run_job
from qiskit_nexus_provider.emulator.simulator_process import interrupt
from qiskit_nexus_provider.emulator.store import Store

__all__ = ["Worker"]

logger = logging.getLogger(__name__)


class Worker:
    """Runs queued jobs on a daemon thread.

    Args:
        store: The emulator's state.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lookahead = Lookahead(store, CHUNK_SIZE)
        """Prepares the next job's first circuits while one simulates (:mod:`.lookahead`)."""
        self._cond = threading.Condition()
        self._pending = True  # look for work (jobs to resume) at start
        self._paused = False
        self._stopping = False
        self._idle = False
        self._running = False  # a job is running
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="nexus-emulator-worker", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Stop the thread after the current chunk of work."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        interrupt(self.store)  # a simulation in progress for this emulator ends now
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("worker still busy after %s s; abandoning it", timeout)

    def notify(self) -> None:
        """Tell the worker that there may be new work."""
        with self._cond:
            self._pending = True
            self._idle = False
            self._cond.notify_all()
            running = self._running
        if running:  # a job submitted while another runs: prepare its first circuits now
            self.lookahead.start()

    def pause(self) -> None:
        """Stop starting jobs (submitted jobs still become ``QUEUED``) until :meth:`resume`."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        """Start running jobs again after :meth:`pause`."""
        with self._cond:
            self._paused = False
            self._pending = True
            self._idle = False
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        """Whether the worker is paused."""
        return self._paused

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the worker has nothing left to do; ``False`` on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._stopping or (self._idle and not self._pending), timeout
            )

    def _should_stop(self) -> bool:
        return self._stopping

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._pending:
                    self._idle = True
                    self._cond.notify_all()
                    self._cond.wait()
                if self._stopping:
                    self._cond.notify_all()
                    return
                self._pending = False
                self._idle = False
            try:
                self._drain()
            except Exception:
                logger.exception("nexus emulator worker error")

    def _drain(self) -> None:
        while True:
            self.store.queue_submitted()
            with self._cond:
                if self._stopping:
                    return
                if self._paused:
                    return  # resume() sets _pending and wakes the loop
            job = self.store.claim_next_job()
            if job is None:
                return
            logger.info("running %s job %s (%s)", job.job_type, job.id, job.name)
            self._running = True
            try:
                run_job(self.store, job, self._should_stop, self.lookahead)
            finally:
                self._running = False
