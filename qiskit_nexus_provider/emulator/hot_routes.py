"""The two requests a batch makes per circuit, answered without FastAPI's per-request machinery.

A batch of ``n`` circuits costs the service ``2n`` requests: one circuit upload
(``POST /api/circuits/v1beta2``) and one result download (``GET /api/results/v1beta3/{id}``), as
the Nexus API has no batch endpoint for either.  Through FastAPI, routing, dependency solving,
its middleware stack and the response pipeline took about half of the emulator's CPU per such
request (issue 13, measured with py-spy on ``benchmarks/bench_issue13.py --part wire``), CPU the
emulator shares with the work it exists for, running circuits.

:class:`HotRoutes` sits between the fault injection and the FastAPI application.  It answers
these two requests with the very functions their routes call (:func:`.add_circuit`,
:func:`.result_document`) after the same checks (the ``myqos_id`` cookie, the JSON body against
:class:`.CircuitCreateBody`), and their :class:`.ApiError` refusals as the application's handler
writes them.  Whatever it does not handle in full (another endpoint or method, no or an invalid
token, a body that is not JSON of the expected shape, another content type) goes to the
application unchanged, which answers it as it always did, so the answers are the same whichever
path serves them.  Faults, the request log and the body cap still apply: they are outside.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
from starlette.requests import cookie_parser

from qiskit_nexus_provider.emulator.context import EmulatorContext
from qiskit_nexus_provider.emulator.errors import ApiError, error_body
from qiskit_nexus_provider.emulator.jsonio import json_bytes
from qiskit_nexus_provider.emulator.routes.circuits import add_circuit
from qiskit_nexus_provider.emulator.routes.results import result_document
from qiskit_nexus_provider.emulator.schemas import CircuitCreateBody

__all__ = ["HotRoutes"]

_CIRCUITS = "/api/circuits/v1beta2"
_RESULTS = "/api/results/v1beta3/"
_JSON = b"application/json"


class HotRoutes:
    """ASGI layer answering circuit uploads and result downloads directly (see the module).

    Args:
        app: The FastAPI application, which answers every other request.
        context: The emulator's shared state (the application's ``state.emulator``).
    """

    def __init__(self, app: Any, context: EmulatorContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            if method == "POST" and path == _CIRCUITS:
                await self._upload(scope, receive, send)
                return
            if method == "GET" and path.startswith(_RESULTS):
                result_id = path[len(_RESULTS) :]
                if result_id and "/" not in result_id:
                    await self._result(scope, receive, send, result_id)
                    return
        await self.app(scope, receive, send)

    def _user(self, scope: Any) -> str | None:
        """The user of the ``myqos_id`` cookie, read as the application reads it."""
        for name, value in scope["headers"]:
            if name == b"cookie":  # the first Cookie header only, as Starlette's Request
                token = cookie_parser(value.decode("latin-1")).get("myqos_id")
                return self.context.tokens.user_of(token) if token else None
        return None

    async def _result(self, scope: Any, receive: Any, send: Any, result_id: str) -> None:
        user = self._user(scope)
        if user is None:
            await self.app(scope, receive, send)  # its 401
            return
        try:
            body = result_document(self.context, user, result_id)
        except ApiError as exc:
            await _error(send, exc)
            return
        await _answer(send, 200, body)

    async def _upload(self, scope: Any, receive: Any, send: Any) -> None:
        raw = await _read_body(receive)
        replay = _replayer(raw, receive)
        user = self._user(scope)
        if user is None or _content_type(scope) != _JSON:
            await self.app(scope, replay, send)
            return
        try:
            body = CircuitCreateBody.model_validate(json.loads(raw))
        except (ValueError, pydantic.ValidationError):  # the application's 422
            await self.app(scope, replay, send)
            return
        try:
            document = add_circuit(self.context, user, body)
        except ApiError as exc:
            await _error(send, exc)
            return
        await _answer(send, 201, json_bytes(document))


def _content_type(scope: Any) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value).strip().lower()
    return None


async def _read_body(receive: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replayer(raw: bytes, receive: Any) -> Any:
    """A ``receive`` giving the application the body already read, then what follows."""
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay


async def _answer(send: Any, status: int, body: bytes) -> None:
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", _JSON),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _error(send: Any, exc: ApiError) -> None:
    """The answer of the application's :class:`.ApiError` handler."""
    body = json.dumps(error_body(exc.message), ensure_ascii=False, separators=(",", ":")).encode()
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in exc.headers.items()]
    await send(
        {
            "type": "http.response.start",
            "status": exc.status_code,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", _JSON),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
