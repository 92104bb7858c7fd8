"""QIR ``phi`` nodes: pytket-qir writes one where a register changes inside a conditional block
(a Qiskit ``store`` inside ``if_test``/``if_else``), and Helios runs them.

Before: the emulator refused such programs at upload ('phi nodes are not supported'), so a
circuit that runs offline and on H-series could not run on Helios through the emulator.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from qiskit import transpile

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.emulator.qir_program import run_program, translate

sys.path.insert(0, str(Path(__file__).parent.parent / "dynamic"))
from dynamic_circuits import total_variation, tvd_bound
from test_aer_stores import CASES

SHOTS = 2000
FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}

PHI_PROGRAM = """; an if/else diamond whose merge block picks 5 (then) or 2 (else)
@0 = internal constant [2 x i8] c"c\\00"

define void @main() #0 {
entry:
  call void @__quantum__qis__h__body(ptr null)
  call void @__quantum__qis__mz__body(ptr null, ptr null)
  %0 = call i1 @__quantum__qis__read_result__body(ptr null)
  br i1 %0, label %then, label %else

then:
  br label %merge

else:
  br label %merge

merge:
  %1 = phi i64 [ 5, %then ], [ 2, %else ]
  call void @__quantum__rt__int_record_output(i64 %1, ptr @0)
  ret void
}

declare void @__quantum__qis__h__body(ptr)
declare void @__quantum__qis__mz__body(ptr, ptr)
declare i1 @__quantum__qis__read_result__body(ptr)
declare void @__quantum__rt__int_record_output(i64, ptr)

attributes #0 = { "entry_point" "qir_profiles"="adaptive_profile" "required_num_qubits"="1"
  "required_num_results"="1" "output_labeling_schema" }
"""


def test_phi_takes_the_value_of_the_edge_taken() -> None:
    """An if/else diamond whose merge block picks 5 (then) or 2 (else) by a ``phi``."""
    program = translate(PHI_PROGRAM.encode())
    text = run_program(program, 400, seed=3)
    values = [line.split("\t")[2] for line in text.splitlines() if line.startswith("OUTPUT")]
    assert set(values) == {"5", "2"}
    assert 100 < values.count("5") < 300


@pytest.mark.parametrize("name", ["clbit_condition", "expression_if_else"])
def test_stores_in_blocks_run_on_helios(remote: NexusProvider, name: str) -> None:
    backend = remote.get_backend("Helios-1E-lite")
    qc, probabilities = CASES[name]()
    counts = backend.run(transpile(qc, backend), shots=SHOTS, **FAST).result().get_counts()
    expected = {key: round(p * SHOTS) for key, p in probabilities.items()}
    assert total_variation(counts, expected) < tvd_bound(len(expected), SHOTS) + 0.05, counts
