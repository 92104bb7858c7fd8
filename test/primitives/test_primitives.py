"""NexusSamplerV2 and NexusEstimatorV2 on the offline simulators and the local emulator."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter, ParameterVector
from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2
from qiskit.quantum_info import SparsePauliOp, Statevector
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_nexus_provider import (
    NexusCompositeJob,
    NexusEstimatorV2,
    NexusProvider,
    NexusSamplerV2,
)
from qiskit_nexus_provider.backends.base import NexusBackend

NATIVE = {"r", "rz", "rzz", "measure", "reset", "barrier"}
BACKENDS = ["offline_simulator_no_noise", "offline_simulator_noise"]
# H-series-like noise (1e-3 two-qubit, 3e-3 readout) biases values by a few 1e-3 per gate here.
NOISE_BIAS = {"offline_simulator_no_noise": 0.0, "offline_simulator_noise": 0.03}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, provider: NexusProvider) -> NexusBackend:
    return provider.get_backend(request.param)


@pytest.fixture
def no_noise(provider: NexusProvider) -> NexusBackend:
    return provider.get_backend("offline_simulator_no_noise")


class RunSpy:
    """Records the circuits and jobs of every ``backend.run`` call."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, backend: NexusBackend) -> None:
        self.calls: list[tuple[list[QuantumCircuit], dict[str, Any], Any]] = []
        original = backend.run

        def run(circuits: Any, **options: Any) -> Any:
            job = original(circuits, **options)
            self.calls.append((list(circuits), options, job))
            return job

        monkeypatch.setattr(backend, "run", run)


def isa(backend: NexusBackend, circuit: QuantumCircuit) -> QuantumCircuit:
    return generate_preset_pass_manager(backend=backend, optimization_level=2).run(circuit)


def tolerance(std: float | np.ndarray, backend: NexusBackend) -> Any:
    return 5 * np.asarray(std) + NOISE_BIAS[backend.name] + 1e-9


# -- Sampler -----------------------------------------------------------------------------------
def test_sampler_broadcasts_parameters_per_register(backend: NexusBackend) -> None:
    theta = Parameter("θ")
    qr = QuantumRegister(3, "q")
    alpha, beta = ClassicalRegister(2, "alpha"), ClassicalRegister(1, "beta")
    circuit = QuantumCircuit(qr, alpha, beta)
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.x(2)
    circuit.measure([0, 1], alpha)
    circuit.measure(2, beta)
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()

    shots = 400
    sampler = NexusSamplerV2(backend, options={"default_shots": shots, "seed_simulator": 7})
    assert isinstance(sampler, BaseSamplerV2)
    assert sampler.backend is backend
    thetas = np.array([[0.0], [math.pi / 2], [math.pi]])  # 3 sets of 1 parameter: shape (3,)
    result = sampler.run(
        [(isa(backend, circuit), thetas), (isa(backend, bell), None, 200)]
    ).result()

    assert len(result) == 2
    first, second = result
    assert first.data.shape == (3,)
    assert set(first.data.keys()) == {"alpha", "beta"}
    assert first.data.alpha.num_shots == shots and first.data.alpha.num_bits == 2
    assert first.data.beta.num_bits == 1
    bias = NOISE_BIAS[backend.name]
    for index, (th,) in enumerate(thetas):
        counts = first.data.alpha.get_counts(index)
        assert set(counts) <= {"00", "11", "01", "10"}
        p11 = counts.get("11", 0) / shots
        expected = math.sin(th / 2) ** 2
        assert abs(p11 - expected) <= 5 * math.sqrt(0.25 / shots) + bias
        assert first.data.beta.get_counts(index).get("1", 0) >= (1 - bias - 0.01) * shots
    assert second.data.meas.num_shots == 200
    bell_counts = second.data.meas.get_counts()
    assert (bell_counts.get("00", 0) + bell_counts.get("11", 0)) / 200 >= 1 - bias - 0.01
    assert first.metadata["shots"] == shots and second.metadata["shots"] == 200


def test_sampler_too_many_shots_raise_before_submitting(no_noise: NexusBackend) -> None:
    circuit = QuantumCircuit(1)
    circuit.measure_all()
    with pytest.raises(ValueError, match="at most 10000 shots"):
        NexusSamplerV2(no_noise).run([isa(no_noise, circuit)], shots=20_000)


def test_sampler_translates_circuits_outside_the_target(no_noise: NexusBackend) -> None:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    result = NexusSamplerV2(no_noise, options={"seed_simulator": 3}).run([circuit]).result()
    assert set(result[0].data.meas.get_counts()) <= {"00", "11"}


