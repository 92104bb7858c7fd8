"""The same flows with the emulator failing 20% of requests: correct counts, no duplicate job."""

from __future__ import annotations

import pytest
from e2e_circuits import encode_index, expected_key
from qiskit import transpile

from qiskit_nexus_provider import NexusProvider

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}


@pytest.mark.parametrize(
    "faults",
    [
        {"error_rate": 0.2},
        {"rate_limit_rate": 0.2},
        {"disconnect_rate": 0.2},
        {"error_rate": 0.1, "rate_limit_rate": 0.05, "disconnect_rate": 0.05},
    ],
    ids=["5xx", "429", "disconnect", "mixed"],
)
def test_job_survives_flaky_server_without_duplicates(remote: NexusProvider, emu, faults) -> None:
    backend = remote.get_backend("aer_simulator")  # listed before the faults start
    circuits = transpile([encode_index(i) for i in range(16)], backend)
    jobs_before = emu.job_count()
    emu.set_faults(**faults, seed=1234)
    job = backend.run(circuits, shots=10, **FAST)
    result = job.result(timeout=120)
    injected = emu.fault_counts()
    emu.set_faults()
    assert [result.get_counts(i) for i in range(16)] == [{expected_key(i): 10} for i in range(16)]
    assert emu.job_count() == jobs_before + 1, "a lost response created a duplicate job"
    assert sum(injected.values()) > 0, "no fault was injected: the test proves nothing"


def test_retrieve_and_restore_through_faults(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile([encode_index(i) for i in range(4)], backend), shots=3, **FAST)
    job.persist()
    emu.set_faults(error_rate=0.2, disconnect_rate=0.1, seed=99)
    restored = remote.retrieve_job(job.job_id())
    counts = [restored.result(timeout=120).get_counts(i) for i in range(4)]
    emu.set_faults()
    assert counts == [{expected_key(i): 3} for i in range(4)]
