"""Hypothesis strategies and helpers shared by the encoding tests."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Clbit, Gate, Qubit
from qiskit.circuit import library as lib

# name -> (number of qubits, number of parameters, constructor)
GATES: dict[str, tuple[int, int, Callable[..., Gate]]] = {
    "h": (1, 0, lib.HGate),
    "x": (1, 0, lib.XGate),
    "y": (1, 0, lib.YGate),
    "z": (1, 0, lib.ZGate),
    "s": (1, 0, lib.SGate),
    "sdg": (1, 0, lib.SdgGate),
    "t": (1, 0, lib.TGate),
    "tdg": (1, 0, lib.TdgGate),
    "sx": (1, 0, lib.SXGate),
    "sxdg": (1, 0, lib.SXdgGate),
    "id": (1, 0, lib.IGate),
    "rx": (1, 1, lib.RXGate),
    "ry": (1, 1, lib.RYGate),
    "rz": (1, 1, lib.RZGate),
    "r": (1, 2, lib.RGate),
    "p": (1, 1, lib.PhaseGate),
    "u": (1, 3, lib.UGate),
    "u1": (1, 1, lib.U1Gate),
    "u2": (1, 2, lib.U2Gate),
    "u3": (1, 3, lib.U3Gate),
    "cx": (2, 0, lib.CXGate),
    "cy": (2, 0, lib.CYGate),
    "cz": (2, 0, lib.CZGate),
    "ch": (2, 0, lib.CHGate),
    "csx": (2, 0, lib.CSXGate),
    "swap": (2, 0, lib.SwapGate),
    "iswap": (2, 0, lib.iSwapGate),
    "ecr": (2, 0, lib.ECRGate),
    "crx": (2, 1, lib.CRXGate),
    "cry": (2, 1, lib.CRYGate),
    "crz": (2, 1, lib.CRZGate),
    "cp": (2, 1, lib.CPhaseGate),
    "cu1": (2, 1, lib.CU1Gate),
    "cu3": (2, 3, lib.CU3Gate),
    "cu": (2, 3, lambda a, b, c: lib.CUGate(a, b, c, 0.0)),
    "rxx": (2, 1, lib.RXXGate),
    "ryy": (2, 1, lib.RYYGate),
    "rzz": (2, 1, lib.RZZGate),
    "ccx": (3, 0, lib.CCXGate),
    "cswap": (3, 0, lib.CSwapGate),
    "ccz": (3, 0, lib.CCZGate),
    "c3x": (4, 0, lib.C3XGate),  # standard gate named "mcx"
    "mcx3": (4, 0, lambda: lib.MCXGate(3)),  # non-standard gate named "mcx"
}

QREG_NAMES = ["q", "a", "q_loose", "anc"]
CREG_NAMES = ["c", "m", "c_loose", "meas"]

angles = st.one_of(
    st.floats(-8.0, 8.0, allow_nan=False),
    st.integers(-16, 16).map(lambda k: k * math.pi / 4),
    st.tuples(st.integers(-16, 16), st.floats(-1e-10, 1e-10)).map(
        lambda t: t[0] * math.pi / 4 + t[1]
    ),
    st.floats(-1e-9, 1e-9, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
)


def loose_name(base: str, taken: set[str]) -> str:
    """The documented name of the register that collects loose bits."""
    if base not in taken:
        return base
    name, k = f"{base}_loose", 0
    while name in taken:
        k += 1
        name = f"{base}_loose{k}"
    return name


@st.composite
def layouts(draw: st.DrawFn, max_qubits: int = 5) -> QuantumCircuit:
    """An empty circuit with random registers, possibly with loose bits."""
    qc = QuantumCircuit(name=draw(st.sampled_from(["circ", "bench-1", "ünïcode name"])))
    n_left = max_qubits
    qnames = draw(st.lists(st.sampled_from(QREG_NAMES), min_size=0, max_size=3, unique=True))
    for name in qnames:
        if n_left == 0:
            break
        size = draw(st.integers(1, min(3, n_left)))
        qc.add_register(QuantumRegister(size, name))
        n_left -= size
    n_loose = draw(st.integers(0 if qc.num_qubits else 1, min(2, n_left)))
    if n_loose:
        qc.add_bits([Qubit() for _ in range(n_loose)])
    cnames = draw(st.lists(st.sampled_from(CREG_NAMES), min_size=0, max_size=3, unique=True))
    for name in cnames:
        qc.add_register(ClassicalRegister(draw(st.integers(1, 3)), name))
    n_loose_c = draw(st.integers(0, 2))
    if n_loose_c:
        qc.add_bits([Clbit() for _ in range(n_loose_c)])
    return qc


@st.composite
def circuits(draw: st.DrawFn, max_ops: int = 30, unitary_only: bool = False) -> QuantumCircuit:
    """Random circuits over the fast encoder's instruction set."""
    qc = draw(layouts())
    n = qc.num_qubits
    names = [name for name, (k, _, _) in GATES.items() if k <= n]
    kinds = ["gate"] * 6 + ["barrier"] + ([] if unitary_only else ["measure", "measure", "reset"])
    for _ in range(draw(st.integers(0, max_ops))):
        kind = draw(st.sampled_from(kinds))
        if kind == "gate":
            name = draw(st.sampled_from(names))
            k, n_params, make = GATES[name]
            qubits = draw(st.permutations(range(n)))[:k]
            params = [draw(angles) for _ in range(n_params)]
            qc.append(make(*params), qubits)
        elif kind == "barrier":
            qubits = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
            qc.barrier(qubits)
        elif kind == "reset":
            qc.reset(draw(st.integers(0, n - 1)))
        elif qc.num_clbits:
            qc.measure(draw(st.integers(0, n - 1)), draw(st.integers(0, qc.num_clbits - 1)))
    qc.global_phase = draw(angles)
    return qc


