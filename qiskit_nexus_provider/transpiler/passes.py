r"""Transpiler passes that shape circuits for the Quantinuum native gate set.

The native gates of an H-series device, in Qiskit form, are ``rz`` (virtual, free), ``r``
(PhasedX, a physical single-qubit gate) and ``rzz`` (ZZPhase, the physical two-qubit gate).  The
passes here rewrite a circuit so that

* every two-qubit gate becomes the fewest ``rzz`` gates possible
  (:class:`SynthesizeRZZ`: one for ``cx``/``cz``/``cp``/``rxx``..., three for ``swap``);
* every ``rzz`` angle lies in :math:`[-\pi/2, \pi/2]` (:class:`NormalizeRZZ`), which is exact up to
  ``rz(π)`` corrections on both qubits: :math:`R_{ZZ}(\theta \pm \pi) = \mp i\,(R_Z(\pi) \otimes
  R_Z(\pi))\,R_{ZZ}(\theta)`;
* between two-qubit gates, each qubit carries at most one ``r`` with :math:`\theta \in [0, \pi]`,
  :math:`\phi \in (-\pi, \pi]`, and the ``rz`` gates are pushed forward through ``rzz`` (they
  commute), through ``r`` (changing its phase: :math:`R(\theta, \phi) R_Z(\alpha) = R_Z(\alpha)
  R(\theta, \phi - \alpha)`) and through measurements, so that each qubit ends with at most one
  ``rz`` with an angle in :math:`(-\pi, \pi]` (:class:`SquashToRRz`).

Every rewrite is exact: the circuit's unitary, global phase included, is unchanged (up to
floating-point rounding), except where a measurement or a reset makes a gate unobservable (see
:class:`SquashToRRz`).

Each pass also rewrites the blocks of control-flow operations (``if_else``, ``switch_case``,
loops), recursively, so dynamic circuits get native gates inside their blocks too.  A block is
rewritten on its own: nothing moves into or out of a block.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from qiskit.circuit import Gate, QuantumCircuit, Qubit
from qiskit.circuit.library import RGate, RZGate, RZZGate
from qiskit.converters import circuit_to_dag, dag_to_circuit
from qiskit.dagcircuit import DAGCircuit, DAGOpNode
from qiskit.quantum_info import Operator
from qiskit.synthesis import OneQubitEulerDecomposer, TwoQubitControlledUDecomposer
from qiskit.transpiler.basepasses import TransformationPass
from qiskit.transpiler.exceptions import TranspilerError

__all__ = [
    "ANGLE_ATOL",
    "NormalizeRZZ",
    "SquashToRRz",
    "SynthesizeRZZ",
    "wrap_angle",
]

logger = logging.getLogger(__name__)

ANGLE_ATOL = 1e-10
"""Angles (and rotation sizes) below this are treated as zero: the gate is left out."""

_ZYZ = OneQubitEulerDecomposer(basis="ZYZ")
_UNCHANGED = DAGCircuit()
"""Marker of a gate :class:`SynthesizeRZZ` leaves alone."""
_IDENTITY = np.eye(2, dtype=complex)
_SWAP = np.eye(4, dtype=complex)[[0, 2, 1, 3]]


def wrap_angle(angle: float) -> float:
    r"""Return ``angle`` moved by a multiple of :math:`2\pi` into :math:`(-\pi, \pi]`."""
    wrapped = math.remainder(angle, 2 * math.pi)  # in [-π, π]
    return math.pi if wrapped <= -math.pi else wrapped


def _rewrite_blocks(run: Callable[[DAGCircuit], DAGCircuit], dag: DAGCircuit) -> None:
    """Apply ``run`` to the blocks of every control-flow operation of ``dag`` (recursively,
    since ``run`` does the same on each block)."""
    for node in dag.op_nodes():
        if not node.is_control_flow():
            continue
        blocks = [
            dag_to_circuit(run(circuit_to_dag(block)), copy_operations=False)
            for block in node.op.blocks
        ]
        dag.substitute_node(node, node.op.replace_blocks(blocks))


def _refuse_non_finite(node: DAGOpNode) -> None:
    """Raise for a gate whose matrix or angle holds NaN or infinity.

    Such a gate (``rz(nan)`` from a custom gate's definition, where Qiskit's own checks do not
    look) has no meaning; the passes would otherwise merge it into nothing, and a circuit that
    should have been refused would run.
    """
    params = ", ".join(str(p) for p in node.params)
    raise TranspilerError(
        f"Gate {node.name}({params}) on {len(node.qargs)} qubit(s) has a non-finite angle or "
        "matrix (NaN or infinity); angles must be finite numbers."
    )


def _r(theta: float, phi: float) -> np.ndarray:
    cos, sin = math.cos(theta / 2), math.sin(theta / 2)
    return np.array(
        [[cos, -1j * np.exp(-1j * phi) * sin], [-1j * np.exp(1j * phi) * sin, cos]], dtype=complex
    )


def _single_qubit_matrix(node: DAGOpNode) -> np.ndarray | None:
    """The 2×2 matrix of a bound single-qubit gate node, or ``None`` if it is not one."""
    if (
        node.num_qubits != 1
        or node.num_clbits != 0
        or node.is_directive()
        or node.is_control_flow()
        or node.is_parameterized()
    ):
        return None
    matrix = node.matrix  # None for measure, reset, delay and gates without a matrix
    if matrix is None:
        if node.name in ("measure", "reset", "delay") or not isinstance(node.op, Gate):
            return None
        try:
            matrix = Operator(node.op).data  # a custom gate with a definition
        except Exception:  # no matrix and no definition: leave the gate alone
            return None
    matrix = np.asarray(matrix, dtype=complex)
    if not np.isfinite(matrix).all():
        _refuse_non_finite(node)
    return matrix


def _bound_angle(node: DAGOpNode) -> float | None:
    """The angle of a one-parameter gate node if it is bound, else ``None``."""
    if node.is_parameterized():
        return None
    angle = float(node.params[0])
    if not math.isfinite(angle):
        _refuse_non_finite(node)
    return angle


def _two_qubit_matrix(circuit: QuantumCircuit) -> np.ndarray:
    """The 4×4 matrix of a two-qubit circuit of bound gates (faster than ``Operator``)."""
    total = np.eye(4, dtype=complex) * np.exp(1j * float(circuit.global_phase))
    for instruction in circuit.data:
        gate = np.asarray(instruction.operation.to_matrix(), dtype=complex)
        indices = [circuit.find_bit(q).index for q in instruction.qubits]
        if len(indices) == 1:
            # Qiskit's order: qubit 0 is the least significant index of the 4×4 matrix.
            full = np.zeros((4, 4), dtype=complex)
            if indices[0] == 0:
                full[:2, :2] = full[2:, 2:] = gate
            else:
                full[0::2, 0::2] = full[1::2, 1::2] = gate
            gate = full
        elif indices == [1, 0]:
            gate = _SWAP @ gate @ _SWAP
        total = gate @ total
    return total


def _negated_rzz(theta: Any) -> tuple[RZZGate, float]:
    r"""``RZZ(-θ)`` and the global phase that keeps a bound angle in :math:`(-\pi, \pi]`."""
    negated = -theta
    if not _is_number(negated):
        return RZZGate(negated), 0.0
    wrapped = wrap_angle(float(negated))
    # R_ZZ(θ - 2πk) = (-1)^k R_ZZ(θ)
    turns = round((float(negated) - wrapped) / (2 * math.pi))
    return RZZGate(wrapped), math.pi * (turns % 2)


class SynthesizeRZZ(TransformationPass):
    r"""Replace each bound two-qubit gate by the fewest ``rzz`` gates and single-qubit gates.

    Each gate other than ``rzz`` acting on two qubits (``cx``, ``cz``, ``cp``, ``swap``, ``rxx``,
    ``iswap``, a two-qubit ``unitary``...) is re-synthesised from its matrix with Qiskit's
    :class:`~qiskit.synthesis.TwoQubitControlledUDecomposer` on :class:`.RZZGate`: the number of
    ``rzz`` gates equals the number of non-zero coordinates of the gate in the Weyl chamber,
    which is the minimum (one for every controlled rotation, two for ``iswap``, three for
    ``swap``).  The single-qubit gates it adds (``ry``, ``rz``) are left for
    :class:`SquashToRRz`.  Each synthesis is checked against the gate's matrix, global phase
    included; gates it does not reproduce within ``atol``, and gates with unbound parameters, are
    left to the basis translator.

    Args:
        atol: largest entry-wise difference accepted between the synthesised and the original
            matrix.

    Raises:
        TranspilerError: a gate has a NaN or infinite angle or matrix (:meth:`run`).
    """

    def __init__(self, atol: float = ANGLE_ATOL) -> None:
        super().__init__()
        self.atol = atol
        self._decomposer = TwoQubitControlledUDecomposer(RZZGate, euler_basis="ZYZ")

    def run(self, dag: DAGCircuit) -> DAGCircuit:
        """Run the pass on ``dag`` (and on its control-flow blocks)."""
        _rewrite_blocks(self.run, dag)
        cache: dict[tuple[str, tuple[float, ...]], DAGCircuit] = {}
        for node in dag.op_nodes():
            if (
                node.num_qubits != 2
                or node.num_clbits != 0
                or node.name == "rzz"
                or node.is_directive()
                or node.is_control_flow()
                or not isinstance(node.op, Gate)
                or node.is_parameterized()
            ):
                continue
            # Standard gates are cached by name and angles; others (unitary...) are not.
            key = (node.name, tuple(float(p) for p in node.params))
            cacheable = node.is_standard_gate()
            replacement = cache.get(key) if cacheable else None
            if replacement is None:
                matrix = node.matrix
                if matrix is None:
                    try:
                        matrix = Operator(node.op).data
                    except Exception:  # opaque gate: nothing to synthesise from
                        continue
                matrix = np.asarray(matrix, dtype=complex)
                if not np.isfinite(matrix).all():
                    _refuse_non_finite(node)
                replacement = self._synthesize(matrix)
                if cacheable:
                    cache[key] = replacement
            if replacement is not _UNCHANGED:
                dag.substitute_node_with_dag(node, replacement)
        return dag

    def _synthesize(self, matrix: np.ndarray) -> DAGCircuit:
        circuit = self._decomposer(matrix)
        # The decomposer is not exact for every input (e.g. controlled phases of angle below
        # ~1e-4 come out wrong by ~θ/4); such gates are left to the basis translator.
        if not np.allclose(_two_qubit_matrix(circuit), matrix, rtol=0, atol=self.atol):
            logger.debug("RZZ synthesis inexact; gate left to the basis translator")
            return _UNCHANGED
        return circuit_to_dag(circuit, copy_operations=False)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, complex, np.number))


class NormalizeRZZ(TransformationPass):
    r"""Bring every bound ``rzz`` angle into :math:`[-\pi/2, \pi/2]`, or drop the gate.

    The angle is first wrapped into :math:`(-\pi, \pi]` (:math:`R_{ZZ}(\theta + 2\pi) =
    -R_{ZZ}(\theta)`, a global phase).  With ``fold=True`` (the default), an angle beyond
    :math:`\pm\pi/2` is then moved by :math:`\mp\pi`, using
    :math:`R_{ZZ}(\pm\pi) = \mp i\,Z \otimes Z = \pm i\,R_Z(\pi) \otimes R_Z(\pi)`:

    .. math::

        R_{ZZ}(\theta) = \pm i\,\bigl(R_Z(\pi) \otimes R_Z(\pi)\bigr)\,R_{ZZ}(\theta \mp \pi)

    The two ``rz(π)`` are free on H-series (virtual gates) and merge into neighbouring ``rz``
    gates, while a smaller ZZ angle is a shorter, more accurate physical gate.  A gate whose
    angle ends at zero (``rzz(0)``, ``rzz(2π)``, ``rzz(π)`` once folded) is removed.  Both
    rewrites are exact, global phase included.

    Args:
        fold: also fold angles into :math:`[-\pi/2, \pi/2]`; otherwise only wrap them into
            :math:`(-\pi, \pi]`.
        atol: angles smaller than this (in absolute value) are treated as zero.

    Raises:
        TranspilerError: a gate has a NaN or infinite angle or matrix (:meth:`run`).
    """

    def __init__(self, fold: bool = True, atol: float = ANGLE_ATOL) -> None:
        super().__init__()
        self.fold = fold
        self.atol = atol

    def run(self, dag: DAGCircuit) -> DAGCircuit:
        """Run the pass on ``dag`` (and on its control-flow blocks)."""
        _rewrite_blocks(self.run, dag)
        for node in dag.named_nodes("rzz"):
            theta = _bound_angle(node)
            if theta is None:
                continue
            wrapped = wrap_angle(theta)
            # R_ZZ(θ - 2πk) = (-1)^k R_ZZ(θ)
            turns = round((theta - wrapped) / (2 * math.pi))
            phase = math.pi * (turns % 2)
            flip = 0
            if self.fold and abs(wrapped) > math.pi / 2:
                flip = 1 if wrapped > 0 else -1
                wrapped -= flip * math.pi
                phase += flip * math.pi / 2
            if flip == 0 and abs(wrapped) >= self.atol and wrapped == theta:
                continue
            replacement = QuantumCircuit(2, global_phase=phase)
            if abs(wrapped) >= self.atol:
                replacement.append(RZZGate(wrapped), [0, 1])
            if flip:
                replacement.append(RZGate(math.pi), [0])
                replacement.append(RZGate(math.pi), [1])
            dag.substitute_node_with_dag(node, circuit_to_dag(replacement, copy_operations=False))
        return dag


class SquashToRRz(TransformationPass):
    r"""Merge single-qubit gates into at most one ``r`` per qubit between entangling gates.

    The pass walks the circuit once, multiplying the bound single-qubit gates met on each qubit
    into one pending :math:`2\times2` unitary :math:`U = e^{i\gamma} R_Z(\alpha) R(\theta, \phi)`
    (the exact ZYZ decomposition, :math:`\theta \in [0, \pi]`).  When the qubit meets an operation
    that commutes with :math:`Z` (``rzz``, an ``rz`` or ``rzz`` with an unbound angle, a
    measurement) only :math:`R(\theta, \phi)` is written out and :math:`R_Z(\alpha)` stays pending,
    so ``rz`` gates travel to the end of the circuit where each qubit gets at most one.  An ``r``
    with unbound parameters takes the pending rotation into its phase
    (:math:`R(\theta, \phi) R_Z(\alpha) = R_Z(\alpha) R(\theta, \phi - \alpha)`), and an ``r`` with
    :math:`\theta = \pi` absorbs the rotation (:math:`R_Z(\alpha) R(\pi, \phi) = R(\pi, \phi +
    \alpha/2)`), even an ``rz`` due after later Z-commuting operations.  A pending rotation by
    :math:`\pi` about an axis of the XY plane anticommutes with :math:`Z`, so it moves forward
    through an ``rzz``, whose angle changes sign, and merges with the next run.  Any other
    operation (barrier, delay, a gate this pass does not know) receives the whole pending rotation
    first, so nothing moves across a barrier.

    Two rewrites change the circuit's unitary but not anything a measurement can see, and are
    therefore exact for what runs on a device:

    * the rotation pending before a ``reset`` is dropped (a reset forgets any unitary before it);
    * an ``rz`` pending on a qubit whose last operation is a measurement is dropped (the qubit is
      then in a computational basis state, on which ``rz`` is a phase).

    A circuit without measurements and resets keeps its exact unitary, global phase included.
    Angles are written wrapped: ``r`` has :math:`\theta \in [0, \pi]` and
    :math:`\phi \in (-\pi, \pi]`; ``rz`` has an angle in :math:`(-\pi, \pi]`.

    Args:
        atol: rotations smaller than this are left out.

    Raises:
        TranspilerError: a gate has a NaN or infinite angle or matrix (:meth:`run`).
    """

    def __init__(self, atol: float = ANGLE_ATOL) -> None:
        super().__init__()
        self.atol = atol

    def run(self, dag: DAGCircuit) -> DAGCircuit:
        """Run the pass on ``dag`` (and on its control-flow blocks)."""
        _rewrite_blocks(self.run, dag)
        squash = _Squash(dag.copy_empty_like(), self.atol)
        for node in dag.topological_op_nodes():
            matrix = _single_qubit_matrix(node)
            if matrix is not None:
                squash.multiply(node.qargs[0], matrix)
            elif node.name in ("rz", "rzz", "measure"):
                # Commutes with Z (rz/rzz with unbound angles; measure): rz travels past it.
                squash.write_commuting(node)
            elif node.name == "r" and node.num_qubits == 1:  # unbound parameters
                squash.write_parameterized_r(node)
            elif node.name == "reset" and node.num_qubits == 1:
                squash.write_reset(node)
            else:
                squash.write_opaque(node)
        return squash.finish()


class _Squash:
    """State of one :class:`SquashToRRz` run: the output DAG and what is pending per qubit."""

    def __init__(self, out: DAGCircuit, atol: float) -> None:
        self.out = out
        self.atol = atol
        self.pending: dict[Qubit, np.ndarray] = {}
        """Product of the single-qubit gates not written yet (applied after everything written)."""
        self.measured_last: set[Qubit] = set()
        """Qubits whose last written operation is a measurement."""
        self.open_pi: dict[Qubit, DAGOpNode] = {}
        """The qubit's last written ``r(π, φ)`` if only Z-commuting operations followed it: an
        ``rz`` due later may be absorbed into it instead (Rz(α) R(π, φ) = R(π, φ + α/2))."""

    # -- operations ------------------------------------------------------------------------
    def multiply(self, qubit: Qubit, matrix: np.ndarray) -> None:
        self.pending[qubit] = matrix @ self.pending.get(qubit, _IDENTITY)

    def write_commuting(self, node: DAGOpNode) -> None:
        op = node.op
        flip = False
        for qubit in node.qargs:
            if node.name == "rzz" and self._is_pi_rotation(qubit):
                # U = e^{iγ} Rz(α) R(π, φ) anticommutes with Z on its qubit, so
                # RZZ(θ) U = U RZZ(-θ): U moves past the rzz, which changes sign.
                flip = not flip
            else:
                self._write_r(qubit)
        if flip:
            op, phase = _negated_rzz(node.params[0])
            self.out.global_phase += phase
        self._apply(op, node)
        for qubit in node.qargs:
            if node.name == "measure":
                self.measured_last.add(qubit)
            else:
                self.measured_last.discard(qubit)

    def write_parameterized_r(self, node: DAGOpNode) -> None:
        qubit = node.qargs[0]
        self._write_r(qubit)
        alpha = self._z_angle(self.pending.get(qubit))
        op = node.op
        if alpha:
            # R(θ, φ) Rz(α) = Rz(α) R(θ, φ - α): the pending rotation stays pending.
            theta, phi = node.params
            shifted = phi - alpha
            op = RGate(theta, wrap_angle(shifted) if _is_number(shifted) else shifted)
        self._apply(op, node)
        self.measured_last.discard(qubit)
        self.open_pi.pop(qubit, None)

    def write_reset(self, node: DAGOpNode) -> None:
        qubit = node.qargs[0]
        self.pending.pop(qubit, None)  # a reset forgets any unitary before it
        self._apply(node.op, node)
        self.measured_last.discard(qubit)
        self.open_pi.pop(qubit, None)

    def write_opaque(self, node: DAGOpNode) -> None:
        for qubit in node.qargs:
            self._flush(qubit)
        self._apply(node.op, node)
        for qubit in node.qargs:
            self.measured_last.discard(qubit)
            self.open_pi.pop(qubit, None)

    def finish(self) -> DAGCircuit:
        for qubit in list(self.pending):
            matrix = self.pending[qubit]
            if qubit in self.measured_last and self._is_diagonal(matrix):
                # A computational basis state: rz only multiplies it by a phase.
                del self.pending[qubit]
            else:
                self._flush(qubit)
        return self.out

    # -- helpers ---------------------------------------------------------------------------
    def _apply(self, op: Any, node: DAGOpNode) -> DAGOpNode:
        return self.out.apply_operation_back(op, node.qargs, node.cargs, check=False)

    def _is_diagonal(self, matrix: np.ndarray) -> bool:
        return bool(abs(matrix[0, 1]) < self.atol and abs(matrix[1, 0]) < self.atol)

    def _is_pi_rotation(self, qubit: Qubit) -> bool:
        """Whether the qubit's pending rotation is e^{iγ} Rz(α) R(π, φ) (an X-like π rotation)."""
        matrix = self.pending.get(qubit)
        return matrix is not None and bool(
            abs(matrix[0, 0]) < self.atol and abs(matrix[1, 1]) < self.atol
        )

    @staticmethod
    def _z_angle(matrix: np.ndarray | None) -> float:
        """α of a diagonal e^{iγ} Rz(α), wrapped; 0 for no matrix."""
        if matrix is None:
            return 0.0
        return wrap_angle(float(np.angle(matrix[1, 1]) - np.angle(matrix[0, 0])))

    def _write_r(self, qubit: Qubit) -> None:
        """Write the ``r`` part of the qubit's pending rotation; keep its diagonal part."""
        matrix = self.pending.get(qubit)
        if matrix is None:
            return
        theta, _, lam, _ = _ZYZ.angles_and_phase(matrix)
        if abs(theta) >= self.atol:
            if abs(theta - math.pi) < self.atol:
                # U = e^{iγ} R(π, φ): the Z rotation is absorbed, Rz(α) R(π, φ) = R(π, φ + α/2).
                theta = math.pi
                phi = wrap_angle(float(np.angle(matrix[1, 0]) - np.angle(matrix[0, 1])) / 2)
            else:
                # U = e^{iγ} Rz(φ) Ry(θ) Rz(λ) = e^{iγ} Rz(φ + λ) R(θ, π/2 - λ)
                phi = wrap_angle(math.pi / 2 - lam)
            node = self.out.apply_operation_back(RGate(theta, phi), (qubit,), (), check=False)
            if theta == math.pi:
                self.open_pi[qubit] = node
            else:
                self.open_pi.pop(qubit, None)
            self.measured_last.discard(qubit)
            matrix = matrix @ _r(theta, phi).conj().T
        # What is left is e^{iγ} Rz(α), diagonal up to rounding: keep it exactly diagonal.
        self.pending[qubit] = np.diag(np.diag(matrix))

    def _flush(self, qubit: Qubit) -> None:
        """Write the qubit's whole pending rotation (``r`` then ``rz``) and its global phase."""
        if qubit not in self.pending:
            return
        self._write_r(qubit)
        matrix = self.pending.pop(qubit)
        alpha = self._z_angle(matrix)
        if abs(alpha) < self.atol:
            alpha = 0.0
        elif qubit in self.open_pi:
            # Only Z-commuting operations since that r(π, φ): Rz(α) R(π, φ) = R(π, φ + α/2).
            node = self.open_pi.pop(qubit)
            phi = float(node.params[1])
            self.out.substitute_node(node, RGate(math.pi, wrap_angle(phi + alpha / 2)))
        else:
            self.out.apply_operation_back(RZGate(alpha), (qubit,), (), check=False)
            self.measured_last.discard(qubit)
        # matrix = e^{iγ} Rz(α): its first entry is e^{i(γ - α/2)}.
        self.out.global_phase += float(np.angle(matrix[0, 0])) + alpha / 2
