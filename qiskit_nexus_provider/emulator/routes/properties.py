"""Property definitions: ``/api/property_definitions/v1beta2`` (per project, §9 of the notes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from qiskit_nexus_provider.emulator.access import require_project
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.query import ListQuery
from qiskit_nexus_provider.emulator.routes.deps import (
    ERROR_RESPONSES,
    Context,
    User,
    circuit_query,
    require_auth,
)
from qiskit_nexus_provider.emulator.schemas import PropertyDefinitionCreateBody
from qiskit_nexus_provider.emulator.serialize import property_definition_resource
from qiskit_nexus_provider.emulator.store import PropertyDefinitionRow

__all__ = ["router"]

router = APIRouter(
    prefix="/api/property_definitions/v1beta2",
    tags=["properties"],
    dependencies=[Depends(require_auth)],
    responses=ERROR_RESPONSES,
)
Query = Annotated[ListQuery, Depends(circuit_query)]


def _readable_definitions(context: Context, query: ListQuery) -> list[PropertyDefinitionRow]:
    """The definitions of ``filter[project][id]``'s projects, if the user owns them (403 if not)."""
    if not query.project_ids:
        raise ApiError(400, "filter[project][id] is required: definitions belong to projects")
    for project_id in query.project_ids:
        if context.store.get_project(project_id) is not None:
            require_project(context.store, query.owner or "", project_id)
    return context.store.property_definitions(query.project_ids)


@router.post("", status_code=201, responses={409: {"description": "Already defined"}})
async def create_property_definition(
    context: Context, user: User, body: PropertyDefinitionCreateBody
) -> dict[str, Any]:
    """Define a property in a project (names are unique per project: 409 otherwise)."""
    attrs = body.data.attributes
    project_id = body.data.relationships.project.data.id
    require_project(context.store, user, project_id)
    definition = context.store.create_property_definition(
        project_id,
        name=attrs.name,
        description=attrs.description,
        property_type=attrs.property_type,
        required=attrs.required,
        color=attrs.color,
    )
    return {"data": property_definition_resource(definition), "included": []}


@router.get("")
async def list_property_definitions(context: Context, query: Query) -> dict[str, Any]:
    """A page of the definitions of the projects in ``filter[project][id]`` (oldest first)."""
    rows = _readable_definitions(context, query)
    start = query.page_number * query.page_size
    page = rows[start : start + query.page_size]
    return {"data": [property_definition_resource(d) for d in page], "included": []}


@router.get("/meta/count")
async def count_property_definitions(context: Context, query: Query) -> dict[str, int]:
    """Number of definitions of the projects in ``filter[project][id]``."""
    return {"count": len(_readable_definitions(context, query))}
