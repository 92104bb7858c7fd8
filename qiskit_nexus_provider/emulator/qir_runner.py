"""Helios jobs in the emulator (issue 14): checks at submission, execution of QIR items.

Rules enforced at submission (as the real service does, ``nexus_api.md`` §9): a Helios job
runs QIR programs only (a pytket circuit id is refused), only as an execute job, and every item
on the QPU (``Helios-1``) needs its ``max_cost``.  The rules of every job apply too
(``routes/jobs.py``): at most 300 items, defined properties, the user's own project and programs
(403 otherwise), 10000 shots per item.  Emulators and the syntax checker accept items
without one.

Execution: each item's stored QIR is decoded from base64, translated and run
(:mod:`~qiskit_nexus_provider.emulator.qir_program`); the syntax checker (``Helios-1SC``)
returns all-zero outputs, a cost prediction and a ``cost_confidence``.  A program whose
predicted cost exceeds its item's ``max_cost`` ends in ERROR without running.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence

from qiskit_nexus_provider.emulator.access import missing, require_project_of
from qiskit_nexus_provider.emulator.devices import ExecutionTarget, simulation_limit_message
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.qir_program import QirError, output_text, translate
from qiskit_nexus_provider.emulator.schemas import JobItemSpec
from qiskit_nexus_provider.emulator.simulator_process import (
    SimulationInterrupted,
    SimulationProcessError,
    simulate,
)
from qiskit_nexus_provider.emulator.store import (
    CircuitRow,
    ItemOutcome,
    ItemRow,
    JobRow,
    Store,
    transition,
)

__all__ = ["COST_CONFIDENCE_BRANCHING", "check_helios_job", "execute_qir_chunk"]

COST_CONFIDENCE_BRANCHING = 0.9
"""``cost_confidence`` of a program with conditional branches (its cost depends on outcomes;
the prediction assumes every branch is taken); straight-line programs get 1.0."""


def check_helios_job(
    store: Store, user: str, items: Sequence[JobItemSpec], target: ExecutionTarget, execute: bool
) -> dict[str, CircuitRow]:
    """The QIR programs of a Helios job, after checking its items.

    Raises:
        ApiError: 400 for a compile job, a pytket circuit among the programs, or a QPU item
            without ``max_cost``; 403 for another user's program; 404 (410 if deleted) for an
            unknown one.
    """
    device = target.device.device_name
    if not execute:
        raise ApiError(400, f"{device} runs QIR programs; they are not compiled by Nexus")
    programs = store.get_qirs([item.program_id for item in items])
    for index, item in enumerate(items):
        program = programs.get(item.program_id)
        if program is None:
            if store.get_circuit(item.program_id, with_content=False) is not None:
                raise ApiError(
                    400,
                    f"items[{index}]: {item.program_id} is a pytket circuit; {device} is a "
                    "Helios system, which runs QIR or HUGR programs (upload it to "
                    "/api/qir/v1beta)",
                )
            raise missing(store, f"items[{index}]: QIR program", item.program_id)
        require_project_of(store, user, "QIR program", item.program_id, program.project_id)
        if target.device.kind == "hardware" and item.max_cost is None:
            raise ApiError(
                400,
                f"items[{index}]: max_cost is required on {device}; the syntax checker "
                f"{device}SC predicts it",
            )
    return programs


def execute_qir_chunk(
    store: Store,
    job: JobRow,
    target: ExecutionTarget,
    chunk: Sequence[ItemRow],
    should_stop: Callable[[], bool] = lambda: False,
) -> list[ItemOutcome]:
    """Run the QIR items of ``chunk``; one outcome per item, in order.

    Raises:
        SimulationInterrupted: the emulator stops (the chunk is not recorded).
    """
    running = store.mark_items_running(job.id, [i.item_id for i in chunk])
    outcomes = []
    for item in chunk:
        status = running.get(item.item_id, item.status)
        shots = int(item.spec.get("n_shots") or 1)
        row = store.get_qir(item.program_id)
        if row is None or row.content is None:
            outcomes.append(
                ItemOutcome(
                    item.item_id,
                    transition(status, "ERROR", "QIR program no longer exists", cost=0.0),
                )
            )
            continue
        try:
            program = translate(base64.b64decode(row.content["contents"]))
            if program.n_qubits > target.max_qubits:
                raise QirError(
                    "the program "
                    + simulation_limit_message(target.device, program.n_qubits, target.max_qubits)
                )
            cost = program.hqc_cost(shots)
            max_cost = item.spec.get("max_cost")
            if max_cost is not None and cost > float(max_cost):
                raise QirError(
                    f"predicted cost {cost:.2f} HQC exceeds the item's max_cost "
                    f"{float(max_cost):g} HQC"
                )
            if target.syntax_check_only:
                text = output_text(program, None, shots)
            else:
                text = simulate("run_program", program, shots, owner=store, should_stop=should_stop)
        except SimulationInterrupted:
            raise
        except (QirError, SimulationProcessError) as exc:
            outcomes.append(
                ItemOutcome(item.item_id, transition(status, "ERROR", str(exc), cost=0.0))
            )
            continue
        final = transition(status, "COMPLETED", "Completed", cost=cost)
        final["cost_confidence"] = COST_CONFIDENCE_BRANCHING if program.has_branches else 1.0
        outcomes.append(
            ItemOutcome(
                item.item_id,
                final,
                result={"result_type": "QSYS", "results": text},
                device_name=target.device.device_name,
                program_id=item.program_id,
            )
        )
    return outcomes
