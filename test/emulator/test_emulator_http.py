"""The emulator's REST API over real HTTP: status codes, shapes, filters and pagination."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from emulator_support import LISTED_DEVICES, Api, bell, circuit_body, job_body, native_bell
from pytket import Circuit
from pytket.backends.backendresult import BackendResult

from qiskit_nexus_provider.api.models import BackendInfo, DevicesEntry, JobStatus
from qiskit_nexus_provider.emulator.devices import DEVICES


def assert_error(response, status: int, fragment: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"message", "timestamp", "trace_id"}
    assert fragment in body["message"]


# --------------------------------------------------------------------------------------------
# projects


def test_project_lifecycle(api: Api) -> None:
    c = api.client
    created = c.post(
        "/api/projects/v1beta2",
        json={
            "data": {
                "attributes": {"name": "p1", "description": "d", "properties": {}},
                "relationships": {},
                "type": "project",
            }
        },
    )
    assert created.status_code == 201
    project = created.json()["data"]
    api.define(project["id"], a="int")
    project = c.patch(
        f"/api/projects/v1beta2/{project['id']}",
        json={"data": {"attributes": {"properties": {"a": 1}}, "type": "project"}},
    ).json()["data"]
    attrs = project["attributes"]
    assert project["type"] == "project" and uuid.UUID(project["id"])
    assert attrs["name"] == "p1" and attrs["description"] == "d" and attrs["properties"] == {"a": 1}
    assert attrs["archived"] is False and "contents_modified" in attrs
    dt.datetime.fromisoformat(attrs["timestamps"]["created"])

    got = c.get(f"/api/projects/v1beta2/{project['id']}", params={"scope": "user"})
    assert got.status_code == 200 and got.json()["data"]["attributes"]["name"] == "p1"

    assert_error(
        c.post("/api/projects/v1beta2", json={"data": {"attributes": {"name": "p1"}}}), 409, "p1"
    )
    # Cannot delete before archiving.
    assert_error(c.delete(f"/api/projects/v1beta2/{project['id']}"), 400, "archived")
    patched = c.patch(
        f"/api/projects/v1beta2/{project['id']}",
        json={
            "data": {
                "attributes": {"name": "p1-renamed", "description": None, "archived": True},
                "relationships": {},
                "type": "project",
            }
        },
    )
    assert patched.status_code == 200
    assert patched.json()["data"]["attributes"]["archived"] is True
    assert patched.json()["data"]["attributes"]["description"] == "d"  # null leaves it unchanged
    deleted = c.delete(f"/api/projects/v1beta2/{project['id']}", params={"scope": "user"})
    assert deleted.status_code == 204 and deleted.content == b""
    # A deleted project is gone (410), not unknown (404).
    assert_error(c.get(f"/api/projects/v1beta2/{project['id']}"), 410, "was deleted")


def test_project_delete_cascades(api: Api) -> None:
    pid = api.project("doomed")
    cid = api.circuit(pid)
    job = api.run(pid, [cid])
    result_id = job["data"]["attributes"]["definition"]["items"][0]["result_id"]
    api.client.patch(
        f"/api/projects/v1beta2/{pid}", json={"data": {"attributes": {"archived": True}}}
    )
    assert api.client.delete(f"/api/projects/v1beta2/{pid}").status_code == 204
    for path in (
        f"/api/circuits/v1beta2/{cid}",
        f"/api/jobs/v1beta3/{job['data']['id']}",
        f"/api/results/v1beta3/{result_id}",
    ):
        assert api.client.get(path).status_code == 410  # gone with the project, not unknown


def test_project_listing_count_and_pagination(api: Api) -> None:
    names = [f"proj-{i:02d}" for i in range(7)]
    for name in names:
        api.project(name)
    c = api.client
    common = {
        "filter[archived]": "false",
        "filter[timestamps][created][after]": "2023-01-01 00:00:00",
        "scope": "user",
    }
    assert c.get("/api/projects/v1beta2/meta/count", params=common).json() == {"count": 7}
    seen = []
    for page in range(4):
        response = c.get(
            "/api/projects/v1beta2", params={**common, "page[number]": page, "page[size]": 3}
        )
        assert response.status_code == 200
        data = response.json()["data"]
        assert "included" in response.json()
        seen.extend(p["attributes"]["name"] for p in data)
        if page == 3:
            assert data == []  # empty page past the end
    assert sorted(seen) == names and len(seen) == 7
    # Default order is newest first; explicit sorts are honoured.
    first = c.get("/api/projects/v1beta2", params=common).json()["data"]
    assert [p["attributes"]["name"] for p in first] == names[::-1]
    by_name = c.get("/api/projects/v1beta2", params={**common, "sort": "name"}).json()["data"]
    assert [p["attributes"]["name"] for p in by_name] == names
    exact = c.get(
        "/api/projects/v1beta2/meta/count", params={**common, "filter[name_exact]": "proj-03"}
    )
    assert exact.json() == {"count": 1}
    fuzzy = c.get("/api/projects/v1beta2/meta/count", params={"filter[name_fuzzy]": "PROJ-0"})
    assert fuzzy.json() == {"count": 7}
    future = c.get(
        "/api/projects/v1beta2/meta/count",
        params={"filter[timestamps][created][after]": "2999-01-01"},
    )
    assert future.json() == {"count": 0}
    assert_error(c.get("/api/projects/v1beta2", params={"sort": "bogus"}), 400, "sort")
    assert_error(
        c.get("/api/projects/v1beta2", params={"filter[timestamps][created][after]": "yesterday"}),
        400,
    )
    assert_error(c.get("/api/projects/v1beta2", params={"page[number]": -1}), 422, "page[number]")


def test_archived_filter(api: Api) -> None:
    keep, archive = api.project("keep"), api.project("archive")
    api.client.patch(
        f"/api/projects/v1beta2/{archive}", json={"data": {"attributes": {"archived": True}}}
    )
    live = api.client.get("/api/projects/v1beta2", params={"filter[archived]": "false"}).json()[
        "data"
    ]
    assert [p["id"] for p in live] == [keep]
    archived = api.client.get("/api/projects/v1beta2", params={"filter[archived]": "true"}).json()[
        "data"
    ]
    assert [p["id"] for p in archived] == [archive]


# --------------------------------------------------------------------------------------------
# circuits


def test_circuit_upload_get_list_patch(api: Api) -> None:
    pid = api.project()
    api.define(pid, x="bool", y="int")
    response = api.client.post(
        "/api/circuits/v1beta2", json=circuit_body(pid, bell(), "my-bell", properties={"x": True})
    )
    assert response.status_code == 201
    document = response.json()
    circuit_id = document["data"]["id"]
    assert document["data"]["attributes"]["name"] == "my-bell"
    assert document["included"][0]["id"] == pid

    got = api.client.get(f"/api/circuits/v1beta2/{circuit_id}", params={"scope": "user"}).json()
    assert got["data"]["relationships"]["project"]["data"] == {"id": pid, "type": "project"}
    assert [p["id"] for p in got["included"]] == [pid]
    attrs = {k: v for k, v in got["data"]["attributes"].items() if v is not None}
    loaded = Circuit.from_dict(attrs)  # content round-trips through pytket
    assert loaded.get_commands() == bell().get_commands() and loaded.name == "my-bell"
    assert attrs["properties"] == {"x": True}

    other = api.project("other")
    api.circuit(other, name="elsewhere")
    listed = api.client.get("/api/circuits/v1beta2", params={"filter[project][id]": pid}).json()
    assert [c["id"] for c in listed["data"]] == [circuit_id]
    assert {p["id"] for p in listed["included"]} == {pid}
    assert api.client.get("/api/circuits/v1beta2/meta/count").json() == {"count": 2}
    props = api.client.get(
        "/api/circuits/v1beta2/meta/count", params={"filter[properties]": "(x,true)"}
    )
    assert props.json() == {"count": 1}

    patched = api.client.patch(
        f"/api/circuits/v1beta2/{circuit_id}",
        json={
            "data": {
                "attributes": {"name": "renamed", "properties": {"y": 2}},
                "relationships": {},
                "type": "circuit",
            }
        },
    )
    assert patched.status_code == 200
    assert patched.json()["data"]["attributes"]["name"] == "renamed"
    assert patched.json()["data"]["attributes"]["properties"] == {"x": True, "y": 2}


@pytest.mark.parametrize(
    ("attributes", "fragment"),
    [
        ({"name": "x", "qubits": []}, "'phase'"),
        (
            {
                "name": "x",
                "phase": "0",
                "qubits": [],
                "bits": [],
                "implicit_permutation": [],
                "commands": [{"op": {"type": "Nonsense"}, "args": []}],
            },
            "Nonsense",
        ),
        (
            {
                "name": "x",
                "phase": "0",
                "qubits": [["q", [0]]],
                "bits": [],
                "implicit_permutation": [],
                "commands": [{"op": {"type": "H"}, "args": [["q", [7]]]}],
            },
            "q[7]",
        ),
        ({**bell().to_dict(), "name": ""}, "name"),
        ({**bell().to_dict(), "name": "ok", "properties": {"a": [1]}}, "properties"),
    ],
)
def test_malformed_circuits_are_400(api: Api, attributes: dict, fragment: str) -> None:
    pid = api.project()
    body = {"data": {"attributes": attributes, "relationships": {"project": {"data": {"id": pid}}}}}
    assert_error(api.client.post("/api/circuits/v1beta2", json=body), 400, fragment)


def test_circuit_in_unknown_project_is_404(api: Api) -> None:
    assert_error(
        api.client.post("/api/circuits/v1beta2", json=circuit_body(str(uuid.uuid4()))),
        404,
        "project",
    )


# --------------------------------------------------------------------------------------------
# execute jobs and results


def test_execute_job_shapes(api: Api) -> None:
    pid = api.project()
    api.define(pid, key="string")
    cid = api.circuit(pid)
    submitted = api.submit(
        pid, [cid, cid], {"type": "AerConfig", "seed": 11}, shots=50, properties={"key": "abc"}
    )
    data = submitted["data"]
    assert data["attributes"]["status"]["status"] == "SUBMITTED"
    assert data["attributes"]["status"]["message"] == ""
    JobStatus.model_validate(data["attributes"]["status"])
    assert data["attributes"]["name"] == "job" and "timestamps" in data["attributes"]
    assert api.emulator.wait_idle(60)

    job = api.job(data["id"])
    assert job["included"][0]["id"] == pid and job["included"][0]["type"] == "project"
    attrs = job["data"]["attributes"]
    assert attrs["job_type"] == "execute"
    assert attrs["definition"]["backend_config"]["type"] == "AerConfig"
    assert attrs["status"]["status"] == "COMPLETED"
    for key in ("submitted_time", "queued_time", "running_time", "completed_time"):
        assert attrs["status"][key] is not None
    assert job["data"]["relationships"]["programs"] == {"data": [{"id": cid, "type": "circuit"}]}
    items = attrs["definition"]["items"]
    assert [i["item_id"] for i in items] == [0, 1]
    for item in items:
        assert item["status"]["status"] == "COMPLETED"
        assert item["result_type"] == "PYTKET" and item["n_shots"] == 50
        assert isinstance(item["status"]["cost"], float)

    status = api.status(data["id"])
    assert status["status"] == "COMPLETED" and "data" not in status

    result = api.result(items[0]["result_id"])
    assert result["data"]["relationships"]["program"]["data"] == {"id": cid, "type": "circuit"}
    snapshot = next(i for i in result["included"] if i["type"] == "backend_snapshot")
    assert result["data"]["relationships"]["backend_snapshot"]["data"]["id"] == snapshot["id"]
    info = BackendInfo.model_validate(snapshot["attributes"])
    assert info.name == "AerBackend" and info.device_name == "aer_simulator"
    backend_result = BackendResult.from_dict(result["data"]["attributes"])
    counts = backend_result.get_counts()
    assert sum(counts.values()) == 50 and set(counts) <= {(0, 0), (1, 1)}
    # Seeded: both items of the job, and a rerun, give the same shots.
    second = api.result(items[1]["result_id"])["data"]["attributes"]
    again = api.run(pid, [cid], {"type": "AerConfig", "seed": 11}, shots=50)
    third = api.result(again["data"]["attributes"]["definition"]["items"][0]["result_id"])
    assert third["data"]["attributes"] == result["data"]["attributes"]
    assert second["shots"]["width"] == 2


def test_results_follow_pytket_bit_order(api: Api) -> None:
    """Bits named as in the circuit, sorted like pytket, each readout in its own bit."""
    circuit = Circuit(3)
    reg_b, reg_a = circuit.add_c_register("zz", 2), circuit.add_c_register("aa", 1)
    circuit.X(0).X(2)
    circuit.Measure(circuit.qubits[0], reg_b[1])  # 1
    circuit.Measure(circuit.qubits[1], reg_b[0])  # 0
    circuit.Measure(circuit.qubits[2], reg_a[0])  # 1
    pid = api.project()
    job = api.run(pid, [api.circuit(pid, circuit, "regs")], shots=5)
    attrs = api.result(job["data"]["attributes"]["definition"]["items"][0]["result_id"])["data"][
        "attributes"
    ]
    assert attrs["bits"] == [["aa", [0]], ["zz", [0]], ["zz", [1]]]
    result = BackendResult.from_dict(attrs)
    assert result.get_counts() == {(1, 0, 1): 5}
    assert result.get_counts(cbits=[reg_b[1]]) == {(1,): 5}


def test_job_validation_errors(api: Api) -> None:
    pid = api.project()
    cid = api.circuit(pid)
    c = api.client
    post = lambda body: c.post("/api/jobs/v1beta3", json=body)  # noqa: E731
    assert_error(post(job_body(pid, [str(uuid.uuid4())])), 404, "circuit")
    assert_error(post(job_body(str(uuid.uuid4()), [cid])), 404, "project")
    assert_error(
        post(job_body(pid, [cid], {"type": "IBMQConfig", "backend_name": "x"})), 400, "IBMQConfig"
    )
    assert_error(
        post(job_body(pid, [cid], {"type": "QuantinuumConfig", "device_name": "H9-9"})), 400, "H9-9"
    )
    assert_error(post(job_body(pid, [cid], {"type": "QuantinuumConfig"})), 400, "device_name")
    assert_error(
        post(job_body(pid, [cid], {"type": "AerConfig", "simulation_method": "magic"})),
        400,
        "magic",
    )
    assert_error(
        post(job_body(pid, [cid], {"type": "AerConfig", "noise_model": {"errors": "x"}})),
        400,
        "noise_model",
    )
    assert_error(post(job_body(pid, [cid], shots=None)), 400, "n_shots")
    assert_error(post(job_body(pid, [cid], shots=0)), 422, "n_shots")
    assert_error(
        post(
            job_body(pid, [cid], {"type": "QuantinuumConfig", "device_name": "H1-1E"}, shots=10**5)
        ),
        400,
        "n_shots",
    )
    assert_error(post(job_body(pid, [])), 422, "items")
    bad_type = job_body(pid, [cid])
    bad_type["data"]["attributes"]["job_type"] = "compile"
    assert_error(post(bad_type), 400, "job_definition_type")
    assert api.emulator.job_count() == 0


def test_qubit_limits(api: Api) -> None:
    pid = api.project()
    wide = Circuit(34, 1, "wide").X(33).Measure(33, 0)
    cid = api.circuit(pid, wide, "wide")
    c = api.client
    assert_error(c.post("/api/jobs/v1beta3", json=job_body(pid, [cid])), 400, "at most 32 qubits")
    assert_error(
        c.post(
            "/api/jobs/v1beta3",
            json=job_body(pid, [cid], {"type": "QuantinuumConfig", "device_name": "H1-1E"}),
        ),
        400,
        "H1-1E has 20",
    )
    # A syntax checker only validates, so wide circuits are fine there (up to the device size).
    native_wide = Circuit(34, 1, "native-wide").PhasedX(1, 0, 33).Measure(33, 0)
    ok = api.run(
        pid,
        [api.circuit(pid, native_wide, "nw")],
        {"type": "QuantinuumConfig", "device_name": "H2-1SC"},
    )
    assert ok["data"]["attributes"]["status"]["status"] == "COMPLETED"


def test_job_listing_filters(api: Api) -> None:
    p1, p2 = api.project("one"), api.project("two")
    api.define(p1, idem="string", n="int", flag="bool")
    api.define(p2, idem="string")
    c1, c2 = api.circuit(p1), api.circuit(p2)
    a = api.run(p1, [c1], name="alpha", properties={"idem": "k-1", "n": 3, "flag": True})["data"][
        "id"
    ]
    b = api.run(p2, [c2], name="beta", properties={"idem": "k-2"})["data"]["id"]
    failing = api.run(p2, [c2], {"type": "QuantinuumConfig", "device_name": "H1-1E"}, name="gamma")[
        "data"
    ]["id"]
    compile_job = api.client.post(
        "/api/jobs/v1beta3", json=job_body(p1, [c1], {"type": "AerConfig"}, job_type="compile")
    )
    assert compile_job.status_code == 202
    assert api.emulator.wait_idle(60)

    def ids(**params: object) -> list[str]:
        response = api.client.get("/api/jobs/v1beta3", params={"scope": "user", **params})
        assert response.status_code == 200, response.text
        document = response.json()
        for job in document["data"]:  # every project referenced is included
            project_id = job["relationships"]["project"]["data"]["id"]
            assert any(p["id"] == project_id for p in document["included"])
        return [j["id"] for j in document["data"]]

    assert ids(**{"filter[properties]": '(idem,"k-1")'}) == [a]
    assert ids(**{"filter[properties]": ['(idem,"k-1")', "(n,3)", "(flag,true)"]}) == [a]
    assert ids(**{"filter[properties]": "(flag,1)"}) == []  # booleans never equal numbers
    assert ids(**{"filter[properties]": '(idem,"nope")'}) == []
    assert set(ids(**{"filter[project][id]": p2})) == {b, failing}
    assert ids(**{"filter[status][status]": "ERROR"}) == [failing]
    assert set(
        ids(**{"filter[status][status]": ["COMPLETED", "ERROR"], "filter[job_type]": "execute"})
    ) == {a, b, failing}
    assert ids(**{"filter[job_type]": "compile"}) == [compile_job.json()["data"]["id"]]
    assert ids(**{"filter[name_exact]": "beta"}) == [b]
    count = api.client.get(
        "/api/jobs/v1beta3/meta/count", params={"filter[properties]": '(idem,"k-2")'}
    )
    assert count.json() == {"count": 1}
    assert_error(
        api.client.get("/api/jobs/v1beta3", params={"filter[properties]": "idem=k"}),
        400,
        "(key,value)",
    )
    assert_error(
        api.client.get("/api/jobs/v1beta3", params={"filter[status][status]": "SLEEPING"}), 422
    )
    assert ids(**{"page[number]": 5}) == []


def test_cancel_retry_delete(api: Api) -> None:
    pid = api.project()
    cid = api.circuit(pid)
    emu = api.emulator
    emu.pause()
    job_id = api.submit(pid, [cid])["data"]["id"]
    assert emu.wait_idle(30)
    assert api.status(job_id)["status"] == "QUEUED"
    assert api.status(job_id)["queue_position"] == 0
    response = api.client.post(
        f"/api/jobs/v1beta3/{job_id}/rpc/cancel", json={}, params={"scope": "user"}
    )
    assert response.status_code == 202
    status = api.status(job_id)
    assert status["status"] == "CANCELLED" and status["cancelled_time"] is not None
    emu.resume()
    assert emu.wait_idle(30)
    assert api.status(job_id)["status"] == "CANCELLED"  # never ran
    # Retrying a CANCELLED job needs retry_status to include it.
    assert_error(
        api.client.post(
            f"/api/jobs/v1beta3/{job_id}/rpc/retry", json={"remote_retry_strategy": "FULL_RESTART"}
        ),
        400,
        "CANCELLED",
    )
    retry = api.client.post(
        f"/api/jobs/v1beta3/{job_id}/rpc/retry",
        json={"remote_retry_strategy": "FULL_RESTART", "retry_status": ["ERROR", "CANCELLED"]},
    )
    assert retry.status_code == 202
    assert emu.wait_idle(60)
    job = api.job(job_id)
    assert job["data"]["attributes"]["status"]["status"] == "COMPLETED"
    assert job["data"]["attributes"]["definition"]["items"][0]["result_id"]
    # Cancelling a finished job changes nothing.
    assert api.client.post(f"/api/jobs/v1beta3/{job_id}/rpc/cancel", json={}).status_code == 202
    assert api.status(job_id)["status"] == "COMPLETED"
    assert_error(
        api.client.post(f"/api/jobs/v1beta3/{job_id}/rpc/retry", json={}), 400, "COMPLETED"
    )
    result_id = job["data"]["attributes"]["definition"]["items"][0]["result_id"]
    assert (
        api.client.delete(f"/api/jobs/v1beta3/{job_id}", params={"scope": "user"}).status_code
        == 204
    )
    # A deleted job, and its results, are gone (410); an id never issued is unknown (404).
    assert_error(api.client.get(f"/api/jobs/v1beta3/{job_id}"), 410, "deleted")
    assert_error(api.client.get(f"/api/results/v1beta3/{result_id}"), 410, "deleted")
    for method, path in (
        ("post", "rpc/cancel"),
        ("post", "rpc/retry"),
        ("get", "attributes/status"),
    ):
        assert_error(getattr(api.client, method)(f"/api/jobs/v1beta3/{job_id}/{path}"), 410)
        unknown = f"/api/jobs/v1beta3/{uuid.uuid4()}/{path}"
        assert_error(getattr(api.client, method)(unknown), 404)
    assert_error(api.client.delete(f"/api/jobs/v1beta3/{job_id}"), 410)
    assert_error(api.client.delete(f"/api/jobs/v1beta3/{uuid.uuid4()}"), 404)


def test_retry_of_failed_job(api: Api) -> None:
    """A job failing on a bad gate set can be retried (FULL_RESTART re-runs every item)."""
    pid = api.project()
    cid = api.circuit(pid)
    job = api.run(pid, [cid], {"type": "QuantinuumConfig", "device_name": "H2-1E"})
    status = job["data"]["attributes"]["status"]
    assert status["status"] == "ERROR" and "gate set" in status["error_detail"]
    assert (
        api.client.post(
            f"/api/jobs/v1beta3/{job['data']['id']}/rpc/retry",
            json={"remote_retry_strategy": "FULL_RESTART"},
        ).status_code
        == 202
    )
    assert api.emulator.wait_idle(60)
    assert api.status(job["data"]["id"])["status"] == "ERROR"  # same circuit, same verdict


# --------------------------------------------------------------------------------------------
# devices


def test_syntax_checker_and_emulators(api: Api) -> None:
    pid = api.project()
    native = api.circuit(pid, native_bell(), "native")
    foreign = api.circuit(pid, bell(), "foreign")

    sc = api.run(
        pid, [native, foreign], {"type": "QuantinuumConfig", "device_name": "H1-1SC"}, shots=20
    )
    items = sc["data"]["attributes"]["definition"]["items"]
    assert sc["data"]["attributes"]["status"]["status"] == "ERROR"
    assert items[0]["status"]["status"] == "COMPLETED"
    assert items[1]["status"]["status"] == "ERROR"
    assert "CX, H" in items[1]["status"]["message"] and "gate set" in items[1]["status"]["message"]
    assert items[1]["result_type"] is None
    zeros = BackendResult.from_dict(api.result(items[0]["result_id"])["data"]["attributes"])
    assert zeros.get_counts() == {(0, 0): 20}
    assert items[0]["status"]["cost"] > 5  # HQC-like cost reported by the syntax checker

    for device in ("H1-1E", "H2-1LE", "H1-1", "H2-1"):
        job = api.run(pid, [native], {"type": "QuantinuumConfig", "device_name": device}, shots=200)
        attrs = job["data"]["attributes"]
        assert attrs["status"]["status"] == "COMPLETED", attrs["status"]
        assert attrs["status"]["cost"] > 5
        result = api.result(attrs["definition"]["items"][0]["result_id"])
        counts = BackendResult.from_dict(result["data"]["attributes"]).get_counts()
        assert counts[(0, 0)] + counts[(1, 1)] >= 190  # a Bell state, with rare noise
        snapshot = result["included"][0]["attributes"]
        assert snapshot["device_name"] == device and snapshot["name"] == "QuantinuumBackend"


def test_noise_is_applied(api: Api) -> None:
    """With exaggerated error_params the H-series emulator's noise shows; noiseless it does not."""
    pid = api.project()
    circuit = Circuit(1, 1, "id").PhasedX(1, 0, 0).PhasedX(1, 0, 0).Measure(0, 0)  # identity
    cid = api.circuit(pid, circuit, "ident")

    def ones(config: dict) -> int:
        job = api.run(pid, [cid], config, shots=2000)
        result = api.result(job["data"]["attributes"]["definition"]["items"][0]["result_id"])
        return BackendResult.from_dict(result["data"]["attributes"]).get_counts().get((1,), 0)

    noisy = {"type": "QuantinuumConfig", "device_name": "H1-1E", "error_params": {"p_meas": 0.25}}
    assert 350 < ones(noisy) < 650
    assert (
        ones({"type": "QuantinuumConfig", "device_name": "H1-1E", "noisy_simulation": False}) == 0
    )


