"""Offline simulator vs raw AerSimulator on the same 500 transpiled 5-qubit circuits.

Run: ``python benchmarks/bench_offline.py``.  Goal (issue: foundation): the provider costs at most
1.10x AerSimulator.run; the benchmark table aims at 1.05x.  Both sides run in the same process,
interleaved, with the same shots and seed; the ratio uses the median of the runs.
"""

from __future__ import annotations

import argparse

from common import machine, median, print_table, transpiled_workload
from qiskit_aer import AerSimulator

from qiskit_nexus_provider import NexusProvider


def measure(circuits: int = 500, shots: int = 100, repeat: int = 5) -> dict[str, float]:
    import time

    backend = NexusProvider().get_backend("offline_simulator_no_noise")
    workload = transpiled_workload(backend, circuits)
    aer = AerSimulator()
    aer.run(workload[:5], shots=shots).result()  # warm up both
    backend.run(workload[:5], shots=shots).result()
    ours, raw = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        aer.run(workload, shots=shots, seed_simulator=1).result()
        raw.append(time.perf_counter() - start)
        start = time.perf_counter()
        backend.run(workload, shots=shots, seed_simulator=1).result()
        ours.append(time.perf_counter() - start)
    return {"provider_s": median(ours), "aer_s": median(raw), "ratio": median(ours) / median(raw)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuits", type=int, default=500)
    parser.add_argument("--shots", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    m = measure(args.circuits, args.shots, args.repeat)
    print_table(
        f"backend.run vs AerSimulator.run, {args.circuits} transpiled 5-qubit circuits, "
        f"{args.shots} shots ({machine()})",
        [
            ("side", "median wall time (s)", "ratio"),
            ("AerSimulator.run", f"{m['aer_s']:.3f}", "1.00"),
            (
                "offline_simulator_no_noise backend.run",
                f"{m['provider_s']:.3f}",
                f"{m['ratio']:.3f}",
            ),
        ],
    )


if __name__ == "__main__":
    main()
