"""Conditions whose value needs more than 64 bits (a register of 70 bits compared with 2**69):
pytket holds condition values and expression constants as 64-bit integers.

Before: the circuit was uploaded and Nexus refused it (400 'invalid circuit JSON: to_json
received an integer out of range'), a server error after part of the batch had gone.
"""

from __future__ import annotations

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit.classical import expr

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.encoding import to_pytket_dict
from qiskit_nexus_provider.exceptions import CircuitValidationError


def _wide(kind: str, value: int = 1 << 69) -> QuantumCircuit:
    big = ClassicalRegister(70, "big")
    qc = QuantumCircuit(QuantumRegister(2, "q"), big)
    qc.x(0)
    qc.measure(0, 69)
    condition = (big, value) if kind == "register" else expr.equal(big, value)
    with qc.if_test(condition):
        qc.x(1)
    qc.measure(1, 0)
    return qc


@pytest.mark.parametrize("kind", ["register", "expression"])
@pytest.mark.parametrize("device", ["aer_simulator", "H1-1E", "Helios-1E-lite"])
def test_refused_before_upload(
    remote: NexusProvider, emulator: NexusEmulator, device: str, kind: str
) -> None:
    backend = remote.get_backend(device)
    circuit = transpile(_wide(kind), backend)
    circuits_before = emulator.circuit_count()
    with pytest.raises(CircuitValidationError, match="64"):
        backend.run([circuit], shots=10)
    assert emulator.circuit_count() == circuits_before


@pytest.mark.parametrize("kind", ["register", "expression"])
def test_values_below_two_to_the_64_still_encode(kind: str) -> None:
    """A 70-bit register compared with a value that fits in 64 bits is still written."""
    assert to_pytket_dict(_wide(kind, value=(1 << 64) - 1))["commands"]
