"""Composite jobs on the emulator: order, failures, rerun, restore, retrieval, kill -9."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from e2e_circuits import encode_index, expected_key
from qiskit import transpile
from qiskit.providers import JobStatus

from qiskit_nexus_provider import CompositeJobError, NexusCompositeJob, NexusProvider
from qiskit_nexus_provider.api.client import NexusClient
from qiskit_nexus_provider.backends.remote import COMPOSITE_PROPERTY, SLOT_PROPERTY
from qiskit_nexus_provider.store import JobStore

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}
WIDTH = 8


def batch(backend, count: int):
    return transpile([encode_index(i, WIDTH) for i in range(count)], backend)


def check_counts(result, count: int, shots: int) -> None:
    assert len(result.results) == count
    for i in range(count):
        assert result.get_counts(i) == {expected_key(i, WIDTH): shots}, i


def sub_jobs_on_server(emu, composite_id: str) -> dict[int, list[dict]]:
    by_slot: dict[int, list[dict]] = collections.defaultdict(list)
    for job in emu.jobs():
        if job["properties"].get(COMPOSITE_PROPERTY) == composite_id:
            by_slot[int(job["properties"][SLOT_PROPERTY].split(":")[0])].append(job)
    return dict(by_slot)


def test_circuits_upload_while_the_write_ahead_is_written_and_no_job_precedes_it(
    remote: NexusProvider, emu, monkeypatch
) -> None:
    """Uploads overlap the composite's write-ahead (for 1000 circuits it took 0.13 s during which
    the service had nothing to do); sub-jobs are created only once the record is on disk."""
    backend = remote.get_backend("aer_simulator")
    circuits = batch(backend, 6)
    uploaded = threading.Event()
    seen: dict[str, object] = {}
    upload, save = NexusClient.upload_circuit, JobStore.save

    def upload_and_tell(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        circuit_id = upload(self, *args, **kwargs)
        uploaded.set()
        return circuit_id

    def save_when_uploading(self, record):  # type: ignore[no-untyped-def]
        if record.kind == "composite" and "uploading" not in seen:
            # The write-ahead's last write: circuits upload meanwhile, and no job exists yet.
            seen["uploading"] = uploaded.wait(timeout=20)
            seen["jobs"] = sub_jobs_on_server(emu, record.job_id)
        return save(self, record)

    monkeypatch.setattr(NexusClient, "upload_circuit", upload_and_tell)
    monkeypatch.setattr(JobStore, "save", save_when_uploading)
    job = backend.run(circuits, shots=3, max_circuits_per_job=3, **FAST)
    check_counts(job.result(timeout=120), 6, 3)
    assert seen == {"uploading": True, "jobs": {}}
    assert {i: len(jobs) for i, jobs in sub_jobs_on_server(emu, job.job_id()).items()} == {
        0: 1,
        1: 1,
    }


def test_cancel_while_the_circuits_upload_creates_no_sub_job(
    remote: NexusProvider, emu, monkeypatch
) -> None:
    """cancel() during the write-ahead (uploads already running): no job reaches Nexus."""
    backend = remote.get_backend("aer_simulator")
    holder: dict[str, NexusCompositeJob] = {}
    returned, cancelling = threading.Event(), threading.Event()
    save, block = JobStore.save, NexusCompositeJob.block_for_submit

    def block_and_tell(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "test-cancel":
            cancelling.set()  # cancel() has set its flag and now waits for the submissions
        return block(self, *args, **kwargs)

    def save_after_cancel(self, record):  # type: ignore[no-untyped-def]
        if ".slot" in record.job_id and "cancel" not in holder:
            assert returned.wait(20)
            holder["cancel"] = holder["job"]
            name = "test-cancel"
            threading.Thread(target=holder["job"].cancel, name=name, daemon=True).start()
            assert cancelling.wait(20)
        return save(self, record)

    monkeypatch.setattr(NexusCompositeJob, "block_for_submit", block_and_tell)
    monkeypatch.setattr(JobStore, "save", save_after_cancel)
    job = backend.run(batch(backend, 6), shots=3, max_circuits_per_job=3, **FAST)
    holder["job"] = job
    returned.set()
    assert job.wait_for_final_state(timeout=120) is None
    assert all(slot.cancelled_before_submit for slot in job.slots), job.report()
    assert sub_jobs_on_server(emu, job.job_id()) == {}
    assert job.status() is JobStatus.CANCELLED


class _Abort(BaseException):
    """Not an Exception: what a KeyboardInterrupt-like failure of the store looks like."""


def test_a_write_ahead_that_raises_any_exception_creates_no_sub_job(
    remote: NexusProvider, emu, monkeypatch
) -> None:
    backend = remote.get_backend("aer_simulator")
    save = JobStore.save

    def failing_save(self, record):  # type: ignore[no-untyped-def]
        if ".slot" in record.job_id:
            raise _Abort("interrupted")
        return save(self, record)

    monkeypatch.setattr(JobStore, "save", failing_save)
    job = backend.run(batch(backend, 6), shots=3, max_circuits_per_job=3, **FAST)
    job.block_for_submit(timeout=60)
    assert all("could not persist" in (slot.submit_error or "") for slot in job.slots)
    assert sub_jobs_on_server(emu, job.job_id()) == {}


def test_a_submission_that_cannot_start_its_threads_leaves_nothing_waiting(
    remote: NexusProvider, emu, monkeypatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    backend = remote.get_backend("aer_simulator")
    submit, calls = ThreadPoolExecutor.submit, []

    def second_fails(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        if getattr(fn, "__name__", "") == "_submit_slot":
            calls.append(fn)
            if len(calls) == 2:
                raise RuntimeError("can't start new thread")
        return submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(ThreadPoolExecutor, "submit", second_fails)
    job = backend.run(batch(backend, 9), shots=3, max_circuits_per_job=3, **FAST)
    job.block_for_submit(timeout=60)  # before: the first slot waited forever
    assert all("can't start new thread" in (slot.submit_error or "") for slot in job.slots)
    assert sub_jobs_on_server(emu, job.job_id()) == {}


def test_a_submission_whose_closing_thread_cannot_start_releases_its_lock(
    remote: NexusProvider, emu, monkeypatch
) -> None:
    """The adversary review: the record's lock stayed held, and rerun_failed() hung."""
    from qiskit_nexus_provider.jobs import composite as composite_module

    backend = remote.get_backend("aer_simulator")
    start = threading.Thread.start

    def no_closer(self):  # type: ignore[no-untyped-def]
        if getattr(self, "_target", None) is composite_module._close_when_done:
            raise RuntimeError("can't start new thread")
        return start(self)

    monkeypatch.setattr(threading.Thread, "start", no_closer)
    job = backend.run(batch(backend, 6), shots=3, max_circuits_per_job=3, **FAST)
    job.block_for_submit(timeout=60)
    assert all("can't start new thread" in (slot.submit_error or "") for slot in job.slots)
    assert sub_jobs_on_server(emu, job.job_id()) == {}
    monkeypatch.setattr(threading.Thread, "start", start)
    lock = remote.store.lock(job.job_id())
    assert lock.acquire(timeout=30)
    lock.release()
    assert job.rerun_failed() == [0, 1]
    check_counts(job.result(timeout=120), 6, 3)


