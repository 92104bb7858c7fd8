"""NaN and infinite angles met by the ``nexus`` passes are refused, never merged away.

Before: a custom gate whose definition holds ``rz(nan)`` (Qiskit checks bound parameters, not
definitions) went through ``transpile(qc, backend)`` as nothing at all (``SquashToRRz`` multiplied
the NaN matrix into a "diagonal" and dropped it, with the gates around it), so ``run()`` saw a
clean circuit and returned ``{'0': n}``.
"""

from __future__ import annotations

import math

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Gate
from qiskit.converters import circuit_to_dag
from qiskit.exceptions import QiskitError
from qiskit.transpiler import TranspilerError

from qiskit_nexus_provider.backends.offline import OfflineSimulatorBackend
from qiskit_nexus_provider.transpiler import NormalizeRZZ, SquashToRRz, SynthesizeRZZ

BACKEND = OfflineSimulatorBackend(num_qubits=3)


def _custom(body: QuantumCircuit, name: str = "mine") -> Gate:
    gate = Gate(name, body.num_qubits, [])
    gate.definition = body
    return gate


def _one_qubit_nan(value: float) -> QuantumCircuit:
    body = QuantumCircuit(1)
    body.h(0)
    body.rz(value, 0)
    body.h(0)
    qc = QuantumCircuit(1, 1)
    qc.append(_custom(body), [0])
    qc.measure(0, 0)
    return qc


def _two_qubit_nan(value: float) -> QuantumCircuit:
    body = QuantumCircuit(2)
    body.cp(value, 0, 1)
    qc = QuantumCircuit(2, 2)
    qc.h([0, 1])
    qc.append(_custom(body, "mine2"), [0, 1])
    qc.measure([0, 1], [0, 1])
    return qc


def _rzz_nan(value: float) -> QuantumCircuit:
    body = QuantumCircuit(2)
    body.rzz(value, 0, 1)
    qc = QuantumCircuit(2, 2)
    qc.append(_custom(body, "mine3"), [0, 1])
    qc.measure([0, 1], [0, 1])
    return qc


def _in_a_block(value: float) -> QuantumCircuit:
    body = QuantumCircuit(1)
    body.rx(value, 0)
    qc = QuantumCircuit(1, 1)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.append(_custom(body), [0])
    qc.measure(0, 0)
    return qc


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("make", [_one_qubit_nan, _two_qubit_nan, _rzz_nan, _in_a_block])
@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_transpile_refuses_non_finite_angles(make, value: float, level: int) -> None:
    # Qiskit refuses some first (its basis translator: "Binding to NaN"; its level 2-3 block
    # re-synthesis: "NoConvergence"); what gets past Qiskit reaches the nexus passes.
    with pytest.raises(QiskitError, match=r"non-finite|NaN|infinite|NoConvergence"):
        transpile(make(value), BACKEND, optimization_level=level)


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_each_pass_refuses(value: float) -> None:
    one = QuantumCircuit(1)
    one.rz(value, 0)
    two = QuantumCircuit(2)
    two.cp(value, 0, 1)
    rzz = QuantumCircuit(2)
    rzz.rzz(value, 0, 1)
    for pass_, circuit in [(SquashToRRz(), one), (SynthesizeRZZ(), two), (NormalizeRZZ(), rzz)]:
        with pytest.raises(TranspilerError, match="non-finite"):
            pass_.run(circuit_to_dag(circuit))


def test_finite_custom_gates_still_translate() -> None:
    """The check costs nothing to correct circuits: the same shapes with finite angles pass."""
    for make in (_one_qubit_nan, _two_qubit_nan, _rzz_nan, _in_a_block):
        out = transpile(make(0.3), BACKEND, optimization_level=1)
        assert set(out.count_ops()) <= {"r", "rz", "rzz", "measure", "if_else"}
