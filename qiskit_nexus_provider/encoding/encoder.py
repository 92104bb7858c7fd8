"""Fast Qiskit circuit → pytket circuit JSON encoder.

:func:`to_pytket_dict` writes the JSON that ``qiskit_to_tk(circuit).to_dict()``
would write, without building pytket (or sympy) objects: it reads each
instruction's name, parameters and bits straight from ``circuit.data`` and looks
them up in precomputed tables.  Circuits it cannot encode exactly like
``qiskit_to_tk`` go to ``qiskit_to_tk`` itself.
"""

from __future__ import annotations

import logging
from typing import Any

from qiskit.circuit import (
    Barrier,
    ClassicalRegister,
    ControlFlowOp,
    Measure,
    QuantumCircuit,
    QuantumRegister,
    Reset,
    Store,
)
from qiskit.circuit.library import C3XGate, C4XGate, MCXGate

from .control_flow import ControlFlowEncoder, Guard
from .decompose import expand_standard_gates
from .gates import ANGLE_CACHES, GATES, UnsupportedAngleError, angle_miss, half_turns
from .units import unit_maps

__all__ = ["to_pytket_dict"]

logger = logging.getLogger(__name__)

_MCX_CLASSES = (MCXGate, C3XGate, C4XGate)

# Dispatch kinds for the hot loop.
_FIXED, _ONE, _TWO, _THREE, _NQB, _CU, _MEASURE, _RESET, _BARRIER = range(9)


def _kind(spec_name: str) -> int:
    spec = GATES[spec_name]
    if spec_name == "cu":
        return _CU
    if spec.n_qb:
        return _NQB
    return (_FIXED, _ONE, _TWO, _THREE)[len(spec.mods)]


_Entry = tuple[int, str, tuple[int, ...], dict[Any, str], dict[Any, str]]


def _entry(kind: int, optype: str, mods: tuple[int, ...]) -> _Entry:
    # The angle caches of the first two parameters ride along, so the hot loop
    # needs no further lookups.  (They are only ever cleared, never replaced.)
    first = ANGLE_CACHES[mods[0]] if mods else {}
    second = ANGLE_CACHES[mods[1]] if len(mods) > 1 else {}
    return (kind, optype, mods, first, second)


# name -> (kind, pytket type, parameter periods, first and second angle cache)
_TABLE: dict[str, _Entry] = {
    name: _entry(_kind(name), spec.optype, spec.mods) for name, spec in GATES.items()
}
_TABLE["measure"] = _entry(_MEASURE, "Measure", ())
_TABLE["reset"] = _entry(_RESET, "Reset", ())
_TABLE["barrier"] = _entry(_BARRIER, "Barrier", ())


class _Unsupported(Exception):
    """The fast path cannot encode this circuit; use qiskit_to_tk."""


def _mcx_command(operation: Any, qubits: tuple[Any, ...], qmap: dict[Any, Any]) -> dict[str, Any]:
    # A non-standard multi-controlled X (MCXGate, C4XGate) with every control
    # closed is CnX over all its qubits, as in qiskit_to_tk.
    if (
        not isinstance(operation, _MCX_CLASSES)
        or operation.ctrl_state != (1 << operation.num_ctrl_qubits) - 1
        or operation.num_qubits != len(qubits)
    ):
        raise _Unsupported("mcx variant")
    return {"args": [qmap[q] for q in qubits], "op": {"n_qb": len(qubits), "type": "CnX"}}


def _special_command(
    inst: Any, kind: int, qmap: dict[Any, Any], cmap: dict[Any, Any]
) -> dict[str, Any]:
    """Commands for measure, reset and barrier (checked to be the real thing)."""
    qubits = inst.qubits
    base = inst.operation.base_class
    if kind == _MEASURE and base is Measure:
        return {"args": [qmap[qubits[0]], cmap[inst.clbits[0]]], "op": {"type": "Measure"}}
    if kind == _RESET and base is Reset:
        return {"args": [qmap[qubits[0]]], "op": {"type": "Reset"}}
    if kind == _BARRIER and base is Barrier and qubits and not inst.clbits:
        return {
            "args": [qmap[q] for q in qubits],
            "op": {"data": "", "signature": ["Q"] * len(qubits), "type": "Barrier"},
        }
    raise _Unsupported(f"custom instruction named {inst.name!r}")


