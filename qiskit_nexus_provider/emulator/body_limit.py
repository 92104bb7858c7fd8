"""A cap on request bodies, enforced before anything parses or authenticates the request.

:class:`BodyLimitMiddleware` is the outermost ASGI layer of the emulator.  A request whose
``Content-Length`` exceeds the cap is answered **413** at once, its body never read; a request
without one (chunked) is read only up to the cap, then answered 413.  Routes, authentication and
JSON parsing therefore never see an oversized body.
"""

from __future__ import annotations

import json
from typing import Any

from qiskit_nexus_provider.emulator.errors import error_body

__all__ = ["DEFAULT_MAX_BODY_BYTES", "BodyLimitMiddleware"]

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
"""Default cap (64 MiB): ten times the largest request the provider sends (a 500-circuit
execute job, or one circuit of 100 000 gates, is a few MiB)."""


class BodyLimitMiddleware:
    """Answer 413 to requests whose body is larger than ``max_bytes``.

    Args:
        app: the ASGI application it protects.
        max_bytes: the largest body accepted, in bytes.
    """

    def __init__(self, app: Any, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large(send, declared)
            return
        if declared is not None:
            await self.app(scope, receive, send)  # the server stops at Content-Length
            return
        # No declared length: read up to the cap, then replay the buffered body.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                chunks = []
                break
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(send, None)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Any, declared: int | None) -> None:
        size = f"{declared} bytes" if declared is not None else "more"
        body = json.dumps(
            error_body(f"request body too large: {size}, the limit is {self.max_bytes} bytes")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Any) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
