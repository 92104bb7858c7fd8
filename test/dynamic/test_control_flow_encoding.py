"""Control flow → pytket JSON: the pytket meaning of what to_pytket_dict writes is Qiskit's.

Property tests build random dynamic circuits whose outcome is deterministic (data qubits are
basis states), encode them, let the emulator simulate the pytket JSON (conditionals and
classical operations with pytket's meaning), decode the result and compare with AerSimulator
on the Qiskit circuit.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from pytket import Circuit
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit.classical import expr
from qiskit_aer import AerSimulator

from qiskit_nexus_provider import CircuitValidationError
from qiskit_nexus_provider.emulator import conversion as conv
from qiskit_nexus_provider.emulator import simulation as sim
from qiskit_nexus_provider.emulator.devices import resolve_target
from qiskit_nexus_provider.encoding import bit_names, creg_sizes, decode_result, to_pytket_dict

AER = resolve_target({"type": "AerConfig", "seed": 1})


def _emulated_counts(qc: QuantumCircuit, shots: int) -> dict[str, int]:
    content = to_pytket_dict(qc)
    Circuit.from_dict(content)  # pytket loads it
    prepared = conv.prepare(content, AER)
    run = sim.run_batch(AER, [prepared], [shots])[0]
    assert run.result is not None, run.error
    counts, _ = decode_result(run.result, bit_names(qc), creg_sizes(qc))
    return counts


def _aer_counts(qc: QuantumCircuit, shots: int) -> dict[str, int]:
    counts: dict[str, int] = (
        AerSimulator().run(qc, shots=shots, seed_simulator=1).result().get_counts()
    )
    return counts


# ------------------------------------------------------------------------------------------
# random deterministic dynamic circuits

_N_DATA = 3


class _Builder:
    def __init__(self, draw: Any, data_bits: list[int]) -> None:
        self.draw = draw
        self.data = QuantumRegister(_N_DATA, "d")
        self.targets = QuantumRegister(2, "t")
        self.m = ClassicalRegister(_N_DATA, "m")
        self.k = ClassicalRegister(2, "k")
        self.out = ClassicalRegister(2, "out")
        self.qc = QuantumCircuit(self.data, self.targets, self.m, self.k, self.out)
        for i, bit in enumerate(data_bits):
            if bit:
                self.qc.x(self.data[i])
        self.qc.measure(self.data, self.m)
        self.qc.measure(self.data[:2], self.k)

    def condition(self, depth: int = 0) -> Any:
        d, m, k = self.draw, self.m, self.k
        kind = d(st.sampled_from(["bit", "register", "expr"]))
        if kind == "bit":
            return (d(st.sampled_from(list(m) + list(k))), d(st.booleans()))
        if kind == "register":
            reg = d(st.sampled_from([m, k]))
            return (reg, d(st.integers(0, (1 << len(reg)) - 1)))
        return self.bool_expr(depth)

    def bool_expr(self, depth: int) -> expr.Expr:
        d, m, k = self.draw, self.m, self.k
        # (No expr.index: qiskit-aer, the reference, cannot evaluate it.)
        leaves = ["bit", "eq", "lt", "ge", "ne", "masked", "not_reg"]
        ops = ["not", "and", "or", "xor", "bit_and", "bit_or", "eqb"] if depth < 2 else []
        kind = d(st.sampled_from(leaves + ops))
        if kind == "bit":
            return expr.lift(d(st.sampled_from(list(m) + list(k))))
        if kind in ("eq", "lt", "ge", "ne"):
            reg = d(st.sampled_from([m, k]))
            value = d(st.integers(0, (1 << len(reg)) - 1))
            fn = {"eq": expr.equal, "lt": expr.less, "ge": expr.greater_equal}.get(
                kind, expr.not_equal
            )
            return fn(reg, value)
        if kind == "masked":
            mask = d(st.integers(1, 7))
            return expr.equal(expr.bit_and(m, mask), d(st.integers(0, 7)) & mask)
        if kind == "not_reg":
            return expr.less_equal(expr.bit_not(k), d(st.integers(0, 3)))
        if kind == "not":
            return expr.logic_not(self.bool_expr(depth + 1))
        left, right = self.bool_expr(depth + 1), self.bool_expr(depth + 1)
        fn = {
            "and": expr.logic_and,
            "or": expr.logic_or,
            "xor": expr.bit_xor,
            "bit_and": expr.bit_and,
            "bit_or": expr.bit_or,
            "eqb": expr.equal,
        }[kind]
        return fn(left, right)

    def body(self, depth: int) -> None:
        d, qc = self.draw, self.qc
        for _ in range(d(st.integers(1, 3))):
            # (No store inside blocks: qiskit-aer 0.18, the reference, runs a store in the true
            # branch of an if_test whatever the condition.  Stores come between statements.)
            action = d(st.sampled_from(["x", "x", "measure", "nest"] if depth < 2 else ["x"]))
            if action == "x":
                qc.x(self.targets[d(st.integers(0, 1))])
            elif action == "measure":
                # Writes a bit that conditions may read (evaluated once, on entry).
                qc.measure(self.targets[d(st.integers(0, 1))], self.m[d(st.integers(0, 2))])
            else:
                self.statement(depth + 1)

    def statement(self, depth: int) -> None:
        d, qc = self.draw, self.qc
        kind = d(st.sampled_from(["if", "if_else", "switch"]))
        if kind == "switch":
            reg = d(st.sampled_from([self.m, self.k]))
            values = list(range(1 << len(reg)))
            with qc.switch(reg) as case:
                used: set[int] = set()
                for _ in range(d(st.integers(1, 3))):
                    chosen = d(st.sets(st.sampled_from(values), min_size=1, max_size=2))
                    chosen -= used
                    if not chosen:
                        continue
                    used |= chosen
                    with case(*sorted(chosen)):
                        self.body(depth)
                if d(st.booleans()):
                    with case(case.DEFAULT):
                        self.body(depth)
            return
        with qc.if_test(self.condition(depth)) as else_:
            self.body(depth)
        if kind == "if_else":
            with else_:
                self.body(depth)


@st.composite
def dynamic_circuits(draw: Any) -> QuantumCircuit:
    builder = _Builder(draw, draw(st.lists(st.integers(0, 1), min_size=3, max_size=3)))
    for _ in range(draw(st.integers(1, 3))):
        builder.statement(0)
        if draw(st.booleans()):
            # A classical write (a ClExpr, or a scratch bit and CopyBits into a register read).
            builder.qc.store(builder.m[draw(st.integers(0, 2))], builder.bool_expr(1))
    builder.qc.measure(builder.targets, builder.out)
    return builder.qc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dynamic_circuits())
def test_random_dynamic_circuits_mean_what_qiskit_means(qc: QuantumCircuit) -> None:
    from qiskit import qasm3

    note(qasm3.dumps(qc))
    assert _emulated_counts(qc, 4) == _aer_counts(qc, 4)


# ------------------------------------------------------------------------------------------
# shapes of the JSON


def _commands(qc: QuantumCircuit) -> list[dict[str, Any]]:
    commands: list[dict[str, Any]] = to_pytket_dict(qc)["commands"]
    return commands


def test_clbit_condition_is_a_plain_conditional() -> None:
    qc = QuantumCircuit(2, 1)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    conditional = _commands(qc)[-1]
    assert conditional == {
        "args": [["c", [0]], ["q", [1]]],
        "op": {"conditional": {"op": {"type": "X"}, "value": 1, "width": 1}, "type": "Conditional"},
    }


def test_register_condition_uses_little_endian_value() -> None:
    qc = QuantumCircuit(QuantumRegister(1, "q"), ClassicalRegister(2, "r"))
    qc.measure(0, 1)
    with qc.if_test((qc.cregs[0], 2)):
        qc.x(0)
    op = _commands(qc)[-1]["op"]
    assert op["conditional"]["value"] == 2 and op["conditional"]["width"] == 2


def test_expression_goes_through_a_scratch_bit() -> None:
    qc = QuantumCircuit(2, 2)
    qc.measure([0, 1], [0, 1])
    with qc.if_test(expr.logic_and(qc.clbits[0], expr.logic_not(qc.clbits[1]))):
        qc.x(1)
    content = to_pytket_dict(qc)
    kinds = [c["op"]["type"] for c in content["commands"]]
    assert kinds[-2:] == ["ClExpr", "Conditional"]
    assert ["tk_SCRATCH_BIT", [0]] in content["bits"]
    assert bit_names(qc) == [("c", 0), ("c", 1)] or len(bit_names(qc)) == 2


def test_condition_written_by_its_block_is_evaluated_once() -> None:
    qc = QuantumCircuit(2, 1)
    qc.x(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.measure(1, 0)  # c[0] becomes 0 ...
        qc.x(1)  # ... but this still runs
    qc.measure(1, 0)
    assert _emulated_counts(qc, 5) == _aer_counts(qc, 5) == {"1": 5}


@pytest.mark.parametrize(
    "build",
    [
        lambda qc: expr.equal(expr.add(qc.cregs[0], 1), 2) if hasattr(expr, "add") else None,
        lambda qc: expr.equal(expr.shift_left(qc.cregs[0], 1), 2),
    ],
)
def test_expression_without_pytket_form_is_refused(build: Any) -> None:
    qc = QuantumCircuit(1, 2)
    qc.measure(0, 0)
    condition = build(qc)
    if condition is None:
        pytest.skip("this Qiskit has no expr.add")
    with qc.if_test(condition):
        qc.x(0)
    with pytest.raises(CircuitValidationError, match="no exact pytket form"):
        to_pytket_dict(qc)


def test_loops_are_refused_by_the_encoder() -> None:
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    with qc.while_loop((qc.clbits[0], 1)):
        qc.x(0)
        qc.measure(0, 0)
    with pytest.raises(CircuitValidationError, match=r"while_loop.*no loops"):
        to_pytket_dict(qc)


def test_fallback_inside_blocks_writes_no_circbox_and_compiles_for_h1() -> None:
    """A block the fast encoder leaves to qiskit_to_tk (a unitary): conditional gates, which a
    TKET compile job for H1-1E keeps (conditional Phase ops included)."""
    import numpy as np
    from qiskit.circuit.library import UnitaryGate

    from qiskit_nexus_provider.emulator.compilation import compile_circuit

    qc = QuantumCircuit(2, 2)
    qc.x(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.append(UnitaryGate(np.array([[0, 1], [1, 0]])), [1])
    qc.measure(1, 1)
    content = to_pytket_dict(qc)
    kinds = {c["op"]["type"] for c in content["commands"]}
    inner = {
        c["op"]["conditional"]["op"]["type"]
        for c in content["commands"]
        if c["op"]["type"] == "Conditional"
    }
    assert "CircBox" not in kinds | inner
    h1 = resolve_target({"type": "QuantinuumConfig", "device_name": "H1-1E"})
    for level in (0, 2):
        compiled = compile_circuit(content, h1, level)
        assert any(c["op"]["type"] == "Conditional" for c in compiled["commands"])
        prepared = conv.prepare(compiled, AER)
        run = sim.run_batch(AER, [prepared], [5])[0]
        assert run.result is not None
        counts, _ = decode_result(run.result, bit_names(qc), creg_sizes(qc))
        assert counts == {"11": 5}


def test_noisy_device_misreads_dynamic_circuits_and_feeds_the_misread_forward() -> None:
    """Readout errors of an emulated device apply to dynamic circuits too (written into the
    circuit, as qiskit-aer's ReadoutError fails on circuits with store), before feed-forward."""
    target = resolve_target(
        {
            "type": "QuantinuumConfig",
            "device_name": "H1-1E",
            "error_params": {"p1": 0.0, "p2": 0.0, "p_meas": 0.2},
        }
    )
    assert target.noise is not None and target.noise.p_meas0 == pytest.approx(0.2)
    qc = QuantumCircuit(2, 2)
    qc.x(0)
    qc.measure(0, 0)
    with qc.if_test(expr.logic_and(qc.clbits[0], expr.logic_not(qc.clbits[1]))):
        qc.x(1)  # follows the bit as read
    qc.measure(1, 1)
    from qiskit import transpile

    from qiskit_nexus_provider.target import build_target

    native = transpile(qc, target=build_target(2), optimization_level=0)
    content = to_pytket_dict(native)
    assert any(c["op"]["type"] == "ClExpr" for c in content["commands"])
    prepared = conv.prepare(content, target)
    shots = 2000
    run = sim.run_batch(target, [prepared], [shots])[0]
    assert run.result is not None, run.error
    counts, _ = decode_result(run.result, bit_names(qc), creg_sizes(qc))
    read_one = sum(v for k, v in counts.items() if k[-1] == "1") / shots
    agree = sum(v for k, v in counts.items() if k[0] == k[-1]) / shots
    # P(read 1) = 0.8; the second bit copies the first read, then is misread with p = 0.2.
    assert 0.75 < read_one < 0.85
    assert 0.75 < agree < 0.85


def test_box_inside_a_block_keeps_the_guard() -> None:
    qc = QuantumCircuit(2, 2)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 0)), qc.box():
        qc.x(1)
    assert _commands(qc)[-1] == {
        "args": [["c", [0]], ["q", [1]]],
        "op": {"conditional": {"op": {"type": "X"}, "value": 0, "width": 1}, "type": "Conditional"},
    }


