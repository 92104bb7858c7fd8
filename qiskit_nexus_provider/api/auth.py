"""Cookie authentication state of a Nexus client: the tokens and their thread-safe refresh.

Nexus authenticates with cookies, never with an ``Authorization`` header: ordinary requests carry
the short-lived access token in the cookie ``myqos_id``; ``POST /auth/tokens/refresh`` carries only
the long-lived refresh token in the cookie ``myqos_oat`` and answers with a new ``myqos_id`` in
``Set-Cookie``.  :class:`TokenManager` holds both tokens and makes sure that concurrent requests
that all see an expired access token cause a single refresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from .credentials import Credentials, mask_token
from .errors import AuthenticationError
from .http import Reply

__all__ = [
    "ACCESS_COOKIE",
    "REFRESH_COOKIE",
    "RefreshedTokens",
    "TokenManager",
    "access_cookie",
    "cookie_from_response",
    "refresh_cookie",
]

ACCESS_COOKIE = "myqos_id"
"""Cookie carrying the access token on every API request."""

REFRESH_COOKIE = "myqos_oat"
"""Cookie carrying the refresh token, sent only to ``/auth/tokens/refresh``."""

_NOT_AUTHENTICATED = (
    "No Nexus refresh token available. Pass token=..., set the environment variable "
    "QISKIT_NEXUS_TOKEN, or log in with `qnx login`."
)


@dataclass(frozen=True)
class RefreshedTokens:
    """What a successful refresh returns: a new access token and, if rotated, refresh token."""

    access_token: str
    refresh_token: str | None = None

    def __repr__(self) -> str:
        return (
            f"RefreshedTokens(access_token={mask_token(self.access_token)}, "
            f"refresh_token={mask_token(self.refresh_token)})"
        )


Refresher = Callable[[str], RefreshedTokens]
"""A function performing the refresh request, given the refresh token."""


def cookie_from_response(response: Reply, name: str) -> str | None:
    """The value a response sets for cookie ``name`` via ``Set-Cookie``, if any.

    The headers are parsed directly rather than through a cookie jar, so that the cookie is found
    whatever its ``Domain`` or ``Secure`` attributes and whatever the request's host.

    Args:
        response: The response to read.
        name: The cookie name.

    Returns:
        The cookie value, or ``None`` if the response does not set it.
    """
    for header in response.set_cookies():
        parsed: SimpleCookie = SimpleCookie()
        try:
            parsed.load(header)
        except CookieError:
            continue
        morsel = parsed.get(name)
        if morsel is not None and morsel.value:
            return morsel.value
    return None


class TokenManager:
    """The access and refresh tokens of one client.

    Args:
        credentials: The initial tokens.
    """

    def __init__(self, credentials: Credentials) -> None:
        self._refresh_token = credentials.refresh_token
        self._access_token = credentials.access_token
        self._lock = threading.Lock()
        self.refresh_count = 0
        """Number of refreshes performed (for diagnostics and tests)."""

    def __repr__(self) -> str:
        return (
            f"TokenManager(refresh_token={mask_token(self._refresh_token)}, "
            f"access_token={mask_token(self._access_token)})"
        )

    @property
    def access_token(self) -> str | None:
        """The current access token, if any."""
        return self._access_token

    def ensure_access_token(self, refresher: Refresher) -> str:
        """Return the access token, refreshing first if there is none yet.

        Args:
            refresher: Performs the refresh request.

        Returns:
            An access token.

        Raises:
            AuthenticationError: No token is available, or the refresh was rejected.
        """
        token = self._access_token
        if token is not None:
            return token
        return self.refresh(None, refresher)

    def refresh(self, stale: str | None, refresher: Refresher) -> str:
        """Replace the access token ``stale`` that the server rejected.

        If another thread already replaced ``stale`` while this one waited for the lock, its new
        token is returned without another refresh request.

        Args:
            stale: The access token that was rejected (``None`` if there was none).
            refresher: Performs the refresh request.

        Returns:
            A new access token.

        Raises:
            AuthenticationError: There is no refresh token, or the server rejected it.
        """
        with self._lock:
            current = self._access_token
            if current is not None and current != stale:
                return current
            if self._refresh_token is None:
                raise AuthenticationError(_NOT_AUTHENTICATED)
            tokens = refresher(self._refresh_token)
            self._access_token = tokens.access_token
            if tokens.refresh_token:
                self._refresh_token = tokens.refresh_token
            self.refresh_count += 1
            return tokens.access_token


def access_cookie(access_token: str) -> str:
    """The ``Cookie`` header value of an API request: only the access token."""
    return f"{ACCESS_COOKIE}={access_token}"


def refresh_cookie(refresh_token: str) -> str:
    """The ``Cookie`` header value of the refresh request: only the refresh token."""
    return f"{REFRESH_COOKIE}={refresh_token}"
