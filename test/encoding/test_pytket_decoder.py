"""``decode_result`` against AerSimulator and against pytket's BackendResult."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
from _encoding_helpers import circuits
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pytket import Bit, Circuit
from pytket.backends.backendresult import BackendResult
from pytket.extensions.qiskit import AerBackend
from pytket.utils.outcomearray import OutcomeArray
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Clbit, Qubit
from qiskit_aer import AerSimulator

from qiskit_nexus_provider.encoding import bit_names, creg_sizes, decode_result, to_pytket_dict

SIM = AerSimulator()


def _result_json(
    bits: list[tuple[str, int]], readouts: np.ndarray, as_counts: bool = False
) -> dict[str, Any]:
    """pytket BackendResult JSON for ``readouts`` (one row per shot, column i = bits[i])."""
    c_bits = [Bit(name, index) for name, index in bits]
    if len(readouts) == 0:
        return {
            "qubits": [],
            "bits": [[n, [i]] for n, i in bits],
            "shots": {"width": len(bits), "array": []},
        }
    outcomes = OutcomeArray.from_readouts(readouts.astype(np.uint8).reshape(-1, len(bits)))
    if as_counts:
        result = BackendResult(counts=outcomes.counts(), c_bits=c_bits)
    else:
        result = BackendResult(shots=outcomes, c_bits=c_bits)
    return result.to_dict()


def _aer_raw(qc: QuantumCircuit, shots: int, seed: int) -> tuple[Any, np.ndarray]:
    """Aer result and its raw memory: one row per shot, column j = clbit j."""
    # Level 0: only basis translation (Aer lacks e.g. iswap), no resynthesis.
    res = SIM.run(
        transpile(qc, SIM, optimization_level=0), shots=shots, memory=True, seed_simulator=seed
    ).result()
    values = [int(h, 16) for h in res.data(0)["memory"]]
    raw = np.array([[(v >> j) & 1 for j in range(qc.num_clbits)] for v in values], dtype=np.uint8)
    return res, raw


def _check_against_aer(qc: QuantumCircuit, order: list[int], seed: int, extra: bool) -> None:
    res, raw = _aer_raw(qc, 48, seed)
    names = bit_names(qc)
    measured = {qc.find_bit(i.clbits[0]).index for i in qc.data if i.name == "measure"}
    # The result lists the clbits in some other order, may omit never-measured
    # clbits (they read 0) and may hold bits the circuit does not know.
    cols = [j for j in order if j in measured or j % 2 == 0]
    bits = [names[j] for j in cols]
    table = raw[:, cols]
    if extra:
        bits.append(("tk_SCRATCH_BIT", 0))
        table = np.concatenate([table, np.ones((len(raw), 1), dtype=np.uint8)], axis=1)
    result = _result_json(bits, table) if bits else {"bits": [], "shots": _empty_rows(len(raw))}
    counts, memory = decode_result(result, names, creg_sizes(qc), memory=True)
    assert memory == res.get_memory()
    assert counts == Counter(memory)
    aer_counts = res.get_counts()
    if sum(aer_counts.values()) == len(raw):
        assert counts == aer_counts
    else:
        # Registers that do not cover every clbit make Qiskit's formatting
        # many-to-one, and Result.get_counts then keeps only one of the raw
        # outcomes that collide; decode_result adds them up instead.
        assert set(counts) == set(aer_counts)


def _empty_rows(shots: int) -> dict[str, Any]:
    return {"width": 0, "array": [[] for _ in range(shots)]}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qc=circuits(max_ops=25), data=st.data())
def test_matches_aer_on_random_circuits(qc: QuantumCircuit, data: st.DataObject) -> None:
    assume(any(inst.name == "measure" for inst in qc.data))
    order = data.draw(st.permutations(range(qc.num_clbits)))
    _check_against_aer(qc, list(order), data.draw(st.integers(0, 1000)), data.draw(st.booleans()))


def _odd_layouts() -> dict[str, QuantumCircuit]:
    out = {}
    qc = QuantumCircuit(
        QuantumRegister(3, "q"), ClassicalRegister(0, "e"), ClassicalRegister(2, "f")
    )
    qc.h(0)
    qc.x(1)
    qc.measure([0, 1], [1, 0])
    out["empty register"] = qc
    shared = [Clbit() for _ in range(3)]
    qc = QuantumCircuit(QuantumRegister(3, "q"), shared)
    qc.add_register(ClassicalRegister(name="a", bits=shared[:2]))
    qc.add_register(ClassicalRegister(name="b", bits=shared[1:]))
    qc.h([0, 1])
    qc.x(2)
    qc.measure([0, 1, 2], [2, 0, 1])
    out["overlapping registers"] = qc
    qc = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(2, "cr"), [Clbit()])
    qc.add_register(ClassicalRegister(1, "d"))
    qc.h(0)
    qc.x(2)
    qc.measure([0, 1, 2, 0], [0, 1, 2, 3])
    out["loose clbit between registers"] = qc
    qc = QuantumCircuit([Qubit() for _ in range(3)], [Clbit() for _ in range(3)])
    qc.h(0)
    qc.cx(0, 2)
    qc.measure([0, 1, 2], [2, 1, 0])
    out["loose clbits only"] = qc
    qc = QuantumCircuit(
        QuantumRegister(4, "q"), ClassicalRegister(3, "a"), ClassicalRegister(2, "b")
    )
    qc.x(0)
    qc.h(1)
    qc.measure(0, 4)  # mid-circuit
    qc.reset(0)
    qc.cx(1, 0)
    qc.measure(0, 0)
    qc.measure(3, 2)
    qc.measure(1, 3)
    out["mid-circuit, out of order"] = qc
    return out


@pytest.mark.parametrize("label", list(_odd_layouts()))
def test_matches_aer_on_odd_layouts(label: str) -> None:
    qc = _odd_layouts()[label]
    for seed in range(3):
        order = list(np.random.default_rng(seed).permutation(qc.num_clbits))
        _check_against_aer(qc, order, seed, extra=seed == 1)


def _deterministic_circuits() -> dict[str, QuantumCircuit]:
    out = {}
    qc = QuantumCircuit(
        QuantumRegister(4, "q"), ClassicalRegister(2, "a"), ClassicalRegister(3, "b")
    )
    qc.x([0, 2])
    qc.measure([0, 1, 2, 3], [4, 0, 2, 1])
    out["several registers, out of order"] = qc
    qc = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(4, "c"))
    qc.x(1)
    qc.measure(1, 3)
    out["partial measurement"] = qc
    qc = QuantumCircuit(
        QuantumRegister(2, "q"), ClassicalRegister(2, "m"), ClassicalRegister(2, "n")
    )
    qc.x(0)
    qc.measure(0, 2)  # mid-circuit
    qc.reset(0)
    qc.x(1)
    qc.cx(1, 0)
    qc.measure(0, 1)
    qc.measure(0, 3)
    out["mid-circuit measurement and reset"] = qc
    qc = QuantumCircuit(QuantumRegister(2, "q"), [Clbit()], ClassicalRegister(2, "c"))
    qc.x(1)
    qc.measure([0, 1, 1], [0, 1, 2])
    out["loose clbit"] = qc
    return out


@pytest.mark.parametrize("label", list(_deterministic_circuits()))
def test_pytket_aer_backend_round_trip(label: str) -> None:
    """Encode, run on pytket's AerBackend, decode: Aer's counts and memory."""
    qc = _deterministic_circuits()[label]
    backend = AerBackend()
    tk = backend.get_compiled_circuit(Circuit.from_dict(to_pytket_dict(qc)))
    result = backend.run_circuit(tk, n_shots=20, seed=3).to_dict()
    counts, memory = decode_result(result, bit_names(qc), creg_sizes(qc), memory=True)
    expected = SIM.run(qc, shots=20, memory=True).result()
    assert counts == expected.get_counts()
    assert memory == expected.get_memory()


@st.composite
def random_results(draw: st.DrawFn) -> tuple[list[tuple[str, int]], list[tuple[str, int]], Any]:
    """Contiguous registers, a shuffled result bit order and random shots."""
    sizes = draw(st.lists(st.integers(1, 24), min_size=0, max_size=4))
    names = [f"r{i}" for i in range(len(sizes))]
    clbits = [(name, i) for name, size in zip(names, sizes, strict=True) for i in range(size)]
    order = draw(st.permutations(range(len(clbits))))
    shots = draw(st.integers(1, 60))  # pytket cannot load zero-shot results
    seed = draw(st.integers(0, 2**32 - 1))
    # Few distinct values sometimes, so that counts above 1 occur.
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2, size=(draw(st.integers(1, 8)), len(clbits)), dtype=np.uint8)
    readouts = pool[rng.integers(0, len(pool), size=shots)]
    return clbits, list(zip(names, sizes, strict=True)), (list(order), readouts)


@settings(max_examples=200, deadline=None)
@given(case=random_results(), as_counts=st.booleans())
def test_matches_pytket_backend_result(case: Any, as_counts: bool) -> None:
    clbits, sizes, (order, readouts) = case
    assume(clbits)
    bits = [clbits[j] for j in order]
    result = _result_json(bits, readouts[:, order], as_counts=as_counts)
    # pytket's own view, in Qiskit clbit order, turned into Qiskit keys by hand.
    tk = BackendResult.from_dict(result)
    cbits = [Bit(name, index) for name, index in clbits]

    def qiskit_key(row: Any) -> str:
        pieces, start = [], 0
        for _, size in sizes:
            pieces.append("".join(str(int(b)) for b in reversed(row[start : start + size])))
            start += size
        return " ".join(reversed(pieces))

    expected = Counter()
    for row, n in tk.get_counts(cbits=cbits).items():
        expected[qiskit_key(row)] += n
    counts, memory = decode_result(result, clbits, sizes, memory=not as_counts)
    assert counts == dict(expected)
    if not as_counts:
        assert memory == [qiskit_key(row) for row in tk.get_shots(cbits=cbits)]


def test_example_from_the_wire_format() -> None:
    result = {"qubits": [], "bits": [["c", [0]], ["c", [1]]]}
    shots = {**result, "shots": {"width": 2, "array": [[0], [192], [192]]}}
    counts = {
        **result,
        "counts": [
            {"outcome": {"width": 2, "array": [[0]]}, "count": 5},
            {"outcome": {"width": 2, "array": [[192]]}, "count": 7},
        ],
    }
    layout = ([("c", 0), ("c", 1)], [("c", 2)])
    assert decode_result(shots, *layout, memory=True) == ({"00": 1, "11": 2}, ["00", "11", "11"])
    assert decode_result(counts, *layout) == ({"00": 5, "11": 7}, None)
    # Two registers of one bit each.
    assert decode_result(shots, layout[0], [("c", 1), ("d", 1)])[0] == {"0 0": 1, "1 1": 2}


def test_wide_results_use_every_packing_path() -> None:
    rng = np.random.default_rng(5)
    for width in (1, 8, 9, 16, 17, 40, 64, 65, 130):
        clbits = [("c", i) for i in range(width)]
        readouts = rng.integers(0, 2, size=(300, width), dtype=np.uint8)
        readouts[::3] = readouts[0]  # repeats
        result = _result_json(clbits, readouts)
        counts, memory = decode_result(result, clbits, [("c", width)], memory=True)
        strings = ["".join(map(str, row[::-1])) for row in readouts]
        assert memory == strings
        assert counts == dict(Counter(strings))


def test_edge_cases() -> None:
    clbits, sizes = [("c", 0), ("c", 1)], [("c", 2)]
    empty = {"bits": [["c", [0]], ["c", [1]]], "shots": {"width": 2, "array": []}}
    assert decode_result(empty, clbits, sizes, memory=True) == ({}, [])
    # No bits in the result at all: every clbit reads 0.
    assert decode_result({"bits": [], "shots": _empty_rows(3)}, clbits, sizes) == ({"00": 3}, None)
    # A circuit without clbits.
    assert decode_result({"bits": [], "shots": _empty_rows(2)}, [], []) == ({"": 2}, None)
    counts_only = {
        "bits": [["c", [0]]],
        "counts": [{"outcome": {"width": 1, "array": [[128]]}, "count": 4}],
    }
    assert decode_result(counts_only, clbits, sizes) == ({"01": 4}, None)
    with pytest.raises(ValueError, match="memory"):
        decode_result(counts_only, clbits, sizes, memory=True)
    with pytest.raises(ValueError, match="neither"):
        decode_result({"bits": []}, clbits, sizes)
    with pytest.raises(ValueError, match="bytes"):
        decode_result(
            {"bits": [["c", [0]]] * 9, "shots": {"width": 9, "array": [[1]]}}, clbits, sizes
        )
