"""The dynamic circuits every backend is checked on, and distribution helpers."""

from __future__ import annotations

import math
from collections.abc import Callable

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit.classical import expr
from qiskit_aer import AerSimulator


def teleportation(theta: float = 2.0) -> QuantumCircuit:
    """Teleport ry(theta)|0> from qubit 0 to qubit 2; c[2] reads it."""
    qc = QuantumCircuit(3, 3, name="teleportation")
    qc.ry(theta, 0)
    qc.h(1)
    qc.cx(1, 2)
    qc.cx(0, 1)
    qc.h(0)
    qc.measure(0, 0)
    qc.measure(1, 1)
    with qc.if_test((qc.clbits[1], 1)):
        qc.x(2)
    with qc.if_test((qc.clbits[0], 1)):
        qc.z(2)
    qc.measure(2, 2)
    return qc


def active_reset() -> QuantumCircuit:
    """Measure, flip back to 0 on a 1, measure again: c[1] is always 0."""
    qc = QuantumCircuit(2, 3, name="active_reset")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(0)
        qc.x(1)
    qc.measure(0, 1)
    qc.measure(1, 2)
    return qc


def register_condition() -> QuantumCircuit:
    """A condition on a whole register's value: x on qubit 2 when m == 0b11."""
    q = QuantumRegister(3, "q")
    m = ClassicalRegister(2, "m")
    out = ClassicalRegister(1, "out")
    qc = QuantumCircuit(q, m, out, name="register_condition")
    qc.h([0, 1])
    qc.measure([0, 1], m)
    with qc.if_test((m, 3)):
        qc.x(2)
    qc.measure(2, out[0])
    return qc


def if_else() -> QuantumCircuit:
    """Both branches: x when c[0] is 1, ry(1.2) otherwise."""
    qc = QuantumCircuit(2, 2, name="if_else")
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)) as else_:
        qc.x(1)
    with else_:
        qc.ry(1.2, 1)
    qc.measure(1, 1)
    return qc


def switch() -> QuantumCircuit:
    """A switch on a 2-bit register with a multi-value case and a default."""
    q = QuantumRegister(3, "q")
    m = ClassicalRegister(2, "m")
    out = ClassicalRegister(1, "out")
    qc = QuantumCircuit(q, m, out, name="switch")
    qc.h([0, 1])
    qc.measure([0, 1], m)
    with qc.switch(m) as case:
        with case(0):
            qc.x(2)
        with case(1, 2):
            qc.ry(1.0, 2)
        with case(case.DEFAULT):
            qc.ry(2.5, 2)
    qc.measure(2, out[0])
    return qc


def expression_conditions() -> QuantumCircuit:
    """Conditions that are classical expressions: and, or, xor, not, ==, <, bitwise ops."""
    q = QuantumRegister(4, "q")
    m = ClassicalRegister(3, "m")
    out = ClassicalRegister(3, "out")
    qc = QuantumCircuit(q, m, out, name="expressions")
    qc.h([0, 1, 2])
    qc.measure([0, 1, 2], m)
    with qc.if_test(expr.logic_and(m[0], expr.logic_not(m[1]))):
        qc.x(3)
    qc.measure(3, out[0])
    qc.reset(3)
    with qc.if_test(expr.logic_or(expr.less(m, 2), expr.bit_xor(m[1], m[2]))):
        qc.x(3)
    qc.measure(3, out[1])
    qc.reset(3)
    with qc.if_test(
        expr.logic_and(expr.equal(expr.bit_and(m, 6), 6), expr.not_equal(expr.bit_not(m), 0))
    ):
        qc.x(3)
    qc.measure(3, out[2])
    return qc


def repeat_until_success() -> QuantumCircuit:
    """Nested repeat-until-success: up to three tries to measure 0 from an h|0>."""
    qc = QuantumCircuit(1, 1, name="repeat_until_success")
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.reset(0)
        qc.h(0)
        qc.measure(0, 0)
        with qc.if_test((qc.clbits[0], 1)):
            qc.reset(0)
            qc.h(0)
            qc.measure(0, 0)
    return qc


def branch_register() -> QuantumCircuit:
    """A register written only in one branch (its bits read 0 in the other)."""
    q = QuantumRegister(2, "q")
    c = ClassicalRegister(1, "c")
    late = ClassicalRegister(2, "late")
    qc = QuantumCircuit(q, c, late, name="branch_register")
    qc.h(0)
    qc.x(1)
    qc.measure(0, c[0])
    with qc.if_test((c[0], 1)):
        qc.measure(1, late[1])
    return qc


def while_loop() -> QuantumCircuit:
    """Repeat until a 0 is measured (a real loop: offline backends only)."""
    qc = QuantumCircuit(1, 1, name="while_loop")
    qc.h(0)
    qc.measure(0, 0)
    with qc.while_loop((qc.clbits[0], 1)):
        qc.reset(0)
        qc.h(0)
        qc.measure(0, 0)
    return qc


CIRCUITS: dict[str, Callable[[], QuantumCircuit]] = {
    "teleportation": teleportation,
    "active_reset": active_reset,
    "register_condition": register_condition,
    "if_else": if_else,
    "switch": switch,
    "expression_conditions": expression_conditions,
    "repeat_until_success": repeat_until_success,
    "branch_register": branch_register,
}
"""Circuits every backend runs (no loops)."""


def aer_counts(qc: QuantumCircuit, shots: int, seed: int) -> dict[str, int]:
    """Counts of ``qc`` on a plain ``AerSimulator`` (the reference)."""
    result = AerSimulator().run(qc, shots=shots, seed_simulator=seed).result()
    counts: dict[str, int] = result.get_counts()
    return counts


def total_variation(a: dict[str, int], b: dict[str, int]) -> float:
    """Total-variation distance between two count distributions."""
    na, nb = sum(a.values()), sum(b.values())
    keys = set(a) | set(b)
    return 0.5 * sum(abs(a.get(k, 0) / na - b.get(k, 0) / nb) for k in keys)


def tvd_bound(n_outcomes: int, shots: int) -> float:
    """A bound two samples of ``shots`` from one distribution exceed with tiny probability.

    The expected TVD of two empirical distributions over ``k`` outcomes is about
    ``sqrt(k / (2 pi n)) * sqrt(2)``; four times that is never reached in practice.
    """
    return 4 * math.sqrt(n_outcomes / (math.pi * shots))