def test_composite_job_keeps_pub_and_parameter_order(
    no_noise: NexusBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    thetas = ParameterVector("t", 3)
    circuit = QuantumCircuit(3)
    for q in range(3):
        circuit.rx(thetas[q], q)
    circuit.measure_all()
    values = np.array([[math.pi * ((i >> q) & 1) for q in range(3)] for i in range(8)])
    spy = RunSpy(monkeypatch, no_noise)
    sampler = NexusSamplerV2(
        no_noise,
        options={"default_shots": 20, "run_options": {"max_circuits_per_job": 3}},
    )
    transpiled = isa(no_noise, circuit)
    result = sampler.run([(transpiled, values), (transpiled, values[::-1])]).result()

    # One backend.run call for the 16 circuits, split by the backend into 6 sub-jobs.
    assert len(spy.calls) == 1
    circuits, options, job = spy.calls[0]
    assert len(circuits) == 16 and options["max_circuits_per_job"] == 3
    assert isinstance(job, NexusCompositeJob) and len(job.sub_jobs()) == 6
    for pub, order in ((result[0], range(8)), (result[1], range(7, -1, -1))):
        for index, expected in enumerate(order):
            assert pub.data.meas.get_counts(index) == {format(expected, "03b"): 20}


# -- Estimator ---------------------------------------------------------------------------------
def _ansatz() -> QuantumCircuit:
    a, b = Parameter("a"), Parameter("b")
    circuit = QuantumCircuit(2)
    circuit.ry(a, 0)
    circuit.cx(0, 1)
    circuit.rx(b, 1)
    circuit.rz(0.4, 0)
    return circuit


def test_estimator_expectation_values_close_to_exact(backend: NexusBackend) -> None:
    circuit = _ansatz()
    transpiled = isa(backend, circuit)
    labels = ["ZZ", "XX", "YY", "ZI", "IX", "XY"]
    observables = [SparsePauliOp(label) for label in labels]
    observables.append(SparsePauliOp.from_list([("XX", 0.5), ("ZZ", -0.25), ("II", 1.0)]))
    layout_obs = [[obs.apply_layout(transpiled.layout)] for obs in observables]  # shape (7, 1)
    values = np.array([[0.3, 0.0], [1.2, 0.7], [2.5, -1.1]])  # shape (3,)
    estimator = NexusEstimatorV2(backend, options={"default_precision": 0.03, "seed_simulator": 11})
    assert isinstance(estimator, BaseEstimatorV2)
    assert estimator.backend is backend
    result = estimator.run([(transpiled, layout_obs, values)]).result()

    data = result[0].data
    assert data.evs.shape == (len(observables), len(values))
    assert result[0].metadata["shots"] == math.ceil(1 / 0.03**2)
    for i, obs in enumerate(observables):
        for j, params in enumerate(values):
            exact = Statevector(circuit.assign_parameters(params)).expectation_value(obs).real
            assert abs(data.evs[i, j] - exact) <= tolerance(data.stds[i, j], backend), (i, j)


@pytest.mark.parametrize("transpiled", [True, False], ids=["isa", "not-transpiled"])
def test_estimator_submits_native_circuits_without_extra_gates(
    no_noise: NexusBackend, monkeypatch: pytest.MonkeyPatch, transpiled: bool
) -> None:
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    physical = isa(no_noise, bell).count_ops().get("r", 0)
    circuit = isa(no_noise, bell) if transpiled else bell
    spy = RunSpy(monkeypatch, no_noise)
    estimator = NexusEstimatorV2(no_noise, options={"seed_simulator": 5})
    result = estimator.run([(circuit, ["XX", "YY", "ZZ", "XI"])], precision=0.05).result()

    assert np.allclose(result[0].data.evs, [1, -1, 1, 0], atol=0.25)
    (submitted, _, _), *_ = spy.calls
    assert len(submitted) == 3  # qubit-wise commuting groups: ZZ, XX + XI, YY
    for measured in submitted:
        assert set(measured.count_ops()) <= NATIVE
        # Basis changes merge into the last r of each qubit: at most one more r per qubit.
        assert measured.count_ops().get("r", 0) <= physical + 2


def test_estimator_run_options_reach_the_backend_composite(
    no_noise: NexusBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    theta = Parameter("θ")
    circuit = QuantumCircuit(1)
    circuit.ry(theta, 0)
    spy = RunSpy(monkeypatch, no_noise)
    estimator = NexusEstimatorV2(
        no_noise, options={"seed_simulator": 2, "run_options": {"max_circuits_per_job": 2}}
    )
    assert estimator.run_options == {"max_circuits_per_job": 2}
    angles = np.linspace(0, math.pi, 5)
    result = estimator.run([(isa(no_noise, circuit), "Z", angles[:, None])], precision=0.05)
    evs = result.result()[0].data.evs
    assert isinstance(spy.calls[0][2], NexusCompositeJob)
    assert np.allclose(evs, np.cos(angles), atol=0.2)
    assert np.all(np.diff(evs) < 0.1)  # order preserved: cos decreases


def test_estimator_precision_below_limit_raises(no_noise: NexusBackend) -> None:
    circuit = QuantumCircuit(1)
    with pytest.raises(ValueError, match=r"precision of at least 0\.01"):
        NexusEstimatorV2(no_noise).run([(circuit, "Z")], precision=0.005)


# -- Remote, through the local emulator -----------------------------------------------------
def test_primitives_on_the_local_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        from qiskit_nexus_provider.emulator import NexusEmulator
    except ImportError as exc:  # pragma: no cover - the emulator is an optional part
        pytest.skip(f"the local Nexus emulator is not importable: {exc}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with NexusEmulator() as emu:
        provider = NexusProvider(token=emu.token, url=emu.url, store_path=tmp_path / "store")
        backend = provider.get_backend("H1-1E")
        run_options = {"poll_interval": 0.02, "poll_max_interval": 0.05}

        circuit = QuantumCircuit(2)
        circuit.h(0)
        circuit.cx(0, 1)
        measured = circuit.measure_all(inplace=False)
        sampler = NexusSamplerV2(
            backend, options={"default_shots": 100, "run_options": run_options}
        )
        counts = sampler.run([isa(backend, measured)]).result()[0].data.meas.get_counts()
        assert sum(counts.values()) == 100
        assert (counts.get("00", 0) + counts.get("11", 0)) >= 90

        estimator = NexusEstimatorV2(backend, options={"run_options": run_options})
        transpiled = isa(backend, circuit)
        evs = estimator.run([(transpiled, ["ZZ", "XX", "ZI"])], precision=0.1).result()[0].data.evs
        assert np.allclose(evs, [1, 1, 0], atol=0.35)
