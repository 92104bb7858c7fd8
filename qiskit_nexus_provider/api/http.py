"""HTTP senders of the Nexus client: one request out, one fully read :class:`Reply` back.

:class:`~qiskit_nexus_provider.api.transport.Transport` (retries, tokens, errors) sends every
request through a sender:

* :class:`PoolSender`, the default: ``urllib3`` connection pools, with proxies and the CA bundle
  read from the environment once, as ``requests`` reads them.  ``requests`` itself costs about
  twice the client CPU per request (its session merges settings, prepares and re-parses every
  request); on a batch of small circuits, two requests per circuit, that was most of the
  client's CPU (issue 13, ``benchmarks/bench_http_client.py``).
* :class:`SessionSender`: a ``requests.Session`` the caller supplied (their adapters, proxies,
  certificates and authentication hooks, used as given).

A request that gets no response raises :class:`SendFailure`, which says whether the server may
have received it and whether trying again can help; it carries text only, never the request (its
``Cookie`` header holds a token) nor the library's exception.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import unquote, urlencode, urlsplit

import requests
import urllib3
import urllib3.exceptions
from urllib3 import HTTPHeaderDict

__all__ = [
    "EncodedJSON",
    "Params",
    "PoolSender",
    "Reply",
    "SendFailure",
    "Sender",
    "SessionSender",
    "encode_json",
    "tls_context",
    "user_agent",
]

Params = Mapping[str, Any] | Sequence[tuple[str, Any]]
"""Query parameters: a mapping or pairs; an iterable value (not a string) repeats the key,
``None`` is dropped (as ``requests`` encodes them)."""

_NO_PROXY: dict[str, str | None] = {"http": None, "https": None, "all": None}


def user_agent() -> str:
    """The ``User-Agent`` header sent by the client."""
    try:
        from importlib.metadata import version

        return f"qiskit-nexus-provider/{version('qiskit-nexus-provider')}"
    except Exception:
        return "qiskit-nexus-provider"


class EncodedJSON:
    """A request body already encoded as JSON (UTF-8 bytes), sent as it is.

    Args:
        data: The encoded document.
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def encode_json(body: Any) -> bytes:
    """A request body as compact JSON (an :class:`EncodedJSON` as it is).

    Raises:
        ValueError: ``body`` holds NaN or infinity, which JSON cannot express.
        TypeError: ``body`` holds something JSON cannot express.
    """
    if isinstance(body, EncodedJSON):
        return body.data
    return json.dumps(body, separators=(",", ":"), allow_nan=False).encode()


def _query(params: Params) -> str:
    pairs = params.items() if isinstance(params, Mapping) else params
    flat: list[tuple[str, str | bytes]] = []
    for key, value in pairs:
        single = isinstance(value, (str, bytes)) or not hasattr(value, "__iter__")
        values: Iterable[Any] = (value,) if single else value
        flat.extend(
            (key, v if isinstance(v, (str, bytes)) else str(v)) for v in values if v is not None
        )
    return urlencode(flat)


class Reply:
    """A response, read in full.

    Attributes:
        status_code: The HTTP status.
        headers: The headers (case-insensitive; ``headers.getlist(name)`` gives repeated ones).
        content: The body, decoded from any ``Content-Encoding``.
        method: The request's method.
        url: The request's URL.
    """

    __slots__ = ("content", "headers", "method", "status_code", "url")

    def __init__(
        self, status_code: int, headers: HTTPHeaderDict, content: bytes, method: str, url: str
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return f"<Reply [{self.status_code}] {self.method} {self.url}>"

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            ValueError: The body is not JSON.
        """
        return json.loads(self.content)

    @property
    def text(self) -> str:
        """The body as text (UTF-8; undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def set_cookies(self) -> list[str]:
        """Every ``Set-Cookie`` header, in order."""
        return [str(value) for value in self.headers.getlist("Set-Cookie")]


class SendFailure(Exception):
    """A request that got no response.

    Args:
        kind: What went wrong, named as the HTTP library names it (e.g. ``ReadTimeoutError``).
        detail: The library's description (no headers, no body).
        reached: The server may have received the request (and acted on it).
        retryable: Trying again can help (a connection failure, timeout or broken response; not
            a TLS failure nor a malformed URL).
    """

    def __init__(self, kind: str, detail: str, *, reached: bool, retryable: bool) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.reached = reached
        self.retryable = retryable


class Sender(Protocol):
    """What the transport needs of an HTTP library."""

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Params | None,
        body: bytes | None,
        headers: dict[str, str],
        timeout: tuple[float, float],
    ) -> Reply:
        """Send one request, following no redirect, and read its response.

        Raises:
            SendFailure: No response.
        """

    def close(self) -> None:
        """Release the connections (a no-op for a caller's session)."""


def _invalid_request() -> SendFailure:
    return SendFailure(
        "InvalidRequest",
        "a header or the URL holds characters HTTP does not allow",
        reached=False,
        retryable=False,
    )


# ------------------------------------------------------------------------------------------------
# urllib3


def _urllib3_failure(exc: urllib3.exceptions.HTTPError) -> SendFailure:
    kind = type(exc).__name__
    if isinstance(exc, urllib3.exceptions.SSLError):
        return SendFailure(kind, str(exc), reached=False, retryable=False)
    if isinstance(exc, urllib3.exceptions.ProxyError):
        # The tunnel to Nexus was not set up: the request never left for Nexus.  A proxy
        # asking for credentials (407) will ask again.
        denied = " 407 " in f" {exc.original_error} "
        return SendFailure(kind, str(exc), reached=False, retryable=not denied)
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):  # NewConnectionError too
        return SendFailure(kind, str(exc), reached=False, retryable=True)
    if isinstance(
        exc,
        (
            urllib3.exceptions.ReadTimeoutError,
            urllib3.exceptions.ProtocolError,
            urllib3.exceptions.DecodeError,
            urllib3.exceptions.ResponseError,
        ),
    ):
        return SendFailure(kind, str(exc), reached=True, retryable=True)
    return SendFailure(kind, str(exc), reached=False, retryable=False)


