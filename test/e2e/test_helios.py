"""Helios through the provider (issue 14): Qiskit circuits → QIR → emulator → Aer's counts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit_aer import AerSimulator

from qiskit_nexus_provider import NexusCompositeJob, NexusJob, NexusProvider
from qiskit_nexus_provider.api.backend_configs import build_backend_config
from qiskit_nexus_provider.api.qir import get_qir, get_qsys_result, upload_qir
from qiskit_nexus_provider.backends.helios import HeliosBackend
from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.encoding import bit_names, creg_sizes, decode_result
from qiskit_nexus_provider.encoding.qir import qir_output_to_pytket
from qiskit_nexus_provider.exceptions import CircuitValidationError, OptionsError

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}
SHOTS = 4000
TVD_BOUND = 0.06
"""Total variation distance allowed between two samples of 4000 shots of one distribution
(its standard deviation is about 0.01 for these circuits)."""


def _tvd(a: Mapping[str, int], b: Mapping[str, int]) -> float:
    na, nb = sum(a.values()), sum(b.values())
    return 0.5 * sum(abs(a.get(k, 0) / na - b.get(k, 0) / nb) for k in set(a) | set(b))


def _aer(circuit: QuantumCircuit, shots: int = SHOTS) -> dict[str, int]:
    return dict(AerSimulator(seed_simulator=11).run(circuit, shots=shots).result().get_counts())


def bell() -> QuantumCircuit:
    qc = QuantumCircuit(2, 2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    return qc


def ghz(n: int = 5) -> QuantumCircuit:
    qc = QuantumCircuit(n, n, name="ghz")
    qc.h(0)
    for i in range(n - 1):
        qc.cx(i, i + 1)
    qc.measure(range(n), range(n))
    return qc


def multi_register() -> QuantumCircuit:
    q = QuantumRegister(4, "q")
    a, b = ClassicalRegister(2, "a"), ClassicalRegister(3, "b")
    qc = QuantumCircuit(q, a, b, name="multi")
    qc.h(0)
    qc.cx(0, 1)
    qc.x(2)
    qc.ry(0.8, 3)
    qc.measure(0, b[2])
    qc.measure(1, a[0])
    qc.measure(2, b[0])
    qc.measure(3, a[1])
    return qc


def mid_circuit() -> QuantumCircuit:
    """Mid-circuit measurement and reset: a qubit measured, reset and reused."""
    qc = QuantumCircuit(2, 3, name="mid")
    qc.h(0)
    qc.measure(0, 0)
    qc.reset(0)
    qc.ry(1.1, 0)
    qc.cx(0, 1)
    qc.measure(0, 1)
    qc.measure(1, 2)
    return qc


def feedforward() -> QuantumCircuit:
    """A gate conditioned on a mid-circuit measurement (``if_test``), and a reset."""
    qc = QuantumCircuit(3, 3, name="feedforward")
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    qc.reset(0)
    qc.ry(0.7, 0)
    qc.measure(0, 2)
    qc.cx(1, 2)
    qc.measure(1, 1)
    qc.measure(2, 0)
    return qc


@pytest.fixture(scope="module")
def emulator() -> NexusEmulator:
    with NexusEmulator() as emu:
        yield emu


@pytest.fixture
def remote(emulator: NexusEmulator, tmp_path: Path, monkeypatch) -> NexusProvider:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return NexusProvider(
        token=emulator.token, url=emulator.url, project="helios", store_path=tmp_path / "jobs"
    )


def test_helios_devices_are_listed_as_helios_backends(remote: NexusProvider) -> None:
    names = {"Helios-1", "Helios-1E-lite", "Helios-1SC"}
    backends = {b.name: b for b in remote.backends() if b.name.startswith("Helios")}
    assert set(backends) == names
    assert all(isinstance(b, HeliosBackend) for b in backends.values())
    backend = backends["Helios-1E-lite"]
    assert backend.max_circuits == 300 and backend.num_qubits == 98
    assert {"rz", "r", "rzz", "measure", "reset"} <= set(backend.target.operation_names)
    assert backends["Helios-1"].device_kind == "qpu"
    assert backends["Helios-1SC"].device_kind == "syntax_checker"
    assert backend.syntax_checker == "Helios-1SC"


@pytest.mark.parametrize("make", [bell, ghz, multi_register, mid_circuit, feedforward])
def test_helios_emulator_gives_aers_distribution(remote: NexusProvider, make) -> None:
    backend = remote.get_backend("Helios-1E-lite")
    circuit = transpile(make(), backend, seed_transpiler=1)
    job = backend.run(circuit, shots=SHOTS, memory=True, **FAST)
    result = job.result(timeout=300)
    counts = result.get_counts()
    expected = _aer(make())
    assert set(counts) <= set(expected) | {k for k in counts if counts[k] < SHOTS * 0.01}
    assert _tvd(counts, expected) < TVD_BOUND, (counts, expected)
    memory = result.get_memory()
    assert len(memory) == SHOTS and set(memory) == set(counts)
    assert result.results[0].header["name"] == make().name


def test_a_conditional_from_pytket_runs_as_qir(remote: NexusProvider) -> None:
    """A classically conditioned gate (adaptive profile), written with pytket directly."""
    from pytket import Circuit
    from pytket.qir import QIRFormat, QIRProfile, pytket_to_qir

    tk = Circuit(2, name="feedforward")
    c = tk.add_c_register("c", 2)
    tk.H(0).Measure(0, c[0])
    tk.X(1, condition_bits=[c[0]], condition_value=1)
    tk.Ry(0.3, 0).Measure(0, c[0]).Measure(1, c[1])
    bitcode = pytket_to_qir(tk, qir_format=QIRFormat.BINARY, profile=QIRProfile.ADAPTIVE)
    assert isinstance(bitcode, bytes)

    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    qc.ry(0.3 * 3.141592653589793, 0)
    qc.measure(0, 0)
    qc.measure(1, 1)

    catalog = remote.remote
    client = catalog.client
    program = upload_qir(client, catalog.project_id(), bitcode, "feedforward")
    backend = remote.get_backend("Helios-1E-lite")
    job = client.start_execute_job(
        project_id=catalog.project_id(),
        name="feedforward",
        program_ids=[program],
        n_shots=[SHOTS],
        backend_config=build_backend_config(backend.info),
    )
    backend._status_of(job.id)  # the job exists
    from qiskit_nexus_provider.jobs.polling import poll_until_final

    poll_until_final(
        lambda: backend._status_of(job.id), timeout=300, initial_interval=0.05, max_interval=0.2
    )
    [item] = client.job_items(client.get_job(job.id))
    assert item.result_type == "QSYS" and item.result_id is not None
    text = get_qsys_result(client, item.result_id)
    clbits = bit_names(qc)
    counts, _ = decode_result(qir_output_to_pytket(text, clbits), clbits, creg_sizes(qc))
    assert _tvd(counts, _aer(qc)) < TVD_BOUND


def test_syntax_checker_gives_zeros_and_estimate_cost_a_prediction(
    remote: NexusProvider,
) -> None:
    checker = remote.get_backend("Helios-1SC")
    circuit = transpile(ghz(4), checker)
    assert checker.run(circuit, shots=10, **FAST).result(timeout=120).get_counts() == {"0000": 10}

    hardware = remote.get_backend("Helios-1")
    [(cost, confidence)] = hardware.estimate_cost(transpile(ghz(4), hardware), shots=100)
    assert cost > 5 and confidence == 1.0
    [(dynamic_cost, _)] = hardware.estimate_cost(transpile(mid_circuit(), hardware), shots=100)
    assert dynamic_cost > 5


def _programs_on_server(remote: NexusProvider) -> int:
    client = remote.remote.client
    return int(
        client.transport.call(
            "GET", "/api/qir/v1beta/meta/count", parse=lambda r: r.json()["count"]
        )
    )


def test_hardware_run_without_max_cost_is_refused_before_upload(
    remote: NexusProvider, emulator: NexusEmulator
) -> None:
    backend = remote.get_backend("Helios-1")
    circuit = transpile(bell(), backend)
    programs, jobs = _programs_on_server(remote), emulator.job_count()
    with pytest.raises(OptionsError, match=r"max_cost.*estimate_cost.*Helios-1SC"):
        backend.run(circuit, shots=10, **FAST)
    with pytest.raises(OptionsError, match="tket_optimisation_level"):
        backend.run(circuit, shots=10, max_cost=50.0, tket_optimisation_level=2, **FAST)
    assert (_programs_on_server(remote), emulator.job_count()) == (programs, jobs)
    # With a limit it runs; a limit below the predicted cost fails the item on the server.
    ok = backend.run(circuit, shots=100, max_cost=50.0, **FAST).result(timeout=120)
    assert set(ok.get_counts()) <= {"00", "11"}
    too_low = backend.run(circuit, shots=100, max_cost=1.0, **FAST)
    too_low.wait_for_final_state(timeout=120)
    assert "exceeds the item's max_cost 1 HQC" in (too_low.error_message() or "")


def test_what_qir_cannot_express_is_refused_before_upload(remote: NexusProvider) -> None:
    backend = remote.get_backend("Helios-1E-lite")
    wide = QuantumCircuit(QuantumRegister(2), ClassicalRegister(65, "wide"), name="wide")
    wide.measure(0, 0)
    programs = _programs_on_server(remote)
    with pytest.raises(CircuitValidationError, match=r"'wide' has 65 bits.*64"):
        backend.run([transpile(bell(), backend), wide], shots=10, **FAST)
    assert _programs_on_server(remote) == programs
    # Also when the batch becomes a composite job whose first sub-jobs could already upload.
    batch = [transpile(bell(), backend), transpile(ghz(3), backend), wide]
    with pytest.raises(CircuitValidationError, match=r"'wide' has 65 bits"):
        backend.run(batch, shots=10, max_circuits_per_job=1, **FAST)
    assert _programs_on_server(remote) == programs


def test_each_circuit_is_encoded_once(remote: NexusProvider, monkeypatch) -> None:
    import qiskit_nexus_provider.backends.helios as helios

    calls: list[str] = []
    original = helios.to_qir

    def counting(circuit: QuantumCircuit) -> bytes:
        calls.append(circuit.name)
        return original(circuit)

    monkeypatch.setattr(helios, "to_qir", counting)
    backend = remote.get_backend("Helios-1E-lite")
    batch = transpile([bell(), ghz(3), multi_register()], backend)
    job = backend.run(batch, shots=20, max_circuits_per_job=2, **FAST)
    assert len(job.result(timeout=120).results) == 3
    assert sorted(calls) == ["bell", "ghz", "multi"]


def test_composite_persist_restore_and_retrieve(remote: NexusProvider, tmp_path: Path) -> None:
    backend = remote.get_backend("Helios-1E-lite")
    circuits = transpile([bell(), ghz(3), multi_register(), mid_circuit(), bell()], backend)
    job = backend.run(circuits, shots=200, max_circuits_per_job=2, **FAST)
    assert isinstance(job, NexusCompositeJob)
    result = job.result(timeout=300)
    assert [r.header["name"] for r in result.results] == ["bell", "ghz", "multi", "mid", "bell"]
    assert set(result.get_counts(1)) <= {"000", "111"}

    fresh = NexusProvider(
        token=remote.remote._token,
        url=remote.remote.url,
        project="helios",
        store_path=tmp_path / "other",
    )
    again = fresh.retrieve_job(job.job_id())
    assert isinstance(again, NexusCompositeJob)
    assert [again.result(timeout=120).get_counts(i) for i in range(5)] == [
        result.get_counts(i) for i in range(5)
    ]

    single = backend.run(circuits[2], shots=50, **FAST)
    assert isinstance(single, NexusJob)
    counts = single.result(timeout=120).get_counts()
    path = single.persist()
    assert json.loads(path.read_text())
    restored = remote.restore_job(single.job_id())
    assert restored.result(timeout=120).get_counts() == counts
    assert isinstance(restored.backend(), HeliosBackend)
    retrieved = fresh.retrieve_job(single.job_id())
    assert isinstance(retrieved.backend(), HeliosBackend)
    assert retrieved.result(timeout=120).get_counts() == counts


def test_cli_shows_and_collects_helios_jobs(
    remote: NexusProvider, emulator: NexusEmulator, tmp_path: Path, capsys
) -> None:
    from qiskit_nexus_provider.cli import EXIT_OK, main

    backend = remote.get_backend("Helios-1E-lite")
    single = backend.run(transpile(bell(), backend), shots=30, **FAST)
    composite = backend.run(
        transpile([bell(), ghz(3), bell()], backend), shots=30, max_circuits_per_job=2, **FAST
    )
    counts = single.result(timeout=120).get_counts()
    composite.result(timeout=120)
    connect = ["--url", emulator.url, "--token", emulator.token]
    stored = ["--store-path", str(remote.store_path)]
    assert main(["backends", *connect, *stored]) == EXIT_OK
    assert "Helios-1E-lite" in capsys.readouterr().out
    assert main(["job", "result", single.job_id(), "--json", *connect, *stored]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["counts"] == [counts]
    # From the server alone (an empty store), for the composite job too.
    empty = ["--store-path", str(tmp_path / "empty")]
    assert main(["job", "show", single.job_id(), *connect, *empty]) == EXIT_OK
    assert "Helios-1E-lite" in capsys.readouterr().out
    assert main(["job", "result", composite.job_id(), "--json", *connect, *empty]) == EXIT_OK
    collected = json.loads(capsys.readouterr().out)["counts"]
    assert len(collected) == 3 and set(collected[1]) <= {"000", "111"}


def test_a_helios_job_queued_before_an_emulator_restart_runs_after_it(tmp_path: Path) -> None:
    """QIR programs live in the emulator's SQLite store: a restart keeps and runs them."""
    db = tmp_path / "nexus.db"
    with NexusEmulator(db=db, token="tok") as first:
        first.pause()
        provider = NexusProvider(token="tok", url=first.url, store_path=tmp_path / "jobs")
        backend = provider.get_backend("Helios-1E-lite")
        job = backend.run(transpile(ghz(3), backend), shots=50, **FAST)
        job_id = job.job_id()
        port = first.port
    with NexusEmulator(port=port, db=db, token="tok") as second:
        provider = NexusProvider(token="tok", url=second.url, store_path=tmp_path / "jobs")
        counts = provider.retrieve_job(job_id).result(timeout=120).get_counts()
    assert sum(counts.values()) == 50 and set(counts) <= {"000", "111"}