def test_compile_job_and_compilation_records(api: Api) -> None:
    pid = api.project()
    cid = api.circuit(pid, bell(), "to-compile")
    response = api.client.post(
        "/api/jobs/v1beta3",
        json=job_body(
            pid,
            [cid],
            {"type": "QuantinuumConfig", "device_name": "H2-1E"},
            job_type="compile",
            optimisation_level=1,
        ),
    )
    assert response.status_code == 202
    assert api.emulator.wait_idle(60)
    job = api.job(response.json()["data"]["id"])
    assert job["data"]["attributes"]["job_type"] == "compile"
    item = job["data"]["attributes"]["definition"]["items"][0]
    assert item["status"]["status"] == "COMPLETED"
    compilation = api.client.get(
        f"/api/compilations/v1beta3/{item['compilation_id']}", params={"scope": "user"}
    )
    assert compilation.status_code == 200
    rels = compilation.json()["data"]["relationships"]
    assert rels["original_circuit"]["data"]["id"] == cid
    assert compilation.json()["included"][0]["id"] == pid
    compiled = api.client.get(
        f"/api/circuits/v1beta2/{rels['compiled_circuit']['data']['id']}"
    ).json()
    circuit = Circuit.from_dict(
        {k: v for k, v in compiled["data"]["attributes"].items() if v is not None}
    )
    assert {cmd.op.type.name for cmd in circuit.get_commands()} <= set(DEVICES["H2-1E"].gate_set)
    # The compiled circuit runs on the device.
    run = api.run(
        pid, [compiled["data"]["id"]], {"type": "QuantinuumConfig", "device_name": "H2-1E"}
    )
    assert run["data"]["attributes"]["status"]["status"] == "COMPLETED"
    passes = api.client.get(
        "/api/compilation_passes/v1beta2",
        params={"filter[compilation][id]": item["compilation_id"]},
    )
    assert passes.status_code == 200 and passes.json()["data"] == []
    assert_error(api.client.get(f"/api/compilations/v1beta3/{uuid.uuid4()}"), 404)


