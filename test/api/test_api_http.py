"""The HTTP senders: the default ``urllib3`` pools on real loopback sockets, and a caller's
``requests`` session.

The default sender reads its proxy and CA bundle from the environment once, when the transport
is created, as ``requests`` would (``requests`` re-read them at every request: a ``~/.netrc``
lookup and ``stat`` calls per request, issue 13's client cost per circuit).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
import requests
import urllib3
from nexus_api_fakes import ACCESS_TOKEN, REFRESH_TOKEN, LocalServer, job_json

from qiskit_nexus_provider.api import NexusClient
from qiskit_nexus_provider.api.credentials import Credentials
from qiskit_nexus_provider.api.http import PoolSender, Reply, SendFailure, SessionSender
from qiskit_nexus_provider.api.transport import DEFAULT_POOL_SIZE, Transport


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the block ends


def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------------------------------------
# Settings read once from the environment


def test_proxy_and_ca_bundle_are_read_from_the_environment_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_proxy_env(monkeypatch)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    transport = Transport("https://nexus.example", Credentials(refresh_token="r"))
    try:
        sender = transport.sender
        assert isinstance(sender, PoolSender)
        assert sender.proxy == "http://proxy.example:3128"
        assert isinstance(sender.pool, urllib3.ProxyManager)
        assert sender.pool.connection_pool_kw["ca_certs"] == str(bundle)
        assert sender.pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"
        monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere.example:1")
        assert sender.proxy == "http://proxy.example:3128"  # read once, at creation
    finally:
        transport.close()


def test_a_proxy_without_scheme_is_an_http_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    transport = Transport("https://nexus.example", Credentials(refresh_token="r"))
    assert isinstance(transport.sender, PoolSender)
    assert transport.sender.proxy == "http://proxy.example:3128"


def test_no_proxy_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "nexus.example")
    transport = Transport("https://nexus.example", Credentials(refresh_token="r"))
    assert isinstance(transport.sender, PoolSender) and transport.sender.proxy is None
    assert not isinstance(transport.sender.pool, urllib3.ProxyManager)


def test_proxy_credentials_go_to_the_proxy_only(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://us%40er:p%3Ass@proxy.example:3128")
    transport = Transport("https://nexus.example", Credentials(refresh_token="r"))
    pool = transport.sender.pool  # type: ignore[attr-defined]
    assert isinstance(pool, urllib3.ProxyManager)
    expected = urllib3.make_headers(proxy_basic_auth="us@er:p:ss")
    assert pool.proxy_headers == expected
    assert "Proxy-Authorization" not in pool.headers  # never sent to Nexus itself


def test_loopback_is_reached_directly_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("ALL_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")  # unused for plain http
    transport = Transport("http://127.0.0.1:1", Credentials(refresh_token="r"))
    assert isinstance(transport.sender, PoolSender) and transport.sender.proxy is None
    assert not isinstance(transport.sender.pool, urllib3.ProxyManager)


def test_a_missing_ca_bundle_is_named_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("CURL_CA_BUNDLE", "/nonexistent/ca.pem")
    with pytest.raises(ValueError, match=r"CURL_CA_BUNDLE='/nonexistent/ca.pem'"):
        Transport("https://nexus.example", Credentials(refresh_token="r"))


def test_pools_are_sized_and_never_retry_on_their_own() -> None:
    transport = Transport("https://nexus.example", Credentials(refresh_token="r"))
    pool = transport.sender.pool  # type: ignore[attr-defined]
    assert pool.connection_pool_kw["maxsize"] == DEFAULT_POOL_SIZE
    assert pool.connection_pool_kw["retries"].total is False  # the RetryPolicy retries, once
    assert transport.session is None


def test_a_callers_session_is_used_as_given_and_left_open() -> None:
    session = requests.Session()
    closed: list[bool] = []
    session.close = lambda: closed.append(True)  # type: ignore[method-assign]
    with NexusClient("https://nexus.example", token=REFRESH_TOKEN, session=session) as nexus:
        assert nexus.transport.session is session
        assert isinstance(nexus.transport.sender, SessionSender)
        assert session.trust_env is True  # requests decides, per request, as the caller set up
    assert closed == []


# ------------------------------------------------------------------------------------------------
# The default sender on real sockets


def test_request_shape_on_the_wire(local_server: LocalServer) -> None:
    local_server.route("POST", "/echo", lambda request: (201, {"X-Seen": "1"}, {"ok": True}))
    sender = PoolSender(local_server.url, pool_size=2)
    try:
        reply = sender.send(
            "POST",
            local_server.url + "/echo",
            params=[("filter[id]", ["a", "b"]), ("skip", None), ("n", 3)],
            body=b'{"x":1}',
            headers={"Cookie": "myqos_id=t", "Content-Type": "application/json"},
            timeout=(5, 5),
        )
    finally:
        sender.close()
    assert isinstance(reply, Reply)
    assert (reply.status_code, reply.json(), reply.headers["x-seen"]) == (201, {"ok": True}, "1")
    request = local_server.requests[-1]
    assert request.path == "/echo?filter%5Bid%5D=a&filter%5Bid%5D=b&n=3"
    assert request.body == b'{"x":1}'
    assert request.headers["Cookie"] == "myqos_id=t"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("qiskit-nexus-provider")
    assert request.headers["Accept-Encoding"] == "gzip, deflate"


def test_compressed_answers_are_decoded() -> None:
    import gzip
    import http.server

    payload = gzip.compress(b'{"data": {"id": "c1", "type": "circuit"}}')

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    sender = PoolSender(url, pool_size=1)
    try:
        reply = sender.send("GET", url + "/r", params=None, body=None, headers={}, timeout=(5, 5))
    finally:
        sender.close()
        server.shutdown()
        server.server_close()
    assert reply.json() == {"data": {"id": "c1", "type": "circuit"}}


def test_every_set_cookie_header_is_kept() -> None:
    """The refresh answer may set both tokens in two ``Set-Cookie`` headers: both are read."""
    server = LocalServer()
    cookies = [("Set-Cookie", "myqos_oat=rotated; Path=/"), ("Set-Cookie", "myqos_id=new; Path=/")]
    server.route("POST", "/auth/tokens/refresh", lambda request: (200, cookies, {}))
    server.route("GET", "/api/jobs/v1beta3/j1", lambda request: (200, {}, {"data": job_json("j1")}))
    server.start()
    try:
        with NexusClient(server.url, token=REFRESH_TOKEN) as nexus:
            nexus.get_job("j1")
            assert nexus.transport.tokens._refresh_token == "rotated"
    finally:
        server.stop()
    assert server.requests[-1].headers["Cookie"] == "myqos_id=new"


def test_redirects_are_not_followed(local_server: LocalServer) -> None:
    """A 3xx is an answer, not an instruction: the token never goes to another URL."""
    other = LocalServer()
    other.start()
    try:
        local_server.route(
            "GET",
            "/api/jobs/v1beta3/j1",
            lambda request: (302, {"Location": other.url + "/steal"}, {}),
        )
        with NexusClient(local_server.url, token=REFRESH_TOKEN) as nexus:
            reply = nexus.transport.request("GET", "/api/jobs/v1beta3/j1", expected=(302,))
        assert reply.status_code == 302
        assert other.requests == []
    finally:
        other.stop()


def test_refused_connection_did_not_reach_the_server() -> None:
    port = _closed_port()
    sender = PoolSender(f"http://127.0.0.1:{port}", pool_size=1)
    with pytest.raises(SendFailure) as caught:
        sender.send(
            "POST",
            f"http://127.0.0.1:{port}/x",
            params=None,
            body=b"{}",
            headers={"Cookie": "myqos_id=SECRET"},
            timeout=(5, 5),
        )
    failure = caught.value
    assert (failure.reached, failure.retryable) == (False, True)
    assert failure.kind == "NewConnectionError"
    # Text only: no request, no library exception (whose connection buffers the headers).
    assert failure.__cause__ is None and failure.__context__ is None
    assert "SECRET" not in repr(vars(failure))


def test_a_dropped_response_may_have_reached_the_server(local_server: LocalServer) -> None:
    local_server.route("POST", "/x", lambda request: None)  # read it, then hang up
    sender = PoolSender(local_server.url, pool_size=1)
    with pytest.raises(SendFailure) as caught:
        sender.send(
            "POST", local_server.url + "/x", params=None, body=b"{}", headers={}, timeout=(5, 5)
        )
    assert (caught.value.reached, caught.value.retryable) == (True, True)
    assert len(local_server.requests) == 1


def test_a_read_timeout_may_have_reached_the_server(local_server: LocalServer) -> None:
    release = threading.Event()

    def stall(request: object) -> tuple[int, dict[str, str], object]:
        release.wait(30)  # answers only once the client has given up
        return 200, {}, {}

    local_server.route("GET", "/slow", stall)
    sender = PoolSender(local_server.url, pool_size=1)
    try:
        with pytest.raises(SendFailure) as caught:
            sender.send(
                "GET",
                local_server.url + "/slow",
                params=None,
                body=None,
                headers={},
                timeout=(5, 0.2),
            )
    finally:
        release.set()
    assert caught.value.kind == "ReadTimeoutError"
    assert (caught.value.reached, caught.value.retryable) == (True, True)


def test_client_over_the_default_sender_end_to_end(local_server: LocalServer) -> None:
    local_server.route(
        "GET", "/api/jobs/v1beta3/j1", lambda request: (200, {}, {"data": job_json("j1")})
    )
    with NexusClient(local_server.url, token=REFRESH_TOKEN) as nexus:
        assert isinstance(nexus.transport.sender, PoolSender)
        assert nexus.get_job("j1").id == "j1"
    assert local_server.requests[-1].headers["Cookie"] == f"myqos_id={ACCESS_TOKEN}"


def test_query_values_are_encoded_as_requests_encodes_them(local_server: LocalServer) -> None:
    local_server.route("GET", "/q", lambda request: (200, {}, {}))
    sender = PoolSender(local_server.url, pool_size=1)
    try:
        sender.send(
            "GET",
            local_server.url + "/q",
            params={"s": "a b", "b": b"by tes", "r": range(2), "t": True, "n": None},
            body=None,
            headers={},
            timeout=(5, 5),
        )
    finally:
        sender.close()
    prepared = requests.Request(
        "GET",
        local_server.url + "/q",
        params={"s": "a b", "b": b"by tes", "r": range(2), "t": True, "n": None},
    ).prepare()
    assert local_server.requests[-1].path == prepared.path_url == "/q?s=a+b&b=by+tes&r=0&r=1&t=True"


def test_a_proxy_refusing_the_tunnel_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, sleeps: object
) -> None:
    """A 407 from the proxy means the request never left for Nexus, and asking again gets
    another 407: one attempt, not the outage budget."""
    import http.server

    seen: list[str] = []

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_CONNECT(self) -> None:
            seen.append(self.path)
            self.send_response(407)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    _no_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    from qiskit_nexus_provider.api import NexusConnectionError, RetryPolicy

    try:
        policy = RetryPolicy(max_attempts=4, jitter=0, sleep=sleeps)  # type: ignore[arg-type]
        with (
            NexusClient("https://nexus.example", token=REFRESH_TOKEN, retry=policy) as nexus,
            pytest.raises(NexusConnectionError, match="ProxyError"),
        ):
            nexus.get_job("j1")
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert seen == ["nexus.example:443"]
    assert sleeps.delays == []  # type: ignore[attr-defined]
