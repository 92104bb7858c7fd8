"""Bad input is refused before anything runs, with a message naming the problem."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Parameter

from qiskit_nexus_provider import CircuitValidationError, NexusProvider


@pytest.fixture
def backend(provider: NexusProvider):
    return provider.get_backend("offline_simulator_no_noise", num_qubits=4)


def test_circuit_wider_than_backend(backend) -> None:
    qc = QuantumCircuit(5)
    qc.measure_all()
    with pytest.raises(CircuitValidationError, match=r"uses 5 qubits but .* has 4"):
        backend.run(qc)


def test_untranspiled_circuit_names_the_instruction(backend) -> None:
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    with pytest.raises(CircuitValidationError, match=r"cx, h.*transpile"):
        backend.run(qc)
    transpiled = transpile(qc, backend)
    assert set(transpiled.count_ops()) <= {"r", "rz", "rzz", "measure", "barrier"}
    backend.run(transpiled).result()


def test_circuit_without_measurement(backend) -> None:
    qc = QuantumCircuit(1)
    qc.r(0.1, 0.2, 0)
    with pytest.raises(CircuitValidationError, match="no measurement"):
        backend.run(qc)


def test_unbound_parameters(backend) -> None:
    theta = Parameter("theta")
    qc = QuantumCircuit(1)
    qc.rz(theta, 0)
    qc.measure_all()
    with pytest.raises(CircuitValidationError, match=r"unbound parameter.*theta"):
        backend.run(qc)
    backend.run(qc.assign_parameters({theta: 0.3})).result()


def test_empty_list(backend) -> None:
    with pytest.raises(CircuitValidationError, match="empty"):
        backend.run([])


def test_not_a_circuit(backend) -> None:
    with pytest.raises(TypeError, match="not a QuantumCircuit"):
        backend.run(["OPENQASM 2.0;"])


def test_bad_circuit_in_a_batch_is_named_by_index(backend) -> None:
    good = QuantumCircuit(1, 1)
    good.measure(0, 0)
    bad = QuantumCircuit(1, name="lonely")
    with pytest.raises(CircuitValidationError, match=r"circuit 2 \('lonely'\)"):
        backend.run([good, good, bad])
