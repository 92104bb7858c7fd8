"""Submit and collect N circuits through the provider vs through qnexus + pytket-qiskit.

Run: ``python benchmarks/bench_remote.py [--circuits 1000]``.  Both clients talk to the same local
Nexus emulator (its own process), in the same run, on the same transpiled 5-qubit circuits with
the same shots, and poll with the same schedule (0.1 s doubling to 1 s).  The qnexus side does what
a qnexus user does: ``qiskit_to_tk`` per circuit, ``qnx.circuits.upload`` per circuit,
``qnx.start_execute_job``, ``qnx.jobs.wait_for``, ``download_result`` and ``get_counts`` per
circuit.  Goal (issue 3): the provider at least 5x faster.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from common import machine, print_table, transpiled_workload
from emulator_process import EmulatorProcess

QNEXUS_SIDE = r"""
import json, sys, time
from qiskit import qpy
import qnexus as qnx
from qnexus.client.jobs import PollingStrategy
from qnexus.config import CONFIG
from pytket.extensions.qiskit import qiskit_to_tk
with open(sys.argv[1], "rb") as handle:
    circuits = qpy.load(handle)
shots = int(sys.argv[2])
CONFIG.store_tokens = False
qnx.login_with_token(sys.argv[3])
start = time.perf_counter()
project = qnx.projects.get_or_create(name="bench-qnexus")
refs = [qnx.circuits.upload(circuit=qiskit_to_tk(qc), name=qc.name, project=project)
        for qc in circuits]
uploaded = time.perf_counter()
# Nexus takes at most 300 programs per job.
jobs = [qnx.start_execute_job(programs=refs[i:i + 300], n_shots=[shots] * len(refs[i:i + 300]),
                              backend_config=qnx.AerConfig(), name=f"bench-{i}", project=project)
        for i in range(0, len(refs), 300)]
for job in jobs:
    qnx.jobs.wait_for(job, strategy=PollingStrategy(initial_interval=0.1, backoff_factor=2,
                                                    max_interval_queued=1, max_interval_running=1),
                      timeout=3600)
counts = [r.download_result().get_counts() for job in jobs for r in qnx.jobs.results(job)]
end = time.perf_counter()
print(json.dumps({"total": end - start, "upload": uploaded - start, "n": len(counts)}))
"""


def run_provider(emu: EmulatorProcess, circuits: list, shots: int, composite: bool) -> float:
    from qiskit_nexus_provider import NexusProvider

    provider = NexusProvider(
        token=emu.token,
        url=emu.url,
        project="bench-provider",
        store_path=Path(os.environ.get("TMPDIR", "/tmp")) / "bench-store",
    )
    start = time.perf_counter()
    backend = provider.get_backend("aer_simulator")
    limit = None if composite else len(circuits)
    job = backend.run(
        circuits, shots=shots, poll_interval=0.1, poll_max_interval=1.0, max_circuits_per_job=limit
    )
    result = job.result(timeout=3600)
    assert len(result.results) == len(circuits)
    return time.perf_counter() - start


def measure(n: int = 1000, shots: int = 100) -> dict[str, float]:
    import tempfile

    from qiskit import qpy

    from qiskit_nexus_provider import NexusProvider

    workload = transpiled_workload(NexusProvider().get_backend("offline_simulator_no_noise"), n)
    with tempfile.TemporaryDirectory() as tmp, EmulatorProcess() as emu:
        circuits_file = Path(tmp) / "circuits.qpy"
        with open(circuits_file, "wb") as handle:
            qpy.dump(workload, handle)
        qnexus = emu.run_qnexus_side(QNEXUS_SIDE, circuits_file, shots)
        ours = run_provider(emu, workload, shots, composite=False)
        ours_composite = run_provider(emu, workload, shots, composite=True)
    return {
        "qnexus_s": qnexus["total"],
        "qnexus_upload_s": qnexus["upload"],
        "provider_s": ours,
        "provider_composite_s": ours_composite,
        "speedup": qnexus["total"] / ours,
        "speedup_composite": qnexus["total"] / ours_composite,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuits", type=int, default=1000)
    parser.add_argument("--shots", type=int, default=100)
    args = parser.parse_args()
    m = measure(args.circuits, args.shots)
    print_table(
        f"Submit + collect {args.circuits} circuits on the local emulator ({machine()})",
        [
            ("client", "wall time (s)", "speed-up vs qnexus"),
            ("qnexus + pytket-qiskit", f"{m['qnexus_s']:.1f}", "1.0x"),
            (
                "qiskit-nexus-provider, largest jobs (300)",
                f"{m['provider_s']:.1f}",
                f"{m['speedup']:.1f}x",
            ),
            (
                "qiskit-nexus-provider, composite (300/job)",
                f"{m['provider_composite_s']:.1f}",
                f"{m['speedup_composite']:.1f}x",
            ),
        ],
    )


if __name__ == "__main__":
    main()
