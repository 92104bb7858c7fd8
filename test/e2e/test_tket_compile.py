"""tket_optimisation_level: Nexus compiles the circuits with TKET (a compile job) before running."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import CircuitValidationError, NexusProvider

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}


@pytest.mark.parametrize("level", [0, 2])
def test_compile_then_execute_gives_correct_counts(remote: NexusProvider, emu, level) -> None:
    backend = remote.get_backend("H1-1SC")  # syntax checker: no noise, validates the gate set
    qc = QuantumCircuit(3, 3, name="ghz")
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.measure([0, 1, 2], [0, 1, 2])
    jobs_before = {j["id"] for j in emu.jobs()}
    job = backend.run(transpile(qc, backend), shots=10, tket_optimisation_level=level, **FAST)
    assert job.result(timeout=120).get_counts() == {"000": 10}
    new_jobs = [j for j in emu.jobs() if j["id"] not in jobs_before]
    assert sorted(j["job_type"] for j in new_jobs) == ["compile", "execute"]
    assert "compile_job_id" in job.state


def test_compiled_circuits_keep_the_bit_layout(remote: NexusProvider) -> None:
    backend = remote.get_backend("aer_simulator")
    qc = QuantumCircuit(3, 3, name="shuffled")
    qc.x(0)
    qc.measure(0, 2)
    qc.measure(1, 0)
    qc.measure(2, 1)
    job = backend.run(transpile(qc, backend), shots=5, tket_optimisation_level=2, **FAST)
    assert job.result(timeout=120).get_counts() == {"100": 5}


def test_untranspiled_standard_gates_are_compiled_on_nexus(remote: NexusProvider, emu) -> None:
    """With tket_optimisation_level the device's native gate set is not required (issue 13)."""
    backend = remote.get_backend("H1-1E")
    qc = QuantumCircuit(3, 3, name="untranspiled")
    qc.x(0)
    qc.cx(0, 1)
    qc.ccx(0, 1, 2)
    qc.cswap(0, 1, 2)
    qc.measure([0, 1, 2], [0, 1, 2])
    jobs = emu.job_count()
    with pytest.raises(CircuitValidationError, match=r"ccx, cswap, cx, x .*Transpile first"):
        backend.run(qc, shots=10)  # without the compile job the native gates are required
    assert emu.job_count() == jobs
    counts = backend.run(qc, shots=50, tket_optimisation_level=2, **FAST).result(timeout=120)
    assert max(counts.get_counts(), key=counts.get_counts().get) == "111"
