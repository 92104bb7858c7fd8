"""Child process of the kill -9 tests: run a composite and SIGKILL itself at a chosen point.

Usage: ``python kill_points.py URL TOKEN STORE POINT CIRCUITS PER_JOB``.  Prints the composite id
first.  ``POINT`` is one of :data:`POINTS`; ``restore`` instead restores the composite whose id is
given as ``CIRCUITS`` and waits for its submissions.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from pathlib import Path

from qiskit import transpile

sys.path.insert(0, str(Path(__file__).parent))
from e2e_circuits import encode_index

from qiskit_nexus_provider import NexusCompositeJob, NexusProvider
from qiskit_nexus_provider.api import client as client_module
from qiskit_nexus_provider.api import transport as transport_module

POINTS = ("after_write_ahead", "before_post", "post_landed", "after_post", "mid_batch")
WIDTH = 8


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    """Patch the client so that the process kills itself at ``point``."""
    client_cls = client_module.NexusClient
    start = client_cls.start_execute_job
    send = transport_module.Transport._send
    calls = itertools.count(1)

    write_ahead = NexusCompositeJob._write_ahead

    def write_ahead_then(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        write_ahead(self, *args, **kwargs)
        die()  # the write-ahead record exists; circuits may be uploading, no job was created

    def start_then(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        call = next(calls)  # atomic under the GIL: each thread gets its own number
        if point == "before_post":
            die()  # circuits uploaded, no job POSTed
        resource = start(self, *args, **kwargs)
        if point == "after_post" or (point == "mid_batch" and call == 2):
            die()  # the job exists and the response came back; the record does not know it
        return resource

    def send_then(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = send(self, method, url, *args, **kwargs)
        if method == "POST" and url.endswith(client_module.JOBS):
            die()  # the job exists on Nexus; its response was never read
        return response

    if point == "after_write_ahead":
        NexusCompositeJob._write_ahead = write_ahead_then  # type: ignore[method-assign]
    elif point == "post_landed":
        transport_module.Transport._send = send_then  # type: ignore[method-assign]
    else:
        client_cls.start_execute_job = start_then  # type: ignore[method-assign]


def main() -> None:
    url, token, store, point, count, per_job = sys.argv[1:7]
    provider = NexusProvider(token=token, url=url, project="e2e", store_path=store)
    if point == "restore":
        job = NexusCompositeJob.restore(count, token=token, url=url, store_path=store)
        job.block_for_submit(timeout=120)
        print("restored", [s.job.job_id() if s.job else None for s in job.slots], flush=True)
        return
    backend = provider.get_backend("aer_simulator")
    circuits = transpile([encode_index(i, WIDTH) for i in range(int(count))], backend)
    arm(point)
    job = backend.run(circuits, shots=2, max_circuits_per_job=int(per_job), with_progress_bar=False)
    print(job.job_id(), flush=True)
    job.block_for_submit(timeout=120)
    print("not killed", flush=True)


if __name__ == "__main__":
    main()
