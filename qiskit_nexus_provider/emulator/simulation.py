"""Running prepared circuits on qiskit-aer and producing pytket ``BackendResult`` JSON.

Circuits sharing a shot count go to qiskit-aer in one call; each result becomes a pytket
``BackendResult`` dictionary whose ``shots`` is an ``OutcomeArray`` over the circuit's bits.
Syntax checkers return all-zero outcomes without simulating.  Emulated H-series
devices add the depolarizing noise of :class:`~qiskit_nexus_provider.emulator.devices.NoiseParams`.

Directly translated circuits are assembled into qiskit-aer's own circuits here and run by the
simulator's controller (qiskit-aer's Python assembler, behind ``AerSimulator.run``, costs several
times the simulation of small circuits); other circuits go through ``AerSimulator.run``.  Both
give the same shots for the same seed.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qiskit_nexus_provider.emulator.clifford import is_clifford, stabilizer_circuit
from qiskit_nexus_provider.emulator.conversion import CircuitError, PreparedCircuit
from qiskit_nexus_provider.emulator.devices import ExecutionTarget, NoiseParams
from qiskit_nexus_provider.emulator.methods import select_method

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

__all__ = ["ItemRun", "aer_noise_model", "run_batch"]

logger = logging.getLogger(__name__)

_VIRTUAL_1Q = frozenset({"rz", "p", "u1", "z", "s", "sdg", "t", "tdg", "id", "delay"})
_NON_GATES = frozenset({"measure", "reset", "barrier", "delay"})
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
    names_1q, names_2q = _raw_gate_names(circuits)
    return names_1q - names_2q, names_2q


def _raw_gate_names(circuits: Sequence[QuantumCircuit]) -> tuple[set[str], set[str]]:
    from qiskit_nexus_provider.emulator.classical import READOUT_REGISTER

    names_1q: set[str] = set()
    names_2q: set[str] = set()
    # The readout-error ancilla of dynamic circuits is not a device qubit: no gate noise.
    ancillas = {q for qc in circuits for r in qc.qregs if r.name == READOUT_REGISTER for q in r}
    stack = list(circuits)
    while stack:
        qc = stack.pop()
        for instruction in qc.data:
            op = instruction.operation
            blocks = getattr(op, "blocks", ())
            if blocks:
                stack.extend(blocks)
                continue
            if op.name in _NON_GATES or (ancillas and set(instruction.qubits) <= ancillas):
                continue
            if op.num_qubits == 1 and op.name not in _VIRTUAL_1Q:
                names_1q.add(op.name)
            elif op.num_qubits == 2:
                names_2q.add(op.name)
    return names_1q, names_2q


def _noise_model(noise: NoiseParams, circuits: Sequence[QuantumCircuit]) -> Any:
    """Depolarizing gate noise and readout errors with the device's parameters."""
    return _noise_model_for(noise, *_gate_names(circuits))


def _noise_model_for(
    noise: NoiseParams, names_1q: set[str], names_2q: set[str], readout: bool = True
) -> Any:
    from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

    model = NoiseModel()
    if names_1q and noise.depol_1q > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(noise.depol_1q, 1), sorted(names_1q))
    if names_2q and noise.depol_2q > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(noise.depol_2q, 2), sorted(names_2q))
    if readout and (noise.p_meas0 > 0 or noise.p_meas1 > 0):
        model.add_all_qubit_readout_error(
            ReadoutError([[1 - noise.p_meas0, noise.p_meas0], [noise.p_meas1, 1 - noise.p_meas1]])
        )
    return model


def _simulator_for(
    target: ExecutionTarget,
    width: int,
    names_1q: set[str],
    names_2q: set[str],
    readout: bool = True,
) -> Any:
    from qiskit_aer import AerSimulator

    noisy = target.noise is not None or target.aer_noise_model is not None
    # By width and noise: see qiskit_nexus_provider.emulator.methods.
    choice = select_method(target.method, width, noisy)
    options: dict[str, Any] = {"method": choice.method}
    if choice.device != "CPU":
        options["device"] = choice.device
    if width <= _SINGLE_THREAD_MAX_QUBITS:
        # Aer parallelises small circuits over shots with OpenMP, which only adds overhead
        # (and collapses when the machine is busy); one thread is much faster here.
        options["max_parallel_threads"] = 1
    if target.noise is not None:
        options["noise_model"] = _noise_model_for(target.noise, names_1q, names_2q, readout)
    elif target.aer_noise_model is not None:
        options["noise_model"] = aer_noise_model(target.aer_noise_model)
    return AerSimulator(**options)


# ----------------------------------------------------------------------------------------------
# direct assembly: translated operations straight into qiskit-aer circuits
#
# ``AerSimulator.run`` spends most of its time turning Qiskit circuits into qiskit-aer's own
# circuits in Python.  Circuits of the direct translator are assembled here instead, with the
# same qiskit-aer calls and in the same order as qiskit-aer's assembler would make them, then
# executed by the simulator's controller, so the results (seeded ones included) are the same.
# Anything unexpected falls back to ``AerSimulator.run``.

