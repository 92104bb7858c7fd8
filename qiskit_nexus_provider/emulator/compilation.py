"""Compile jobs: pytket compilation of a circuit for a device, as Nexus compile jobs do.

H-series devices get a pass built here from pytket's generic passes (pytket-quantinuum is not a
dependency): box decomposition, optimisation according to the level, then a rebase to
``Rz``/``PhasedX`` plus ``ZZPhase`` (or ``ZZMax`` when ``target_2qb_gate`` asks for it) and a
final squash.  Aer uses pytket-qiskit's ``AerBackend.default_compilation_pass``.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

from qiskit_nexus_provider.emulator.conversion import CircuitError, target_violations
from qiskit_nexus_provider.emulator.devices import ExecutionTarget, device_width_message

__all__ = ["compile_circuit"]

_lock = threading.Lock()
_aer_passes: dict[int, Any] = {}


def _quantinuum_pass(target: ExecutionTarget, level: int) -> Any:
    from pytket import OpType
    from pytket.passes import (
        AutoRebase,
        AutoSquash,
        DecomposeBoxes,
        FullPeepholeOptimise,
        RemoveRedundancies,
        SequencePass,
        SynthesiseTket,
    )

    two_qubit = OpType.ZZMax if target.config.get("target_2qb_gate") == "ZZMax" else OpType.ZZPhase
    rebase = AutoRebase({OpType.Rz, OpType.PhasedX, two_qubit})
    squash = AutoSquash({OpType.Rz, OpType.PhasedX})
    if level == 0:
        return SequencePass([DecomposeBoxes(), rebase])
    if level == 1:
        return SequencePass(
            [DecomposeBoxes(), SynthesiseTket(), rebase, squash, RemoveRedundancies()]
        )
    return SequencePass(
        [
            DecomposeBoxes(),
            FullPeepholeOptimise(target_2qb_gate=OpType.TK2),
            rebase,
            squash,
            RemoveRedundancies(),
        ]
    )


def _aer_pass(level: int) -> Any:
    with _lock:
        if level not in _aer_passes:
            from pytket.extensions.qiskit import AerBackend

            with warnings.catch_warnings():  # qiskit-aer's pending deprecations of old backends
                warnings.simplefilter("ignore")
                _aer_passes[level] = AerBackend().default_compilation_pass(level)
        return _aer_passes[level]


def compile_circuit(
    content: dict[str, Any], target: ExecutionTarget, optimisation_level: int
) -> dict[str, Any]:
    """Compile a circuit for ``target``.

    Args:
        content: The pytket circuit dictionary.
        target: The device to compile for.
        optimisation_level: 0 (rebase only), 1 (light) or 2 and 3 (full peephole).

    Returns:
        The compiled circuit's dictionary.

    Raises:
        CircuitError: If the circuit cannot be loaded or compiled into the device gate set.
    """
    from pytket import Circuit

    try:
        circuit = Circuit.from_dict(content)
    except Exception as exc:
        raise CircuitError(f"invalid circuit JSON: {exc}") from None
    if circuit.n_qubits > target.device.n_qubits:
        raise CircuitError("circuit " + device_width_message(target.device, circuit.n_qubits))
    level = max(0, min(3, optimisation_level))
    compiler = _quantinuum_pass(target, level) if target.is_quantinuum else _aer_pass(level)
    try:
        compiler.apply(circuit)
    except Exception as exc:
        raise CircuitError(f"compilation failed: {exc}") from None
    compiled: dict[str, Any] = circuit.to_dict()
    bad = target_violations(compiled, target)
    if bad:
        raise CircuitError(
            f"cannot compile operation(s) {', '.join(bad)} for {target.device.device_name}"
        )
    return compiled