def test_250_circuits_at_100_per_job_make_3_sub_jobs_in_order(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    job = backend.run(batch(backend, 250), shots=4, max_circuits_per_job=100, **FAST)
    assert isinstance(job, NexusCompositeJob)
    check_counts(job.result(timeout=300), 250, 4)
    on_server = sub_jobs_on_server(emu, job.job_id())
    assert sorted(on_server) == [0, 1, 2]
    assert all(len(jobs) == 1 for jobs in on_server.values())
    assert [s.job.job_id() for s in job.slots] == [on_server[i][0]["id"] for i in range(3)]


def test_failed_sub_job_is_rerun_and_finished_ones_are_kept(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    emu.set_faults(fail_next_jobs=1)
    job = backend.run(batch(backend, 40), shots=2, max_circuits_per_job=10, **FAST)
    job.wait_for_final_state(timeout=120)
    assert job.status() is JobStatus.ERROR
    failed = [s.index for s in job.slots if s.report().status is JobStatus.ERROR]
    assert len(failed) == 1
    with pytest.raises(CompositeJobError, match="Injected failure") as failure:
        job.result()
    assert "ERROR: ERROR" not in str(failure.value)  # the status is named once
    assert "ERROR; Injected failure" in str(failure.value)
    partial = job.result(partial=True)
    lo, hi = job.slots[failed[0]].start, job.slots[failed[0]].stop
    assert [r.success for r in partial.results] == [not lo <= i < hi for i in range(40)]
    kept = {s.index: s.job.job_id() for s in job.slots if s.index not in failed}
    assert job.rerun_failed() == failed
    check_counts(job.result(timeout=120), 40, 2)
    assert {s.index: s.job.job_id() for s in job.slots if s.index not in failed} == kept
    on_server = sub_jobs_on_server(emu, job.job_id())
    assert len(on_server[failed[0]]) == 2  # the failed attempt and its rerun
    assert all(len(on_server[i]) == 1 for i in kept)


def test_restore_from_store_in_a_subprocess_and_from_the_server(
    remote: NexusProvider, emu, store_path: Path, run_python
) -> None:
    backend = remote.get_backend("aer_simulator")
    job = backend.run(batch(backend, 60), shots=3, max_circuits_per_job=5, **FAST)
    result = job.result(timeout=300)
    assert len(job.slots) == 12
    sub_ids = [s.job.job_id() for s in job.slots]
    out = run_python(
        f"""
        from qiskit_nexus_provider import NexusCompositeJob
        job = NexusCompositeJob.restore(
            {job.job_id()!r}, token={emu.token!r}, url={emu.url!r},
            store_path={str(store_path)!r},
        )
        r = job.result(timeout=120)
        print([s.job.job_id() for s in job.slots])
        print([r.get_counts(i) for i in range(60)])
        """
    )
    restored_ids, restored_counts = out.strip().splitlines()
    assert restored_ids == str(sub_ids)
    assert restored_counts == str([result.get_counts(i) for i in range(60)])
    # From the server alone: no local record at all.
    for path in store_path.iterdir():
        path.unlink()
    from_server = remote.retrieve_job(job.job_id())
    assert isinstance(from_server, NexusCompositeJob)
    assert [s.job.job_id() for s in from_server.slots] == sub_ids
    server_result = from_server.result(timeout=120)
    check_counts(server_result, 60, 3)
    assert [r.header["name"] for r in server_result.results] == [f"index-{i}" for i in range(60)]


def test_sub_job_gone_from_the_server_is_reported_by_name(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    job = backend.run(batch(backend, 30), shots=1, max_circuits_per_job=10, **FAST)
    job.result(timeout=120)
    gone = job.slots[1].job.job_id()
    remote.remote.client.delete_job(gone)
    restored = NexusCompositeJob.restore(
        job.job_id(), token=emu.token, url=emu.url, store_path=remote.store.path
    )
    with pytest.raises(
        CompositeJobError, match=rf"circuits 10-19 \(job {gone}\).*no longer exists"
    ):
        restored.result(timeout=60)
    assert "no longer exists" in restored.report()
    for path in remote.store.path.iterdir():
        path.unlink()
    from_server = remote.retrieve_job(job.job_id())
    with pytest.raises(CompositeJobError, match="no sub-job for slot 1"):
        from_server.result(timeout=60)
    partial = from_server.result(timeout=60, partial=True)
    assert [r.success for r in partial.results] == [not 10 <= i < 20 for i in range(30)]


def test_kill_9_during_submission_then_restore_without_duplicates(
    remote: NexusProvider, emu, store_path: Path, tmp_path: Path
) -> None:
    slots, per_job = 12, 5
    emu.set_faults(latency=0.05)
    script = textwrap.dedent(
        f"""
        import sys
        from qiskit import transpile
        from qiskit_nexus_provider import NexusProvider
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from e2e_circuits import encode_index
        provider = NexusProvider(token={emu.token!r}, url={emu.url!r}, project="e2e",
                                 store_path={str(store_path)!r})
        backend = provider.get_backend("aer_simulator")
        circuits = transpile([encode_index(i, {WIDTH}) for i in range({slots * per_job})], backend)
        job = backend.run(circuits, shots=2, max_circuits_per_job={per_job})
        print(job.job_id(), flush=True)
        job.block_for_submit()
        print("all submitted", flush=True)
        """
    )
    env = {**os.environ, "HOME": str(tmp_path / "home"), "QISKIT_NEXUS_PROGRESS": "0"}
    before = emu.job_count()
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        composite_id = proc.stdout.readline().strip()
        assert composite_id.startswith("nexus_composite_"), composite_id
        deadline = time.monotonic() + 120
        while emu.job_count() - before < 3:  # wait for a condition: some sub-jobs exist
            assert proc.poll() is None, "the submitting process ended before it could be killed"
            assert time.monotonic() < deadline, "no sub-job reached the emulator"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    emu.set_faults()
    assert emu.wait_requests_drained(timeout=30), "requests of the killed process still running"
    submitted_before_restore = len(sub_jobs_on_server(emu, composite_id))
    assert 3 <= submitted_before_restore < slots, "kill did not land mid-submission"

    restored = NexusCompositeJob.restore(
        composite_id, token=emu.token, url=emu.url, store_path=store_path
    )
    restored.block_for_submit(timeout=120)
    check_counts(restored.result(timeout=300), slots * per_job, 2)
    on_server = sub_jobs_on_server(emu, composite_id)
    assert sorted(on_server) == list(range(slots))
    duplicates = {i: [j["id"] for j in jobs] for i, jobs in on_server.items() if len(jobs) > 1}
    assert not duplicates, f"duplicate sub-jobs: {duplicates}"


def test_sub_jobs_share_the_bound_on_requests_in_flight(
    remote: NexusProvider, emu, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``max_concurrent_requests`` bounds the whole job: before, each of the sub-jobs that
    upload (and download) at the same time had its own pool of that size, so four sub-jobs
    had four times the bound in flight."""
    import threading

    from qiskit_nexus_provider.api.client import NexusClient

    lock = threading.Lock()
    in_flight = [0]
    peak = {"upload_circuit": 0, "get_result": 0, "both": 0}

    def counting(name: str):  # type: ignore[no-untyped-def]
        original = getattr(NexusClient, name)

        def call(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            with lock:
                in_flight[0] += 1
                peak["both"] = max(peak["both"], in_flight[0])
            try:
                return original(self, *args, **kwargs)
            finally:
                with lock:
                    in_flight[0] -= 1

        monkeypatch.setattr(NexusClient, name, call)

    counting("upload_circuit")
    counting("get_result")
    emu.set_faults(latency=0.02)  # every request takes a while: overlaps are certain
    backend = remote.get_backend("aer_simulator")
    job = backend.run(
        batch(backend, 24), shots=2, max_circuits_per_job=6, max_concurrent_requests=3, **FAST
    )
    check_counts(job.result(timeout=300), 24, 2)
    assert len(job.slots) == 4
    assert peak["both"] == 3


def test_result_timeout_holds_while_sub_jobs_still_upload(remote: NexusProvider, emu) -> None:
    """Before (with collection during submission): downloads queued behind the shared bound
    held ``result(timeout=5)`` for 9 s."""
    from qiskit.providers import JobTimeoutError

    emu.set_faults(latency=0.5)  # every request takes half a second: not all finish in time
    backend = remote.get_backend("aer_simulator")
    job = backend.run(
        batch(backend, 60), shots=2, max_circuits_per_job=10, max_concurrent_requests=2, **FAST
    )
    started = time.monotonic()
    with pytest.raises(JobTimeoutError):
        job.result(timeout=5)
    assert time.monotonic() - started < 5 + 1  # the timeout, not the work queued behind it
    emu.set_faults()
    job.cancel()
    job.block_for_submit(timeout=120)
