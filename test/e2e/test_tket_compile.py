"""tket_optimisation_level: Nexus compiles the circuits with TKET (a compile job) before running."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import NexusProvider

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
