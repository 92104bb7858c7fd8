"""Running prepared circuits on qiskit-aer and producing pytket ``BackendResult`` JSON.

Circuits sharing a shot count go to qiskit-aer in one ``AerSimulator.run`` call; each result
becomes a pytket ``BackendResult`` dictionary whose ``shots`` is an ``OutcomeArray`` over the
circuit's bits.  Syntax checkers return all-zero outcomes without simulating.  Emulated H-series
devices add the depolarizing noise of :class:`~qiskit_nexus_provider.emulator.devices.NoiseParams`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qiskit_nexus_provider.emulator.conversion import CircuitError, PreparedCircuit
from qiskit_nexus_provider.emulator.devices import ExecutionTarget, NoiseParams

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

__all__ = ["ItemRun", "aer_noise_model", "run_batch"]

logger = logging.getLogger(__name__)

_VIRTUAL_1Q = frozenset({"rz", "p", "u1", "z", "s", "sdg", "t", "tdg", "id", "delay"})
_NON_GATES = frozenset({"measure", "reset", "barrier", "delay"})
_DENSITY_MATRIX_MAX_QUBITS = 10
_SINGLE_THREAD_MAX_QUBITS = 14


# ----------------------------------------------------------------------------------------------
# running


@dataclass
class ItemRun:
    """Outcome of one circuit: a ``BackendResult`` dictionary or an error message."""

    result: dict[str, Any] | None = None
    error: str | None = None


def _backend_result(bits: list[list[Any]], readouts: np.ndarray) -> dict[str, Any]:
    packed = np.packbits(readouts.astype(np.uint8), axis=1) if readouts.size else readouts
    array = packed.tolist() if readouts.size else [[] for _ in range(readouts.shape[0])]
    return {"qubits": [], "bits": bits, "shots": {"width": len(bits), "array": array}}


def _readouts(memory: Sequence[str], positions: Sequence[int], shots: int) -> np.ndarray:
    if not positions:
        return np.zeros((shots, 0), dtype=np.uint8)
    if max(positions) < 63:
        values = np.fromiter((int(h, 16) for h in memory), dtype=np.uint64, count=len(memory))
        shifts = np.asarray(positions, dtype=np.uint64)
        return ((values[:, None] >> shifts[None, :]) & np.uint64(1)).astype(np.uint8)
    rows = [[(int(h, 16) >> p) & 1 for p in positions] for h in memory]
    return np.asarray(rows, dtype=np.uint8)


def _gate_names(circuits: Sequence[QuantumCircuit]) -> tuple[set[str], set[str]]:
    """Names of the noisy one- and two-qubit gates used by ``circuits`` (control flow included)."""
    names_1q: set[str] = set()
    names_2q: set[str] = set()
    stack = list(circuits)
    while stack:
        qc = stack.pop()
        for instruction in qc.data:
            op = instruction.operation
            blocks = getattr(op, "blocks", ())
            if blocks:
                stack.extend(blocks)
                continue
            if op.name in _NON_GATES:
                continue
            if op.num_qubits == 1 and op.name not in _VIRTUAL_1Q:
                names_1q.add(op.name)
            elif op.num_qubits == 2:
                names_2q.add(op.name)
    return names_1q - names_2q, names_2q


def _noise_model(noise: NoiseParams, circuits: Sequence[QuantumCircuit]) -> Any:
    """Depolarizing gate noise and readout errors with the device's parameters."""
    from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

    names_1q, names_2q = _gate_names(circuits)
    model = NoiseModel()
    if names_1q and noise.depol_1q > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(noise.depol_1q, 1), sorted(names_1q))
    if names_2q and noise.depol_2q > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(noise.depol_2q, 2), sorted(names_2q))
    if noise.p_meas0 > 0 or noise.p_meas1 > 0:
        model.add_all_qubit_readout_error(
            ReadoutError([[1 - noise.p_meas0, noise.p_meas0], [noise.p_meas1, 1 - noise.p_meas1]])
        )
    return model


