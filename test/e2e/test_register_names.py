"""Register names Qiskit allows but a pytket circuit does not: a quantum and a classical register
of the same name, a classical register named ``q`` (the name pytket-qir gives the qubits).

Before: H-series and ``aer_simulator`` uploads were refused by the service ('A unit with ID
"r[0]" already exists'), and Helios raised a bare ``RuntimeError`` ('Incompatible registers').
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytket import Circuit
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Qubit
from qiskit.circuit.library import UnitaryGate
from qiskit_aer import AerSimulator

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.encoding import to_pytket_dict
from qiskit_nexus_provider.encoding.qir import to_qir_text

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}


def same_name() -> QuantumCircuit:
    """``QuantumRegister(3, "r")`` and ``ClassicalRegister(3, "r")``."""
    qc = QuantumCircuit(QuantumRegister(3, "r"), ClassicalRegister(3, "r"), name="same_name")
    qc.x([0, 2])
    qc.measure([0, 1, 2], [0, 1, 2])
    return qc


def swapped() -> QuantumCircuit:
    """Qubits in a register ``c``, clbits in registers ``q`` and ``d``."""
    q, c, d = QuantumRegister(3, "c"), ClassicalRegister(2, "q"), ClassicalRegister(1, "d")
    qc = QuantumCircuit(q, c, d, name="swapped")
    qc.x(1)
    qc.x(2)
    qc.measure([0, 1, 2], [0, 1, 2])
    return qc


def loose_qubits_classical_q() -> QuantumCircuit:
    """Loose qubits (named ``q`` by the encoding when free) beside a classical register ``q``."""
    qc = QuantumCircuit([Qubit(), Qubit()], ClassicalRegister(2, "q"), name="loose_q")
    qc.x(1)
    qc.measure([0, 1], [0, 1])
    return qc


def dynamic_same_name() -> QuantumCircuit:
    """A condition on a register sharing its name with the quantum register."""
    qc = QuantumCircuit(QuantumRegister(2, "m"), ClassicalRegister(2, "m"), name="dynamic")
    qc.x(0)
    qc.measure(0, 0)
    with qc.if_test((qc.cregs[0], 1)):
        qc.x(1)
    qc.measure(1, 1)
    return qc


CIRCUITS: list[Callable[[], QuantumCircuit]] = [
    same_name,
    swapped,
    loose_qubits_classical_q,
    dynamic_same_name,
]


def _aer(circuit: QuantumCircuit) -> dict[str, int]:
    return dict(AerSimulator().run(circuit, shots=50).result().get_counts())


@pytest.mark.parametrize("make", CIRCUITS, ids=lambda f: f.__name__)
def test_pytket_circuit_loads(make: Callable[[], QuantumCircuit]) -> None:
    """The encoding loads in pytket (what Nexus parses) with every unit name distinct."""
    circuit = Circuit.from_dict(to_pytket_dict(make()))
    qubit_registers = {q.reg_name for q in circuit.qubits}
    bit_registers = {b.reg_name for b in circuit.bits}
    assert not qubit_registers & bit_registers


def test_fallback_path_renames_too() -> None:
    """A circuit only ``qiskit_to_tk`` converts (a ``unitary``) gets the same renaming."""
    qc = same_name()
    qc.append(UnitaryGate([[0, 1], [1, 0]]), [1])
    circuit = Circuit.from_dict(to_pytket_dict(qc))
    assert {b.reg_name for b in circuit.bits} == {"r"}
    assert "r" not in {q.reg_name for q in circuit.qubits}


@pytest.mark.parametrize("make", CIRCUITS, ids=lambda f: f.__name__)
def test_qir_encodes(make: Callable[[], QuantumCircuit]) -> None:
    """pytket-qir converts them (before: RuntimeError 'Incompatible registers' for ``swapped``)."""
    assert "__quantum__rt__int_record_output" in to_qir_text(make())


@pytest.mark.parametrize("device", ["aer_simulator", "H1-1E", "Helios-1E-lite"])
def test_counts_match_aer(remote: NexusProvider, device: str) -> None:
    """Deterministic circuits: every shot (noiseless) or the dominant outcome (noisy devices)
    equals Aer's single outcome, with Aer's keys."""
    backend = remote.get_backend(device)
    circuits = [make() for make in CIRCUITS]
    result = backend.run(transpile(circuits, backend), shots=50, **FAST).result()
    for index, circuit in enumerate(circuits):
        expected = _aer(circuit)
        (key,) = expected
        counts = result.get_counts(index)
        assert max(counts, key=counts.__getitem__) == key, (circuit.name, counts, expected)
        assert {len(k) for k in counts} == {len(key)}
        if device == "aer_simulator":
            assert counts == expected, circuit.name


CONTROL_NAMES = ["a\tb", "x\ny", "cr\r", "zw\x00"]


@pytest.mark.parametrize("name", CONTROL_NAMES, ids=repr)
def test_control_characters_in_register_names_on_helios(remote: NexusProvider, name: str) -> None:
    """The QIR output is tab- and line-separated text: a label holding a tab or a newline was
    cut, and the register silently read 0 ({'00': 200} for Aer's {'01': 200})."""
    backend = remote.get_backend("Helios-1E-lite")
    qc = QuantumCircuit(QuantumRegister(2, "q"), ClassicalRegister(2, name))
    qc.x(0)
    qc.measure([0, 1], [0, 1])
    counts = backend.run(transpile(qc, backend), shots=50, **FAST).result().get_counts()
    assert max(counts, key=counts.__getitem__) == "01", counts


def test_qir_labels_are_distinct_and_safe() -> None:
    from qiskit_nexus_provider.encoding.qir import qir_labels

    names = ["q", "q_c", "a\tb", "reg_610962", "plain"]
    labels = qir_labels(names)
    assert "plain" not in labels and "q_c" not in labels
    recorded = [labels.get(n, n) for n in names]
    assert len(set(recorded)) == len(names)
    assert all(ch.isprintable() for label in recorded for ch in label)