def _encode(circuit: QuantumCircuit) -> dict[str, Any]:
    """Encode ``circuit`` or raise :class:`_Unsupported`."""
    qunits, cunits = unit_maps(circuit)
    qmap = qunits.by_bit
    cmap = cunits.by_bit
    phase_text = half_turns(circuit.global_phase, 2)

    commands: list[dict[str, Any]] = []
    flow: list[ControlFlowEncoder] = []

    def control_flow(inst: Any, qm: dict[Any, Any], cm: dict[Any, Any], add: Any) -> None:
        if not flow:
            flow.append(ControlFlowEncoder(_emit, cunits.names | qunits.names))
        flow[0].encode(inst, qm, cm, add, Guard())

    _emit(circuit.data, qmap, cmap, commands.append, control_flow)
    bits = cunits.units
    if flow and flow[0].n_scratch:
        bits = sorted([*bits, *flow[0].scratch_units()], key=lambda unit: (unit[0], tuple(unit[1])))

    qubit_units = qunits.units
    return {
        "bits": bits,
        "commands": commands,
        "created_qubits": [],
        "discarded_qubits": [],
        "implicit_permutation": [[u, u] for u in qubit_units],
        "name": circuit.name,
        "phase": phase_text,
        "qubits": qubit_units,
    }


def _emit(
    data: Any,
    qmap: dict[Any, Any],
    cmap: dict[Any, Any],
    append: Any,
    control_flow: Any,
) -> None:
    """Append the commands of the instructions ``data``; ``control_flow(inst, qmap, cmap,
    append)`` writes control-flow instructions (see :mod:`.control_flow`)."""
    table_get = _TABLE.get
    # Argument lists are built once per distinct qubit tuple and shared by every
    # command on those qubits (the returned JSON shares these sub-lists).
    args_cache: dict[tuple[Any, ...], list[Any]] = {}
    args_get = args_cache.get

    for inst in data:
        entry = table_get(inst.name)
        if entry is None:
            if isinstance(inst.operation, (ControlFlowOp, Store)):
                control_flow(inst, qmap, cmap, append)
                continue
            raise _Unsupported(f"instruction {inst.name!r}")
        kind, optype, mods, cache0, cache1 = entry
        if kind >= _MEASURE:
            append(_special_command(inst, kind, qmap, cmap))
            continue
        if not inst.is_standard_gate():
            if optype != "CnX":
                raise _Unsupported(f"non-standard gate named {inst.name!r}")
            append(_mcx_command(inst.operation, inst.qubits, qmap))
            continue
        qubits = inst.qubits
        args = args_get(qubits)
        if args is None:
            args = args_cache[qubits] = [qmap[q] for q in qubits]
        if kind == _ONE:
            p0 = inst.params[0]
            s0 = cache0.get(p0)
            if s0 is None:
                s0 = angle_miss(p0, mods[0])
            append({"args": args, "op": {"params": [s0], "type": optype}})
        elif kind == _TWO:
            p0, p1 = inst.params
            s0 = cache0.get(p0)
            if s0 is None:
                s0 = angle_miss(p0, mods[0])
            s1 = cache1.get(p1)
            if s1 is None:
                s1 = angle_miss(p1, mods[1])
            append({"args": args, "op": {"params": [s0, s1], "type": optype}})
        elif kind == _FIXED:
            append({"args": args, "op": {"type": optype}})
        elif kind == _NQB:
            append({"args": args, "op": {"n_qb": len(qubits), "type": optype}})
        else:  # _THREE, _CU: U3-like, written with three parameters
            params = inst.params
            if kind == _CU and params[3] != 0:
                raise _Unsupported("cu gate with non-zero global phase parameter")
            # strict=False: cu's fourth parameter (0) is not written.
            strings = [half_turns(p, m) for p, m in zip(params, mods, strict=False)]
            append({"args": args, "op": {"params": strings, "type": optype}})


