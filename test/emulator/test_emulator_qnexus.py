"""The official client, ``qnexus`` 0.51 unmodified, drives the emulator end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from emulator_support import LISTED_DEVICES

from qiskit_nexus_provider.emulator import NexusEmulator

pytest.importorskip("qnexus")

DRIVER = Path(__file__).with_name("qnexus_driver.py")


def run_driver(emulator: NexusEmulator, home: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        **emulator.env(),
        "EMULATOR_TOKEN": emulator.token,
        "HOME": str(home),  # qnexus must not see (or write) the user's tokens
        "NEXUS_STORE_TOKENS": "false",
    }
    actions = {
        "pause": emulator.pause,
        "resume": emulator.resume,
        "fail_next_job": lambda: emulator.set_faults(fail_next_jobs=1),
        "expire_tokens": emulator.expire_access_tokens,
    }
    process = subprocess.Popen(
        [sys.executable, str(DRIVER)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    result: dict[str, Any] | None = None
    try:
        for line in process.stdout:
            if line.startswith("REQUEST "):
                actions[line.split()[1]]()
                process.stdin.write("ok\n")
                process.stdin.flush()
            elif line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
        process.wait(timeout=240)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert result is not None
    return result


def test_qnexus_end_to_end(emulator: NexusEmulator, tmp_path: Path) -> None:
    out = run_driver(emulator, tmp_path)
    assert out["url"] == emulator.url
    assert out["same_project"] is True
    assert out["circuit_roundtrip"] is True and out["circuits_in_project"] == 1
    assert out["devices"] == LISTED_DEVICES
    assert out["supports_shots"] is True and out["h2_state"] == "online"
    assert out["me"]
    assert out["aer_status"] == "COMPLETED"
    assert set(out["aer_counts"]) <= {"00", "11"} and sum(out["aer_counts"].values()) == 200
    assert out["aer_cost"] == 0.0
    assert out["found_by_property"] == [True]
    assert out["properties"] == [["idem", "string", False]]
    assert out["refused_301"] is not None and "at most 300" in out["refused_301"]
    assert out["job_by_id_config"] == "AerConfig"
    assert set(out["compiled_ops"]) <= {"PhasedX", "ZZPhase", "Rz", "Measure"}
    assert out["h2_shots"] == 100 and out["h2_cost"] > 5 and out["h2_device"] == "H2-1E"
    assert out["cancelled"] == "CANCELLED"
    assert out["failure"] is not None and "Injected failure" in out["failure"]
    assert out["retried"] == "COMPLETED" and out["retried_shots"] == 10
    assert out["after_expiry"] == "qnexus-e2e"
    assert out["jobs_left"] == ["aer-job", "compile-job", "fail-me", "h2-job"]
    # qnexus only ever authenticated through the refresh endpoint and cookies.
    log = emulator.request_log()
    assert log[0]["path"] == "/auth/tokens/refresh"
    assert sum(e["path"] == "/auth/tokens/refresh" for e in log) >= 2  # initial + after expiry
    assert all(e["status"] is not None and e["status"] < 500 for e in log)