# Gates qiskit-aer's assembler passes through as they are (others go through its compiler).
_DIRECT_GATES = frozenset(
    {"ccx", "ccz", "cp", "crx", "cry", "crz", "cswap", "csx", "cu3", "cx", "cy", "cz", "ecr"}
    | {"h", "p", "r"}
    | {"rx", "rxx", "ry", "ryy", "rz", "rzz", "s", "sdg", "swap", "sx", "sxdg", "t", "tdg"}
    | {"u2", "u3", "x", "y", "z", "measure", "reset"}
)


class _Shape:
    """What ``generate_aer_config`` reads of a circuit."""

    __slots__ = ("num_clbits", "num_qubits")

    def __init__(self, num_qubits: int, num_clbits: int) -> None:
        self.num_qubits = num_qubits
        self.num_clbits = num_clbits


class _Direct:
    """qiskit-aer's internals used by direct assembly (``None`` when unavailable)."""

    def __init__(self) -> None:
        from qiskit_aer.backends.aer_compiler import generate_aer_config
        from qiskit_aer.backends.backend_utils import CircuitHeader
        from qiskit_aer.backends.controller_wrappers import AerCircuit

        self.generate_aer_config = generate_aer_config
        self.header = CircuitHeader
        self.circuit = AerCircuit


_DIRECT: list[_Direct | None] = []
_NAMES = itertools.count()


def _direct() -> _Direct | None:
    if not _DIRECT:
        try:
            _DIRECT.append(_Direct())
        except Exception:  # another qiskit-aer: use AerSimulator.run
            logger.info("qiskit-aer internals not available; circuits go through Qiskit")
            _DIRECT.append(None)
    return _DIRECT[0]


def _assemble(direct: _Direct, p: PreparedCircuit, names_1q: set[str], names_2q: set[str]) -> Any:
    """The qiskit-aer circuit of ``p``, or ``None`` if it uses anything not passed through."""
    ops = p.ops
    assert ops is not None
    nq, nc = p.n_qubits, p.n_clbits
    circuit = direct.circuit()
    circuit.set_header(
        direct.header(
            n_qubits=nq,
            qreg_sizes=[["q", nq]],
            memory_slots=nc,
            creg_sizes=[["c", nc]],
            name=f"circuit-{next(_NAMES)}",
            global_phase=0.0,
        )
    )
    circuit.num_qubits = nq
    circuit.num_memory = nc
    circuit.global_phase_angle = 0.0
    gate, measure, reset = circuit.gate, circuit.measure, circuit.reset
    allowed, virtual = _DIRECT_GATES, _VIRTUAL_1Q
    no_cl: list[str] = []
    seen: set[str] = set()
    for name, qubits, params in ops:
        if name not in seen:
            if name not in allowed:
                return None
            seen.add(name)
            if name not in _NON_GATES:
                if len(qubits) == 1 and name not in virtual:
                    names_1q.add(name)
                elif len(qubits) == 2:
                    names_2q.add(name)
        if name == "measure":
            measure(qubits, params, no_cl)
        elif name == "reset":
            reset(qubits, -1)
        else:
            gate(name, qubits, params, no_cl, -1, None, name)
    return circuit


