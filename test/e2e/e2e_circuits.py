"""Circuits whose outcome encodes their index, for end-to-end checks."""

from __future__ import annotations

from qiskit import QuantumCircuit


def encode_index(index: int, width: int = 5) -> QuantumCircuit:
    """A circuit whose only outcome is ``index`` in binary (clbit i = bit i of index)."""
    qc = QuantumCircuit(width, width, name=f"index-{index}")
    for bit in range(width):
        if (index >> bit) & 1:
            qc.x(bit)
    qc.measure(range(width), range(width))
    return qc


def expected_key(index: int, width: int = 5) -> str:
    return format(index, f"0{width}b")
