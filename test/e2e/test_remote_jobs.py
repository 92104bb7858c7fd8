"""Provider -> emulator over loopback: listing, jobs, bit order, cancel, tokens, failures."""

from __future__ import annotations

import warnings

import pytest
from e2e_circuits import encode_index, expected_key
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.providers import JobStatus
from qiskit_aer import AerSimulator

from qiskit_nexus_provider import (
    JobCancelledError,
    JobFailedError,
    JobNotFoundError,
    NexusJob,
    NexusProvider,
)
from qiskit_nexus_provider.api.config import RetryPolicy
from qiskit_nexus_provider.api.errors import AuthenticationError

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}


def test_backends_come_from_the_devices_endpoint(remote: NexusProvider) -> None:
    names = {b.name for b in remote.backends()}
    assert {"offline_simulator_no_noise", "H1-1E", "H1-1SC", "H2-1LE"} <= names
    backend = remote.get_backend("H1-1E")
    assert backend.device_kind == "emulator"
    assert remote.get_backend("H1-1SC").device_kind == "syntax_checker"
    assert {"rz", "r", "rzz", "measure", "reset"} <= set(backend.target.operation_names)
    assert backend.num_qubits == 20
    assert backend.max_circuits == 300  # the Nexus user guide: at most 300 circuits per job
    assert "H1-1E" in str(remote.backends())


def test_multi_circuit_job_returns_counts_in_input_order(remote: NexusProvider) -> None:
    backend = remote.get_backend("aer_simulator")
    circuits = transpile([encode_index(i) for i in range(12)], backend)
    job = backend.run(circuits, shots=20, **FAST)
    assert isinstance(job, NexusJob)
    result = job.result(timeout=120)
    assert result.job_id == job.job_id()
    assert [result.get_counts(i) for i in range(12)] == [{expected_key(i): 20} for i in range(12)]
    assert [r.header["name"] for r in result.results] == [f"index-{i}" for i in range(12)]


def test_single_circuit_on_an_h_series_emulator(remote: NexusProvider) -> None:
    backend = remote.get_backend("H1-1E")
    job = backend.run(transpile(encode_index(5, 3), backend), shots=200, **FAST)
    counts = job.result(timeout=120).get_counts()
    assert sum(counts.values()) == 200
    assert max(counts, key=counts.get) == "101"  # noisy, but mostly right


def test_syntax_checker_returns_all_zero_outcomes(remote: NexusProvider) -> None:
    backend = remote.get_backend("H1-1SC")
    job = backend.run(transpile(encode_index(7, 3), backend), shots=10, **FAST)
    assert job.result(timeout=120).get_counts() == {"000": 10}


def _registers() -> QuantumCircuit:
    q = QuantumRegister(4, "q")
    a, b = ClassicalRegister(2, "a"), ClassicalRegister(3, "b")
    qc = QuantumCircuit(q, a, b, name="registers")
    qc.x([0, 3])
    qc.measure(0, b[2])
    qc.measure(3, a[0])
    qc.measure(1, b[0])
    qc.reset(0)
    qc.measure(0, a[1])  # mid-circuit reset then measure
    return qc


def _partial() -> QuantumCircuit:
    qc = QuantumCircuit(3, 4, name="partial")
    qc.x(2)
    qc.measure(2, 3)
    return qc


@pytest.mark.parametrize("make", [_registers, _partial], ids=lambda f: f.__name__)
def test_counts_and_memory_keys_equal_aer(remote: NexusProvider, make) -> None:
    backend = remote.get_backend("aer_simulator")
    circuit = transpile(make(), backend)
    result = backend.run(circuit, shots=16, memory=True, **FAST).result(timeout=120)
    aer = AerSimulator().run(circuit, shots=16, memory=True).result()
    assert result.get_counts() == aer.get_counts()
    assert result.get_memory() == aer.get_memory()


