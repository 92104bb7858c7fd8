"""Tokens of the emulator: one long-lived refresh token, short-lived opaque access tokens.

As on Nexus, the refresh token travels in the ``myqos_oat`` cookie and is accepted only at
``POST /auth/tokens/refresh``, which answers with a new access token in ``myqos_id``.  Every
other endpoint authenticates on ``myqos_id``.  Access tokens are random strings that expire
``access_token_ttl`` seconds after issue; they live in memory, so after a restart clients
simply refresh again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable

from qiskit_nexus_provider.emulator.store.rows import PRIMARY_USER

__all__ = ["DEFAULT_ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL", "TokenManager", "new_token"]

DEFAULT_ACCESS_TOKEN_TTL = 3600.0
"""Lifetime of an access token, in seconds, unless a fault sets another."""

REFRESH_TOKEN_TTL = 30 * 24 * 3600
"""Lifetime reported for the refresh token by ``GET /auth/tokens``."""


def new_token() -> str:
    """A random URL-safe token (32 bytes of entropy) that does not begin with ``-``.

    The emulator prints its token for the command line (``qiskit-nexus demo --token ...``);
    one that began with ``-`` (1 in 64 of ``secrets.token_urlsafe``) was read by argparse as an
    option, and the command failed with "expected one argument".
    """
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


class TokenManager:
    """Issues and checks tokens; thread-safe.

    Args:
        refresh_token: The refresh token clients present; a random one when ``None``.
        clock: Monotonic clock, in seconds (replaceable for tests).
    """

    def __init__(
        self, refresh_token: str | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.refresh_token = refresh_token or new_token()
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._owners: dict[str, str] = {}  # access token -> user
        self._users: dict[str, str] = {self.refresh_token: PRIMARY_USER}  # refresh token -> user
        self._ttl = DEFAULT_ACCESS_TOKEN_TTL
        self._started = clock()

    def add_user(self, refresh_token: str | None = None) -> tuple[str, str]:
        """Add a user with its own refresh token; it cannot read other users' projects.

        Returns:
            ``(user_id, refresh_token)``.
        """
        token = refresh_token or new_token()
        with self._lock:
            if token in self._users:
                raise ValueError("this refresh token already belongs to a user")
            user = f"user-{len(self._users) + 1}"
            self._users[token] = user
        return user, token

    def user_of_refresh_token(self, token: str | None) -> str | None:
        """The user a refresh token belongs to, or ``None``."""
        if not token:
            return None
        with self._lock:
            users = list(self._users.items())
        for known, user in users:
            if secrets.compare_digest(token.encode(), known.encode()):
                return user
        return None

    def user_of(self, access_token: str | None) -> str | None:
        """The user of a current access token, or ``None`` (missing, unknown or expired)."""
        if not self.check_access_token(access_token):
            return None
        with self._lock:
            return self._owners.get(access_token or "")

    @property
    def access_token_ttl(self) -> float:
        """Lifetime of newly issued access tokens, in seconds."""
        return self._ttl

    @access_token_ttl.setter
    def access_token_ttl(self, value: float | None) -> None:
        if value is not None and value < 0:
            raise ValueError("access_token_ttl must be >= 0")
        self._ttl = DEFAULT_ACCESS_TOKEN_TTL if value is None else float(value)

    def check_refresh_token(self, token: str | None) -> bool:
        """Whether ``token`` is a user's refresh token."""
        return self.user_of_refresh_token(token) is not None

    def issue_access_token(self, user: str = PRIMARY_USER) -> str:
        """Issue a new access token of ``user``, valid for :attr:`access_token_ttl` seconds."""
        token = new_token()
        now = self._clock()
        with self._lock:
            # Forget expired tokens so that the table stays small.
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            self._owners = {t: u for t, u in self._owners.items() if t in self._expiry}
            self._expiry[token] = now + self._ttl
            self._owners[token] = user
        return token

    def check_access_token(self, token: str | None) -> bool:
        """Whether ``token`` is a current (issued, unexpired) access token."""
        if not token:
            return False
        with self._lock:
            expiry = self._expiry.get(token)
        return expiry is not None and self._clock() < expiry

    def expire_access_tokens(self) -> None:
        """Make every issued access token invalid, as if they had all expired."""
        with self._lock:
            self._expiry.clear()

    def refresh_token_ttl(self) -> int:
        """Seconds the refresh token remains valid (reported by ``GET /auth/tokens``)."""
        return max(0, int(REFRESH_TOKEN_TTL - (self._clock() - self._started)))
