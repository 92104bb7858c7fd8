"""Drives the emulator's QIR / Helios endpoints with the official ``qnexus`` client (issue 14).

Run in a subprocess by ``test_emulator_qir.py``; the last line is ``RESULT <json>``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import qnexus as qnx
from pytket import Circuit
from pytket.qir import QIRFormat, QIRProfile, pytket_to_qir
from qnexus.client.jobs import PollingStrategy
from qnexus.config import CONFIG
from qnexus.models.references import QIRResult, ResultVersions

POLL = PollingStrategy(
    initial_interval=0.1, backoff_factor=1.5, max_interval_queued=1.0, max_interval_running=1.0
)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    CONFIG.store_tokens = False
    qnx.login_with_token(os.environ["EMULATOR_TOKEN"])
    project = qnx.projects.get_or_create(name="qnexus-qir")
    out["devices"] = sorted(
        d.device_name for d in qnx.devices.get_all() if d.device_name.startswith("Helios")
    )

    bell = Circuit(2, 2, "bell").H(0).CX(0, 1).measure_all()
    bitcode = pytket_to_qir(
        bell, name="bell", qir_format=QIRFormat.BINARY, profile=QIRProfile.ADAPTIVE
    )
    assert isinstance(bitcode, bytes)
    ref = qnx.qir.upload(qir=bitcode, name="bell-qir", project=project)
    out["roundtrip"] = qnx.qir._fetch_qir(ref) == bitcode
    out["qir_count"] = qnx.qir.get_all(project=project).count()

    # qnx.qir.cost_confidence's steps, with PollingStrategy (its wait_for needs wss://).
    checker = qnx.qir._costing_backend_config("Helios-1")
    out["checker"] = checker.system_name
    cost_job = qnx.start_execute_job(
        programs=[ref], n_shots=[100], backend_config=checker, name="cost", project=project
    )
    qnx.jobs.wait_for(cost_job, timeout=120, strategy=POLL)
    out["costs"] = qnx.jobs.cost_confidence(cost_job)

    job = qnx.start_execute_job(
        programs=[ref],
        n_shots=[50],
        backend_config=qnx.models.HeliosConfig(system_name="Helios-1E-lite"),
        name="helios-bell",
        project=project,
        max_cost=100.0,
    )
    qnx.jobs.wait_for(job, timeout=120, strategy=POLL)
    results = qnx.jobs.results(job)
    result = results[0].download_result()
    out["result_type"] = type(result).__name__
    text = result.results if isinstance(result, QIRResult) else ""
    out["outputs"] = sorted({line for line in text.splitlines() if line.startswith("OUTPUT")})
    out["shots"] = text.count("START")
    raw = results[0].download_result(version=ResultVersions.RAW)
    out["raw_type"] = type(raw).__name__
    out["raw_values"] = sorted({str(dict(shot.entries)) for shot in raw.results})
    out["via_results_get"] = type(qnx.results.get(results[0].id)[0]).__name__
    return out


if __name__ == "__main__":
    print("RESULT " + json.dumps(main()), flush=True)
