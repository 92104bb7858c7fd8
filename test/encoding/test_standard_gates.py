"""Every Qiskit standard gate encodes, with Qiskit's unitary, without ``qiskit_to_tk``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from _encoding_helpers import qiskit_unitary_in_pytket_order
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytket import Circuit
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Delay, Gate
from qiskit.circuit.library import get_standard_gate_name_mapping

from qiskit_nexus_provider.encoding import encoder, to_pytket_dict
from qiskit_nexus_provider.encoding.gates import GATES

MAPPING = get_standard_gate_name_mapping()
# Every standard gate; measure and reset are not unitary, delay is tested apart.
UNITARY = sorted(
    name for name, op in MAPPING.items() if isinstance(op, Gate) and name != "global_phase"
)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ANGLES = st.floats(min_value=-4 * math.pi, max_value=4 * math.pi, allow_nan=False)
WIDTH = 5


@pytest.fixture(autouse=True)
def _no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(circuit: QuantumCircuit) -> dict[str, Any]:
        raise AssertionError(f"qiskit_to_tk fallback for {[i.name for i in circuit.data]}")

    monkeypatch.setattr(encoder, "_fallback", refuse)


def _gate(name: str, params: list[float]) -> Gate:
    template = MAPPING[name]
    if not template.params:
        return template
    gate: Gate = type(template)(*params[: len(template.params)])
    return gate


def _assert_unitary_equal(qc: QuantumCircuit) -> dict[str, Any]:
    encoded = to_pytket_dict(qc)
    expected = qiskit_unitary_in_pytket_order(qc, encoded["qubits"])
    actual = Circuit.from_dict(encoded).get_unitary()
    np.testing.assert_allclose(actual, expected, atol=1e-8)
    return encoded


def test_the_standard_set_is_covered() -> None:
    # A gate Qiskit adds to its standard set shows up here first.
    assert set(UNITARY) | {"global_phase", "measure", "reset", "delay"} == set(MAPPING)


@pytest.mark.parametrize("name", UNITARY)
@SETTINGS
@given(
    params=st.lists(ANGLES, min_size=4, max_size=4),
    phase=ANGLES,
    order=st.permutations(range(WIDTH)),
)
def test_gate_unitary_equals_qiskit_operator(
    name: str, params: list[float], phase: float, order: list[int]
) -> None:
    gate = _gate(name, params)
    qc = QuantumCircuit(WIDTH, global_phase=phase)
    qc.h(order[-1])  # gives the encoded circuit something besides the gate
    qc.append(gate, order[: gate.num_qubits])
    qc.rz(params[0], order[0])
    encoded = _assert_unitary_equal(qc)
    if name in GATES:
        assert all(c["op"]["type"] != "QControlBox" for c in encoded["commands"])


@SETTINGS
@given(params=st.lists(ANGLES, min_size=4, max_size=4))
def test_all_standard_gates_in_one_circuit(params: list[float]) -> None:
    qc = QuantumCircuit(QuantumRegister(2, "a"), QuantumRegister(3, "b"), global_phase=params[1])
    for k, name in enumerate(UNITARY):
        gate = _gate(name, params[k % 4 :] + params[: k % 4])
        qc.append(gate, [(k + j) % WIDTH for j in range(gate.num_qubits)])
    qc.append(MAPPING["global_phase"].__class__(params[2]), [])
    _assert_unitary_equal(qc)


@SETTINGS
@given(gamma=ANGLES, angles=st.lists(ANGLES, min_size=3, max_size=3))
def test_cu_with_gamma_keeps_the_controlled_phase(gamma: float, angles: list[float]) -> None:
    qc = QuantumCircuit(2)
    qc.cu(*angles, gamma, 1, 0)
    _assert_unitary_equal(qc)


def test_global_phase_gate_adds_to_the_circuit_phase() -> None:
    qc = QuantumCircuit(1, global_phase=0.25 * math.pi)
    qc.append(MAPPING["global_phase"].__class__(0.5 * math.pi), [])
    encoded = _assert_unitary_equal(qc)
    assert encoded["phase"] == "0.75"
    assert encoded["commands"] == []


def test_delay_is_dropped_and_measurements_kept() -> None:
    qc = QuantumCircuit(QuantumRegister(2, "q"), ClassicalRegister(2, "c"))
    qc.h(0)
    qc.append(Delay(100, "ns"), [1])
    qc.rzx(0.4, 0, 1)
    qc.measure([0, 1], [0, 1])
    encoded = to_pytket_dict(qc)
    types = [c["op"]["type"] for c in encoded["commands"]]
    assert "Measure" in types and types.count("Measure") == 2
    assert encoded["bits"] == [["c", [0]], ["c", [1]]]
    Circuit.from_dict(encoded)


def test_rewritten_gates_inside_control_flow() -> None:
    qc = QuantumCircuit(2, 1)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.rzx(0.3, 0, 1)
    from qiskit_nexus_provider.encoding.decompose import expand_standard_gates

    expanded = expand_standard_gates(qc)
    assert expanded is not None
    block = expanded.data[-1].operation.blocks[0]
    assert "rzx" not in {i.name for i in block.data}
    assert {i.name for i in block.data} <= set(GATES)


def test_original_circuit_is_not_modified() -> None:
    qc = QuantumCircuit(3)
    qc.rccx(0, 1, 2)
    before = qc.copy()
    to_pytket_dict(qc)
    assert qc == before
