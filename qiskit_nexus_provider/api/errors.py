"""Exceptions raised by the Nexus REST client.

Every failure of :class:`~qiskit_nexus_provider.api.NexusClient` is a :class:`NexusAPIError`; the
subclass tells what went wrong, and :func:`error_from_response` maps an HTTP status code to the
subclass.  No exception ever carries a token: the client sends tokens only in cookies, and neither
cookies nor request headers are stored on an exception.
"""

from __future__ import annotations

import json
from typing import Any

from .http import Reply

__all__ = [
    "AmbiguousResourceError",
    "AuthenticationError",
    "DataGoneError",
    "NexusAPIError",
    "NexusConnectionError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ResourceNotFoundError",
    "ServerError",
    "error_from_response",
    "message_from_body",
]

_MAX_MESSAGE_CHARS = 2000


class NexusAPIError(Exception):
    """A request to the Nexus API failed.

    Args:
        message: What went wrong; for an HTTP error, the server's ``message``.
        status_code: The HTTP status code, or ``None`` when no response was received.
        method: The HTTP method of the failed request.
        url: The URL of the failed request (it never contains a token).
        details: Further fields of the server's JSON error body, e.g. ``timestamp``, ``trace_id``.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str | None = None,
        url: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.method = method
        self.url = url
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(message)

    def __str__(self) -> str:
        where = " ".join(part for part in (self.method, self.url) if part)
        status = f" returned {self.status_code}" if self.status_code is not None else ""
        prefix = f"{where}{status}: " if where or status else ""
        extra = "".join(f"\n  {key}: {value}" for key, value in self.details.items())
        return f"{prefix}{self.message}{extra}"


class AuthenticationError(NexusAPIError):
    """No token is available, the refresh token is invalid, or a request still got 401 after a
    token refresh."""


class PermissionDeniedError(NexusAPIError):
    """The server answered 403: the user may not access this resource."""


class ResourceNotFoundError(NexusAPIError):
    """The server answered 404: no such resource (or not visible to the user)."""


class DataGoneError(NexusAPIError):
    """The server answered 410: the resource existed but its data has been purged."""


class RateLimitedError(NexusAPIError):
    """The server answered 429 and retries were exhausted."""


class ServerError(NexusAPIError):
    """The server answered with a 5xx status and retries were exhausted."""


class NexusConnectionError(NexusAPIError):
    """No response was received (connection refused or reset, or a timeout), after retries."""


class AmbiguousResourceError(NexusAPIError):
    """A lookup that must match at most one resource (e.g. a project by name) matched several."""


_STATUS_CLASSES: dict[int, type[NexusAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: ResourceNotFoundError,
    410: DataGoneError,
    429: RateLimitedError,
}


def message_from_body(text: str) -> tuple[str, dict[str, Any]]:
    """Extract the message and the other diagnostic fields of an error body.

    The Nexus API answers errors with a JSON object ``{"message": ..., <diagnostics>}``.  A JSON
    object without ``message`` but with ``detail`` (as FastAPI produces) is also understood.
    Anything else is returned as raw text, truncated to a readable length.

    Args:
        text: The response body.

    Returns:
        The message and a dictionary of the remaining fields (empty for non-JSON bodies).
    """
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "detail"):
            if key in body:
                value = body[key]
                message = value if isinstance(value, str) else json.dumps(value)
                rest = {k: v for k, v in body.items() if k != key}
                return message[:_MAX_MESSAGE_CHARS], rest
    raw = text.strip()
    return (raw[:_MAX_MESSAGE_CHARS] if raw else "(empty response body)"), {}


def error_from_response(response: Reply, method: str | None = None) -> NexusAPIError:
    """Build the exception that describes an unsuccessful response.

    Args:
        response: The response with an unexpected status code.
        method: The request method; the response's own when omitted.

    Returns:
        An instance of the :class:`NexusAPIError` subclass matching the status code.
    """
    status = response.status_code
    if status >= 500:
        cls: type[NexusAPIError] = ServerError
    else:
        cls = _STATUS_CLASSES.get(status, NexusAPIError)
    message, details = message_from_body(response.text)
    return cls(
        message,
        status_code=status,
        method=method or response.method,
        url=response.url,
        details=details,
    )
