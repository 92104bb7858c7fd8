"""Very large angles are reduced exactly before they become half-turns."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import RGate
from qiskit.quantum_info import Statevector

from qiskit_nexus_provider.encoding import to_pytket_dict
from qiskit_nexus_provider.encoding.gates import exact_half_turns, half_turns


def encoded_r_angle(theta: float) -> float:
    qc = QuantumCircuit(1)
    qc.append(RGate(theta, 0.0), [0])
    (command,) = [c for c in to_pytket_dict(qc)["commands"] if c["op"]["type"] != "Barrier"]
    return float(command["op"]["params"][0])


@pytest.mark.parametrize(
    "theta", [(1e14 + 0.12) * math.pi, 1e20 + 0.5, -3.3e17, 1e300, 2.5e6 + 0.3]
)
def test_large_angle_keeps_the_probability_aer_gives(theta: float) -> None:
    expected = float(Statevector(RGate(theta, 0.0).to_matrix()[:, 0]).probabilities()[1])
    x = encoded_r_angle(theta)
    assert 0.0 <= x < 4.0
    assert math.sin(math.pi * x / 2) ** 2 == pytest.approx(expected, abs=1e-9)


def test_issue_example_gives_0_033() -> None:
    x = encoded_r_angle((1e14 + 0.12) * math.pi)
    assert math.sin(math.pi * x / 2) ** 2 == pytest.approx(0.0335, abs=0.002)


def test_small_angles_keep_the_pytket_identical_path() -> None:
    for theta in np.linspace(-1000, 1000, 101):
        assert (
            abs(float(half_turns(float(theta), 4)) - exact_half_turns(float(theta), 4)) % 4 < 1e-9
        )


def test_non_finite_angles_are_refused() -> None:
    from qiskit_nexus_provider.encoding.gates import UnsupportedAngleError

    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(UnsupportedAngleError):
            exact_half_turns(bad, 2)
