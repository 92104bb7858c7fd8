"""The provider follows the rules the real Nexus enforces (and the emulator with it).

Sources: the Nexus user guide (properties defined before use; 300 circuits per job).
"""

from __future__ import annotations

import pytest
from e2e_circuits import encode_index, expected_key
from qiskit import transpile

from qiskit_nexus_provider import NexusCompositeJob, NexusProvider
from qiskit_nexus_provider.api.properties import ProjectProperties
from qiskit_nexus_provider.backends.remote import PROVIDER_PROPERTIES
from qiskit_nexus_provider.exceptions import OptionsError

FAST = {"poll_interval": 0.02, "poll_max_interval": 0.2}


def _project_definitions(emu, project_id: str) -> dict[str, dict]:
    return {d["name"]: d for d in emu.property_definitions() if d["project_id"] == project_id}


def test_301_circuits_become_two_sub_jobs_of_300_and_1(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    assert backend.max_circuits == 300
    circuits = transpile([encode_index(i, 9) for i in range(301)], backend)
    before = {j["id"] for j in emu.jobs()}
    # Even a larger max_circuits_per_job cannot exceed the service's hard limit; it says so.
    with pytest.warns(UserWarning, match=r"max_circuits_per_job=1000 is above the 300 circuits"):
        job = backend.run(circuits, shots=1, max_circuits_per_job=1000, **FAST)
    assert isinstance(job, NexusCompositeJob)
    result = job.result(timeout=300)
    assert [result.get_counts(i) for i in (0, 299, 300)] == [
        {expected_key(i, 9): 1} for i in (0, 299, 300)
    ]
    new = [j for j in emu.jobs() if j["id"] not in before]
    assert sorted(j["n_items"] for j in new) == [1, 300]


def test_provider_defines_its_properties_once_per_project(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    circuit = transpile(encode_index(1, 2), backend)
    backend.run(circuit, shots=3, **FAST).result(timeout=60)
    project_id = remote.remote.project_id()
    defined = _project_definitions(emu, project_id)
    for spec in PROVIDER_PROPERTIES:
        assert defined[spec.name]["property_type"] == spec.property_type
        assert defined[spec.name]["description"]
    count = len(emu.property_definitions())
    # A second provider on the same project (another process) reads them and creates nothing.
    other = NexusProvider(
        token=emu.token, url=emu.url, project=remote.project, store_path=remote.store_path
    )
    other.get_backend("aer_simulator").run(circuit, shots=3, **FAST).result(timeout=60)
    assert len(emu.property_definitions()) == count


def test_concurrent_definers_both_succeed(remote: NexusProvider, emu) -> None:
    import threading

    client = remote.remote.client
    project_id = client.get_or_create_project("concurrent-definitions")
    definers = [ProjectProperties(client, project_id, "concurrent-definitions") for _ in range(2)]
    for definer in definers:
        definer.definitions()  # both read the empty project before either creates anything
    start = threading.Barrier(len(definers))
    errors: list[BaseException] = []

    def define(definer: ProjectProperties) -> None:
        start.wait()
        try:
            definer.ensure(PROVIDER_PROPERTIES)  # the loser of each race gets 409: not an error
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=define, args=(d,)) for d in definers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    names = [d["name"] for d in emu.property_definitions() if d["project_id"] == project_id]
    assert sorted(names) == sorted(s.name for s in PROVIDER_PROPERTIES)  # each defined once
    # Even when every create is refused as a duplicate, a definer that read stale state succeeds.
    stale = ProjectProperties(client, project_id, "concurrent-definitions")
    stale._definitions = {}
    stale.ensure(PROVIDER_PROPERTIES)


def test_undefined_nexus_property_is_refused_before_upload(remote: NexusProvider, emu) -> None:
    backend = remote.get_backend("aer_simulator")
    circuit = transpile(encode_index(1, 2), backend)
    remote.remote.project_id()
    circuits, jobs = emu.circuit_count(), emu.job_count()
    with pytest.raises(OptionsError, match=r"'experiment' is not defined in Nexus project 'e2e'"):
        backend.run(circuit, nexus_properties={"experiment": "vqe-7"})
    assert (emu.circuit_count(), emu.job_count()) == (circuits, jobs)


def test_required_property_must_be_given_and_is_attached(remote: NexusProvider, emu) -> None:
    provider = NexusProvider(
        token=emu.token, url=emu.url, project="required-props", store_path=remote.store_path
    )
    client = provider.remote.client
    project_id = client.get_or_create_project("required-props")
    from qiskit_nexus_provider.api.models import PropertySpec
    from qiskit_nexus_provider.api.properties import create_property_definition

    create_property_definition(
        client, project_id, PropertySpec(name="experiment", property_type="string", required=True)
    )
    create_property_definition(
        client, project_id, PropertySpec(name="iteration", property_type="int")
    )
    backend = provider.get_backend("aer_simulator")
    circuit = transpile(encode_index(2, 2), backend)
    jobs = emu.job_count()
    with pytest.raises(OptionsError, match="requires the property 'experiment'"):
        backend.run(circuit)
    with pytest.raises(OptionsError, match=r"'iteration' .* is of type int; got string"):
        backend.run(circuit, nexus_properties={"experiment": "x", "iteration": "7"})
    assert emu.job_count() == jobs
    job = backend.run(circuit, shots=5, nexus_properties={"experiment": "vqe-7", "iteration": 3})
    assert job.result(timeout=60).get_counts() == {expected_key(2, 2): 5}
    on_server = next(j for j in emu.jobs() if j["id"] == job.job_id())
    assert on_server["properties"]["experiment"] == "vqe-7"
    assert on_server["properties"]["iteration"] == 3
    # The header property survives: the job is rebuilt from the server alone.
    retrieved = provider.retrieve_job(job.job_id())
    assert retrieved.result().get_counts() == {expected_key(2, 2): 5}


def test_a_property_made_required_later_is_named_before_any_upload(
    remote: NexusProvider, emu
) -> None:
    """The definitions are read once for ``run()``'s checks, but each submission reads them
    again: a property another client made required since is named, and nothing is uploaded."""
    from qiskit_nexus_provider.api.models import PropertySpec
    from qiskit_nexus_provider.api.properties import create_property_definition

    provider = NexusProvider(
        token=emu.token, url=emu.url, project="required-later", store_path=remote.store_path
    )
    backend = provider.get_backend("aer_simulator")
    circuit = transpile(encode_index(1, 2), backend)
    assert backend.run(circuit, shots=2, **FAST).result(timeout=60).get_counts() == {
        expected_key(1, 2): 2
    }
    other = NexusProvider(token=emu.token, url=emu.url, project="required-later")
    client = other.remote.client
    create_property_definition(
        client,
        client.get_or_create_project("required-later"),
        PropertySpec(name="campaign", property_type="string", required=True),
    )
    circuits, jobs = emu.circuit_count(), emu.job_count()
    with pytest.raises(OptionsError, match="requires the property 'campaign'"):
        backend.run(circuit, shots=2, **FAST).result(timeout=60)
    assert (emu.circuit_count(), emu.job_count()) == (circuits, jobs)
    job = backend.run(circuit, shots=2, nexus_properties={"campaign": "c1"}, **FAST)
    assert job.result(timeout=60).get_counts() == {expected_key(1, 2): 2}


def test_every_backend_config_the_provider_sends_parses_with_quantinuum_schemas(
    remote: NexusProvider,
) -> None:
    from pydantic import TypeAdapter
    from quantinuum_schemas.models.backend_config import BackendConfig

    from qiskit_nexus_provider.api.client import NexusClient
    from qiskit_nexus_provider.options import NexusOptions

    adapter = TypeAdapter(BackendConfig)
    backends = [b for b in remote.backends() if b.name not in ("offline_simulator_no_noise",)]
    remote_backends = [b for b in backends if hasattr(b, "backend_config")]
    assert {b.name for b in remote_backends} >= {"aer_simulator", "qulacs", "H2-2E", "H1-1LE"}
    sent_types = set()
    for backend in remote_backends:
        for options in (NexusOptions(), NexusOptions(seed_simulator=5, max_cost=4.5)):
            model = backend.backend_config(options)
            for exclude_none in (True, False):  # execute and compile jobs
                wire = NexusClient._backend_config(model, exclude_none=exclude_none)
                parsed = adapter.validate_python(wire)
                assert type(parsed) is type(model)
                sent_types.add(wire["type"])
                assert "max_cost" not in wire or wire["max_cost"] is None  # per item now
    assert sent_types == {"AerConfig", "QuantinuumConfig", "QulacsConfig", "HeliosConfig"}


def test_devices_the_provider_cannot_run_are_not_listed_and_refused_with_why(
    remote: NexusProvider,
) -> None:
    from qiskit.providers import QiskitBackendNotFoundError

    from qiskit_nexus_provider.backends.helios import HeliosBackend

    backends = {b.name: b for b in remote.backends()}
    names = set(backends)
    assert {"H2-2", "H2-2E", "H2-2SC", "H1-1LE", "qulacs"} <= names
    assert not names & {"aer_simulator_statevector", "aer_simulator_unitary"}
    # Helios systems run through QIR (issue 14): listed, as HeliosBackend objects.
    for name in ("Helios-1", "Helios-1E-lite", "Helios-1SC"):
        assert isinstance(backends[name], HeliosBackend)
        assert isinstance(remote.get_backend(name), HeliosBackend)
    assert not any(isinstance(b, HeliosBackend) for n, b in backends.items() if "Helios" not in n)
    with pytest.raises(QiskitBackendNotFoundError, match=r"state-vector simulator.*no counts"):
        remote.get_backend("aer_simulator_statevector")
    with pytest.raises(QiskitBackendNotFoundError, match=r"unitary simulator.*no counts"):
        remote.get_backend("aer_simulator_unitary")


def test_qulacs_and_new_h_series_devices_run(remote: NexusProvider) -> None:
    for name in ("qulacs", "H2-2E", "H1-1LE"):
        backend = remote.get_backend(name)
        circuit = transpile(encode_index(5, 3), backend)
        seed = {"seed_simulator": 1} if name == "qulacs" else {}  # H-series configs take none
        counts = backend.run(circuit, shots=20, **seed, **FAST).result().get_counts()
        assert max(counts, key=counts.get) == expected_key(5, 3), name


def test_max_cost_is_enforced_per_item(remote: NexusProvider, emu) -> None:
    from qiskit.providers import JobStatus

    backend = remote.get_backend("H1-1E")
    circuit = transpile(encode_index(3, 2), backend)
    job = backend.run(circuit, shots=10, max_cost=3.0, **FAST)
    job.wait_for_final_state(timeout=60)
    assert job.status() is JobStatus.ERROR
    assert "exceeds the item's max_cost 3 HQC" in (job.error_message() or "")
    assert "cost 5.0" in (job.error_message() or "")
    ok = backend.run(circuit, shots=10, max_cost=50.0, **FAST)
    assert sum(ok.result(timeout=60).get_counts().values()) == 10


def test_another_users_job_is_403_and_their_projects_are_invisible(
    remote: NexusProvider, emu, tmp_path
) -> None:
    from qiskit_nexus_provider.api.errors import PermissionDeniedError

    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile(encode_index(1, 2), backend), shots=4, **FAST)
    job.result(timeout=60)
    other = NexusProvider(
        token=emu.add_user(), url=emu.url, project=remote.project, store_path=tmp_path / "other"
    )
    with pytest.raises(PermissionDeniedError, match="belongs to another user") as caught:
        other.retrieve_job(job.job_id())
    assert caught.value.status_code == 403
    client = other.remote.client
    with pytest.raises(PermissionDeniedError):
        client.get_job_status(job.job_id())
    assert list(client.list_jobs()) == []  # listings show only the user's own projects
    # The same project name is another project for the other user; its jobs run there.
    assert other.remote.project_id() != remote.remote.project_id()
    mine = other.get_backend("aer_simulator").run(
        transpile(encode_index(2, 2), backend), shots=3, **FAST
    )
    assert mine.result(timeout=60).get_counts() == {expected_key(2, 2): 3}
    with pytest.raises(PermissionDeniedError):
        remote.retrieve_job(mine.job_id())


