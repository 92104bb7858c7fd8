"""Waits ride out outages; partial results report unreachable slots instead of raising."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from e2e_circuits import encode_index, expected_key
from qiskit import transpile
from qiskit.providers import JobStatus, JobTimeoutError

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.api.config import RetryPolicy
from qiskit_nexus_provider.api.errors import NexusConnectionError
from qiskit_nexus_provider.jobs.polling import poll_until_final, retry_transient
from qiskit_nexus_provider.jobs.transport import StatusReport

FAST = {"poll_interval": 0.01, "poll_max_interval": 0.05, "with_progress_bar": False}


@pytest.fixture
def impatient(emu, store_path: Path, tmp_path: Path, monkeypatch) -> NexusProvider:
    """A provider whose client gives up after 2 attempts: outages outlast its retries."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return NexusProvider(
        token=emu.token,
        url=emu.url,
        project="e2e",
        store_path=store_path,
        retry=RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002),
    )


def wait_for_injected(emu, kind: str, at_least: int, waiter: threading.Thread) -> None:
    event = threading.Event()
    while emu.fault_counts().get(kind, 0) < at_least:  # a condition, not a duration
        assert waiter.is_alive(), "the wait ended during the outage"
        event.wait(0.01)


@pytest.mark.parametrize("kind", ["error", "disconnect"])
def test_result_without_timeout_rides_out_an_outage(impatient: NexusProvider, emu, kind) -> None:
    backend = impatient.get_backend("aer_simulator")
    emu.pause()
    job = backend.run(transpile([encode_index(i) for i in range(3)], backend), shots=5, **FAST)
    emu.set_faults(**{f"{kind}_rate": 1.0})
    box: dict[str, object] = {}
    waiter = threading.Thread(target=lambda: box.update(result=job.result()), daemon=True)
    waiter.start()
    try:
        wait_for_injected(emu, kind, 30, waiter)
    finally:
        emu.set_faults()
        emu.resume()  # far more failures than the client's 2 attempts
    emu.set_faults()
    emu.resume()
    waiter.join(timeout=120)
    assert not waiter.is_alive()
    result = box["result"]
    assert [result.get_counts(i) for i in range(3)] == [{expected_key(i): 5} for i in range(3)]


def test_partial_result_reports_unreachable_slots_and_raises_nothing(
    impatient: NexusProvider, emu
) -> None:
    backend = impatient.get_backend("aer_simulator")
    emu.pause()  # the sub-jobs stay queued
    job = backend.run(
        transpile([encode_index(i) for i in range(6)], backend),
        shots=2,
        max_circuits_per_job=3,
        **FAST,
    )
    job.block_for_submit(timeout=60)
    emu.set_faults(error_rate=1.0)  # and the service cannot be reached
    partial = job.result(timeout=1.0, partial=True)
    emu.set_faults()
    assert [r.success for r in partial.results] == [False] * 6
    assert all("not finished" in str(r.status) for r in partial.results), partial.results[0]
    emu.resume()
    result = job.result(timeout=120)
    assert [result.get_counts(i) for i in range(6)] == [{expected_key(i): 2} for i in range(6)]


def test_poll_until_final_retries_transient_errors_until_final_or_timeout() -> None:
    clock = [0.0]
    outcomes: list[object] = [NexusConnectionError("down")] * 40 + [StatusReport(JobStatus.DONE)]

    def query() -> StatusReport:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, StatusReport)
        return outcome

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    report = poll_until_final(
        query, timeout=None, initial_interval=1, max_interval=8, sleep=sleep, clock=lambda: clock[0]
    )
    assert report.status is JobStatus.DONE
    assert clock[0] <= 40 * 8  # capped backoff
    with pytest.raises(JobTimeoutError, match="status unknown: down"):
        poll_until_final(
            lambda: (_ for _ in ()).throw(NexusConnectionError("down")),
            timeout=10,
            initial_interval=1,
            max_interval=8,
            sleep=sleep,
            clock=lambda: clock[0],
        )
    with pytest.raises(JobTimeoutError):
        retry_transient(
            lambda: (_ for _ in ()).throw(NexusConnectionError("down")),
            timeout=5,
            initial_interval=1,
            max_interval=2,
            what="download",
            sleep=sleep,
            clock=lambda: clock[0],
        )


def test_timeout_during_an_outage_says_requests_are_failing(
    emu, store_path: Path, tmp_path: Path, monkeypatch
) -> None:
    """Before: a composite whose service went away mid-submission timed out with "still running
    after the timeout", as if the service were merely slow."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    patient = NexusProvider(
        token=emu.token,
        url=emu.url,
        project="e2e",
        store_path=store_path,
        retry=RetryPolicy(max_attempts=10_000, base_delay=0.001, max_delay=0.01),
    )
    backend = patient.get_backend("aer_simulator")
    circuits = transpile([encode_index(i) for i in range(4)], backend)
    patient.remote.client  # noqa: B018  (the project and devices are known before the outage)
    backend.run(circuits[:1], shots=1, **FAST).result(timeout=60)
    assert backend.connection_trouble() is None
    emu.set_faults(error_rate=1.0)
    try:
        job = backend.run(circuits, shots=2, max_circuits_per_job=2, **FAST)
        with pytest.raises(JobTimeoutError, match=r"requests to the service are failing \(last: "):
            job.result(timeout=0.5)
    finally:
        emu.set_faults()
    assert backend.connection_trouble() is not None  # nothing has answered since
    result = job.result(timeout=120)
    assert backend.connection_trouble() is None
    assert [result.get_counts(i) for i in range(4)] == [{expected_key(i): 2} for i in range(4)]
