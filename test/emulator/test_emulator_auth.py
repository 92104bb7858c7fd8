"""Authentication: refresh token in ``myqos_oat``, access token in ``myqos_id``, expiry."""

from __future__ import annotations

import httpx
import pytest
from emulator_support import refresh

from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.emulator import auth as auth_module
from qiskit_nexus_provider.emulator.auth import TokenManager

PROJECTS = "/api/projects/v1beta2"


def test_requests_need_an_access_token(emulator: NexusEmulator) -> None:
    url = emulator.url + PROJECTS
    for cookies in ({}, {"myqos_id": "forged"}, {"myqos_oat": emulator.token}):
        response = httpx.get(url, cookies=cookies)
        assert response.status_code == 401, cookies
        assert "myqos_id" in response.json()["message"]
    token = refresh(emulator)
    assert httpx.get(url, cookies={"myqos_id": token}).status_code == 200
    # A Bearer header is not how Nexus authenticates.
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_refresh_endpoint(emulator: NexusEmulator) -> None:
    url = emulator.url + "/auth/tokens/refresh"
    assert httpx.post(url).status_code == 401
    assert httpx.post(url, cookies={"myqos_oat": "wrong"}).status_code == 401
    # An access token is no refresh token.
    access = refresh(emulator)
    assert httpx.post(url, cookies={"myqos_id": access}).status_code == 401
    response = httpx.post(
        url, cookies={"myqos_oat": emulator.token}, headers={"X-qnexus-version": "0.51.1"}
    )
    assert response.status_code == 200
    set_cookie = response.headers["set-cookie"]
    assert (
        set_cookie.startswith("myqos_id=") and "HttpOnly" in set_cookie and "Path=/" in set_cookie
    )
    assert "secure" not in set_cookie.lower()  # plain HTTP clients must send it back
    assert response.cookies["myqos_id"] != access  # a new token each time


def test_custom_token() -> None:
    with NexusEmulator(token="my-secret") as emulator:
        assert emulator.token == "my-secret"
        response = httpx.post(
            emulator.url + "/auth/tokens/refresh", cookies={"myqos_oat": "my-secret"}
        )
        assert response.status_code == 200


def test_random_tokens_differ() -> None:
    assert NexusEmulator().token != NexusEmulator().token


def test_expired_tokens_are_refused(emulator: NexusEmulator) -> None:
    url = emulator.url + PROJECTS
    old = refresh(emulator)
    emulator.expire_access_tokens()
    assert httpx.get(url, cookies={"myqos_id": old}).status_code == 401
    emulator.set_faults(access_token_ttl=0)  # tokens are born expired
    assert httpx.get(url, cookies={"myqos_id": refresh(emulator)}).status_code == 401
    emulator.set_faults()  # back to one hour
    assert httpx.get(url, cookies={"myqos_id": refresh(emulator)}).status_code == 200


def test_client_refresh_flow(emulator: NexusEmulator) -> None:
    """A client reacting to 401 by refreshing (as qnexus does) keeps working across expiry."""
    refreshes = 0

    def get(client: httpx.Client) -> httpx.Response:
        nonlocal refreshes
        response = client.get(PROJECTS)
        if response.status_code == 401:
            refreshes += 1
            auth = httpx.post(
                emulator.url + "/auth/tokens/refresh", cookies={"myqos_oat": emulator.token}
            )
            client.cookies.set("myqos_id", auth.cookies["myqos_id"])
            response = client.get(PROJECTS)
        return response

    with httpx.Client(base_url=emulator.url) as client:
        assert get(client).status_code == 200 and refreshes == 1
        assert get(client).status_code == 200 and refreshes == 1
        emulator.expire_access_tokens()
        assert get(client).status_code == 200 and refreshes == 2


def test_token_manager_ttl_with_fake_clock() -> None:
    now = [1000.0]
    tokens = TokenManager("refresh", clock=lambda: now[0])
    tokens.access_token_ttl = 10
    token = tokens.issue_access_token()
    assert tokens.check_access_token(token)
    now[0] += 9.9
    assert tokens.check_access_token(token)
    now[0] += 0.2
    assert not tokens.check_access_token(token)
    assert not tokens.check_access_token(None) and not tokens.check_access_token("")
    assert tokens.check_refresh_token("refresh") and not tokens.check_refresh_token("Refresh")
    tokens.access_token_ttl = None
    assert tokens.access_token_ttl == 3600


def test_tokens_never_begin_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator prints its token for ``--token ...``; argparse reads one that begins with
    ``-`` as an option (1 in 64 of ``secrets.token_urlsafe``: a flaky CLI test found it)."""
    drawn: list[str] = []

    def token_urlsafe(n: int) -> str:
        drawn.append("-dash" if len(drawn) % 2 == 0 else f"token{len(drawn)}")
        return drawn[-1]

    monkeypatch.setattr(auth_module.secrets, "token_urlsafe", token_urlsafe)
    assert auth_module.new_token() == "token1"
    manager = TokenManager()
    assert manager.refresh_token == "token3"
    assert manager.issue_access_token() == "token5"
    assert manager.add_user()[1] == "token7"
