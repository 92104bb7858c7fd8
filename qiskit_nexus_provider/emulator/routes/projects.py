"""Projects: ``/api/projects/v1beta2``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from qiskit_nexus_provider.emulator.access import require_project
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.properties import check_filter_properties, check_properties
from qiskit_nexus_provider.emulator.query import ListQuery
from qiskit_nexus_provider.emulator.routes.deps import (
    ERROR_RESPONSES,
    Context,
    User,
    project_query,
    require_auth,
)
from qiskit_nexus_provider.emulator.schemas import ProjectCreateBody, ProjectPatchBody
from qiskit_nexus_provider.emulator.serialize import project_resource

__all__ = ["router"]

router = APIRouter(
    prefix="/api/projects/v1beta2",
    tags=["projects"],
    dependencies=[Depends(require_auth)],
    responses=ERROR_RESPONSES,
)
Query = Annotated[ListQuery, Depends(project_query)]


@router.get("")
async def list_projects(context: Context, query: Query) -> dict[str, Any]:
    """A page of projects (``page[number]`` from 0; empty ``data`` past the end)."""
    check_filter_properties(context.store, query, [])
    page, _ = context.store.list_projects(query)
    return {"data": [project_resource(p) for p in page], "included": []}


@router.get("/meta/count")
async def count_projects(context: Context, query: Query) -> dict[str, int]:
    """Number of projects matching the filters."""
    check_filter_properties(context.store, query, [])
    return {"count": context.store.list_projects(query)[1]}


@router.post("", status_code=201, responses={409: {"description": "Name already used"}})
async def create_project(context: Context, user: User, body: ProjectCreateBody) -> dict[str, Any]:
    """Create a project of the user (a user's project names are unique); a new project has no
    property definitions yet, so it carries no properties."""
    attrs = body.data.attributes
    if attrs.properties:
        name = next(iter(attrs.properties))
        raise ApiError(
            400,
            f"project property {name!r} is not defined: a new project has no property "
            "definitions; create the project, define the property, then update the project",
        )
    project = context.store.create_project(
        attrs.name, attrs.description, dict(attrs.properties), owner=user
    )
    return {"data": project_resource(project), "included": []}


@router.get("/{project_id}")
async def get_project(context: Context, user: User, project_id: str) -> dict[str, Any]:
    """One project (403 if it is another user's, 410 if it was deleted)."""
    project = require_project(context.store, user, project_id)
    return {"data": project_resource(project), "included": []}


@router.patch("/{project_id}", responses={409: {"description": "Name already used"}})
async def update_project(
    context: Context, user: User, project_id: str, body: ProjectPatchBody
) -> dict[str, Any]:
    """Update name, description, archived flag or properties (``null`` leaves a field as is)."""
    attrs = body.data.attributes
    require_project(context.store, user, project_id)
    if attrs.properties:
        check_properties(context.store, project_id, attrs.properties, "project", require=False)
    project = context.store.update_project(
        project_id,
        name=attrs.name,
        description=attrs.description,
        archived=attrs.archived,
        properties=None if attrs.properties is None else dict(attrs.properties),
    )
    return {"data": project_resource(project), "included": []}


@router.delete("/{project_id}", status_code=204, response_class=Response)
async def delete_project(context: Context, user: User, project_id: str) -> Response:
    """Delete an archived project and all its contents."""
    require_project(context.store, user, project_id)
    context.store.delete_project(project_id)
    return Response(status_code=204)
