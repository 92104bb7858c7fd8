"""Endpoints and bodies of NexusClient: projects, circuits, jobs, results, devices, errors."""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from nexus_api_fakes import (
    BASE,
    PROJECT_ID,
    REFRESH_TOKEN,
    FakeSleep,
    body_of,
    job_json,
    resource,
)

from qiskit_nexus_provider.api import (
    AmbiguousResourceError,
    DataGoneError,
    NexusAPIError,
    NexusClient,
    PermissionDeniedError,
    ResourceNotFoundError,
    RetryPolicy,
    ServerError,
    job_items,
)
from qiskit_nexus_provider.api.models import JobStatusEnum
from qiskit_nexus_provider.api.query import format_property

PROJECTS = f"{BASE}/api/projects/v1beta2"
CIRCUITS = f"{BASE}/api/circuits/v1beta2"
JOBS = f"{BASE}/api/jobs/v1beta3"
KEY = "qiskit_nexus_client_key"

BELL = {
    "bits": [["c", [0]], ["c", [1]]],
    "commands": [
        {"args": [["q", [0]]], "op": {"type": "H"}},
        {"args": [["q", [0]], ["q", [1]]], "op": {"type": "CX"}},
    ],
    "created_qubits": [],
    "discarded_qubits": [],
    "implicit_permutation": [[["q", [0]], ["q", [0]]], [["q", [1]], ["q", [1]]]],
    "name": "inner name",
    "phase": "0.0",
    "qubits": [["q", [0]], ["q", [1]]],
}


def query(call: Any) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True)


def api_calls(mocked: responses.RequestsMock, method: str, url: str) -> list[Any]:
    return [
        c for c in mocked.calls if c.request.method == method and c.request.url.split("?")[0] == url
    ]


# ------------------------------------------------------------------------------------------------
# Projects


