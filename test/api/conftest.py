"""Fixtures of the REST-client tests: a mocked Nexus server, fake sleep, isolated environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses
from nexus_api_fakes import (
    _ENV_VARS,
    ACCESS_TOKEN,
    BASE,
    REFRESH_TOKEN,
    FakeSleep,
    LocalServer,
    mock_session,
    refresh_response,
)

from qiskit_nexus_provider.api import NexusClient, RetryPolicy


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No test reads the developer's real tokens or server settings."""
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def sleeps() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def policy(sleeps: FakeSleep) -> RetryPolicy:
    """Four attempts, no jitter, fake sleep: delays 0.5, 1.0, 2.0."""
    return RetryPolicy(max_attempts=4, base_delay=0.5, jitter=0.0, sleep=sleeps)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def client(mocked: responses.RequestsMock, policy: RetryPolicy) -> Iterator[NexusClient]:
    """A client of the mocked server whose refresh endpoint hands out ``ACCESS_TOKEN``."""
    mocked.add(responses.POST, f"{BASE}/auth/tokens/refresh", **refresh_response())
    nexus = NexusClient(BASE, token=REFRESH_TOKEN, retry=policy, session=mock_session())
    yield nexus
    nexus.close()


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.route(
        "POST",
        "/auth/tokens/refresh",
        lambda request: (200, {"Set-Cookie": f"myqos_id={ACCESS_TOKEN}; Path=/"}, {}),
    )
    server.start()
    yield server
    server.stop()
