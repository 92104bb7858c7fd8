"""Nested conditions on Helios: pytket-qir converts only conditions on one bit or one whole
register, and the encoding conditions the commands of an inner ``if_test`` on the outer and the
inner bits together.

Before: every nested ``if_test`` (and every store nested in two conditions) was refused for
Helios ('conditional can only work with one entire register'), while offline and H-series ran it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from pytket import Circuit
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.encoding import to_pytket_dict
from qiskit_nexus_provider.encoding.qir import single_register_conditions, to_qir

SHOTS = 1600
FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}


def nested_bits() -> QuantumCircuit:
    """c0, c1 coins; c2 := c0 and c1 (x inside two nested ifs)."""
    qc = QuantumCircuit(3, 3, name="nested_bits")
    qc.h([0, 1])
    qc.measure([0, 1], [0, 1])
    with qc.if_test((qc.clbits[0], 1)), qc.if_test((qc.clbits[1], 1)):
        qc.x(2)
    qc.measure(2, 2)
    return qc


def else_nested() -> QuantumCircuit:
    """c2 := c0 or not c1 (the inner condition is on 0, in the else branch)."""
    qc = QuantumCircuit(3, 3, name="else_nested")
    qc.h([0, 1])
    qc.measure([0, 1], [0, 1])
    with qc.if_test((qc.clbits[0], 1)) as else_:
        qc.x(2)
    with else_, qc.if_test((qc.clbits[1], 0)):
        qc.x(2)
    qc.measure(2, 2)
    return qc


def register_in_bit() -> QuantumCircuit:
    """Coins a (1 bit), m (2 bits); o := a and m == 2 (a register condition nested in a bit
    condition), written into register o."""
    a, m, o = ClassicalRegister(1, "a"), ClassicalRegister(2, "m"), ClassicalRegister(1, "o")
    qc = QuantumCircuit(QuantumRegister(4, "q"), a, m, o, name="register_in_bit")
    qc.h([0, 1, 2])
    qc.measure(0, a[0])
    qc.measure([1, 2], m)
    with qc.if_test((a, 1)), qc.if_test((m, 2)):
        qc.x(3)
    qc.measure(3, o[0])
    return qc


# circuit, the coins' clbit indexes, the output's clbit index, output from coin values
CASES: list[tuple[Callable[[], QuantumCircuit], list[int], int, Callable[..., int]]] = [
    (nested_bits, [0, 1], 2, lambda c0, c1: c0 & c1),
    (else_nested, [0, 1], 2, lambda c0, c1: c0 | (1 - c1)),
    (register_in_bit, [0, 1, 2], 3, lambda a, m0, m1: a & (m0 == 0) & (m1 == 1)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0].__name__ for c in CASES])
def test_nested_conditions_run_on_helios(remote: NexusProvider, case) -> None:
    make, coins, output, truth = case
    backend = remote.get_backend("Helios-1E-lite")
    qc = make()
    result = backend.run(transpile(qc, backend), shots=SHOTS, memory=True, **FAST).result()
    right: dict[tuple[int, ...], int] = {}
    wrong: dict[tuple[int, ...], int] = {}
    for shot in result.get_memory():
        bits = shot.replace(" ", "")[::-1]  # bits[i] is clbit i
        values = tuple(int(bits[i]) for i in coins)
        tally = right if int(bits[output]) == truth(*values) else wrong
        tally[values] = tally.get(values, 0) + 1
    assert len(right) == 2 ** len(coins), right  # every coin outcome seen
    for values, n in right.items():
        assert n > 5 * wrong.get(values, 0), (values, right, wrong)


@pytest.mark.parametrize("case", CASES, ids=[c[0].__name__ for c in CASES])
def test_every_condition_is_one_bit_or_one_register(case) -> None:
    data = single_register_conditions(to_pytket_dict(case[0]()))
    circuit = Circuit.from_dict(json.loads(json.dumps(data)))
    for command in circuit.get_commands():
        if command.op.type.name == "Conditional":
            bits = command.args[: command.op.width]
            assert len({b.reg_name for b in bits}) == 1
    assert to_qir(case[0]())  # pytket-qir converts it


def test_circuits_without_nested_conditions_are_left_alone() -> None:
    qc = QuantumCircuit(QuantumRegister(2), ClassicalRegister(2, "m"))
    qc.h(0)
    qc.measure([0, 1], [0, 1])
    with qc.if_test((qc.cregs[0], 1)):
        qc.x(1)
    data = to_pytket_dict(qc)
    assert single_register_conditions(data) is data
