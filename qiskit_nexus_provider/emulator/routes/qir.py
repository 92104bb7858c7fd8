"""QIR programs and QSYS results (issue 14): ``/api/qir/v1beta`` and
``/api/qsys_results/v1beta2/partial/{id}``, as ``qnexus.qir`` and ``qnexus.results`` use them.

An upload is parsed with ``pyqir`` and translated as the worker will execute it
(:func:`~qiskit_nexus_provider.emulator.qir_program.check_qir`): bytes that are not a QIR
module, or a module the emulator cannot execute, are refused with 400 naming the problem.
The rules of circuits apply to QIR programs too: properties defined in the project before use
(:mod:`~qiskit_nexus_provider.emulator.properties`), 403 for another user's project or program,
410 for a deleted one (:mod:`~qiskit_nexus_provider.emulator.access`).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from qiskit_nexus_provider.emulator.access import missing, require_project, require_project_of
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.properties import check_filter_properties, check_properties
from qiskit_nexus_provider.emulator.qir_program import QirError, check_qir
from qiskit_nexus_provider.emulator.query import ListQuery
from qiskit_nexus_provider.emulator.routes.circuits import program_annotations
from qiskit_nexus_provider.emulator.routes.deps import (
    ERROR_RESPONSES,
    Context,
    User,
    circuit_query,
    require_auth,
)
from qiskit_nexus_provider.emulator.schemas import _Lenient, _ProjectRelationships
from qiskit_nexus_provider.emulator.serialize import (
    _annotations,
    _ref,
    _snapshot,
    included_projects,
)
from qiskit_nexus_provider.emulator.store import CircuitRow

__all__ = ["QSYS_RESULT_TYPE", "qsys_result", "router"]

router = APIRouter(dependencies=[Depends(require_auth)], responses=ERROR_RESPONSES)
ListParams = Annotated[ListQuery, Depends(circuit_query)]

QIR = "/api/qir/v1beta"


class _QirCreateData(_Lenient):
    attributes: dict[str, Any]
    relationships: _ProjectRelationships
    type: Literal["qir"] = "qir"


class QirCreateBody(_Lenient):
    """Body of ``POST /api/qir/v1beta``: ``contents`` (base64 bitcode) and annotations."""

    data: _QirCreateData


QSYS_RESULT_TYPE = "QSYS"
"""``result_type`` of job items whose program is QIR (``qnexus.models.references.ResultType``)."""


def qir_resource(row: CircuitRow, with_contents: bool = True) -> dict[str, Any]:
    """A QIR program resource; ``attributes.contents`` is the base64 bitcode."""
    attributes = _annotations(row.name, row.description, row.properties, row.created, row.modified)
    if with_contents and row.content is not None:
        attributes["contents"] = row.content["contents"]
    return {
        "id": row.id,
        "type": "qir",
        "attributes": attributes,
        "relationships": {"project": _ref(row.project_id, "project")},
    }


@router.post(QIR, status_code=201, tags=["qir"])
async def create_qir(context: Context, user: User, body: QirCreateBody) -> dict[str, Any]:
    """Upload a QIR program: ``attributes.contents`` is base64 LLVM bitcode (or text)."""
    attrs = body.data.attributes
    name, description, properties = program_annotations(attrs)
    contents = attrs.get("contents")
    if not isinstance(contents, str) or not contents:
        raise ApiError(400, "attributes.contents is required (base64-encoded QIR bitcode)")
    try:
        bitcode = base64.b64decode(contents, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "attributes.contents is not valid base64") from None
    try:
        n_qubits = check_qir(bitcode)
    except QirError as exc:
        raise ApiError(400, f"invalid QIR program {name!r}: {exc}") from None
    project_id = body.data.relationships.project.data.id
    require_project(context.store, user, project_id)
    check_properties(context.store, project_id, properties, "QIR program")
    row = context.store.add_qir(project_id, name, description, properties, contents, n_qubits)
    projects = context.store.get_projects([project_id])
    return {
        "data": qir_resource(row, with_contents=False),
        "included": included_projects(projects, [project_id]),
    }


@router.get(QIR, tags=["qir"])
async def list_qir(context: Context, query: ListParams) -> dict[str, Any]:
    """A page of QIR programs (without their contents), with their projects."""
    check_filter_properties(context.store, query, query.project_ids)
    page, _ = context.store.list_qirs(query)
    projects = context.store.get_projects(r.project_id for r in page)
    return {
        "data": [qir_resource(r, with_contents=False) for r in page],
        "included": included_projects(projects, [r.project_id for r in page]),
    }


@router.get(QIR + "/meta/count", tags=["qir"])
async def count_qir(context: Context, query: ListParams) -> dict[str, int]:
    """Number of QIR programs matching the filters."""
    check_filter_properties(context.store, query, query.project_ids)
    return {"count": context.store.list_qirs(query)[1]}


@router.get(QIR + "/{program_id}", tags=["qir"])
async def get_qir(context: Context, user: User, program_id: str) -> dict[str, Any]:
    """One QIR program with its base64 contents; its project is in ``included``."""
    row = context.store.get_qir(program_id)
    if row is None:
        raise missing(context.store, "QIR program", program_id)
    require_project_of(context.store, user, "QIR program", program_id, row.project_id)
    projects = context.store.get_projects([row.project_id])
    return {"data": qir_resource(row), "included": included_projects(projects, [row.project_id])}


def qsys_result(content: dict[str, Any]) -> str | None:
    """The QIR output text of a stored result, or ``None`` for a pytket result."""
    if content.get("result_type") != QSYS_RESULT_TYPE:
        return None
    return str(content.get("results", ""))


def _raw(text: str) -> list[list[list[Any]]]:
    """Version 4 (``ResultVersions.RAW``): per shot, ``[label, value]`` pairs."""
    shots: list[list[list[Any]]] = []
    for line in text.splitlines():
        fields = line.split("\t")
        if fields[0] == "START":
            shots.append([])
        elif fields[0] == "OUTPUT" and shots and len(fields) >= 4:
            value: Any = fields[2]
            if fields[1] in ("INT", "RESULT"):
                value = int(value)
            elif fields[1] == "BOOL":
                value = value == "true"
            shots[-1].append([fields[3], value])
    return shots


@router.get("/api/qsys_results/v1beta2/partial/{result_id}", tags=["results"])
async def get_qsys_result(
    context: Context,
    user: User,
    result_id: str,
    version: Annotated[int, Query()] = 3,
    chunk_number: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """One chunk of a QIR job item's result; the emulator answers in one chunk (then 404).

    ``version=3`` gives the QIR output schema text, ``version=4`` per-shot ``[label, value]``
    pairs.
    """
    found = context.store.get_result_text(result_id)
    if found is None:
        raise missing(context.store, "QSYS result", result_id)
    job = context.store.get_job(found[0].job_id)
    if job is not None:
        require_project_of(context.store, user, "result", result_id, job.project_id)
    text = qsys_result(json.loads(found[1]))
    if text is None:
        raise ApiError(404, f"result {result_id} is not a QSYS result (a pytket circuit's)")
    if version not in (3, 4):
        raise ApiError(400, f"version must be 3 (QIR output) or 4 (raw), not {version}")
    if chunk_number > 0:
        raise ApiError(404, f"result {result_id} has no chunk {chunk_number}")
    row = found[0]
    snapshot = _snapshot(row.device_name)
    return {
        "data": {
            "id": row.id,
            "type": "qsys_result",
            "attributes": {"results": text if version == 3 else _raw(text)},
            "relationships": {
                "program": _ref(row.program_id, "qir"),
                "backend_snapshot": _ref(snapshot["id"], "backend_snapshot"),
                "job": _ref(row.job_id, "job"),
            },
        },
        "included": [snapshot],
    }
