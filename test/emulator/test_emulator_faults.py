"""Fault injection: every kind is observable, reproducible and leaves the server healthy."""

from __future__ import annotations

import time

import httpx
import pytest
from emulator_support import Api, job_body

from qiskit_nexus_provider.emulator import FaultConfig, NexusEmulator

PROJECTS = "/api/projects/v1beta2"


def statuses(api: Api, n: int) -> list[object]:
    out: list[object] = []
    for _ in range(n):
        try:
            out.append(api.client.get(PROJECTS).status_code)
        except httpx.TransportError as exc:
            out.append(type(exc).__name__)
    return out


def test_error_rate(api: Api) -> None:
    api.emulator.set_faults(error_rate=1.0, seed=3)
    responses = [api.client.get(PROJECTS) for _ in range(12)]
    assert {r.status_code for r in responses} == {500, 503}
    for response in responses:
        assert response.json()["message"].startswith("Injected fault")
        if response.status_code == 503:
            assert response.headers["retry-after"] == "0"
    # Internal endpoints are never faulted.
    assert api.client.get("/_emulator/health").status_code == 200
    assert api.client.get("/openapi.json").status_code == 200
    api.emulator.set_faults()
    assert api.client.get(PROJECTS).status_code == 200
    assert api.emulator.fault_counts()["error"] == 12


def test_rate_limit(api: Api) -> None:
    api.emulator.set_faults(rate_limit_rate=1.0)
    response = api.client.post(PROJECTS, json={"data": {"attributes": {"name": "never"}}})
    assert response.status_code == 429 and response.headers["retry-after"] == "0"
    assert "rate limit" in response.json()["message"]
    api.emulator.set_faults()
    # The rate-limited request was not processed.
    assert api.client.get(PROJECTS + "/meta/count").json() == {"count": 0}


def test_disconnect_after_processing(api: Api) -> None:
    api.emulator.set_faults(disconnect_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        api.client.post(PROJECTS, json={"data": {"attributes": {"name": "ghost"}}})
    api.emulator.set_faults()
    # The client saw no answer, yet the project was created: retrying blindly would duplicate.
    listing = api.client.get(PROJECTS, params={"filter[name_exact]": "ghost"}).json()["data"]
    assert len(listing) == 1
    entry = api.emulator.request_log()[-2]
    assert entry["fault"] == "disconnect" and entry["status"] == 201 and entry["method"] == "POST"
    # The server is fine afterwards.
    assert api.client.get(PROJECTS).status_code == 200


def test_disconnect_of_job_submission_keeps_job_findable_by_key(api: Api) -> None:
    project_id = api.project()
    circuit_id = api.circuit(project_id)
    api.define(project_id, idempotency_key="string")
    api.emulator.set_faults(disconnect_rate=1.0)
    body = job_body(project_id, [circuit_id], properties={"idempotency_key": "abc-123"})
    with pytest.raises(httpx.TransportError):
        api.client.post("/api/jobs/v1beta3", json=body)
    api.emulator.set_faults()
    found = api.client.get(
        "/api/jobs/v1beta3", params={"filter[properties]": '(idempotency_key,"abc-123")'}
    )
    assert len(found.json()["data"]) == 1
    assert api.emulator.jobs()[0]["properties"] == {"idempotency_key": "abc-123"}


def test_latency(api: Api) -> None:
    api.emulator.set_faults(latency=0.3)
    start = time.perf_counter()
    assert api.client.get(PROJECTS).status_code == 200
    assert time.perf_counter() - start >= 0.3
    api.emulator.set_faults()
    start = time.perf_counter()
    api.client.get(PROJECTS)
    assert time.perf_counter() - start < 0.3


def test_fail_next_jobs(api: Api) -> None:
    project_id = api.project()
    circuit_id = api.circuit(project_id)
    api.emulator.set_faults(fail_next_jobs=2)
    compiled = api.client.post(
        "/api/jobs/v1beta3", json=job_body(project_id, [circuit_id], job_type="compile")
    )
    assert compiled.status_code == 202  # compile jobs do not use up the failures
    jobs = [api.submit(project_id, [circuit_id])["data"]["id"] for _ in range(3)]
    assert api.emulator.wait_idle(60)
    states = [api.status(j) for j in jobs]
    assert [s["status"] for s in states] == ["ERROR", "ERROR", "COMPLETED"]
    assert (
        states[0]["message"] == "Injected failure"
        and states[0]["error_detail"] == "Injected failure"
    )
    item = api.job(jobs[0])["data"]["attributes"]["definition"]["items"][0]
    assert item["status"]["status"] == "ERROR" and item["status"]["message"] == "Injected failure"
    assert api.status(compiled.json()["data"]["id"])["status"] == "COMPLETED"
    # A retry of an injected failure succeeds.
    assert api.client.post(f"/api/jobs/v1beta3/{jobs[0]}/rpc/retry", json={}).status_code == 202
    assert api.emulator.wait_idle(60)
    assert api.status(jobs[0])["status"] == "COMPLETED"
    assert api.emulator.fault_counts()["job_failure"] == 2


def test_faults_are_reproducible(api: Api) -> None:
    api.emulator.set_faults(error_rate=0.2, rate_limit_rate=0.2, disconnect_rate=0.2, seed=42)
    first = statuses(api, 25)
    api.emulator.set_faults(error_rate=0.2, rate_limit_rate=0.2, disconnect_rate=0.2, seed=42)
    second = statuses(api, 25)
    assert first == second
    assert {200, 429, "RemoteProtocolError"} <= set(first) and {500, 503} & set(first)
    counts = api.emulator.fault_counts()
    assert counts["disconnect"] == 2 * first.count("RemoteProtocolError")
    log = api.emulator.request_log()
    assert [e["fault"] for e in log[-25:]].count("rate_limit") == first.count(429)


def test_faults_from_constructor() -> None:
    with NexusEmulator(faults={"rate_limit_rate": 1.0}) as emulator:
        assert httpx.get(emulator.url + PROJECTS).status_code == 429
    with NexusEmulator(faults=FaultConfig(access_token_ttl=0)) as emulator:
        auth = httpx.post(
            emulator.url + "/auth/tokens/refresh", cookies={"myqos_oat": emulator.token}
        )
        assert (
            httpx.get(
                emulator.url + PROJECTS, cookies={"myqos_id": auth.cookies["myqos_id"]}
            ).status_code
            == 401
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"error_rate": 1.5},
        {"error_rate": 0.6, "rate_limit_rate": 0.6},
        {"latency": -1},
        {"fail_next_jobs": -1},
        {"access_token_ttl": -5},
    ],
)
def test_invalid_fault_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        FaultConfig(**kwargs)  # type: ignore[arg-type]


def test_wait_requests_drained(api: Api) -> None:
    """A request still being served (here: delayed) keeps the emulator from being drained."""
    import threading

    api.emulator.set_faults(latency=0.5)

    def slow_request() -> None:
        with httpx.Client(base_url=api.emulator.url) as client:
            client.get(PROJECTS)

    thread = threading.Thread(target=slow_request)
    thread.start()
    assert api.emulator._ctx.faults.wait_busy(timeout=30)  # the server holds the request
    assert api.emulator.wait_requests_drained(timeout=0.05) is False
    assert api.emulator.wait_requests_drained(timeout=30) is True
    thread.join()
