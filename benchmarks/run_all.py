"""Run every benchmark in one go and write the table to ``docs/benchmarks_table.md``.

Run: ``python benchmarks/run_all.py [--quick]``.  Every ratio is measured in this run, against the
alternative a user would otherwise pick, on the same inputs.  Run it on an idle machine: Aer's
OpenMP threads slow down badly when another process competes for the cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS_TABLE = ROOT / "docs" / "benchmarks_table.md"
README = ROOT / "README.md"
README_START = (
    "<!-- benchmarks: generated from docs/benchmarks_table.md by benchmarks/run_all.py -->"
)
README_END = "<!-- end of benchmarks -->"

REQUIRED = {
    "qnexus": "the qnexus side of the remote benchmark",
    "pytket": "the pytket side of the encoding benchmarks",
    "pytket.extensions.qiskit": "qiskit_to_tk, the conversion the alternatives use",
    "qiskit_aer": "the offline simulators",
}
"""Modules the benchmarks import, and what for (the ``bench`` extra installs them)."""


def missing_modules() -> dict[str, str]:
    """The modules of :data:`REQUIRED` that cannot be imported here, with what they are for."""
    missing = {}
    for name, purpose in REQUIRED.items():
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # a parent package is missing
            found = False
        if not found:
            missing[name] = purpose
    return missing


def readme_figures(table: str) -> str:
    """The README's list of measured figures, derived from the benchmark table's text.

    One bullet per table row, ``workload: ratio``, after the table's "Measured ..." line, so that
    the README repeats the table's figures and never states its own.
    """
    measured = next(line for line in table.splitlines() if line.startswith("Measured "))
    rows = [line for line in table.splitlines() if line.startswith("| ")][2:]
    bullets = []
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        bullets.append(f"- {cells[0]}: **{cells[3]}**")
    when = re.sub(r", with `python benchmarks/run_all.py`.*", "", measured)
    return "\n".join(
        [
            README_START,
            f"{when} (full table, with both sides of every ratio: "
            "[`docs/benchmarks_table.md`](docs/benchmarks_table.md)):",
            "",
            *bullets,
            README_END,
        ]
    )


def update_readme(table: str, readme: Path = README) -> None:
    """Replace the generated block of the README with the figures of ``table``."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    readme.write_text(text[:start] + readme_figures(table) + text[end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads (a smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--readme-only",
        action="store_true",
        help="only rewrite the README's figures from docs/benchmarks_table.md",
    )
    args = parser.parse_args()
    if args.readme_only:
        update_readme(DOCS_TABLE.read_text(encoding="utf-8"))
        return
    missing = missing_modules()
    if missing:
        for name, purpose in missing.items():
            print(f"missing module {name!r} ({purpose})", file=sys.stderr)
        sys.exit(
            "The benchmarks need the bench extra: pip install -e '.[bench]' "
            f"(missing: {', '.join(missing)})."
        )
    try:
        run(args)
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()[-5:]
        sys.exit(
            f"A benchmark subprocess failed (exit {exc.returncode}): "
            + ("\n".join(detail) or " ".join(map(str, exc.cmd))[:200])
        )


def run(args: argparse.Namespace) -> None:
    """Run every benchmark; write the table (and the README's figures) unless ``--no-write``."""
    import bench_composite
    import bench_encoding
    import bench_issue13
    import bench_offline
    import bench_remote
    from common import machine

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
    for side, limit in (("offline", 1000), ("emulator", 300)):
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
        update_readme(text)
        print(f"written to {DOCS_TABLE} and {README}")


if __name__ == "__main__":
    main()
