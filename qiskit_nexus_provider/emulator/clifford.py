"""Clifford circuits of native gates, rewritten for qiskit-aer's ``stabilizer`` method.

H-series native gates (``r`` for PhasedX, ``rzz`` for ZZPhase, ``rz``) are Clifford when their
angles are multiples of pi/2, but Aer's stabilizer method knows neither ``r`` nor ``rzz``.
:func:`stabilizer_circuit` writes each as Clifford gates, exactly up to global phase:

* ``r(theta, phi)`` = ``rz(-phi)``, then ``id``/``sx``/``x``/``sxdg`` for ``theta`` = 0, pi/2,
  pi, 3pi/2, then ``rz(phi)``;
* ``rzz(pi/2)`` = ``cz`` then ``s`` on both qubits; ``rzz(pi)`` = ``z`` on both;
  ``rzz(3pi/2)`` = ``cz`` then ``sdg`` on both.

The device's depolarizing noise (a Pauli channel, which the stabilizer method simulates) is
written into the circuit after each noisy gate, once per original gate, with the same
parameters and on the same gates as :func:`~qiskit_nexus_provider.emulator.simulation`'s noise
model (``rz`` and other virtual gates are noiseless); readout errors stay in the noise model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from qiskit import QuantumCircuit

if TYPE_CHECKING:
    from qiskit_nexus_provider.emulator.devices import NoiseParams

__all__ = ["STABILIZER_GATES", "is_clifford", "stabilizer_circuit"]

STABILIZER_GATES = frozenset(
    {"cx", "cy", "cz", "h", "id", "s", "sdg", "sx", "sxdg", "x", "y", "z", "swap", "ecr"}
)
"""Gates qiskit-aer's stabilizer method runs as they are."""

_NON_GATES = frozenset({"measure", "reset", "barrier"})
_ANGLED = frozenset({"r", "rz", "rzz"})
_VIRTUAL = frozenset({"rz", "z", "s", "sdg", "id"})  # as simulation._VIRTUAL_1Q
_ROTATION = {0: "id", 1: "sx", 2: "x", 3: "sxdg"}


def _quarter_turns(angle: object) -> int | None:
    """``angle`` as a multiple of pi/2 (0 to 3), or ``None`` if it is not one."""
    if not isinstance(angle, (int, float)):
        return None
    turns = float(angle) / (math.pi / 2)
    nearest = round(turns)
    return nearest % 4 if abs(turns - nearest) < 1e-9 else None


def is_clifford(circuit: QuantumCircuit) -> bool:
    """Whether every operation is a measurement, reset, barrier or Clifford gate.

    Control flow and classical stores make a circuit non-Clifford here (they stay on the
    other methods).
    """
    for instruction in circuit.data:
        operation = instruction.operation
        name = operation.name
        if name in _NON_GATES or name in STABILIZER_GATES:
            continue
        if name not in _ANGLED:
            return False
        if any(_quarter_turns(param) is None for param in operation.params):
            return False
    return True


def stabilizer_circuit(circuit: QuantumCircuit, noise: NoiseParams | None) -> QuantumCircuit:
    """``circuit`` (Clifford, see :func:`is_clifford`) in gates of Aer's stabilizer method.

    Args:
        circuit: a circuit for which :func:`is_clifford` holds.
        noise: the device's depolarizing parameters, written after each noisy gate, or ``None``.

    Returns:
        A new circuit with the same qubits, clbits, registers and name.
    """
    from qiskit_aer.noise import depolarizing_error

    errors = {}
    if noise is not None and noise.depol_1q > 0:
        errors[1] = depolarizing_error(noise.depol_1q, 1)
    if noise is not None and noise.depol_2q > 0:
        errors[2] = depolarizing_error(noise.depol_2q, 2)
    out = circuit.copy_empty_like()
    for instruction in circuit.data:
        operation, qubits = instruction.operation, instruction.qubits
        name = operation.name
        if name == "r":
            theta, phi = (float(p) for p in operation.params)
            turns = _quarter_turns(theta)
            assert turns is not None
            out.rz(-phi, qubits[0])
            getattr(out, _ROTATION[turns])(qubits[0])
            out.rz(phi, qubits[0])
        elif name == "rzz":
            turns = _quarter_turns(operation.params[0])
            if turns == 2:
                out.z(qubits)
            elif turns in (1, 3):
                out.cz(*qubits)
                (out.s if turns == 1 else out.sdg)(qubits)
        else:
            out._append(instruction)
        if name in _NON_GATES or name in _VIRTUAL:
            continue
        error = errors.get(len(qubits))
        if error is not None:
            out.append(error, qubits)
    return out