def test_get_or_create_project_creates_when_count_is_zero(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{PROJECTS}/meta/count", json={"count": 0})
    mocked.post(PROJECTS, status=201, json={"data": resource("p-new", "project", {"name": "x"})})
    assert client.get_or_create_project("x") == "p-new"
    count_call = api_calls(mocked, "GET", f"{PROJECTS}/meta/count")[0]
    assert sorted(query(count_call)) == [
        ("filter[archived]", "false"),
        ("filter[name_exact]", "x"),
        ("scope", "user"),
    ]
    create = api_calls(mocked, "POST", PROJECTS)[0]
    assert body_of(create.request) == {
        "data": {
            "attributes": {"name": "x", "properties": {}},
            "relationships": {},
            "type": "project",
        }
    }


def test_get_or_create_project_finds_the_existing_one(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{PROJECTS}/meta/count", json={"count": 1})
    page0 = {"data": [resource("p-old", "project", {"name": "x"})], "included": []}
    mocked.get(
        PROJECTS,
        match=[responses.matchers.query_param_matcher({"page[number]": "0"}, strict_match=False)],
        json=page0,
    )
    mocked.get(PROJECTS, json={"data": []})
    assert client.get_or_create_project("x") == "p-old"
    assert api_calls(mocked, "POST", PROJECTS) == []
    first_page = api_calls(mocked, "GET", PROJECTS)[0]
    assert ("filter[name_exact]", "x") in query(first_page)
    assert ("page[number]", "0") in query(first_page)


def test_get_or_create_project_refuses_ambiguous_names(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{PROJECTS}/meta/count", json={"count": 2})
    with pytest.raises(AmbiguousResourceError, match="2 unarchived projects"):
        client.get_or_create_project("x")


def test_project_creation_with_lost_response_is_recovered(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{PROJECTS}/meta/count", json={"count": 0})
    mocked.post(PROJECTS, body=requests.ConnectionError("connection reset"))
    mocked.get(
        PROJECTS,
        match=[responses.matchers.query_param_matcher({"page[number]": "0"}, strict_match=False)],
        json={"data": [resource("p-made", "project", {"name": "x"})]},
    )
    mocked.get(PROJECTS, json={"data": []})
    assert client.get_or_create_project("x") == "p-made"
    assert len(api_calls(mocked, "POST", PROJECTS)) == 1


# ------------------------------------------------------------------------------------------------
# Circuits


def test_upload_circuit_body(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.post(CIRCUITS, status=201, json={"data": resource("c1", "circuit", {"name": "bell"})})
    assert client.upload_circuit(PROJECT_ID, BELL, "bell", {"shots": 10}) == "c1"
    body = body_of(api_calls(mocked, "POST", CIRCUITS)[0].request)
    assert body == {
        "data": {
            "attributes": {**BELL, "name": "bell", "properties": {"shots": 10}},
            "relationships": {"project": {"data": {"id": PROJECT_ID, "type": "project"}}},
            "type": "circuit",
        }
    }


def test_upload_circuit_requires_a_name_and_201(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError, match="name"):
        client.upload_circuit(PROJECT_ID, BELL, "")
    mocked.post(CIRCUITS, status=200, json={"data": resource("c1", "circuit")})
    with pytest.raises(NexusAPIError) as info:
        client.upload_circuit(PROJECT_ID, BELL, "bell")
    assert info.value.status_code == 200


def test_upload_circuits_is_concurrent_and_preserves_order(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    n = 4
    finished = [threading.Event() for _ in range(n)]

    def upload(request: Any) -> tuple[int, dict[str, str], str]:
        name = body_of(request)["data"]["attributes"]["name"]
        index = int(name.removeprefix("circ"))
        # Upload i completes only after upload i+1: the uploads finish in reverse order, which
        # is only possible if they run at the same time.
        if index + 1 < n and not finished[index + 1].wait(timeout=10):
            return 500, {}, json.dumps({"message": "uploads were not concurrent"})
        finished[index].set()
        return 201, {}, json.dumps({"data": resource(f"id-{index}", "circuit")})

    mocked.add_callback(responses.POST, CIRCUITS, callback=upload)
    progress: list[int] = []
    ids = client.upload_circuits(
        PROJECT_ID,
        [(f"circ{i}", BELL) for i in range(n)],
        max_workers=n,
        progress=progress.append,
    )
    assert ids == [f"id-{i}" for i in range(n)]
    assert progress == sorted(set(progress)) and progress[-1] == n


def test_upload_circuits_propagates_failures(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(CIRCUITS, status=403, json={"message": "read-only project"})
    with pytest.raises(PermissionDeniedError, match="read-only project"):
        client.upload_circuits(PROJECT_ID, [("a", BELL), ("b", BELL)], max_workers=2)
    assert client.upload_circuits(PROJECT_ID, []) == []


# ------------------------------------------------------------------------------------------------
# Job submission


def job_accepted(request: Any) -> tuple[int, dict[str, str], str]:
    properties = body_of(request)["data"]["attributes"]["properties"]
    return 202, {}, json.dumps({"data": job_json("job-1", properties)})


def test_start_execute_job_body(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.add_callback(responses.POST, JOBS, callback=job_accepted)
    job = client.start_execute_job(
        project_id=PROJECT_ID,
        name="j",
        program_ids=["c1", "c2"],
        n_shots=[10, 20],
        backend_config={"type": "AerConfig", "simulation_method": "automatic", "n_qubits": 40},
        properties={"user": "x"},
    )
    assert job.id == "job-1"
    body = body_of(api_calls(mocked, "POST", JOBS)[0].request)
    key = body["data"]["attributes"]["properties"]["qiskit_nexus_client_key"]
    assert len(key) == 32 and int(key, 16) >= 0
    assert body == {
        "data": {
            "attributes": {
                "name": "j",
                "description": "",
                "properties": {"user": "x", "qiskit_nexus_client_key": key},
                "job_type": "execute",
                "definition": {
                    "job_definition_type": "execute_job_definition",
                    "backend_config": {
                        "type": "AerConfig",
                        "simulation_method": "automatic",
                        "n_qubits": 40,
                    },
                    "user_group": None,
                    "target_region": None,
                    "valid_check": True,
                    "language": "AUTO",
                    "wasm_module_id": None,
                    "gpu_decoder_config_id": None,
                    "credential_name": None,
                    "items": [
                        {"program_id": "c1", "n_shots": 10},
                        {"program_id": "c2", "n_shots": 20},
                    ],
                },
            },
            "relationships": {"project": {"data": {"id": PROJECT_ID, "type": "project"}}},
            "type": "job",
        }
    }
    assert api_calls(mocked, "GET", JOBS) == []  # no lookup when nothing went wrong


def test_each_submission_gets_a_fresh_key(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.add_callback(responses.POST, JOBS, callback=job_accepted)
    for _ in range(2):
        client.start_execute_job(
            project_id=PROJECT_ID,
            name="j",
            program_ids=["c1"],
            n_shots=[1],
            backend_config={"type": "AerConfig"},
        )
    keys = {
        body_of(c.request)["data"]["attributes"]["properties"]["qiskit_nexus_client_key"]
        for c in api_calls(mocked, "POST", JOBS)
    }
    assert len(keys) == 2


def test_start_compile_job_body(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.add_callback(responses.POST, JOBS, callback=job_accepted)
    config = {"type": "QuantinuumConfig", "device_name": "H2-1LE", "batch_id": None}
    client.start_compile_job(
        project_id=PROJECT_ID, name="cj", program_ids=["c1"], backend_config=config
    )
    attributes = body_of(api_calls(mocked, "POST", JOBS)[0].request)["data"]["attributes"]
    key = attributes["properties"]["qiskit_nexus_client_key"]
    assert attributes == {
        "name": "cj",
        "description": "",
        "properties": {"qiskit_nexus_client_key": key},
        "job_type": "compile",
        "definition": {
            "job_definition_type": "compile_job_definition",
            "backend_config": config,
            "user_group": None,
            "hypertket_config": None,
            "optimisation_level": 2,
            "credential_name": None,
            "items": [{"program_id": "c1"}],
            "skip_store_intermediate_passes": True,
        },
    }


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"program_ids": [], "n_shots": []}, ValueError),
        ({"program_ids": ["a", "b"], "n_shots": [1]}, ValueError),
        ({"program_ids": "abc", "n_shots": [1, 1, 1]}, TypeError),
        ({"program_ids": ["a"], "n_shots": [1], "backend_config": {}}, ValueError),
    ],
)
def test_start_execute_job_validates_arguments(
    client: NexusClient, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    arguments: dict[str, Any] = {
        "project_id": PROJECT_ID,
        "name": "j",
        "backend_config": {"type": "AerConfig"},
        **kwargs,
    }
    with pytest.raises(error):
        client.start_execute_job(**arguments)


def submit(nexus: NexusClient) -> Any:
    return nexus.start_execute_job(
        project_id=PROJECT_ID,
        name="j",
        program_ids=["c1"],
        n_shots=[10],
        backend_config={"type": "AerConfig"},
    )


def posted_keys(mocked: responses.RequestsMock) -> list[str]:
    return [
        body_of(c.request)["data"]["attributes"]["properties"]["qiskit_nexus_client_key"]
        for c in api_calls(mocked, "POST", JOBS)
    ]


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.ConnectionError("Connection aborted: RemoteDisconnected")},
        {"body": requests.ReadTimeout("read timed out")},
        {"status": 502, "body": "bad gateway"},
    ],
    ids=["reset", "read-timeout", "502"],
)
def test_lost_job_response_is_found_by_key_without_second_post(
    client: NexusClient, mocked: responses.RequestsMock, failure: dict[str, Any]
) -> None:
    mocked.post(JOBS, **failure)

    def lookup(request: Any) -> tuple[int, dict[str, str], str]:
        (key,) = posted_keys(mocked)
        params = dict(parse_qsl(urlsplit(request.url).query))
        if params.get("page[number]") != "0":
            return 200, {}, json.dumps({"data": []})
        assert params["filter[properties]"] == f'(qiskit_nexus_client_key,"{key}")'
        assert params["scope"] == "user"
        job = job_json("job-lost", {"qiskit_nexus_client_key": key})
        return 200, {}, json.dumps({"data": [job]})

    mocked.add_callback(responses.GET, JOBS, callback=lookup)
    assert submit(client).id == "job-lost"
    assert len(api_calls(mocked, "POST", JOBS)) == 1


def test_lost_job_response_not_found_is_posted_again_with_same_key(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(JOBS, body=requests.ConnectionError("Connection aborted"))
    mocked.add_callback(responses.POST, JOBS, callback=job_accepted)
    mocked.get(JOBS, json={"data": []})
    assert submit(client).id == "job-1"
    keys = posted_keys(mocked)
    assert len(keys) == 2 and keys[0] == keys[1]
    assert len(api_calls(mocked, "GET", JOBS)) == 1  # one lookup, page 0 empty


def test_job_refused_before_sending_is_posted_again_without_lookup(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(JOBS, body=requests.ConnectTimeout("connect timed out"))
    mocked.add_callback(responses.POST, JOBS, callback=job_accepted)
    assert submit(client).id == "job-1"
    assert api_calls(mocked, "GET", JOBS) == []


def test_exhausted_job_submission_makes_a_final_lookup(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(JOBS, status=503, json={"message": "overloaded"})
    found: list[bool] = []

    def lookup(request: Any) -> tuple[int, dict[str, str], str]:
        # The job shows up only after the last POST.
        visible = len(api_calls(mocked, "POST", JOBS)) == 4
        page0 = dict(parse_qsl(urlsplit(request.url).query))["page[number]"] == "0"
        key = posted_keys(mocked)[0]
        data = [job_json("job-late", {KEY: key})] if visible and page0 else []
        found.append(bool(data))
        return 200, {}, json.dumps({"data": data})

    mocked.add_callback(responses.GET, JOBS, callback=lookup)
    assert submit(client).id == "job-late"
    assert len(api_calls(mocked, "POST", JOBS)) == 4
    assert found[-1] is True


def test_exhausted_job_submission_not_found_raises(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(JOBS, status=500, json={"message": "down"})
    mocked.get(JOBS, json={"data": []})
    with pytest.raises(ServerError, match="down"):
        submit(client)
    assert len(api_calls(mocked, "POST", JOBS)) == 4


def test_lost_response_on_a_real_socket_creates_no_duplicate(local_server: Any) -> None:
    """The server stores the job, then drops the connection before answering."""
    stored: list[dict[str, Any]] = []

    def create(request: Any) -> None:
        properties = request.json()["data"]["attributes"]["properties"]
        stored.append(job_json(f"job-{len(stored)}", properties))
        return None  # the response is lost

    def lookup(request: Any) -> tuple[int, dict[str, str], Any]:
        params = dict(parse_qsl(urlsplit(request.path).query))
        wanted = params["filter[properties]"]
        matches = [
            job
            for job in stored
            if wanted == format_property(KEY, job["attributes"]["properties"][KEY])
        ]
        return 200, {}, {"data": matches if params["page[number]"] == "0" else []}

    local_server.route("POST", "/api/jobs/v1beta3", create)
    local_server.route("GET", "/api/jobs/v1beta3", lookup)
    sleeps = FakeSleep()
    policy = RetryPolicy(jitter=0, sleep=sleeps)
    with NexusClient(local_server.url, token=REFRESH_TOKEN, retry=policy) as nexus:
        assert submit(nexus).id == "job-0"
    assert sleeps.delays == [0.5]
    posts = [r for r in local_server.requests if r.method == "POST" and "jobs" in r.path]
    assert len(posts) == 1
    assert len(stored) == 1


# ------------------------------------------------------------------------------------------------
# Jobs


def test_get_job_and_items(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{JOBS}/j1", json={"data": job_json("j1"), "included": []})
    job = client.get_job("j1")
    assert job.relationships["project"].data.id == PROJECT_ID  # type: ignore[union-attr]
    (item,) = job_items(job)
    assert item.status.status is JobStatusEnum.COMPLETED
    assert (item.result_id, item.result_type, item.n_shots) == ("r0", "PYTKET", 10)
    assert client.job_items(job) == [item]
    assert ("scope", "user") in query(api_calls(mocked, "GET", f"{JOBS}/j1")[0])


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, ResourceNotFoundError), (410, DataGoneError), (403, PermissionDeniedError)],
)
def test_get_job_error_mapping(
    client: NexusClient, mocked: responses.RequestsMock, status: int, error: type[Exception]
) -> None:
    mocked.get(
        f"{JOBS}/j1",
        status=status,
        json={"message": f"m{status}", "timestamp": "t", "trace_id": "abc"},
    )
    with pytest.raises(error) as info:
        client.get_job("j1")
    exc = info.value
    assert isinstance(exc, NexusAPIError)
    assert (exc.status_code, exc.message, exc.method) == (status, f"m{status}", "GET")
    assert exc.url is not None and exc.url.startswith(f"{JOBS}/j1")
    assert exc.details == {"timestamp": "t", "trace_id": "abc"}
    assert "trace_id: abc" in str(exc) and f"returned {status}" in str(exc)


def test_non_json_error_body_is_kept_raw(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{JOBS}/j1", status=418, body="I'm a teapot")
    with pytest.raises(NexusAPIError) as info:
        client.get_job("j1")
    assert type(info.value) is NexusAPIError
    assert info.value.message == "I'm a teapot"


def test_fastapi_detail_body(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{JOBS}/j1", status=422, json={"detail": [{"loc": ["x"], "msg": "bad"}]})
    with pytest.raises(NexusAPIError, match="bad"):
        client.get_job("j1")


def test_malformed_success_body(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{JOBS}/j1", body="not json")
    with pytest.raises(NexusAPIError, match="not JSON"):
        client.get_job("j1")


def test_get_job_status_is_flat(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{JOBS}/j1/attributes/status",
        json={"status": "RUNNING", "message": "", "queue_position": 3},
    )
    status = client.get_job_status("j1")
    assert status.status is JobStatusEnum.RUNNING and status.queue_position == 3


def test_job_ids_are_path_escaped(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{JOBS}/a%2F..%2Fb", json={"data": job_json("x")})
    client.get_job("a/../b")
    assert len(api_calls(mocked, "GET", f"{JOBS}/a%2F..%2Fb")) == 1


def test_list_jobs_paginates_until_an_empty_page(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    pages = {0: ["a", "b"], 1: ["c"], 2: []}

    def page(request: Any) -> tuple[int, dict[str, str], str]:
        number = int(dict(parse_qsl(urlsplit(request.url).query))["page[number]"])
        return 200, {}, json.dumps({"data": [job_json(i) for i in pages[number]]})

    mocked.add_callback(responses.GET, JOBS, callback=page)
    jobs = client.list_jobs(
        project_id=PROJECT_ID,
        status=[JobStatusEnum.RUNNING, "QUEUED"],
        properties={"flag": True, "n": 5, "s": "v"},
        page_size=2,
    )
    assert [job.id for job in jobs] == ["a", "b", "c"]
    calls = api_calls(mocked, "GET", JOBS)
    assert [dict(query(c))["page[number]"] for c in calls] == ["0", "1", "2"]
    assert query(calls[0]) == [
        ("filter[project][id]", PROJECT_ID),
        ("filter[status][status]", "RUNNING"),
        ("filter[status][status]", "QUEUED"),
        ("filter[properties]", "(flag,true)"),
        ("filter[properties]", "(n,5)"),
        ("filter[properties]", '(s,"v")'),
        ("scope", "user"),
        ("page[number]", "0"),
        ("page[size]", "2"),
    ]


def test_list_jobs_omits_page_size_by_default_and_is_lazy(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(JOBS, json={"data": [job_json("a")]})
    first = next(client.list_jobs())
    assert first.id == "a"
    calls = api_calls(mocked, "GET", JOBS)
    assert len(calls) == 1
    assert query(calls[0]) == [("scope", "user"), ("page[number]", "0")]


def test_lookup_ignores_jobs_without_the_key(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    """A server that ignores ``filter[properties]`` must not make another job look like ours."""
    mocked.post(JOBS, body=requests.ConnectionError("Connection aborted"))
    mocked.add_callback(responses.POST, JOBS, callback=job_accepted)
    others = [job_json("other-1"), job_json("other-2", {KEY: "someone else"})]
    mocked.get(
        JOBS,
        match=[responses.matchers.query_param_matcher({"page[number]": "0"}, strict_match=False)],
        json={"data": others},
    )
    mocked.get(JOBS, json={"data": []})
    assert submit(client).id == "job-1"
    assert len(api_calls(mocked, "POST", JOBS)) == 2


def test_list_jobs_rejects_bad_page_size(client: NexusClient) -> None:
    with pytest.raises(ValueError):
        client.list_jobs(page_size=0)


def test_list_jobs_stops_if_server_ignores_page_number(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(JOBS, json={"data": [job_json("a")]})
    assert [job.id for job in client.list_jobs()] == ["a"]
    assert len(api_calls(mocked, "GET", JOBS)) == 2


def test_count_jobs(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{JOBS}/meta/count", json={"count": 42})
    assert client.count_jobs(status="COMPLETED", job_type="execute") == 42
    assert query(api_calls(mocked, "GET", f"{JOBS}/meta/count")[0]) == [
        ("filter[status][status]", "COMPLETED"),
        ("filter[job_type]", "execute"),
        ("scope", "user"),
    ]


def test_invalid_status_filter(client: NexusClient) -> None:
    with pytest.raises(ValueError):
        client.count_jobs(status="running")


def test_cancel_retry_delete(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.post(f"{JOBS}/j1/rpc/cancel", status=202, json={})
    mocked.post(f"{JOBS}/j1/rpc/retry", status=202, json={})
    mocked.delete(f"{JOBS}/j1", status=204)
    client.cancel_job("j1")
    client.retry_job("j1")
    client.retry_job("j1", retry_status=["ERROR", JobStatusEnum.CANCELLED])
    client.delete_job("j1")
    cancel = api_calls(mocked, "POST", f"{JOBS}/j1/rpc/cancel")[0]
    assert body_of(cancel.request) == {} and query(cancel) == [("scope", "user")]
    retries = api_calls(mocked, "POST", f"{JOBS}/j1/rpc/retry")
    assert body_of(retries[0].request) == {"remote_retry_strategy": "FULL_RESTART"}
    assert body_of(retries[1].request) == {
        "remote_retry_strategy": "FULL_RESTART",
        "retry_status": ["ERROR", "CANCELLED"],
    }
    assert query(retries[0]) == []
    assert query(api_calls(mocked, "DELETE", f"{JOBS}/j1")[0]) == [("scope", "user")]


def test_delete_requires_204(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.delete(f"{JOBS}/j1", status=200, json={})
    with pytest.raises(NexusAPIError):
        client.delete_job("j1")


# ------------------------------------------------------------------------------------------------
# Results, compilations, circuits, devices


def test_get_result_returns_backend_result_dict(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    result = {"qubits": [], "bits": [["c", [0]]], "shots": {"width": 1, "array": [[0], [128]]}}
    mocked.get(
        f"{BASE}/api/results/v1beta3/r0",
        json={"data": {"id": "r0", "type": "result", "attributes": result}, "included": []},
    )
    assert client.get_result("r0") == result


def test_get_result_gone(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/results/v1beta3/r0", status=410, json={"message": "purged"})
    with pytest.raises(DataGoneError, match="purged"):
        client.get_result("r0")


def test_get_compilation_and_circuit(client: NexusClient, mocked: responses.RequestsMock) -> None:
    compilation = resource("comp", "compilation", {"name": "x"})
    compilation["relationships"]["compiled_circuit"] = {"data": {"id": "c2", "type": "circuit"}}
    mocked.get(f"{BASE}/api/compilations/v1beta3/comp", json={"data": compilation})
    mocked.get(f"{CIRCUITS}/c2", json={"data": resource("c2", "circuit", {**BELL, "name": "b"})})
    got = client.get_compilation("comp")
    circuit_id = got.relationships["compiled_circuit"].data.id  # type: ignore[union-attr]
    assert client.get_circuit(circuit_id) == {**BELL, "name": "b"}


def test_get_devices(client: NexusClient, mocked: responses.RequestsMock) -> None:
    info = {
        "name": "AerBackend",
        "device_name": None,
        "version": "1",
        "device": {"nodes": [], "edges": []},
        "gate_set": ["CX"],
        "supports_fast_feedforward": False,
        "supports_reset": True,
        "supports_midcircuit_measurement": True,
    }
    mocked.get(
        f"{BASE}/api/v5/available_devices", json=[{"is_local": True, "backend_info_list": [info]}]
    )
    entries = client.get_devices(backend=["AerConfig", "AerStateConfig"], is_local=True)
    assert entries[0].is_local and entries[0].backend_info_list[0].name == "AerBackend"
    assert query(mocked.calls[-1]) == [
        ("backend", "AerConfig"),
        ("backend", "AerStateConfig"),
        ("is_local", "true"),
    ]


def test_a_malformed_device_is_skipped_with_one_warning(
    client: NexusClient, mocked: responses.RequestsMock
) -> None:
    good = {
        "name": "QuantinuumBackend",
        "device_name": "H1-1E",
        "version": "1",
        "device": {"nodes": [], "edges": []},
        "gate_set": ["Rz"],
        "supports_fast_feedforward": True,
        "supports_reset": True,
        "supports_midcircuit_measurement": True,
    }
    broken = {**good, "device_name": "H9-1", "gate_set": None}
    no_device = {k: v for k, v in good.items() if k != "device"}
    mocked.get(
        f"{BASE}/api/v5/available_devices",
        json=[
            {"is_local": False, "backend_info_list": [broken, good, no_device]},
            {"is_local": True, "backend_info_list": "not a list"},
        ],
    )
    with pytest.warns(RuntimeWarning, match="Skipped 3 malformed device") as caught:
        entries = client.get_devices()
    assert len(caught) == 1 and "H9-1" in str(caught[0].message)
    assert [i.device_name for e in entries for i in e.backend_info_list] == ["H1-1E"]


def test_get_devices_rejects_non_array(client: NexusClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/v5/available_devices", json={"data": []})
    with pytest.raises(NexusAPIError, match="array"):
        client.get_devices()
