"""The emulator's fast paths give the same answers as the general ones they short-cut.

* Uploads are checked structurally when they are plain gate circuits, with pytket otherwise:
  whatever the structural check accepts, pytket accepts too, with the same number of qubits.
* Directly translated circuits go to qiskit-aer's controller without Qiskit circuits: same
  seeded shots and same errors as ``AerSimulator.run``.
* Results are stored as JSON text and sent as stored: same bytes as FastAPI's serialisation.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import json
import math
import random
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from pytket import Circuit, OpType, Qubit

from qiskit_nexus_provider.emulator import cli
from qiskit_nexus_provider.emulator import conversion as conv
from qiskit_nexus_provider.emulator import simulation as sim
from qiskit_nexus_provider.emulator.devices import resolve_target
from qiskit_nexus_provider.emulator.gc_tuning import YOUNG_THRESHOLD, tune_gc
from qiskit_nexus_provider.emulator.jsonio import dump_stored, json_bytes
from qiskit_nexus_provider.emulator.serialize import result_document, result_document_bytes
from qiskit_nexus_provider.emulator.simulator_process import simulate
from qiskit_nexus_provider.emulator.store import ItemOutcome, Store

# ----------------------------------------------------------------------------------------------
# upload validation


def _plain_circuit() -> dict[str, Any]:
    circuit = Circuit(3, 2)
    circuit.H(0).CX(0, 1).Rz(0.25, 2).PhasedX(0.5, 0.1, 0).ZZPhase(0.3, 1, 2)
    circuit.TK2(0.1, 0.2, 0.3, 0, 2).add_barrier([0, 1]).U3(0.1, 0.2, 0.3, 1).CCX(0, 1, 2)
    circuit.Reset(2).Measure(0, 0).Measure(1, 1).add_barrier([2], [1])
    return circuit.to_dict()


def test_plain_circuits_skip_pytket() -> None:
    content = _plain_circuit()
    assert conv._plain_n_qubits(content) == 3
    assert conv.validate_circuit_json(content) == 3


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("phase"),
        lambda d: d.__setitem__("phase", "0.5*a"),
        lambda d: d["commands"][2]["op"].__setitem__("params", ["theta"]),
        lambda d: d["commands"][2]["op"].__setitem__("params", [0.5]),
        lambda d: d["commands"][0].__setitem__("opgroup", "g"),
        lambda d: d["commands"][0]["op"].__setitem__("type", "Nonsense"),
        lambda d: d["commands"].append({"op": {"type": "H"}, "args": [["q", [7]]]}),
        lambda d: d["qubits"].append(["q", [0, 1]]),
        lambda d: d.__setitem__("implicit_permutation", [[["q", [0]], ["q", [1]]]]),
        lambda d: d.__setitem__("created_qubits", [["q", [0]]]),
        lambda d: d.__setitem__("extra", 1),
    ],
)
def test_unusual_circuits_go_to_pytket(mutate: Any) -> None:
    content = _plain_circuit()
    mutate(content)
    assert conv._plain_n_qubits(content) is None


_TYPES = [*conv._PLAIN_GATES, "Measure", "Reset", "Barrier", "Foo", "noop"]
_UNITS: list[Any] = [
    ["q", [0]],
    ["q", [1]],
    ["q", [2]],
    ["q", [3]],
    ["c", [0]],
    ["c", [1]],
    ["c", [2]],
    ["r", [0]],
    ["q", [0, 1]],
    ["q", [True]],
    "q0",
]
_NUMBERS = ["0", "0.5", "-0.25", "1e-3", "1E+2", "-0", "+.5e-3", "5.", ".5", "00", "1e999"]
_NUMBERS += ["nan", "inf", "1_0", " 1", "0x1", "1/2", "pi", "", "1e", "--1", "0.5\n0.5", "a"]
_VALUES: list[Any] = [None, True, 0, 1, 0.5, "", "0.5", [], {}, ["Q"], ["Q", "C"], "H", *_UNITS]


@given(data=st.data())
@settings(
    max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_structural_check_never_accepts_what_pytket_refuses(data: st.DataObject) -> None:
    content = _plain_circuit()
    for _ in range(data.draw(st.integers(1, 3))):
        command = data.draw(st.sampled_from(content["commands"]))
        what = data.draw(st.sampled_from(["type", "args", "params", "op", "units", "phase"]))
        if what == "type":
            command["op"]["type"] = data.draw(st.sampled_from(_TYPES))
        elif what == "args":
            units = st.lists(st.sampled_from(_UNITS), max_size=3)
            command["args"] = copy.deepcopy(data.draw(units))
        elif what == "params":
            command["op"]["params"] = data.draw(st.lists(st.sampled_from(_NUMBERS), max_size=3))
        elif what == "op":
            key = data.draw(st.sampled_from(["params", "signature", "data", "extra"]))
            command["op"][key] = copy.deepcopy(data.draw(st.sampled_from(_VALUES)))
        elif what == "units":
            unit = data.draw(st.sampled_from(_UNITS))
            content[data.draw(st.sampled_from(["qubits", "bits"]))].append(copy.deepcopy(unit))
        else:
            content["phase"] = data.draw(st.sampled_from([*_NUMBERS, 0.5]))
    n_qubits = conv._plain_n_qubits(content)
    if n_qubits is not None:
        assert Circuit.from_dict(content).n_qubits == n_qubits


# ----------------------------------------------------------------------------------------------
# direct assembly

_ONE = [OpType.H, OpType.X, OpType.Y, OpType.Z, OpType.S, OpType.Sdg, OpType.T, OpType.Tdg]
_ONE += [OpType.SX, OpType.SXdg, OpType.V, OpType.Vdg]
_ONE_P = {OpType.Rx: 1, OpType.Ry: 1, OpType.Rz: 1, OpType.U1: 1, OpType.U2: 2, OpType.U3: 3}
_ONE_P |= {OpType.PhasedX: 2, OpType.TK1: 3}
_TWO = [OpType.CX, OpType.CY, OpType.CZ, OpType.CSX, OpType.SWAP, OpType.ECR, OpType.ZZMax]
_TWO_P = {OpType.ZZPhase: 1, OpType.XXPhase: 1, OpType.YYPhase: 1, OpType.TK2: 3}
_TWO_P |= {OpType.CRx: 1, OpType.CRy: 1, OpType.CRz: 1, OpType.CU1: 1, OpType.CU3: 3}
_QUANTINUUM_ONE = {OpType.Rz: 1, OpType.PhasedX: 2}


def _random_circuit(rng: random.Random, n: int, quantinuum: bool = False) -> Circuit:
    circuit = Circuit(n, n)
    one_p = _QUANTINUUM_ONE if quantinuum else _ONE_P
    two_p = {OpType.ZZPhase: 1} if quantinuum else _TWO_P
    for _ in range(rng.randint(5, 30)):
        r = rng.random()
        qubits = rng.sample(range(n), min(n, 3))
        angles = [round(rng.uniform(-2, 2), 4) for _ in range(3)]
        if r < 0.2 and not quantinuum:
            circuit.add_gate(rng.choice(_ONE), [qubits[0]])
        elif r < 0.5:
            op = rng.choice(list(one_p))
            circuit.add_gate(op, angles[: one_p[op]], [qubits[0]])
        elif r < 0.6 and n > 1 and not quantinuum:
            circuit.add_gate(rng.choice(_TWO), qubits[:2])
        elif r < 0.8 and n > 1:
            op = rng.choice(list(two_p))
            circuit.add_gate(op, angles[: two_p[op]], qubits[:2])
        elif r < 0.85 and n > 2 and not quantinuum:
            op = rng.choice([OpType.CCX, OpType.CSWAP, OpType.CnZ, OpType.CnX])
            circuit.add_gate(op, qubits[:3])
        elif r < 0.95:
            circuit.Measure(qubits[0], rng.randrange(n))
        else:
            circuit.Reset(qubits[0])
    return circuit.measure_all()


def _without_circuit_names(message: str | None) -> str | None:
    return message and re.sub(r"circuit-\d+", "circuit", message)


def _run_both(target: Any, contents: list[dict[str, Any]], shots: list[int]) -> None:
    direct = [conv.prepare(c, target, valid_check=False) for c in contents]
    fast = sim.run_batch(target, direct, shots)
    saved = list(sim._DIRECT)
    sim._DIRECT[:] = [None]  # as if qiskit-aer's internals were not there
    try:
        qiskit = [conv.prepare(c, target, valid_check=False) for c in contents]
        slow = sim.run_batch(target, qiskit, shots)
    finally:
        sim._DIRECT[:] = saved
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        assert a.result == b.result
        assert _without_circuit_names(a.error) == _without_circuit_names(b.error)


@pytest.mark.parametrize(
    "config",
    [
        {"type": "AerConfig", "seed": 3},
        {"type": "AerConfig", "seed": 4, "simulation_method": "density_matrix"},
        {"type": "AerConfig", "seed": 5, "simulation_method": "stabilizer"},
    ],
    ids=["statevector", "density-matrix", "stabilizer"],
)
def test_direct_assembly_gives_the_same_shots(config: dict[str, Any]) -> None:
    rng = random.Random(7)
    contents = [_random_circuit(rng, rng.randint(1, 6)).to_dict() for _ in range(30)]
    contents.append(Circuit(2, 2).H(0).to_dict())  # no measurement: "0 of N shots"
    _run_both(resolve_target(config), contents, [rng.choice([10, 37]) for _ in contents])


def test_direct_assembly_with_device_noise() -> None:
    rng = random.Random(8)
    target = dataclasses.replace(
        resolve_target({"type": "QuantinuumConfig", "device_name": "H1-1E"}), seed=11
    )
    contents = [_random_circuit(rng, rng.randint(1, 5), True).to_dict() for _ in range(12)]
    _run_both(target, contents, [25] * len(contents))


def test_batches_with_pytket_qiskit_circuits_keep_their_seeds() -> None:
    """A circuit that only pytket-qiskit converts sends the whole batch through Qiskit, so
    that every circuit keeps the position (hence the seed) it has in the batch."""
    rng = random.Random(9)
    feedforward = Circuit(2, 2).H(0).Measure(0, 0)
    feedforward.X(1, condition_bits=[0], condition_value=1)
    contents = [_random_circuit(rng, 3).to_dict() for _ in range(4)]
    contents.insert(2, feedforward.measure_all().to_dict())
    target = resolve_target({"type": "AerConfig", "seed": 2})
    assert conv.prepare(contents[2], target).ops is None
    _run_both(target, contents, [40] * len(contents))


def test_operations_build_the_same_qiskit_circuit() -> None:
    from pytket.extensions.qiskit import tk_to_qiskit
    from qiskit.quantum_info import Operator

    circuit = _random_circuit(random.Random(10), 3)
    unitary = Circuit(3)
    unitary.add_gate(OpType.NPhasedX, [0.3, 0.7], [0, 1])
    for command in circuit.get_commands():
        if command.op.type not in (OpType.Measure, OpType.Reset):
            unitary.add_gate(command.op, command.args)
    unitary.add_gate(OpType.NPhasedX, [0.1, 0.2], [2]).CX(2, 0)
    prepared = conv._translator().translate(unitary.to_dict())
    assert prepared.ops is not None and prepared.circuit is not None
    assert Operator(prepared.circuit).equiv(Operator(tk_to_qiskit(unitary)))


def test_checks_come_in_the_same_order() -> None:
    """Translated in one pass or not, a circuit gets the gate-set error first."""
    h1e = resolve_target({"type": "QuantinuumConfig", "device_name": "H1-1E"})
    plain = Circuit(2, 2).H(0).Rz(0.5, 1).measure_all().to_dict()
    with pytest.raises(conv.CircuitError, match=r"operation\(s\) H are not in the device"):
        conv.prepare(plain, h1e)
    wide = Circuit(21).Rz(0.5, 20).to_dict()
    with pytest.raises(conv.CircuitError, match="uses 21 qubits; H1-1E has 20"):
        conv.prepare(wide, h1e)
    broken = Circuit(21).H(20).to_dict()
    broken["commands"].append({"op": {"type": "Rz", "params": ["x/"]}, "args": [["q", [0]]]})
    with pytest.raises(conv.CircuitError, match=r"operation\(s\) H are not"):
        conv.prepare(broken, h1e)
    aer = resolve_target({"type": "AerConfig"})
    with pytest.raises(conv.CircuitError, match="malformed parameter"):
        conv.prepare(broken, aer)


# ----------------------------------------------------------------------------------------------
# JSON


DOCUMENTS = [
    {"a": 1e-5, "b": 1e16, "c": 0.1, "d": math.nan, "e": "é\u2028\x00", "f": -0.0, "g": 2**70},
    {"nested": [{"x": [1, 2, 3], "y": None, "z": True}], "inf": -math.inf, "s": "\"'\\"},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_json_bytes_are_fastapis(document: dict[str, Any]) -> None:
    adapter = TypeAdapter(dict[str, Any])
    assert json_bytes(document) == adapter.dump_json(adapter.validate_python(document))


@pytest.mark.parametrize("document", [*DOCUMENTS, {"s": "\ud800"}])
def test_stored_json_reads_back(document: dict[str, Any]) -> None:
    back = json.loads(dump_stored(document))
    assert json.dumps(back, sort_keys=True) == json.dumps(document, sort_keys=True)


def _stored_result(store: Store, text: str | None = None) -> str:
    project = store.create_project("p", None, {})
    circuit = store.create_circuit(project.id, "c", None, {}, {"qubits": []}, 1)
    job = store.create_job(
        project_id=project.id,
        name="j",
        description=None,
        properties={},
        job_type="execute",
        definition={},
        items=[{"program_id": circuit.id, "n_shots": 3}],
    )
    result = {
        "qubits": [],
        "bits": [["c", [0]], ["é", [1]]],
        "shots": {"width": 2, "array": [[0], [64], [192]]},
    }
    assert store.record_outcomes(
        job.id, [ItemOutcome(0, {"status": "COMPLETED"}, result, "aer_simulator")]
    )
    result_id = store.get_items(job.id)[0].result_id
    assert result_id is not None
    if text is not None:  # as stored by an earlier version of the emulator
        with store._tx() as conn:
            conn.execute("UPDATE results SET content = ? WHERE id = ?", (text, result_id))
    return result_id


@pytest.mark.parametrize("old_format", [False, True], ids=["current", "earlier-version"])
def test_results_are_sent_as_stored(old_format: bool) -> None:
    store = Store()
    text = None
    if old_format:
        text = json.dumps(
            {"qubits": [], "bits": [["c", [0]], ["é", [1]]], "shots": {"width": 2, "array": []}}
        )
    result_id = _stored_result(store, text)
    found = store.get_result_text(result_id)
    row = store.get_result(result_id)
    assert found is not None and row is not None
    adapter = TypeAdapter(dict[str, Any])
    expected = adapter.dump_json(adapter.validate_python(result_document(row)))
    assert result_document_bytes(*found) == expected
    store.close()


# ----------------------------------------------------------------------------------------------
# garbage collector of the command-line emulator


def test_command_line_tunes_the_garbage_collector() -> None:
    thresholds = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD == 50_000
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert cli.tune_gc is tune_gc  # what cli.run() calls once the emulator has started


def test_simulation_process_tunes_its_garbage_collector() -> None:
    """The child owns its process: Qiskit and qiskit-aer are frozen out of the collections and
    young collections are rare (unpickling a chunk of 256 circuits: 17.0 ms before, 3.8 ms)."""
    thresholds, frozen = simulate("gc_settings", owner=object())
    assert thresholds[0] == YOUNG_THRESHOLD
    assert frozen > 10_000  # the modules loaded at start-up, qiskit-aer's included


def test_qubit_ids_keep_their_pytket_order() -> None:
    """Direct translation sorts units like pytket; the shots come back in pytket's bit order."""
    circuit = Circuit()
    for name in ("b", "a"):
        circuit.add_qubit(Qubit(name, 0))
    bits = circuit.add_c_register("m", 2)
    circuit.X(Qubit("a", 0)).Measure(Qubit("a", 0), bits[0]).Measure(Qubit("b", 0), bits[1])
    target = resolve_target({"type": "AerConfig", "seed": 1})
    prepared = conv.prepare(circuit.to_dict(), target)
    assert prepared.ops is not None
    run = sim.run_batch(target, [prepared], [4])[0]
    assert run.result is not None and run.result["shots"]["array"] == [[128]] * 4


def test_transpiled_random_circuits_are_assembled_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    """``random_circuit`` transpiled for ``aer_simulator`` (``ccz`` arrives as ``CnZ``, ``cu3``
    as ``CU3``) takes the direct path: issue 13's wire workload fell back to Qiskit for every
    batch."""
    from qiskit import transpile
    from qiskit.circuit.random import random_circuit
    from qiskit_aer import AerSimulator

    from qiskit_nexus_provider.encoding import to_pytket_dict

    circuits = transpile(
        [random_circuit(4, 6, measure=True, seed=s) for s in range(40)],
        AerSimulator(),
        seed_transpiler=1,
    )
    target = resolve_target({"type": "AerConfig", "seed": 2})
    prepared = [conv.prepare(to_pytket_dict(c), target, valid_check=False) for c in circuits]
    assert {"ccz", "cu3"} <= {name for p in prepared for name, _, _ in p.ops or []}
    fallbacks: list[int] = []
    monkeypatch.setattr(sim, "_run_qiskit", lambda *a, **k: fallbacks.append(1) or [])
    runs = sim.run_batch(target, prepared, [20] * len(prepared))
    assert fallbacks == []
    assert all(r.result is not None for r in runs)
