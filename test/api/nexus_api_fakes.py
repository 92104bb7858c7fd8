"""Helpers of the REST-client tests: constants, fake resources, a local HTTP server."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

BASE = "https://nexus.test"
REFRESH_TOKEN = "refresh-SECRET-oat-7f3a"
ACCESS_TOKEN = "access-SECRET-id-91c2"
PROJECT_ID = "11111111-1111-4111-8111-111111111111"

_ENV_VARS = (
    "QISKIT_NEXUS_TOKEN",
    "NEXUS_PROTOCOL",
    "NEXUS_DOMAIN",
    "NEXUS_HOST",
    "NEXUS_PORT",
    "NEXUS_TOKEN_PATH",
)


def mock_session() -> requests.Session:
    """A session for a client of the mocked server.

    ``responses`` intercepts ``requests`` sessions, so the mocked tests run the client over a
    caller's session (:class:`~qiskit_nexus_provider.api.http.SessionSender`).  Everything above
    the sender (retries, tokens, recovery, parsing, errors) is the code every client runs; the
    default sender, ``urllib3`` pools, is tested on real sockets in ``test_api_http.py`` and by
    every end-to-end test against the emulator.
    """
    return requests.Session()


class FakeSleep:
    """Records the delays the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def refresh_response(access_token: str = ACCESS_TOKEN) -> dict[str, Any]:
    """Keyword arguments of ``responses.add`` for a successful refresh."""
    return {
        "status": 200,
        "json": {},
        "headers": {"Set-Cookie": f"myqos_id={access_token}; HttpOnly; Path=/; SameSite=Lax"},
    }


def resource(
    resource_id: str, rtype: str, attributes: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": resource_id,
        "type": rtype,
        "attributes": attributes or {},
        "relationships": {"project": {"data": {"id": PROJECT_ID, "type": "project"}}},
    }


def job_json(job_id: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """A job resource as the server reports it."""
    return resource(
        job_id,
        "job",
        {
            "name": "j",
            "description": "",
            "properties": properties or {},
            "timestamps": {
                "created": "2025-01-01T00:00:00+00:00",
                "modified": "2025-01-01T00:00:00+00:00",
            },
            "job_type": "execute",
            "status": {"status": "SUBMITTED", "message": ""},
            "definition": {
                "job_definition_type": "execute_job_definition",
                "backend_config": {"type": "AerConfig"},
                "items": [
                    {
                        "item_id": 0,
                        "program_id": "c0",
                        "n_shots": 10,
                        "status": {"status": "COMPLETED", "message": "done"},
                        "result_id": "r0",
                        "result_type": "PYTKET",
                    }
                ],
            },
        },
    )


def cookie_of(request: Any) -> str | None:
    """The Cookie header a recorded request carried."""
    value = request.headers.get("Cookie")
    return None if value is None else str(value)


def body_of(request: Any) -> Any:
    raw = request.body
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode()
    return json.loads(raw)


# ------------------------------------------------------------------------------------------------
# A real HTTP server on 127.0.0.1, for failures ``responses`` cannot produce (lost responses).

Headers = dict[str, str] | list[tuple[str, str]]
"""Response headers: a dict, or pairs (to repeat a header such as ``Set-Cookie``)."""
Handler = Callable[["LocalRequest"], "tuple[int, Headers, Any] | None"]


class LocalRequest:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class LocalServer:
    """A threaded HTTP server whose routes are ``(method, path regex) -> handler``.

    A handler returns ``(status, headers, json body)`` (headers: a dict or pairs), or ``None``
    to drop the connection without answering (a lost response).
    """

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[LocalRequest] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = LocalRequest(self.command, self.path, dict(self.headers), body)
                with server._lock:
                    server.requests.append(request)
                for method, pattern, handler in server.routes:
                    if method == self.command and pattern.fullmatch(self.path.split("?")[0]):
                        answer = handler(request)
                        break
                else:
                    answer = (404, {}, {"message": "no route"})
                if answer is None:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, headers, payload = answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                pairs = headers.items() if isinstance(headers, dict) else headers
                for key, value in pairs:
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def route(self, method: str, path_regex: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(path_regex), handler))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=10)