def expected_units(qc: QuantumCircuit) -> tuple[dict[Any, list[Any]], dict[Any, list[Any]]]:
    """Qiskit bit -> pytket unit JSON, by the documented naming rules."""
    maps: list[dict[Any, list[Any]]] = []
    for regs, bits, base in ((qc.qregs, qc.qubits, "q"), (qc.cregs, qc.clbits, "c")):
        mapping: dict[Any, list[Any]] = {}
        for reg in regs:
            for i, bit in enumerate(reg):
                mapping[bit] = [reg.name, [i]]
        loose = [b for b in bits if b not in mapping]
        name = loose_name(base, {r.name for r in regs})
        for i, bit in enumerate(loose):
            mapping[bit] = [name, [i]]
        maps.append(mapping)
    return maps[0], maps[1]


def with_registered_loose_bits(qc: QuantumCircuit) -> QuantumCircuit:
    """Copy of ``qc`` whose loose bits sit in registers, for ``qiskit_to_tk``."""
    out = qc.copy()
    qmap, cmap = expected_units(qc)
    loose_q = [b for b in qc.qubits if not qc.find_bit(b).registers]
    loose_c = [b for b in qc.clbits if not qc.find_bit(b).registers]
    if loose_q:
        out.add_register(QuantumRegister(name=qmap[loose_q[0]][0], bits=loose_q))
    if loose_c:
        out.add_register(ClassicalRegister(name=cmap[loose_c[0]][0], bits=loose_c))
    return out


def qiskit_unitary_in_pytket_order(qc: QuantumCircuit, pytket_qubits: list[Any]) -> np.ndarray:
    """Qiskit's unitary of ``qc`` re-indexed like pytket's ``get_unitary``.

    pytket orders qubits as ``pytket_qubits`` (sorted units) with the first qubit
    most significant; Qiskit uses ``qc.qubits`` order, first qubit least
    significant.
    """
    from qiskit.quantum_info import Operator

    qmap, _ = expected_units(qc)
    position = {tuple((u[0], u[1][0])): qc.find_bit(b).index for b, u in qmap.items()}
    perm = [position[(u[0], u[1][0])] for u in pytket_qubits]
    n = len(perm)
    index = np.zeros(1 << n, dtype=np.intp)
    for t in range(1 << n):
        index[t] = sum(((t >> (n - 1 - k)) & 1) << perm[k] for k in range(n))
    return Operator(qc).data[np.ix_(index, index)]


def strip_ids(obj: Any) -> Any:
    """Drop box ``id`` fields (fresh UUIDs on every conversion)."""
    if isinstance(obj, dict):
        return {k: strip_ids(v) for k, v in obj.items() if k != "id"}
    if isinstance(obj, list):
        return [strip_ids(v) for v in obj]
    return obj
