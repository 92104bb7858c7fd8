"""A batch split into sub-jobs is encoded whole before anything is uploaded.

Before: a composite's sub-jobs encoded their circuits when they submitted, so in 301 circuits
with one pytket cannot express (a store into a register) as the last, ``run()`` returned, 300
circuits were uploaded and a job started, and the composite failed later with a submission error.
"""

from __future__ import annotations

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.exceptions import CircuitValidationError

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}


def _good() -> QuantumCircuit:
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.measure(0, 0)
    return qc


def _unencodable() -> QuantumCircuit:
    """A store of an integer into a register: no pytket form (the encoder refuses it)."""
    r = ClassicalRegister(2, "r")
    qc = QuantumCircuit(QuantumRegister(1), ClassicalRegister(1), r, name="register_store")
    qc.x(0)
    qc.measure(0, 0)
    qc.store(r, 3)
    return qc


@pytest.mark.parametrize("device", ["aer_simulator", "H1-1E"])
def test_a_bad_last_circuit_fails_run_before_any_upload(
    remote: NexusProvider, emulator: NexusEmulator, device: str
) -> None:
    backend = remote.get_backend(device)
    batch = [transpile(_good(), backend)] * 300 + [transpile(_unencodable(), backend)]
    circuits, jobs = emulator.circuit_count(), emulator.job_count()
    with pytest.raises(CircuitValidationError, match=r"circuit 300 \('register_store'\)"):
        backend.run(batch, shots=10, **FAST)
    assert (emulator.circuit_count(), emulator.job_count()) == (circuits, jobs)
    assert not backend._encoded  # nothing kept for the refused batch


def test_encodings_are_used_once_and_dropped(remote: NexusProvider) -> None:
    """The encodings made in run() serve the uploads and are not kept afterwards."""
    backend = remote.get_backend("aer_simulator")
    circuits = [transpile(_good(), backend) for _ in range(301)]
    result = backend.run(circuits, shots=5, **FAST).result()
    assert [c.get("1") for c in result.get_counts()] == [5] * 301
    assert not backend._encoded


def test_encodings_of_slots_cancelled_before_submission_are_dropped(
    remote: NexusProvider, emulator: NexusEmulator
) -> None:
    from qiskit_nexus_provider import NexusCompositeJob

    backend = remote.get_backend("aer_simulator")
    circuits = [transpile(_good(), backend) for _ in range(301)]
    backend.prepare_circuits(circuits)  # what run() does before creating the composite
    job = NexusCompositeJob.create(backend, circuits, backend.run_options, 300)
    job.cancel()  # before submit(): every slot is cancelled before it submits
    jobs = emulator.job_count()
    job.submit()
    job.block_for_submit(timeout=60)
    assert all(slot.cancelled_before_submit for slot in job.slots)
    assert emulator.job_count() == jobs
    assert not backend._encoded


@pytest.mark.parametrize(("budget", "encodings"), [(64 * 1024 * 1024, 302), (0, 304)])
def test_later_sub_jobs_upload_what_run_encoded_within_the_budget(
    remote: NexusProvider, monkeypatch: pytest.MonkeyPatch, budget: int, encodings: int
) -> None:
    """Before: the circuits after the first sub-job were encoded twice, in run() and when
    their sub-job submitted.  Within ``KEEP_ENCODED_BYTES`` they are encoded once; beyond
    it (a budget of 0 here), again by their sub-job, so that memory stays bounded."""
    from qiskit_nexus_provider.backends import remote as remote_module

    calls = [0]
    encode = remote_module.to_pytket_dict

    def counting(circuit):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return encode(circuit)

    monkeypatch.setattr(remote_module, "to_pytket_dict", counting)
    monkeypatch.setattr(remote_module, "KEEP_ENCODED_BYTES", budget)
    backend = remote.get_backend("aer_simulator")
    circuits = [transpile(_good(), backend) for _ in range(302)]
    result = backend.run(circuits, shots=5, **FAST).result()
    assert [c.get("1") for c in result.get_counts()] == [5] * 302
    assert calls[0] == encodings
    assert not backend._encoded
