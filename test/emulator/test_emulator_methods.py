"""Aer method by circuit width and noise; wide noisy jobs on H2-1E run (matrix product state)."""

from __future__ import annotations

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
