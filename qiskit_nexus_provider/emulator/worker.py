"""The background threads that move jobs SUBMITTED → QUEUED → RUNNING → final status.

The workers sleep on a condition variable and wake when a job is submitted, retried or resumed
(:meth:`Worker.notify`); nothing polls.  Jobs start oldest first and are simulated one at a
time, each to its end (:class:`.SimulationTurn`); :data:`WORKER_THREADS` threads let the next
job read and translate its first circuits while the previous one simulates.  For 1000 circuits
in four jobs, that reading took 0.19 s during which the simulation process waited
(``benchmarks/bench_issue13.py``, 2026-12-01).
"""

from __future__ import annotations

import logging
import threading

from qiskit_nexus_provider.emulator.runner import run_job
from qiskit_nexus_provider.emulator.simulator_process import interrupt
from qiskit_nexus_provider.emulator.store import Store

__all__ = ["WORKER_THREADS", "Worker"]

logger = logging.getLogger(__name__)

WORKER_THREADS = 2
"""Jobs running at once: one simulating, the next preparing its circuits (see the module)."""


class Worker:
    """Runs queued jobs on a daemon thread.

    Args:
        store: The emulator's state.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cond = threading.Condition()
        self._pending = True  # look for work (jobs to resume) at start
        self._paused = False
        self._stopping = False
        self._busy = 0  # threads looking for or running jobs
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the threads."""
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._loop, name=f"nexus-emulator-worker-{i}", daemon=True)
                for i in range(WORKER_THREADS)
            ]
            for thread in self._threads:
                thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Stop the threads after their current chunk of work."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        interrupt(self.store)  # a simulation in progress for this emulator ends now
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("worker still busy after %s s; abandoning it", timeout)

    def notify(self) -> None:
        """Tell the workers that there may be new work."""
        with self._cond:
            self._pending = True
            self._cond.notify_all()

    def pause(self) -> None:
        """Stop starting jobs (submitted jobs still become ``QUEUED``) until :meth:`resume`."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        """Start running jobs again after :meth:`pause`."""
        with self._cond:
            self._paused = False
            self._pending = True
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        """Whether the worker is paused."""
        return self._paused

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the workers have nothing left to do; ``False`` on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._stopping or (self._busy == 0 and not self._pending), timeout
            )

    def _should_stop(self) -> bool:
        return self._stopping

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._pending:
                    self._cond.wait()
                if self._stopping:
                    self._cond.notify_all()
                    return
                self._pending = False
                self._busy += 1
            try:
                self._drain()
            except Exception:
                logger.exception("nexus emulator worker error")
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

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
            run_job(self.store, job, self._should_stop)