def _ca_bundle() -> tuple[str | None, str | None]:
    """``(ca_certs, ca_cert_dir)`` as ``requests`` picks them: ``REQUESTS_CA_BUNDLE``, else
    ``CURL_CA_BUNDLE``, else certifi's bundle; a directory goes to ``ca_cert_dir``.

    Raises:
        ValueError: The bundle named by the environment does not exist.
    """
    name = "REQUESTS_CA_BUNDLE" if os.environ.get("REQUESTS_CA_BUNDLE") else "CURL_CA_BUNDLE"
    path = os.environ.get(name)
    if not path:
        import certifi

        return certifi.where(), None
    if not os.path.exists(path):
        raise ValueError(f"{name}={path!r}: no such CA bundle file or directory")
    return (None, path) if os.path.isdir(path) else (path, None)


def tls_context() -> ssl.SSLContext:
    """An SSL context that verifies servers against the CA bundle of the requests
    (:func:`_ca_bundle`), for the connections ``urllib3`` does not make (websockets).

    Raises:
        ValueError: The CA bundle named by the environment does not exist.
    """
    cafile, capath = _ca_bundle()
    return ssl.create_default_context(cafile=cafile, capath=capath)


def environment_proxy(base_url: str) -> str | None:
    """The proxy ``requests`` would use for ``base_url`` from the environment
    (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``, honouring ``NO_PROXY``), or ``None``."""
    proxies = requests.utils.get_environ_proxies(base_url)
    scheme = urlsplit(base_url).scheme
    proxy = proxies.get(scheme) or proxies.get("all") or None
    if proxy and "://" not in proxy:
        proxy = "http://" + proxy  # "host:port" means an http proxy, as requests reads it
    return proxy


