"""Counts and memory keys equal AerSimulator's for the same circuit (Qiskit bit order)."""

from __future__ import annotations

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit_aer import AerSimulator

from qiskit_nexus_provider import NexusProvider


def _several_registers() -> QuantumCircuit:
    q = QuantumRegister(3, "q")
    a, b = ClassicalRegister(2, "a"), ClassicalRegister(3, "b")
    qc = QuantumCircuit(q, a, b, name="several_registers")
    qc.x(0)
    qc.h(2)
    qc.measure(0, b[2])
    qc.measure(1, a[0])
    qc.measure(2, b[0])
    return qc


def _partial() -> QuantumCircuit:
    qc = QuantumCircuit(4, 4, name="partial")
    qc.x([1, 3])
    qc.measure(1, 1)
    return qc


def _mid_circuit() -> QuantumCircuit:
    qc = QuantumCircuit(2, 3, name="mid_circuit")
    qc.h(0)
    qc.measure(0, 0)
    qc.reset(0)
    qc.x(0)
    qc.cx(0, 1)
    qc.measure(0, 1)
    qc.measure(1, 2)
    return qc


def _out_of_order() -> QuantumCircuit:
    q = QuantumRegister(3, "q")
    c = ClassicalRegister(3, "c")
    qc = QuantumCircuit(q, c, name="out_of_order")
    qc.x(0)
    qc.measure(0, 2)
    qc.measure(1, 0)
    qc.measure(2, 1)
    qc.metadata = {"experiment": 4, "tag": "order"}
    return qc


CASES = [_several_registers, _partial, _mid_circuit, _out_of_order]


@pytest.mark.parametrize("make", CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("memory", [False, True])
def test_counts_and_memory_equal_aer(provider: NexusProvider, make, memory: bool) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=5)
    circuit = transpile(make(), backend, seed_transpiler=3)
    ours = backend.run(circuit, shots=200, seed_simulator=11, memory=memory).result()
    aer = AerSimulator().run(circuit, shots=200, seed_simulator=11, memory=memory).result()
    assert ours.get_counts() == aer.get_counts()
    if memory:
        assert ours.get_memory() == aer.get_memory()
        assert len(ours.get_memory()) == 200


def test_keys_have_register_layout(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=5)
    result = backend.run(transpile(_several_registers(), backend), shots=50).result()
    # b (3 bits) leftmost, then a (2 bits); q0 -> b[2] is 1, q2 is random into b[0].
    assert set(result.get_counts()) <= {"100 00", "101 00"}
    assert len(result.get_counts()) == 2


def test_result_identifies_job_backend_and_experiments(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=5)
    circuits = transpile([_out_of_order(), _partial()], backend)
    job = backend.run(circuits, shots=30)
    result = job.result()
    assert result.job_id == job.job_id()
    assert result.backend_name == "offline_simulator_no_noise"
    assert [r.shots for r in result.results] == [30, 30]
    assert [r.header["name"] for r in result.results] == ["out_of_order", "partial"]
    assert result.results[0].header["metadata"] == {"experiment": 4, "tag": "order"}
    assert result.get_counts("partial") == {"0010": 30}
