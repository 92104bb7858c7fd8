"""Build Qiskit :class:`~qiskit.transpiler.Target` objects for Nexus devices.

Quantinuum's native gates in Qiskit form:

=================  =========================  ===========================================
pytket ``OpType``  Qiskit instruction         note
=================  =========================  ===========================================
``Rz``             ``rz`` (:class:`RZGate`)    virtual on H-series
``PhasedX``        ``r``  (:class:`RGate`)     ``PhasedX(a, b) == R(π·a, π·b)``
``ZZPhase``        ``rzz`` (:class:`RZZGate`)  ``ZZPhase(a) == RZZ(π·a)``
``Measure``        ``measure``
``Reset``          ``reset``
=================  =========================  ===========================================

Other pytket gate names reported by a device (e.g. by Aer on Nexus) map to their Qiskit
equivalents; names with no Qiskit equivalent (``TK1``, ``TK2``, ``ZZMax``...) are skipped, since a
Qiskit circuit cannot use them anyway.  ``barrier`` is always accepted as a directive.

Control flow (dynamic circuits) is added according to what runs the circuit:

* every backend gets ``if_else`` and ``switch_case`` (:data:`CONDITIONAL_OPERATIONS`): Nexus
  devices run them as pytket conditional commands (see :mod:`qiskit_nexus_provider.encoding`),
  offline simulators with qiskit-aer;
* only backends that run Qiskit circuits themselves (the offline simulators) also get
  ``while_loop``, ``for_loop``, ``break_loop`` and ``continue_loop`` (:data:`LOOP_OPERATIONS`):
  a pytket circuit has no loops, so Nexus backends leave them out and ``run()`` refuses them
  before anything is uploaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from qiskit.circuit import (
    BreakLoopOp,
    ContinueLoopOp,
    ControlFlowOp,
    ForLoopOp,
    IfElseOp,
    Instruction,
    Measure,
    Parameter,
    Reset,
    SwitchCaseOp,
    WhileLoopOp,
)
from qiskit.circuit import library as lib
from qiskit.transpiler import Target

__all__ = [
    "CONDITIONAL_OPERATIONS",
    "LOOP_OPERATIONS",
    "NATIVE_GATE_SET",
    "QISKIT_DIRECTIVES",
    "build_target",
    "qiskit_instructions_for",
]

NATIVE_GATE_SET: tuple[str, ...] = ("Rz", "PhasedX", "ZZPhase", "Measure", "Reset")
"""pytket gate set of H-series devices that has a Qiskit form."""

QISKIT_DIRECTIVES = frozenset({"barrier", "store"})
"""Instructions every backend accepts although they are not in its Target: ``barrier`` and
``store`` (a classical assignment, which Qiskit's transpiler keeps without a Target entry; Nexus
devices run it as a pytket ``ClExpr``, offline simulators on qiskit-aer)."""

CONDITIONAL_OPERATIONS: dict[str, type[ControlFlowOp]] = {
    "if_else": IfElseOp,
    "switch_case": SwitchCaseOp,
}
"""Control flow every backend accepts: branches on measurement outcomes (feed-forward)."""

LOOP_OPERATIONS: dict[str, type[ControlFlowOp]] = {
    "while_loop": WhileLoopOp,
    "for_loop": ForLoopOp,
    "break_loop": BreakLoopOp,
    "continue_loop": ContinueLoopOp,
}
"""Control flow only backends running Qiskit circuits themselves accept (no pytket form)."""

_THETA, _PHI, _LAM = Parameter("θ"), Parameter("φ"), Parameter("λ")


def _pytket_to_qiskit() -> dict[str, Instruction]:
    t, p, lam = _THETA, _PHI, _LAM
    return {
        "Rz": lib.RZGate(lam),
        "PhasedX": lib.RGate(t, p),
        "ZZPhase": lib.RZZGate(t),
        "Measure": Measure(),
        "Reset": Reset(),
        "Rx": lib.RXGate(t),
        "Ry": lib.RYGate(t),
        "H": lib.HGate(),
        "X": lib.XGate(),
        "Y": lib.YGate(),
        "Z": lib.ZGate(),
        "S": lib.SGate(),
        "Sdg": lib.SdgGate(),
        "T": lib.TGate(),
        "Tdg": lib.TdgGate(),
        "V": lib.SXGate(),
        "Vdg": lib.SXdgGate(),
        "SX": lib.SXGate(),
        "SXdg": lib.SXdgGate(),
        "U1": lib.PhaseGate(lam),
        "U2": lib.U2Gate(p, lam),
        "U3": lib.UGate(t, p, lam),
        "CX": lib.CXGate(),
        "CY": lib.CYGate(),
        "CZ": lib.CZGate(),
        "CH": lib.CHGate(),
        "CRz": lib.CRZGate(t),
        "CRx": lib.CRXGate(t),
        "CRy": lib.CRYGate(t),
        "CU1": lib.CPhaseGate(t),
        "CU3": lib.CU3Gate(t, p, lam),  # pytket CU3 has no phase: not CUGate
        "SWAP": lib.SwapGate(),
        "CCX": lib.CCXGate(),
        "CSWAP": lib.CSwapGate(),
        "ECR": lib.ECRGate(),
        "XXPhase": lib.RXXGate(t),
        "YYPhase": lib.RYYGate(t),
        "noop": lib.IGate(),
    }


_PYTKET_TO_QISKIT = _pytket_to_qiskit()


def qiskit_instructions_for(gate_set: Iterable[str]) -> list[Instruction]:
    """Qiskit instructions for the pytket ``OpType`` names in ``gate_set`` (others skipped)."""
    seen: set[str] = set()
    out: list[Instruction] = []
    for name in gate_set:
        inst = _PYTKET_TO_QISKIT.get(name)
        if inst is not None and inst.name not in seen:
            seen.add(inst.name)
            out.append(inst)
    return out


def build_target(
    num_qubits: int,
    gate_set: Iterable[str] = NATIVE_GATE_SET,
    *,
    coupling: Sequence[tuple[int, int]] | None = None,
    description: str | None = None,
    loops: bool = False,
) -> Target:
    """Build a :class:`~qiskit.transpiler.Target` for a Nexus device.

    Args:
        num_qubits: number of qubits.
        gate_set: pytket ``OpType`` names the device accepts (see the module table).
        coupling: pairs of coupled qubits; ``None`` means all-to-all (every H-series device).
            Couplings are made symmetric.
        description: free text stored on the target.
        loops: also accept the loop instructions of :data:`LOOP_OPERATIONS` (only for backends
            that run Qiskit circuits, i.e. the offline simulators).

    Returns:
        A target whose operations are the Qiskit forms of ``gate_set``, plus ``if_else`` and
        ``switch_case`` (and the loops if asked), valid on every qubit.
    """
    if num_qubits < 1:
        raise ValueError(f"A target needs at least one qubit, got {num_qubits}.")
    target = Target(description=description, num_qubits=num_qubits)
    pairs: dict[tuple[int, ...], None] | None = None
    if coupling is not None:
        pairs = {}
        for a, b in coupling:
            pairs[(a, b)] = None
            pairs[(b, a)] = None
    for inst in qiskit_instructions_for(gate_set):
        if pairs is not None and inst.num_qubits == 2:
            target.add_instruction(inst, dict(pairs))
        elif pairs is not None and inst.num_qubits == 1:
            target.add_instruction(inst, {(q,): None for q in range(num_qubits)})
        else:
            # None: valid on every qubit (tuple) of the right width, i.e. all-to-all.
            target.add_instruction(inst, None)
    control_flow = {**CONDITIONAL_OPERATIONS, **(LOOP_OPERATIONS if loops else {})}
    for name, op_class in control_flow.items():
        target.add_instruction(op_class, name=name)
    return target
