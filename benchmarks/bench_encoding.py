"""Benchmark the fast pytket JSON encoder / decoder against pytket-qiskit.

Run with ``python benchmarks/bench_encoding.py [--circuits N] [--results N]
[--shots N] [--reference-results N]``.

Encoder: ``to_pytket_dict(c)`` vs ``qiskit_to_tk(c).to_dict()`` on the same
distinct 5-qubit circuits (``random_circuit`` transpiled to rz/r/rzz + measure
at optimization level 1, fixed seeds).  The two sides are timed interleaved,
circuit by circuit, so machine load hits both alike; the fast side starts with
an empty angle cache.

Decoder: ``decode_result`` vs ``BackendResult.from_dict(d).get_counts()``
(turned into Qiskit keys) on results of ``--shots`` shots.  The fast side
decodes ``--results`` results; the pytket side only ``--reference-results`` of
them, and its rate is extrapolated per result.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pytket.backends.backendresult import BackendResult
from pytket.extensions.qiskit import qiskit_to_tk
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.random import random_circuit

from qiskit_nexus_provider.encoding import bit_names, creg_sizes, decode_result, to_pytket_dict
from qiskit_nexus_provider.encoding.gates import ANGLE_CACHES


def _circuits(n: int) -> list[QuantumCircuit]:
    out = []
    for seed in range(n):
        qc = random_circuit(5, 30, max_operands=2, measure=True, seed=seed)
        out.append(
            transpile(
                qc,
                basis_gates=["rz", "r", "rzz", "measure"],
                optimization_level=1,
                seed_transpiler=seed,
            )
        )
    return out


def bench_encoder(n: int, rounds: int = 2, fast_reps: int = 3) -> dict[str, float]:
    """Circuits per second for both encoders (and the mean circuit length).

    Each round times one pass of ``qiskit_to_tk`` + ``to_dict`` over all circuits,
    then ``fast_reps`` passes of ``to_pytket_dict``, each starting with an empty
    angle cache ("cold").  Reported: total reference time over all rounds, the
    median cold pass, and one extra pass with the cache filled ("warm").
    """
    circuits = _circuits(n)
    clock = time.perf_counter
    t_ref = 0.0
    cold: list[float] = []
    for _ in range(rounds):
        t0 = clock()
        for qc in circuits:
            qiskit_to_tk(qc).to_dict()
        t_ref += clock() - t0
        for _ in range(fast_reps):
            for cache in ANGLE_CACHES.values():
                cache.clear()
            t0 = clock()
            for qc in circuits:
                to_pytket_dict(qc)
            cold.append(clock() - t0)
    t0 = clock()
    for qc in circuits:
        to_pytket_dict(qc)
    warm = clock() - t0
    return {
        "mean_len": sum(len(qc.data) for qc in circuits) / n,
        "pytket": n * rounds / t_ref,
        "fast_cold": n / statistics.median(cold),
        "fast_warm": n / warm,
    }


def _results(n_distinct: int, shots: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    bits = [["c", [i]] for i in range(5)]
    out = []
    for _ in range(n_distinct):
        probs = rng.dirichlet(np.full(32, 0.3))
        values = rng.choice(32, size=shots, p=probs)
        readouts = (values[:, None] >> np.arange(5)) & 1  # column i = c[i]
        rows = np.packbits(readouts.astype(np.uint8), axis=1).tolist()
        out.append({"qubits": [], "bits": bits, "shots": {"width": 5, "array": rows}})
    return out


def _pytket_counts(result: dict[str, Any]) -> dict[str, int]:
    counts = BackendResult.from_dict(result).get_counts()
    return {"".join(map(str, reversed(key))): int(v) for key, v in counts.items()}


def _rate(fn: Callable[[dict[str, Any]], Any], results: list[dict[str, Any]], n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        fn(results[i % len(results)])
    return n / (time.perf_counter() - t0)


def bench_decoder(n: int, n_ref: int, shots: int) -> dict[str, float]:
    """Return results/s for each decoder variant."""
    results = _results(min(n, 50), shots)
    qc = QuantumCircuit(5, 5)
    names, sizes = bit_names(qc), creg_sizes(qc)
    fast = _rate(lambda r: decode_result(r, names, sizes), results, n)
    fast_mem = _rate(lambda r: decode_result(r, names, sizes, memory=True), results, n)
    ref = _rate(_pytket_counts, results, n_ref)
    # Same answer on every distinct result.
    for r in results:
        assert decode_result(r, names, sizes)[0] == _pytket_counts(r)
    return {"fast": fast, "fast_memory": fast_mem, "pytket": ref}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuits", type=int, default=200)
    parser.add_argument("--results", type=int, default=1000)
    parser.add_argument("--reference-results", type=int, default=100)
    parser.add_argument("--shots", type=int, default=10_000)
    args = parser.parse_args()

    enc = bench_encoder(args.circuits)
    print(f"Encoder: {args.circuits} circuits, mean {enc['mean_len']:.0f} instructions")
    print(f"  {'qiskit_to_tk + to_dict':<34}{enc['pytket']:>12.1f} circuits/s")
    print(f"  {'to_pytket_dict (cold angle cache)':<34}{enc['fast_cold']:>12.1f} circuits/s")
    print(f"  {'to_pytket_dict (warm angle cache)':<34}{enc['fast_warm']:>12.1f} circuits/s")
    print(f"  {'speed-up, cold cache':<34}{enc['fast_cold'] / enc['pytket']:>12.1f} x")
    print(f"  {'speed-up, warm cache':<34}{enc['fast_warm'] / enc['pytket']:>12.1f} x")

    rates = bench_decoder(args.results, args.reference_results, args.shots)
    print(
        f"Decoder: {args.results} results x {args.shots} shots "
        f"(pytket side: {args.reference_results} results, extrapolated)"
    )
    print(f"  {'BackendResult + get_counts':<34}{rates['pytket']:>12.1f} results/s")
    print(f"  {'decode_result':<34}{rates['fast']:>12.1f} results/s")
    print(f"  {'decode_result(memory=True)':<34}{rates['fast_memory']:>12.1f} results/s")
    print(f"  {'speed-up (counts)':<34}{rates['fast'] / rates['pytket']:>12.1f} x")
    print(
        f"  {args.results} x {args.shots} decode: "
        f"{args.results / rates['fast']:.3f} s counts, "
        f"{args.results / rates['fast_memory']:.3f} s with memory "
        f"(pytket: {args.results / rates['pytket']:.1f} s)"
    )


if __name__ == "__main__":
    main()
