"""What the emulator lists as a device's width is what it runs, and a refusal names the limit.

The simulators (``aer_simulator``, ``qulacs``) list the emulator's limit, so ``backend.run``
refuses a wider circuit before anything is uploaded; Helios systems list their 98 qubits and the
emulator's refusal of a program wider than it simulates says so, and what to do instead.
"""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import CircuitValidationError, NexusProvider
from qiskit_nexus_provider.api.errors import NexusAPIError
from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.emulator.devices import MAX_SIMULATED_QUBITS


def ghz(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n, name=f"ghz-{n}")
    qc.h(0)
    for i in range(n - 1):
        qc.cx(i, i + 1)
    qc.measure_all()
    return qc


@pytest.mark.parametrize("name", ["aer_simulator", "qulacs"])
def test_simulators_list_the_width_the_emulator_runs(
    remote: NexusProvider, emu: NexusEmulator, name: str
) -> None:
    backend = remote.get_backend(name)
    assert backend.num_qubits == MAX_SIMULATED_QUBITS
    widest = transpile(ghz(MAX_SIMULATED_QUBITS), backend)
    counts = backend.run(widest, shots=10, seed_simulator=1).result().get_counts()
    assert set(counts) <= {"0" * MAX_SIMULATED_QUBITS, "1" * MAX_SIMULATED_QUBITS}
    circuits, jobs = emu.circuit_count(), emu.job_count()
    with pytest.raises(CircuitValidationError, match=f"uses 33 qubits but {name} has 32"):
        backend.run(ghz(MAX_SIMULATED_QUBITS + 1), shots=10)
    assert (emu.circuit_count(), emu.job_count()) == (circuits, jobs)  # nothing uploaded


def test_helios_wider_than_simulated_is_refused_before_upload(
    remote: NexusProvider, emu: NexusEmulator
) -> None:
    backend = remote.get_backend("Helios-1E-lite")
    assert backend.num_qubits == 98  # the device's shape, as Nexus lists it
    assert backend.simulated_qubits == MAX_SIMULATED_QUBITS
    assert f"at most {MAX_SIMULATED_QUBITS} of its 98 qubits" in backend.description
    wide = transpile(ghz(MAX_SIMULATED_QUBITS + 1), backend)
    jobs = emu.job_count()
    emu.clear_request_log()
    with pytest.raises(CircuitValidationError) as info:
        backend.run(wide, shots=10)
    message = str(info.value)
    for fragment in ("33 qubits", "at most 32 of its 98", "Helios-1SC"):
        assert fragment in message, message
    assert emu.job_count() == jobs and not any(  # nothing uploaded
        "/api/qir" in entry["path"] for entry in emu.request_log() if entry["method"] == "POST"
    )
    # The way out it names: the syntax checker takes the whole width (it does not simulate).
    checker = remote.get_backend("Helios-1SC")
    assert checker.simulated_qubits is None
    assert checker.run(wide, shots=10).result().get_counts() == {"0" * 33: 10}


def test_helios_refusal_by_the_emulator_names_the_limit_and_the_way_out(
    remote: NexusProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that does not read the listing's limit (qnexus, say) gets the same reasons."""
    backend = remote.get_backend("Helios-1E-lite")
    monkeypatch.setattr(type(backend), "simulated_qubits", property(lambda self: None))
    wide = transpile(ghz(MAX_SIMULATED_QUBITS + 1), backend)
    with pytest.raises(NexusAPIError) as info:
        backend.run(wide, shots=10).result()
    message = str(info.value)
    for fragment in ("33 qubits", "simulates at most 32", "has 98", "Helios-1SC"):
        assert fragment in message, message
