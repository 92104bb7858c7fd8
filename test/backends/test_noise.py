"""The noisy offline simulator uses the documented H-series-like figures."""

from __future__ import annotations

from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.noise import HSERIES_NOISE, build_noise_model


def test_noise_model_covers_native_gates_and_readout() -> None:
    model = build_noise_model()
    assert {"r", "rzz", "reset"} <= set(model.noise_instructions)
    assert "rz" not in model.noise_instructions  # virtual gate, error free
    assert model._default_readout_error is not None


def test_noisy_backend_reports_readout_errors(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_noise", num_qubits=2)
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    counts = (
        backend.run(transpile(qc, backend), shots=10_000, seed_simulator=3).result().get_counts()
    )
    flipped = counts.get("1", 0) / 10_000
    # Readout error 3e-3 (+ no gate): expect about 30 flips in 10k; bounds are ~5 sigma wide.
    assert 0.0005 < flipped < 0.007, counts
    ideal = provider.get_backend("offline_simulator_no_noise", num_qubits=2)
    assert ideal.run(transpile(qc, ideal), shots=10_000).result().get_counts() == {"0": 10_000}


def test_noise_figures_are_recorded_in_the_backend_spec(provider: NexusProvider) -> None:
    spec = provider.get_backend("offline_simulator_noise").spec()
    assert spec.noise is not None
    assert spec.noise["two_qubit_infidelity"] == HSERIES_NOISE.two_qubit_infidelity
    assert provider.get_backend("offline_simulator_no_noise").spec().noise is None
