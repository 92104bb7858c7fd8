"""Results and compilations: ``/api/results/v1beta3``, ``/api/compilations/v1beta3``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from qiskit_nexus_provider.emulator.access import missing, require_project_of
from qiskit_nexus_provider.emulator.context import EmulatorContext
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.jsonio import raw_json_response
from qiskit_nexus_provider.emulator.routes.deps import (
    ERROR_RESPONSES,
    Context,
    User,
    require_auth,
)
from qiskit_nexus_provider.emulator.serialize import (
    compilation_resource,
    included_projects,
    result_document_bytes,
)

__all__ = ["result_document", "router"]

router = APIRouter(dependencies=[Depends(require_auth)], responses=ERROR_RESPONSES)


@router.get("/api/results/v1beta3/{result_id}", tags=["results"], response_model=dict[str, Any])
async def get_result(context: Context, user: User, result_id: str) -> Response:
    """A pytket ``BackendResult`` dictionary, with the device's ``backend_snapshot`` included."""
    return raw_json_response(result_document(context, user, result_id))


def result_document(context: EmulatorContext, user: str, result_id: str) -> bytes:
    """The JSON answer of ``GET /api/results/v1beta3/{result_id}`` for an authenticated
    ``user`` (also served by :mod:`.hot_routes`).

    Raises:
        ApiError: 404 (no such result, or a QSYS result) or 403 (another user's).
    """
    found = context.store.get_result_text(result_id)
    if found is None:
        raise missing(context.store, "result", result_id)
    job = context.store.get_job(found[0].job_id)
    if job is not None:
        require_project_of(context.store, user, "result", result_id, job.project_id)
    if '"result_type":"QSYS"' in found[1]:  # a QIR item's: /api/qsys_results (routes/qir.py)
        raise ApiError(
            404, f"result {result_id} is a QSYS result: /api/qsys_results/v1beta2/partial serves it"
        )
    return result_document_bytes(*found)


@router.get("/api/compilations/v1beta3/{compilation_id}", tags=["compilations"])
async def get_compilation(context: Context, user: User, compilation_id: str) -> dict[str, Any]:
    """A compilation record linking the original and the compiled circuit."""
    compilation = context.store.get_compilation(compilation_id)
    if compilation is None:
        raise missing(context.store, "compilation", compilation_id)
    require_project_of(context.store, user, "compilation", compilation_id, compilation.project_id)
    projects = context.store.get_projects([compilation.project_id])
    return {
        "data": compilation_resource(compilation),
        "included": included_projects(projects, [compilation.project_id]),
    }


@router.get("/api/compilation_passes/v1beta2", tags=["compilations"])
async def list_compilation_passes(
    compilation_id: Annotated[str | None, Query(alias="filter[compilation][id]")] = None,
) -> dict[str, Any]:
    """Intermediate compilation passes: never stored by the emulator, so always empty."""
    return {"data": [], "included": []}