def _execute_direct(
    direct: _Direct, sim: Any, circuits: list[Any], shapes: list[_Shape], options: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run assembled circuits on ``sim``'s controller; the raw result of each circuit."""
    for index, circuit in enumerate(circuits):
        circuit.circ_id = index
    config = direct.generate_aer_config(shapes, sim.options, **options)
    noise_model = getattr(sim.options, "noise_model", None)
    output = sim._execute_circuits(circuits, noise_model, config)
    if not isinstance(output, dict) or len(output.get("results", ())) != len(circuits):
        raise RuntimeError("qiskit-aer returned no valid output")
    by_id = {r.get("circ_id"): r for r in output["results"]}
    return [by_id[i] for i in range(len(circuits))]


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


def _item_run(p: PreparedCircuit, ok: bool, status: Any, memory: Any, shots: int) -> ItemRun:
    if not ok:
        return ItemRun(error=f"simulation failed: {status}")
    memory = memory or []
    if p.clbit_positions and len(memory) != shots:
        return ItemRun(error=f"simulation returned {len(memory)} of {shots} shots")
    readouts = _readouts(memory, p.clbit_positions, shots)
    return ItemRun(result=_backend_result(p.bits, readouts))


def _run_aer(
    target: ExecutionTarget, prepared: Sequence[PreparedCircuit], shots: int
) -> list[ItemRun]:
    options: dict[str, Any] = {"shots": shots, "memory": True}
    if target.seed is not None:
        options["seed_simulator"] = target.seed
    stabilizer = _run_stabilizer(target, prepared, shots, options)
    if stabilizer is not None:
        return stabilizer
    direct = _direct() if prepared else None
    if direct is not None:
        names_1q: set[str] = set()
        names_2q: set[str] = set()
        circuits = []
        for p in prepared:
            try:
                circuit = _assemble(direct, p, names_1q, names_2q) if p.ops is not None else None
            except Exception as exc:  # leave it to AerSimulator.run
                logger.debug("direct assembly failed (%s)", exc)
                circuit = None
            if circuit is None:
                # qiskit-aer seeds each circuit of a call by its position: if one circuit
                # cannot be assembled directly, the whole call goes to AerSimulator.run.
                break
            circuits.append(circuit)
        else:
            width = max(p.n_qubits for p in prepared)
            sim = _simulator_for(target, width, names_1q - names_2q, names_2q)
            shapes = [_Shape(p.n_qubits, p.n_clbits) for p in prepared]
            try:
                results = _execute_direct(direct, sim, circuits, shapes, options)
            except Exception as exc:
                logger.debug("direct execution failed (%s); using AerSimulator.run", exc)
            else:
                return [
                    _item_run(
                        p,
                        bool(raw.get("success")),
                        raw.get("status"),
                        raw.get("data", {}).get("memory"),
                        shots,
                    )
                    for p, raw in zip(prepared, results, strict=True)
                ]
    qcs: list[QuantumCircuit] = []
    for p in prepared:
        qc = p.circuit
        assert qc is not None
        qcs.append(qc)
    width = max((qc.num_qubits for qc in qcs), default=0)
    names = _gate_names(qcs) if target.noise is not None else (set(), set())
    # Circuits carrying their readout errors (dynamic circuits on noisy devices) come in
    # batches of their own (see run_batch).
    readout = not any(p.readout_in_circuit for p in prepared)
    sim = _simulator_for(target, width, *names, readout=readout)
    return _run_qiskit(target, sim, prepared, qcs, shots, options)


def _run_stabilizer(
    target: ExecutionTarget,
    prepared: Sequence[PreparedCircuit],
    shots: int,
    options: dict[str, Any],
) -> list[ItemRun] | None:
    """Run a batch of Clifford circuits with Aer's stabilizer method, if that is the choice.

    ``None`` when it is not (see :func:`~qiskit_nexus_provider.emulator.methods.select_method`):
    a circuit is not Clifford, carries its readout errors, or the noise is a custom model.
    """
    from qiskit_aer import AerSimulator

    if not prepared or target.aer_noise_model is not None:
        return None
    qcs: list[QuantumCircuit] = []
    for p in prepared:
        if p.circuit is None or p.readout_in_circuit or not is_clifford(p.circuit):
            return None
        qcs.append(p.circuit)
    width = max(qc.num_qubits for qc in qcs)
    choice = select_method(target.method, width, target.noise is not None, clifford=True)
    if choice.method != "stabilizer":
        return None
    noise = target.noise
    sim_options: dict[str, Any] = {"method": "stabilizer"}
    if noise is not None and (noise.p_meas0 > 0 or noise.p_meas1 > 0):
        sim_options["noise_model"] = _noise_model_for(noise, set(), set())
    sim = AerSimulator(**sim_options)
    rewritten = [stabilizer_circuit(qc, noise) for qc in qcs]
    return _run_qiskit(target, sim, prepared, rewritten, shots, options)


def _run_qiskit(
    target: ExecutionTarget,
    sim: Any,
    prepared: Sequence[PreparedCircuit],
    qcs: list[QuantumCircuit],
    shots: int,
    options: dict[str, Any],
) -> list[ItemRun]:
    """Run Qiskit circuits with ``AerSimulator.run``; circuit by circuit if the batch fails."""
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
    return [
        _item_run(
            p,
            experiment.success,
            experiment.status,
            getattr(experiment.data, "memory", None),
            shots,
        )
        for p, experiment in zip(prepared, result.results, strict=True)
    ]


def run_batch(
    target: ExecutionTarget, prepared: Sequence[PreparedCircuit], shots: Sequence[int]
) -> list[ItemRun]:
    """Run prepared circuits on ``target``; one qiskit-aer call per distinct shot count (and
    apart, circuits that carry their readout errors themselves).

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
    groups: dict[tuple[int, bool], list[int]] = {}
    for index, n in enumerate(shots):
        groups.setdefault((n, prepared[index].readout_in_circuit), []).append(index)
    for (n, _), indices in groups.items():
        for index, run in zip(
            indices, _run_aer(target, [prepared[i] for i in indices], n), strict=True
        ):
            runs[index] = run
    return [r if r is not None else ItemRun(error="not run") for r in runs]
