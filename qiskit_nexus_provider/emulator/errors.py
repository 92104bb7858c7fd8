"""Errors the emulator answers with, and the JSON body they carry.

Every error leaves the server as ``{"message": ..., "timestamp": ..., "trace_id": ...}``
(the shape described for the Nexus REST API), never as FastAPI's ``{"detail": ...}``.
"""

from __future__ import annotations

import secrets
from typing import Any

from qiskit_nexus_provider.api.models import ErrorBody, utc_now

__all__ = ["ApiError", "error_body"]


class ApiError(Exception):
    """An error with an HTTP status code and a message meant for the client.

    Args:
        status_code: HTTP status code of the answer (4xx; 5xx only for injected faults).
        message: Human-readable explanation, sent as the body's ``message``.
        headers: Extra response headers (for example ``Retry-After``).
    """

    def __init__(
        self, status_code: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = headers or {}


def error_body(message: str, **extra: Any) -> dict[str, Any]:
    """Build the JSON error body: ``message``, ``timestamp`` and a random ``trace_id``.

    Args:
        message: Human-readable explanation of the error.
        extra: Further fields (for example validation ``errors``).

    Returns:
        A JSON-serialisable dictionary.
    """
    body = ErrorBody(
        message=message, timestamp=utc_now().isoformat(), trace_id=secrets.token_hex(16)
    ).model_dump()
    body.update(extra)
    return body
