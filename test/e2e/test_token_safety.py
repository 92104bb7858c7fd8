"""The token goes to the configured server only: no proxy for loopback, no edited record, no
exception chain holding it, no control characters."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import traceback
from pathlib import Path

import pytest
from e2e_circuits import encode_index
from qiskit import transpile

from qiskit_nexus_provider import NexusJob, NexusProvider
from qiskit_nexus_provider.api import NexusClient, RetryPolicy
from qiskit_nexus_provider.api.errors import NexusConnectionError
from qiskit_nexus_provider.cli import EXIT_USAGE, main
from qiskit_nexus_provider.store import _checksum


def test_loopback_server_is_never_reached_through_an_environment_proxy(
    emu, monkeypatch, tmp_path: Path
) -> None:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(f"{self.command} {self.path} cookie={self.headers.get('Cookie')}")
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{proxy.server_address[1]}"
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, address)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HOME", str(tmp_path))
        with NexusClient(emu.url, emu.token, retry=RetryPolicy(max_attempts=1)) as client:
            assert client.get_devices()
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert seen == [], f"the proxy saw: {seen}"


def test_record_pointing_elsewhere_needs_an_explicit_url(
    remote: NexusProvider, emu, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile([encode_index(1)], backend), shots=2, poll_interval=0.02)
    path = job.persist()
    document = json.loads(path.read_text())
    document["record"]["backend"]["url"] = "https://collector.invalid"
    document["checksum"] = _checksum(document["record"])
    path.write_text(json.dumps(document))
    # Without a url of the user's own for this job, nothing is sent anywhere.
    with pytest.raises(PermissionError, match=r"collector\.invalid"):
        NexusProvider(token=emu.token, url=emu.url, store_path=store_path).restore_job(job.job_id())
    with pytest.raises(PermissionError, match="url='"):
        NexusProvider(token=emu.token, url=emu.url, store_path=store_path).retrieve_job(
            job.job_id()
        )
    common = ["--store-path", str(store_path), "--token", emu.token]
    monkeypatch.setenv("QISKIT_NEXUS_TOKEN", emu.token)
    assert main(["job", "show", job.job_id(), *common]) == EXIT_USAGE
    # An explicit url is used instead of the record's: the token goes there and only there
    # (collector.invalid cannot be reached, so any request to it would fail the restore).
    restored = NexusJob.restore(job.job_id(), token=emu.token, url=emu.url, store_path=store_path)
    assert restored.result().get_counts() == job.result().get_counts()
    assert main(["job", "show", job.job_id(), *common, "--url", emu.url]) == 0


def test_connection_errors_and_their_causes_carry_no_token(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    secret = "refresh-SECRET-0123456789"
    client = NexusClient(f"http://127.0.0.1:{port}", secret, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(NexusConnectionError) as caught:
        client.get_devices()
    seen: set[int] = set()
    chain: list[BaseException] = []
    current: BaseException | None = caught.value
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    assert len(chain) > 1, "the cause is kept (scrubbed), for debugging"
    # Tools that print local variables (pytest -l, Sentry, rich) see no token either: the
    # frames below the transport, whose locals hold the Cookie header, are dropped.
    for error in chain:
        frames = traceback.StackSummary.extract(
            traceback.walk_tb(error.__traceback__), capture_locals=True
        )
        for frame in frames:
            if "qiskit_nexus_provider" in frame.filename:
                assert "SECRET" not in repr(frame.locals), (frame.name, frame.locals)
    for error in chain:
        for text in (str(error), repr(error), repr(vars(error)), repr(error.args)):
            assert "SECRET" not in text, (type(error), text)
        request = getattr(error, "request", None)
        assert request is None or "SECRET" not in str(getattr(request, "headers", ""))


@pytest.mark.parametrize("bad", ["abc\r\nSet-Cookie: x=1", "abc\ndef", "abc\x00", "ab c"])
def test_token_with_control_characters_is_refused_without_echoing_it(
    bad: str, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ValueError, match="control") as caught:
        NexusClient("http://127.0.0.1:9", bad)
    assert bad.strip() not in str(caught.value)
    if "\x00" in bad:
        return  # the environment cannot hold a NUL
    monkeypatch.setenv("QISKIT_NEXUS_TOKEN", bad)
    with pytest.raises(ValueError, match="QISKIT_NEXUS_TOKEN"):
        NexusClient("http://127.0.0.1:9")
