"""NexusProvider: listing and selecting backends."""

from __future__ import annotations

import pytest
from qiskit.providers import BackendV2, QiskitBackendNotFoundError

from qiskit_nexus_provider import NexusProvider, OfflineSimulatorBackend
from qiskit_nexus_provider.api import AuthenticationError

OFFLINE = {"offline_simulator_no_noise", "offline_simulator_noise"}


def test_offline_simulators_are_listed_without_a_token(provider: NexusProvider) -> None:
    names = {b.name for b in provider.backends()}
    assert names == OFFLINE
    assert all(isinstance(b, BackendV2) for b in provider.backends())


def test_backends_filters_by_exact_name(provider: NexusProvider) -> None:
    assert [b.name for b in provider.backends("offline_simulator_noise")] == [
        "offline_simulator_noise"
    ]
    assert list(provider.backends("offline_simulator")) == []
    assert list(provider.backends("offline_simulator_noise", min_qubits=21)) == []
    assert len(provider.backends(kind="offline")) == 2


def test_get_backend_unknown_name_lists_available_names(provider: NexusProvider) -> None:
    # Without a token, a name that is not an offline simulator's could be a Nexus device: the
    # error is the missing token (issue 12), and it names the offline simulators too.
    with pytest.raises(AuthenticationError) as info:
        provider.get_backend("H9-9")
    message = str(info.value)
    assert "H9-9" in message and "QISKIT_NEXUS_TOKEN" in message
    for name in OFFLINE:
        assert name in message
    with pytest.raises(QiskitBackendNotFoundError) as not_found:
        provider.get_backend("H9-9", kind="offline")
    for name in OFFLINE:
        assert name in str(not_found.value)


def test_get_backend_sizes_offline_simulators(provider: NexusProvider) -> None:
    default = provider.get_backend("offline_simulator_no_noise")
    assert default.num_qubits == 20
    small = provider.get_backend("offline_simulator_noise", num_qubits=5)
    assert isinstance(small, OfflineSimulatorBackend)
    assert small.num_qubits == 5 and small.noisy
    with pytest.raises(ValueError, match="num_qubits"):
        provider.get_backend("offline_simulator_no_noise", num_qubits=0)


def test_backends_table_prints_and_renders_html(provider: NexusProvider) -> None:
    table = provider.backends()
    text = str(table)
    assert "offline_simulator_noise" in text and "qubits" in text.splitlines()[0]
    html = table._repr_html_()
    assert html.startswith("<table>") and "offline_simulator_no_noise" in html


def test_mistyped_offline_name_is_not_a_token_request(provider: NexusProvider) -> None:
    """A typo of an offline simulator's name says so, without asking for a Nexus token."""
    for typo, meant in (
        ("offline_simulator_nonoise", "offline_simulator_no_noise"),
        ("Offline_Simulator_Noise", "offline_simulator_noise"),
    ):
        with pytest.raises(QiskitBackendNotFoundError) as info:
            provider.get_backend(typo)
        assert f"Did you mean {meant!r}?" in str(info.value)
        assert "token" not in str(info.value).replace("need no token", "")


def test_mistyped_nexus_name_suggests_the_device(nexus_emulator, store_path) -> None:
    remote = NexusProvider(
        token=nexus_emulator.token, url=nexus_emulator.url, store_path=store_path
    )
    with pytest.raises(QiskitBackendNotFoundError) as info:
        remote.get_backend("h1-1e")
    assert "Did you mean 'H1-1E'?" in str(info.value)
    with pytest.raises(QiskitBackendNotFoundError) as info:
        remote.get_backend("nothing-like-it")
    assert "Did you mean" not in str(info.value) and "H1-1E" in str(info.value)


def test_too_wide_for_an_offline_simulator_says_how_to_widen_it(provider: NexusProvider) -> None:
    from qiskit import QuantumCircuit

    from qiskit_nexus_provider import CircuitValidationError

    backend = provider.get_backend("offline_simulator_no_noise")
    wide = QuantumCircuit(25, 1)
    wide.measure(24, 0)
    with pytest.raises(CircuitValidationError) as info:
        backend.run(wide)
    assert "num_qubits=N" in str(info.value) and "has 20" in str(info.value)
    wider = provider.get_backend("offline_simulator_no_noise", num_qubits=25)
    assert wider.run(wide, shots=5).result().get_counts() == {"0": 5}
