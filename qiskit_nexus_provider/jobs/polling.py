"""Waiting for a remote job: polling with a doubling, capped interval that rides out outages.

A wait ends only at a final status or at the user's timeout.  A status query that fails with a
*transient* error (no response, a 5xx, a 429: :func:`is_transient`) after the client's own
retries is logged and tried again later, with the same capped backoff, instead of ending the wait:
the job lives on at Nexus while the network or the service is down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from qiskit.providers import JobTimeoutError

from ..api.errors import NexusConnectionError, RateLimitedError, ServerError
from .transport import StatusReport

__all__ = ["is_transient", "poll_until_final", "retry_transient"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_TRANSIENT = (NexusConnectionError, ServerError, RateLimitedError)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` says "try again later" (no response, HTTP 5xx or 429), not "never"."""
    return isinstance(exc, _TRANSIENT)


def _timeout_error(timeout: float, what: str, last: str) -> JobTimeoutError:
    return JobTimeoutError(
        f"Timed out after {timeout:g} s waiting for {what} ({last}). The job keeps running; "
        "wait again or persist it and collect it later."
    )


def retry_transient(
    call: Callable[[], T],
    *,
    timeout: float | None,
    initial_interval: float,
    max_interval: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``call`` until it succeeds, retrying transient errors with a doubling, capped wait.

    Args:
        call: the operation (a result download, a status query).
        timeout: seconds before :class:`~qiskit.providers.JobTimeoutError`; ``None``: no limit.
        initial_interval: first wait after a transient failure, in seconds.
        max_interval: cap of the wait.
        what: what is being done, for the log and the timeout message.

    Raises:
        qiskit.providers.JobTimeoutError: still failing after ``timeout`` seconds.
        NexusAPIError: a failure that is not transient (e.g. 404, 403), at once.
    """
    start = clock()
    interval = max(initial_interval, 1e-3)
    while True:
        try:
            return call()
        except _TRANSIENT as exc:
            remaining = None if timeout is None else timeout - (clock() - start)
            if remaining is not None and remaining <= 0:
                raise _timeout_error(timeout or 0.0, what, f"last error: {exc}") from None
            logger.warning("%s: %s; trying again in %.2f s", what, exc, interval)
            sleep(interval if remaining is None else min(interval, remaining))
            interval = min(interval * 2, max_interval)


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
    reported_timeout: float | None = None,
) -> StatusReport:
    """Query until the status is final, waiting ``initial_interval``, doubling to ``max_interval``.

    Transient query failures (:func:`is_transient`) are logged and retried on the same schedule;
    they never end the wait.

    Args:
        query: one status query.
        timeout: seconds before :class:`~qiskit.providers.JobTimeoutError`; ``None`` waits forever.
        initial_interval: first wait, in seconds.
        max_interval: cap of the wait.
        on_status: called with every status seen.
        sleep: the sleep function (tests inject a fake clock).
        clock: monotonic clock.
        what: name used in the timeout message.
        reported_timeout: the timeout the message names, when ``timeout`` is what is left of
            it (default: ``timeout``).

    Returns:
        The final status.

    Raises:
        qiskit.providers.JobTimeoutError: not final after ``timeout`` seconds.
        NexusAPIError: a query failed for a reason that is not transient (e.g. 403).
    """
    start = clock()
    interval = max(initial_interval, 1e-3)
    while True:
        try:
            report = query()
        except _TRANSIENT as exc:
            logger.warning("status of %s: %s; trying again in %.2f s", what, exc, interval)
            last = f"status unknown: {exc}"
        else:
            if on_status is not None:
                on_status(report)
            if report.final:
                return report
            last = f"last status {report.status.name}"
        if timeout is not None:
            remaining = timeout - (clock() - start)
            if remaining <= 0:
                raise _timeout_error(
                    timeout if reported_timeout is None else reported_timeout, what, last
                )
            sleep(min(interval, remaining))
        else:
            sleep(interval)
        interval = min(interval * 2, max_interval)
