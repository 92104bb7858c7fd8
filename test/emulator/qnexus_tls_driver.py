"""qnexus's default workflow over TLS: wait_for (websocket first), qnx.execute, qnx.compile.

Run in a subprocess by ``test_emulator_tls.py`` with ``SSL_CERT_FILE`` trusting the emulator's
self-signed certificate.  The last line is ``RESULT <json>``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import qnexus as qnx
from pytket import Circuit
from qnexus.client.jobs import WebsocketStrategy
from qnexus.config import CONFIG


def main() -> dict[str, Any]:
    out: dict[str, Any] = {"url": CONFIG.url, "ws": CONFIG.websockets_url}
    CONFIG.store_tokens = False
    qnx.login_with_token(os.environ["EMULATOR_TOKEN"])
    project = qnx.projects.get_or_create(name="qnexus-tls")
    bell = Circuit(2, 2, "bell").H(0).CX(0, 1).measure_all()
    ref = qnx.circuits.upload(circuit=bell, name="bell", project=project)

    results = qnx.execute(
        programs=[ref],
        n_shots=[50],
        backend_config=qnx.AerConfig(seed=3),
        name="exec",
        project=project,
    )
    out["execute_shots"] = sum(results[0].get_counts().values())

    compiled = qnx.compile(
        programs=[ref],
        backend_config=qnx.QuantinuumConfig(device_name="H1-1E"),
        name="compile",
        project=project,
    )
    out["compiled_ops"] = sorted({c.op.type.name for c in compiled[0].download_circuit()})

    job = qnx.start_execute_job(
        programs=[compiled[0]],
        n_shots=[20],
        backend_config=qnx.QuantinuumConfig(device_name="H1-1E"),
        name="ws-only",
        project=project,
    )
    # The websocket alone (no polling fallback) must reach the terminal status.
    out["ws_status"] = qnx.jobs.wait_for(job, strategy=WebsocketStrategy()).status.value
    out["default_status"] = qnx.jobs.wait_for(job).status.value
    return out


if __name__ == "__main__":
    print("RESULT " + json.dumps(main()), flush=True)