def test_devices_and_misc_endpoints(api: Api) -> None:
    c = api.client
    devices = c.get("/api/v5/available_devices")
    assert devices.status_code == 200 and isinstance(devices.json(), list)
    entries = [DevicesEntry.model_validate(e) for e in devices.json()]
    names = {info.device_name for e in entries for info in e.backend_info_list}
    assert sorted(names) == LISTED_DEVICES
    h2 = next(i for e in entries for i in e.backend_info_list if i.device_name == "H2-1E")
    assert h2.n_qubits == 56 and h2.device.fully_connected and "ZZPhase" in h2.gate_set
    assert all(node.gate_errors == {} for node in h2.device.nodes)
    aer_only = c.get(
        "/api/v5/available_devices",
        params={"backend": ["AerConfig", "AerStateConfig"], "is_local": "true"},
    ).json()
    assert [[i["name"] for i in e["backend_info_list"]] for e in aer_only] == [
        ["AerBackend"],
        ["AerStateBackend"],
    ]
    qulacs = c.get("/api/v5/available_devices", params={"backend": "QulacsConfig"}).json()
    assert [i["device_name"] for e in qulacs for i in e["backend_info_list"]] == ["qulacs"]

    prop = c.post(
        "/api/v5/backend_info/backend_property",
        json={"backend_config": {"type": "AerConfig"}, "property": "supports_shots"},
    )
    assert prop.status_code == 200 and prop.json() is True
    prop = c.post(
        "/api/v5/backend_info/backend_property",
        json={
            "backend_config": {"type": "QuantinuumConfig", "device_name": "H1-1E"},
            "property": "supports_state",
        },
    )
    assert prop.json() is False
    assert_error(
        c.post(
            "/api/v5/backend_info/backend_property",
            json={"backend_config": {"type": "AerConfig"}, "property": "supports_magic"},
        ),
        400,
    )

    assert c.get("/api/machines/v1beta/H2-1/status").json() == {"state": "online"}
    assert_error(c.get("/api/machines/v1beta/aer_simulator/status"), 404)
    assert c.get("/api/v5/credentials").json() == []
    me = c.get("/api/users/v1beta2/me").json()
    assert me["data"]["attributes"]["display_name"] and uuid.UUID(me["data"]["id"])
    ttl = c.get("/auth/tokens").json()["token_status"]["ttl"]
    assert isinstance(ttl, int) and ttl > 24 * 3600


def test_error_bodies_never_5xx(api: Api) -> None:
    c = api.client
    assert_error(c.get("/api/nothing/here"), 404, "no such endpoint")
    assert_error(c.put("/api/projects/v1beta2"), 405)
    assert_error(
        c.post(
            "/api/projects/v1beta2",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
        422,
        "JSON",
    )
    assert_error(c.post("/api/projects/v1beta2", json={"data": {"attributes": {}}}), 422, "name")
    assert_error(c.post("/api/projects/v1beta2", json=[1, 2]), 422)
    assert_error(
        c.post("/api/jobs/v1beta3", json={"data": {"attributes": {"job_type": "execute"}}}), 422
    )
    body = c.post("/api/projects/v1beta2", json={"data": {"attributes": {"name": 5}}}).json()
    assert body["errors"][0]["loc"] == "body.data.attributes.name"
    assert c.get("/_emulator/health").json()["status"] == "ok"
