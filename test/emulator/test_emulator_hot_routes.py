"""Circuit uploads and result downloads answered by :class:`.HotRoutes` are the answers FastAPI's
routes give: same status, same document (ids and timestamps aside), same error messages; and
whatever the hot path does not handle in full reaches the application."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_support import Api, circuit_body, refresh

from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.emulator.app import create_app
from qiskit_nexus_provider.emulator.hot_routes import HotRoutes

VOLATILE = {"id", "trace_id", "timestamp", "timestamps", "contents_modified"}


class Counting:
    """The application, counting the requests that reach it."""

    def __init__(self, app: Any) -> None:
        self.app, self.calls = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.calls += 1
        await self.app(scope, receive, send)


class Client:
    """Requests to an ASGI application in this process (httpx's ASGI transport)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(
        self, method: str, path: str, *, cookies: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://emu") as client:
                return await client.request(method, path, headers=headers, **kwargs)

        return asyncio.run(send())


@pytest.fixture
def clients(emulator: NexusEmulator) -> Iterator[tuple[Client, Client, Counting]]:
    """(FastAPI alone, HotRoutes in front of it, the counter of what reached FastAPI)."""
    context = emulator._ctx  # the running emulator's store and tokens, shared by both
    inner = Counting(create_app(context))
    yield Client(create_app(context)), Client(HotRoutes(inner, context)), inner


def stable(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: stable(v) for k, v in document.items() if k not in VOLATILE}
    if isinstance(document, list):
        return [stable(v) for v in document]
    return document


def both(clients: Any, method: str, path: str, **kwargs: Any) -> tuple[Any, Any, bool]:
    """The two answers, and whether the hot path answered without the application."""
    plain, hot, inner = clients
    a = plain.request(method, path, **kwargs)
    before = inner.calls
    b = hot.request(method, path, **kwargs)
    assert a.status_code == b.status_code, (a.text, b.text)
    assert a.headers["content-type"] == b.headers["content-type"]
    assert stable(a.json()) == stable(b.json())
    return a, b, inner.calls == before


@pytest.fixture
def setup(api: Api, emulator: NexusEmulator) -> dict[str, str]:
    project = api.project()
    job = api.run(project, [api.circuit(project)])
    result_id = job["data"]["attributes"]["definition"]["items"][0]["result_id"]
    other = httpx.post(
        f"{emulator.url}/auth/tokens/refresh", cookies={"myqos_oat": emulator.add_user()}
    )
    return {
        "project": project,
        "result": result_id,
        "token": refresh(emulator),
        "other": str(other.cookies["myqos_id"]),
    }


def test_a_valid_upload_is_answered_by_the_hot_path_as_by_the_route(clients, setup) -> None:
    cookies = {"myqos_id": setup["token"]}
    body = circuit_body(setup["project"], properties={})
    a, b, served = both(clients, "POST", "/api/circuits/v1beta2", json=body, cookies=cookies)
    assert a.status_code == 201 and served
    assert a.json()["data"]["id"] != b.json()["data"]["id"]  # both stored


def test_a_result_is_the_same_bytes_from_both(clients, setup) -> None:
    cookies = {"myqos_id": setup["token"]}
    a, b, served = both(clients, "GET", f"/api/results/v1beta3/{setup['result']}", cookies=cookies)
    assert a.status_code == 200 and served
    assert a.content == b.content
    with_scope = f"/api/results/v1beta3/{setup['result']}?scope=user"
    assert both(clients, "GET", with_scope, cookies=cookies)[2]


@pytest.mark.parametrize(
    ("case", "status", "by_hot_path"),
    [
        ("no cookie", 401, False),
        ("expired token", 401, False),
        ("not JSON", 422, False),
        ("no relationships", 422, False),
        ("charset", 201, False),
        ("unknown project", 404, True),
        ("another user's project", 403, True),
        ("invalid circuit", 400, True),
        ("no name", 400, True),
    ],
)
def test_refused_or_unusual_uploads_get_the_routes_answer(
    clients, setup, case, status, by_hot_path
) -> None:
    cookies = {"myqos_id": setup["token"]}
    body: Any = circuit_body(setup["project"])
    headers = {"content-type": "application/json"}
    if case == "no cookie":
        cookies = {}
    elif case == "expired token":
        cookies = {"myqos_id": "not-a-token"}
    elif case == "not JSON":
        body = b'{"data": '
    elif case == "no relationships":
        del body["data"]["relationships"]
    elif case == "charset":
        headers = {"content-type": "application/json; charset=utf-8"}
    elif case == "unknown project":
        body = circuit_body("0b5a7b8e-0000-4000-8000-000000000000")
    elif case == "another user's project":
        cookies = {"myqos_id": setup["other"]}
    elif case == "invalid circuit":
        body["data"]["attributes"]["commands"] = [{"op": {"type": "NoSuchGate"}, "args": []}]
    elif case == "no name":
        body["data"]["attributes"]["name"] = ""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    a, _, served = both(
        clients, "POST", "/api/circuits/v1beta2", content=content, cookies=cookies, headers=headers
    )
    assert a.status_code == status, a.text
    assert served is by_hot_path


@pytest.mark.parametrize(
    ("case", "status", "by_hot_path"),
    [
        ("no cookie", 401, False),
        ("unknown result", 404, True),
        ("another user's result", 403, True),
        ("deeper path", 404, False),
    ],
)
def test_refused_result_downloads_get_the_routes_answer(
    clients, setup, case, status, by_hot_path
) -> None:
    cookies = {"myqos_id": setup["token"]}
    path = f"/api/results/v1beta3/{setup['result']}"
    if case == "no cookie":
        cookies = {}
    elif case == "unknown result":
        path = "/api/results/v1beta3/0b5a7b8e-0000-4000-8000-000000000000"
    elif case == "another user's result":
        cookies = {"myqos_id": setup["other"]}
    elif case == "deeper path":
        path += "/more"
    a, _, served = both(clients, "GET", path, cookies=cookies)
    assert a.status_code == status, a.text
    assert served is by_hot_path