@pytest.mark.parametrize("device", ["H1-1E", "aer"])
@pytest.mark.parametrize("level", [0, 2])
def test_tket_compile_jobs_keep_dynamic_circuits(device: str, level: int) -> None:
    """Compile jobs keep conditionals and classical operations (Aer's gate set lists no
    ClExpr, yet Aer runs it), and the compiled circuits mean the same."""
    from dynamic_circuits import CIRCUITS, aer_counts, total_variation, tvd_bound
    from qiskit import transpile

    from qiskit_nexus_provider.emulator.compilation import compile_circuit
    from qiskit_nexus_provider.target import build_target

    config = (
        {"type": "AerConfig"}
        if device == "aer"
        else {"type": "QuantinuumConfig", "device_name": device}
    )
    target = resolve_target(config)
    shots = 2000
    for name, build in CIRCUITS.items():
        qc = build()
        native = transpile(qc, target=build_target(4), optimization_level=0)
        compiled = compile_circuit(to_pytket_dict(native), target, level)
        run = sim.run_batch(AER, [conv.prepare(compiled, AER)], [shots])[0]
        assert run.result is not None, (name, run.error)
        counts, _ = decode_result(run.result, bit_names(qc), creg_sizes(qc))
        reference = aer_counts(qc, shots, 1)
        assert total_variation(counts, reference) < tvd_bound(len(reference), shots), name