def test_sampler_runs_on_helios(remote: NexusProvider) -> None:
    from qiskit_nexus_provider import NexusSamplerV2

    backend = remote.get_backend("Helios-1E-lite")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    result = NexusSamplerV2(backend).run([transpile(qc, backend)], shots=100).result()
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 100 and set(counts) <= {"00", "11"}


def test_helios_jobs_define_check_and_attach_properties(
    remote: NexusProvider, emulator: NexusEmulator
) -> None:
    """Helios jobs follow the property rules of H-series jobs: the provider's own properties
    are defined before use, ``nexus_properties`` are checked before upload and attached to the
    programs and the job."""
    from qiskit_nexus_provider.api.models import PropertySpec
    from qiskit_nexus_provider.api.properties import create_property_definition

    provider = NexusProvider(
        token=emulator.token,
        url=emulator.url,
        project="helios-props",
        store_path=remote.store_path,
    )
    client = provider.remote.client
    project_id = client.get_or_create_project("helios-props")
    create_property_definition(
        client, project_id, PropertySpec(name="experiment", property_type="string", required=True)
    )
    backend = provider.get_backend("Helios-1E-lite")
    circuit = transpile(bell(), backend)
    programs, jobs = _programs_on_server(provider), emulator.job_count()
    with pytest.raises(OptionsError, match="requires the property 'experiment'"):
        backend.run(circuit, shots=10, **FAST)
    with pytest.raises(OptionsError, match="'other' is not defined"):
        backend.run(circuit, shots=10, nexus_properties={"experiment": "x", "other": 1}, **FAST)
    with pytest.raises(OptionsError, match="requires the property 'experiment'"):
        provider.get_backend("Helios-1").estimate_cost(circuit, shots=10)
    assert (_programs_on_server(provider), emulator.job_count()) == (programs, jobs)

    job = backend.run(circuit, shots=20, nexus_properties={"experiment": "bell"}, **FAST)
    counts = job.result(timeout=120).get_counts()
    assert sum(counts.values()) == 20
    on_server = next(j for j in emulator.jobs() if j["id"] == job.job_id())
    assert on_server["properties"]["experiment"] == "bell"
    [program_id] = job.state["circuit_ids"]
    program = get_qir(client, program_id)
    assert program["properties"]["experiment"] == "bell"
    assert json.loads(program["properties"]["qiskit_header"])["name"] == "bell"
    [(cost, _)] = provider.get_backend("Helios-1").estimate_cost(
        circuit, shots=10, nexus_properties={"experiment": "cost"}
    )
    assert cost > 5
