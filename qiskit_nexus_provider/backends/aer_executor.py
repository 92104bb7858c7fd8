"""Run one offline job's circuits on an executor (a Dask cluster, a process pool), in parts.

qiskit-aer accepts an ``executor`` run option (any object with
:meth:`concurrent.futures.Executor.submit`, such as a :class:`dask.distributed.Client`) but
hands it the whole batch as one task, so a batch never spreads over more than one worker.
:func:`submit_in_parts` cuts the batch into contiguous parts, runs each part with
``AerSimulator.run`` on the executor and :class:`ExecutorAerJob` joins their results in order.

Seeds: Aer seeds circuit ``i`` of a batch run with ``seed_simulator=s`` with
``s + AER_SEED_STRIDE * i``; the part starting at circuit ``i`` runs with exactly that seed, so
the counts equal those of the single-process run with the same ``seed_simulator``, whatever the
number of parts (checked by ``test/backends/test_aer_executor.py``).
"""

from __future__ import annotations

import concurrent.futures
import copy
import math
import time
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.providers import JobStatus
from qiskit.result import Result
from qiskit_aer import AerSimulator

__all__ = [
    "AER_SEED_STRIDE",
    "ExecutorAerJob",
    "available_devices",
    "executor_workers",
    "submit_in_parts",
]

AER_SEED_STRIDE = 2113
"""Difference between the seeds Aer gives consecutive circuits of one batch (qiskit-aer 0.17+)."""


@lru_cache(maxsize=1)
def available_devices() -> tuple[str, ...]:
    """Devices this qiskit-aer build can simulate on (``"CPU"``, and ``"GPU"`` with
    qiskit-aer-gpu on a machine with a CUDA GPU), from ``AerSimulator().available_devices()``."""
    return tuple(AerSimulator().available_devices())


def executor_workers(executor: Any) -> int:
    """Number of workers of ``executor``: a Dask client's current workers, a
    :mod:`concurrent.futures` pool's ``max_workers``, else 1."""
    scheduler_info = getattr(executor, "scheduler_info", None)
    if callable(scheduler_info):
        try:
            return max(1, len(scheduler_info().get("workers", {})))
        except Exception:  # a client that lost its scheduler: the run will say so
            return 1
    workers = getattr(executor, "_max_workers", None)
    return workers if isinstance(workers, int) and workers > 0 else 1


def _run_part(
    simulator: AerSimulator, circuits: list[QuantumCircuit], options: dict[str, Any]
) -> Result:
    # Runs on the executor's worker; Aer's own thread there does the work.
    return simulator.run(circuits, **options).result()


class ExecutorAerJob:
    """The parts of one batch running on an executor, with the interface of an ``AerJob``
    the offline backend uses: :meth:`status`, :meth:`result`, :meth:`cancel`."""

    def __init__(self, futures: list[Any]) -> None:
        self._futures = futures

    def status(self) -> JobStatus:
        """``DONE``/``ERROR``/``CANCELLED`` once every part has finished, else ``RUNNING``."""
        if not all(f.done() for f in self._futures):
            return JobStatus.RUNNING
        if any(f.cancelled() for f in self._futures):
            return JobStatus.CANCELLED
        if any(f.exception() is not None for f in self._futures):
            return JobStatus.ERROR
        return JobStatus.DONE

    def result(self, timeout: float | None = None) -> Result:
        """The parts' results joined in circuit order.

        Raises:
            concurrent.futures.TimeoutError: ``timeout`` seconds passed first.
            Exception: whatever a part raised on its worker.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        parts: list[Result] = []
        for future in self._futures:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                parts.append(future.result(timeout=remaining))
            except TimeoutError as exc:  # Dask raises the builtin one
                raise concurrent.futures.TimeoutError(str(exc)) from None
        joined = copy.copy(parts[0])
        joined.results = [r for part in parts for r in part.results]
        joined.success = all(part.success for part in parts)
        joined.time_taken = sum(getattr(part, "time_taken", 0.0) or 0.0 for part in parts)
        return joined

    def cancel(self) -> bool:
        """Cancel the parts not yet started (as ``Future.cancel``)."""
        return all([bool(f.cancel()) for f in self._futures])


def submit_in_parts(
    simulator: AerSimulator,
    circuits: Sequence[QuantumCircuit],
    executor: Any,
    options: dict[str, Any],
    max_job_size: int | None,
) -> ExecutorAerJob:
    """Submit ``circuits`` to ``executor`` in parts of at most ``max_job_size`` circuits.

    Args:
        simulator: the simulator (with its noise model) each part runs on; pickled to the
            worker when the executor runs in other processes.
        circuits: the batch.
        executor: an object with ``submit(fn, *args)`` returning a future
            (``concurrent.futures`` or ``dask.distributed``).
        options: Aer run options; must hold ``seed_simulator`` (each part gets its circuits'
            seeds, see the module docs).
        max_job_size: circuits per part; ``None`` splits the batch evenly over the
            executor's workers (:func:`executor_workers`).

    Returns:
        A handle on the running parts.
    """
    batch = list(circuits)
    size = max_job_size or math.ceil(len(batch) / executor_workers(executor))
    size = max(1, size)
    seed = options["seed_simulator"]
    futures = []
    for start in range(0, len(batch), size):
        part_options = {**options, "seed_simulator": seed + AER_SEED_STRIDE * start}
        futures.append(
            executor.submit(_run_part, simulator, batch[start : start + size], part_options)
        )
    return ExecutorAerJob(futures)
