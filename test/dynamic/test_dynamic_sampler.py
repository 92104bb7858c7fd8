"""NexusSamplerV2 runs dynamic circuits (offline and on the emulator)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dynamic_circuits import CIRCUITS, aer_counts, total_variation, tvd_bound
from qiskit import transpile

from qiskit_nexus_provider import NexusProvider, NexusSamplerV2
from qiskit_nexus_provider.api.config import RetryPolicy
from qiskit_nexus_provider.emulator import NexusEmulator

SHOTS = 2000


def _joined_counts(pub_result, qc) -> dict[str, int]:
    """The sampler's per-register bit arrays joined as Qiskit joins counts (last register left)."""
    from qiskit.primitives import BitArray

    arrays = [getattr(pub_result.data, creg.name) for creg in qc.cregs]
    joined = BitArray.concatenate_bits(arrays)
    counts = joined.get_counts()
    sizes = [creg.size for creg in reversed(qc.cregs)]

    def spaced(key: str) -> str:
        out, start = [], 0
        for size in sizes:
            out.append(key[start : start + size])
            start += size
        return " ".join(out)

    return {spaced(k): v for k, v in counts.items()}


@pytest.mark.parametrize("name", ["teleportation", "switch", "expression_conditions"])
@pytest.mark.parametrize("transpiled", [True, False])
def test_sampler_offline(provider: NexusProvider, name: str, transpiled: bool) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=4)
    qc = CIRCUITS[name]()
    # Untranspiled circuits are translated by the sampler (gates inside blocks included).
    circuit = transpile(qc, backend) if transpiled else qc
    sampler = NexusSamplerV2(backend, options={"seed_simulator": 3})
    result = sampler.run([circuit], shots=SHOTS).result()[0]
    counts = _joined_counts(result, qc)
    reference = aer_counts(qc, SHOTS, 3)
    assert total_variation(counts, reference) < tvd_bound(len(reference), SHOTS)


@pytest.fixture(scope="module")
def emulator() -> Iterator[NexusEmulator]:
    with NexusEmulator() as emu:
        yield emu


def test_sampler_on_emulator(emulator: NexusEmulator, store_path, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    provider = NexusProvider(
        token=emulator.token,
        url=emulator.url,
        project="sampler",
        store_path=store_path,
        retry=RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05),
    )
    backend = provider.get_backend("aer_simulator")
    qc = CIRCUITS["repeat_until_success"]()
    sampler = NexusSamplerV2(
        backend,
        options={"seed_simulator": 4, "run_options": {"poll_interval": 0.02}},
    )
    result = sampler.run([transpile(qc, backend)], shots=SHOTS).result()[0]
    counts = _joined_counts(result, qc)
    reference = aer_counts(qc, SHOTS, 4)
    assert total_variation(counts, reference) < tvd_bound(len(reference), SHOTS)


def test_sampler_translates_gates_inside_blocks(provider: NexusProvider) -> None:
    from qiskit import QuantumCircuit

    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=2)
    qc = QuantumCircuit(2, 2)
    qc.r(3.141592653589793, 0, 0)  # native outside the block ...
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)  # ... not inside it
    qc.measure(1, 1)
    result = NexusSamplerV2(backend).run([qc], shots=10).result()[0]
    assert result.data.c.get_counts() == {"11": 10}
