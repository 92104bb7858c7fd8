"""Which qiskit-aer simulation method (and device) runs a batch of circuits on the emulator.

Nexus' ``QuantinuumConfig`` asks for a ``"state-vector"`` or ``"stabilizer"`` simulator; the
emulator honours the answer while picking the Aer method that can run the circuits:

* ``stabilizer`` when asked for, and chosen automatically for Clifford circuits (every gate
  angle a multiple of pi/2, see :mod:`~qiskit_nexus_provider.emulator.clifford`) wider than
  :data:`DENSITY_MATRIX_MAX_QUBITS` qubits, under the device's depolarizing noise (a Pauli
  channel): any width up to the device's, in seconds (a 56-qubit GHZ state with noise).
  Narrower Clifford circuits keep the methods below (as cheap, and their seeded counts stay
  as they were); a custom ``aer_noise_model`` keeps them too (it may be non-Pauli).
* ``density_matrix`` for noisy circuits of at most :data:`DENSITY_MATRIX_MAX_QUBITS` qubits
  (one evolution then sampling, instead of one noisy trajectory per shot).
* ``statevector`` up to :data:`STATEVECTOR_MAX_QUBITS` qubits (noisy: one trajectory per shot,
  so the cost grows as ``shots * 2**n``; ideal: one evolution).
* ``matrix_product_state`` above that, up to the device's size: its cost grows with the
  entanglement of the circuit, not with ``2**n``, so wide circuits of low entanglement (GHZ-like
  states, shallow or local circuits) run in seconds where a state vector would need
  ``16 * 2**n`` bytes and hours.
* On a machine whose qiskit-aer has a ``"GPU"`` device (qiskit-aer-gpu), state-vector and
  density-matrix simulations run there.

Explicit qiskit-aer methods of an ``AerConfig`` are used as given.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = [
    "DENSITY_MATRIX_MAX_QUBITS",
    "STATEVECTOR_MAX_QUBITS",
    "SimulationChoice",
    "select_method",
]

DENSITY_MATRIX_MAX_QUBITS = 10
"""Widest noisy circuit simulated as a density matrix (``16 * 4**10`` bytes = 16 MiB)."""

STATEVECTOR_MAX_QUBITS = 24
"""Widest circuit simulated as a state vector (``16 * 2**24`` bytes = 256 MiB per state); wider
ones use ``matrix_product_state``.  Measured: a 25-qubit noisy H2-1E job of 300 shots ran for
more than 10 minutes as state vectors (issue 13)."""


class SimulationChoice(tuple[str, str]):
    """``(method, device)`` for ``AerSimulator(method=..., device=...)``."""

    @property
    def method(self) -> str:
        return self[0]

    @property
    def device(self) -> str:
        return self[1]


@lru_cache(maxsize=1)
def _gpu_available() -> bool:
    from qiskit_aer import AerSimulator

    return "GPU" in AerSimulator().available_devices()


def select_method(
    requested: str, width: int, noisy: bool, clifford: bool = False
) -> SimulationChoice:
    """The Aer method and device for circuits of at most ``width`` qubits.

    Args:
        requested: the target's method: ``"statevector"`` (Nexus' ``"state-vector"``
            simulator), ``"stabilizer"``, ``"automatic"`` or another qiskit-aer method.
        width: qubits of the widest circuit of the batch.
        noisy: whether a noise model applies.
        clifford: whether every circuit of the batch is Clifford and its noise a Pauli channel.

    Returns:
        The method and device (``"CPU"`` or ``"GPU"``), as described in the module docs.
    """
    method = requested
    if method in ("statevector", "automatic"):
        if clifford and width > DENSITY_MATRIX_MAX_QUBITS:
            method = "stabilizer"
        elif width > STATEVECTOR_MAX_QUBITS:
            method = "matrix_product_state"
        elif noisy and width <= DENSITY_MATRIX_MAX_QUBITS:
            method = "density_matrix"
        else:
            method = "statevector"
    device = "GPU" if method in ("statevector", "density_matrix") and _gpu_available() else "CPU"
    return SimulationChoice((method, device))
