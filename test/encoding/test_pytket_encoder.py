"""Equivalence tests: ``to_pytket_dict`` vs ``qiskit_to_tk(...).to_dict()``."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import numpy as np
import pytest
from _encoding_helpers import (
    circuits,
    expected_units,
    qiskit_unitary_in_pytket_order,
    strip_ids,
    with_registered_loose_bits,
)
from hypothesis import HealthCheck, given, settings
from pytket import Circuit
from pytket.extensions.qiskit import qiskit_to_tk
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Clbit, Gate, Parameter, Qubit
from qiskit.circuit.library import UnitaryGate
from qiskit.circuit.random import random_circuit

from qiskit_nexus_provider.encoding import bit_names, creg_sizes, to_pytket_dict
from qiskit_nexus_provider.encoding.gates import GATES, half_turns

LOGGER = "qiskit_nexus_provider.encoding.encoder"
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _fell_back(caplog: pytest.LogCaptureFixture) -> bool:
    return any("falling back" in r.getMessage() for r in caplog.records if r.name == LOGGER)


def _encode_fast(qc: QuantumCircuit, caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        ours = to_pytket_dict(qc)
    assert not _fell_back(caplog), caplog.text
    return ours


def _canonical(commands: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(c, sort_keys=True) for c in commands)


@SETTINGS
@given(qc=circuits())
def test_matches_qiskit_to_tk(qc: QuantumCircuit, caplog: pytest.LogCaptureFixture) -> None:
    ours = _encode_fast(qc, caplog)
    reference = qiskit_to_tk(with_registered_loose_bits(qc)).to_dict()
    # JSON-serialisable and loadable.
    loaded = Circuit.from_dict(json.loads(json.dumps(ours)))
    # Byte-identical pieces: units, phase, name, and every command (parameter
    # strings included), in any order.
    for key in ("qubits", "bits", "phase", "name", "implicit_permutation"):
        assert ours[key] == reference[key], key
    assert ours["created_qubits"] == ours["discarded_qubits"] == []
    assert _canonical(ours["commands"]) == _canonical(reference["commands"])
    # Same DAG: pytket writes the loaded circuit exactly as the reference.
    assert loaded.to_dict() == reference


@SETTINGS
@given(qc=circuits())
def test_units_and_measurements(qc: QuantumCircuit, caplog: pytest.LogCaptureFixture) -> None:
    ours = _encode_fast(qc, caplog)
    qmap, cmap = expected_units(qc)
    assert ours["qubits"] == sorted(qmap.values())
    assert ours["bits"] == sorted(cmap.values())
    measured = [c["args"] for c in ours["commands"] if c["op"]["type"] == "Measure"]
    expected = [
        [qmap[inst.qubits[0]], cmap[inst.clbits[0]]] for inst in qc.data if inst.name == "measure"
    ]
    assert measured == expected
    assert bit_names(qc) == [(cmap[b][0], cmap[b][1][0]) for b in qc.clbits]
    assert creg_sizes(qc) == [(r.name, r.size) for r in qc.cregs]


@SETTINGS
@given(qc=circuits(max_ops=20, unitary_only=True))
def test_unitary_equals_qiskit(qc: QuantumCircuit, caplog: pytest.LogCaptureFixture) -> None:
    """The encoded circuit implements Qiskit's unitary, global phase included."""
    ours = _encode_fast(qc, caplog)
    tk_unitary = Circuit.from_dict(ours).get_unitary()
    expected = qiskit_unitary_in_pytket_order(qc, ours["qubits"])
    # Angles up to 1e6 rad lose ~1e-9 to the 15-digit strings pytket writes.
    np.testing.assert_allclose(tk_unitary, expected, atol=1e-7)


def test_transpiled_benchmark_circuits_match(caplog: pytest.LogCaptureFixture) -> None:
    for seed in range(5):
        qc = random_circuit(5, 20, max_operands=2, measure=True, seed=seed)
        qc = transpile(
            qc,
            basis_gates=["rz", "r", "rzz", "measure"],
            optimization_level=1,
            seed_transpiler=seed,
        )
        ours = _encode_fast(qc, caplog)
        assert Circuit.from_dict(ours).to_dict() == qiskit_to_tk(qc).to_dict()


