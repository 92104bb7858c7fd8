"""Circuits: ``/api/circuits/v1beta2``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from qiskit_nexus_provider.emulator.access import require_circuit, require_project
from qiskit_nexus_provider.emulator.context import EmulatorContext
from qiskit_nexus_provider.emulator.conversion import CircuitError, validate_circuit_json
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.jsonio import json_response
from qiskit_nexus_provider.emulator.properties import check_filter_properties, check_properties
from qiskit_nexus_provider.emulator.query import ListQuery
from qiskit_nexus_provider.emulator.routes.deps import (
    ERROR_RESPONSES,
    Context,
    User,
    circuit_query,
    require_auth,
)
from qiskit_nexus_provider.emulator.schemas import CircuitCreateBody, CircuitPatchBody
from qiskit_nexus_provider.emulator.serialize import circuit_resource, included_projects

__all__ = ["add_circuit", "program_annotations", "router"]

router = APIRouter(
    prefix="/api/circuits/v1beta2",
    tags=["circuits"],
    dependencies=[Depends(require_auth)],
    responses=ERROR_RESPONSES,
)
Query = Annotated[ListQuery, Depends(circuit_query)]
_ANNOTATION_KEYS = ("name", "description", "properties", "timestamps")


def _properties(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, (bool, int, float, str)) for k, v in value.items()
    ):
        raise ApiError(400, "properties must map names to booleans, numbers or strings")
    return value


def program_annotations(attrs: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
    """The ``name``, ``description`` and ``properties`` of an uploaded program (a circuit or a
    QIR program), checked as Nexus checks them (400 naming the attribute)."""
    name = attrs.get("name")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "attributes.name is required (a non-empty string)")
    description = attrs.get("description")
    if description is not None and not isinstance(description, str):
        raise ApiError(400, "attributes.description must be a string")
    return name, description, _properties(attrs.get("properties"))


@router.post("", status_code=201)
async def create_circuit(context: Context, user: User, body: CircuitCreateBody) -> dict[str, Any]:
    """Upload a circuit: ``attributes`` is ``pytket.Circuit.to_dict()`` plus annotations."""
    return add_circuit(context, user, body)


def add_circuit(context: EmulatorContext, user: str, body: CircuitCreateBody) -> dict[str, Any]:
    """What ``POST /api/circuits/v1beta2`` does for an authenticated ``user``: check the
    circuit, store it, and return the answer's document (also served by :mod:`.hot_routes`).

    Raises:
        ApiError: 400 (an invalid circuit or annotation), 403 or 404 (the project).
    """
    attrs = body.data.attributes
    name, description, properties = program_annotations(attrs)
    content = {k: v for k, v in attrs.items() if k not in _ANNOTATION_KEYS}
    try:
        n_qubits = validate_circuit_json(content)
    except CircuitError as exc:
        raise ApiError(400, str(exc)) from None
    content["name"] = name
    project_id = body.data.relationships.project.data.id
    require_project(context.store, user, project_id)
    check_properties(context.store, project_id, properties, "circuit")
    circuit, project = context.store.add_circuit(
        project_id, name, description, properties, content, n_qubits
    )
    return {
        "data": circuit_resource(circuit),
        "included": included_projects({project_id: project}, [project_id]),
    }


@router.get("", response_model=dict[str, Any])
async def list_circuits(context: Context, query: Query) -> Response:
    """A page of circuits, with their projects in ``included``."""
    check_filter_properties(context.store, query, query.project_ids)
    page, _ = context.store.list_circuits(query)
    projects = context.store.get_projects(c.project_id for c in page)
    return json_response(
        {
            "data": [circuit_resource(c) for c in page],
            "included": included_projects(projects, [c.project_id for c in page]),
        }
    )


@router.get("/meta/count")
async def count_circuits(context: Context, query: Query) -> dict[str, int]:
    """Number of circuits matching the filters."""
    check_filter_properties(context.store, query, query.project_ids)
    return {"count": context.store.list_circuits(query)[1]}


@router.get("/{circuit_id}", response_model=dict[str, Any])
async def get_circuit(context: Context, user: User, circuit_id: str) -> Response:
    """One circuit with its content; its project is in ``included``."""
    circuit = require_circuit(context.store, user, circuit_id, with_content=True)
    projects = context.store.get_projects([circuit.project_id])
    return json_response(
        {
            "data": circuit_resource(circuit),
            "included": included_projects(projects, [circuit.project_id]),
        }
    )


@router.patch("/{circuit_id}")
async def update_circuit(
    context: Context, user: User, circuit_id: str, body: CircuitPatchBody
) -> dict[str, Any]:
    """Update a circuit's annotations."""
    attrs = body.data.attributes
    current = require_circuit(context.store, user, circuit_id, with_content=False)
    if attrs.properties:
        merged = {**current.properties, **attrs.properties}
        check_properties(context.store, current.project_id, merged, "circuit")
    circuit = context.store.update_circuit(
        circuit_id,
        name=attrs.name,
        description=attrs.description,
        properties=None if attrs.properties is None else dict(attrs.properties),
    )
    projects = context.store.get_projects([circuit.project_id])
    return {
        "data": circuit_resource(circuit),
        "included": included_projects(projects, [circuit.project_id]),
    }
