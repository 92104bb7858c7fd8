"""Run every benchmark in one go and write the table to ``docs/benchmarks_table.md``.

Run: ``python benchmarks/run_all.py [--quick]``.  Every ratio is measured in this run, against the
alternative a user would otherwise pick, on the same inputs.  Run it on an idle machine: Aer's
OpenMP threads slow down badly when another process competes for the cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import bench_composite
import bench_encoding
import bench_issue13
import bench_offline
import bench_remote
from common import machine

DOCS_TABLE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks_table.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads (a smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    q = args.quick
    rows: list[tuple[str, str, str, str]] = []

    enc = bench_encoding.bench_encoder(50 if q else 200)
    rows.append(
        (
            f"Encode transpiled 5-qubit circuits (~{enc['mean_len']:.0f} instructions)",
            f"qiskit_to_tk + to_dict: {enc['pytket']:.0f} circuits/s",
            f"to_pytket_dict: {enc['fast_cold']:.0f} circuits/s",
            f"{enc['fast_cold'] / enc['pytket']:.0f}x faster (goal ≥ 30x)",
        )
    )
    dec = bench_encoding.bench_decoder(200 if q else 1000, 20 if q else 100, 10_000)
    n_dec = 200 if q else 1000
    rows.append(
        (
            f"Decode {n_dec} results × 10 000 shots to Qiskit counts",
            f"BackendResult.from_dict + get_counts: {n_dec / dec['pytket']:.2f} s",
            f"decode_result: {n_dec / dec['fast']:.2f} s",
            f"{dec['fast'] / dec['pytket']:.0f}x faster",
        )
    )
    off = bench_offline.measure(100 if q else 500, repeat=7)
    rows.append(
        (
            f"Run {100 if q else 500} transpiled 5-qubit circuits offline, 100 shots",
            f"AerSimulator.run: {off['aer_s']:.2f} s",
            f"backend.run: {off['provider_s']:.2f} s",
            f"{off['ratio']:.3f}x the time (goal ≤ 1.05x)",
        )
    )
    n_remote = 200 if q else 1000
    rem = bench_remote.measure(n_remote)
    rows.append(
        (
            f"Submit and collect {n_remote} circuits on the local emulator",
            f"qnexus + pytket-qiskit: {rem['qnexus_s']:.1f} s",
            f"provider: {rem['provider_s']:.1f} s (composite: {rem['provider_composite_s']:.1f} s)",
            f"{rem['speedup']:.1f}x faster (goal ≥ 5x)",
        )
    )
    n_comp = 1000 if q else 10_000
    comp = bench_composite.measure(n_comp)
    for side, limit in (("offline", 1000), ("emulator", 500)):
        c = comp[f"{side} composite ({limit}/job)"]
        one = comp[f"{side} one job"]
        rows.append(
            (
                f"{n_comp}-circuit composite, {side} ({c['sub_jobs']} sub-jobs)",
                f"one job: {one['wall']:.1f} s, {one['peak_mb']:.0f} MB peak",
                f"composite: {c['wall']:.1f} s, {c['peak_mb']:.0f} MB peak",
                f"{c['wall'] / one['wall']:.2f}x time, {c['peak_mb'] / one['peak_mb']:.2f}x memory",
            )
        )

    # Issue 13: the wire at 0 and 50 ms per request, every standard gate, Dask workers.
    rows.extend(bench_issue13.rows(q))

    header = ("workload", "alternative", "qiskit-nexus-provider", "ratio")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)) + " |",
        "| " + " | ".join("-" * w for w in widths) + " |",
        *(
            "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
            for r in rows
        ),
    ]
    text = "\n".join(
        [
            "# Benchmark table",
            "",
            f"Measured {dt.date.today().isoformat()} on {machine()}"
            + (" (quick run: smaller workloads)" if q else "")
            + ", with `python benchmarks/run_all.py`. Each ratio compares two sides measured in "
            "the same run on the same inputs.",
            "",
            *lines,
            "",
        ]
    )
    print(text)
    if not args.no_write:
        DOCS_TABLE.write_text(text, encoding="utf-8")
        print(f"written to {DOCS_TABLE}")


if __name__ == "__main__":
    main()
