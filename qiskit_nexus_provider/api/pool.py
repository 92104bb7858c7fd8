"""Threads sending the requests of several operations at once, in order of priority.

The ``max_concurrent_requests`` run option bounds the requests a job has in flight.  A composite
job's sub-jobs upload and download at the same time: with a thread pool each, four sub-jobs
uploading with 32 threads each had 128 requests in flight, and with one shared semaphore their
uploads still interleaved, so every sub-job's execute job started late, near the end of all
uploads (issue 13).  The composite job therefore hands its sub-jobs one :class:`PriorityPool`
of ``max_concurrent_requests`` threads, and each sub-job submits its requests to it at a
priority (:meth:`PriorityPool.lane`): uploads before downloads, earlier sub-jobs first.  The
threads always take the first request in that order, so the first sub-job's circuits are all
uploaded, and its job started, before the second's uploads begin, while the bound on requests
in flight holds for the whole composite job.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from typing import Any

__all__ = ["PriorityPool", "run_concurrently", "submit_each"]

_Task = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class PriorityPool:
    """Up to ``workers`` daemon threads running submitted calls, lowest priority first, then in
    submission order.

    Threads start when calls wait and none is idle, and end after ``idle_timeout`` seconds
    without work, so a pool that is no longer used holds no thread.

    Args:
        workers: Calls running at once (at least 1): the bound on requests in flight.
        idle_timeout: Seconds a thread waits for work before it ends.
        name: Prefix of the threads' names.

    Raises:
        ValueError: ``workers`` is below 1.
    """

    def __init__(self, workers: int, *, idle_timeout: float = 5.0, name: str = "nexus") -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.workers = workers
        self._idle_timeout = idle_timeout
        self._name = name
        self._heap: list[tuple[tuple[int, ...], int, _Task]] = []
        self._order = itertools.count()
        self._ready = threading.Condition(threading.Lock())
        self._threads = 0
        self._idle = 0

    def submit(
        self, priority: tuple[int, ...], fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` on a thread of the pool, after every waiting call of a
        lower ``priority``; the future of its result (cancellable until it starts)."""
        return self.submit_all(priority, fn, [args], kwargs)[0]

    def submit_all(
        self,
        priority: tuple[int, ...],
        fn: Callable[..., Any],
        arguments: Iterable[tuple[Any, ...]],
        kwargs: dict[str, Any] | None = None,
    ) -> list[Future[Any]]:
        """:meth:`submit` ``fn(*args, **kwargs)`` for every ``args`` of ``arguments`` at once.

        All calls are queued together, so no call another thread submits meanwhile comes
        between them (one by one, the submitting thread, waiting for the interpreter lock
        between calls, queued a sub-job's 300 uploads over half a second while the next
        sub-job queued its own: they interleaved).
        """
        kwargs = kwargs or {}
        futures: list[Future[Any]] = []
        with self._ready:
            for args in arguments:
                future: Future[Any] = Future()
                heapq.heappush(
                    self._heap, (priority, next(self._order), (future, fn, args, kwargs))
                )
                futures.append(future)
            while self._threads < self.workers and len(self._heap) > self._idle:
                self._threads += 1
                self._idle += 1  # counted idle until it takes its first call
                threading.Thread(
                    target=self._work, name=f"{self._name}-{next(self._order)}", daemon=True
                ).start()
            self._ready.notify(len(futures))
        return futures

    def lane(self, *priority: int) -> Executor:
        """An :class:`~concurrent.futures.Executor` submitting to this pool at ``priority``.

        Its ``shutdown`` does nothing: the pool outlives its lanes.
        """
        return _Lane(self, tuple(priority))

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._heap:
                    if not self._ready.wait(self._idle_timeout) and not self._heap:
                        self._idle -= 1
                        self._threads -= 1
                        return
                task = heapq.heappop(self._heap)[2]
                self._idle -= 1
            _run(task)
            del task  # nothing of a call outlives it while the thread waits
            with self._ready:
                self._idle += 1


def _run(task: _Task) -> None:
    future, fn, args, kwargs = task
    if not future.set_running_or_notify_cancel():
        return  # cancelled before it started
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:
        future.set_exception(exc)
    else:
        future.set_result(result)


class _Lane(Executor):
    def __init__(self, pool: PriorityPool, priority: tuple[int, ...]) -> None:
        self._pool, self._priority = pool, priority

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._pool.submit(self._priority, fn, *args, **kwargs)

    def submit_all(
        self, fn: Callable[..., Any], arguments: Iterable[tuple[Any, ...]]
    ) -> list[Future[Any]]:
        return self._pool.submit_all(self._priority, fn, arguments)

    def map(
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        """:meth:`Executor.map`, its calls queued together (:meth:`PriorityPool.submit_all`)."""
        futures = self.submit_all(fn, zip(*iterables, strict=False))
        return _results(futures, timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing: the lane's pool keeps running the calls of its other lanes."""


def submit_each(
    executor: Executor, fn: Callable[..., Any], arguments: Iterable[tuple[Any, ...]]
) -> list[Future[Any]]:
    """``executor.submit(fn, *args)`` for every ``args``; all queued together on a lane of a
    :class:`PriorityPool` (see :meth:`PriorityPool.submit_all`)."""
    if isinstance(executor, _Lane):
        return executor.submit_all(fn, arguments)
    return [executor.submit(fn, *args) for args in arguments]


def _results(futures: list[Future[Any]], timeout: float | None) -> Iterator[Any]:
    """The results of ``futures`` in order, as :meth:`Executor.map` yields them."""
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        for future in futures:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            yield future.result(remaining)
    finally:
        for future in futures:
            future.cancel()


def run_concurrently(
    fn: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    *,
    executor: Executor | None = None,
    max_workers: int = 8,
    name: str = "nexus-request",
    progress: Callable[[int], None] | None = None,
) -> list[Any]:
    """``fn(*args)`` for every ``args`` of ``arguments``, at most ``max_workers`` at once on a
    thread pool of their own, or on ``executor`` (a lane of a :class:`PriorityPool`); the results
    in the order of ``arguments``.

    ``progress`` is called in the calling thread with the number of calls done so far, after
    each one.  The first call that raises cancels those not yet started, and its exception is
    raised.
    """
    if not arguments:
        return []
    pool_context = (
        ThreadPoolExecutor(max_workers=min(max_workers, len(arguments)), thread_name_prefix=name)
        if executor is None
        else nullcontext(executor)
    )
    with pool_context as pool:
        futures = submit_each(pool, fn, arguments)
        # as_completed registers one waiter for the whole batch: calling wait() on the pending
        # set after every completion made n uploads cost O(n**2) (minutes for 10k).
        for done_count, future in enumerate(as_completed(futures), start=1):
            if future.exception() is not None:
                for other in futures:
                    other.cancel()
                future.result()  # raises
            if progress is not None:
                progress(done_count)
        return [future.result() for future in futures]
