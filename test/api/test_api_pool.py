"""The shared request pool: a bound on calls in flight, served by priority, then submission."""

from __future__ import annotations

import threading
import time

import pytest

from qiskit_nexus_provider.api.pool import PriorityPool


def _until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``condition()`` (a condition, not a duration)."""
    event, deadline = threading.Event(), time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        event.wait(0.001)


def test_calls_run_lowest_priority_first_then_in_submission_order() -> None:
    pool = PriorityPool(1)
    release = threading.Event()
    blocker = pool.submit((0,), release.wait, 30)  # the only thread is busy: the rest waits
    _until(lambda: pool._idle == 0 and not pool._heap)
    order: list[str] = []
    submitted = [
        ((1, 0), "download 0"),
        ((0, 2), "upload 2a"),
        ((0, 1), "upload 1"),
        ((1, 0), "download 0b"),
        ((0, 2), "upload 2b"),
    ]
    futures = [pool.submit(p, order.append, name) for p, name in submitted]
    release.set()
    for future in [blocker, *futures]:
        future.result(timeout=30)
    assert order == ["upload 1", "upload 2a", "upload 2b", "download 0", "download 0b"]


def test_the_bound_holds_across_lanes() -> None:
    pool = PriorityPool(3)
    lock, go = threading.Lock(), threading.Event()
    inside, most = [0], [0]

    def work(_: int) -> None:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        go.wait(30)
        with lock:
            inside[0] -= 1

    futures = [pool.lane(lane, 0).submit(work, i) for lane in (0, 1) for i in range(6)]
    _until(lambda: inside[0] == 3)
    go.set()
    for future in futures:
        future.result(timeout=30)
    assert most[0] == 3
    assert pool._threads <= 3


def test_lane_map_keeps_order_and_errors_reach_the_caller() -> None:
    lane = PriorityPool(4).lane(1, 7)
    assert list(lane.map(lambda x: x * x, range(20))) == [x * x for x in range(20)]
    with pytest.raises(ZeroDivisionError):
        lane.submit(lambda: 1 / 0).result(timeout=30)
    lane.shutdown()  # the pool outlives its lanes
    assert lane.submit(lambda: "still running").result(timeout=30) == "still running"


def test_a_call_cancelled_before_it_starts_never_runs() -> None:
    pool = PriorityPool(1)
    release = threading.Event()
    pool.submit((0,), release.wait, 30)
    ran: list[int] = []
    waiting = pool.submit((0,), ran.append, 1)
    assert waiting.cancel()
    last = pool.submit((0,), ran.append, 2)
    release.set()
    last.result(timeout=30)
    assert ran == [2]


def test_idle_threads_end() -> None:
    pool = PriorityPool(4, idle_timeout=0.05)
    list(pool.lane(0).map(abs, range(-50, 0)))
    _until(lambda: pool._threads == 0)
    assert pool.lane(0).submit(abs, -3).result(timeout=30) == 3  # and start again on demand


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        PriorityPool(0)
