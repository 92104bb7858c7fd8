"""Execution of one job: circuits through the simulator, or through the compiler.

Execute jobs run in chunks of :data:`CHUNK_SIZE` items; each chunk is one qiskit-aer call per
distinct shot count, and its results are stored in one transaction, so a long job reports
progress, honours cancellation between chunks and can be resumed after a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from qiskit_nexus_provider.emulator.compilation import compile_circuit
from qiskit_nexus_provider.emulator.conversion import (
    CircuitError,
    PreparedCircuit,
    hqc_cost,
)
from qiskit_nexus_provider.emulator.devices import ExecutionTarget, resolve_target
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.lookahead import Entry, Lookahead, prepare_entry
from qiskit_nexus_provider.emulator.qir_runner import execute_qir_chunk
from qiskit_nexus_provider.emulator.simulation import ItemRun, run_batch
from qiskit_nexus_provider.emulator.simulator_process import (
    SimulationInterrupted,
    SimulationProcessError,
    simulate,
)
from qiskit_nexus_provider.emulator.store import ItemOutcome, ItemRow, JobRow, Store, transition

__all__ = ["CHUNK_SIZE", "INJECTED_FAILURE", "run_job"]

logger = logging.getLogger(__name__)

CHUNK_SIZE = 256
"""Number of items simulated together."""

INJECTED_FAILURE = "Injected failure"
"""Error message of jobs failed by the ``fail_next_jobs`` fault."""

_PENDING = ("SUBMITTED", "QUEUED", "RUNNING", "RETRYING")


def _error(item_id: int, status: dict[str, object], message: str) -> ItemOutcome:
    return ItemOutcome(item_id, transition(status, "ERROR", message, cost=0.0))


def run_job(
    store: Store,
    job: JobRow,
    should_stop: Callable[[], bool],
    lookahead: Lookahead | None = None,
) -> None:
    """Run ``job`` (already marked ``RUNNING``) to its final status.

    Args:
        store: The emulator's state.
        job: The job to run.
        should_stop: Returns ``True`` when the emulator shuts down; the job is then left
            ``RUNNING`` so that it is resumed at the next start.
        lookahead: Prepares the next job's first circuits while this one simulates, and holds
            what it prepared for this one (:mod:`.lookahead`).
    """
    try:
        _run(store, job, should_stop, lookahead)
    except Exception as exc:  # keep the worker alive, whatever happens
        logger.exception("job %s failed inside the emulator", job.id)
        store.fail_job(job.id, f"emulator internal error: {exc!r}")


def _run(
    store: Store, job: JobRow, should_stop: Callable[[], bool], lookahead: Lookahead | None
) -> None:
    items = [i for i in store.get_items(job.id) if i.status["status"] in _PENDING]
    if job.inject_failure:
        store.fail_job(job.id, INJECTED_FAILURE)
        return
    try:
        target = resolve_target(job.definition.get("backend_config", {}))
    except ApiError as exc:
        store.fail_job(job.id, exc.message)
        return
    for start in range(0, len(items), CHUNK_SIZE):
        if should_stop():
            return
        status = store.job_status_name(job.id)
        if status is None:  # deleted meanwhile
            return
        if status == "CANCELLING":
            break
        chunk = items[start : start + CHUNK_SIZE]
        try:
            if target.is_helios:  # QIR programs (qir_runner.py)
                outcomes = execute_qir_chunk(store, job, target, chunk, should_stop)
            elif job.job_type == "compile":
                outcomes = _compile_chunk(store, job, target, chunk)
            else:
                outcomes = _execute_chunk(store, job, target, chunk, should_stop, lookahead)
        except SimulationInterrupted:  # the emulator stops: the job resumes at the next start
            return
        if not store.record_outcomes(job.id, outcomes):
            return
    if not should_stop():
        store.finish_job(job.id)


def _execute_chunk(
    store: Store,
    job: JobRow,
    target: ExecutionTarget,
    chunk: Sequence[ItemRow],
    should_stop: Callable[[], bool] = lambda: False,
    lookahead: Lookahead | None = None,
) -> list[ItemOutcome]:
    running = store.mark_items_running(job.id, [i.item_id for i in chunk])
    # Each circuit is decoded and converted once (maybe by the lookahead while the previous
    # job simulated), and its JSON is dropped at once.
    ahead = lookahead.take(job.id) if lookahead is not None else {}
    contents = store.circuit_contents(i.program_id for i in chunk)
    # What the lookahead prepared counts only for circuits that still exist.
    prepared_by_id: dict[str, Entry] = {p: e for p, e in ahead.items() if p in contents}
    valid_check = bool(job.definition.get("valid_check", True))
    outcomes: dict[int, ItemOutcome] = {}
    to_run: list[tuple[ItemRow, PreparedCircuit, float]] = []
    for item in chunk:
        status = running.get(item.item_id, item.status)
        shots = int(item.spec.get("n_shots") or 1)
        entry = prepared_by_id.get(item.program_id)
        if entry is None:
            entry = prepare_entry(contents.get(item.program_id), target, valid_check)
            prepared_by_id[item.program_id] = entry
        if isinstance(entry, str):
            outcomes[item.item_id] = _error(item.item_id, status, entry)
            continue
        prepared, content = entry
        cost = hqc_cost(content, shots) if content is not None else 0.0
        max_cost = item.spec.get("max_cost")
        if max_cost is not None and cost > float(max_cost):
            # Nexus runs no item whose predicted cost exceeds its max_cost (qnexus 0.51 sends
            # max_cost per item); the item fails and the others run.
            outcomes[item.item_id] = _error(
                item.item_id,
                status,
                f"cost {cost:.2f} HQC exceeds the item's max_cost {float(max_cost):g} HQC",
            )
            continue
        to_run.append((item, prepared, cost))
    if lookahead is not None and to_run:
        lookahead.start()  # the next job's first circuits, while these simulate
    runs = _simulate(
        target,
        [p for _, p, _ in to_run],
        [int(item.spec.get("n_shots") or 1) for item, _, _ in to_run],
        store,
        should_stop,
    )
    for (item, _, cost), run in zip(to_run, runs, strict=True):
        status = running.get(item.item_id, item.status)
        if run.result is None:
            outcomes[item.item_id] = _error(item.item_id, status, run.error or "simulation failed")
            continue
        outcomes[item.item_id] = ItemOutcome(
            item.item_id,
            transition(status, "COMPLETED", "Completed", cost=cost),
            result=run.result,
            device_name=target.device.device_name,
            program_id=item.program_id,
        )
    return [outcomes[i.item_id] for i in chunk]


def _simulate(
    target: ExecutionTarget,
    prepared: list[PreparedCircuit],
    shots: list[int],
    owner: Store,
    should_stop: Callable[[], bool],
) -> list[ItemRun]:
    """:func:`.run_batch` in the simulation process (:mod:`.simulator_process`), so that the
    server answers requests meanwhile; a syntax check, which simulates nothing, here.

    Raises:
        SimulationInterrupted: the emulator stops (the chunk is not recorded).
    """
    if not prepared:
        return []
    if target.syntax_check_only:
        return run_batch(target, prepared, shots)
    try:
        runs: list[ItemRun] = simulate(
            "run_batch", target, prepared, shots, owner=owner, should_stop=should_stop
        )
    except SimulationInterrupted:
        raise
    except SimulationProcessError as exc:
        return [ItemRun(error=str(exc)) for _ in prepared]
    return runs


def _compile_chunk(
    store: Store, job: JobRow, target: ExecutionTarget, chunk: Sequence[ItemRow]
) -> list[ItemOutcome]:
    running = store.mark_items_running(job.id, [i.item_id for i in chunk])
    level = int(job.definition.get("optimisation_level", 2) or 0)
    outcomes = []
    for item in chunk:
        status = running.get(item.item_id, item.status)
        circuit = store.get_circuit(item.program_id)
        if circuit is None or circuit.content is None:
            outcomes.append(_error(item.item_id, status, "circuit no longer exists"))
            continue
        try:
            compiled = compile_circuit(circuit.content, target, level)
        except CircuitError as exc:
            outcomes.append(_error(item.item_id, status, str(exc)))
            continue
        compiled_row = store.create_circuit(
            project_id=job.project_id,
            name=f"{circuit.name}-compiled-{target.device.device_name}",
            description=circuit.description,
            properties=circuit.properties,
            content=compiled,
            n_qubits=len(compiled.get("qubits", [])),
        )
        compilation = store.create_compilation(
            job=job, original_circuit_id=circuit.id, compiled_circuit_id=compiled_row.id
        )
        outcomes.append(
            ItemOutcome(
                item.item_id,
                transition(status, "COMPLETED", "Compiled", cost=0.0),
                compilation_id=compilation.id,
            )
        )
    return outcomes
