"""Run options: validated model, Qiskit Options view, unknown names, invalid values."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import NexusOptions, NexusProvider, OptionsError, UnknownOptionWarning


@pytest.fixture
def bell(provider: NexusProvider):
    backend = provider.get_backend("offline_simulator_no_noise")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return backend, transpile(qc, backend)


def test_defaults_are_exposed_as_qiskit_options(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise")
    assert backend.options.shots == 100
    assert backend.options.memory is False
    assert set(NexusOptions.field_names()) <= set(backend.options.__dict__)


def test_options_model_is_a_mapping() -> None:
    options = NexusOptions(shots=7)
    assert options["shots"] == 7
    assert dict(options)["shots"] == 7
    assert len(options) == len(NexusOptions.field_names())


@pytest.mark.parametrize("shots", [0, -1, 10_001, 2.5, "many"])
def test_shots_out_of_range_raise_before_running(bell, shots) -> None:
    backend, circuit = bell
    with pytest.raises(OptionsError, match="shots"):
        backend.run(circuit, shots=shots)


def test_shots_limits_are_inclusive(bell) -> None:
    backend, circuit = bell
    assert sum(backend.run(circuit, shots=1).result().get_counts().values()) == 1
    assert sum(backend.run(circuit, shots=10_000).result().get_counts().values()) == 10_000


def test_unknown_option_warns_with_valid_names(bell) -> None:
    backend, circuit = bell
    with pytest.warns(UnknownOptionWarning, match="shots") as record:
        job = backend.run(circuit, shots=10, meas_level=2)
    assert "meas_level" in str(record[0].message)
    assert sum(job.result().get_counts().values()) == 10


def test_set_options_validates(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise")
    backend.set_options(shots=42)
    assert backend.options.shots == 42
    assert backend.run_options.shots == 42
    with pytest.raises(OptionsError, match="shots"):
        backend.set_options(shots=0)
    assert backend.run_options.shots == 42


def test_invalid_poll_interval_names_the_option() -> None:
    with pytest.raises(OptionsError, match="poll_interval"):
        NexusOptions().updated(poll_interval=-1)
