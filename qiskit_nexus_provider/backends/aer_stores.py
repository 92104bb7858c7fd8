"""Classical ``store`` inside control flow, made safe for qiskit-aer.

qiskit-aer 0.18 runs a ``store`` placed inside an ``if_test``/``if_else`` branch, a ``switch``
case or a loop body *even when that branch is not taken*, whenever the control-flow operation
acts on no qubit (a block that only writes classical data, such as
``with qc.if_test(cond): qc.store(bit, True)``).  Cause: Aer inlines control flow as
``jump``/``mark`` instructions on the operation's qubits (on all qubits when it has none) and
its ``store`` on the block's qubits and clbits; with no qubit in common, Aer's own circuit
rewriting (a DAG round trip) moves the ``store`` after the block's end mark, so it runs
unconditionally.  Blocks that act on a qubit keep their stores in place.

:func:`pin_conditional_stores` gives every control-flow operation that holds a ``store``
(directly or in a nested block, in any branch or case) and acts on no qubit one idle qubit of
the enclosing circuit, so Aer keeps its stores inside the block.  The qubit is only a wire: no
operation is applied to it, so the circuit means exactly what it meant (and keeps meaning it
once Aer is fixed).  Circuits without such a store are returned as they are, at the cost of
one ``has_control_flow_op()`` check.

Decision: for these circuits the offline simulators' counts are the *correct* ones and so
differ from ``AerSimulator().run(circuit)``'s, which are wrong (checked by
``test/dynamic/test_aer_stores.py`` against the same circuits with the store lowered by hand).
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit.circuit import ControlFlowOp, QuantumCircuit, Qubit, Store

__all__ = ["has_conditional_store", "pin_conditional_stores", "prepare_for_aer"]


def _has_store(block: QuantumCircuit) -> bool:
    for instruction in block.data:
        operation = instruction.operation
        if isinstance(operation, Store):
            return True
        if isinstance(operation, ControlFlowOp) and any(_has_store(b) for b in operation.blocks):
            return True
    return False


def has_conditional_store(circuit: QuantumCircuit) -> bool:
    """Whether ``circuit`` has a ``store`` inside a control-flow block (at any depth)."""
    if not circuit.has_control_flow_op():
        return False
    return any(
        isinstance(instruction.operation, ControlFlowOp)
        and any(_has_store(b) for b in instruction.operation.blocks)
        for instruction in circuit.data
    )


def _with_idle_qubit(block: QuantumCircuit) -> QuantumCircuit:
    """``block`` with one more qubit, last, on which nothing acts."""
    widened = block.copy_empty_like()
    widened.add_bits([Qubit()])
    for instruction in block.data:
        widened._append(instruction)
    return widened


def pin_conditional_stores(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` with each qubit-less control-flow operation holding a ``store`` on a qubit.

    Args:
        circuit: any circuit (its blocks are processed recursively: ``if``/``else`` branches,
            ``switch`` cases including the default, loop bodies).

    Returns:
        ``circuit`` itself when it has no ``store`` inside control flow (or no qubit to pin
        to); otherwise a new circuit, equal in meaning, with the same name, registers,
        variables and metadata, where each such operation also acts on the enclosing block's
        first qubit (through an idle qubit added to each of its blocks).
    """
    if not circuit.qubits or not has_conditional_store(circuit):
        return circuit
    return _pin(circuit)


def _pin(circuit: QuantumCircuit) -> QuantumCircuit:
    pinned = circuit.copy_empty_like()
    for instruction in circuit.data:
        operation = instruction.operation
        if not (
            isinstance(operation, ControlFlowOp) and any(_has_store(b) for b in operation.blocks)
        ):
            pinned._append(instruction)
            continue
        qubits = tuple(instruction.qubits)
        blocks = list(operation.blocks)
        if not qubits:
            qubits = (circuit.qubits[0],)
            blocks = [_with_idle_qubit(b) for b in blocks]
        blocks = [_pin(b) for b in blocks]
        pinned._append(operation.replace_blocks(blocks), qubits, tuple(instruction.clbits))
    return pinned


def prepare_for_aer(circuits: Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
    """:func:`pin_conditional_stores` applied to each circuit of a batch (a new list)."""
    return [pin_conditional_stores(circuit) for circuit in circuits]
