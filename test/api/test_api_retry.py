"""Retries (429 with Retry-After, 5xx, connection errors), their bound, timeouts, pooling."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
import requests
import responses
from nexus_api_fakes import (
    BASE,
    REFRESH_TOKEN,
    FakeSleep,
    LocalServer,
    job_json,
    mock_session,
)

from qiskit_nexus_provider.api import (
    NexusClient,
    NexusConnectionError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    Timeouts,
)

JOB = f"{BASE}/api/jobs/v1beta3/j1"


def job_calls(mocked: responses.RequestsMock, url: str = JOB) -> list[Any]:
    return [c for c in mocked.calls if c.request.url.split("?")[0] == url]


def test_429_honours_retry_after_seconds(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, status=429, headers={"Retry-After": "7"}, json={"message": "slow down"})
    mocked.get(JOB, json={"data": job_json("j1")})
    assert client.get_job("j1").id == "j1"
    assert sleeps.delays == [7.0]
    assert len(job_calls(mocked)) == 2


def test_429_honours_retry_after_http_date(
    mocked: responses.RequestsMock, sleeps: FakeSleep, client: NexusClient
) -> None:
    # A date in the past means "retry now".
    mocked.get(JOB, status=429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    mocked.get(JOB, json={"data": job_json("j1")})
    client.get_job("j1")
    assert sleeps.delays == [0.0]


def test_retry_after_is_capped(mocked: responses.RequestsMock) -> None:
    sleeps = FakeSleep()
    policy = RetryPolicy(max_attempts=2, jitter=0, max_retry_after=5.0, sleep=sleeps)
    mocked.post(f"{BASE}/auth/tokens/refresh", headers={"Set-Cookie": "myqos_id=a"}, json={})
    mocked.get(JOB, status=429, headers={"Retry-After": "86400"})
    mocked.get(JOB, json={"data": job_json("j1")})
    with NexusClient(BASE, token=REFRESH_TOKEN, retry=policy, session=mock_session()) as nexus:
        nexus.get_job("j1")
    assert sleeps.delays == [5.0]


def test_5xx_is_retried_with_exponential_backoff(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, status=503, json={"message": "busy"})
    mocked.get(JOB, status=502, body="<html>bad gateway</html>")
    mocked.get(JOB, json={"data": job_json("j1")})
    assert client.get_job("j1").id == "j1"
    assert sleeps.delays == [0.5, 1.0]


def test_attempts_are_bounded(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, status=500, json={"message": "boom", "trace_id": "abc"})
    with pytest.raises(ServerError) as info:
        client.get_job("j1")
    assert len(job_calls(mocked)) == 4
    assert sleeps.delays == [0.5, 1.0, 2.0]
    assert info.value.status_code == 500
    assert info.value.message == "boom"
    assert info.value.details == {"trace_id": "abc"}


def test_exhausted_429_raises_rate_limited(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, status=429, headers={"Retry-After": "1"})
    with pytest.raises(RateLimitedError):
        client.get_job("j1")
    assert sleeps.delays == [1.0, 1.0, 1.0]


def test_non_retried_status_is_not_retried(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, status=501, json={"message": "nope"})
    with pytest.raises(ServerError):
        client.get_job("j1")
    assert len(job_calls(mocked)) == 1
    assert sleeps.delays == []


def test_connection_errors_are_retried(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, body=requests.ConnectionError("reset by peer"))
    mocked.get(JOB, body=requests.ReadTimeout("read timed out"))
    mocked.get(JOB, json={"data": job_json("j1")})
    assert client.get_job("j1").id == "j1"
    assert sleeps.delays == [0.5, 1.0]


def test_persistent_connection_errors_raise_after_bounded_attempts(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, body=requests.ConnectionError("reset by peer"))
    with pytest.raises(NexusConnectionError) as info:
        client.get_job("j1")
    assert info.value.status_code is None
    assert info.value.method == "GET"
    assert len(job_calls(mocked)) == 4
    assert len(sleeps.delays) == 3


def test_refused_connection_on_real_socket(sleeps: FakeSleep) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on ``port`` any more: every connection is refused.
    policy = RetryPolicy(max_attempts=3, jitter=0, sleep=sleeps)
    nexus = NexusClient(f"http://127.0.0.1:{port}", token=REFRESH_TOKEN, retry=policy)
    with pytest.raises(NexusConnectionError):
        nexus.get_job("j1")
    assert sleeps.delays == [0.5, 1.0]


def test_server_never_reached_fails_fast(sleeps: FakeSleep) -> None:
    """A closed port (a wrong URL) gets ``first_contact_attempts``, not the outage budget."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(max_attempts=12, jitter=0, sleep=sleeps)
    nexus = NexusClient(f"http://127.0.0.1:{port}", token=REFRESH_TOKEN, retry=policy)
    with pytest.raises(NexusConnectionError, match=f"127.0.0.1:{port}"):
        nexus.get_job("j1")
    assert sleeps.delays == [0.5, 1.0]


