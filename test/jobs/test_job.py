"""NexusJob: submission, status, waiting, results, failures, cancellation (offline)."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.providers import JobStatus, JobTimeoutError
from qiskit.result import Result

from qiskit_nexus_provider import (
    JobCancelledError,
    JobFailedError,
    NexusJob,
    NexusProvider,
)


@pytest.fixture
def backend(provider: NexusProvider):
    return provider.get_backend("offline_simulator_no_noise", num_qubits=20)


def _bell(backend) -> QuantumCircuit:
    qc = QuantumCircuit(2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return transpile(qc, backend)


def test_run_returns_a_submitted_job(backend) -> None:
    job = backend.run(_bell(backend), shots=50)
    assert isinstance(job, NexusJob)
    assert job.backend() is backend
    assert job.status() in {JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE}
    result = job.result()
    assert isinstance(result, Result)
    assert set(result.get_counts()) <= {"00", "11"}
    assert job.status() is JobStatus.DONE
    assert job.result() is result  # cached


def test_submit_twice_raises(backend) -> None:
    job = backend.run(_bell(backend))
    with pytest.raises(RuntimeError, match="already submitted"):
        job.submit()


def test_unsubmitted_job_reports_initializing(backend) -> None:
    from qiskit_nexus_provider.options import NexusOptions

    job = NexusJob(backend, "local-1", [_bell(backend)], NexusOptions())
    assert job.status() is JobStatus.INITIALIZING
    with pytest.raises(RuntimeError, match="not been submitted"):
        job.persist()
    job.submit()
    assert sum(job.result().get_counts().values()) == 100


def test_wait_for_final_state_calls_back(backend) -> None:
    seen = []
    job = backend.run(_bell(backend))
    job.wait_for_final_state(timeout=60, callback=lambda jid, status, j: seen.append((jid, status)))
    assert seen[-1] == (job.job_id(), JobStatus.DONE)


def test_timeout_raises_and_job_keeps_running(backend, slow_circuit) -> None:
    job = backend.run(slow_circuit(backend), shots=300)
    with pytest.raises(JobTimeoutError, match="Timed out"):
        job.result(timeout=0.001)
    assert job.status() in {JobStatus.QUEUED, JobStatus.RUNNING}
    assert job.cancel() is True
    assert job.status() is JobStatus.CANCELLED


def test_result_of_cancelled_job_raises(backend, slow_circuit) -> None:
    backend.run(slow_circuit(backend), shots=300)  # keeps Aer busy
    job = backend.run(_bell(backend))
    assert job.status() is JobStatus.QUEUED
    assert job.cancel() is True
    with pytest.raises(JobCancelledError, match="cancelled"):
        job.result()
    assert job.cancel() is False  # already final


def test_result_of_failed_job_raises_with_reason(backend, monkeypatch) -> None:
    from qiskit_aer import AerSimulator

    real_run = AerSimulator.run

    def failing_run(self, circuits, **kwargs):
        job = real_run(self, circuits, **kwargs)
        job.result().results[0].success = False
        job.result().results[0].status = "ERROR: out of memory (injected)"
        job.result().success = False
        return job

    monkeypatch.setattr(AerSimulator, "run", failing_run)
    job = backend.run(_bell(backend))
    assert job.status() is JobStatus.ERROR
    with pytest.raises(JobFailedError, match="out of memory") as info:
        job.result()
    assert info.value.job_id == job.job_id()
    assert "out of memory" in job.error_message()


def test_many_jobs_on_one_backend_are_independent(backend) -> None:
    circuits = []
    for value in range(4):
        qc = QuantumCircuit(2, 2)
        if value & 1:
            qc.x(0)
        if value & 2:
            qc.x(1)
        qc.measure([0, 1], [0, 1])
        circuits.append(transpile(qc, backend))
    jobs = [backend.run(c, shots=5) for c in circuits]
    assert [list(j.result().get_counts()) for j in jobs] == [["00"], ["01"], ["10"], ["11"]]
