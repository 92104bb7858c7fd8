"""The emulator caps request bodies (413) before parsing or authentication."""

from __future__ import annotations

import contextlib
import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from qiskit_nexus_provider.emulator import NexusEmulator

CAP = 64 * 1024


@pytest.fixture(scope="module")
def capped() -> Iterator[NexusEmulator]:
    with NexusEmulator(max_body_bytes=CAP) as emu:
        yield emu


def _post(emu: NexusEmulator, body: bytes | None, chunks: list[bytes] | None = None):
    parts = urlsplit(emu.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("POST", "/api/circuits/v1beta2")
        conn.putheader("Content-Type", "application/json")
        if chunks is not None:
            conn.putheader("Transfer-Encoding", "chunked")
            wire = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        else:
            assert body is not None
            conn.putheader("Content-Length", str(len(body)))
            wire = body
        conn.endheaders()
        # The server may answer and close before reading everything: read the answer anyway.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.send(wire)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def test_oversized_unauthenticated_body_gets_413_not_401(capped: NexusEmulator) -> None:
    before = capped.fault_counts().get("requests", 0)
    status, body = _post(capped, b"[" + b"1," * CAP + b"1]")
    assert status == 413
    assert "too large" in body["message"] and str(CAP) in body["message"]
    assert capped.fault_counts().get("requests", 0) == before, "the application saw the request"


def test_oversized_chunked_body_gets_413(capped: NexusEmulator) -> None:
    status, _ = _post(capped, None, chunks=[b"x" * 16 * 1024] * 8)
    assert status == 413


def test_body_under_the_cap_reaches_authentication(capped: NexusEmulator) -> None:
    before = capped.fault_counts().get("requests", 0)
    status, _ = _post(capped, json.dumps({"data": {}}).encode())
    assert status == 401
    assert capped.fault_counts().get("requests", 0) == before + 1
    status, _ = _post(capped, None, chunks=[b'{"data":', b" {}}"])
    assert status == 401
