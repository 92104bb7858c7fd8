"""Waiting for a remote status: polling with a doubling, capped interval, never a busy loop."""

from __future__ import annotations

import time
from collections.abc import Callable

from qiskit.providers import JobTimeoutError

from .transport import StatusReport

__all__ = ["poll_until_final"]


def poll_until_final(
    query: Callable[[], StatusReport],
    *,
    timeout: float | None,
    initial_interval: float,
    max_interval: float,
    on_status: Callable[[StatusReport], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    what: str = "job",
) -> StatusReport:
    """Query until the status is final, waiting ``initial_interval``, doubling to ``max_interval``.

    Args:
        query: one status query.
        timeout: seconds before :class:`~qiskit.providers.JobTimeoutError`; ``None`` waits forever.
        initial_interval: first wait, in seconds.
        max_interval: cap of the wait.
        on_status: called with every status seen.
        sleep: the sleep function (tests inject a fake clock).
        clock: monotonic clock.
        what: name used in the timeout message.

    Returns:
        The final status.
    """
    start = clock()
    interval = max(initial_interval, 1e-3)
    while True:
        report = query()
        if on_status is not None:
            on_status(report)
        if report.final:
            return report
        if timeout is not None:
            remaining = timeout - (clock() - start)
            if remaining <= 0:
                raise JobTimeoutError(
                    f"Timed out after {timeout:g} s waiting for {what} "
                    f"(last status {report.status.name}). The job keeps running; wait again or "
                    "persist it and collect it later."
                )
            sleep(min(interval, remaining))
        else:
            sleep(interval)
        interval = min(interval * 2, max_interval)
