"""The done-when fault test of issue 11: a 1000-circuit composite through a flaky service.

20 % of requests answered 5xx, 5 % answered 429 and 5 % processed but their response dropped;
the client uses the default :class:`RetryPolicy` (its attempts and delays, with time compressed
so that the test runs in seconds).  Every count must be right, each slot must have exactly one
server job, and nothing may be raised to the user.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from qiskit import QuantumCircuit, transpile
from test_remote_composite import sub_jobs_on_server

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.api.config import RetryPolicy

COUNT, WIDTH, SHOTS = 1000, 10, 2
FAULT_MIX = {"error_rate": 0.2, "rate_limit_rate": 0.05, "disconnect_rate": 0.05}
TIME_COMPRESSION = 50.0


def index_circuit(index: int) -> QuantumCircuit:
    qc = QuantumCircuit(WIDTH, WIDTH, name=f"index-{index}")
    for bit in range(WIDTH):
        if (index >> bit) & 1:
            qc.x(bit)
    qc.measure(range(WIDTH), range(WIDTH))
    return qc


def default_policy_compressed() -> RetryPolicy:
    """The default policy: same attempts, backoff and caps; sleeps 50 times shorter."""
    return dataclasses.replace(
        RetryPolicy(), sleep=lambda seconds: time.sleep(seconds / TIME_COMPRESSION)
    )


@pytest.fixture(scope="module")
def circuits(emulator) -> list[QuantumCircuit]:
    provider = NexusProvider(token=emulator.token, url=emulator.url, project="e2e")
    return transpile(
        [index_circuit(i) for i in range(COUNT)], provider.get_backend("aer_simulator")
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_1000_circuits_under_the_fault_mix_default_policy(
    emu, circuits, store_path: Path, tmp_path: Path, monkeypatch, seed: int
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    provider = NexusProvider(
        token=emu.token,
        url=emu.url,
        project="e2e",
        store_path=store_path,
        retry=default_policy_compressed(),
    )
    backend = provider.get_backend("aer_simulator")  # listed before the faults start
    emu.set_faults(**FAULT_MIX, seed=seed)
    job = backend.run(
        circuits, shots=SHOTS, poll_interval=0.05, poll_max_interval=0.2, with_progress_bar=False
    )
    result = job.result(timeout=600)
    injected = emu.fault_counts()
    emu.set_faults()
    assert [result.get_counts(i) for i in range(COUNT)] == [
        {format(i, f"0{WIDTH}b"): SHOTS} for i in range(COUNT)
    ]
    on_server = sub_jobs_on_server(emu, job.job_id())
    assert {i: len(jobs) for i, jobs in on_server.items()} == dict.fromkeys(
        range(len(job.slots)), 1
    )
    assert min(injected.get(k, 0) for k in ("error", "rate_limit", "disconnect")) > 0, injected
