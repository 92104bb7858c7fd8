"""transpile keeps native gates inside control-flow blocks; validation looks inside blocks."""

from __future__ import annotations

import pytest
from dynamic_circuits import CIRCUITS
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import CircuitValidationError, NexusProvider
from qiskit_nexus_provider.target import build_target
from qiskit_nexus_provider.validation import operation_names

NATIVE = {"r", "rz", "rzz", "measure", "reset", "barrier", "if_else", "switch_case"}


def _r_runs(qc: QuantumCircuit) -> int:
    """Longest run of consecutive r gates on one qubit, blocks included."""
    longest = 0
    for block in [qc, *(b for inst in qc.data for b in getattr(inst.operation, "blocks", ()))]:
        run: dict[object, int] = {}
        for inst in block.data:
            for qubit in inst.qubits:
                run[qubit] = run.get(qubit, 0) + 1 if inst.name == "r" else 0
                longest = max(longest, run[qubit])
        if block is not qc:
            longest = max(longest, _r_runs(block))
    return longest


def test_h_series_target_has_conditionals_but_no_loops() -> None:
    names = set(build_target(4).operation_names)
    assert {"if_else", "switch_case"} <= names
    assert not names & {"while_loop", "for_loop", "break_loop", "continue_loop"}
    assert {"while_loop", "for_loop"} <= set(build_target(4, loops=True).operation_names)


@pytest.mark.parametrize("name", list(CIRCUITS))
@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_native_gates_inside_blocks(name: str, level: int) -> None:
    qc = CIRCUITS[name]()
    transpiled = transpile(
        qc,
        target=build_target(4),
        optimization_level=level,
        seed_transpiler=1,
        translation_method="nexus",
        scheduling_method="nexus",
    )
    assert operation_names(transpiled) <= NATIVE
    assert _r_runs(transpiled) <= 1  # one r per qubit between other operations, in blocks too


def test_offline_run_refuses_foreign_gates_inside_blocks(provider: NexusProvider) -> None:
    backend = provider.get_backend("offline_simulator_no_noise", num_qubits=2)
    qc = QuantumCircuit(2, 1)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.h(1)
    with pytest.raises(CircuitValidationError, match=r"instruction\(s\) h .*Transpile first"):
        backend.run(qc)
    assert backend.run(transpile(qc, backend), shots=10).result().get_counts()