def test_store_inside_blocks_is_conditional() -> None:
    """A store in a block runs only when the block does (the emulator does not rely on
    qiskit-aer for this: it runs a store in a true branch whatever the condition)."""
    qc = QuantumCircuit(1, 4)
    qc.x(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 0)) as else_:
        qc.store(qc.clbits[1], True)  # not run
    with else_:
        qc.store(qc.clbits[2], expr.logic_not(qc.clbits[1]))  # run
    with qc.if_test(expr.equal(qc.cregs[0], 5)):
        qc.store(qc.clbits[3], expr.less(qc.cregs[0], 6))  # run; writes a bit it reads
    assert _emulated_counts(qc, 5) == {"1101": 5}


@pytest.mark.parametrize(
    "op",
    [
        {
            "type": "ClExpr",
            "expr": {
                "bit_posn": [],
                "reg_posn": [],
                "output_posn": [1],
                "expr": {
                    "op": "BitNot",
                    "args": [
                        {
                            "type": "term",
                            "input": {"type": "var", "term": {"type": "bit", "var": {"index": 3}}},
                        }
                    ],
                },
            },
        },
        {
            "type": "ClExpr",
            "expr": {
                "bit_posn": [[0, 0]],
                "reg_posn": [],
                "output_posn": [1],
                "expr": {"op": "RegAdd", "args": []},
            },
        },
        {"type": "Conditional", "conditional": {"op": {"type": "X"}, "width": 5, "value": 1}},
        {"type": "SetBits", "classical": {"values": [True, False, True]}},
    ],
)
def test_malformed_or_unsupported_classical_commands_are_circuit_errors(op: dict) -> None:
    content = {
        "bits": [["c", [0]], ["c", [1]]],
        "qubits": [["q", [0]]],
        "commands": [
            {"args": [["q", [0]], ["c", [0]]], "op": {"type": "Measure"}},
            {"args": [["c", [0]], ["c", [1]]], "op": op},
        ],
        "implicit_permutation": [[["q", [0]], ["q", [0]]]],
        "phase": "0.0",
    }
    with pytest.raises(conv.CircuitError):
        conv.prepare(content, AER)


def test_encoded_dynamic_circuits_convert_to_qir() -> None:
    """What to_pytket_dict writes for dynamic circuits loads in pytket and converts to QIR
    (Helios jobs go through pytket-qir)."""
    from dynamic_circuits import CIRCUITS
    from pytket.qir import QIRFormat, pytket_to_qir
    from qiskit import transpile

    from qiskit_nexus_provider.target import build_target

    for name, build in CIRCUITS.items():
        native = transpile(build(), target=build_target(4), optimization_level=0)
        circuit = Circuit.from_dict(to_pytket_dict(native))
        qir = pytket_to_qir(circuit, name=name, qir_format=QIRFormat.STRING)
        assert isinstance(qir, str) and "__quantum__qis__" in qir, name
