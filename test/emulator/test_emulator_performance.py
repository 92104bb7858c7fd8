"""Speed: 1000 transpiled 5-qubit circuits (jobs of 300, the service's limit) run in seconds."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from emulator_support import Api, job_body
from pytket import Circuit
from pytket.backends.backendresult import BackendResult

N_CIRCUITS = 1000
MAX_JOB_ITEMS = 300
SHOTS = 100


def native_circuit(rng: random.Random, index: int) -> Circuit:
    """A random 5-qubit circuit in the H-series gate set (as after transpilation): ~60 gates."""
    circuit = Circuit(5, 5, f"c{index}")
    for layer in range(4):
        for q in range(5):
            circuit.PhasedX(round(rng.uniform(-1, 1), 6), round(rng.uniform(-1, 1), 6), q)
            circuit.Rz(round(rng.uniform(-1, 1), 6), q)
        for a in range(layer % 2, 4, 2):
            circuit.ZZPhase(round(rng.uniform(-1, 1), 6), a, a + 1)
    return circuit.measure_all()


@pytest.mark.slow
@pytest.mark.parametrize(
    "config",
    [{"type": "QuantinuumConfig", "device_name": "H2-1E"}, {"type": "AerConfig", "seed": 7}],
    ids=["H2-1E-noisy", "Aer"],
)
def test_thousand_circuit_job(api: Api, config: dict[str, Any], record_property: Any) -> None:
    rng = random.Random(2024)
    project_id = api.project()
    start = time.perf_counter()
    circuit_ids = [
        api.circuit(project_id, native_circuit(rng, i), f"c{i}") for i in range(N_CIRCUITS)
    ]
    upload = time.perf_counter() - start

    start = time.perf_counter()
    job_ids = []
    for first in range(0, N_CIRCUITS, MAX_JOB_ITEMS):  # Nexus: at most 300 programs per job
        chunk = circuit_ids[first : first + MAX_JOB_ITEMS]
        response = api.client.post(
            "/api/jobs/v1beta3", json=job_body(project_id, chunk, config, shots=SHOTS)
        )
        assert response.status_code == 202, response.text
        job_ids.append(response.json()["data"]["id"])
    assert api.emulator.wait_idle(300)
    run = time.perf_counter() - start

    items = []
    for job_id in job_ids:
        attributes = api.job(job_id)["data"]["attributes"]
        assert attributes["status"]["status"] == "COMPLETED", attributes["status"]
        items.extend(attributes["definition"]["items"])
    assert len(items) == N_CIRCUITS and all(i["status"]["status"] == "COMPLETED" for i in items)
    for item in (items[0], items[-1]):
        result = BackendResult.from_dict(api.result(item["result_id"])["data"]["attributes"])
        assert sum(result.get_counts().values()) == SHOTS
    record_property("upload_seconds", round(upload, 2))
    record_property("job_seconds", round(run, 2))
    label = config["type"]
    print(f"\n{label}: uploaded {N_CIRCUITS} circuits in {upload:.2f} s; job ran in {run:.2f} s")
    assert run < 60, f"1000 circuits took {run:.1f} s"
