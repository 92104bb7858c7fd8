"""Simulation internals: circuit conversion, gate-set checks, results, noise and cost."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytket import Bit, Circuit, OpType, Qubit
from pytket.backends.backendresult import BackendResult
from pytket.circuit import CircBox
from pytket.extensions.qiskit import AerBackend, tk_to_qiskit
from pytket.utils.outcomearray import OutcomeArray
from qiskit.quantum_info import Operator

from qiskit_nexus_provider.emulator import conversion as conv
from qiskit_nexus_provider.emulator import simulation as sim
from qiskit_nexus_provider.emulator.compilation import compile_circuit
from qiskit_nexus_provider.emulator.devices import AER_GATE_SET, DEVICES, resolve_target

AER = resolve_target({"type": "AerConfig", "seed": 1})
H1E = resolve_target({"type": "QuantinuumConfig", "device_name": "H1-1E"})

ONE_QUBIT = {
    OpType.X: 0,
    OpType.Y: 0,
    OpType.Z: 0,
    OpType.H: 0,
    OpType.S: 0,
    OpType.Sdg: 0,
    OpType.T: 0,
    OpType.Tdg: 0,
    OpType.SX: 0,
    OpType.SXdg: 0,
    OpType.V: 0,
    OpType.Vdg: 0,
    OpType.Rx: 1,
    OpType.Ry: 1,
    OpType.Rz: 1,
    OpType.U1: 1,
    OpType.U2: 2,
    OpType.U3: 3,
    OpType.TK1: 3,
    OpType.PhasedX: 2,
}
TWO_QUBIT = {
    OpType.CX: 0,
    OpType.CY: 0,
    OpType.CZ: 0,
    OpType.CH: 0,
    OpType.CSX: 0,
    OpType.SWAP: 0,
    OpType.ECR: 0,
    OpType.ZZMax: 0,
    OpType.ZZPhase: 1,
    OpType.XXPhase: 1,
    OpType.YYPhase: 1,
    OpType.TK2: 3,
    OpType.CRx: 1,
    OpType.CRy: 1,
    OpType.CRz: 1,
    OpType.CU1: 1,
}
THREE_QUBIT = {OpType.CCX: 0, OpType.CSWAP: 0, OpType.CnZ: 0, OpType.CnX: 0}


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_aer_gate_set_matches_pytket_qiskit() -> None:
    assert set(AER_GATE_SET) == {op.name for op in AerBackend().backend_info.gate_set}


@pytest.mark.parametrize(
    ("op", "n_params", "n_qubits"),
    [(op, n, 1) for op, n in ONE_QUBIT.items()]
    + [(op, n, 2) for op, n in TWO_QUBIT.items()]
    + [(op, n, 3) for op, n in THREE_QUBIT.items()],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_direct_translation_matches_pytket_qiskit(op: OpType, n_params: int, n_qubits: int) -> None:
    rng = random.Random(op.value)
    circuit = Circuit(3)
    circuit.H(0).H(1).H(2)
    for qubits in ([0, 1, 2][:n_qubits], [2, 1, 0][:n_qubits]):
        circuit.add_gate(op, [round(rng.uniform(-2, 2), 4) for _ in range(n_params)], qubits)
    prepared = conv._translator().translate(circuit.to_dict())
    assert prepared.circuit is not None
    assert Operator(prepared.circuit).equiv(Operator(tk_to_qiskit(circuit)))


def test_nphasedx_and_fallback_agree() -> None:
    circuit = Circuit(2)
    circuit.add_gate(OpType.NPhasedX, [0.3, 0.7], [0, 1])
    direct = conv._translator().translate(circuit.to_dict())
    assert direct.circuit is not None
    assert Operator(direct.circuit).equiv(Operator(tk_to_qiskit(circuit)))


def test_conditional_circuits_use_pytket_qiskit() -> None:
    circuit = Circuit(2, 2, "feedforward")
    circuit.X(0).Measure(0, 0)
    circuit.X(1, condition_bits=[0], condition_value=1)
    circuit.Measure(1, 1)
    prepared = conv.prepare(circuit.to_dict(), AER)
    run = sim.run_batch(AER, [prepared], [30])[0]
    assert run.error is None and run.result is not None
    assert BackendResult.from_dict(run.result).get_counts() == {(1, 1): 30}


def test_boxes_need_valid_check_off_on_aer() -> None:
    inner = Circuit(1).X(0)
    circuit = Circuit(1, 1)
    circuit.add_circbox(CircBox(inner), [0])
    circuit.Measure(0, 0)
    with pytest.raises(conv.CircuitError, match="CircBox"):
        conv.prepare(circuit.to_dict(), AER)
    prepared = conv.prepare(circuit.to_dict(), AER, valid_check=False)
    run = sim.run_batch(AER, [prepared], [10])[0]
    assert run.result is not None and BackendResult.from_dict(run.result).get_counts() == {(1,): 10}


def test_gate_set_checks_inside_conditionals() -> None:
    circuit = Circuit(2, 1).PhasedX(1, 0, 0).Measure(0, 0)
    circuit.H(1, condition_bits=[0], condition_value=1)
    assert conv.gate_set_violations(circuit.to_dict(), DEVICES["H1-1E"].gate_set) == ["H"]
    with pytest.raises(conv.CircuitError, match="not in the device gate set"):
        conv.prepare(circuit.to_dict(), H1E)


def test_symbols_and_bad_parameters_are_refused() -> None:
    from sympy import Symbol

    circuit = Circuit(1).Rz(Symbol("theta"), 0)
    with pytest.raises(conv.CircuitError, match="theta"):
        conv.prepare(circuit.to_dict(), AER)
    content = Circuit(1).Rz(0.5, 0).to_dict()
    content["commands"][0]["op"]["params"] = ["pi/"]
    with pytest.raises(conv.CircuitError, match="malformed parameter"):
        conv.prepare(content, AER)
    content["commands"][0]["op"]["params"] = ["pi/4"]  # symbolic constants are fine
    assert conv.prepare(content, AER).circuit is not None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.__setitem__("commands", "nope"),
        lambda d: d["commands"].append({"op": {"type": "H"}, "args": [["q", [5]]]}),
        lambda d: d["commands"].append({"op": {"type": "H"}, "args": "q0"}),
        lambda d: d["commands"].append({"op": {"type": "Measure"}, "args": [["q", [0]]]}),
        lambda d: d["commands"].append({"op": {"type": "CX"}, "args": [["q", [0]]]}),
        lambda d: d["commands"].append({"op": {"type": "Rz", "params": []}, "args": [["q", [0]]]}),
        lambda d: d["commands"].append(
            {"op": {"type": "Rz", "params": [[1]]}, "args": [["q", [0]]]}
        ),
        lambda d: d["qubits"].append("q0"),
    ],
)
def test_malformed_commands_raise_circuit_errors(mutate) -> None:
    content = Circuit(2, 2).H(0).measure_all().to_dict()
    mutate(content)
    with pytest.raises(conv.CircuitError):
        conv.prepare(content, AER, valid_check=False)


def test_result_dict_matches_pytket() -> None:
    readouts = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 1]], dtype=np.uint8)
    bits = [["a", [0]], ["c", [0]], ["c", [1]]]
    ours = sim._backend_result(bits, readouts)
    theirs = BackendResult(
        shots=OutcomeArray.from_readouts(readouts), c_bits=[Bit("a", 0), Bit("c", 0), Bit("c", 1)]
    ).to_dict()
    assert ours == theirs
    empty = sim._backend_result([], np.zeros((2, 0), dtype=np.uint8))
    assert (
        empty
        == BackendResult(
            shots=OutcomeArray.from_readouts(np.zeros((2, 0), dtype=np.uint8)), c_bits=[]
        ).to_dict()
    )


def test_wide_and_multidimensional_registers() -> None:
    circuit = Circuit()
    qubits = [Qubit("grid", [i, j]) for i in range(2) for j in range(2)]
    for qubit in qubits:
        circuit.add_qubit(qubit)
    bits = [Bit("m", [i, j]) for i in range(2) for j in range(2)]
    for bit in bits:
        circuit.add_bit(bit)
    wide = circuit.add_c_register("w", 70)
    circuit.X(qubits[1]).X(qubits[2])
    for qubit, bit in zip(qubits, bits, strict=True):
        circuit.Measure(qubit, bit)
    circuit.Measure(qubits[1], wide[69])
    run = sim.run_batch(AER, [conv.prepare(circuit.to_dict(), AER)], [4])[0]
    assert run.result is not None
    result = BackendResult.from_dict(run.result)
    assert result.get_counts(cbits=[*bits, wide[69], wide[0]]) == {(0, 1, 1, 0, 1, 0): 4}


def test_seeded_runs_repeat_and_unseeded_vary() -> None:
    content = Circuit(3, 3).H(0).H(1).H(2).measure_all().to_dict()
    prepared = conv.prepare(content, AER)
    first = sim.run_batch(AER, [prepared, prepared], [64, 64])
    again = sim.run_batch(AER, [prepared], [64])
    assert first[0].result == again[0].result
    unseeded = resolve_target({"type": "AerConfig"})
    results = {str(sim.run_batch(unseeded, [prepared], [64])[0].result) for _ in range(3)}
    assert len(results) > 1


def test_noise_model_spares_virtual_z() -> None:
    content = (
        Circuit(2, 2).Rz(0.3, 0).PhasedX(0.5, 0.1, 1).ZZPhase(0.2, 0, 1).measure_all().to_dict()
    )
    prepared = conv.prepare(content, H1E)
    assert prepared.circuit is not None
    model = sim._noise_model(H1E.noise, [prepared.circuit])  # type: ignore[arg-type]
    assert set(model.noise_instructions) == {"r", "rzz", "measure"}


def test_mixed_shot_counts_in_one_batch() -> None:
    prepared = conv.prepare(Circuit(1, 1).X(0).Measure(0, 0).to_dict(), AER)
    runs = sim.run_batch(AER, [prepared, prepared, prepared], [3, 7, 3])
    assert [
        sum(BackendResult.from_dict(r.result).get_counts().values()) for r in runs if r.result
    ] == [3, 7, 3]


def test_hqc_cost() -> None:
    content = Circuit(2, 2).PhasedX(0.5, 0, 0).Rz(0.5, 1).ZZPhase(0.5, 0, 1).measure_all().to_dict()
    # N1q = 1 (Rz is free), N2q = 1, Nm = 2 preparations + 2 measurements.
    assert conv.hqc_cost(content, 100) == round(5 + 100 * (1 + 10 + 5 * 4) / 5000, 2)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
@pytest.mark.parametrize("device", ["H1-1E", "aer_simulator"])
def test_compilation_preserves_the_circuit(level: int, device: str) -> None:
    config = (
        {"type": "AerConfig"}
        if device == "aer_simulator"
        else {"type": "QuantinuumConfig", "device_name": device}
    )
    target = resolve_target(config)
    circuit = Circuit(3, 3).H(0).CX(0, 1).CCX(0, 1, 2).Ry(0.3, 2)
    compiled = compile_circuit(circuit.to_dict(), target, level)
    assert not conv.gate_set_violations(compiled, target.device.gate_set)
    assert Operator(tk_to_qiskit(Circuit.from_dict(compiled))).equiv(
        Operator(tk_to_qiskit(circuit))
    )


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 70)
    | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@given(data=st.data())
@settings(
    max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_prepare_only_raises_circuit_errors(data: st.DataObject) -> None:
    """Corrupting any part of a circuit's JSON gives a CircuitError, never another exception."""
    circuit = Circuit(2, 2).H(0).CX(0, 1).Rz(0.25, 1).PhasedX(0.5, 0.1, 0)
    circuit.X(1, condition_bits=[0], condition_value=1)
    content = circuit.measure_all().to_dict()
    commands = content["commands"]
    index = data.draw(st.integers(0, len(commands) - 1))
    target = data.draw(st.sampled_from(["op", "args", "type", "params", "arg", "top"]))
    value = data.draw(JSON_VALUES)
    if target == "op":
        commands[index]["op"] = value
    elif target == "args":
        commands[index]["args"] = value
    elif target == "type":
        commands[index]["op"]["type"] = value
    elif target == "params":
        commands[index]["op"]["params"] = value
    elif target == "arg" and commands[index]["args"]:
        commands[index]["args"][0] = value
    else:
        content[data.draw(st.sampled_from(["qubits", "bits", "commands", "phase"]))] = value
    for target_config in (AER, H1E):
        try:
            prepared = conv.prepare(content, target_config, valid_check=False)
        except conv.CircuitError:
            continue
        assert prepared.circuit is not None


def test_unsimulatable_circuit_fails_the_item_cleanly() -> None:
    from pytket.circuit import QControlBox

    inner = Circuit(1).Rx(0.3, 0)
    circuit = Circuit(2, 2)
    circuit.add_gate(QControlBox(CircBox(inner).get_circuit().get_commands()[0].op, 1), [0, 1])
    circuit.measure_all()
    try:
        prepared = conv.prepare(circuit.to_dict(), AER, valid_check=False)
    except conv.CircuitError as exc:
        assert "cannot simulate" in str(exc) or "invalid" in str(exc)
        return
    run = sim.run_batch(AER, [prepared], [5])[0]
    assert run.result is not None or run.error
