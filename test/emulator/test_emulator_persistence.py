"""State in a SQLite file survives restarts; interrupted jobs are resumed."""

from __future__ import annotations

from pathlib import Path

import httpx
from emulator_support import Api, job_body, refresh
from pytket.backends.backendresult import BackendResult

from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.emulator.store import Store


def connect(emulator: NexusEmulator) -> Api:
    client = httpx.Client(
        base_url=emulator.url, cookies={"myqos_id": refresh(emulator)}, timeout=60
    )
    return Api(emulator, client)


def test_restart_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "nexus.sqlite"
    with NexusEmulator(db=db, token="t") as first:
        api = connect(first)
        project_id = api.project("persistent")
        api.define(project_id, k="string")
        circuit_id = api.circuit(project_id)
        job = api.run(
            project_id, [circuit_id], {"type": "AerConfig", "seed": 1}, properties={"k": "v"}
        )
        result_id = job["data"]["attributes"]["definition"]["items"][0]["result_id"]
        before = api.result(result_id)
        api.client.close()
    with NexusEmulator(db=db, token="t") as second:
        api = connect(second)  # access tokens do not survive; the refresh token does
        assert second.job_count() == 1
        assert api.job(job["data"]["id"])["data"]["attributes"]["status"]["status"] == "COMPLETED"
        assert api.result(result_id) == before
        found = api.client.get(
            "/api/jobs/v1beta3", params={"filter[properties]": '(k,"v")'}
        ).json()["data"]
        assert [j["id"] for j in found] == [job["data"]["id"]]
        assert api.client.get(f"/api/circuits/v1beta2/{circuit_id}").status_code == 200
        api.client.close()


def test_queued_job_runs_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "nexus.sqlite"
    with NexusEmulator(db=db) as first:
        first.pause()
        api = connect(first)
        project_id = api.project()
        job_id = api.submit(project_id, [api.circuit(project_id)])["data"]["id"]
        assert first.wait_idle(30)
        assert api.status(job_id)["status"] == "QUEUED"
        api.client.close()
    with NexusEmulator(db=db) as second:
        assert second.wait_idle(60)
        api = connect(second)
        assert api.status(job_id)["status"] == "COMPLETED"
        api.client.close()


def test_running_job_resumes_after_restart(tmp_path: Path) -> None:
    """A job RUNNING when the emulator died (half its items done) finishes after a restart."""
    db = tmp_path / "nexus.sqlite"
    with NexusEmulator(db=db) as first:
        first.pause()
        api = connect(first)
        project_id = api.project()
        circuits = [api.circuit(project_id, name=f"c{i}") for i in range(2)]
        response = api.client.post("/api/jobs/v1beta3", json=job_body(project_id, circuits))
        job_id = response.json()["data"]["id"]
        assert first.wait_idle(30)
        api.client.close()
    # Simulate a crash in the middle of the job: claimed, first item done, second running.
    store = Store(db)
    job = store.claim_next_job()
    assert job is not None and job.id == job_id
    store.mark_items_running(job_id, [0, 1])
    store.close()

    with NexusEmulator(db=db) as second:
        assert second.wait_idle(60)
        api = connect(second)
        document = api.job(job_id)
        assert document["data"]["attributes"]["status"]["status"] == "COMPLETED"
        for item in document["data"]["attributes"]["definition"]["items"]:
            result = api.result(item["result_id"])["data"]["attributes"]
            assert sum(BackendResult.from_dict(result).get_counts().values()) == 100
        api.client.close()


def test_cancelling_job_is_cancelled_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "nexus.sqlite"
    with NexusEmulator(db=db) as first:
        first.pause()
        api = connect(first)
        project_id = api.project()
        job_id = api.submit(project_id, [api.circuit(project_id)])["data"]["id"]
        assert first.wait_idle(30)
        api.client.close()
    store = Store(db)
    assert store.claim_next_job() is not None
    assert store.cancel_job(job_id).status_name == "CANCELLING"
    store.close()
    with NexusEmulator(db=db) as second:
        assert second.wait_idle(60)
        assert second.jobs()[0]["status"] == "CANCELLED"


def test_in_memory_state_is_per_instance() -> None:
    with NexusEmulator() as first:
        api = connect(first)
        api.project("only-here")
        api.client.close()
    with NexusEmulator() as second:
        api = connect(second)
        assert api.client.get("/api/projects/v1beta2/meta/count").json() == {"count": 0}
        api.client.close()