class PoolSender:
    """Sends requests to one server through ``urllib3`` connection pools.

    Args:
        base_url: The server's base URL (its scheme picks the proxy and TLS settings).
        pool_size: Connections kept open per host.
        proxy: Proxy URL (``http``, ``https`` or ``socks5[h]``, credentials in it allowed), or
            ``None`` for a direct connection.

    Raises:
        ValueError: The CA bundle named by the environment does not exist, or a ``socks``
            proxy is configured without ``PySocks`` installed.
    """

    def __init__(self, base_url: str, pool_size: int, proxy: str | None = None) -> None:
        pool_kw: dict[str, Any] = {
            "num_pools": 4,
            "maxsize": pool_size,
            "block": False,
            "retries": False,
            # Accept-Encoding as requests sends it: large results may come compressed, and
            # urllib3 decodes them.
            "headers": {
                "User-Agent": user_agent(),
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
            },
        }
        parts = urlsplit(base_url)
        if parts.scheme == "https":
            ca_certs, ca_cert_dir = _ca_bundle()
            pool_kw.update(cert_reqs="CERT_REQUIRED", ca_certs=ca_certs, ca_cert_dir=ca_cert_dir)
        self.proxy = proxy
        self.pool: urllib3.PoolManager = self._pool_manager(proxy, pool_kw)
        # Every request goes to the one server: its connection pool is looked up once, not per
        # request (the pool manager parses the URL and normalises a key each time: about a
        # tenth of the client CPU of a request).  Through a proxy, it is the tunnelling pool.
        self._origin = f"{parts.scheme}://{parts.netloc}"
        tunnelled_or_direct = proxy is None or parts.scheme == "https"
        self._host_pool = (
            self.pool.connection_from_url(self._origin) if tunnelled_or_direct else None
        )
        self._headers = dict(pool_kw["headers"])
        self._timeouts: dict[tuple[float, float], urllib3.Timeout] = {}

    @staticmethod
    def _pool_manager(proxy: str | None, pool_kw: dict[str, Any]) -> urllib3.PoolManager:
        if proxy is None:
            return urllib3.PoolManager(**pool_kw)
        if proxy.lower().startswith("socks"):
            try:
                from urllib3.contrib.socks import SOCKSProxyManager
            except ImportError:
                raise ValueError(
                    "A SOCKS proxy is configured; install PySocks (pip install pysocks) to use it"
                ) from None
            return SOCKSProxyManager(proxy, **pool_kw)
        parts = urlsplit(proxy)
        proxy_headers = None
        if parts.username is not None:
            auth = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            proxy_headers = urllib3.make_headers(proxy_basic_auth=auth)
        return urllib3.ProxyManager(proxy, proxy_headers=proxy_headers, **pool_kw)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Params | None,
        body: bytes | None,
        headers: dict[str, str],
        timeout: tuple[float, float],
    ) -> Reply:
        """See :meth:`Sender.send`."""
        if params:
            query = _query(params)
            if query:
                url = f"{url}?{query}"
        limits = self._timeouts.get(timeout)
        if limits is None:
            limits = self._timeouts[timeout] = urllib3.Timeout(connect=timeout[0], read=timeout[1])
        try:
            opener: urllib3.PoolManager | urllib3.HTTPConnectionPool = self.pool
            target = url
            if self._host_pool is not None and url.startswith(self._origin + "/"):
                opener, target = self._host_pool, url[len(self._origin) :]
            response = opener.urlopen(
                method,
                target,
                body=body,
                headers={**self._headers, **headers},
                timeout=limits,
                retries=False,
                redirect=False,
                preload_content=True,
            )
        except urllib3.exceptions.HTTPError as exc:
            failure = _urllib3_failure(exc)
        except ValueError:  # http.client refusing a header or the URL: never echo them
            failure = _invalid_request()
        else:
            return Reply(response.status, response.headers, response.data, method, url)
        # Raised outside the handler so that neither the cause nor the context chains the
        # library's exception, whose connection may still buffer the request's headers.
        raise failure

    def close(self) -> None:
        """Close every pooled connection."""
        self.pool.clear()


# ------------------------------------------------------------------------------------------------
# requests


def _requests_failure(exc: requests.RequestException) -> SendFailure:
    kind = type(exc).__name__
    if isinstance(exc, (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL)):
        return _invalid_request()  # its text quotes the header, which may be the Cookie
    if isinstance(exc, requests.exceptions.SSLError):
        return SendFailure(kind, str(exc), reached=False, retryable=False)
    if isinstance(exc, requests.ConnectTimeout):
        return SendFailure(kind, str(exc), reached=False, retryable=True)
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, urllib3.exceptions.MaxRetryError):
            reason = reason.reason
        reached = not isinstance(reason, urllib3.exceptions.ConnectTimeoutError)
        return SendFailure(kind, str(exc), reached=reached, retryable=True)
    if isinstance(exc, (requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return SendFailure(kind, str(exc), reached=True, retryable=True)
    return SendFailure(kind, str(exc), reached=False, retryable=False)


class SessionSender:
    """Sends requests through a caller's ``requests.Session``, used as given.

    Args:
        session: The session (its adapters, proxies, certificates and hooks apply).
        direct: Bypass any proxy (the server is on a loopback address).
    """

    def __init__(self, session: requests.Session, *, direct: bool = False) -> None:
        self.session = session
        self._proxies = dict(_NO_PROXY) if direct else None

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Params | None,
        body: bytes | None,
        headers: dict[str, str],
        timeout: tuple[float, float],
    ) -> Reply:
        """See :meth:`Sender.send`."""
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                proxies=self._proxies,  # type: ignore[arg-type]  # None values are documented
            )
        except requests.RequestException as exc:
            failure = _requests_failure(exc)
        else:
            # urllib3's headers keep repeated ones (Set-Cookie); requests' dict joins them.
            raw = getattr(response.raw, "headers", None)
            reply_headers = (
                raw if isinstance(raw, HTTPHeaderDict) else HTTPHeaderDict(response.headers)
            )
            return Reply(
                response.status_code,
                reply_headers,
                response.content,
                method,
                response.request.url or url,
            )
        raise failure  # outside the handler: nothing chains the request (see PoolSender.send)

    def close(self) -> None:
        """Nothing: the caller owns the session."""
