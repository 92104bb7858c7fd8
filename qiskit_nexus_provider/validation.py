"""Checks a batch of circuits against a backend before anything runs.

Each check raises :class:`.CircuitValidationError` naming the circuit (by index and name) and the
problem.  The checks use ``QuantumCircuit.count_ops()`` and a few attributes only, so they cost
microseconds per circuit.
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit import QuantumCircuit
from qiskit.transpiler import Target

from .exceptions import CircuitValidationError
from .target import LOOP_OPERATIONS, QISKIT_DIRECTIVES

__all__ = ["operation_names", "validate_circuits"]


def _label(index: int, circuit: QuantumCircuit) -> str:
    return f"circuit {index} ({circuit.name!r})"


def operation_names(circuit: QuantumCircuit) -> set[str]:
    """Names of the instructions of ``circuit``, those inside control-flow blocks included."""
    names: set[str] = set()
    stack = [circuit]
    while stack:
        current = stack.pop()
        names.update(current.count_ops())
        for instruction in current.data:
            blocks = getattr(instruction.operation, "blocks", ())
            if blocks:
                stack.extend(blocks)
    return names


def validate_circuits(
    circuits: Sequence[QuantumCircuit], target: Target, backend_name: str
) -> None:
    """Check that every circuit can run on a backend with ``target``.

    Raises:
        CircuitValidationError: the list is empty; a circuit is wider than the backend, uses an
            instruction the target lacks (inside control-flow blocks too; loops on a backend
            without loops get their own message), has unbound parameters, or measures nothing.
        TypeError: an item is not a :class:`~qiskit.QuantumCircuit`.
    """
    if len(circuits) == 0:
        raise CircuitValidationError("No circuits to run: the list of circuits is empty.")
    allowed = set(target.operation_names) | QISKIT_DIRECTIVES
    width = target.num_qubits or 0
    for index, circuit in enumerate(circuits):
        if not isinstance(circuit, QuantumCircuit):
            raise TypeError(f"Item {index} is a {type(circuit).__name__}, not a QuantumCircuit.")
        if circuit.num_qubits > width:
            raise CircuitValidationError(
                f"{_label(index, circuit)} uses {circuit.num_qubits} qubits but {backend_name} "
                f"has {width}."
            )
        ops = operation_names(circuit)
        unsupported = sorted(ops - allowed)
        loops = [name for name in unsupported if name in LOOP_OPERATIONS]
        if loops:
            raise CircuitValidationError(
                f"{_label(index, circuit)} uses {', '.join(loops)}, which {backend_name} cannot "
                "run: a pytket circuit for a Nexus device has no loops.  Run it on an offline "
                "simulator, or unroll the loop (a for_loop over a fixed range, or a while_loop "
                "written as nested if_test blocks)."
            )
        if unsupported:
            raise CircuitValidationError(
                f"{_label(index, circuit)} uses instruction(s) {', '.join(unsupported)} that "
                f"{backend_name} does not support (it accepts {', '.join(sorted(allowed))}). "
                "Transpile first: transpile(circuit, backend)."
            )
        if circuit.num_parameters:
            names = ", ".join(sorted(p.name for p in circuit.parameters)[:5])
            raise CircuitValidationError(
                f"{_label(index, circuit)} has {circuit.num_parameters} unbound parameter(s) "
                f"({names}); bind them with assign_parameters() first."
            )
        if "measure" not in ops:
            raise CircuitValidationError(
                f"{_label(index, circuit)} has no measurement, so it would return no counts; "
                "add measure() or measure_all()."
            )
