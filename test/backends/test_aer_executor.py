"""Offline simulators on an executor (a local Dask cluster, a thread pool): same counts as in
process, parts seeded like Aer's batch; the executor is never persisted; device checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.random import random_circuit

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.backends.aer_executor import available_devices, executor_workers
from qiskit_nexus_provider.exceptions import OptionsError
from qiskit_nexus_provider.jobs.job import NexusJob

distributed = pytest.importorskip("distributed")

SEED = 1234


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    """Two single-threaded worker processes on loopback, closed after the module."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _batch(backend: Any, n: int = 9) -> list[QuantumCircuit]:
    circuits = [random_circuit(4, 5, measure=True, seed=k) for k in range(n)]
    return transpile(circuits, backend, seed_transpiler=1)


def _outcomes(job: Any) -> tuple[list[Any], list[Any]]:
    result = job.result()
    return result.get_counts(), [result.get_memory(k) for k in range(len(result.results))]


def test_dask_cluster_gives_the_single_process_counts(
    provider: NexusProvider, dask_client: Any
) -> None:
    backend = provider.get_backend("offline_simulator_noise", num_qubits=4)
    circuits = _batch(backend)
    options = {"shots": 200, "memory": True, "seed_simulator": SEED}
    alone = _outcomes(backend.run(circuits, **options))
    assert executor_workers(dask_client) == 2
    # Default split (one part per worker) and an uneven one (4 + 4 + 1).
    assert _outcomes(backend.run(circuits, executor=dask_client, **options)) == alone
    spread = backend.run(circuits, executor=dask_client, max_job_size=4, **options)
    assert _outcomes(spread) == alone
    assert len(spread.handle._futures) == 3


def test_composite_job_on_dask_gives_the_single_process_counts(
    provider: NexusProvider, dask_client: Any
) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=4)
    circuits = _batch(backend, 7)
    options = {"shots": 100, "seed_simulator": SEED, "max_circuits_per_job": 3}
    alone = backend.run(circuits, **options).result().get_counts()
    spread = backend.run(circuits, executor=dask_client, **options)
    assert spread.result().get_counts() == alone


def test_thread_pool_executor(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_noise", num_qubits=4)
    circuits = _batch(backend, 5)
    alone = _outcomes(backend.run(circuits, shots=50, memory=True, seed_simulator=SEED))
    with ThreadPoolExecutor(max_workers=3) as pool:
        job = backend.run(circuits, shots=50, memory=True, seed_simulator=SEED, executor=pool)
        assert _outcomes(job) == alone
        assert len(job.handle._futures) == 3


def test_executor_is_not_persisted(provider: NexusProvider, store_path: Path) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=4)
    circuits = _batch(backend, 3)
    with ThreadPoolExecutor(max_workers=2) as pool:
        job = backend.run(circuits, shots=50, seed_simulator=SEED, executor=pool)
        counts = job.result().get_counts()
        record = job.persist()
    assert "executor" not in json.loads(record.read_text())["record"]["options"]
    restored = NexusJob.restore(job.job_id(), store_path=store_path)
    assert restored.options.executor is None
    assert restored.result().get_counts() == counts


def test_backend_default_executor_survives_other_option_changes(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=4)
    with ThreadPoolExecutor(max_workers=2) as pool:
        backend.set_options(executor=pool)
        backend.set_options(shots=10)
        assert backend.run_options.executor is pool
        assert backend.options.executor is pool


def test_not_an_executor_is_refused(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=2)
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    with pytest.raises(OptionsError, match="submit"):
        backend.run(qc, executor="tcp://127.0.0.1:8786")


@pytest.mark.skipif("GPU" in available_devices(), reason="a GPU is available here")
def test_gpu_without_qiskit_aer_gpu_is_a_clear_error(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=2)
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    with pytest.raises(OptionsError, match="qiskit-aer-gpu"):
        backend.run(qc, device="GPU")


@pytest.mark.skipif("GPU" not in available_devices(), reason="needs qiskit-aer-gpu and a GPU")
def test_gpu_device_passes_through(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=2)
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.measure(0, 0)
    assert backend.run(qc, device="GPU", shots=10).result().get_counts() == {"1": 10}
