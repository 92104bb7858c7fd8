"""The emulator's QIR / Helios side (issue 14): uploads, checks, execution, syntax checker.

``qnexus`` 0.51, unmodified, drives it in a subprocess (its QIR upload, ``cost_confidence``,
``HeliosConfig`` execute job and QSYS result download); the refusals are checked over HTTP.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from emulator_support import Api, job_body

from qiskit_nexus_provider.emulator import NexusEmulator

pytest.importorskip("qnexus")

DRIVER = Path(__file__).with_name("qnexus_qir_driver.py")


def test_qnexus_runs_qir_on_helios(emulator: NexusEmulator, tmp_path: Path) -> None:
    env = {
        **os.environ,
        **emulator.env(),
        "EMULATOR_TOKEN": emulator.token,
        "HOME": str(tmp_path),
        "NEXUS_STORE_TOKENS": "false",
    }
    done = subprocess.run(
        [sys.executable, str(DRIVER)], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    out: dict[str, Any] = json.loads(line[len("RESULT ") :])
    assert out["devices"] == ["Helios-1", "Helios-1E-lite", "Helios-1SC"]
    assert out["roundtrip"] is True and out["qir_count"] == 1
    assert out["checker"] == "Helios-1SC"
    [(cost, confidence)] = out["costs"]
    assert cost > 5 and confidence == 1.0
    assert out["result_type"] == "QIRResult" and out["shots"] == 50
    # pytket-qir records the register c as one integer: 0 (00) or 3 (11) for a Bell pair.
    assert set(out["outputs"]) <= {"OUTPUT\tINT\t0\tc", "OUTPUT\tINT\t3\tc"}
    assert out["via_results_get"] == "QIRResult"
    assert out["raw_type"] == "QsysResult"
    assert set(out["raw_values"]) <= {"{'c': 0}", "{'c': 3}"}


def _session(emulator: NexusEmulator) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{emulator.url}/auth/tokens/refresh", cookies={"myqos_oat": emulator.token}
    )
    assert answer.status_code == 200
    return session


def _project(session: requests.Session, url: str) -> str:
    body = {
        "data": {
            "attributes": {"name": "qir-checks", "properties": {}},
            "relationships": {},
            "type": "project",
        }
    }
    answer = session.post(f"{url}/api/projects/v1beta2", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["data"]["id"])


def _upload(session: requests.Session, url: str, project: str, contents: str) -> requests.Response:
    body = {
        "data": {
            "attributes": {"contents": contents, "name": "p", "properties": {}},
            "relationships": {"project": {"data": {"id": project, "type": "project"}}},
            "type": "qir",
        }
    }
    return session.post(f"{url}/api/qir/v1beta", json=body)


def test_garbage_qir_is_refused_with_400(emulator: NexusEmulator) -> None:
    session = _session(emulator)
    project = _project(session, emulator.url)
    garbage = _upload(session, emulator.url, project, base64.b64encode(b"not bitcode").decode())
    assert garbage.status_code == 400 and "not a QIR module" in garbage.json()["message"]
    not_base64 = _upload(session, emulator.url, project, "%%%")
    assert not_base64.status_code == 400 and "base64" in not_base64.json()["message"]
    unknown = (
        "define void @main() #0 {\nentry:\n  call void @__quantum__qis__foo__body(ptr null)\n"
        "  ret void\n}\ndeclare void @__quantum__qis__foo__body(ptr)\n"
        'attributes #0 = { "entry_point" }\n'
    )
    refused = _upload(session, emulator.url, project, base64.b64encode(unknown.encode()).decode())
    assert refused.status_code == 400
    assert "__quantum__qis__foo__body" in refused.json()["message"]


def test_helios_hardware_items_need_max_cost(emulator: NexusEmulator) -> None:
    from pytket import Circuit
    from pytket.qir import QIRFormat, QIRProfile, pytket_to_qir

    session = _session(emulator)
    project = _project(session, emulator.url)
    bitcode = pytket_to_qir(
        Circuit(1, 1).H(0).Measure(0, 0), qir_format=QIRFormat.BINARY, profile=QIRProfile.ADAPTIVE
    )
    assert isinstance(bitcode, bytes)
    uploaded = _upload(session, emulator.url, project, base64.b64encode(bitcode).decode())
    assert uploaded.status_code == 201
    program = uploaded.json()["data"]["id"]

    def submit(system: str, item: dict[str, Any]) -> requests.Response:
        body = {
            "data": {
                "attributes": {
                    "name": "j",
                    "job_type": "execute",
                    "properties": {},
                    "definition": {
                        "job_definition_type": "execute_job_definition",
                        "backend_config": {"type": "HeliosConfig", "system_name": system},
                        "items": [{"program_id": program, "n_shots": 10} | item],
                    },
                },
                "relationships": {"project": {"data": {"id": project, "type": "project"}}},
                "type": "job",
            }
        }
        return session.post(f"{emulator.url}/api/jobs/v1beta3", json=body)

    before = emulator.job_count()
    refused = submit("Helios-1", {})
    assert refused.status_code == 400 and "max_cost is required" in refused.json()["message"]
    assert emulator.job_count() == before
    assert submit("Helios-1", {"max_cost": 50.0}).status_code == 202
    assert submit("Helios-1E-lite", {}).status_code == 202
    too_many = submit("Helios-1E-lite", {"n_shots": 10_001})
    assert too_many.status_code == 400 and "exceeds the maximum 10000" in too_many.json()["message"]
    unknown = submit("Helios-9", {})
    assert unknown.status_code == 400 and "Helios-9" in unknown.json()["message"]


def _qir_body(
    project: str, bitcode: bytes, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "data": {
            "attributes": {
                "contents": base64.b64encode(bitcode).decode(),
                "name": "p",
                "properties": properties or {},
            },
            "relationships": {"project": {"data": {"id": project, "type": "project"}}},
            "type": "qir",
        }
    }


def test_qir_programs_follow_the_rules_of_circuits(api: Api) -> None:
    """Properties defined before use, 300 items per job, 403 for another user, 410 once
    deleted: QIR programs and QSYS results obey the rules circuits and results do."""
    from pytket import Circuit
    from pytket.qir import QIRFormat, QIRProfile, pytket_to_qir

    bitcode = pytket_to_qir(
        Circuit(1, 1).H(0).Measure(0, 0), qir_format=QIRFormat.BINARY, profile=QIRProfile.ADAPTIVE
    )
    assert isinstance(bitcode, bytes)
    pid = api.project("qir-rules")
    undefined = api.client.post("/api/qir/v1beta", json=_qir_body(pid, bitcode, {"tag": "x"}))
    assert undefined.status_code == 400 and "'tag' is not defined" in undefined.json()["message"]
    api.define(pid, tag="string")
    api.define(pid, required=True, experiment="string")
    missing = api.client.post("/api/qir/v1beta", json=_qir_body(pid, bitcode, {"tag": "x"}))
    assert missing.status_code == 400 and "'experiment'" in missing.json()["message"]
    assert api.client.get("/api/qir/v1beta/meta/count").json()["count"] == 0
    uploaded = api.client.post(
        "/api/qir/v1beta", json=_qir_body(pid, bitcode, {"tag": "x", "experiment": "e"})
    )
    assert uploaded.status_code == 201, uploaded.text
    program = uploaded.json()["data"]["id"]

    helios = {"type": "HeliosConfig", "system_name": "Helios-1E-lite"}
    too_many = api.client.post("/api/jobs/v1beta3", json=job_body(pid, [program] * 301, helios))
    assert too_many.status_code == 400 and "at most 300" in too_many.json()["message"]
    no_experiment = api.client.post("/api/jobs/v1beta3", json=job_body(pid, [program], helios))
    assert no_experiment.status_code == 400 and "'experiment'" in no_experiment.json()["message"]
    assert api.emulator.job_count() == 0
    job = api.run(pid, [program], helios, shots=5, properties={"experiment": "e"})
    result_id = job["data"]["attributes"]["definition"]["items"][0]["result_id"]
    qsys = f"/api/qsys_results/v1beta2/partial/{result_id}"
    assert api.client.get(qsys).status_code == 200
    # A QSYS result is not a pytket result.
    assert api.client.get(f"/api/results/v1beta3/{result_id}").status_code == 404

    token = api.emulator.add_user()
    access = httpx.post(
        f"{api.emulator.url}/auth/tokens/refresh", cookies={"myqos_oat": token}
    ).cookies["myqos_id"]
    with httpx.Client(base_url=api.emulator.url, cookies={"myqos_id": access}) as other:
        for path in (f"/api/qir/v1beta/{program}", qsys):
            answer = other.get(path)
            assert answer.status_code == 403 and "another user" in answer.json()["message"]
        assert other.post("/api/qir/v1beta", json=_qir_body(pid, bitcode)).status_code == 403
        assert other.get("/api/qir/v1beta").json()["data"] == []
        assert other.get("/api/qir/v1beta/meta/count").json()["count"] == 0
        # Another user's program in one's own job is refused too.
        own = other.post(
            "/api/projects/v1beta2", json={"data": {"attributes": {"name": "theirs"}}}
        ).json()["data"]["id"]
        stolen = other.post("/api/jobs/v1beta3", json=job_body(own, [program], helios))
        assert stolen.status_code == 403 and "another user" in stolen.json()["message"]

    api.client.patch(
        f"/api/projects/v1beta2/{pid}", json={"data": {"attributes": {"archived": True}}}
    )
    assert api.client.delete(f"/api/projects/v1beta2/{pid}").status_code == 204
    for path in (f"/api/qir/v1beta/{program}", qsys):
        assert api.client.get(path).status_code == 410, path
    assert api.client.get("/api/qir/v1beta/meta/count").json()["count"] == 0
