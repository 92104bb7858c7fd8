"""HTTP transport of the Nexus client: pooled connections, cookie auth, retries, timeouts, logging.

Every request of a :class:`~qiskit_nexus_provider.api.NexusClient` goes through
:meth:`Transport.call`, which

* sends the access token in the ``myqos_id`` cookie (refreshing it first if there is none);
* on a 401, refreshes the access token once (one refresh for any number of concurrent 401s) and
  resends the request once; a second 401 raises :class:`~.AuthenticationError`;
* retries connection failures, timeouts and the retryable statuses of the client's single
  :class:`~.RetryPolicy`, with exponential backoff, jitter and ``Retry-After``;
* never blindly resends a non-idempotent request that may have reached the server: it retries it
  only when the caller supplies a ``recover`` function, which is asked first whether the earlier
  attempt took effect after all;
* maps failures to the :mod:`~qiskit_nexus_provider.api.errors` hierarchy.

Logging goes to ``logging.getLogger(__name__)``: method, path, status, elapsed time and attempt,
never cookies or tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from .auth import (
    ACCESS_COOKIE,
    REFRESH_COOKIE,
    RefreshedTokens,
    TokenManager,
    access_cookie,
    cookie_from_response,
    refresh_cookie,
)
from .config import RetryPolicy, Timeouts
from .credentials import Credentials, check_secure_url, check_token, is_loopback_host
from .errors import (
    AuthenticationError,
    NexusAPIError,
    NexusConnectionError,
    error_from_response,
)
from .http import (
    Params,
    PoolSender,
    Reply,
    Sender,
    SendFailure,
    SessionSender,
    encode_json,
    environment_proxy,
    tls_context,
    user_agent,
)
from .warn import warn_user

_SILENT = logging.getLogger(__name__ + ".websocket")
_SILENT.disabled = True  # the websockets library's debug log would show the Cookie header

__all__ = ["DEFAULT_POOL_SIZE", "REFRESH_PATH", "Transport", "user_agent"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_POOL_SIZE = 32  # = the default max_concurrent_requests run option
"""Connections kept per host, enough for concurrent uploads to reuse connections."""

REFRESH_PATH = "/auth/tokens/refresh"

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _drop_tracebacks(exc: BaseException) -> None:
    """Drop the tracebacks of the exceptions ``exc`` chains (``__cause__``, ``__context__``)."""
    seen = {id(exc)}
    stack = [exc.__cause__, exc.__context__]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        stack += [current.__cause__, current.__context__]


class Transport:
    """Sends authenticated requests to one Nexus server.

    Args:
        base_url: Base URL of the API, e.g. ``https://nexus.quantinuum.com``.
        credentials: The tokens to authenticate with.
        timeouts: Connect, read and upload timeouts.
        retry: The retry policy applied to every request.
        session: A ``requests.Session`` to send through instead of the transport's own
            ``urllib3`` pools; it is used as given (its proxies, certificates and hooks) and not
            closed by :meth:`close`.
        pool_size: Connections kept open per host by the transport's own pools.

    Raises:
        ValueError: ``base_url`` uses plain http to a non-loopback host, or the CA bundle named
            by ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` does not exist.

    A transport of its own reads its proxy (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``,
    honouring ``NO_PROXY``) and CA bundle (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, else
    certifi's) from the environment once, when it is created, as ``requests`` would;
    ``~/.netrc`` credentials are never sent (Nexus authenticates with cookies).  A loopback
    server is reached directly, never through a proxy: plain http is only allowed there because
    the traffic never leaves the machine.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        check_secure_url(base_url)
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts if timeouts is not None else Timeouts()
        self.retry = retry if retry is not None else RetryPolicy()
        self.tokens = TokenManager(credentials)
        self.session = session
        loopback = is_loopback_host(urlsplit(self.base_url).hostname or "")
        self.sender: Sender
        if session is not None:
            self.sender = SessionSender(session, direct=loopback)
        else:
            proxy = None if loopback else environment_proxy(self.base_url)
            self.sender = PoolSender(self.base_url, pool_size, proxy)
        self._answered = False  # whether the server has ever answered this transport
        self._websocket_options: dict[str, Any] | None = None  # on the first websocket
        self.last_failure: str | None = None
        """The last failed attempt since the server last answered (``"POST /api/...: why"``,
        never a token), or ``None``: what a timeout message quotes to say the server was
        unreachable rather than slow."""

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, tokens={self.tokens!r})"

    def close(self) -> None:
        """Close the transport's own connections (a caller's session stays open)."""
        self.sender.close()

    # ----------------------------------------------------------------------------------------
    # Public entry points

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        expected: Collection[int] = (200,),
        upload: bool = False,
        idempotent: bool | None = None,
    ) -> Reply:
        """Send a request and return its response (see :meth:`call`)."""
        return self.call(
            method,
            path,
            parse=lambda response: response,
            params=params,
            json=json,
            expected=expected,
            upload=upload,
            idempotent=idempotent,
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        parse: Callable[[Reply], T],
        params: Params | None = None,
        json: Any = None,
        expected: Collection[int] = (200,),
        upload: bool = False,
        idempotent: bool | None = None,
        recover: Callable[[], T | None] | None = None,
        authenticated: bool = True,
        cookie: str | None = None,
    ) -> T:
        """Send a request, with authentication and retries, and parse the response.

        Args:
            method: HTTP method.
            path: Path relative to the base URL, starting with ``/``.
            parse: Turns a response with an expected status into the result.
            params: Query parameters; a sequence of pairs repeats keys.
            json: JSON body, if any.
            expected: Status codes that mean success.
            upload: Use the upload timeout as read timeout.
            idempotent: Whether sending the request twice is harmless; defaults to ``True`` for
                GET, HEAD, OPTIONS, PUT and DELETE.  A non-idempotent request that may have reached
                the server is retried only if ``recover`` is given.
            recover: For a non-idempotent request: called before resending after a failure that
                may have reached the server, and once more if the attempts run out; it returns
                the result if the earlier attempt took effect, else ``None``.
            authenticated: Send the access token (all API calls); ``False`` for the refresh call.
            cookie: A ``Cookie`` header for an unauthenticated call.

        Returns:
            What ``parse`` (or ``recover``) returned.

        Raises:
            NexusAPIError: The request failed; the subclass tells why.
        """
        try:
            return self._call(
                method,
                path,
                parse,
                params,
                json,
                expected,
                upload,
                idempotent,
                recover,
                authenticated,
                cookie,
            )
        except NexusAPIError as exc:
            # The frames below this one hold the tokens in their locals (the Cookie header, the
            # refresh token): tools that print locals (pytest -l, Sentry, rich) would show them.
            _drop_tracebacks(exc)
            raise exc.with_traceback(None)  # noqa: B904  # the same exception, its chain kept

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Reply], T],
        params: Params | None,
        json: Any,
        expected: Collection[int],
        upload: bool,
        idempotent: bool | None,
        recover: Callable[[], T | None] | None,
        authenticated: bool,
        cookie: str | None,
    ) -> T:
        method = method.upper()
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        url = self.base_url + path
        body = None if json is None else encode_json(json)
        policy = self.retry
        attempt = 0
        maybe_applied = False  # the last failed attempt may have taken effect on the server
        while True:
            attempt += 1
            if maybe_applied and recover is not None:
                found = recover()
                if found is not None:
                    logger.debug("%s %s: earlier attempt had succeeded", method, path)
                    return found
            try:
                response = self._send_once(
                    method, url, path, params, body, upload, authenticated, cookie, attempt
                )
            except SendFailure as exc:
                if not exc.retryable:
                    raise self._connection_error(method, url, exc) from exc
                maybe_applied = exc.reached
                retry_safe = idempotent or recover is not None or not maybe_applied
                never_answered = not self._answered and not maybe_applied
                if never_answered and attempt >= policy.first_contact_attempts:
                    retry_safe = False  # a wrong URL or closed port, not an outage
                if retry_safe and policy.can_retry(attempt):
                    self._wait(method, path, attempt, policy.delay(attempt), str(exc))
                    continue
                found = recover() if (maybe_applied and recover is not None) else None
                if found is not None:
                    return found
                self.last_failure = f"{method} {path}: {exc}"
                raise self._connection_error(method, url, exc) from exc

            self._answered = True
            status = response.status_code
            if status < 500 and status != 429:
                self.last_failure = None  # the service answers (maybe with the caller's mistake)
            if status in expected:
                return parse(response)
            maybe_applied = status >= 500
            retry_safe = idempotent or recover is not None or not maybe_applied
            if policy.is_retryable_status(status) and retry_safe and policy.can_retry(attempt):
                delay = policy.delay(attempt, response.headers.get("Retry-After"))
                self._wait(method, path, attempt, delay, f"status {status}")
                continue
            found = recover() if (maybe_applied and recover is not None) else None
            if found is not None:
                return found
            if self.last_failure is not None:
                self.last_failure = f"{method} {path}: status {status}"
            raise error_from_response(response, method)

    # ----------------------------------------------------------------------------------------
    # One attempt

    def _send_once(
        self,
        method: str,
        url: str,
        path: str,
        params: Params | None,
        body: bytes | None,
        upload: bool,
        authenticated: bool,
        cookie: str | None,
        attempt: int,
    ) -> Reply:
        if not authenticated:
            return self._send(method, url, path, params, body, upload, cookie, attempt)
        token = self.tokens.ensure_access_token(self._refresh_tokens)
        response = self._send(
            method, url, path, params, body, upload, access_cookie(token), attempt
        )
        if response.status_code != 401:
            return response
        logger.debug("%s %s: access token rejected, refreshing", method, path)
        token = self.tokens.refresh(token, self._refresh_tokens)
        return self._send(method, url, path, params, body, upload, access_cookie(token), attempt)

    def _send(
        self,
        method: str,
        url: str,
        path: str,
        params: Params | None,
        body: bytes | None,
        upload: bool,
        cookie: str | None,
        attempt: int,
    ) -> Reply:
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            response = self.sender.send(
                method,
                url,
                params=params,
                body=body,
                headers=headers,
                timeout=self.timeouts.for_request(upload=upload),
            )
        except SendFailure as exc:
            logger.debug(
                "%s %s failed after %.3fs (attempt %d): %s",
                method,
                path,
                time.monotonic() - started,
                attempt,
                exc.kind,
            )
            raise
        logger.debug(
            "%s %s -> %d in %.3fs (attempt %d)",
            method,
            path,
            response.status_code,
            time.monotonic() - started,
            attempt,
        )
        sunset = response.headers.get("Sunset")
        if sunset:
            warn_user(
                f"Nexus API endpoint {method} {path} is deprecated and will be removed on {sunset}",
                DeprecationWarning,
            )
        return response

    # ----------------------------------------------------------------------------------------
    # Websockets

    def open_websocket(self, path: str, *, open_timeout: float, close_timeout: float = 10.0) -> Any:
        """Open a websocket to ``path`` on the configured server, authenticated as requests are
        (the access token in the ``myqos_id`` cookie, refreshed once if the server refuses it).

        ``ws://`` for an ``http`` base URL (loopback only, see :func:`.check_secure_url`),
        ``wss://`` with the CA bundle of the requests for ``https``; the environment's proxy
        as for requests, none for a loopback host.  The websockets library logs nothing (its
        debug log would hold the cookie).

        Args:
            path: The endpoint, such as ``/api/jobs/v1beta3/{id}/attributes/status/ws``.
            open_timeout: Seconds allowed for the connection and the handshake.
            close_timeout: Seconds closing waits for the server's closing handshake.

        Returns:
            A ``websockets.sync.client.ClientConnection``.

        Raises:
            NexusConnectionError: The websocket could not be opened (the message names the
                reason, never a token); also when this transport sends through a caller's
                ``requests.Session``, whose settings a websocket cannot follow.
        """
        if not isinstance(self.sender, PoolSender):
            raise NexusConnectionError("websockets go only through the client's own pools")
        from websockets.exceptions import InvalidStatus
        from websockets.sync.client import connect

        parts = urlsplit(self.base_url)
        url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{path}"
        if self._websocket_options is None:  # read once, as the sender reads its settings
            options: dict[str, Any] = {
                "user_agent_header": user_agent(),
                "logger": _SILENT,
                "proxy": None
                if is_loopback_host(parts.hostname or "")
                else environment_proxy(self.base_url),
            }
            if parts.scheme == "https":
                options["ssl"] = tls_context()
            self._websocket_options = options
        options = {
            **self._websocket_options,
            "open_timeout": open_timeout,
            "close_timeout": close_timeout,
        }
        token = self.tokens.ensure_access_token(self._refresh_tokens)
        for attempt in (1, 2):
            try:
                return connect(url, additional_headers={"Cookie": access_cookie(token)}, **options)
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status == 401 and attempt == 1:
                    token = self.tokens.refresh(token, self._refresh_tokens)
                    continue
                failure = f"HTTP {status}"
            except Exception as exc:  # OSError, TimeoutError, handshake and proxy errors
                failure = type(exc).__name__
            break
        raise NexusConnectionError(f"websocket {path} could not be opened ({failure})")

    def _wait(self, method: str, path: str, attempt: int, delay: float, why: str) -> None:
        self.last_failure = f"{method} {path}: {why}"
        logger.info(
            "%s %s: %s; retry %d/%d in %.2fs",
            method,
            path,
            why,
            attempt,
            self.retry.max_attempts - 1,
            delay,
        )
        self.retry.sleep(delay)

    @staticmethod
    def _connection_error(method: str, url: str, exc: SendFailure) -> NexusConnectionError:
        return NexusConnectionError(
            f"No response from the Nexus API ({exc.kind}): {exc.detail}",
            method=method,
            url=url,
        )

    # ----------------------------------------------------------------------------------------
    # Token refresh

    def _refresh_tokens(self, refresh_token: str) -> RefreshedTokens:
        """``POST /auth/tokens/refresh`` with only the refresh-token cookie."""

        def parse(response: Reply) -> RefreshedTokens:
            access = cookie_from_response(response, ACCESS_COOKIE)
            refresh = cookie_from_response(response, REFRESH_COOKIE)
            problem = None
            if access is None:
                problem = "set no myqos_id cookie"
            else:
                try:  # it goes into every Cookie header from now on
                    check_token(access, "the refresh answer's myqos_id cookie")
                    check_token(refresh, "the refresh answer's myqos_oat cookie")
                except ValueError as exc:
                    problem = f"is unusable: {exc}"
            if problem is not None or access is None:
                raise AuthenticationError(
                    f"The token refresh response {problem}",
                    status_code=response.status_code,
                    method="POST",
                    url=self.base_url + REFRESH_PATH,
                )
            return RefreshedTokens(access, refresh)

        try:
            return self.call(
                "POST",
                REFRESH_PATH,
                parse=parse,
                idempotent=True,
                authenticated=False,
                cookie=refresh_cookie(refresh_token),
            )
        except AuthenticationError as exc:
            if exc.status_code == 401:
                raise AuthenticationError(
                    f"The Nexus refresh token is invalid or expired ({exc.message}). "
                    "Pass a new token or log in again with `qnx login`.",
                    status_code=401,
                    method=exc.method,
                    url=exc.url,
                    details=exc.details,
                ) from None
            raise
