"""Dynamic circuits on every backend, compared with a plain AerSimulator on the same circuits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dynamic_circuits import (
    CIRCUITS,
    aer_counts,
    teleportation,
    total_variation,
    tvd_bound,
    while_loop,
)
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import CircuitValidationError, NexusProvider
from qiskit_nexus_provider.api.config import RetryPolicy
from qiskit_nexus_provider.emulator import NexusEmulator

SHOTS = 4000
FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}


@pytest.fixture(scope="module")
def emulator() -> Iterator[NexusEmulator]:
    with NexusEmulator() as emu:
        yield emu


@pytest.fixture
def remote(emulator: NexusEmulator, store_path, tmp_path, monkeypatch) -> NexusProvider:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return NexusProvider(
        token=emulator.token,
        url=emulator.url,
        project="dynamic",
        store_path=store_path,
        retry=RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05),
    )


def _check_distribution(counts: dict[str, int], reference: dict[str, int]) -> None:
    assert set(counts) <= set(reference) | {k for k in counts if counts[k] < SHOTS // 100}
    assert total_variation(counts, reference) < tvd_bound(len(reference), SHOTS)


@pytest.mark.parametrize("name", list(CIRCUITS))
@pytest.mark.parametrize("level", [0, 3])
def test_offline_simulator_matches_aer(provider: NexusProvider, name: str, level: int) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=4)
    qc = CIRCUITS[name]()
    transpiled = transpile(qc, backend, optimization_level=level, seed_transpiler=1)
    counts = backend.run(transpiled, shots=SHOTS, seed_simulator=11).result().get_counts()
    _check_distribution(counts, aer_counts(qc, SHOTS, 11))
    # Same circuit, same seed: exactly AerSimulator's counts.
    assert counts == aer_counts(transpiled, SHOTS, 11)


@pytest.mark.parametrize("name", list(CIRCUITS))
def test_emulator_aer_simulator_matches_aer(remote: NexusProvider, name: str) -> None:
    backend = remote.get_backend("aer_simulator")
    qc = CIRCUITS[name]()
    transpiled = transpile(qc, backend, seed_transpiler=1)
    job = backend.run(transpiled, shots=SHOTS, seed_simulator=5, memory=True, **FAST)
    result = job.result(timeout=120)
    counts = result.get_counts()
    _check_distribution(counts, aer_counts(qc, SHOTS, 5))
    # Memory keys are formatted like the counts' (registers written in some branches only).
    assert set(result.get_memory()) == set(counts)


def _deterministic() -> dict[str, QuantumCircuit]:
    """Circuits with one outcome in the noiseless case."""
    active = CIRCUITS["active_reset"]()
    teleport = teleportation(3.141592653589793)  # teleports |1>
    rus = CIRCUITS["repeat_until_success"]()
    return {"active_reset": active, "teleportation": teleport, "repeat_until_success": rus}


@pytest.mark.parametrize("name", ["active_reset", "teleportation"])
def test_h1_emulator_dominant_outcome(remote: NexusProvider, name: str) -> None:
    backend = remote.get_backend("H1-1E")
    qc = _deterministic()[name]
    reference = aer_counts(qc, SHOTS, 3)
    job = backend.run(transpile(qc, backend), shots=200, seed_simulator=3, **FAST)
    counts = job.result(timeout=120).get_counts()
    # The noiseless outcome on the deciding bit dominates (teleported |1>: c[2] = 1;
    # active reset: c[1] = 0 whatever c[0] was).
    bit = {"active_reset": (1, "0"), "teleportation": (2, "1")}[name]
    position = -1 - bit[0]
    assert all(key[position] == bit[1] for key in reference)
    agreeing = sum(v for k, v in counts.items() if k[position] == bit[1])
    assert agreeing > 0.8 * 200


@pytest.mark.parametrize("name", list(CIRCUITS))
def test_h1_syntax_checker_returns_zeros(remote: NexusProvider, name: str) -> None:
    backend = remote.get_backend("H1-1SC")
    qc = CIRCUITS[name]()
    counts = backend.run(transpile(qc, backend), shots=10, **FAST).result(timeout=120).get_counts()
    zero = next(iter(aer_counts(qc, 1, 1))).replace("1", "0")
    assert counts == {zero: 10}


@pytest.mark.parametrize("level", [0, 2])
def test_tket_compile_keeps_conditionals(remote: NexusProvider, level: int) -> None:
    backend = remote.get_backend("H1-1E")
    qc = teleportation(3.141592653589793)
    job = backend.run(
        transpile(qc, backend), shots=100, tket_optimisation_level=level, seed_simulator=2, **FAST
    )
    counts = job.result(timeout=120).get_counts()
    assert sum(v for k, v in counts.items() if k[0] == "1") > 80


def test_while_loop_runs_offline(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=2)
    qc = while_loop()
    counts = backend.run(transpile(qc, backend), shots=200, seed_simulator=1).result().get_counts()
    assert counts == {"0": 200}


@pytest.mark.parametrize("device", ["H1-1E", "H1-1SC", "aer_simulator"])
def test_while_loop_refused_before_upload(remote: NexusProvider, emulator, device: str) -> None:
    backend = remote.get_backend(device)
    assert "while_loop" not in backend.target.operation_names
    requests_before = len(emulator.request_log())
    with pytest.raises(CircuitValidationError, match=rf"while_loop.*{device}.*no loops"):
        backend.run(while_loop(), shots=10)
    assert len(emulator.request_log()) == requests_before  # nothing was uploaded
