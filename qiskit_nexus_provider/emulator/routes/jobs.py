"""Jobs: ``/api/jobs/v1beta3`` (execute and compile jobs, status, cancel, retry, delete)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response

from qiskit_nexus_provider.emulator.access import require_job, require_project, require_project_of
from qiskit_nexus_provider.emulator.conversion import CircuitError
from qiskit_nexus_provider.emulator.devices import (
    MAX_SIMULATED_QUBITS,
    ExecutionTarget,
    device_width_message,
    resolve_target,
    simulation_limit_message,
)
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.jsonio import json_response
from qiskit_nexus_provider.emulator.properties import check_filter_properties, check_properties
from qiskit_nexus_provider.emulator.qir_runner import check_helios_job
from qiskit_nexus_provider.emulator.query import ListQuery
from qiskit_nexus_provider.emulator.routes.deps import (
    ERROR_RESPONSES,
    Context,
    User,
    job_query,
    require_auth,
)
from qiskit_nexus_provider.emulator.schemas import JobCreateBody, JobItemSpec, RetryBody
from qiskit_nexus_provider.emulator.serialize import included_projects, job_resource
from qiskit_nexus_provider.emulator.simulation import aer_noise_model
from qiskit_nexus_provider.emulator.store import CircuitRow, JobRow

__all__ = ["router"]

router = APIRouter(
    prefix="/api/jobs/v1beta3",
    tags=["jobs"],
    dependencies=[Depends(require_auth)],
    responses=ERROR_RESPONSES,
)
Query = Annotated[ListQuery, Depends(job_query)]

MAX_JOB_ITEMS = 300
"""Programs per job: the Nexus user guide's hard limit ("Jobs in Nexus", circuit batching)."""
MAX_SHOTS_QUANTINUUM = 10_000
MAX_SHOTS_AER = 1_000_000


def _check_items(
    context: Context,
    user: str,
    items: list[JobItemSpec],
    circuits: dict[str, CircuitRow],
    target: ExecutionTarget,
    execute: bool,
) -> None:
    quantinuum = target.is_quantinuum or target.is_helios
    max_shots = MAX_SHOTS_QUANTINUUM if quantinuum else MAX_SHOTS_AER
    for index, item in enumerate(items):
        circuit = circuits.get(item.program_id)
        if circuit is None:
            raise ApiError(404, f"items[{index}]: circuit {item.program_id} not found")
        # A job may only run circuits its user may read (403 otherwise, as for a GET).
        require_project_of(context.store, user, "circuit", item.program_id, circuit.project_id)
        if execute:
            if item.n_shots is None:
                raise ApiError(400, f"items[{index}]: n_shots is required for circuits")
            if item.n_shots > max_shots:
                raise ApiError(
                    400,
                    f"items[{index}]: n_shots {item.n_shots} exceeds the maximum {max_shots} of "
                    f"{target.device.device_name}",
                )
        if circuit.n_qubits > target.device.n_qubits:
            why = device_width_message(target.device, circuit.n_qubits)
            raise ApiError(400, f"items[{index}]: circuit {circuit.name!r} {why}")
        if execute and not target.syntax_check_only and circuit.n_qubits > target.max_qubits:
            if target.max_qubits < min(target.device.n_qubits, MAX_SIMULATED_QUBITS):
                why = (  # an AerConfig asking for fewer qubits than the emulator simulates
                    f"uses {circuit.n_qubits} qubits; backend_config.n_qubits is "
                    f"{target.max_qubits}"
                )
            else:
                why = simulation_limit_message(target.device, circuit.n_qubits, target.max_qubits)
            raise ApiError(400, f"items[{index}]: circuit {circuit.name!r} {why}")


def _job_document(context: Context, job: JobRow) -> dict[str, Any]:
    items = context.store.get_items(job.id)
    projects = context.store.get_projects([job.project_id])
    return {
        "data": job_resource(job, items),
        "included": included_projects(projects, [job.project_id]),
    }


def _get_job(context: Context, user: str, job_id: str) -> JobRow:
    return require_job(context.store, user, job_id)


