"""One server job per slot, whatever happens: failed lookups, restores, kill -9, two processes.

Every test counts the sub-jobs on the emulator per slot (the composite id and slot index are in
each Nexus job's properties).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from kill_points import POINTS
from qiskit.providers import JobStatus
from test_remote_composite import batch, check_counts, sub_jobs_on_server

from qiskit_nexus_provider import NexusCompositeJob, NexusProvider
from qiskit_nexus_provider.api import client as client_module
from qiskit_nexus_provider.api.errors import NexusConnectionError
from qiskit_nexus_provider.api.http import SendFailure
from qiskit_nexus_provider.api.transport import Transport

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2, "with_progress_bar": False}
KILL_SCRIPT = Path(__file__).parent / "kill_points.py"


class Outage:
    """POSTs of jobs land on the server but their response is lost; lookups then fail.

    With ``before_post``, every submission fails before its job POST: circuit uploads and
    lookups fail from the start.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, before_post: bool = False) -> None:
        self.lookups_fail = before_post
        self.uploads_fail = before_post
        send = Transport._send
        find = client_module.NexusClient.find_job_by_client_key
        upload = client_module.NexusClient.upload_circuit
        outage = self

        def lossy_send(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
            response = send(self, method, url, *args, **kwargs)
            if method == "POST" and url.endswith(client_module.JOBS):
                outage.lookups_fail = True
                raise SendFailure("ProtocolError", "response lost", reached=True, retryable=True)
            return response

        def failing_find(self, key):  # type: ignore[no-untyped-def]
            if outage.lookups_fail:
                raise NexusConnectionError("lookup failed", method="GET", url="/api/jobs")
            return find(self, key)

        def failing_upload(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if outage.uploads_fail:
                raise NexusConnectionError("upload failed", method="POST", url="/api/circuits")
            return upload(self, *args, **kwargs)

        monkeypatch.setattr(Transport, "_send", lossy_send)
        monkeypatch.setattr(client_module.NexusClient, "find_job_by_client_key", failing_find)
        monkeypatch.setattr(client_module.NexusClient, "upload_circuit", failing_upload)
        self._undo = lambda: (
            monkeypatch.setattr(Transport, "_send", send),
            monkeypatch.setattr(client_module.NexusClient, "find_job_by_client_key", find),
            monkeypatch.setattr(client_module.NexusClient, "upload_circuit", upload),
        )

    def end(self) -> None:
        self._undo()


def one_job_per_slot(emu, composite_id: str, slots: int) -> None:
    on_server = sub_jobs_on_server(emu, composite_id)
    assert {i: len(jobs) for i, jobs in on_server.items()} == dict.fromkeys(range(slots), 1)


def test_lost_post_then_failed_lookup_is_adopted_by_rerun_not_duplicated(
    remote: NexusProvider, emu, monkeypatch
) -> None:
    backend = remote.get_backend("aer_simulator")
    outage = Outage(monkeypatch)
    job = backend.run(batch(backend, 6), shots=2, max_circuits_per_job=3, **FAST)
    job.block_for_submit(timeout=120)
    outage.end()
    assert all(s.submit_error for s in job.slots), job.report()
    assert job.rerun_failed() == [0, 1]
    check_counts(job.result(timeout=120), 6, 2)
    one_job_per_slot(emu, job.job_id(), 2)


def test_restore_adopts_sub_jobs_and_clears_their_stale_errors(
    remote: NexusProvider, emu, monkeypatch, store_path: Path
) -> None:
    backend = remote.get_backend("aer_simulator")
    outage = Outage(monkeypatch)
    job = backend.run(batch(backend, 6), shots=2, max_circuits_per_job=3, **FAST)
    job.block_for_submit(timeout=120)
    outage.end()
    assert job.status() is JobStatus.ERROR
    restored = NexusCompositeJob.restore(
        job.job_id(), token=emu.token, url=emu.url, store_path=store_path
    )
    assert all(s.submit_error is None for s in restored.slots), restored.report()
    check_counts(restored.result(timeout=120), 6, 2)
    assert restored.rerun_failed() == []
    one_job_per_slot(emu, job.job_id(), 2)


def test_restore_submits_nothing_the_user_did_not_ask_for(
    remote: NexusProvider, emu, monkeypatch, store_path: Path
) -> None:
    backend = remote.get_backend("aer_simulator")
    outage = Outage(monkeypatch, before_post=True)  # every submission fails before its POST
    job = backend.run(batch(backend, 6), shots=2, max_circuits_per_job=3, **FAST)
    job.block_for_submit(timeout=120)
    outage.end()
    assert sub_jobs_on_server(emu, job.job_id()) == {}
    restored = NexusCompositeJob.restore(
        job.job_id(), token=emu.token, url=emu.url, store_path=store_path
    )
    restored.block_for_submit(timeout=60)
    assert sub_jobs_on_server(emu, job.job_id()) == {}, "restore resubmitted failed slots"
    assert restored.status() is JobStatus.ERROR
    assert restored.rerun_failed() == [0, 1]
    check_counts(restored.result(timeout=120), 6, 2)
    one_job_per_slot(emu, job.job_id(), 2)


def test_restore_whose_lookups_fail_submits_nothing_then_rerun_adopts(
    remote: NexusProvider, emu, monkeypatch, store_path: Path
) -> None:
    backend = remote.get_backend("aer_simulator")
    outage = Outage(monkeypatch)  # POSTs land, responses lost, lookups fail from then on
    job = backend.run(batch(backend, 6), shots=2, max_circuits_per_job=3, **FAST)
    job.block_for_submit(timeout=120)
    restored = NexusCompositeJob.restore(
        job.job_id(), token=emu.token, url=emu.url, store_path=store_path
    )
    restored.block_for_submit(timeout=60)
    assert all("could not check" in (s.submit_error or "") for s in restored.slots)
    one_job_per_slot(emu, job.job_id(), 2)
    outage.end()
    assert restored.rerun_failed() == [0, 1]
    check_counts(restored.result(timeout=120), 6, 2)
    one_job_per_slot(emu, job.job_id(), 2)


def _kill_at(emu, store_path: Path, point: str, count: int, per_job: int, home: Path) -> str:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": os.getcwd()}
    proc = subprocess.run(
        [
            sys.executable,
            str(KILL_SCRIPT),
            emu.url,
            emu.token,
            str(store_path),
            point,
            str(count),
            str(per_job),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    assert emu.wait_requests_drained(timeout=30)
    (record,) = [p for p in store_path.glob("nexus_composite_*.json") if ".slot" not in p.name]
    return record.stem


def _restore_in(emu, store_path: Path, composite_id: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": os.getcwd()}
    return subprocess.Popen(
        [
            sys.executable,
            str(KILL_SCRIPT),
            emu.url,
            emu.token,
            str(store_path),
            "restore",
            composite_id,
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("point", POINTS)
def test_kill_9_at_each_point_then_restore_loses_nothing_and_duplicates_nothing(
    remote: NexusProvider, emu, store_path: Path, tmp_path: Path, point: str
) -> None:
    count, per_job = 12, 3
    composite_id = _kill_at(emu, store_path, point, count, per_job, tmp_path / "home")
    restored = NexusCompositeJob.restore(
        composite_id, token=emu.token, url=emu.url, store_path=store_path
    )
    restored.block_for_submit(timeout=120)
    check_counts(restored.result(timeout=240), count, 2)
    one_job_per_slot(emu, composite_id, count // per_job)


def test_two_processes_restoring_at_once_submit_each_slot_once(
    remote: NexusProvider, emu, store_path: Path, tmp_path: Path
) -> None:
    count, per_job = 12, 3
    composite_id = _kill_at(emu, store_path, "after_write_ahead", count, per_job, tmp_path / "h")
    assert sub_jobs_on_server(emu, composite_id) == {}
    emu.set_faults(latency=0.3)  # submissions take long enough for the two restores to overlap
    procs = [_restore_in(emu, store_path, composite_id, tmp_path / "h") for _ in range(2)]
    outputs = [p.communicate(timeout=240) for p in procs]
    emu.set_faults()
    assert [p.returncode for p in procs] == [0, 0], outputs
    one_job_per_slot(emu, composite_id, count // per_job)
    restored = NexusCompositeJob.restore(
        composite_id, token=emu.token, url=emu.url, store_path=store_path
    )
    check_counts(restored.result(timeout=240), count, 2)
    one_job_per_slot(emu, composite_id, count // per_job)
