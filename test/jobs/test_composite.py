"""NexusCompositeJob on the offline simulator: split, order, status, partial, rerun, restore."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.providers import JobStatus

from qiskit_nexus_provider import (
    CompositeJobError,
    NexusCompositeJob,
    NexusJob,
    NexusProvider,
)
from qiskit_nexus_provider.jobs.composite import STATUS_PRIORITY, Slot
from qiskit_nexus_provider.jobs.transport import StatusReport


def index_circuits(backend, count: int, width: int = 8) -> list[QuantumCircuit]:
    """Circuits whose only outcome is their index in binary."""
    out = []
    for index in range(count):
        qc = QuantumCircuit(width, width, name=f"index-{index}")
        for bit in range(width):
            if (index >> bit) & 1:
                qc.x(bit)
        qc.measure(range(width), range(width))
        out.append(qc)
    return transpile(out, backend)


def assert_index_counts(result, count: int, shots: int, width: int = 8) -> None:
    assert len(result.results) == count
    for index in range(count):
        assert result.get_counts(index) == {format(index, f"0{width}b"): shots}, index
        assert result.results[index].header["name"] == f"index-{index}"


@pytest.fixture
def backend(provider: NexusProvider):
    return provider.get_backend("offline_simulator_no_noise", num_qubits=10)


def test_oversized_batch_becomes_a_composite_in_input_order(backend) -> None:
    job = backend.run(index_circuits(backend, 250), shots=3, max_circuits_per_job=100)
    assert isinstance(job, NexusCompositeJob)
    assert job.job_id().startswith("nexus_composite_")
    job.block_for_submit(timeout=60)
    assert [(s.start, s.stop) for s in job.slots] == [(0, 100), (100, 200), (200, 250)]
    assert all(isinstance(j, NexusJob) for j in job.sub_jobs())
    result = job.result(timeout=120)
    assert result.job_id == job.job_id() and result.success
    assert_index_counts(result, 250, 3)
    assert job.status() is JobStatus.DONE
    assert job.sub_job(0) is job.sub_jobs()[0]
    assert job.sub_job(199) is job.sub_jobs()[1]
    with pytest.raises(IndexError):
        job.sub_job(250)


def test_batch_within_the_limit_is_a_plain_job(backend) -> None:
    job = backend.run(index_circuits(backend, 10), shots=2, max_circuits_per_job=10)
    assert isinstance(job, NexusJob)


def test_default_limit_is_the_backend_max_circuits(backend) -> None:
    assert backend.max_circuits == 1000
    job = backend.run(index_circuits(backend, 1001, width=10), shots=1)
    assert isinstance(job, NexusCompositeJob)
    assert [s.stop - s.start for s in job.slots] == [1000, 1]
    assert_index_counts(job.result(timeout=300), 1001, 1, width=10)


def test_composite_is_written_ahead_to_the_store(backend, store_path: Path) -> None:
    job = backend.run(index_circuits(backend, 30), shots=1, max_circuits_per_job=10)
    job.block_for_submit(timeout=60)
    files = sorted(p.name for p in store_path.iterdir())
    assert f"{job.job_id()}.json" in files
    assert sum(".slot" in f for f in files) == 3


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([JobStatus.DONE, JobStatus.QUEUED, JobStatus.ERROR], JobStatus.QUEUED),
        ([JobStatus.DONE, JobStatus.RUNNING, JobStatus.ERROR], JobStatus.RUNNING),
        ([JobStatus.DONE, JobStatus.CANCELLED, JobStatus.ERROR], JobStatus.ERROR),
        ([JobStatus.DONE, JobStatus.CANCELLED], JobStatus.CANCELLED),
        ([JobStatus.DONE, JobStatus.DONE], JobStatus.DONE),
        ([JobStatus.INITIALIZING, JobStatus.VALIDATING, JobStatus.QUEUED], JobStatus.INITIALIZING),
        ([JobStatus.VALIDATING, JobStatus.RUNNING], JobStatus.VALIDATING),
    ],
)
def test_status_aggregation_order(backend, monkeypatch, statuses, expected) -> None:
    assert STATUS_PRIORITY[0] is JobStatus.INITIALIZING and STATUS_PRIORITY[-1] is JobStatus.DONE
    slots = [Slot(index=i, start=i, stop=i + 1) for i in range(len(statuses))]
    for slot, status in zip(slots, statuses, strict=True):
        monkeypatch.setattr(slot, "report", lambda s=status: StatusReport(s))
    composite = NexusCompositeJob(backend, "nexus_composite_x", slots, backend.run_options, None)
    assert composite.status() is expected


def _fail_slot(monkeypatch, job: NexusCompositeJob, index: int, message: str) -> None:
    sub = job.sub_jobs()[index]
    sub.wait_for_final_state(timeout=60)
    monkeypatch.setattr(sub, "_final", StatusReport(JobStatus.ERROR, message))


def test_partial_results_keep_indexes_and_rerun_failed_fixes_them(backend, monkeypatch) -> None:
    job = backend.run(index_circuits(backend, 35), shots=2, max_circuits_per_job=10)
    job.block_for_submit(timeout=60)
    kept_ids = {i: job.sub_jobs()[i].job_id() for i in (0, 2, 3)}
    _fail_slot(monkeypatch, job, 1, "device fault (injected)")
    assert job.status() is JobStatus.ERROR
    with pytest.raises(CompositeJobError, match=r"circuits 10-19.*device fault") as info:
        job.result(timeout=60)
    assert list(info.value.failures) == [f"circuits 10-19 (job {job.sub_jobs()[1].job_id()})"]
    partial = job.result(timeout=60, partial=True)
    assert not partial.success and len(partial.results) == 35
    assert [r.success for r in partial.results] == [i not in range(10, 20) for i in range(35)]
    assert partial.results[12].header["name"] == "index-12"
    assert partial.get_counts(25) == {format(25, "08b"): 2}
    assert "device fault" in job.report()
    assert job.rerun_failed() == [1]
    result = job.result(timeout=60)
    assert_index_counts(result, 35, 2)
    assert {i: job.sub_jobs()[i].job_id() for i in (0, 2, 3)} == kept_ids
    assert job.slots[1].attempt == 1


def test_report_is_a_table_of_slots(backend) -> None:
    job = backend.run(index_circuits(backend, 25), shots=1, max_circuits_per_job=10)
    job.result(timeout=60)
    lines = job.report(detailed=True).splitlines()
    assert "DONE: 3" in lines[0]
    assert lines[1].split()[:4] == ["slot", "circuits", "status", "sub-job"]
    assert lines[2].split()[:3] == ["0", "0-9", "DONE"]
    assert len(job.report(detailed=False).splitlines()) == 1


def test_cancel_cancels_unfinished_sub_jobs(backend, slow_circuit) -> None:
    backend.run(slow_circuit(backend), shots=300)  # keeps Aer busy, sub-jobs stay queued
    job = backend.run(index_circuits(backend, 30), shots=1, max_circuits_per_job=10)
    assert job.cancel() is True
    assert job.status() is JobStatus.CANCELLED
    assert "cancelled" in job.report()
    partial = job.result(partial=True)
    assert not any(r.success for r in partial.results)


def test_restore_in_another_process_has_identical_indexing(
    backend, store_path: Path, run_python
) -> None:
    job = backend.run(index_circuits(backend, 120), shots=2, max_circuits_per_job=10)
    result = job.result(timeout=120)
    assert len(job.slots) == 12
    out = run_python(
        f"""
        from qiskit_nexus_provider import NexusCompositeJob
        job = NexusCompositeJob.restore({job.job_id()!r}, store_path={str(store_path)!r})
        r = job.result(timeout=120)
        print(job.job_id())
        print([s.job.job_id() for s in job.slots])
        print([r.get_counts(i) for i in range(120)])
        """
    )
    job_id, sub_ids, counts = out.strip().splitlines()
    assert job_id == job.job_id()
    assert sub_ids == str([s.job.job_id() for s in job.slots])
    assert counts == str([result.get_counts(i) for i in range(120)])


def test_result_collects_with_at_most_max_concurrent_requests_threads(
    backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: one thread (and one poller) per sub-job, whatever max_concurrent_requests says:
    a batch split with ``max_circuits_per_job=1`` started a thread per circuit."""
    import qiskit_nexus_provider.jobs.composite as composite_module

    started: list[str] = []

    class CountingThread(threading.Thread):
        def start(self) -> None:
            if "-collect-" in self.name:
                started.append(self.name)
            super().start()

    monkeypatch.setattr(composite_module.threading, "Thread", CountingThread)
    job = backend.run(
        index_circuits(backend, 12), shots=2, max_circuits_per_job=1, max_concurrent_requests=3
    )
    assert_index_counts(job.result(timeout=120), 12, 2)
    assert len(started) == 3
