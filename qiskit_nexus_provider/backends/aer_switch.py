"""Switches on classical expressions, rewritten as ``if_else`` chains for Aer.

Aer runs ``switch_case`` on a clbit or a register but not on a classical expression
(``AerError: jump condition does not support ... Binary``), while Qiskit, the offline targets
and the Nexus path all accept it.  A switch is a chain of equality tests, and a classical
expression has no side effects, so ``switch(e)`` with cases ``v1, v2 -> A``, ``DEFAULT -> B`` is
exactly ``if e == v1 or e == v2: A else: B``.
"""

from __future__ import annotations

from qiskit.circuit import ControlFlowOp, IfElseOp, QuantumCircuit, SwitchCaseOp
from qiskit.circuit.classical import expr, types
from qiskit.circuit.controlflow.switch_case import CASE_DEFAULT

__all__ = ["switches_for_aer"]


def switches_for_aer(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` with every switch on an expression (in blocks too) as an ``if_else`` chain.

    Returns ``circuit`` itself when it has no control flow (the common case costs a scan).
    """
    if not any(isinstance(i.operation, ControlFlowOp) for i in circuit.data):
        return circuit
    out = circuit.copy_empty_like()
    for instruction in circuit.data:
        op = instruction.operation
        if isinstance(op, ControlFlowOp):
            op = op.replace_blocks([switches_for_aer(block) for block in op.blocks])
            if isinstance(op, SwitchCaseOp) and isinstance(op.target, expr.Expr):
                op = _as_if_chain(op)
        out._append(instruction.replace(operation=op))
    return out


def _case_test(target: expr.Expr, value: object) -> expr.Expr:
    """``target == value``; a Bool target (whose cases Qiskit stores as 0 and 1) is tested as
    itself or its negation, since Qiskit has no equality between Bool and an integer."""
    if target.type.kind is types.Bool:
        return target if value else expr.logic_not(target)
    return expr.equal(target, value)


def _as_if_chain(op: SwitchCaseOp) -> IfElseOp:
    cases = list(op.cases_specifier())
    default = next((block for values, block in cases if CASE_DEFAULT in values), None)
    chain: QuantumCircuit | None = default
    result: IfElseOp | None = None
    for values, block in reversed([(v, b) for v, b in cases if CASE_DEFAULT not in v]):
        tests = [_case_test(op.target, value) for value in values]
        condition = tests[0]
        for test in tests[1:]:
            condition = expr.logic_or(condition, test)
        result = IfElseOp(condition, block, chain)
        wrapper = block.copy_empty_like()
        wrapper.append(result, wrapper.qubits, wrapper.clbits)
        chain = wrapper
    if result is None:  # only a default case: it always runs
        assert default is not None
        result = IfElseOp(expr.equal(op.target, op.target), default, None)
    return result
