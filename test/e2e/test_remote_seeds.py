"""Seeded split batches on Aer on Nexus: independent sub-jobs, reproducible batch."""

from __future__ import annotations

import warnings

import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import NexusProvider

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2, "with_progress_bar": False}


def test_remote_sub_jobs_get_their_own_seeds(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    qc = QuantumCircuit(8, 8, name="flips")
    qc.h(range(8))
    qc.measure(range(8), range(8))
    circuits = transpile([qc] * 4, backend)

    def run() -> list[dict[str, int]]:
        job = backend.run(circuits, shots=50, seed_simulator=3, max_circuits_per_job=2, **FAST)
        result = job.result(timeout=120)
        return [result.get_counts(i) for i in range(4)]

    counts = run()
    assert counts[0] != counts[2] and counts[1] != counts[3]
    assert run() == counts


def test_seed_on_a_device_without_seeds_warns_once(remote: NexusProvider) -> None:
    """H-series emulators get no seed: a user relying on seed_simulator is told, once."""
    backend = remote.get_backend("H1-1SC")
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    with pytest.warns(UserWarning, match=r"seed_simulator is ignored on H1-1SC"):
        backend.run(qc, shots=2, seed_simulator=5, poll_interval=0.02).result(timeout=60)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backend.run(qc, shots=2, seed_simulator=6, poll_interval=0.02).result(timeout=60)
        remote.get_backend("aer_simulator").run(qc, shots=2, seed_simulator=5).result(timeout=60)
