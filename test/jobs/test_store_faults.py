"""The store survives bad files, loose permissions and failed writes; finished results are kept."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.providers import JobStatus

from qiskit_nexus_provider import NexusCompositeJob, NexusProvider, StoreCorruptError
from qiskit_nexus_provider.cli import EXIT_OK, main
from qiskit_nexus_provider.store import JobStore, _checksum, check_job_id


def index_circuits(backend, count: int, width: int = 6) -> list[QuantumCircuit]:
    out = []
    for index in range(count):
        qc = QuantumCircuit(width, width, name=f"index-{index}")
        for bit in range(width):
            if (index >> bit) & 1:
                qc.x(bit)
        qc.measure(range(width), range(width))
        out.append(qc)
    return transpile(out, backend)


@pytest.fixture
def backend(provider: NexusProvider):
    return provider.get_backend("offline_simulator_no_noise", num_qubits=6)


def _valid_document(provider: NexusProvider, backend) -> dict:
    job = backend.run(index_circuits(backend, 1), shots=3)
    job.result(timeout=60)
    path = job.persist()
    return json.loads(path.read_text())


def _write_checksummed(path: Path, payload: dict) -> None:
    path.write_text(json.dumps({"checksum": _checksum(payload), "record": payload}))


BAD_FILES = {
    "non_utf8": lambda path, doc: path.write_bytes(b'{"record": "\xff"}'),
    "directory": lambda path, doc: path.mkdir(),
    "symlink_loop": lambda path, doc: path.symlink_to(path),
    "deep_json": lambda path, doc: path.write_text("[" * 100_000 + "]" * 100_000),
    "wrong_types": lambda path, doc: _write_checksummed(
        path, {**doc["record"], "job_id": path.stem, "state": ["not", "a", "dict"]}
    ),
    "wrong_option_types": lambda path, doc: _write_checksummed(
        path, {**doc["record"], "job_id": path.stem, "options": {"shots": "many"}}
    ),
    "bad_qpy": lambda path, doc: _write_checksummed(
        path, {**doc["record"], "job_id": path.stem, "circuits_qpy": "AAAA"}
    ),
    "schema_version_0": lambda path, doc: _write_checksummed(
        path, {**doc["record"], "job_id": path.stem, "schema_version": 0}
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_unreadable_record_is_named_and_listings_skip_it(
    provider: NexusProvider, backend, kind: str, capsys
) -> None:
    document = _valid_document(provider, backend)
    bad = provider.store_path / "bad-record.json"
    BAD_FILES[kind](bad, document)
    with pytest.raises(StoreCorruptError) as caught:
        provider.restore_job("bad-record")
    assert caught.value.path == bad
    listing = dict(provider.jobs())
    listed = listing.pop("bad-record")
    if kind not in ("wrong_option_types", "bad_qpy"):  # readable records, unusable content
        assert isinstance(listed, StoreCorruptError)
    assert all(not isinstance(r, Exception) for r in listing.values())
    capsys.readouterr()
    assert main(["jobs", "--store-path", str(provider.store_path)]) == EXIT_OK
    out = capsys.readouterr().out
    if kind not in ("wrong_option_types", "bad_qpy"):
        line = next(line for line in out.splitlines() if line.startswith("bad-record "))
        assert line.split(None, 1)[1].startswith("UNREADABLE") and str(bad) in line


@pytest.mark.parametrize("job_id", ["ab\n", "ab\r", "a/b", "..", ".hidden", ""])
def test_job_ids_are_matched_to_the_end(job_id: str) -> None:
    with pytest.raises(ValueError, match="Invalid job id"):
        check_job_id(job_id)


def test_loose_store_folder_is_tightened_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    os.chmod(folder, 0o777)
    store = JobStore(folder)
    with pytest.warns(UserWarning, match="tightened"):
        store.ensure_folder()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_rerun_after_failed_write_ahead_writes_slot_records_first(
    provider: NexusProvider, backend, monkeypatch
) -> None:
    def disk_full(self, record):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    real_save = JobStore.save
    monkeypatch.setattr(JobStore, "save", disk_full)
    job = backend.run(index_circuits(backend, 6), shots=2, max_circuits_per_job=3)
    job.block_for_submit(timeout=60)
    assert job.status() is JobStatus.ERROR and "No space left" in job.error_message()
    monkeypatch.setattr(JobStore, "save", real_save)
    assert job.rerun_failed() == [0, 1]
    counts = [job.result(timeout=60).get_counts(i) for i in range(6)]
    restored = NexusCompositeJob.restore(job.job_id(), store_path=provider.store_path)
    assert [restored.result(timeout=60).get_counts(i) for i in range(6)] == counts


def test_finished_offline_composite_restored_elsewhere_does_not_run_again(
    provider: NexusProvider, backend, run_python
) -> None:
    job = backend.run(index_circuits(backend, 6), shots=5, max_circuits_per_job=2)
    counts = [job.result(timeout=60).get_counts(i) for i in range(6)]
    out = run_python(
        f"""
        from qiskit_nexus_provider import NexusCompositeJob
        job = NexusCompositeJob.restore({job.job_id()!r}, store_path={str(provider.store_path)!r})
        print([s.job.handle is None for s in job.slots])
        print(job.report(detailed=False))
        r = job.result(timeout=60)
        print([r.get_counts(i) for i in range(6)])
        """
    )
    never_started, summary, restored = out.strip().splitlines()
    assert never_started == str([True] * 3), "a finished sub-job was run again"
    assert "DONE: 3)" in summary
    assert restored == str(counts)


@pytest.mark.parametrize(
    ("kind", "state", "reason"),
    [
        ("composite", {"slots": 5}, "without a list of 'slots'"),
        ("job", {"parent": 3}, "'parent' is a int"),
    ],
)
def test_cli_listing_reports_a_checksum_valid_record_with_a_bad_state(
    provider: NexusProvider, backend, capsys, kind: str, state: dict, reason: str
) -> None:
    """``state`` is free-form: an edited (re-checksummed) one is reported, not a traceback."""
    document = _valid_document(provider, backend)
    bad = provider.store_path / "bad-record.json"
    record = {**document["record"], "job_id": bad.stem, "kind": kind, "state": state}
    _write_checksummed(bad, record)
    capsys.readouterr()
    assert main(["jobs", "--store-path", str(provider.store_path)]) == EXIT_OK
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("bad-record"))
    assert line.split(None, 1)[1].startswith("UNREADABLE: ") and reason in line
    assert document["record"]["job_id"] in out  # the good record is still listed
