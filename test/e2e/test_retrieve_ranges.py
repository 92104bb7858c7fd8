"""A composite rebuilt from the server alone puts every slot at its recorded indexes."""

from __future__ import annotations

import pytest
from test_remote_composite import batch

from qiskit_nexus_provider import NexusCompositeJob, NexusProvider
from qiskit_nexus_provider.backends.remote import RemoteNexusBackend

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2, "with_progress_bar": False}
WIDTH = 8


@pytest.mark.parametrize(
    ("count", "per_job", "refused"),
    [(4, 3, 0), (13, 5, 2), (13, 5, 1)],
    ids=["first-slot-refused", "last-slot-never-sent", "middle-slot-refused"],
)
def test_slot_that_never_reached_nexus_is_reported_at_its_own_indexes(
    remote: NexusProvider, emu, monkeypatch, count: int, per_job: int, refused: int
) -> None:
    submit = RemoteNexusBackend.submit_job

    def refuse_one(self, job):  # type: ignore[no-untyped-def]
        if job.state["composite"]["index"] == refused:
            raise RuntimeError("refused before reaching Nexus")
        submit(self, job)

    monkeypatch.setattr(RemoteNexusBackend, "submit_job", refuse_one)
    backend = remote.get_backend("aer_simulator")
    job = backend.run(batch(backend, count), shots=2, max_circuits_per_job=per_job, **FAST)
    job.block_for_submit(timeout=60)
    monkeypatch.setattr(RemoteNexusBackend, "submit_job", submit)
    for path in remote.store.path.iterdir():
        path.unlink()
    from_server = remote.retrieve_job(job.job_id())
    assert isinstance(from_server, NexusCompositeJob)
    result = from_server.result(timeout=120, partial=True)
    lo, hi = refused * per_job, min((refused + 1) * per_job, count)
    assert len(result.results) == count
    assert [r.success for r in result.results] == [not lo <= i < hi for i in range(count)]
    for i in range(count):
        if not lo <= i < hi:
            assert result.get_counts(i) == {format(i, f"0{WIDTH}b"): 2}, i
            assert result.results[i].header["name"] == f"index-{i}"