def test_documented_shape() -> None:
    qc = QuantumCircuit(2, 2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    assert to_pytket_dict(qc) == {
        "bits": [["c", [0]], ["c", [1]]],
        "commands": [
            {"args": [["q", [0]]], "op": {"type": "H"}},
            {"args": [["q", [0]], ["q", [1]]], "op": {"type": "CX"}},
            {"args": [["q", [0]], ["c", [0]]], "op": {"type": "Measure"}},
            {"args": [["q", [1]], ["c", [1]]], "op": {"type": "Measure"}},
        ],
        "created_qubits": [],
        "discarded_qubits": [],
        "implicit_permutation": [[["q", [0]], ["q", [0]]], [["q", [1]], ["q", [1]]]],
        "name": "bell",
        "phase": "0.0",
        "qubits": [["q", [0]], ["q", [1]]],
    }


def test_r_rz_rzz_and_phase_strings() -> None:
    qc = QuantumCircuit(2, global_phase=math.pi / 2)
    qc.r(math.pi / 2, -math.pi / 4, 0)
    qc.rz(-0.5, 1)
    qc.rzz(5 * math.pi, 0, 1)
    ops = [c["op"] for c in to_pytket_dict(qc)["commands"]]
    assert ops == [
        {"params": ["0.5", "1.75"], "type": "PhasedX"},
        {"params": ["3.8408450569081"], "type": "Rz"},
        {"params": ["1.0"], "type": "ZZPhase"},
    ]
    assert to_pytket_dict(qc)["phase"] == "0.5"


@pytest.mark.parametrize(
    ("value", "mod", "text"),
    [
        (0.0, 4, "0.0"),
        (math.pi, 4, "1.0"),
        (-math.pi, 2, "1.0"),
        (1e-12, 4, "0.0"),  # snapped onto 0
        (4 * math.pi - 1e-12, 4, "0.0"),
        (1e-5 * math.pi, 4, "9.99999999999999e-06"),
        (1e-5, 4, "3.18309886183791e-06"),
        (7 * math.pi, 4, "3.0"),
        (123456.789, 2, "1.51645520626334"),
    ],
)
def test_half_turns(value: float, mod: int, text: str) -> None:
    assert half_turns(value, mod) == text
    # ... which is what pytket writes for the same angle.
    qc = QuantumCircuit(1)
    if mod == 4:
        qc.rz(value, 0)
    else:
        qc.p(value, 0)
    assert qiskit_to_tk(qc).to_dict()["commands"][0]["op"]["params"] == [text]


def test_bit_names_multiple_shared_and_loose() -> None:
    shared = [Clbit() for _ in range(3)]
    qc = QuantumCircuit(QuantumRegister(2, "q"), ClassicalRegister(2, "c"), shared)
    qc.add_register(ClassicalRegister(name="a", bits=shared[:2]))
    qc.add_register(ClassicalRegister(name="b", bits=shared[1:]))
    qc.add_bits([Clbit()])
    # c[0], c[1]; shared bits take the last register; the loose one goes to
    # "c_loose" because "c" is taken.
    assert bit_names(qc) == [("c", 0), ("c", 1), ("a", 0), ("b", 0), ("b", 1), ("c_loose", 0)]
    encoded = to_pytket_dict(qc)
    assert [tuple((u[0], u[1][0])) for u in encoded["bits"]] == sorted(
        [("c", 0), ("c", 1), ("a", 0), ("a", 1), ("b", 0), ("b", 1), ("c_loose", 0)]
    )


def test_loose_bits_named_alike_on_both_paths(caplog: pytest.LogCaptureFixture) -> None:
    qc = QuantumCircuit([Qubit(), Qubit()], [Clbit(), Clbit()])
    qc.h(0)
    qc.measure([0, 1], [1, 0])
    fast = _encode_fast(qc, caplog)
    assert fast["qubits"] == [["q", [0]], ["q", [1]]]
    assert fast["bits"] == [["c", [0]], ["c", [1]]]
    assert bit_names(qc) == [("c", 0), ("c", 1)]
    slow_qc = qc.copy()
    slow_qc.append(UnitaryGate(np.eye(2)), [1])  # forces the fallback
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        slow = to_pytket_dict(slow_qc)
    assert _fell_back(caplog)
    assert slow["qubits"] == fast["qubits"] and slow["bits"] == fast["bits"]


def _custom_gate() -> Gate:
    inner = QuantumCircuit(2)
    inner.h(0)
    inner.cx(0, 1)
    return inner.to_gate(label="bellish")


def _fallback_circuits() -> dict[str, QuantumCircuit]:
    out = {}
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.append(UnitaryGate(np.array([[0, 1], [1, 0]])), [1])
    qc.measure([0, 1], [0, 1])
    out["unitary"] = qc
    qc = QuantumCircuit(3, 1)
    qc.append(_custom_gate(), [2, 0])
    qc.rz(0.3, 1)
    out["custom gate"] = qc
    impostor = Gate("rz", 1, [0.5])  # not the standard RZGate, only its name
    definition = QuantumCircuit(1)
    definition.h(0)
    impostor.definition = definition
    qc = QuantumCircuit(2)
    qc.append(impostor, [0])
    out["custom gate named rz"] = qc
    qc = QuantumCircuit(2)
    qc.cx(0, 1, ctrl_state=0)
    out["open control"] = qc
    qc = QuantumCircuit(2)
    qc.initialize([0, 1], [0])
    out["initialize"] = qc
    # Control flow is no longer a fallback case: see test/dynamic/test_control_flow_encoding.py.
    return out


@pytest.mark.parametrize("label", list(_fallback_circuits()))
def test_fallback_is_logged_and_round_trips(label: str, caplog: pytest.LogCaptureFixture) -> None:
    qc = _fallback_circuits()[label]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        ours = to_pytket_dict(qc)
    assert _fell_back(caplog)
    reference = qiskit_to_tk(qc).to_dict()
    assert strip_ids(ours) == strip_ids(reference)
    loaded = Circuit.from_dict(ours)
    assert strip_ids(loaded.to_dict()) == strip_ids(ours)
    if label in {"unitary", "open control", "custom gate named rz"}:
        # Still Qiskit's unitary.
        meas_free = qc.remove_final_measurements(inplace=False)
        encoded = to_pytket_dict(meas_free)
        expected = qiskit_unitary_in_pytket_order(meas_free, encoded["qubits"])
        np.testing.assert_allclose(Circuit.from_dict(encoded).get_unitary(), expected, atol=1e-9)


def test_unbound_parameter_falls_back_and_raises_like_qiskit_to_tk(
    caplog: pytest.LogCaptureFixture,
) -> None:
    qc = QuantumCircuit(1)
    qc.rz(Parameter("theta"), 0)
    with caplog.at_level(logging.DEBUG, logger=LOGGER), pytest.raises(ValueError):
        to_pytket_dict(qc)
    assert _fell_back(caplog)
    with pytest.raises(ValueError):
        qiskit_to_tk(qc)


def test_bound_parameters_take_fast_path(caplog: pytest.LogCaptureFixture) -> None:
    theta = Parameter("theta")
    qc = QuantumCircuit(2, global_phase=theta / 2)
    qc.rz(theta, 0)
    qc.rzz(2 * theta, 0, 1)
    bound = qc.assign_parameters({theta: 0.7})
    ours = _encode_fast(bound, caplog)
    assert Circuit.from_dict(ours).to_dict() == qiskit_to_tk(bound).to_dict()


def test_nan_angle_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    qc = QuantumCircuit(1)
    qc.rz(float("nan"), 0)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        ours = to_pytket_dict(qc)
    assert _fell_back(caplog)
    assert ours == qiskit_to_tk(qc).to_dict()


def test_cu_with_gamma_is_encoded_without_fallback(caplog: pytest.LogCaptureFixture) -> None:
    # qiskit_to_tk raises NotImplementedError here; the encoder rewrites it exactly
    # (test_standard_gates.py checks the unitary).
    qc = QuantumCircuit(2)
    qc.cu(0.1, 0.2, 0.3, 0.4, 0, 1)
    ours = _encode_fast(qc, caplog)
    assert [c["op"]["type"] for c in ours["commands"]] == ["CU3", "U1"]


def test_gate_table_names_are_standard_gates() -> None:
    from qiskit.circuit.library import C3XGate, get_standard_gate_name_mapping

    standard = set(get_standard_gate_name_mapping()) | {C3XGate().name}
    assert set(GATES) <= standard
