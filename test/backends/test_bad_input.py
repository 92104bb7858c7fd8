"""Bad input is refused before anything runs, with an error naming the problem."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import CircuitValidationError, NexusProvider, OptionsError


@pytest.fixture
def backend(provider: NexusProvider):
    return provider.get_backend("offline_simulator_no_noise", num_qubits=4)


def one_qubit(backend, angle: float, name: str = "bad") -> QuantumCircuit:
    qc = QuantumCircuit(1, 1, name=name)
    qc.r(math.pi, 0.0, 0)
    qc.rz(angle, 0)
    qc.measure(0, 0)
    return qc


@pytest.mark.parametrize("angle", [math.nan, math.inf, -math.inf])
def test_non_finite_parameters_are_refused_naming_circuit_and_instruction(backend, angle) -> None:
    good = transpile(one_qubit(backend, 0.1, "good"), backend)
    with pytest.raises(CircuitValidationError, match=r"circuit 1 \('bad'\).*instruction 1 \(rz\)"):
        backend.run([good, one_qubit(backend, angle)], shots=5)


@pytest.mark.parametrize("angle", [math.nan, math.inf])
def test_non_finite_parameters_inside_control_flow_blocks_are_refused(backend, angle) -> None:
    """A block's instructions run too: a NaN in an else branch or a switch case is refused."""
    qc = QuantumCircuit(1, 1, name="dyn")
    qc.r(math.pi / 2, 0.0, 0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)) as else_:
        qc.rz(0.1, 0)
    with else_, qc.switch(qc.clbits[0]) as case, case(0):
        qc.rz(angle, 0)
    qc.measure(0, 0)
    with pytest.raises(
        CircuitValidationError,
        match=r"circuit 0 \('dyn'\).*instruction 2 \(if_else\) block 1 "
        r"instruction 0 \(switch_case\) block 0 instruction 0 \(rz\)",
    ):
        backend.run(qc, shots=5)


def test_non_finite_global_phase_is_refused(backend) -> None:
    qc = one_qubit(backend, 0.1)
    qc.global_phase = math.nan
    with pytest.raises(CircuitValidationError, match="global phase"):
        backend.run(qc)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("shots", True),
        ("shots", "100"),
        ("shots", 2.0),
        ("memory", "yes"),
        ("memory", 1),
        ("seed_simulator", "5"),
        ("with_progress_bar", "no"),
        ("poll_interval", "1"),
        ("max_circuits_per_job", False),
        # JSON has no NaN or infinity (they failed at upload as a "connection error").
        ("poll_interval", math.nan),
        ("max_cost", math.inf),
        ("nexus_properties", {"fidelity": math.nan}),
    ],
)
def test_option_types_are_strict(backend, name, value) -> None:
    with pytest.raises(OptionsError, match=name):
        backend.run(transpile(one_qubit(backend, 0.1), backend), **{name: value})
    with pytest.raises(OptionsError, match=name):
        backend.set_options(**{name: value})


def test_numpy_integers_and_bools_are_accepted(backend) -> None:
    job = backend.run(
        transpile(one_qubit(backend, 0.1), backend), shots=np.int64(7), memory=np.bool_(True)
    )
    assert len(job.result(timeout=60).get_memory(0)) == 7


@pytest.mark.parametrize(
    ("metadata", "key"),
    [({"when": object()}, "when"), ({"x": {1, 2}}, "x"), ({"f": math.nan}, "f")],
)
def test_metadata_that_cannot_be_stored_is_refused_in_run(backend, metadata, key) -> None:
    qc = transpile(one_qubit(backend, 0.1), backend)
    qc.metadata = metadata
    with pytest.raises(CircuitValidationError, match=rf"circuit 0 \('bad'\).*{key!r}"):
        backend.run(qc, max_circuits_per_job=1)


@pytest.mark.parametrize(
    "set_shots",
    [
        lambda b: setattr(b.options, "shots", 500),
        lambda b: b.options.update_options(shots=500),
        lambda b: b.set_options(shots=500),
    ],
    ids=["attribute", "update_options", "set_options"],
)
def test_every_qiskit_way_of_setting_options_is_honoured_by_run(backend, set_shots) -> None:
    set_shots(backend)
    result = backend.run(transpile(one_qubit(backend, 0.1), backend)).result(timeout=60)
    assert sum(result.get_counts(0).values()) == 500


def test_invalid_value_set_on_options_is_reported_by_run(backend) -> None:
    backend.options.shots = "many"
    with pytest.raises(OptionsError, match="shots"):
        backend.run(transpile(one_qubit(backend, 0.1), backend))


@pytest.mark.parametrize("run_input", [None, 3, "circuit", {"a": 1}])
def test_run_input_that_is_no_circuit_nor_list_is_named(backend, run_input) -> None:
    """Before: ``run(None)`` raised "'NoneType' object is not iterable", a dict or a string was
    iterated ("Item 0 is a str")."""
    with pytest.raises(TypeError, match=r"run\(\) takes a QuantumCircuit or a list"):
        backend.run(run_input, shots=5)


def test_tuples_and_generators_of_circuits_still_run(backend) -> None:
    qc = transpile(one_qubit(backend, 0.1), backend)
    assert len(backend.run((qc, qc), shots=2).result().results) == 2
    assert len(backend.run(c for c in [qc, qc, qc]).result().results) == 3


# ------------------------------------------------------------------------------------------------
# Provider arguments: checked when the provider is built, not at the first remote call


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"token": 123}, TypeError, "token argument must be a str"),
        ({"token": b"abc"}, TypeError, "token argument must be a str"),
        ({"token": "abc\ndef"}, ValueError, "token argument holds control"),
        ({"token": ""}, ValueError, "must not be empty"),
        ({"url": 8000}, TypeError, "URL must be a str"),
        ({"url": "http://[::1"}, ValueError, r"'http://\[::1'.*IPv6"),
        ({"url": "http://127.0.0.1:1/api"}, ValueError, "no path allowed"),
        ({"url": "http://\uff4cocalhost:1"}, ValueError, "host is not ASCII"),
        ({"url": "http://nexus.example"}, ValueError, "plain http"),
        ({"project": 7}, TypeError, "project must be a str"),
    ],
)
def test_provider_arguments_are_checked_when_the_provider_is_built(kwargs, error, match) -> None:
    """Before: each was accepted, and failed later (AttributeError, urllib3's
    LocationParseError, a 404 at the token refresh) or named no URL."""
    with pytest.raises(error, match=match):
        NexusProvider(**kwargs)
