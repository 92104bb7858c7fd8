"""Drives the emulator with the official ``qnexus`` client (run in a subprocess by the tests).

The parent test serves requests written on stdout as ``REQUEST <action>`` lines (pause the
worker, inject a job failure, expire tokens...) and answers ``ok`` on stdin: the two processes
synchronise through the pipe, never through sleeps.  The last line is ``RESULT <json>``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import qnexus as qnx
from pytket import Circuit
from qnexus.client.jobs import PollingStrategy
from qnexus.config import CONFIG
from qnexus.exceptions import JobError, ResourceCreateFailed
from qnexus.models.job_status import JobStatusEnum

POLL = PollingStrategy(
    initial_interval=0.1, backoff_factor=1.5, max_interval_queued=1.0, max_interval_running=1.0
)


def request(action: str) -> None:
    print(f"REQUEST {action}", flush=True)
    answer = sys.stdin.readline().strip()
    if answer != "ok":
        raise RuntimeError(f"parent refused {action}: {answer}")


def main() -> dict[str, Any]:
    out: dict[str, Any] = {"url": CONFIG.url}
    CONFIG.store_tokens = False
    qnx.login_with_token(os.environ["EMULATOR_TOKEN"])

    project = qnx.projects.get_or_create(name="qnexus-e2e")
    again = qnx.projects.get_or_create(name="qnexus-e2e")
    out["same_project"] = project.id == again.id

    bell = Circuit(2, 2, "bell").H(0).CX(0, 1).measure_all()
    circuit_ref = qnx.circuits.upload(circuit=bell, name="bell", project=project)
    out["circuit_roundtrip"] = circuit_ref.download_circuit().get_commands() == bell.get_commands()
    out["circuits_in_project"] = qnx.circuits.get_all(project=project).count()

    out["devices"] = sorted(d.device_name for d in qnx.devices.get_all())
    out["supports_shots"] = qnx.devices.supports_shots(qnx.AerConfig())
    out["h2_state"] = qnx.devices.status(qnx.QuantinuumConfig(device_name="H2-1")).value
    out["me"] = qnx.users.get_self().display_name

    # Properties are defined in the project before use (Nexus user guide, "Properties").
    qnx.projects.add_property(
        name="idem", property_type="string", project=project, description="idempotency key"
    )
    out["properties"] = sorted(
        (p.annotations.name, p.property_type, p.required)
        for p in qnx.projects.get_properties(project=project)
    )

    # Execute on Aer, wait by polling, download the result.
    job = qnx.start_execute_job(
        programs=[circuit_ref],
        n_shots=[200],
        backend_config=qnx.AerConfig(seed=5),
        name="aer-job",
        project=project,
        properties={"idem": "key-1"},
    )
    out["aer_status"] = qnx.jobs.wait_for(job, strategy=POLL).status.value
    result = qnx.jobs.results(job)[0].download_result()
    out["aer_counts"] = {"".join(map(str, k)): v for k, v in result.get_counts().items()}
    out["aer_cost"] = qnx.jobs.cost(job)
    out["found_by_property"] = [
        j.id == job.id for j in qnx.jobs.get_all(properties={"idem": "key-1"})
    ]
    out["job_by_id_config"] = type(qnx.jobs.get(id=job.id).backend_config).__name__

    # The service refuses more than 300 circuits in one job.
    try:
        qnx.start_execute_job(
            programs=[circuit_ref] * 301,
            n_shots=[1] * 301,
            backend_config=qnx.AerConfig(),
            name="too-big",
            project=project,
        )
        out["refused_301"] = None
    except ResourceCreateFailed as exc:
        out["refused_301"] = str(exc)

    # Compile for H2-1E, then run the compiled circuit there.
    compile_job = qnx.start_compile_job(
        programs=[circuit_ref],
        name="compile-job",
        project=project,
        backend_config=qnx.QuantinuumConfig(device_name="H2-1E"),
        optimisation_level=2,
    )
    qnx.jobs.wait_for(compile_job, strategy=POLL)
    compiled = qnx.jobs.results(compile_job)[0].get_output()
    out["compiled_ops"] = sorted(
        {c.op.type.name for c in compiled.download_circuit().get_commands()}
    )
    h2 = qnx.start_execute_job(
        programs=[compiled],
        n_shots=[100],
        project=project,
        name="h2-job",
        backend_config=qnx.QuantinuumConfig(device_name="H2-1E"),
    )
    qnx.jobs.wait_for(h2, strategy=POLL)
    h2_result = qnx.jobs.results(h2)[0]
    out["h2_shots"] = sum(h2_result.download_result().get_counts().values())
    out["h2_cost"] = qnx.jobs.cost(h2)
    out["h2_device"] = h2_result.download_backend_info().device_name

    # Cancel a job that cannot start.
    request("pause")
    waiting = qnx.start_execute_job(
        programs=[circuit_ref],
        n_shots=[10],
        backend_config=qnx.AerConfig(),
        name="cancel-me",
        project=project,
    )
    qnx.jobs.cancel(waiting)
    out["cancelled"] = qnx.jobs.wait_for(
        waiting, wait_for_status=JobStatusEnum.CANCELLED, strategy=POLL
    ).status.value
    request("resume")

    # A failing job, retried.
    request("fail_next_job")
    failing = qnx.start_execute_job(
        programs=[circuit_ref],
        n_shots=[10],
        backend_config=qnx.AerConfig(),
        name="fail-me",
        project=project,
    )
    try:
        qnx.jobs.wait_for(failing, strategy=POLL)
        out["failure"] = None
    except JobError as exc:
        out["failure"] = str(exc)
    qnx.jobs.retry_submission(failing)
    out["retried"] = qnx.jobs.wait_for(failing, strategy=POLL).status.value
    out["retried_shots"] = sum(qnx.jobs.results(failing)[0].download_result().get_counts().values())

    # Expired access tokens are refreshed transparently by qnexus.
    request("expire_tokens")
    out["after_expiry"] = qnx.projects.get(id=project.id).annotations.name

    qnx.jobs.delete(waiting)
    out["jobs_left"] = sorted(j.annotations.name for j in qnx.jobs.get_all(project=project))
    return out


if __name__ == "__main__":
    print("RESULT " + json.dumps(main()), flush=True)
