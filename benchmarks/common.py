"""Shared helpers of the benchmarks: workload circuits, timing, table printing."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

from qiskit import QuantumCircuit, transpile
from qiskit.circuit.random import random_circuit

os.environ.setdefault("QISKIT_NEXUS_PROGRESS", "0")


def transpiled_workload(
    backend: Any, count: int, qubits: int = 5, depth: int = 40
) -> list[QuantumCircuit]:
    """``count`` random ``qubits``-qubit circuits transpiled for ``backend`` (seeded)."""
    base = [
        random_circuit(qubits, depth, max_operands=2, measure=True, seed=i)
        for i in range(min(count, 50))
    ]
    compiled = transpile(base, backend, optimization_level=1, seed_transpiler=1)
    out = []
    for i in range(count):
        qc = compiled[i % len(compiled)].copy(name=f"bench-{i}")
        out.append(qc)
    return out


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, list[float]]:
    """Run ``fn`` ``repeat`` times; return the best wall time and all times, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), times


def machine() -> str:
    """A one-line description of the machine."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    """Print a Markdown table (first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"\n### {title}\n")
    for n, row in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print("| " + " | ".join("-" * w for w in widths) + " |")
