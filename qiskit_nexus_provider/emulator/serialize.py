"""Rows of the store as JSON:API-like resources, in the shapes ``qnexus`` reads."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from qiskit_nexus_provider.emulator.devices import DEVICES
from qiskit_nexus_provider.emulator.jsonio import json_bytes
from qiskit_nexus_provider.emulator.store import (
    CircuitRow,
    CompilationRow,
    ItemRow,
    JobRow,
    ProjectRow,
    PropertyDefinitionRow,
    ResultRow,
)

__all__ = [
    "circuit_resource",
    "compilation_resource",
    "item_dict",
    "job_resource",
    "project_resource",
    "property_definition_resource",
    "result_document",
]


def _ref(resource_id: str, resource_type: str) -> dict[str, Any]:
    return {"data": {"id": resource_id, "type": resource_type}}


def _annotations(
    name: str, description: str | None, properties: dict[str, Any], created: str, modified: str
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "properties": properties,
        "timestamps": {"created": created, "modified": modified},
    }


def project_resource(project: ProjectRow) -> dict[str, Any]:
    """A project resource (also used in ``included``)."""
    attributes = _annotations(
        project.name, project.description, project.properties, project.created, project.modified
    )
    attributes["contents_modified"] = project.contents_modified
    attributes["archived"] = project.archived
    return {"id": project.id, "type": "project", "attributes": attributes, "relationships": {}}


def property_definition_resource(definition: PropertyDefinitionRow) -> dict[str, Any]:
    """A property definition resource, as ``qnexus.projects.get_properties`` reads it."""
    attributes = _annotations(
        definition.name, definition.description, {}, definition.created, definition.modified
    )
    attributes.update(
        {
            "property_type": definition.property_type,
            "required": definition.required,
            "color": definition.color,
        }
    )
    return {
        "id": definition.id,
        "type": "property",
        "attributes": attributes,
        "relationships": {"project": _ref(definition.project_id, "project")},
    }


def included_projects(projects: dict[str, ProjectRow], ids: Iterable[str]) -> list[dict[str, Any]]:
    """The ``included`` list for the projects ``ids`` refer to (each once, in first-use order)."""
    seen: dict[str, None] = dict.fromkeys(ids)
    return [project_resource(projects[i]) for i in seen if i in projects]


def circuit_resource(circuit: CircuitRow) -> dict[str, Any]:
    """A circuit resource: the pytket circuit JSON merged with its annotations."""
    attributes = dict(circuit.content or {})
    attributes.update(
        _annotations(
            circuit.name,
            circuit.description,
            circuit.properties,
            circuit.created,
            circuit.modified,
        )
    )
    return {
        "id": circuit.id,
        "type": "circuit",
        "attributes": attributes,
        "relationships": {"project": _ref(circuit.project_id, "project")},
    }


def item_dict(item: ItemRow, job_type: str) -> dict[str, Any]:
    """One entry of ``definition.items`` of a job."""
    data: dict[str, Any] = {"item_id": item.item_id, "program_id": item.program_id}
    data.update(item.spec)
    data["status"] = item.status
    data["external_handle"] = None
    data["has_runtime_traces"] = False
    if job_type == "compile":
        data["compilation_id"] = item.compilation_id
    else:
        data["result_id"] = item.result_id
        data["result_type"] = "PYTKET" if item.result_id else None
    return data


def job_resource(job: JobRow, items: Sequence[ItemRow]) -> dict[str, Any]:
    """A job resource with its items and its ``programs`` relationship."""
    attributes = _annotations(job.name, job.description, job.properties, job.created, job.modified)
    definition = dict(job.definition)
    definition["items"] = [item_dict(i, job.job_type) for i in items]
    attributes.update({"job_type": job.job_type, "status": job.status, "definition": definition})
    programs = dict.fromkeys(i.program_id for i in items)
    program_type = "circuit"
    if (job.definition.get("backend_config") or {}).get("type") == "HeliosConfig":  # issue 14
        program_type = "qir"
        for entry in definition["items"]:
            if entry.get("result_type"):
                entry["result_type"] = "QSYS"
    return {
        "id": job.id,
        "type": "job",
        "attributes": attributes,
        "relationships": {
            "project": _ref(job.project_id, "project"),
            "programs": {"data": [{"id": p, "type": program_type} for p in programs]},
        },
    }


def result_document(result: ResultRow) -> dict[str, Any]:
    """The whole answer of ``GET /api/results/v1beta3/{id}`` (with ``backend_snapshot``)."""
    device = DEVICES[result.device_name]
    return {
        "data": {
            "id": result.id,
            "type": "result",
            "attributes": result.content,
            "relationships": {
                "program": _ref(result.program_id, "circuit"),
                "backend_snapshot": _ref(device.snapshot_id, "backend_snapshot"),
                "job": _ref(result.job_id, "job"),
            },
        },
        "included": [_snapshot(device.device_name)],
    }


@functools.cache
def _snapshot(device_name: str) -> dict[str, Any]:
    device = DEVICES[device_name]
    return {
        "id": device.snapshot_id,
        "type": "backend_snapshot",
        "attributes": device.backend_info(),
        "relationships": {},
    }


@functools.cache
def _snapshot_json(device_name: str) -> bytes:
    return json_bytes(_snapshot(device_name))


def _canonical(text: str) -> bool:
    """Whether stored JSON is in the form :func:`~.jsonio.json_bytes` writes (results stored by
    earlier versions of the emulator have spaces after separators)."""
    return '": ' not in text and '", ' not in text and "NaN" not in text and "Infinity" not in text


def result_document_bytes(result: ResultRow, text: str) -> bytes:
    """The bytes of :func:`result_document`, with the result's stored JSON ``text`` as it is."""
    if not _canonical(text):
        result.content = json.loads(text)
        return json_bytes(result_document(result))
    device = DEVICES[result.device_name]
    relationships = json_bytes(
        {
            "program": _ref(result.program_id, "circuit"),
            "backend_snapshot": _ref(device.snapshot_id, "backend_snapshot"),
            "job": _ref(result.job_id, "job"),
        }
    )
    return b"".join(
        (
            b'{"data":{"id":',
            json_bytes(result.id),
            b',"type":"result","attributes":',
            text.encode(),
            b',"relationships":',
            relationships,
            b'},"included":[',
            _snapshot_json(result.device_name),
            b"]}",
        )
    )


def compilation_resource(compilation: CompilationRow) -> dict[str, Any]:
    """A compilation record."""
    return {
        "id": compilation.id,
        "type": "compilation",
        "attributes": _annotations(
            compilation.name,
            compilation.description,
            compilation.properties,
            compilation.created,
            compilation.modified,
        ),
        "relationships": {
            "project": _ref(compilation.project_id, "project"),
            "original_circuit": _ref(compilation.original_circuit_id, "circuit"),
            "compiled_circuit": _ref(compilation.compiled_circuit_id, "circuit"),
            "job": _ref(compilation.job_id, "job"),
        },
    }
