"""Qiskit → QIR (pytket-qir) and QIR output text → Qiskit counts (issue 14)."""

from __future__ import annotations

import pyqir
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qiskit_nexus_provider.emulator.qir_program import QirError, output_text, translate
from qiskit_nexus_provider.encoding import bit_names, creg_sizes, decode_result
from qiskit_nexus_provider.encoding.qir import qir_output_to_pytket, to_qir, to_qir_text
from qiskit_nexus_provider.exceptions import CircuitValidationError


def _two_registers() -> QuantumCircuit:
    qc = QuantumCircuit(
        QuantumRegister(3, "r"), ClassicalRegister(2, "a"), ClassicalRegister(1, "b")
    )
    qc.x(0)
    qc.measure(0, 1)  # a[1]
    qc.measure(1, 0)  # a[0]
    qc.x(2)
    qc.measure(2, 2)  # b[0]
    return qc


def test_registers_are_recorded_as_labelled_integers() -> None:
    bitcode = to_qir(_two_registers())
    module = pyqir.Module.from_bitcode(pyqir.Context(), bitcode)
    assert [f.name for f in module.functions if pyqir.is_entry_point(f)] == ["main"]
    text = to_qir_text(_two_registers())
    assert text.count("call void @__quantum__rt__int_record_output(i64") == 2
    assert 'c"a\\00"' in text and 'c"b\\00"' in text


def test_outputs_map_back_to_qiskit_keys() -> None:
    qc = _two_registers()
    text = "\n".join(
        [
            "HEADER\tschema_id\tlabeled",
            *("START", "OUTPUT\tINT\t2\ta", "OUTPUT\tINT\t1\tb", "END\t0"),
            *("START", "OUTPUT\tINT\t1\ta", "END\t0"),  # b not recorded: reads 0
            *("START", "OUTPUT\tINT\t-1\ta", "OUTPUT\tINT\t0\tb", "END\t0"),  # two's complement
        ]
    )
    clbits = bit_names(qc)
    payload = qir_output_to_pytket(text, clbits)
    counts, memory = decode_result(payload, clbits, creg_sizes(qc), memory=True)
    assert memory == ["1 10", "0 01", "0 11"]
    assert counts == {"1 10": 1, "0 01": 1, "0 11": 1}


def test_output_without_shots_is_an_error() -> None:
    with pytest.raises(ValueError, match="no shot"):
        qir_output_to_pytket("HEADER\tschema_id\tlabeled\n", [("c", 0)])


def test_what_qir_cannot_express_is_named() -> None:
    wide = QuantumCircuit(QuantumRegister(1), ClassicalRegister(70, "big"), name="wide")
    wide.measure(0, 0)
    with pytest.raises(CircuitValidationError, match="'big' has 70 bits"):
        to_qir(wide)


def test_the_emulator_executes_what_it_received() -> None:
    """The translation of the uploaded bitcode: the ops, outputs and cost come from the QIR."""
    program = translate(to_qir(_two_registers()))
    assert program.n_qubits == 3 and program.n_clbits == 3
    assert [label for _, label, _ in program.outputs] == ["a", "b"]
    text = output_text(program, ["101", "101"], 2)  # clbit 0 rightmost, one per mz
    assert text.count("START") == 2 and "OUTPUT\tINT\t" in text
    assert program.hqc_cost(100) > 5


def test_phi_nodes_take_the_value_of_the_edge_taken() -> None:
    """pytket-qir writes phi nodes (a store inside ``if_test``); the emulator runs them (it
    refused them before, which failed such Helios jobs at upload)."""
    ll = """
define void @main() #0 {
entry:
  call void @__quantum__qis__mz__body(ptr null, ptr null)
  %0 = call i1 @__quantum__qis__read_result__body(ptr null)
  br i1 %0, label %a, label %b
a:
  br label %m
b:
  br label %m
m:
  %1 = phi i64 [ 1, %a ], [ 0, %b ]
  call void @__quantum__rt__int_record_output(i64 %1, ptr null)
  ret void
}
declare void @__quantum__qis__mz__body(ptr, ptr)
declare i1 @__quantum__qis__read_result__body(ptr)
declare void @__quantum__rt__int_record_output(i64, ptr)
attributes #0 = { "entry_point" }
"""
    program = translate(ll.encode())
    memory = ["0", "1"]  # the one measurement's outcome in two shots
    values = [
        line.split("\t")[2]
        for line in output_text(program, memory, 2).splitlines()
        if line.startswith("OUTPUT")
    ]
    assert values == ["0", "1"]


def test_loops_are_refused_by_name() -> None:
    ll = """
define void @main() #0 {
entry:
  br label %again
again:
  call void @__quantum__qis__mz__body(ptr null, ptr null)
  %0 = call i1 @__quantum__qis__read_result__body(ptr null)
  br i1 %0, label %again, label %done
done:
  ret void
}
declare void @__quantum__qis__mz__body(ptr, ptr)
declare i1 @__quantum__qis__read_result__body(ptr)
attributes #0 = { "entry_point" }
"""
    with pytest.raises(QirError, match="loop"):
        translate(ll.encode())


@pytest.mark.parametrize("seed", range(6))
def test_random_circuits_through_qir_match_aer(seed: int) -> None:
    """Qiskit → QIR (pytket-qir) → the emulator's translation → Aer: Aer's distribution."""
    from qiskit import transpile
    from qiskit.circuit.random import random_circuit
    from qiskit_aer import AerSimulator

    from qiskit_nexus_provider.emulator.qir_program import run_program

    basis = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "rx", "ry", "rz", "r"]
    basis += ["cx", "cz", "ccx", "swap", "rzz"]
    qc = transpile(
        random_circuit(4, 5, measure=True, seed=seed, max_operands=3),
        basis_gates=basis,
        seed_transpiler=1,
    )
    shots = 4000
    text = run_program(translate(to_qir(qc)), shots, seed=1)
    clbits = bit_names(qc)
    counts, _ = decode_result(qir_output_to_pytket(text, clbits), clbits, creg_sizes(qc))
    aer = AerSimulator(seed_simulator=3).run(qc, shots=shots).result().get_counts()
    tvd = 0.5 * sum(abs(counts.get(k, 0) - aer.get(k, 0)) for k in set(counts) | set(aer)) / shots
    assert tvd < 0.08, (counts, aer)
