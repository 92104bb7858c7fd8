"""Asking for a Nexus backend without a working token or network raises the cause, once.

A wrong token is an authentication error naming the ways to give one, no token at all is one
too (before any request), an unreachable Nexus is a connection error naming the URL; none of
them is ``QiskitBackendNotFoundError``, and the device listing is requested once.  The
``qiskit-nexus backends`` command says the same in one line and exits 3.
"""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.providers import QiskitBackendNotFoundError

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.api import AuthenticationError, NexusConnectionError
from qiskit_nexus_provider.api.config import RetryPolicy
from qiskit_nexus_provider.cli import EXIT_OK, EXIT_REMOTE, main
from qiskit_nexus_provider.emulator import NexusEmulator

DEVICES_PATH = "/api/v5/available_devices"
REFRESH_PATH = "/auth/tokens/refresh"
TOKEN_WAYS = ("token argument", "QISKIT_NEXUS_TOKEN", "qnx login", ".qnx/auth")


@pytest.fixture(autouse=True)
def no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No token anywhere but where a test puts one; warnings are errors."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("QISKIT_NEXUS_TOKEN", "NEXUS_TOKEN_PATH", "NEXUS_PROTOCOL", "NEXUS_DOMAIN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NEXUS_HOST", raising=False)
    monkeypatch.delenv("NEXUS_PORT", raising=False)


@pytest.fixture
def logged(emu: NexusEmulator) -> Iterator[NexusEmulator]:
    emu.clear_request_log()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning standing in for the cause
        yield emu


def requests_to(emu: NexusEmulator, path: str) -> int:
    return sum(1 for entry in emu.request_log() if entry["path"] == path)


def closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_wrong_token_is_an_authentication_error(logged: NexusEmulator, store_path: Path) -> None:
    provider = NexusProvider(token="wrong", url=logged.url, store_path=store_path)
    with pytest.raises(AuthenticationError) as info:
        provider.get_backend("H1-1E")
    message = str(info.value)
    assert logged.url in message and "rejected the token passed as argument" in message
    for way in TOKEN_WAYS:
        assert way in message
    assert ".." not in message and "not a short-lived access token" in message
    assert "wrong" not in message.replace("wrong token", "")  # the token itself is not shown
    assert requests_to(logged, REFRESH_PATH) == 1  # refused once, not fetched again
    assert requests_to(logged, DEVICES_PATH) == 0


def test_wrong_token_from_the_environment_is_named(
    logged: NexusEmulator, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QISKIT_NEXUS_TOKEN", "stale")
    provider = NexusProvider(url=logged.url, store_path=store_path)
    with pytest.raises(AuthenticationError, match="the token in QISKIT_NEXUS_TOKEN"):
        provider.get_backend("H1-1E")


def test_no_token_is_an_authentication_error_before_any_request(
    logged: NexusEmulator, store_path: Path
) -> None:
    provider = NexusProvider(url=logged.url, store_path=store_path)
    with pytest.raises(AuthenticationError) as info:
        provider.get_backend("H1-1E")
    message = str(info.value)
    assert "No Nexus token found" in message and "'H1-1E'" in message
    for way in TOKEN_WAYS:
        assert way in message
    assert logged.request_log() == []
    # The offline simulators need no token, on the same provider.
    backend = provider.get_backend("offline_simulator_noise", num_qubits=2)
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.measure(0, 0)
    assert backend.run(transpile(qc, backend), shots=5).result().get_counts() != {}
    assert {b.name for b in provider.backends()} == {
        "offline_simulator_no_noise",
        "offline_simulator_noise",
    }


def test_unknown_name_lists_devices_from_a_single_listing(
    logged: NexusEmulator, store_path: Path
) -> None:
    provider = NexusProvider(token=logged.token, url=logged.url, store_path=store_path)
    with pytest.raises(QiskitBackendNotFoundError) as info:
        provider.get_backend("H9-9")
    assert "H1-1E" in str(info.value) and "offline_simulator_noise" in str(info.value)
    assert requests_to(logged, DEVICES_PATH) == 1
    assert provider.get_backend("H1-1E").name == "H1-1E"


def test_unreachable_nexus_is_a_connection_error_naming_the_url(store_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    provider = NexusProvider(
        token="t", url=url, store_path=store_path, retry=RetryPolicy(max_attempts=1)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NexusConnectionError) as info:
            provider.get_backend("H1-1E")
    assert f"Cannot reach Nexus at {url}" in str(info.value)
    assert "NEXUS_PORT" in str(info.value)


def test_cli_backends_with_a_wrong_token_exits_3_with_one_line(
    logged: NexusEmulator, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["backends", "--token", "wrong", "--url", logged.url, "--store-path", str(store_path)]
    assert main(argv) == EXIT_REMOTE
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert f"Nexus at {logged.url} rejected the token passed as argument" in lines[0]
    assert "QISKIT_NEXUS_TOKEN" in lines[0] and "Warning" not in captured.err
    assert requests_to(logged, REFRESH_PATH) == 1


def test_cli_backends_lists_devices_with_a_good_token(
    logged: NexusEmulator, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["backends", "--token", logged.token, "--url", logged.url]
    assert main([*argv, "--store-path", str(store_path)]) == EXIT_OK
    assert "H1-1E" in capsys.readouterr().out
    assert requests_to(logged, DEVICES_PATH) == 1


def test_cli_backends_without_a_token_lists_offline_and_says_why(
    store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backends", "--store-path", str(store_path)]) == EXIT_OK
    captured = capsys.readouterr()
    assert "offline_simulator_noise" in captured.out
    assert captured.err.startswith("note: no Nexus token found") and "qnx login" in captured.err


@pytest.mark.slow
def test_cli_backends_with_nexus_unreachable_exits_3(
    store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"  # the CLI retries as configured by default
    argv = ["backends", "--token", "t", "--url", url, "--store-path", str(store_path)]
    assert main(argv) == EXIT_REMOTE
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and f"Cannot reach Nexus at {url}" in lines[0]
