"""Where the client finds its tokens and which server it talks to.

Refresh token, in order of precedence:

1. the ``token`` argument;
2. the environment variable ``QISKIT_NEXUS_TOKEN``;
3. the files ``qnexus`` writes after ``qnx login``: ``token.json`` (refresh token) and ``id.json``
   (cached access token) in ``~/.qnx/auth``, or in ``NEXUS_TOKEN_PATH`` (absolute, or relative
   to the home directory).

A cached access token is only taken from ``id.json`` when the refresh token also comes from the
``qnexus`` files, so that an access token of one account is never paired with another account's
refresh token.

Base URL, in order of precedence: the ``base_url`` argument; the ``qnexus`` variables
``NEXUS_PROTOCOL``, ``NEXUS_DOMAIN`` (or ``NEXUS_HOST``) and ``NEXUS_PORT``; the public service
``https://nexus.quantinuum.com``.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

__all__ = [
    "DEFAULT_BASE_URL",
    "TOKEN_ENV_VAR",
    "Credentials",
    "check_secure_url",
    "check_token",
    "is_loopback_host",
    "mask_token",
    "resolve_base_url",
    "resolve_credentials",
    "token_directory",
]

TOKEN_ENV_VAR = "QISKIT_NEXUS_TOKEN"
"""Environment variable holding a Nexus refresh token."""

DEFAULT_BASE_URL = "https://nexus.quantinuum.com"
"""The public Nexus service."""

_DEFAULT_TOKEN_PATH = ".qnx/auth"
_REFRESH_FILE = "token.json"
_ACCESS_FILE = "id.json"


def mask_token(token: str | None) -> str:
    """Return a fixed-length placeholder for a token, safe to print or log."""
    return "None" if token is None else "'***'"


@dataclass(frozen=True)
class Credentials:
    """The tokens a client authenticates with.

    Args:
        refresh_token: The long-lived refresh token (cookie ``myqos_oat``).
        access_token: A short-lived access token (cookie ``myqos_id``), if one is cached.
        source: Where the tokens were found: ``"argument"``, ``"environment"``, ``"qnexus files"``
            or ``"none"``.
    """

    refresh_token: str | None
    access_token: str | None = None
    source: str = "argument"

    def __repr__(self) -> str:
        return (
            f"Credentials(refresh_token={mask_token(self.refresh_token)}, "
            f"access_token={mask_token(self.access_token)}, source={self.source!r})"
        )

    __str__ = __repr__


def _environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def token_directory(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """The directory in which ``qnexus`` stores its tokens.

    Args:
        env: Environment to read ``NEXUS_TOKEN_PATH`` from (defaults to ``os.environ``).
        home: Home directory (defaults to :meth:`pathlib.Path.home`).

    Returns:
        ``NEXUS_TOKEN_PATH`` (default ``.qnx/auth``) joined to the home directory; an absolute
        ``NEXUS_TOKEN_PATH`` is used as is.
    """
    configured = _environ(env).get("NEXUS_TOKEN_PATH") or _DEFAULT_TOKEN_PATH
    path = Path(configured).expanduser()
    if path.is_absolute():
        return path
    return (home if home is not None else Path.home()) / path


def _read_token_file(path: Path, key: str) -> str | None:
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data = document.get("data") if isinstance(document, dict) else None
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def check_token(token: str | None, source: str) -> str | None:
    """Refuse a token holding control characters (CR, LF, NUL...) or non-ASCII characters.

    Such a token cannot be a Nexus token and would break (or inject into) the ``Cookie`` header;
    the error names where the token came from, never the token.

    Raises:
        TypeError: the token is not a string.
        ValueError: the token holds a character outside printable ASCII.
    """
    if token is not None and not isinstance(token, str):
        raise TypeError(
            f"The Nexus token from {source} must be a str (a refresh token), "
            f"not {type(token).__name__}"
        )
    if token is not None and any(not 0x20 < ord(ch) < 0x7F for ch in token):
        raise ValueError(
            f"The Nexus token from {source} holds control, space or non-ASCII characters; "
            "it cannot be a valid token (check for a stray newline or quote)."
        )
    return token


def resolve_credentials(
    token: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Credentials:
    """Find the refresh token (and a cached access token) to authenticate with.

    Args:
        token: An explicit refresh token; it takes precedence over everything else.
        env: Environment to read (defaults to ``os.environ``).
        home: Home directory used to locate the ``qnexus`` token files.

    Returns:
        The credentials found.  If nothing is found, both tokens are ``None`` and ``source`` is
        ``"none"``; the client then raises :class:`~.AuthenticationError` on its first request.

    Raises:
        TypeError: ``token`` is not a string.
        ValueError: ``token`` is empty or holds characters a token cannot hold.
    """
    if token is not None:
        if not isinstance(token, str):
            check_token(token, "the token argument")  # raises the TypeError
        token = token.strip()
        if not token:
            raise ValueError("The Nexus token must not be empty")
        return Credentials(
            refresh_token=check_token(token, "the token argument"), source="argument"
        )
    environ = _environ(env)
    from_env = environ.get(TOKEN_ENV_VAR, "").strip()
    if from_env:
        return Credentials(refresh_token=check_token(from_env, TOKEN_ENV_VAR), source="environment")
    directory = token_directory(env=environ, home=home)
    refresh = check_token(
        _read_token_file(directory / _REFRESH_FILE, "refresh_token"), str(directory / _REFRESH_FILE)
    )
    access = check_token(
        _read_token_file(directory / _ACCESS_FILE, "access_token"), str(directory / _ACCESS_FILE)
    )
    if refresh is None and access is None:
        return Credentials(refresh_token=None, source="none")
    return Credentials(refresh_token=refresh, access_token=access, source="qnexus files")


def resolve_base_url(base_url: str | None = None, *, env: Mapping[str, str] | None = None) -> str:
    """Find the base URL of the Nexus API.

    Args:
        base_url: An explicit URL such as ``https://nexus.quantinuum.com`` or
            ``http://127.0.0.1:8000``; it takes precedence.
        env: Environment to read the ``qnexus`` variables from (defaults to ``os.environ``).

    Returns:
        The base URL without a trailing slash.

    Raises:
        TypeError: ``base_url`` is not a string.
        ValueError: The URL is not of the form ``http(s)://host[:port]``: another scheme, no
            host, a path (the API's paths start at the host: ``/api/...``), a query, a
            fragment, a port out of range, or a host that is not ASCII (give an
            internationalised domain in its ``xn--`` form).
    """
    if base_url is not None and not isinstance(base_url, str):
        raise TypeError(f"The Nexus URL must be a str, not {type(base_url).__name__}")
    if base_url is None:
        environ = _environ(env)
        names = ("NEXUS_PROTOCOL", "NEXUS_DOMAIN", "NEXUS_HOST", "NEXUS_PORT")
        if any(environ.get(name) for name in names):
            protocol = environ.get("NEXUS_PROTOCOL") or "https"
            domain = (
                environ.get("NEXUS_DOMAIN") or environ.get("NEXUS_HOST") or ("nexus.quantinuum.com")
            )
            port = environ.get("NEXUS_PORT") or "443"
            base_url = f"{protocol}://{domain}:{port}"
        else:
            base_url = DEFAULT_BASE_URL
    base_url = base_url.strip().rstrip("/")
    try:
        parts = urlsplit(base_url)
        _ = parts.port
    except ValueError as exc:
        raise ValueError(f"Invalid Nexus base URL {base_url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Invalid Nexus base URL {base_url!r}: expected http(s)://host[:port]")
    if "?" in base_url or "#" in base_url:  # an empty query or fragment too
        raise ValueError(f"Invalid Nexus base URL {base_url!r}: no query or fragment allowed")
    if parts.path:
        raise ValueError(
            f"Invalid Nexus base URL {base_url!r}: no path allowed (the API's paths, /api/..., "
            f"start at the host); expected {parts.scheme}://{parts.netloc}"
        )
    if not parts.hostname.isascii():
        raise ValueError(
            f"Invalid Nexus base URL {base_url!r}: the host is not ASCII; "
            f"{_ascii_form(parts.hostname)}"
        )
    return base_url


def _ascii_form(host: str) -> str:
    """A hint naming the ASCII (IDNA) form of a non-ASCII host, when it has one."""
    try:
        return f"give its ASCII form {host.encode('idna').decode('ascii')!r} if that is meant"
    except UnicodeError:
        return "it has no ASCII (IDNA) form"


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address (``127.0.0.0/8``, ``::1``)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_secure_url(base_url: str) -> None:
    """Refuse a URL over which tokens would travel in clear text to another machine.

    Args:
        base_url: The base URL of the API.

    Raises:
        ValueError: The URL uses plain ``http`` and its host is not a loopback address; or it
            holds user info (``user@``), a backslash, whitespace or a control character, which
            parsers read differently (``http://evil\\@127.0.0.1`` is ``127.0.0.1`` to
            ``urllib.parse`` but ``evil`` to ``urllib3``, which connects).
    """
    if any(c == "\\" or c.isspace() or ord(c) < 32 or ord(c) == 127 for c in base_url):
        raise ValueError(
            "The Nexus URL must not contain backslashes, whitespace or control characters"
        )
    if not base_url.isascii():
        raise ValueError(
            f"The Nexus URL must be ASCII (give a domain in its xn-- form): {base_url!r}"
        )
    try:
        parts = urlsplit(base_url)
        connected = parse_url(base_url).host or ""
    except (ValueError, LocationParseError):
        raise ValueError(f"The Nexus URL {base_url!r} cannot be parsed") from None
    if "@" in parts.netloc:
        raise ValueError(
            "The Nexus URL must not contain user info ('user@host'): tokens are "
            "sent as cookies, never in the URL"
        )
    if connected.strip("[]").lower() != (parts.hostname or "").lower():
        raise ValueError(f"The Nexus URL's host is ambiguous: {base_url!r}")
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and is_loopback_host(parts.hostname or ""):
        return
    raise ValueError(
        f"Refusing to send Nexus tokens over {parts.scheme}:// to {parts.hostname!r}: "
        "plain http is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost). Use https."
    )
