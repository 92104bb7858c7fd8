"""Persist and restore: same id, same counts, in another process; a safe, strict store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile

from qiskit_nexus_provider import (
    JobNotFoundError,
    NexusJob,
    NexusProvider,
    StoreCorruptError,
)
from qiskit_nexus_provider.store import SCHEMA_VERSION, JobStore, default_store_path


def _circuits(backend) -> list[QuantumCircuit]:
    q = QuantumRegister(3, "q")
    a, b = ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    ghz = QuantumCircuit(q, a, b, name="ghz")
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    ghz.measure(0, a[0])
    ghz.measure([1, 2], [b[1], b[0]])
    ghz.metadata = {"id": 1}
    plus = QuantumCircuit(2, 2, name="plus")
    plus.h([0, 1])
    plus.measure([0, 1], [0, 1])
    return transpile([ghz, plus], backend, seed_transpiler=5)


@pytest.mark.parametrize("name", ["offline_simulator_no_noise", "offline_simulator_noise"])
def test_restore_in_another_process_gives_same_id_and_counts(
    provider: NexusProvider, store_path: Path, run_python, name: str
) -> None:
    backend = provider.get_backend(name, num_qubits=6)
    job = backend.run(_circuits(backend), shots=500, memory=True)  # no seed given
    counts = [job.result().get_counts(i) for i in range(2)]
    memory = job.result().get_memory(0)
    path = job.persist()
    assert path.parent == store_path
    out = run_python(
        f"""
        from qiskit_nexus_provider import NexusJob
        job = NexusJob.restore({job.job_id()!r}, store_path={str(store_path)!r})
        r = job.result()
        print(job.job_id()); print(job.backend().name); print(job.backend().num_qubits)
        print([r.get_counts(i) for i in range(2)]); print(r.get_memory(0))
        """
    )
    job_id, backend_name, qubits, restored_counts, restored_memory = out.strip().splitlines()
    assert job_id == job.job_id()
    assert backend_name == name
    assert qubits == "6"  # every construction parameter is kept
    assert restored_counts == str(counts)
    assert restored_memory == str(memory)


def test_noise_figures_survive_restore(provider: NexusProvider, store_path: Path) -> None:
    backend = provider.get_backend("offline_simulator_noise", num_qubits=3)
    job = backend.run(_circuits(backend)[1], shots=10)
    job.persist()
    restored = NexusJob.restore(job.job_id(), store_path=store_path)
    assert restored.backend().noise_figures == backend.noise_figures
    assert restored.options == job.options


def test_file_is_owner_only_atomic_and_token_free(
    provider: NexusProvider, store_path: Path
) -> None:
    backend = provider.get_backend("offline_simulator_no_noise")
    job = backend.run(_circuits(backend), shots=10)
    path = job.persist()
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert oct(store_path.stat().st_mode & 0o777) == oct(0o700)
    assert [p.name for p in store_path.iterdir()] == [path.name]  # no temporary left behind
    document = json.loads(path.read_text())
    assert document["record"]["schema_version"] == SCHEMA_VERSION
    assert "token" not in path.read_text().lower()


def test_restore_then_remove_from_store(provider: NexusProvider, store_path: Path) -> None:
    backend = provider.get_backend("offline_simulator_no_noise")
    job = backend.run(_circuits(backend), shots=10)
    path = job.persist()
    NexusJob.restore(job.job_id(), store_path=store_path)
    assert path.exists()  # kept by default
    NexusJob.restore(job.job_id(), store_path=store_path, remove_from_store=True)
    assert not path.exists()
    with pytest.raises(JobNotFoundError, match=job.job_id()):
        NexusJob.restore(job.job_id(), store_path=store_path)


@pytest.mark.parametrize("bad_id", ["../etc/passwd", "a/b", "..", "a\\b", "/abs", ".hidden", ""])
def test_unsafe_job_ids_are_refused_before_touching_disk(store_path: Path, bad_id: str) -> None:
    with pytest.raises(ValueError, match="Invalid job id"):
        NexusJob.restore(bad_id, store_path=store_path)
    assert not store_path.exists()


def _persisted(provider: NexusProvider) -> tuple[NexusJob, Path]:
    backend = provider.get_backend("offline_simulator_no_noise")
    job = backend.run(_circuits(backend), shots=10)
    return job, job.persist()


def test_truncated_file_names_the_file(provider: NexusProvider, store_path: Path) -> None:
    job, path = _persisted(provider)
    path.write_text(path.read_text()[:100])
    with pytest.raises(StoreCorruptError, match=str(path)):
        NexusJob.restore(job.job_id(), store_path=store_path)


def test_tampered_file_fails_its_checksum(provider: NexusProvider, store_path: Path) -> None:
    job, path = _persisted(provider)
    document = json.loads(path.read_text())
    document["record"]["options"]["shots"] = 9999
    path.write_text(json.dumps(document))
    with pytest.raises(StoreCorruptError, match="checksum"):
        NexusJob.restore(job.job_id(), store_path=store_path)
    assert json.loads(path.read_text())["record"]["options"]["shots"] == 9999  # nothing deleted


def test_file_of_a_newer_schema_is_refused_clearly(
    provider: NexusProvider, store_path: Path
) -> None:
    from qiskit_nexus_provider.store import _checksum

    job, path = _persisted(provider)
    document = json.loads(path.read_text())
    document["record"]["schema_version"] = SCHEMA_VERSION + 1
    document["checksum"] = _checksum(document["record"])
    path.write_text(json.dumps(document))
    with pytest.raises(StoreCorruptError, match="schema_version"):
        NexusJob.restore(job.job_id(), store_path=store_path)


def test_record_renamed_to_another_id_is_detected(
    provider: NexusProvider, store_path: Path
) -> None:
    _, path = _persisted(provider)
    other = path.with_name("someone-else.json")
    os.replace(path, other)
    with pytest.raises(StoreCorruptError, match="holds job"):
        NexusJob.restore("someone-else", store_path=store_path)


def test_default_store_is_the_user_cache_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_store_path() == tmp_path / "cache" / "qiskit_nexus_provider"
    assert JobStore().path == default_store_path()


def test_job_ids_and_listing(provider: NexusProvider) -> None:
    job, _ = _persisted(provider)
    listed = dict(provider.jobs())
    assert job.job_id() in listed
    assert listed[job.job_id()].backend.name == "offline_simulator_no_noise"


def test_cancelled_offline_job_stays_cancelled_after_restore(
    provider: NexusProvider, store_path: Path, slow_circuit
) -> None:
    from qiskit.providers import JobStatus

    backend = provider.get_backend("offline_simulator_no_noise")
    backend.run(slow_circuit(backend), shots=300)  # keeps Aer busy: the next job waits queued
    job = backend.run(_circuits(backend), shots=10)
    assert job.status() is JobStatus.QUEUED
    assert job.cancel() is True
    job.persist()
    restored = NexusJob.restore(job.job_id(), store_path=store_path)
    assert restored.status() is JobStatus.CANCELLED


def test_restored_finished_offline_job_answers_without_rerunning(
    provider: NexusProvider, store_path: Path, monkeypatch
) -> None:
    from qiskit.providers import JobStatus
    from qiskit_aer import AerSimulator

    backend = provider.get_backend("offline_simulator_noise")
    job = backend.run(_circuits(backend), shots=50, memory=True)
    original = job.result()
    job.persist()

    def no_rerun(*args, **kwargs):
        raise AssertionError("a finished job was simulated again")

    monkeypatch.setattr(AerSimulator, "run", no_rerun)
    restored = NexusJob.restore(job.job_id(), store_path=store_path)
    assert restored.status() is JobStatus.DONE
    assert restored.result().get_counts() == original.get_counts()
    assert restored.result().get_memory(0) == original.get_memory(0)
    assert restored.result().job_id == job.job_id()


def test_unfinished_offline_job_is_rerun_with_its_seed(
    provider: NexusProvider, store_path: Path, slow_circuit
) -> None:
    backend = provider.get_backend("offline_simulator_no_noise")
    backend.run(slow_circuit(backend), shots=300)  # keeps Aer busy: the next job is unfinished
    job = backend.run(_circuits(backend), shots=200)
    job.persist()
    restored = NexusJob.restore(job.job_id(), store_path=store_path)
    assert restored.result().get_counts() == job.result().get_counts()
