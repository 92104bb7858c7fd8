"""Rewrite the Qiskit standard gates pytket has no op for into gates it has.

pytket has an op for most of Qiskit's standard gates (the table in
:mod:`.gates`).  For the rest, :func:`expand_standard_gates` substitutes
Qiskit's own definition of the gate (``Gate.definition``), recursively, until
only gates of the table remain, and adds each definition's global phase to the
circuit's: the unitary of the rewritten circuit equals Qiskit's
:class:`~qiskit.quantum_info.Operator` of the original, global phase included.

============================  =================================================
Qiskit standard gate          written as
============================  =================================================
``dcx``, ``rzx``, ``rccx``,   Qiskit's definition (``cx``, ``h``, ``rz``,
``rcccx``, ``c3sx``,          ``t``, ``cp``, ``ry``, ``s``, ``sx``, ...)
``xx_plus_yy``,
``xx_minus_yy``
``global_phase``              added to the circuit's global phase
``cu`` with ``gamma != 0``    ``cu(theta, phi, lam, 0)`` then ``p(gamma)`` on
                              the control
``delay``                     dropped: pytket circuits (and Quantinuum
                              devices) have no timed idle
============================  =================================================

Control-flow blocks are rewritten the same way.  Gates that are not standard
(custom gates, ``unitary``, ``initialize``, gates with open controls, ...)
are left as they are.
"""

from __future__ import annotations

from typing import Any

from qiskit.circuit import CircuitInstruction, ControlFlowOp, Delay, QuantumCircuit
from qiskit.circuit.library import CUGate, PhaseGate

from .gates import GATES

__all__ = ["expand_standard_gates", "needs_expansion"]

# Recursion guard: Qiskit's definitions of these gates are at most three deep.
_MAX_DEPTH = 16


def needs_expansion(inst: CircuitInstruction) -> bool:
    """Whether ``inst`` is a standard gate (or ``delay``) pytket has no op for.

    Args:
        inst: One instruction of a circuit.

    Returns:
        True for the gates rewritten by :func:`expand_standard_gates`.
    """
    op = inst.operation
    if isinstance(op, Delay):
        return True
    if not inst.is_standard_gate():
        return False
    if inst.name not in GATES:
        return True
    return inst.name == "cu" and _nonzero(inst.params[3])


def _nonzero(value: Any) -> bool:
    try:
        return bool(value != 0)
    except TypeError:  # a symbolic expression: let the encoder reject it
        return True


def _expand(inst: CircuitInstruction, out: list[CircuitInstruction], depth: int = 0) -> Any:
    """Append ``inst`` rewritten to ``out``; return the global phase it adds."""
    op = inst.operation
    if isinstance(op, ControlFlowOp):
        blocks = [_expand_circuit(block) for block in op.blocks]
        if any(new is not old for new, old in zip(blocks, op.blocks, strict=True)):
            inst = inst.replace(operation=op.replace_blocks(blocks))
        out.append(inst)
        return 0.0
    if not needs_expansion(inst):
        out.append(inst)
        return 0.0
    if isinstance(op, Delay):
        return 0.0
    if inst.name == "cu":
        theta, phi, lam, gamma = inst.params
        out.append(inst.replace(operation=CUGate(theta, phi, lam, 0.0)))
        out.append(CircuitInstruction(PhaseGate(gamma), (inst.qubits[0],)))
        return 0.0
    definition = op.definition
    if definition is None or depth > _MAX_DEPTH:  # not reached for Qiskit's gates
        out.append(inst)
        return 0.0
    qubit_of = dict(zip(definition.qubits, inst.qubits, strict=True))
    phase: Any = definition.global_phase
    for inner in definition.data:
        mapped = inner.replace(qubits=tuple(qubit_of[q] for q in inner.qubits))
        phase = phase + _expand(mapped, out, depth + 1)
    return phase


def _expand_circuit(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` itself when nothing needs rewriting, else a rewritten copy."""
    if not any(
        needs_expansion(inst) or isinstance(inst.operation, ControlFlowOp) for inst in circuit.data
    ):
        return circuit
    data: list[CircuitInstruction] = []
    phase: Any = 0.0
    for inst in circuit.data:
        phase = phase + _expand(inst, data)
    if len(data) == len(circuit.data) and all(
        new is old for new, old in zip(data, circuit.data, strict=True)
    ):
        return circuit
    out = circuit.copy_empty_like()
    out.global_phase = circuit.global_phase + phase
    for inst in data:
        out._append(inst)
    return out


def expand_standard_gates(circuit: QuantumCircuit) -> QuantumCircuit | None:
    """Rewrite the standard gates pytket has no op for (see the module docs).

    Args:
        circuit: The circuit to rewrite; not modified.

    Returns:
        A new circuit with the same registers, bits, name and metadata whose
        unitary equals ``circuit``'s (global phase included), or ``None`` if
        ``circuit`` has no such gate.
    """
    out = _expand_circuit(circuit)
    return None if out is circuit else out