@router.post("", status_code=202, response_model=dict[str, Any])
async def create_job(context: Context, user: User, body: JobCreateBody) -> Response:
    """Submit an execute or compile job; it starts ``SUBMITTED`` and runs in the background."""
    attrs = body.data.attributes
    definition = attrs.definition
    execute = attrs.job_type == "execute"
    expected = "execute_job_definition" if execute else "compile_job_definition"
    if definition.job_definition_type != expected:
        raise ApiError(400, f"a {attrs.job_type} job needs job_definition_type {expected!r}")
    if len(definition.items) > MAX_JOB_ITEMS:
        raise ApiError(
            400,
            f"a job holds at most {MAX_JOB_ITEMS} programs; this one has "
            f"{len(definition.items)} (split it into several jobs)",
        )
    project_id = body.data.relationships.project.data.id
    require_project(context.store, user, project_id)
    check_properties(context.store, project_id, attrs.properties, "job")
    target = resolve_target(definition.backend_config)
    if target.aer_noise_model is not None:
        try:
            aer_noise_model(target.aer_noise_model)
        except CircuitError as exc:
            raise ApiError(400, f"backend_config.{exc}") from None
    if target.is_helios:  # Helios runs QIR programs (emulator/qir_runner.py)
        circuits = check_helios_job(context.store, user, definition.items, target, execute)
    else:
        circuits = context.store.get_circuits(
            [item.program_id for item in definition.items], with_content=False
        )
    _check_items(context, user, definition.items, circuits, target, execute)
    stored_definition = definition.model_dump(mode="json", exclude={"items"}, exclude_unset=True)
    items = [item.model_dump(mode="json", exclude_none=True) for item in definition.items]
    job = context.store.create_job(
        project_id=project_id,
        name=attrs.name,
        description=attrs.description,
        properties=dict(attrs.properties),
        job_type=attrs.job_type,
        definition=stored_definition,
        items=items,
        inject_failure=execute and context.faults.take_job_failure(),
    )
    context.worker.notify()
    return json_response(_job_document(context, job), 202)


@router.get("", response_model=dict[str, Any])
async def list_jobs(context: Context, query: Query) -> Response:
    """A page of jobs (with items), their projects in ``included``."""
    check_filter_properties(context.store, query, query.project_ids)
    page, _ = context.store.list_jobs(query)
    projects = context.store.get_projects(j.project_id for j in page)
    return json_response(
        {
            "data": [job_resource(j, context.store.get_items(j.id)) for j in page],
            "included": included_projects(projects, [j.project_id for j in page]),
        }
    )


@router.get("/meta/count")
async def count_jobs(context: Context, query: Query) -> dict[str, int]:
    """Number of jobs matching the filters."""
    check_filter_properties(context.store, query, query.project_ids)
    return {"count": context.store.list_jobs(query)[1]}


@router.get("/{job_id}", response_model=dict[str, Any])
async def get_job(context: Context, user: User, job_id: str) -> Response:
    """One job with its items, ``relationships.programs`` and its project in ``included``."""
    return json_response(_job_document(context, _get_job(context, user, job_id)))


@router.get("/{job_id}/attributes/status")
async def get_job_status(context: Context, user: User, job_id: str) -> dict[str, Any]:
    """The job's status as a flat JobStatus dictionary."""
    return _get_job(context, user, job_id).status


@router.post("/{job_id}/rpc/cancel", status_code=202)
async def cancel_job(
    context: Context,
    user: User,
    job_id: str,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    """Cancel a job (no effect on a finished job)."""
    _get_job(context, user, job_id)
    context.store.cancel_job(job_id)
    return {}


@router.post("/{job_id}/rpc/retry", status_code=202)
async def retry_job(
    context: Context, user: User, job_id: str, body: Annotated[RetryBody | None, Body()] = None
) -> dict[str, Any]:
    """Run a finished job again from scratch (``FULL_RESTART``); by default only ``ERROR`` jobs."""
    _get_job(context, user, job_id)
    statuses = [s.value for s in (body.retry_status if body and body.retry_status else [])]
    context.store.retry_job(job_id, statuses or ["ERROR"])
    context.worker.notify()
    return {}


@router.delete("/{job_id}", status_code=204, response_class=Response)
async def delete_job(context: Context, user: User, job_id: str) -> Response:
    """Delete a job, its results and compilation records (reading them then answers 410)."""
    _get_job(context, user, job_id)
    context.store.delete_job(job_id)
    return Response(status_code=204)
