"""A ``store`` inside control flow runs only when its block runs, on the offline simulators.

qiskit-aer 0.18 alone runs such stores unconditionally when the block acts on no qubit (see
:mod:`qiskit_nexus_provider.backends.aer_stores`); these circuits are exactly that case.  Each
circuit comes with its exact outcome distribution, worked out by hand in its docstring.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from dynamic_circuits import total_variation, tvd_bound
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit.classical import expr
from qiskit_aer import AerSimulator

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.backends.aer_stores import (
    has_conditional_store,
    pin_conditional_stores,
)

SHOTS = 4000


def clbit_condition() -> tuple[QuantumCircuit, dict[str, float]]:
    """c1 := 1 when c0 (a fair coin) is 1: c1 == c0."""
    qc = QuantumCircuit(1, 2)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.store(qc.clbits[1], True)
    return qc, {"00": 0.5, "11": 0.5}


def expression_if_else() -> tuple[QuantumCircuit, dict[str, float]]:
    """Two coins c0, c1; if c0 AND c1: c2 := 1 else c3 := 1."""
    qc = QuantumCircuit(2, 4)
    qc.h([0, 1])
    qc.measure([0, 1], [0, 1])
    with qc.if_test(expr.logic_and(qc.clbits[0], qc.clbits[1])) as else_:
        qc.store(qc.clbits[2], True)
    with else_:
        qc.store(qc.clbits[3], True)
    return qc, {"1000": 0.25, "1001": 0.25, "1010": 0.25, "0111": 0.25}


def register_store() -> tuple[QuantumCircuit, dict[str, float]]:
    """Coin m; if m == 1: r := 5 (register of 3 bits), and r := r ^ 3 in both cases after."""
    qc = QuantumCircuit(QuantumRegister(1, "q"), ClassicalRegister(1, "m"))
    r = ClassicalRegister(3, "r")
    qc.add_register(r)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test(expr.equal(qc.clbits[0], True)):
        qc.store(r, 5)
    qc.store(r, expr.bit_xor(r, 3))
    return qc, {"110 1": 0.5, "011 0": 0.5}


def switch_cases() -> tuple[QuantumCircuit, dict[str, float]]:
    """Two coins as a register k; case 0: out := 1, case 1 or 2: out := 2, default: out := 3."""
    k = ClassicalRegister(2, "k")
    out = ClassicalRegister(2, "out")
    qc = QuantumCircuit(QuantumRegister(2, "q"), k, out)
    qc.h([0, 1])
    qc.measure([0, 1], k)
    with qc.switch(k) as case:
        with case(0):
            qc.store(out, 1)
        with case(1, 2):
            qc.store(out, 2)
        with case(case.DEFAULT):
            qc.store(out, 3)
    return qc, {"01 00": 0.25, "10 01": 0.25, "10 10": 0.25, "11 11": 0.25}


def nested() -> tuple[QuantumCircuit, dict[str, float]]:
    """Coins c0, c1; if c0: (if c1: c2 := 1 else c3 := 1)."""
    qc = QuantumCircuit(2, 4)
    qc.h([0, 1])
    qc.measure([0, 1], [0, 1])
    with qc.if_test((qc.clbits[0], 1)):
        with qc.if_test((qc.clbits[1], 1)) as else_:
            qc.store(qc.clbits[2], True)
        with else_:
            qc.store(qc.clbits[3], True)
    return qc, {"0000": 0.25, "0010": 0.25, "1001": 0.25, "0111": 0.25}


def while_store() -> tuple[QuantumCircuit, dict[str, float]]:
    """Coin c0; while c0: (c0 := 0; c1 := 1): ends with c0 == 0 and c1 == the coin."""
    qc = QuantumCircuit(1, 2)
    qc.h(0)
    qc.measure(0, 0)
    with qc.while_loop((qc.clbits[0], 1)):
        qc.store(qc.clbits[0], False)
        qc.store(qc.clbits[1], True)
    return qc, {"00": 0.5, "10": 0.5}


CASES: dict[str, Callable[[], tuple[QuantumCircuit, dict[str, float]]]] = {
    "clbit_condition": clbit_condition,
    "expression_if_else": expression_if_else,
    "register_store": register_store,
    "switch_cases": switch_cases,
    "nested": nested,
    "while_store": while_store,
}


def _expected(probabilities: dict[str, float]) -> dict[str, int]:
    return {key: round(p * SHOTS) for key, p in probabilities.items()}


def test_aer_alone_runs_stores_of_untaken_branches() -> None:
    """The reproduction: qiskit-aer 0.18 gets these circuits wrong without the provider's help.

    If this fails, qiskit-aer is fixed; pinning stays harmless and may then be dropped.
    """
    qc = QuantumCircuit(1, 2)
    qc.measure(0, 0)  # c0 = 0: the branch is not taken
    with qc.if_test((qc.clbits[0], 1)):
        qc.store(qc.clbits[1], True)
    assert AerSimulator().run(qc, shots=10).result().get_counts() == {"10": 10}
    fixed = AerSimulator().run(pin_conditional_stores(qc), shots=10).result().get_counts()
    assert fixed == {"00": 10}
    # Every if/else/switch case below is wrong on plain Aer; ``while_store`` never ends there
    # (the store that ends the loop runs after the loop), so it is left out.
    for name, make in CASES.items():
        if name != "while_store":
            circuit, probabilities = make()
            counts = AerSimulator().run(circuit, shots=SHOTS).result().get_counts()
            assert total_variation(counts, _expected(probabilities)) > 0.2, name


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("level", [0, 3])
def test_noiseless_offline_distribution_is_exact(
    provider: NexusProvider, name: str, level: int
) -> None:
    qc, probabilities = CASES[name]()
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=4)
    isa = transpile(qc, backend, optimization_level=level, seed_transpiler=1)
    counts = backend.run(isa, shots=SHOTS, seed_simulator=5).result().get_counts()
    assert set(counts) <= set(probabilities)
    assert total_variation(counts, _expected(probabilities)) < tvd_bound(len(probabilities), SHOTS)


@pytest.mark.parametrize("name", ["clbit_condition", "register_store", "nested", "switch_cases"])
def test_noisy_offline_dominant_outcome(provider: NexusProvider, name: str) -> None:
    """Coins fixed to 1 (X instead of H): one outcome, which must dominate under noise."""
    qc, _ = CASES[name]()
    deterministic = qc.copy_empty_like()
    for instruction in qc.data:
        if instruction.operation.name == "h":
            deterministic.x(instruction.qubits)
        else:
            deterministic.append(instruction)
    expected = {
        "clbit_condition": "11",
        "register_store": "110 1",
        "nested": "0111",
        "switch_cases": "11 11",
    }[name]
    backend = provider.get_backend("offline_simulator_noise", num_qubits=4)
    isa = transpile(deterministic, backend, seed_transpiler=1)
    counts = backend.run(isa, shots=500, seed_simulator=3).result().get_counts()
    assert max(counts, key=counts.__getitem__) == expected
    assert counts[expected] > 400


def test_pinning_leaves_other_circuits_alone() -> None:
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    qc.store(qc.clbits[1], True)  # a store, but not inside control flow
    assert not has_conditional_store(qc)
    assert pin_conditional_stores(qc) is qc
    pinned_input, _ = nested()
    assert has_conditional_store(pinned_input)
    pinned = pin_conditional_stores(pinned_input)
    assert pinned is not pinned_input
    assert pinned.num_qubits == pinned_input.num_qubits
    assert pinned.cregs == pinned_input.cregs


def test_executor_path_is_pinned_too(provider: NexusProvider) -> None:
    """The same fix when the batch runs on an executor (in parts)."""
    from concurrent.futures import ThreadPoolExecutor

    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=4)
    circuits = transpile([CASES[name]()[0] for name in CASES], backend, seed_transpiler=1)
    with ThreadPoolExecutor(2) as pool:
        result = backend.run(
            circuits, shots=SHOTS, seed_simulator=5, executor=pool, max_job_size=3
        ).result()
    for index, name in enumerate(CASES):
        probabilities = CASES[name]()[1]
        counts = result.get_counts(index)
        assert set(counts) <= set(probabilities), name