def test_deleted_job_and_purged_results_are_410(remote: NexusProvider, emu, tmp_path) -> None:
    from qiskit_nexus_provider import JobNotFoundError
    from qiskit_nexus_provider.api.errors import DataGoneError

    backend = remote.get_backend("aer_simulator")
    circuit = transpile(encode_index(3, 2), backend)
    purged = backend.run(circuit, shots=4, **FAST)
    purged.result(timeout=60)
    assert emu.purge_results(purged.job_id()) == 1
    fresh = NexusProvider(
        token=emu.token, url=emu.url, project=remote.project, store_path=tmp_path / "fresh"
    )
    retrieved = fresh.retrieve_job(purged.job_id())  # the job is still there...
    with pytest.raises(DataGoneError, match="was purged") as caught:
        retrieved.result(timeout=60)  # ...its results are gone
    assert caught.value.status_code == 410

    deleted = backend.run(circuit, shots=4, **FAST)
    deleted.result(timeout=60)
    remote.remote.client.delete_job(deleted.job_id())
    with pytest.raises(JobNotFoundError, match="HTTP 410"):
        fresh.retrieve_job(deleted.job_id())
    with pytest.raises(JobNotFoundError, match="HTTP 404"):
        fresh.retrieve_job("00000000-0000-0000-0000-000000000000")


def test_remote_results_carry_date_and_time_taken_from_the_job(remote: NexusProvider) -> None:
    import datetime as dt

    backend = remote.get_backend("aer_simulator")
    job = backend.run(transpile(encode_index(1, 2), backend), shots=4, **FAST)
    result = job.result(timeout=60)
    status = remote.remote.client.get_job_status(job.job_id())
    assert status.completed_time is not None and status.running_time is not None
    assert dt.datetime.fromisoformat(result.date) == status.completed_time
    expected = (status.completed_time - status.running_time).total_seconds()
    assert result.time_taken == pytest.approx(expected)
    assert result.to_dict()["time_taken"] == pytest.approx(expected)
    # Retrieved from the server alone, the result carries the same figures.
    again = remote.retrieve_job(job.job_id()).result(timeout=60)
    assert (again.date, again.time_taken) == (result.date, result.time_taken)
