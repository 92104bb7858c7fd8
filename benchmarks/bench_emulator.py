"""Server cost of the local Nexus emulator: upload, execute and download, in its own process.

Runs ``python -m qiskit_nexus_provider.emulator`` in a subprocess and measures, per phase, the
wall time and the CPU time the *server* process spent (from ``/proc/<pid>/stat``):

1. upload ``--circuits`` transpiled circuits (``POST /api/circuits/v1beta2``, 8 threads);
2. one execute job of all of them on ``aer_simulator`` (wall time from ``POST`` to
   ``COMPLETED``, polled every 20 ms), next to a raw ``AerSimulator.run`` of the same circuits;
3. download every result (``GET /api/results/v1beta3/{id}``, 8 threads).

Usage::

    python benchmarks/bench_emulator.py [--circuits 1000] [--shots 100] [--repeat 2]
        [--baseline DIR]

``--baseline DIR`` also measures the emulator of another copy of the package (``DIR`` holds its
``qiskit_nexus_provider`` directory), alternating with this one, for a comparison in one run.

Linux only (server CPU time comes from ``/proc``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, print_table, transpiled_workload
from emulator_process import EmulatorProcess

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.api.client import NexusClient
from qiskit_nexus_provider.backends import remote


def _cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Phase:
    def __init__(self, pid: int) -> None:
        self.pid = pid

    def __enter__(self) -> _Phase:
        self.cpu0, self.t0 = _cpu(self.pid), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = _cpu(self.pid) - self.cpu0


def _raw_aer(circuits: list[Any], shots: int) -> float:
    from qiskit_aer import AerSimulator

    sim = AerSimulator()
    start = time.perf_counter()
    sim.run(circuits, shots=shots, memory=True).result()
    return time.perf_counter() - start


def _round(
    client: NexusClient, pid: int, project_id: str, encoded: Any, shots: int
) -> dict[str, _Phase]:
    out: dict[str, _Phase] = {}
    with _Phase(pid) as up:
        ids = client.upload_circuits(project_id, encoded, max_workers=8)
    out["upload"] = up
    with _Phase(pid) as run:
        # Nexus takes at most 300 programs per job: submit the batch as consecutive jobs.
        jobs = [
            client.start_execute_job(
                project_id=project_id,
                name=f"bench-{time.time_ns()}",
                program_ids=ids[start : start + 300],
                n_shots=[shots] * len(ids[start : start + 300]),
                backend_config={
                    "type": "AerConfig",
                    "simulation_method": "automatic",
                    "n_qubits": 40,
                },
            )
            for start in range(0, len(ids), 300)
        ]
        for job in jobs:
            while True:
                status = client.get_job_status(job.id)
                if status.status.value in ("COMPLETED", "ERROR", "CANCELLED"):
                    break
                time.sleep(0.02)
            out["execute"] = run
    result_ids = [
        i.result_id for job in jobs for i in NexusClient.job_items(client.get_job(job.id))
    ]
    with _Phase(pid) as down, ThreadPoolExecutor(max_workers=8) as pool:
        payloads = list(pool.map(client.get_result, result_ids))
    assert len(payloads) == len(ids)
    out["download"] = down
    return out


def _session(encoded: Any, shots: int) -> dict[str, _Phase]:
    """One emulator process, one round of the three phases."""
    with EmulatorProcess() as emu, tempfile.TemporaryDirectory() as store:
        assert emu._proc is not None
        provider = NexusProvider(
            token=emu.token, url=emu.url, project="bench-emulator", store_path=store
        )
        client = provider.remote.client
        project_id = provider.remote.project_id()
        return _round(client, emu._proc.pid, project_id, encoded, shots)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--circuits", type=int, default=1000)
    parser.add_argument("--shots", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", metavar="DIR", help="another copy of the package to compare")
    args = parser.parse_args()

    circuits = transpiled_workload(
        NexusProvider().get_backend("offline_simulator_no_noise"), args.circuits
    )
    encoded = remote._encode_all(circuits)
    aer = min(_raw_aer(circuits, args.shots) for _ in range(args.repeat))
    rows = [("emulator", "round", "phase", "wall s", "server CPU s", "server CPU / item ms")]
    variants = [("this", None)] + ([("baseline", args.baseline)] if args.baseline else [])
    if args.baseline:
        # ``python -m`` puts the working directory first on sys.path: leave the repository.
        os.chdir(tempfile.gettempdir())
    for r in range(args.repeat):
        for label, path in variants:
            previous = os.environ.get("PYTHONPATH")
            if path is not None:
                os.environ["PYTHONPATH"] = path
            try:
                phases = _session(encoded, args.shots)
            finally:
                if path is not None:
                    if previous is None:
                        del os.environ["PYTHONPATH"]
                    else:
                        os.environ["PYTHONPATH"] = previous
            for name, ph in phases.items():
                rows.append(
                    (
                        label,
                        str(r),
                        name,
                        f"{ph.wall:.2f}",
                        f"{ph.cpu:.2f}",
                        f"{1000 * ph.cpu / args.circuits:.2f}",
                    )
                )
    rows.append(("-", "-", "raw AerSimulator.run", f"{aer:.2f}", "-", "-"))
    print(f"{machine()}; {args.circuits} circuits, {args.shots} shots")
    print_table("Nexus emulator, server in its own process", rows)


if __name__ == "__main__":
    main()
