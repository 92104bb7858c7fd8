"""Order comparisons in conditions reach Helios as QIR ``icmp`` predicates, which the emulator
runs (all ten of LLVM's integer predicates).

Before: ``expr.less(m, 2)`` (pytket-qir: ``icmp ult``) was refused by the emulator at upload
('unsupported comparison IntPredicate.ULT'), so ``expression_conditions`` of the dynamic-circuit
set ran offline and on H-series but not on Helios.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit.classical import expr

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.emulator.qir_program import run_program, translate

SHOTS = 1600
FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}

# (name, Qiskit condition on the 3-bit register m, the same on the integer value of m)
CONDITIONS: list[tuple[str, Callable[[ClassicalRegister], expr.Expr], Callable[[int], bool]]] = [
    ("less", lambda m: expr.less(m, 3), lambda v: v < 3),
    ("less_equal", lambda m: expr.less_equal(m, 2), lambda v: v <= 2),
    ("greater", lambda m: expr.greater(m, 4), lambda v: v > 4),
    ("greater_equal", lambda m: expr.greater_equal(m, 5), lambda v: v >= 5),
    ("constant_first", lambda m: expr.less(3, m), lambda v: v > 3),
    ("not_less", lambda m: expr.logic_not(expr.less(m, 6)), lambda v: not v < 6),
    ("between", lambda m: expr.logic_and(expr.greater(m, 1), expr.less(m, 6)), lambda v: 1 < v < 6),
]


def _circuit(condition: Callable[[ClassicalRegister], expr.Expr]) -> QuantumCircuit:
    """m := three fair coins; o := condition(m)."""
    m, o = ClassicalRegister(3, "m"), ClassicalRegister(1, "o")
    qc = QuantumCircuit(QuantumRegister(4, "q"), m, o)
    qc.h([0, 1, 2])
    qc.measure([0, 1, 2], m)
    with qc.if_test(condition(m)):
        qc.x(3)
    qc.measure(3, o[0])
    return qc


@pytest.mark.parametrize(("name", "condition", "truth"), CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_order_comparisons_on_helios(
    remote: NexusProvider, name: str, condition: Callable, truth: Callable[[int], bool]
) -> None:
    """For each of the 8 values of m, the majority of its shots has o == truth(m)."""
    backend = remote.get_backend("Helios-1E-lite")
    qc = _circuit(condition)
    counts = backend.run(transpile(qc, backend), shots=SHOTS, **FAST).result().get_counts()
    for value in range(8):
        m_key = format(value, "03b")
        right = counts.get(f"{int(truth(value))} {m_key}", 0)
        wrong = counts.get(f"{int(not truth(value))} {m_key}", 0)
        assert right > 5 * wrong, (name, value, counts)
        assert right > SHOTS / 8 / 2, (name, value, counts)


PROGRAM = """; v := a measured coin (0 or 1); a := v PREDICATE 1; b := v PREDICATE -1 (all ones)
@0 = internal constant [2 x i8] c"v\\00"
@1 = internal constant [2 x i8] c"a\\00"
@2 = internal constant [2 x i8] c"b\\00"

define void @main() #0 {
entry:
  call void @__quantum__qis__h__body(ptr null)
  call void @__quantum__qis__mz__body(ptr null, ptr null)
  %0 = call i1 @__quantum__qis__read_result__body(ptr null)
  %1 = zext i1 %0 to i64
  %2 = icmp PREDICATE i64 %1, 1
  %3 = icmp PREDICATE i64 %1, -1
  call void @__quantum__rt__int_record_output(i64 %1, ptr @0)
  call void @__quantum__rt__bool_record_output(i1 %2, ptr @1)
  call void @__quantum__rt__bool_record_output(i1 %3, ptr @2)
  ret void
}

declare void @__quantum__qis__h__body(ptr)
declare void @__quantum__qis__mz__body(ptr, ptr)
declare i1 @__quantum__qis__read_result__body(ptr)
declare void @__quantum__rt__int_record_output(i64, ptr)
declare void @__quantum__rt__bool_record_output(i1, ptr)

attributes #0 = { "entry_point" "qir_profiles"="adaptive_profile" "required_num_qubits"="1"
  "required_num_results"="3" "output_labeling_schema" }
"""

COMPARE = {
    "eq": operator.eq, "ne": operator.ne,
    "ult": operator.lt, "ule": operator.le, "ugt": operator.gt, "uge": operator.ge,
    "slt": operator.lt, "sle": operator.le, "sgt": operator.gt, "sge": operator.ge,
}  # fmt: skip


@pytest.mark.parametrize("predicate", list(COMPARE))
def test_every_integer_predicate(predicate: str) -> None:
    """Each shot's outputs are what LLVM's predicate gives: -1 is the largest unsigned value
    and a negative signed one, so the two orders differ on it."""
    program = translate(PROGRAM.replace("PREDICATE", predicate).encode())
    text = run_program(program, 200, seed=1)
    minus_one = -1 if predicate.startswith("s") else 2**64 - 1
    seen = set()
    shot: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if fields[0] == "OUTPUT":
            shot[fields[3]] = fields[2]
        elif fields[0] == "END":
            v = int(shot["v"])
            assert shot["a"] == str(COMPARE[predicate](v, 1)).lower(), (predicate, shot)
            assert shot["b"] == str(COMPARE[predicate](v, minus_one)).lower(), (predicate, shot)
            seen.add(v)
            shot = {}
    assert seen == {0, 1}
