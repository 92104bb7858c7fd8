"""Checks a batch of circuits against a backend before anything runs.

Each check raises :class:`.CircuitValidationError` naming the circuit (by index and name) and the
problem.  The checks use ``QuantumCircuit.count_ops()`` and a few attributes only, so they cost
microseconds per circuit.
"""

from __future__ import annotations

import cmath
import json
import numbers
from collections.abc import Iterable, Mapping, Sequence

from qiskit import QuantumCircuit
from qiskit.circuit import CONTROL_FLOW_OP_NAMES, ParameterExpression
from qiskit.transpiler import Target

from .exceptions import CircuitValidationError
from .target import LOOP_OPERATIONS, QISKIT_DIRECTIVES

__all__ = ["circuit_list", "operation_names", "validate_circuits"]


def circuit_list(run_input: object) -> list[QuantumCircuit]:
    """``run()``'s input as a list: one circuit, or the items of a sequence or iterable.

    Raises:
        TypeError: ``run_input`` is neither a circuit nor iterable (``None``, a number...), or
            is a string or a mapping (whose characters or keys are no circuits); the items
            themselves are checked by :func:`validate_circuits`.
    """
    if isinstance(run_input, QuantumCircuit):
        return [run_input]
    if isinstance(run_input, (str, bytes, Mapping)) or not isinstance(run_input, Iterable):
        raise TypeError(
            f"run() takes a QuantumCircuit or a list of QuantumCircuits, not a "
            f"{type(run_input).__name__}."
        )
    return list(run_input)


def _label(index: int, circuit: QuantumCircuit) -> str:
    return f"circuit {index} ({circuit.name!r})"


def operation_names(circuit: QuantumCircuit) -> set[str]:
    """Names of the instructions of ``circuit``, those inside control-flow blocks included."""
    names: set[str] = set()
    stack = [circuit]
    while stack:
        current = stack.pop()
        counts = current.count_ops()
        names.update(counts)
        if CONTROL_FLOW_OP_NAMES.isdisjoint(counts):
            continue  # no blocks: skip the walk, which builds a Python object per gate
        for instruction in current.data:
            if instruction.is_control_flow():
                stack.extend(instruction.operation.blocks)
    return names


def validate_circuits(
    circuits: Sequence[QuantumCircuit],
    target: Target,
    backend_name: str,
    also_allowed: frozenset[str] = frozenset(),
    width_hint: str = "",
) -> None:
    """Check that every circuit can run on a backend with ``target``.

    Args:
        circuits: The circuits to run.
        target: The backend's target (its instructions and width).
        backend_name: The backend, for messages.
        also_allowed: Instruction names accepted besides the target's (those the service
            compiles away, e.g. standard gates before a TKET compile job).
        width_hint: What to do about a circuit wider than the backend, appended to that error
            (an offline simulator can be built wider).

    Raises:
        CircuitValidationError: the list is empty; a circuit is wider than the backend, uses an
            instruction the target lacks (inside control-flow blocks too; loops on a backend
            without loops get their own message), has unbound parameters, a NaN or infinite
            parameter (named with its instruction), metadata that cannot be stored as JSON (named
            with its key), or measures nothing.
        TypeError: an item is not a :class:`~qiskit.QuantumCircuit`.
    """
    if len(circuits) == 0:
        raise CircuitValidationError("No circuits to run: the list of circuits is empty.")
    allowed = set(target.operation_names) | QISKIT_DIRECTIVES | also_allowed
    width = target.num_qubits or 0
    for index, circuit in enumerate(circuits):
        if not isinstance(circuit, QuantumCircuit):
            raise TypeError(f"Item {index} is a {type(circuit).__name__}, not a QuantumCircuit.")
        if circuit.num_qubits > width:
            raise CircuitValidationError(
                f"{_label(index, circuit)} uses {circuit.num_qubits} qubits but {backend_name} "
                f"has {width}.{width_hint and ' ' + width_hint}"
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
        _check_finite(index, circuit)
        _check_metadata(index, circuit)
        if "measure" not in ops:
            raise CircuitValidationError(
                f"{_label(index, circuit)} has no measurement, so it would return no counts; "
                "add measure() or measure_all()."
            )


def _finite(value: object) -> bool:
    if isinstance(value, ParameterExpression):
        if value.parameters:
            return True  # reported as unbound
        try:
            value = complex(value)
        except (TypeError, ValueError):
            return True
    if isinstance(value, numbers.Complex) and not isinstance(value, bool):
        return cmath.isfinite(complex(value))
    return True


def _check_finite(index: int, circuit: QuantumCircuit) -> None:
    """Refuse NaN and infinite gate parameters and global phase: they would run, silently wrong.

    Control-flow blocks are searched too (their instructions run as well); an instruction inside
    a block is named by its path, e.g. ``instruction 3 (if_else) block 0 instruction 1 (rz)``.
    """
    stack: list[tuple[str, QuantumCircuit]] = [("", circuit)]
    while stack:
        path, current = stack.pop()
        if not _finite(current.global_phase):
            where = f" in {path}" if path else ""
            raise CircuitValidationError(
                f"{_label(index, circuit)} has a non-finite global phase{where} "
                f"({current.global_phase})."
            )
        # ``CircuitInstruction.name``/``params``/``is_control_flow()`` read Qiskit's Rust data;
        # ``.operation`` would build a Python gate object for each standard gate.
        for position, instruction in enumerate(current.data):
            if instruction.is_control_flow():
                here = f"{path}instruction {position} ({instruction.name})"
                for number, block in enumerate(instruction.operation.blocks):
                    stack.append((f"{here} block {number} ", block))
                continue  # a control-flow op's params are its blocks (and loop indexes)
            for param in instruction.params:
                if type(param) is float:
                    if param - param == 0.0:  # fast path: NaN and +-inf give NaN
                        continue
                elif _finite(param):
                    continue
                here = f"{path}instruction {position} ({instruction.name})"
                raise CircuitValidationError(
                    f"{_label(index, circuit)}: {here} has the non-finite parameter {param}; "
                    "angles must be finite numbers."
                )


def _check_metadata(index: int, circuit: QuantumCircuit) -> None:
    """Metadata travels as JSON (the job store, the Nexus circuit properties): check it now."""
    metadata = circuit.metadata
    if not isinstance(metadata, dict):
        raise CircuitValidationError(
            f"{_label(index, circuit)} has metadata of type {type(metadata).__name__}; it must "
            "be a dict."
        )
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise CircuitValidationError(
                f"{_label(index, circuit)} has the metadata key {key!r}, which is not a string; "
                "metadata is stored as JSON."
            )
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise CircuitValidationError(
                f"{_label(index, circuit)} has metadata {key!r} that cannot be stored as JSON "
                f"({exc}); use str, int, float, bool, None, lists and dicts of them."
            ) from None
