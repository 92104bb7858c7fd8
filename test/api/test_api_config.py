"""Timeouts and the retry policy's arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qiskit_nexus_provider.api import RetryPolicy, Timeouts
from qiskit_nexus_provider.api.config import parse_retry_after

NOW = dt.datetime(2025, 3, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


def test_timeouts_defaults_and_tuples() -> None:
    timeouts = Timeouts()
    assert timeouts.for_request() == (10.0, 60.0)
    assert timeouts.for_request(upload=True) == (10.0, 300.0)
    assert Timeouts(connect=1, read=2, upload=3).for_request(upload=True) == (1, 3)


@pytest.mark.parametrize("field", ["connect", "read", "upload"])
def test_timeouts_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Timeouts(**{field: 0})


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, backoff_factor=2, max_delay=3.0, jitter=0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_shortens_by_at_most_the_fraction() -> None:
    assert RetryPolicy(jitter=0.25, random=lambda: 1.0).backoff(1) == pytest.approx(0.375)
    assert RetryPolicy(jitter=0.25, random=lambda: 0.0).backoff(1) == pytest.approx(0.5)


@given(
    retry_number=st.integers(min_value=1, max_value=60),
    jitter=st.floats(min_value=0, max_value=1),
    rand=st.floats(min_value=0, max_value=0.999999),
)
def test_backoff_stays_within_bounds(retry_number: int, jitter: float, rand: float) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=30.0, jitter=jitter, random=lambda: rand)
    raw = min(30.0, 0.5 * 2 ** (retry_number - 1))
    delay = policy.backoff(retry_number)
    assert raw * (1 - jitter) - 1e-9 <= delay <= raw + 1e-9
    assert delay <= 30.0 + 1e-9


def test_retry_after_seconds_replaces_backoff_and_is_capped() -> None:
    policy = RetryPolicy(jitter=0, max_retry_after=10.0)
    assert policy.delay(1, "7") == 7.0
    assert policy.delay(3, "1.5") == 1.5
    assert policy.delay(1, "3600") == 10.0
    assert policy.delay(2, None) == 1.0


def test_retry_after_http_date() -> None:
    assert parse_retry_after("Sat, 01 Mar 2025 12:00:30 GMT", now=NOW) == 30.0
    assert parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now=NOW) == 0.0
    policy = RetryPolicy(jitter=0, max_retry_after=20.0)
    assert policy.delay(1, "Sat, 01 Mar 2025 12:05:00 GMT", now=NOW) == 20.0


@pytest.mark.parametrize("value", [None, "", "soon", "nan", "Mon, 99 Foo"])
def test_invalid_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None
    assert RetryPolicy(jitter=0).delay(1, value, now=NOW) == 0.5


def test_negative_retry_after_is_zero() -> None:
    assert parse_retry_after("-5") == 0.0


def test_policy_validation_and_status_set() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)
    policy = RetryPolicy(max_attempts=3)
    assert policy.can_retry(2) and not policy.can_retry(3)
    assert {s for s in range(400, 600) if policy.is_retryable_status(s)} == {
        429,
        500,
        502,
        503,
        504,
    }
    assert not RetryPolicy(retry_statuses=frozenset({503})).is_retryable_status(500)