def test_cancel_a_queued_job(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    emu.pause()
    job = backend.run(transpile(encode_index(1), backend), shots=5, **FAST)
    assert job.status() is JobStatus.QUEUED
    assert job.cancel() is True
    emu.resume()
    job.wait_for_final_state(timeout=60)
    assert job.status() is JobStatus.CANCELLED
    with pytest.raises(JobCancelledError):
        job.result()


def test_failed_job_raises_with_the_server_message(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    emu.set_faults(fail_next_jobs=1)
    job = backend.run(transpile(encode_index(2), backend), shots=5, **FAST)
    with pytest.raises(JobFailedError, match="Injected failure"):
        job.result(timeout=60)
    assert job.status() is JobStatus.ERROR


def test_expired_access_token_is_refreshed(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile(encode_index(3), backend), shots=5, **FAST)
    emu.clear_request_log()
    emu.expire_access_tokens()
    assert job.result(timeout=60).get_counts() == {expected_key(3): 5}
    paths = [entry["path"] for entry in emu.request_log()]
    assert "/auth/tokens/refresh" in paths


def test_wrong_token_is_a_clear_authentication_error(emu, store_path) -> None:
    provider = NexusProvider(token="not-the-token", url=emu.url, store_path=store_path)
    backend = provider.get_backend("offline_simulator_no_noise")  # offline still works
    assert backend.name == "offline_simulator_no_noise"
    with pytest.raises(AuthenticationError):
        provider.remote.client.get_devices()


def test_unreachable_nexus_still_lists_offline_simulators(
    store_path, tmp_path, monkeypatch
) -> None:
    import socket

    monkeypatch.setenv("HOME", str(tmp_path))
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = NexusProvider(
        token="t",
        url=f"http://127.0.0.1:{port}",
        store_path=store_path,
        retry=RetryPolicy(max_attempts=1),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = {b.name for b in provider.backends()}
    assert names == {"offline_simulator_no_noise", "offline_simulator_noise"}
    assert any("Could not list Nexus devices" in str(w.message) for w in caught)


def test_retrieve_job_from_the_server_alone(remote: NexusProvider) -> None:
    backend = remote.get_backend("aer_simulator")
    circuits = transpile([encode_index(i) for i in (4, 9)], backend)
    circuits[0].metadata = {"tag": "first"}
    job = backend.run(circuits, shots=8, memory=True, **FAST)
    original = job.result(timeout=60)
    assert not remote.store.exists(job.job_id())
    again = remote.retrieve_job(job.job_id())
    result = again.result(timeout=60)
    assert again.job_id() == job.job_id()
    assert result.get_counts() == original.get_counts()
    assert result.get_memory(1) == original.get_memory(1)
    assert result.results[0].header["metadata"] == {"tag": "first"}
    assert result.results[1].header["name"] == "index-9"


def test_retrieve_unknown_job_names_the_id(remote: NexusProvider) -> None:
    with pytest.raises(JobNotFoundError, match="00000000-0000-0000-0000-000000000000"):
        remote.retrieve_job("00000000-0000-0000-0000-000000000000")


def test_persist_and_restore_in_another_process(
    remote: NexusProvider, emu, store_path, run_python
) -> None:
    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile([encode_index(i) for i in range(3)], backend), shots=7, **FAST)
    path = job.persist()
    assert emu.token not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    counts = job.result(timeout=60).get_counts()
    out = run_python(
        f"""
        from qiskit_nexus_provider import NexusJob
        job = NexusJob.restore(
            {job.job_id()!r}, token={emu.token!r}, url={emu.url!r},
            store_path={str(store_path)!r},
        )
        print(job.job_id())
        print(job.result(timeout=60).get_counts())
        """
    )
    restored_id, restored_counts = out.strip().splitlines()
    assert restored_id == job.job_id()
    assert restored_counts == str(counts)


def test_a_restored_job_records_its_final_status_and_keeps_its_creation_time(
    remote: NexusProvider, emu, store_path
) -> None:
    """Before: a job persisted unfinished and collected after a restore stayed "UNFINISHED" in
    ``qiskit-nexus jobs``; a restored composite's record got a new creation time."""
    from qiskit_nexus_provider import NexusCompositeJob, NexusJob

    backend = remote.get_backend("aer_simulator")
    emu.pause()
    job = backend.run(transpile(encode_index(1), backend), shots=3, **FAST)
    composite = backend.run(
        transpile([encode_index(i) for i in range(4)], backend),
        shots=3,
        max_circuits_per_job=2,
        **FAST,
    )
    assert isinstance(composite, NexusCompositeJob)
    composite.block_for_submit(timeout=60)
    job.persist()
    before = {j: remote.store.load(j) for j in (job.job_id(), composite.job_id())}
    assert before[job.job_id()].status is None
    emu.resume()
    for job_id in before:
        restored = NexusJob.restore(job_id, token=emu.token, url=emu.url, store_path=store_path)
        restored.result(timeout=60)
        after = remote.store.load(job_id)
        assert after.status == "DONE"
        assert after.created == before[job_id].created


def test_every_gate_of_the_remote_aer_target_runs(remote: NexusProvider) -> None:
    """Each gate the Aer-on-Nexus target offers can be encoded, sent and simulated exactly."""
    import numpy as np
    from qiskit.quantum_info import Statevector

    backend = remote.get_backend("aer_simulator")
    rng = np.random.default_rng(7)
    circuits = []
    # Control flow (if_else, switch_case) is in the target too: see test/dynamic.
    skipped = {"measure", "reset", "delay", "if_else", "switch_case"}
    for name in sorted(set(backend.target.operation_names) - skipped):
        gate = backend.target.operation_from_name(name)
        qc = QuantumCircuit(max(gate.num_qubits, 1), name=name)
        qc.h(range(qc.num_qubits))
        params = [float(x) for x in rng.uniform(-3, 3, len(gate.params))]
        qc.append(type(gate)(*params) if params else gate, range(gate.num_qubits))
        circuits.append(qc.measure_all(inplace=False))
    result = backend.run(circuits, shots=4000, seed_simulator=3, **FAST).result(timeout=120)
    for index, qc in enumerate(circuits):
        exact = Statevector(qc.remove_final_measurements(inplace=False)).probabilities_dict()
        counts = result.get_counts(index)
        for key, p in exact.items():
            assert abs(counts.get(key, 0) / 4000 - p) < 0.05, (qc.name, key, counts, exact)
