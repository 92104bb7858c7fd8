"""Waits listen on Nexus's job status stream (a websocket) and poll only without it."""

from __future__ import annotations

import logging

import pytest
from e2e_circuits import encode_index, expected_key
from qiskit import transpile
from qiskit.providers import JobStatus, JobTimeoutError

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.api.errors import NexusConnectionError
from qiskit_nexus_provider.api.transport import Transport

FAST = {"poll_interval": 0.01, "poll_max_interval": 0.02, "with_progress_bar": False}


def status_queries(emu) -> int:
    return sum(
        1
        for entry in emu.request_log()
        if entry["method"] == "GET" and entry["path"].endswith("/attributes/status")
    )


def test_a_wait_listens_to_the_stream_and_sends_no_status_query(remote: NexusProvider, emu) -> None:
    """Before: every wait polled (at least one query, then one per poll interval), and learnt
    that a job had finished up to a poll interval late."""
    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile([encode_index(i) for i in range(3)], backend), shots=5, **FAST)
    emu.clear_request_log()
    job.wait_for_final_state(timeout=120)
    assert status_queries(emu) == 0
    assert job.status() is JobStatus.DONE
    result = job.result()
    assert [result.get_counts(i) for i in range(3)] == [{expected_key(i): 5} for i in range(3)]


def test_without_the_stream_the_wait_polls(
    remote: NexusProvider, emu, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self, path: str, **timeouts: float):  # type: ignore[no-untyped-def]
        raise NexusConnectionError(f"websocket {path} could not be opened (HTTP 403)")

    monkeypatch.setattr(Transport, "open_websocket", refuse)  # a proxy refusing websockets
    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile(encode_index(1), backend), shots=5, **FAST)
    emu.clear_request_log()
    job.wait_for_final_state(timeout=120)
    assert status_queries(emu) >= 1
    assert job.result().get_counts() == {expected_key(1): 5}


def test_the_timeout_holds_on_the_stream(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    emu.pause()  # the job stays queued: the stream sends no final status
    job = backend.run(transpile(encode_index(2), backend), shots=5, **FAST)
    with pytest.raises(JobTimeoutError, match=r"Timed out after 0\.3 s"):
        job.wait_for_final_state(timeout=0.3)
    emu.resume()
    assert job.result(timeout=120).get_counts() == {expected_key(2): 5}


def test_no_token_reaches_the_logs_through_the_stream(
    remote: NexusProvider, emu, caplog: pytest.LogCaptureFixture
) -> None:
    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile(encode_index(3), backend), shots=5, **FAST)
    with caplog.at_level(logging.DEBUG):
        job.wait_for_final_state(timeout=120)
    access = remote.remote.client.transport.tokens.access_token
    assert access and emu.token
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args}" for r in caplog.records)
    assert access not in text and emu.token not in text


def test_opening_and_closing_the_stream_stay_within_the_wait(
    remote: NexusProvider, emu, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the stream was given 10 s to open and 10 s to close whatever the wait's
    timeout, so ``result(timeout=1)`` on a slow server took 16 s (the adversary's report)."""
    seen: list[dict[str, float]] = []
    original = Transport.open_websocket

    def recording(self, path: str, **timeouts: float):  # type: ignore[no-untyped-def]
        seen.append(timeouts)
        return original(self, path, **timeouts)

    monkeypatch.setattr(Transport, "open_websocket", recording)
    backend = remote.get_backend("aer_simulator")
    emu.pause()
    job = backend.run(transpile(encode_index(4), backend), shots=5, **FAST)
    with pytest.raises(JobTimeoutError):
        job.wait_for_final_state(timeout=0.4)
    emu.resume()
    assert seen and all(t["open_timeout"] <= 0.4 and t["close_timeout"] <= 0.4 for t in seen)
    assert job.result(timeout=120).get_counts() == {expected_key(4): 5}
