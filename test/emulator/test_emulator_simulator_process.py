"""Simulations run in a process of their own: the server answers while a job simulates, and a
simulation process that dies fails its job's items without taking the emulator down."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from emulator_support import Api
from pytket import Circuit

from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.emulator import simulator_process as sp

NOISY = {"type": "QuantinuumConfig", "device_name": "H2-1E"}


def entangling(n_qubits: int) -> Circuit:
    """A native H-series circuit whose noisy simulation takes a while (about 1 s on 2 cores)."""
    circuit = Circuit(n_qubits, n_qubits)
    for layer in range(4):
        for q in range(n_qubits):
            circuit.PhasedX(0.5, 0.1 * (q + layer), q)
        for q in range(layer % 2, n_qubits - 1, 2):
            circuit.ZZPhase(0.3, q, q + 1)
    return circuit.measure_all()


def observe_running(api: Api, job_id: str, times: int) -> int:
    """Query the job's status until it has been seen RUNNING ``times`` times; the count seen.

    Before, the server answered no request while qiskit-aer ran (it holds the interpreter
    lock), so a query sent during the simulation was answered when the job was COMPLETED.
    """
    seen, event = 0, threading.Event()
    while seen < times:
        status = api.status(job_id)["status"]
        if status == "RUNNING":
            seen += 1
        elif status not in ("SUBMITTED", "QUEUED"):
            return seen
        else:
            event.wait(0.005)
    return seen


def test_the_server_answers_while_a_job_simulates(api: Api, emulator: NexusEmulator) -> None:
    project = api.project()
    circuit_id = api.circuit(project, entangling(14), name="slow")
    job_id = api.submit(project, [circuit_id], NOISY, shots=100)["data"]["id"]
    assert observe_running(api, job_id, 5) == 5
    assert emulator.wait_idle(300)
    assert api.status(job_id)["status"] == "COMPLETED"


def test_a_simulation_process_that_dies_fails_its_items_and_the_next_job_runs(
    api: Api, emulator: NexusEmulator
) -> None:
    project = api.project()
    slow = api.circuit(project, entangling(14), name="slow")
    job_id = api.submit(project, [slow], NOISY, shots=100)["data"]["id"]
    assert observe_running(api, job_id, 1) == 1
    child: Any = sp._child
    assert child is not None
    child.process.kill()  # as the kernel's out-of-memory killer would
    assert emulator.wait_idle(300)
    job = api.job(job_id)
    assert job["data"]["attributes"]["status"]["status"] == "ERROR"
    item = job["data"]["attributes"]["definition"]["items"][0]
    assert "simulation process died" in item["status"]["message"]
    quick = api.circuit(project, entangling(2), name="quick")
    after = api.run(project, [quick], NOISY, shots=10)
    assert after["data"]["attributes"]["status"]["status"] == "COMPLETED"


def test_stopping_the_emulator_ends_its_simulation(api: Api, emulator: NexusEmulator) -> None:
    """Before: stop() waited 30 s for the simulation, then abandoned the worker, which wrote to
    the closed database when the simulation ended (and the interpreter's exit waited for it)."""
    project = api.project()
    long = api.circuit(project, entangling(18), name="long")  # minutes on a noisy simulator
    job_id = api.submit(project, [long], NOISY, shots=300)["data"]["id"]
    assert observe_running(api, job_id, 1) == 1
    worker = emulator._ctx.worker
    emulator.stop()
    assert worker._thread is not None and not worker._thread.is_alive()


def test_the_next_job_is_prepared_while_one_simulates_and_stays_queued(
    api: Api, emulator: NexusEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookahead reads and translates the next job's circuits during a simulation (the
    simulation process waited 0.19 s for that per 1000 circuits before), leaving the job queued
    and its items untouched; the job then runs on what was prepared."""
    from qiskit_nexus_provider.emulator.lookahead import Lookahead

    seen: list[tuple[str, str, list[str]]] = []
    taken: dict[str, int] = {}
    run, take = Lookahead._run, Lookahead.take

    def run_and_look(self: Lookahead) -> None:
        run(self)
        job_id = self._job_id
        if job_id is not None:
            job = emulator._ctx.store.get_job(job_id)
            items = emulator._ctx.store.get_items(job_id)
            assert job is not None
            seen.append((job_id, job.status_name, [i.status["status"] for i in items]))

    def take_and_count(self: Lookahead, job_id: str) -> Any:
        entries = take(self, job_id)
        taken[job_id] = taken.get(job_id, 0) + len(entries)
        return entries

    monkeypatch.setattr(Lookahead, "_run", run_and_look)
    monkeypatch.setattr(Lookahead, "take", take_and_count)
    project = api.project()
    slow = api.circuit(project, entangling(14), name="slow")
    quick = api.circuit(project, entangling(3), name="quick")
    first = api.submit(project, [slow], NOISY, shots=100)["data"]["id"]
    assert observe_running(api, first, 1) == 1
    second = api.submit(project, [quick, quick], NOISY, shots=10)["data"]["id"]
    assert emulator.wait_idle(300)
    assert [s[0] for s in seen] == [second]
    assert seen[0][1] in ("SUBMITTED", "QUEUED")  # prepared, not started
    assert all(status in ("SUBMITTED", "QUEUED") for status in seen[0][2])
    assert taken[second] == 1  # one program, prepared once, used by the job
    job = api.job(second)["data"]["attributes"]
    assert job["status"]["status"] == "COMPLETED"
    for item in job["definition"]["items"]:
        shots = api.result(item["result_id"])["data"]["attributes"]["shots"]
        assert len(shots["array"]) == 10


def test_a_circuit_deleted_after_the_lookahead_prepared_it_is_not_run(
    api: Api, emulator: NexusEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the lookahead prepared counts only for circuits that still exist when the job runs
    (the adversary review ran a deleted circuit)."""
    from qiskit_nexus_provider.emulator.lookahead import Lookahead

    prepared = threading.Event()
    run = Lookahead._run

    def run_and_tell(self: Lookahead) -> None:
        run(self)
        if self._job_id is not None:
            prepared.set()

    monkeypatch.setattr(Lookahead, "_run", run_and_tell)
    elsewhere, project = api.project("elsewhere"), api.project()
    doomed = api.circuit(elsewhere, entangling(2), name="doomed")
    slow = api.circuit(project, entangling(14), name="slow")
    first = api.submit(project, [slow], NOISY, shots=100)["data"]["id"]
    assert observe_running(api, first, 1) == 1
    waiting = api.submit(project, [doomed], NOISY, shots=10)["data"]["id"]
    assert prepared.wait(120)
    body = {
        "data": {
            "attributes": {"name": "gone", "description": None, "archived": True},
            "relationships": {},
            "type": "project",
        }
    }
    assert api.client.patch(f"/api/projects/v1beta2/{elsewhere}", json=body).status_code == 200
    assert api.client.delete(f"/api/projects/v1beta2/{elsewhere}").status_code == 204
    assert emulator.wait_idle(300)
    item = api.job(waiting)["data"]["attributes"]["definition"]["items"][0]
    assert item["status"]["status"] == "ERROR"
    assert "circuit no longer exists" in item["status"]["message"]
