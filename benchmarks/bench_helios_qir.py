"""Helios (issue 14): the cost of each stage of a circuit's way through QIR, per circuit.

Run: ``python benchmarks/bench_helios_qir.py [--qubits 20] [--shots 1000] [--repeat 20]``.
A GHZ circuit transpiled for Helios (``rz``/``r``/``rzz``) is encoded as QIR
(``to_qir``: our pytket encoding + pytket-qir), translated back by the emulator (``translate``:
pyqir walk) and run on Aer (``run_program``); median wall times in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider.emulator.qir_program import run_program, translate
from qiskit_nexus_provider.encoding.qir import to_qir
from qiskit_nexus_provider.target import build_target


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=20)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    target = build_target(98, ["Rz", "PhasedX", "ZZPhase", "Measure", "Reset"])
    qc = QuantumCircuit(args.qubits, args.qubits, name="ghz")
    qc.h(0)
    for i in range(args.qubits - 1):
        qc.cx(i, i + 1)
    qc.measure(range(args.qubits), range(args.qubits))
    circuit = transpile(qc, target=target, seed_transpiler=1)
    bitcode = to_qir(circuit)
    program = translate(bitcode)
    print(f"GHZ-{args.qubits}: {len(circuit.data)} operations, {len(bitcode)} bytes of bitcode")
    print(f"to_qir     {_median_ms(lambda: to_qir(circuit), args.repeat):8.1f} ms")
    print(f"translate  {_median_ms(lambda: translate(bitcode), args.repeat):8.1f} ms")
    run_ms = _median_ms(lambda: run_program(program, args.shots), max(3, args.repeat // 5))
    print(f"run {args.shots} shots {run_ms:8.1f} ms")


if __name__ == "__main__":
    main()
