"""Cookie authentication: refresh first, refresh on 401 and retry once, concurrency, secrecy."""

from __future__ import annotations

import json
import logging
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import responses
from nexus_api_fakes import (
    ACCESS_TOKEN,
    BASE,
    REFRESH_TOKEN,
    LocalServer,
    cookie_of,
    job_json,
    mock_session,
    refresh_response,
)

from qiskit_nexus_provider.api import AuthenticationError, NexusClient, RetryPolicy

JOB = f"{BASE}/api/jobs/v1beta3/j1"
REFRESH = f"{BASE}/auth/tokens/refresh"


def calls_to(mocked: responses.RequestsMock, url_prefix: str) -> list[Any]:
    return [call for call in mocked.calls if call.request.url.startswith(url_prefix)]


def test_first_request_refreshes_then_sends_only_the_access_cookie(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(JOB, json={"data": job_json("j1")})
    assert client.get_job("j1").id == "j1"
    refreshes = calls_to(mocked, REFRESH)
    assert len(refreshes) == 1
    assert cookie_of(refreshes[0].request) == f"myqos_oat={REFRESH_TOKEN}"
    assert "Authorization" not in refreshes[0].request.headers
    get = calls_to(mocked, JOB)[0].request
    assert cookie_of(get) == f"myqos_id={ACCESS_TOKEN}"
    assert "Authorization" not in get.headers
    # The access token is reused: no second refresh.
    client.get_job("j1")
    assert len(calls_to(mocked, REFRESH)) == 1


def test_cached_access_token_from_qnexus_files_is_used_without_refresh(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    directory = Path.home() / ".qnx" / "auth"
    directory.mkdir(parents=True)
    (directory / "token.json").write_text(json.dumps({"data": {"refresh_token": "file-oat"}}))
    (directory / "id.json").write_text(json.dumps({"data": {"access_token": "file-id"}}))
    mocked.get(JOB, json={"data": job_json("j1")})
    with NexusClient(BASE, retry=policy, session=mock_session()) as nexus:
        nexus.get_job("j1")
    assert len(mocked.calls) == 1
    assert cookie_of(mocked.calls[0].request) == "myqos_id=file-id"


def test_401_refreshes_once_and_retries_once(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    tokens = iter(["old-access", "new-access"])

    def refresh(request: Any) -> tuple[int, dict[str, str], str]:
        assert cookie_of(request) == f"myqos_oat={REFRESH_TOKEN}"
        return 200, {"Set-Cookie": f"myqos_id={next(tokens)}; Path=/; HttpOnly; Secure"}, "{}"

    def job(request: Any) -> tuple[int, dict[str, str], str]:
        if cookie_of(request) == "myqos_id=new-access":
            return 200, {}, json.dumps({"data": job_json("j1")})
        return 401, {}, json.dumps({"message": "expired"})

    mocked.add_callback(responses.POST, REFRESH, callback=refresh)
    mocked.add_callback(responses.GET, JOB, callback=job)
    with NexusClient(BASE, token=REFRESH_TOKEN, retry=policy, session=mock_session()) as nexus:
        assert nexus.get_job("j1").id == "j1"
        assert nexus.transport.tokens.refresh_count == 2
    sequence = [(c.request.method, cookie_of(c.request)) for c in mocked.calls]
    assert sequence == [
        ("POST", f"myqos_oat={REFRESH_TOKEN}"),
        ("GET", "myqos_id=old-access"),
        ("POST", f"myqos_oat={REFRESH_TOKEN}"),
        ("GET", "myqos_id=new-access"),
    ]
    assert policy.sleep.delays == []  # type: ignore[attr-defined]


def test_second_401_raises_authentication_error(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(JOB, status=401, json={"message": "token not accepted"})
    with pytest.raises(AuthenticationError) as info:
        client.get_job("j1")
    assert info.value.status_code == 401
    assert info.value.message == "token not accepted"
    assert len(calls_to(mocked, JOB)) == 2  # the original and exactly one retry
    assert len(calls_to(mocked, REFRESH)) == 2  # the initial one and the one after the 401


def test_rejected_refresh_token(mocked: responses.RequestsMock, policy: RetryPolicy) -> None:
    mocked.post(REFRESH, status=401, json={"message": "bad token"})
    nexus = NexusClient(BASE, token=REFRESH_TOKEN, retry=policy, session=mock_session())
    with pytest.raises(AuthenticationError, match="invalid or expired") as info:
        nexus.get_job("j1")
    assert "bad token" in str(info.value)
    assert len(mocked.calls) == 1
    # No frame the error (or what it chains) carries holds the refresh token in its locals.
    rendered = "".join(
        traceback.TracebackException.from_exception(info.value, capture_locals=True).format()
    )
    assert REFRESH_TOKEN not in rendered


def test_a_refresh_answer_with_an_unusable_token_is_refused(local_server: LocalServer) -> None:
    """Before: ``SimpleCookie`` turned an escaped newline into a real one, and the bare
    ``ValueError`` of the next request's header check escaped, quoting the token."""
    local_server.routes.clear()
    local_server.route(
        "POST",
        "/auth/tokens/refresh",
        lambda request: (200, {"Set-Cookie": 'myqos_id="SECRET\\012X-Injected: 1"; Path=/'}, {}),
    )
    with (
        NexusClient(local_server.url, token=REFRESH_TOKEN) as nexus,
        pytest.raises(AuthenticationError, match="unusable") as info,
    ):
        nexus.get_job("j1")
    assert "SECRET" not in str(info.value)
    assert [r.path for r in local_server.requests] == ["/auth/tokens/refresh"]


def test_refresh_without_cookie_is_an_authentication_error(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    mocked.post(REFRESH, status=200, json={})
    nexus = NexusClient(BASE, token=REFRESH_TOKEN, retry=policy, session=mock_session())
    with pytest.raises(AuthenticationError, match="myqos_id"):
        nexus.get_job("j1")


def test_no_token_anywhere_fails_without_a_request(mocked: responses.RequestsMock) -> None:
    nexus = NexusClient(BASE, session=mock_session())
    with pytest.raises(AuthenticationError, match="QISKIT_NEXUS_TOKEN"):
        nexus.get_job("j1")
    assert len(mocked.calls) == 0


def test_refresh_rotating_the_refresh_token_is_honoured(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    seen: list[str | None] = []

    def refresh(request: Any) -> tuple[int, list[tuple[str, str]], str]:
        seen.append(cookie_of(request))
        headers = [
            ("Set-Cookie", f"myqos_id=a{len(seen)}; Path=/"),
            ("Set-Cookie", "myqos_oat=rotated; Path=/; HttpOnly"),
        ]
        return 200, headers, "{}"

    mocked.add_callback(responses.POST, REFRESH, callback=refresh)
    mocked.add_callback(
        responses.GET,
        JOB,
        callback=lambda request: (
            (401, {}, "{}")
            if cookie_of(request) == "myqos_id=a1"
            else (200, {}, json.dumps({"data": job_json("j1")}))
        ),
    )
    with NexusClient(BASE, token=REFRESH_TOKEN, retry=policy, session=mock_session()) as nexus:
        nexus.get_job("j1")
    assert seen == [f"myqos_oat={REFRESH_TOKEN}", "myqos_oat=rotated"]


def test_concurrent_401s_cause_a_single_refresh(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    workers = 6
    all_rejected = threading.Barrier(workers, timeout=10)
    refreshes: list[str | None] = []
    lock = threading.Lock()

    def refresh(request: Any) -> tuple[int, dict[str, str], str]:
        with lock:
            refreshes.append(cookie_of(request))
            token = "first" if len(refreshes) == 1 else f"extra{len(refreshes)}"
        return 200, {"Set-Cookie": f"myqos_id={token}; Path=/"}, "{}"

    def job(request: Any) -> tuple[int, dict[str, str], str]:
        if cookie_of(request) == "myqos_id=first":
            # Every thread sends the expired token before any of them can refresh.
            all_rejected.wait()
            return 401, {}, json.dumps({"message": "expired"})
        return 200, {}, json.dumps({"data": job_json("j1")})

    mocked.add_callback(responses.POST, REFRESH, callback=refresh)
    mocked.add_callback(responses.GET, JOB, callback=job)
    with NexusClient(BASE, token=REFRESH_TOKEN, retry=policy, session=mock_session()) as nexus:
        nexus.transport.tokens.ensure_access_token(nexus.transport._refresh_tokens)
        assert len(refreshes) == 1
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lambda _: nexus.get_job("j1").id, range(workers)))
    assert results == ["j1"] * workers
    assert len(refreshes) == 2  # the initial one plus exactly one for all the 401s
    retried = [c for c in calls_to(mocked, JOB) if cookie_of(c.request) == "myqos_id=extra2"]
    assert len(retried) == workers


def test_concurrent_first_requests_refresh_once(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    mocked.post(REFRESH, **refresh_response())
    mocked.get(JOB, json={"data": job_json("j1")})
    nexus = NexusClient(BASE, token=REFRESH_TOKEN, retry=policy, session=mock_session())
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: nexus.get_job("j1"), range(16)))
    assert len(calls_to(mocked, REFRESH)) == 1


def test_own_transport_keeps_no_cookie_jar(local_server: LocalServer) -> None:
    """The default transport has no cookie store: each request carries exactly the cookie the
    transport set, never one the server set on an earlier response."""
    local_server.route(
        "GET",
        "/api/jobs/v1beta3/j1",
        lambda request: (200, {"Set-Cookie": "tracker=1; Path=/"}, {"data": job_json("j1")}),
    )
    with NexusClient(local_server.url, token=REFRESH_TOKEN) as nexus:
        assert nexus.transport.session is None
        nexus.get_job("j1")
        nexus.get_job("j1")
    jobs = [r for r in local_server.requests if r.path.startswith("/api/jobs")]
    assert [r.headers.get("Cookie") for r in jobs] == [f"myqos_id={ACCESS_TOKEN}"] * 2
    refresh = [r for r in local_server.requests if r.path == "/auth/tokens/refresh"]
    assert [r.headers.get("Cookie") for r in refresh] == [f"myqos_oat={REFRESH_TOKEN}"]


def test_tokens_never_logged_nor_in_reprs_or_errors(
    client: NexusClient, mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    mocked.get(JOB, status=401, json={"message": "no"})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as info:
        client.get_job("j1")
    assert "GET /api/jobs/v1beta3/j1 -> 401" in caplog.text
    assert "POST /auth/tokens/refresh -> 200" in caplog.text
    texts = [caplog.text, repr(client), repr(client.transport), str(info.value), repr(info.value)]
    for text in texts:
        assert REFRESH_TOKEN not in text
        assert ACCESS_TOKEN not in text
        assert "myqos_id=" not in text and "myqos_oat=" not in text
