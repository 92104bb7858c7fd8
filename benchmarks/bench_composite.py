"""A 10 000-circuit batch as a composite job vs as one job: wall time and peak memory.

Run: ``python benchmarks/bench_composite.py [--circuits 10000] [--side offline|emulator|both]``.
Each scenario runs in a fresh subprocess so that its peak resident memory (``ru_maxrss``) is its
own; for the emulator side the emulator runs in yet another process (its memory is not counted:
it is the server's).  Scenarios: the default composite (offline: 1000 circuits per sub-job,
remote: 300) and one job holding every circuit (``max_circuits_per_job`` = the batch size).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import machine, print_table

HERE = Path(__file__).parent

SCENARIO = r"""
import json, resource, sys, time
sys.path.insert(0, {here!r})
from common import transpiled_workload
from qiskit_nexus_provider import NexusProvider, NexusCompositeJob
n, limit, url, token, store = {n}, {limit}, {url!r}, {token!r}, {store!r}
if url:
    provider = NexusProvider(token=token, url=url, project="bench-composite", store_path=store)
    backend = provider.get_backend("aer_simulator")
else:
    provider = NexusProvider(store_path=store)
    backend = provider.get_backend("offline_simulator_no_noise")
circuits = transpiled_workload(backend, n)
start = time.perf_counter()
job = backend.run(circuits, shots=100, max_circuits_per_job=limit, poll_interval=0.2,
                  poll_max_interval=2.0)
result = job.result(timeout=7200)
wall = time.perf_counter() - start
assert len(result.results) == n and result.success
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
sub_jobs = len(job.slots) if isinstance(job, NexusCompositeJob) else 1
print(json.dumps({{"wall": wall, "peak_mb": peak_mb, "sub_jobs": sub_jobs}}))
"""


def run_scenario(n: int, limit: int | None, url: str = "", token: str = "") -> dict[str, float]:
    with tempfile.TemporaryDirectory() as store:
        code = SCENARIO.format(here=str(HERE), n=n, limit=limit, url=url, token=token, store=store)
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "QISKIT_NEXUS_PROGRESS": "0"},
        )
    if out.returncode != 0:
        raise RuntimeError(f"scenario (n={n}, limit={limit}) failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(n: int = 10_000, sides: tuple[str, ...] = ("offline", "emulator")) -> dict[str, dict]:
    from emulator_process import EmulatorProcess

    out: dict[str, dict] = {}
    if "offline" in sides:
        out["offline composite (1000/job)"] = run_scenario(n, None)
        out["offline one job"] = run_scenario(n, n)
    if "emulator" in sides:
        with EmulatorProcess() as emu:
            out["emulator composite (300/job)"] = run_scenario(n, None, emu.url, emu.token)
            out["emulator one job"] = run_scenario(n, n, emu.url, emu.token)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuits", type=int, default=10_000)
    parser.add_argument("--side", choices=["offline", "emulator", "both"], default="both")
    args = parser.parse_args()
    sides = ("offline", "emulator") if args.side == "both" else (args.side,)
    m = measure(args.circuits, sides)
    rows = [
        ("scenario", "sub-jobs", "wall time (s)", "peak memory (MB)", "vs one job (time, memory)")
    ]
    for side in sides:
        one = next(v for k, v in m.items() if k.startswith(side) and "one job" in k)
        for name, v in m.items():
            if name.startswith(side):
                rows.append(
                    (
                        name,
                        str(v["sub_jobs"]),
                        f"{v['wall']:.1f}",
                        f"{v['peak_mb']:.0f}",
                        f"{v['wall'] / one['wall']:.2f}x, {v['peak_mb'] / one['peak_mb']:.2f}x",
                    )
                )
    print_table(f"{args.circuits} circuits, composite vs one job ({machine()})", rows)


if __name__ == "__main__":
    main()
