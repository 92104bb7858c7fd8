"""Seeds of split batches: each sub-job's seed comes from the user's seed and its slot index."""

from __future__ import annotations

from pathlib import Path

import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import NexusCompositeJob, NexusProvider, NexusSamplerV2
from qiskit_nexus_provider.jobs.composite import slot_seed

WIDTH, SHOTS = 8, 64


def coin_flips(backend, count: int) -> list[QuantumCircuit]:
    """Identical circuits with uniformly random outcomes."""
    qc = QuantumCircuit(WIDTH, WIDTH, name="flips")
    qc.h(range(WIDTH))
    qc.measure(range(WIDTH), range(WIDTH))
    return transpile([qc] * count, backend)


@pytest.fixture
def backend(provider: NexusProvider):
    return provider.get_backend("offline_simulator_no_noise", num_qubits=WIDTH)


def memories(backend, seed: int) -> list[list[str]]:
    job = backend.run(
        coin_flips(backend, 6),
        shots=SHOTS,
        memory=True,
        seed_simulator=seed,
        max_circuits_per_job=3,
    )
    assert isinstance(job, NexusCompositeJob)
    result = job.result(timeout=120)
    return [result.get_memory(i) for i in range(6)]


def test_sub_jobs_of_a_seeded_batch_are_independent_and_reproducible(backend) -> None:
    first = memories(backend, 1234)
    assert first[0] != first[3], "circuit 0 of both sub-jobs repeated the same shots"
    assert first[1] != first[4] and first[2] != first[5]
    assert memories(backend, 1234) == first
    assert memories(backend, 99) != first


def test_slot_seeds_are_distinct_stable_and_in_range() -> None:
    seeds = [slot_seed(7, i) for i in range(1000)]
    assert len(set(seeds)) == 1000
    assert seeds == [slot_seed(7, i) for i in range(1000)]
    assert all(0 <= s < 2**31 for s in seeds)
    assert slot_seed(8, 0) != slot_seed(7, 0)


def test_restored_seeded_composite_gives_the_same_counts(backend, store_path: Path) -> None:
    job = backend.run(coin_flips(backend, 4), shots=SHOTS, seed_simulator=5, max_circuits_per_job=2)
    counts = [job.result(timeout=120).get_counts(i) for i in range(4)]
    restored = NexusCompositeJob.restore(job.job_id(), store_path=store_path)
    assert [restored.result(timeout=120).get_counts(i) for i in range(4)] == counts


def test_sampler_split_batch_does_not_repeat_shots(backend) -> None:
    sampler = NexusSamplerV2(
        backend, options={"seed_simulator": 11, "run_options": {"max_circuits_per_job": 1}}
    )
    circuits = coin_flips(backend, 2)
    result = sampler.run(circuits, shots=SHOTS).result()
    a, b = (pub.data.c.get_bitstrings() for pub in result)
    assert a != b