def _with_loose_bits_registered(circuit: QuantumCircuit) -> QuantumCircuit:
    """Copy of ``circuit`` whose registers are named as in :mod:`.units` (loose bits in
    registers of their own, quantum registers renamed away from classical names)."""
    qunits, cunits = unit_maps(circuit)
    if not qunits.loose and not cunits.loose and not qunits.renamed:
        return circuit
    if qunits.renamed:
        named = QuantumCircuit(
            circuit.qubits,
            circuit.clbits,
            name=circuit.name,
            global_phase=circuit.global_phase,
            metadata=circuit.metadata,
        )
        for qreg in circuit.qregs:
            name = qunits.renamed.get(qreg.name, qreg.name)
            named.add_register(QuantumRegister(name=name, bits=list(qreg)))
        for creg in circuit.cregs:
            named.add_register(creg)
        for instruction in circuit.data:
            named._append(instruction)
    else:
        named = circuit.copy()
    if qunits.loose and qunits.loose_name is not None:
        named.add_register(QuantumRegister(name=qunits.loose_name, bits=qunits.loose))
    if cunits.loose and cunits.loose_name is not None:
        named.add_register(ClassicalRegister(name=cunits.loose_name, bits=cunits.loose))
    return named


def _fallback(circuit: QuantumCircuit) -> dict[str, Any]:
    from pytket.extensions.qiskit import qiskit_to_tk

    converted = qiskit_to_tk(_with_loose_bits_registered(circuit))
    if any(isinstance(inst.operation, ControlFlowOp) for inst in circuit.data):
        # qiskit_to_tk writes each block as a conditional CircBox, which no H-series device
        # accepts; its decomposition is the same operations, each conditional.
        from pytket.passes import DecomposeBoxes

        DecomposeBoxes().apply(converted)
    result: dict[str, Any] = converted.to_dict()
    return result


def to_pytket_dict(circuit: QuantumCircuit) -> dict[str, Any]:
    """Encode a Qiskit circuit as pytket circuit JSON.

    The result is what ``qiskit_to_tk(circuit).to_dict()`` gives (see
    :mod:`pytket.extensions.qiskit`), up to the order of commands that act on
    disjoint units: the same units, the same op types, the same parameter strings
    (half-turns, reduced as pytket reduces them) and the same global phase.  It
    loads with :meth:`pytket.circuit.Circuit.from_dict` and can be uploaded to
    Nexus as is.

    The fast path handles circuits made of ``measure``, ``reset``, ``barrier``
    and the standard gates of :data:`~qiskit_nexus_provider.encoding.gates.GATES`
    (including ``rz``, ``r`` → ``PhasedX`` and ``rzz`` → ``ZZPhase``) with
    numeric parameters, and the control flow ``if_else`` and ``switch_case``
    around them: conditions on a clbit, on a register value or on a classical
    expression, nested, written as pytket ``Conditional`` commands and ``ClExpr``
    operations (see :mod:`qiskit_nexus_provider.encoding.control_flow`).  The
    other standard gates (``rzx``, ``rccx``, ``xx_plus_yy``, ``global_phase``,
    ...) are first rewritten into those, with the same unitary (see
    :mod:`qiskit_nexus_provider.encoding.decompose`).
    Anything else (unbound parameters, custom or opaque gates, ``unitary``,
    ``initialize``, ...) is converted with ``qiskit_to_tk`` instead, which is
    logged at DEBUG level; errors raised by ``qiskit_to_tk`` propagate.  (In a
    circuit with control flow, its conditional boxes are then decomposed.)

    Raises:
        CircuitValidationError: The circuit has a loop (``while_loop``,
            ``for_loop``: pytket circuits have none) or a condition pytket cannot
            express (arithmetic, shifts, standalone variables).

    Unit names follow ``qiskit_to_tk``; bits outside every register are named
    as described in :mod:`qiskit_nexus_provider.encoding.units`, on both paths.
    :func:`~qiskit_nexus_provider.encoding.bit_names` gives the pytket bit of
    each Qiskit clbit.

    Args:
        circuit: The circuit to encode.

    Returns:
        A JSON-serialisable dict.  For speed, commands on the same qubits share
        one ``args`` list and all unit ids are shared lists; deep-copy the
        result before mutating it.
    """
    try:
        return _encode(circuit)
    except (_Unsupported, UnsupportedAngleError) as exc:
        reason: Exception = exc
    # Standard gates pytket has no op for (rzx, rccx, ...): rewritten exactly.
    expanded = expand_standard_gates(circuit)
    if expanded is not None:
        try:
            return _encode(expanded)
        except (_Unsupported, UnsupportedAngleError) as exc:
            circuit, reason = expanded, exc
    logger.debug(
        "to_pytket_dict(%r): falling back to qiskit_to_tk: %s",
        circuit.name,
        reason,
    )
    return _fallback(circuit)
