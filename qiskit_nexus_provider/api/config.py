"""Timeouts and the retry policy of the Nexus REST client.

A single :class:`RetryPolicy` instance decides, for every HTTP call a client makes, whether a
failure is retried and how long to wait first.  It holds no state, so one instance can be shared
by any number of threads and clients.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["DEFAULT_RETRY_STATUSES", "RetryPolicy", "Timeouts"]

DEFAULT_RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
"""HTTP status codes retried by default."""


@dataclass(frozen=True)
class Timeouts:
    """Per-request timeouts, in seconds.

    Args:
        connect: Time allowed to establish a connection.
        read: Time allowed between bytes of a response, for ordinary requests.
        upload: Read timeout for requests that upload programs or submit jobs, whose bodies can be
            large and which the server may take a while to answer.
    """

    connect: float = 10.0
    read: float = 60.0
    upload: float = 300.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "upload"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Timeouts.{name} must be positive")

    def for_request(self, *, upload: bool = False) -> tuple[float, float]:
        """Return the ``(connect, read)`` tuple ``requests`` expects.

        Args:
            upload: Use the upload timeout as the read timeout.

        Returns:
            The timeout tuple.
        """
        return (self.connect, self.upload if upload else self.read)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before retrying a failed HTTP request.

    Failures retried are connection errors, timeouts and responses whose status is in
    ``retry_statuses``.  The delay before retry ``n`` (``n = 1`` for the first retry) is
    ``min(max_delay, base_delay * backoff_factor ** (n - 1))``, reduced by a random fraction of at
    most ``jitter``.  A ``Retry-After`` header (seconds or an HTTP date) replaces that delay,
    capped at ``max_retry_after``.

    The defaults are sized for a flaky service: with 30 % of requests failing independently
    (20 % 5xx, 5 % 429, 5 % dropped responses), a request still fails after 12 attempts with
    probability ``0.3 ** 12`` (about 5e-7), so a 1000-circuit batch (about 1100 requests) goes
    through; the longest wait before giving up on a dead server is about 105 s
    (``0.5 + 1 + 2 + 4 + 8 + 6 * 15``).  Waits for a job's status and result downloads retry on
    top of this (see :func:`~qiskit_nexus_provider.jobs.polling.poll_until_final`).

    A server that has never answered (no connection could be opened since the client was made:
    a wrong URL, a closed port, no network) is a configuration error far more often than an
    outage, so such failures get only ``first_contact_attempts`` attempts (about 1.5 s by
    default) before :class:`.NexusConnectionError` names the URL; once the server has answered
    once, the full budget applies.

    Args:
        max_attempts: Total number of attempts, including the first; ``1`` disables retries.
        base_delay: Delay before the first retry, in seconds.
        backoff_factor: Growth factor of the delay between consecutive retries.
        max_delay: Upper bound of the computed (non ``Retry-After``) delay.
        jitter: Fraction in ``[0, 1]`` by which a computed delay is randomly shortened.
        retry_statuses: HTTP status codes that are retried.
        max_retry_after: Upper bound applied to a server's ``Retry-After``.
        first_contact_attempts: Attempts allowed for a connection that cannot be opened while
            the server has never answered this client.
        random: Source of uniform numbers in ``[0, 1)`` for the jitter.
        sleep: Function that waits between attempts (tests inject a fake one).
    """

    max_attempts: int = 12
    base_delay: float = 0.5
    backoff_factor: float = 2.0
    max_delay: float = 15.0
    jitter: float = 0.25
    retry_statuses: frozenset[int] = DEFAULT_RETRY_STATUSES
    max_retry_after: float = 120.0
    first_contact_attempts: int = 3
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.first_contact_attempts < 1:
            raise ValueError("RetryPolicy.first_contact_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("RetryPolicy delays must not be negative")
        if self.backoff_factor < 1:
            raise ValueError("RetryPolicy.backoff_factor must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("RetryPolicy.jitter must be between 0 and 1")
        object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))

    def can_retry(self, attempt: int) -> bool:
        """Whether another attempt is allowed after ``attempt`` attempts were made."""
        return attempt < self.max_attempts

    def is_retryable_status(self, status_code: int) -> bool:
        """Whether a response with this status code is retried."""
        return status_code in self.retry_statuses

    def backoff(self, retry_number: int) -> float:
        """The jittered exponential delay before retry number ``retry_number`` (from 1)."""
        exponent = max(retry_number - 1, 0)
        raw = min(self.max_delay, self.base_delay * self.backoff_factor**exponent)
        return raw * (1.0 - self.jitter * self.random())

    def delay(
        self,
        retry_number: int,
        retry_after: str | None = None,
        *,
        now: _dt.datetime | None = None,
    ) -> float:
        """Seconds to wait before retry number ``retry_number`` (from 1).

        Args:
            retry_number: 1 for the first retry, 2 for the second, and so on.
            retry_after: The value of the response's ``Retry-After`` header, if any.
            now: The current time, for HTTP-date values (defaults to the system clock).

        Returns:
            The delay in seconds.
        """
        parsed = parse_retry_after(retry_after, now=now)
        if parsed is not None:
            return min(parsed, self.max_retry_after)
        return self.backoff(retry_number)


def parse_retry_after(value: str | None, *, now: _dt.datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header.

    Args:
        value: The header, either delay-seconds or an HTTP date.
        now: The current time used for HTTP dates (defaults to the system clock).

    Returns:
        The non-negative number of seconds to wait, or ``None`` if the header is absent or invalid.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if seconds == seconds else None  # reject NaN
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    current = now if now is not None else _dt.datetime.now(_dt.timezone.utc)
    return max((when - current).total_seconds(), 0.0)
