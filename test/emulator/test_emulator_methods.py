"""Aer method by circuit width and noise; wide noisy jobs on H2-1E run (matrix product state)."""

from __future__ import annotations

import math

import pytest
from pytket import Circuit, OpType
from pytket.backends.backendresult import BackendResult
from pytket.passes import AutoRebase

from qiskit_nexus_provider.emulator import conversion as conv
from qiskit_nexus_provider.emulator import simulation as sim
from qiskit_nexus_provider.emulator.devices import DEVICES, resolve_target
from qiskit_nexus_provider.emulator.methods import (
    DENSITY_MATRIX_MAX_QUBITS,
    STATEVECTOR_MAX_QUBITS,
    select_method,
)


@pytest.mark.parametrize(
    ("requested", "width", "noisy", "method"),
    [
        ("statevector", 4, True, "density_matrix"),
        ("statevector", DENSITY_MATRIX_MAX_QUBITS + 1, True, "statevector"),
        ("statevector", STATEVECTOR_MAX_QUBITS, False, "statevector"),
        ("statevector", STATEVECTOR_MAX_QUBITS + 1, True, "matrix_product_state"),
        ("automatic", 40, False, "matrix_product_state"),
        ("automatic", 3, False, "statevector"),
        ("stabilizer", 56, True, "stabilizer"),
        ("matrix_product_state", 3, True, "matrix_product_state"),
        ("unitary", 3, False, "unitary"),
    ],
)
def test_select_method(requested: str, width: int, noisy: bool, method: str) -> None:
    assert select_method(requested, width, noisy).method == method


def _ghz_with_rotations(n: int) -> Circuit:
    circuit = Circuit(n).H(0)
    for q in range(n - 1):
        circuit.CX(q, q + 1)
    for q in range(n):
        circuit.Rz(0.1, q)  # non-Clifford: no stabilizer shortcut
    circuit.measure_all()
    AutoRebase({OpType.Rz, OpType.PhasedX, OpType.ZZPhase}).apply(circuit)
    return circuit


def test_wide_noisy_h2_job_is_accepted_and_runs() -> None:
    h2 = DEVICES["H2-1E"]
    target = resolve_target({"type": "QuantinuumConfig", "device_name": "H2-1E", "seed": 5})
    assert target.max_qubits == h2.n_qubits  # no 32-qubit cap any more
    assert target.noise is not None
    width = 40
    prepared = conv.prepare(_ghz_with_rotations(width).to_dict(), target)
    [run] = sim.run_batch(target, [prepared], [300])
    assert run.error is None and run.result is not None
    counts = BackendResult.from_dict(run.result).get_counts()
    assert sum(counts.values()) == 300
    # A GHZ state under H-series noise: the two ideal outcomes dominate.
    ideal = counts.get((0,) * width, 0) + counts.get((1,) * width, 0)
    assert ideal > 150


@pytest.mark.parametrize(
    ("requested", "width", "noisy", "method"),
    [
        ("statevector", 56, True, "stabilizer"),
        ("statevector", DENSITY_MATRIX_MAX_QUBITS + 1, False, "stabilizer"),
        ("automatic", 30, True, "stabilizer"),
        # Narrow Clifford circuits keep their method (and their seeded counts).
        ("statevector", DENSITY_MATRIX_MAX_QUBITS, True, "density_matrix"),
        ("matrix_product_state", 40, True, "matrix_product_state"),
    ],
)
def test_select_method_for_clifford_circuits(
    requested: str, width: int, noisy: bool, method: str
) -> None:
    assert select_method(requested, width, noisy, clifford=True).method == method


def test_clifford_rewrite_is_exact() -> None:
    """Every quarter-turn r and rzz equals its stabilizer form (global phase aside)."""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator

    from qiskit_nexus_provider.emulator.clifford import is_clifford, stabilizer_circuit

    for theta in range(4):
        for phi in range(-2, 4):
            qc = QuantumCircuit(2)
            qc.r(theta * math.pi / 2, phi * math.pi / 2, 0)
            qc.rzz(theta * math.pi / 2, 0, 1)
            qc.rz(phi * math.pi / 2, 1)
            assert is_clifford(qc)
            assert Operator(stabilizer_circuit(qc, None)).equiv(Operator(qc))
    qc = QuantumCircuit(1)
    qc.rz(0.1, 0)
    assert not is_clifford(qc)


def _ghz(n: int) -> Circuit:
    circuit = Circuit(n).H(0)
    for q in range(n - 1):
        circuit.CX(q, q + 1)
    circuit.measure_all()
    AutoRebase({OpType.Rz, OpType.PhasedX, OpType.ZZPhase}).apply(circuit)
    return circuit


@pytest.fixture
def methods(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ``method`` of every ``AerSimulator`` made while the test runs."""
    from qiskit_aer import AerSimulator

    made: list[str] = []
    real_init = AerSimulator.__init__

    def spy(self: AerSimulator, *args: object, **kwargs: object) -> None:
        made.append(str(kwargs.get("method")))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(AerSimulator, "__init__", spy)
    return made


def test_wide_non_clifford_job_keeps_matrix_product_state(methods: list[str]) -> None:
    target = resolve_target({"type": "QuantinuumConfig", "device_name": "H2-1E", "seed": 5})
    prepared = conv.prepare(_ghz_with_rotations(30).to_dict(), target)
    [run] = sim.run_batch(target, [prepared], [50])
    assert run.error is None
    assert "matrix_product_state" in methods and "stabilizer" not in methods


@pytest.mark.parametrize("noisy", [False, True])
def test_wide_clifford_job_runs_on_the_stabilizer_method(noisy: bool, methods: list[str]) -> None:
    """A 56-qubit GHZ state on H2-1E: the two ideal outcomes (all noiseless, most noisy)."""
    config = {"type": "QuantinuumConfig", "device_name": "H2-1E", "seed": 5}
    if not noisy:
        config["noisy_simulation"] = False
    target = resolve_target(config)
    assert (target.noise is not None) is noisy
    width = DEVICES["H2-1E"].n_qubits
    prepared = conv.prepare(_ghz(width).to_dict(), target)
    [run] = sim.run_batch(target, [prepared], [300])
    assert run.error is None and run.result is not None
    assert "stabilizer" in methods
    counts = BackendResult.from_dict(run.result).get_counts()
    ideal = counts.get((0,) * width, 0) + counts.get((1,) * width, 0)
    if noisy:
        assert ideal > 150 and min(counts.get((b,) * width, 0) for b in (0, 1)) > 50
    else:
        assert ideal == 300 and min(counts.get((b,) * width, 0) for b in (0, 1)) > 100
