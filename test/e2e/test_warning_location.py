"""Warnings name the user's line (``warnings.warn``'s filename), whatever path reached them.

A fixed ``stacklevel`` named ``sys:1`` or pytest's ``python.py`` for the seed warning of an
H-series device (one frame fewer than on Helios, whose ``run`` adds one).
"""

from __future__ import annotations

import warnings

import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import NexusProvider, UnknownOptionWarning


def _bell() -> QuantumCircuit:
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return qc


@pytest.mark.parametrize("name", ["H1-1E", "Helios-1E-lite"])
def test_seed_warning_names_the_callers_line(remote: NexusProvider, name: str) -> None:
    backend = remote.get_backend(name)
    circuit = transpile(_bell(), backend)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backend.run(circuit, shots=10, seed_simulator=3).result()
    [seed] = [w for w in caught if "seed_simulator is ignored" in str(w.message)]
    assert seed.filename == __file__, seed.filename


def test_unknown_option_warning_names_the_callers_line(remote: NexusProvider) -> None:
    backend = remote.get_backend("offline_simulator_no_noise")
    with pytest.warns(UnknownOptionWarning) as caught:
        backend.run(transpile(_bell(), backend), shots=10, shotz=3).result()
    with pytest.warns(UnknownOptionWarning) as caught_set:
        backend.set_options(shotz=3)
    assert {w.filename for w in [*caught, *caught_set]} == {__file__}