def _simulator(target: ExecutionTarget, circuits: Sequence[QuantumCircuit]) -> Any:
    from qiskit_aer import AerSimulator

    method = target.method
    width = max((qc.num_qubits for qc in circuits), default=0)
    noisy = target.noise is not None or target.aer_noise_model is not None
    if method == "automatic" and width <= 24:
        # Aer's per-circuit method analysis costs more than the simulation of small circuits.
        method = "statevector"
    if method == "statevector" and noisy and width <= _DENSITY_MATRIX_MAX_QUBITS:
        # Same distribution, but one density-matrix evolution then sampling, instead of one
        # noisy state-vector trajectory per shot: much faster for small circuits.
        method = "density_matrix"
    options: dict[str, Any] = {"method": method}
    if width <= _SINGLE_THREAD_MAX_QUBITS:
        # Aer parallelises small circuits over shots with OpenMP, which only adds overhead
        # (and collapses when the machine is busy); one thread is much faster here.
        options["max_parallel_threads"] = 1
    if target.noise is not None:
        options["noise_model"] = _noise_model(target.noise, circuits)
    elif target.aer_noise_model is not None:
        options["noise_model"] = aer_noise_model(target.aer_noise_model)
    return AerSimulator(**options)


def aer_noise_model(data: dict[str, Any]) -> Any:
    """Build a qiskit-aer ``NoiseModel`` from its dictionary form.

    Raises:
        CircuitError: If the dictionary is not a valid noise model.
    """
    import warnings

    from qiskit_aer.noise import NoiseModel

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return NoiseModel.from_dict(data)
    except Exception as exc:
        raise CircuitError(f"invalid noise_model: {exc}") from None


def _run_aer(
    target: ExecutionTarget, prepared: Sequence[PreparedCircuit], shots: int
) -> list[ItemRun]:
    circuits = [p.circuit for p in prepared]
    assert all(c is not None for c in circuits)
    qcs: list[QuantumCircuit] = [c for c in circuits if c is not None]
    sim = _simulator(target, qcs)
    options: dict[str, Any] = {"shots": shots, "memory": True}
    if target.seed is not None:
        options["seed_simulator"] = target.seed
    try:
        result = sim.run(qcs, **options).result()
    except Exception as exc:
        if len(qcs) == 1:
            return [ItemRun(error=f"simulation failed: {exc}")]
        # Find the culprit(s): run the circuits one by one.
        logger.debug("batch simulation failed (%s); retrying circuit by circuit", exc)
        runs: list[ItemRun] = []
        for p in prepared:
            runs.extend(_run_aer(target, [p], shots))
        return runs
    runs = []
    for p, experiment in zip(prepared, result.results, strict=True):
        if not experiment.success:
            runs.append(ItemRun(error=f"simulation failed: {experiment.status}"))
            continue
        memory = getattr(experiment.data, "memory", None) or []
        if p.clbit_positions and len(memory) != shots:
            runs.append(ItemRun(error=f"simulation returned {len(memory)} of {shots} shots"))
            continue
        readouts = _readouts(memory, p.clbit_positions, shots)
        runs.append(ItemRun(result=_backend_result(p.bits, readouts)))
    return runs


def run_batch(
    target: ExecutionTarget, prepared: Sequence[PreparedCircuit], shots: Sequence[int]
) -> list[ItemRun]:
    """Run prepared circuits on ``target``; one qiskit-aer call per distinct shot count.

    Args:
        target: The execution target.
        prepared: Circuits from :func:`prepare`.
        shots: Number of shots of each circuit.

    Returns:
        One :class:`ItemRun` per circuit, in order.
    """
    runs: list[ItemRun | None] = [None] * len(prepared)
    if target.syntax_check_only:
        for index, (p, n) in enumerate(zip(prepared, shots, strict=True)):
            zeros = np.zeros((n, len(p.bits)), dtype=np.uint8)
            runs[index] = ItemRun(result=_backend_result(p.bits, zeros))
        return [r for r in runs if r is not None]
    groups: dict[int, list[int]] = {}
    for index, n in enumerate(shots):
        groups.setdefault(n, []).append(index)
    for n, indices in groups.items():
        for index, run in zip(
            indices, _run_aer(target, [prepared[i] for i in indices], n), strict=True
        ):
            runs[index] = run
    return [r if r is not None else ItemRun(error="not run") for r in runs]