def test_outage_after_first_answer_gets_the_full_budget(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, json={"data": job_json("j1")})
    client.get_job("j1")  # the server has answered once
    mocked.replace(responses.GET, JOB, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(NexusConnectionError):
        client.get_job("j1")
    assert sleeps.delays == [0.5, 1.0, 2.0]  # all four attempts of the policy


def test_non_idempotent_post_is_not_resent_after_5xx(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    retry_url = f"{JOB}/rpc/retry"
    mocked.post(retry_url, status=500, json={"message": "maybe done"})
    with pytest.raises(ServerError):
        client.retry_job("j1")
    assert len(job_calls(mocked, retry_url)) == 1
    assert sleeps.delays == []


def test_non_idempotent_post_is_resent_after_429(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    retry_url = f"{JOB}/rpc/retry"
    mocked.post(retry_url, status=429, headers={"Retry-After": "2"})
    mocked.post(retry_url, status=202, json={})
    client.retry_job("j1")
    assert len(job_calls(mocked, retry_url)) == 2
    assert sleeps.delays == [2.0]


def test_connect_failure_of_non_idempotent_post_is_retried(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    retry_url = f"{JOB}/rpc/retry"
    mocked.post(retry_url, body=requests.ConnectTimeout("connect timed out"))
    mocked.post(retry_url, status=202, json={})
    client.retry_job("j1")
    assert sleeps.delays == [0.5]


def test_ssl_errors_are_not_retried(
    client: NexusClient, mocked: responses.RequestsMock, sleeps: FakeSleep
) -> None:
    mocked.get(JOB, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(NexusConnectionError, match="SSLError"):
        client.get_job("j1")
    assert sleeps.delays == []


def test_timeouts_are_passed_on_every_call(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    mocked.post(f"{BASE}/auth/tokens/refresh", headers={"Set-Cookie": "myqos_id=a"}, json={})
    mocked.get(JOB, json={"data": job_json("j1")})
    mocked.post(
        f"{BASE}/api/circuits/v1beta2", status=201, json={"data": {"id": "c1", "type": "circuit"}}
    )
    timeouts = Timeouts(connect=3, read=4, upload=50)
    with NexusClient(
        BASE, token=REFRESH_TOKEN, retry=policy, timeouts=timeouts, session=mock_session()
    ) as nexus:
        nexus.get_job("j1")
        nexus.upload_circuit("p", {"commands": []}, "c")
    by_path = {c.request.path_url.split("?")[0]: c.request.req_kwargs for c in mocked.calls}
    assert by_path["/auth/tokens/refresh"]["timeout"] == (3, 4)
    assert by_path["/api/jobs/v1beta3/j1"]["timeout"] == (3, 4)
    assert by_path["/api/circuits/v1beta2"]["timeout"] == (3, 50)


def test_dropped_response_on_real_server_is_retried(
    local_server: LocalServer, sleeps: FakeSleep
) -> None:
    answers = iter([None, (200, {}, {"data": job_json("j1")})])
    local_server.route("GET", "/api/jobs/v1beta3/j1", lambda request: next(answers))
    policy = RetryPolicy(max_attempts=2, jitter=0, sleep=sleeps)
    with NexusClient(local_server.url, token=REFRESH_TOKEN, retry=policy) as nexus:
        assert nexus.get_job("j1").id == "j1"
    assert sleeps.delays == [0.5]
    assert [r.path.split("?")[0] for r in local_server.requests].count("/api/jobs/v1beta3/j1") == 2


def test_body_is_json_encoded(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{JOB}/rpc/cancel", status=202, json={})
    client.cancel_job("j1")
    request = job_calls(mocked, f"{JOB}/rpc/cancel")[0].request
    assert json.loads(request.body) == {}
