"""Rules the real Nexus enforces, enforced by the emulator too (reference notes §9).

Sources: the Nexus user guide, concepts "Properties" (defined per project before use, typed,
optionally required) and "Jobs in Nexus" (at most 300 circuits per job).
"""

from __future__ import annotations

import json

import pytest
from emulator_support import Api, circuit_body, job_body, native_bell, property_body


def assert_error(response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    message = response.json()["message"]
    for fragment in fragments:
        assert fragment in message, message


def test_property_definitions_are_created_and_listed_per_project(api: Api) -> None:
    p1, p2 = api.project("one"), api.project("two")
    api.define(p1, experiment="string", iteration="int")
    api.define(p2, required=True, owner="string")
    listed = api.client.get(
        "/api/property_definitions/v1beta2", params={"filter[project][id]": p1}
    ).json()["data"]
    assert [(d["attributes"]["name"], d["attributes"]["property_type"]) for d in listed] == [
        ("experiment", "string"),
        ("iteration", "int"),
    ]
    attrs = listed[0]["attributes"]
    assert {"description", "required", "color", "timestamps"} <= set(attrs)
    assert listed[0]["relationships"]["project"]["data"]["id"] == p1
    past_end = api.client.get(
        "/api/property_definitions/v1beta2",
        params={"filter[project][id]": p1, "page[number]": 1},
    )
    assert past_end.json()["data"] == []
    # Names are unique per project: a second definition is a conflict, not a duplicate.
    again = api.client.post(
        "/api/property_definitions/v1beta2", json=property_body(p1, "iteration", "int")
    )
    assert_error(again, 409, "iteration", p1)
    bad_type = api.client.post(
        "/api/property_definitions/v1beta2", json=property_body(p1, "x", "list")
    )
    assert bad_type.status_code == 422


def test_undefined_property_is_refused_on_circuits_jobs_projects_and_filters(api: Api) -> None:
    pid = api.project()
    api.define(pid, defined="string")
    circuit = api.client.post(
        "/api/circuits/v1beta2", json=circuit_body(pid, None, "c", properties={"tag": "x"})
    )
    assert_error(circuit, 400, "'tag'", pid, "not defined")
    cid = api.circuit(pid)
    job = api.client.post("/api/jobs/v1beta3", json=job_body(pid, [cid], properties={"tag": "x"}))
    assert_error(job, 400, "'tag'", pid, "not defined")
    new_project = api.client.post(
        "/api/projects/v1beta2",
        json={"data": {"attributes": {"name": "q", "properties": {"tag": 1}}, "type": "project"}},
    )
    assert_error(new_project, 400, "'tag'", "not defined")
    patch = api.client.patch(
        f"/api/projects/v1beta2/{pid}",
        json={"data": {"attributes": {"properties": {"tag": 1}}, "type": "project"}},
    )
    assert_error(patch, 400, "'tag'", pid)
    for path in ("/api/jobs/v1beta3", "/api/circuits/v1beta2", "/api/jobs/v1beta3/meta/count"):
        listing = api.client.get(path, params={"filter[properties]": '(tag,"x")'})
        assert_error(listing, 400, "'tag'", "not defined")
    scoped = api.client.get(
        "/api/jobs/v1beta3",
        params={"filter[properties]": '(defined,"x")', "filter[project][id]": pid},
    )
    assert scoped.status_code == 200
    assert api.emulator.job_count() == 0


def test_wrong_type_and_missing_required_are_refused(api: Api) -> None:
    pid = api.project()
    api.define(pid, n="int", ratio="float", flag="bool")
    api.define(pid, required=True, experiment="string")
    wrong = api.client.post(
        "/api/circuits/v1beta2",
        json=circuit_body(pid, None, "c", properties={"experiment": "e", "n": "3"}),
    )
    assert_error(wrong, 400, "'n'", "int", "string", pid)
    flag = api.client.post(
        "/api/circuits/v1beta2",
        json=circuit_body(pid, None, "c", properties={"experiment": "e", "flag": 1}),
    )
    assert_error(flag, 400, "'flag'", "bool", "int")
    missing = api.client.post("/api/circuits/v1beta2", json=circuit_body(pid, None, "c"))
    assert_error(missing, 400, "'experiment'", "required", pid)
    cid = api.circuit(pid, properties={"experiment": "e", "ratio": 2, "n": 3})  # int is a float
    job = api.client.post("/api/jobs/v1beta3", json=job_body(pid, [cid]))
    assert_error(job, 400, "'experiment'", "required")
    api.submit(pid, [cid], properties={"experiment": "e", "ratio": 0.5})


def test_a_job_holds_at_most_300_programs(api: Api) -> None:
    pid = api.project()
    cid = api.circuit(pid)
    refused = api.client.post("/api/jobs/v1beta3", json=job_body(pid, [cid] * 301))
    assert_error(refused, 400, "at most 300", "301")
    assert api.emulator.job_count() == 0
    api.submit(pid, [cid] * 300, shots=1)


def test_backend_configs_are_parsed_with_quantinuum_schemas(api: Api) -> None:
    pid = api.project()
    cid = api.circuit(pid)
    for config, fragments in [
        # QuantinuumConfig.max_cost is an int (and deprecated): a float is refused.
        (
            {"type": "QuantinuumConfig", "device_name": "H1-1E", "max_cost": 2.5},
            ("backend_config.max_cost", "integer"),
        ),
        ({"type": "QuantinuumConfig"}, ("backend_config.device_name", "Field required")),
        ({"type": "AerConfig", "n_qubits": 0}, ("backend_config.n_qubits",)),
        ({"type": "NoSuchConfig"}, ("NoSuchConfig",)),
        ({"type": "HeliosConfig", "system_name": "Helios-1"}, ("Helios-1", "QIR or HUGR")),
        ({"type": "AerStateConfig"}, ("aer_simulator_statevector", "state vectors")),
    ]:
        response = api.client.post("/api/jobs/v1beta3", json=job_body(pid, [cid], config))
        assert_error(response, 400, *fragments)
    assert api.emulator.job_count() == 0
    # What qnexus 0.51 sends for a Qulacs device runs (sampled on Aer).
    job = api.run(pid, [cid], {"type": "QulacsConfig", "result_type": "state_vector", "seed": 1})
    assert job["data"]["attributes"]["status"]["status"] == "COMPLETED"


def test_an_item_costing_more_than_its_max_cost_fails_with_cost_and_limit(api: Api) -> None:
    pid = api.project()
    cid = api.circuit(pid, native_bell())
    body = job_body(pid, [cid, cid], {"type": "QuantinuumConfig", "device_name": "H1-1E"})
    body["data"]["attributes"]["definition"]["items"][0]["max_cost"] = 3.0
    body["data"]["attributes"]["definition"]["items"][1]["max_cost"] = 100.0
    response = api.client.post("/api/jobs/v1beta3", json=body)
    assert response.status_code == 202, response.text
    assert api.emulator.wait_idle(60)
    items = api.job(response.json()["data"]["id"])["data"]["attributes"]["definition"]["items"]
    assert items[0]["status"]["status"] == "ERROR"
    message = items[0]["status"]["message"]
    assert "max_cost 3 HQC" in message and "cost 5." in message
    assert items[1]["status"]["status"] == "COMPLETED"
    assert items[1]["status"]["cost"] > 5


def test_new_devices_answer_backend_property(api: Api) -> None:
    def prop(config: dict, name: str) -> bool:
        response = api.client.post(
            "/api/v5/backend_info/backend_property",
            json={"backend_config": config, "property": name},
        )
        assert response.status_code == 200, response.text
        return bool(response.json())

    assert prop({"type": "AerStateConfig"}, "supports_state") is True
    assert prop({"type": "AerStateConfig"}, "supports_counts") is False
    assert prop({"type": "AerUnitaryConfig"}, "supports_unitary") is True
    assert prop({"type": "QulacsConfig"}, "supports_counts") is True
    assert prop({"type": "HeliosConfig", "system_name": "Helios-1E-lite"}, "supports_shots")


def test_a_second_user_gets_403_on_everything_of_the_first(api: Api) -> None:
    import httpx

    pid = api.project("mine")
    api.define(pid, tag="string")
    cid = api.circuit(pid)
    job = api.run(pid, [cid])
    job_id = job["data"]["id"]
    result_id = job["data"]["attributes"]["definition"]["items"][0]["result_id"]
    token = api.emulator.add_user()
    access = httpx.post(
        f"{api.emulator.url}/auth/tokens/refresh", cookies={"myqos_oat": token}
    ).cookies["myqos_id"]
    with httpx.Client(base_url=api.emulator.url, cookies={"myqos_id": access}) as other:
        for path in (
            f"/api/projects/v1beta2/{pid}",
            f"/api/circuits/v1beta2/{cid}",
            f"/api/jobs/v1beta3/{job_id}",
            f"/api/jobs/v1beta3/{job_id}/attributes/status",
            f"/api/results/v1beta3/{result_id}",
            f"/api/property_definitions/v1beta2?filter[project][id]={pid}",
        ):
            assert_error(other.get(path), 403, "another user")
        assert_error(other.post("/api/circuits/v1beta2", json=circuit_body(pid, None, "c")), 403)
        assert_error(other.post("/api/jobs/v1beta3", json=job_body(pid, [cid])), 403)
        assert_error(other.delete(f"/api/jobs/v1beta3/{job_id}"), 403)
        assert_error(
            other.post("/api/property_definitions/v1beta2", json=property_body(pid, "x", "int")),
            403,
        )
        assert_error(
            other.get(
                "/api/property_definitions/v1beta2/meta/count", params={"filter[project][id]": pid}
            ),
            403,
            "another user",
        )
        for path in ("/api/projects/v1beta2", "/api/circuits/v1beta2", "/api/jobs/v1beta3"):
            assert other.get(path).json()["data"] == []
        # A job in the second user's own project may not run (or compile) the first's circuits.
        own = other.post("/api/projects/v1beta2", json={"data": {"attributes": {"name": "own"}}})
        own_id = own.json()["data"]["id"]
        jobs_before = api.emulator.job_count()
        for job_type in ("execute", "compile"):
            stolen = other.post(
                "/api/jobs/v1beta3", json=job_body(own_id, [cid], job_type=job_type)
            )
            assert_error(stolen, 403, cid, "another user")
        assert api.emulator.job_count() == jobs_before
        # Project names are per user: the second user may have its own "mine".
        assert (
            other.post(
                "/api/projects/v1beta2", json={"data": {"attributes": {"name": "mine"}}}
            ).status_code
            == 201
        )
    assert api.client.get(f"/api/jobs/v1beta3/{job_id}").status_code == 200


def test_status_websocket_streams_until_terminal_and_checks_access(api: Api) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    pid = api.project()
    cid = api.circuit(pid)
    api.emulator.pause()
    job_id = api.submit(pid, [cid])["data"]["id"]
    ws_url = (
        api.emulator.url.replace("http", "ws") + f"/api/jobs/v1beta3/{job_id}/attributes/status/ws"
    )
    cookie = {"Cookie": f"myqos_id={api.client.cookies['myqos_id']}"}
    with connect(ws_url, additional_headers=cookie) as socket:
        first = json.loads(socket.recv(timeout=30))
        assert first["status"] in ("SUBMITTED", "QUEUED") and "message" in first
        api.emulator.resume()
        statuses = [first["status"]]
        for message in socket:  # ends when the server closes the socket, after COMPLETED
            statuses.append(json.loads(message)["status"])
    assert statuses[-1] == "COMPLETED"
    assert socket.close_code == 1000
    for headers, status in (({}, 401), (cookie, 404)):
        url = ws_url if status == 401 else ws_url.replace(job_id, "00000000-0000-0000-0000-0")
        with pytest.raises(InvalidStatus) as caught:
            connect(url, additional_headers=headers).close()
        assert caught.value.response.status_code == status
