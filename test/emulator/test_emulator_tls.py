"""TLS and the job status websocket: qnexus's default ``wait_for``, ``execute`` and ``compile``."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tls_support import self_signed_cert

from qiskit_nexus_provider.emulator import NexusEmulator

pytest.importorskip("qnexus")
websockets = pytest.importorskip("websockets.sync.client")

DRIVER = Path(__file__).with_name("qnexus_tls_driver.py")


@pytest.fixture
def tls_emulator(tmp_path: Path):
    cert, key = self_signed_cert(tmp_path)
    with NexusEmulator(tls_cert=cert, tls_key=key) as emu:
        yield emu


def test_tls_url_and_env(tls_emulator: NexusEmulator) -> None:
    assert tls_emulator.url.startswith("https://127.0.0.1:")
    env = tls_emulator.env()
    assert (env["NEXUS_PROTOCOL"], env["NEXUS_WEBSOCKETS_PROTOCOL"]) == ("https", "wss")
    with pytest.raises(httpx.ConnectError):  # an untrusted certificate is refused...
        httpx.get(f"{tls_emulator.url}/_emulator/health")
    context = ssl.create_default_context(cafile=tls_emulator.tls_cert)
    trusted = httpx.get(f"{tls_emulator.url}/_emulator/health", verify=context)
    assert trusted.json()["status"] == "ok"  # ...a trusted one is not


def test_cert_without_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tls_cert and tls_key"):
        NexusEmulator(tls_cert=tmp_path / "cert.pem")


def test_qnexus_default_workflow_over_tls(tls_emulator: NexusEmulator, tmp_path: Path) -> None:
    env = {
        **os.environ,
        **tls_emulator.env(),
        "SSL_CERT_FILE": str(tls_emulator.tls_cert),
        "EMULATOR_TOKEN": tls_emulator.token,
        "HOME": str(tmp_path),
        "NEXUS_STORE_TOKENS": "false",
    }
    done = subprocess.run(
        [sys.executable, str(DRIVER)], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1][len("RESULT ") :])
    assert out["url"] == tls_emulator.url and out["ws"].startswith("wss://")
    assert out["execute_shots"] == 50
    assert set(out["compiled_ops"]) <= {"PhasedX", "ZZPhase", "Rz", "Measure"}
    assert out["ws_status"] == "COMPLETED" and out["default_status"] == "COMPLETED"


def test_the_provider_waits_on_the_wss_status_stream(
    tls_emulator: NexusEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over TLS the stream is ``wss://``, verified against the requests' CA bundle."""
    from qiskit import QuantumCircuit, transpile

    from qiskit_nexus_provider import NexusProvider

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_emulator.tls_cert))
    provider = NexusProvider(
        token=tls_emulator.token, url=tls_emulator.url, store_path=tmp_path / "store"
    )
    backend = provider.get_backend("aer_simulator")
    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    job = backend.run(transpile(bell, backend), shots=10, with_progress_bar=False)
    tls_emulator.clear_request_log()
    job.wait_for_final_state(timeout=120)
    queries = [e for e in tls_emulator.request_log() if e["path"].endswith("/attributes/status")]
    assert not queries  # the wait listened to the wss stream
    assert sum(job.result().get_counts().values()) == 10
