"""H-series-like noise for the offline noisy simulator.

The figures are rounded from the *typical* values Quantinuum publishes for its trapped-ion systems
(System Model H1 and H2 product data sheets, 2023-2024: single-qubit gate infidelity about
2·10⁻⁵, two-qubit gate infidelity about 1·10⁻³, state-preparation-and-measurement error about
2·10⁻³ to 3·10⁻³).  They are an approximation meant to make noisy-simulation results look like
hardware results, **not** a calibration of any device; use a Nexus emulator (``H1-1E``,
``H2-1E``) for the real noise model.

Aer's ``depolarizing_error(p, n)`` maps ρ to ``(1-p)·ρ + p·I/d`` with ``d = 2**n``, whose average
gate infidelity is ``p·(d-1)/d``.  To get an average infidelity ``r`` we therefore use
``p = r·d/(d-1)``: ``2r`` for one qubit and ``4r/3`` for two.
"""

from __future__ import annotations

from dataclasses import dataclass

from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error, pauli_error

__all__ = ["HSERIES_NOISE", "NoiseFigures", "build_noise_model"]


@dataclass(frozen=True)
class NoiseFigures:
    """Average error rates of a noise model (infidelities, not channel parameters)."""

    one_qubit_infidelity: float = 2e-5
    """Average infidelity of ``r`` (PhasedX). ``rz`` is virtual on H-series and error free."""
    two_qubit_infidelity: float = 1e-3
    """Average infidelity of ``rzz`` (ZZPhase)."""
    readout_error: float = 3e-3
    """Probability that a measurement reports the wrong bit (symmetric)."""
    reset_error: float = 2e-3
    """Probability that a reset leaves the qubit in state 1 (state-preparation error)."""


HSERIES_NOISE = NoiseFigures()
"""The figures used by ``offline_simulator_noise``."""


def build_noise_model(figures: NoiseFigures = HSERIES_NOISE) -> NoiseModel:
    """Build an Aer :class:`~qiskit_aer.noise.NoiseModel` over the native gates ``r``, ``rzz``."""
    model = NoiseModel(basis_gates=["r", "rz", "rzz", "measure", "reset"])
    if figures.one_qubit_infidelity:
        model.add_all_qubit_quantum_error(
            depolarizing_error(2 * figures.one_qubit_infidelity, 1), ["r"]
        )
    if figures.two_qubit_infidelity:
        model.add_all_qubit_quantum_error(
            depolarizing_error(4 * figures.two_qubit_infidelity / 3, 2), ["rzz"]
        )
    if figures.readout_error:
        e = figures.readout_error
        model.add_all_qubit_readout_error(ReadoutError([[1 - e, e], [e, 1 - e]]))
    if figures.reset_error:
        e = figures.reset_error
        model.add_all_qubit_quantum_error(pauli_error([("X", e), ("I", 1 - e)]), ["reset"])
    return model
