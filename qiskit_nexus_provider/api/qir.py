"""QIR programs on Nexus (issue 14): upload, Helios execute jobs, cost prediction, QSYS results.

The endpoints and bodies are those of ``qnexus`` 0.51 (``qnexus/client/qir.py``,
``client/jobs/_execute.py``, ``client/results.py``):

* ``POST /api/qir/v1beta`` (201): ``attributes.contents`` is the base64 bitcode;
* execute jobs of QIR programs are ordinary execute jobs:
  :meth:`~qiskit_nexus_provider.api.NexusClient.start_execute_job` with the ``HeliosConfig``
  :func:`~qiskit_nexus_provider.api.backend_configs.build_backend_config` selects for a Helios
  device, and ``max_cost`` per item;
* the syntax checker ``<system>SC`` runs a costing job; each item's ``status.cost`` and
  ``status.cost_confidence`` are the prediction (``qnexus.qir.cost_confidence``);
* ``GET /api/qsys_results/v1beta2/partial/{id}?version=3&chunk_number=N``: chunks of the
  QIR output text until 404.

Qiskit-free, like the rest of :mod:`qiskit_nexus_provider.api`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from .client import NexusClient, _attributes, _json, _project_relationship, _quote, _resource
from .errors import NexusAPIError, ResourceNotFoundError
from .http import Reply
from .models import Resource
from .pool import run_concurrently
from .query import SCOPE_USER

__all__ = [
    "QIR_PROGRAMS",
    "QSYS_RESULTS",
    "cost_confidence",
    "get_qir",
    "get_qsys_result",
    "syntax_checker_name",
    "upload_qir",
    "upload_qirs",
]

QIR_PROGRAMS = "/api/qir/v1beta"
QSYS_RESULTS = "/api/qsys_results/v1beta2/partial"
QIR_OUTPUT_VERSION = 3
"""``ResultVersions.DEFAULT``: the QIR output schema text."""


def syntax_checker_name(system_name: str) -> str:
    """The Helios syntax checker of a system, as ``qnexus.qir.cost_confidence`` names it.

    ``Helios-1`` → ``Helios-1SC``; an emulator name (``Helios-1E-lite``) maps to its system's
    checker.  The device listing's ``misc["syntax_checker"]``, when present, takes precedence
    (see :attr:`.HeliosBackend.syntax_checker`).
    """
    base = system_name.split("E-")[0] if "E-" in system_name else system_name
    if base.endswith("SC"):
        return base
    if base.endswith("E"):
        base = base[:-1]
    return f"{base}SC"


def upload_qir(
    client: NexusClient,
    project_id: str,
    bitcode: bytes,
    name: str,
    properties: Mapping[str, Any] | None = None,
) -> str:
    """Upload one QIR program (as ``qnexus.qir.upload``); return its id.

    Raises:
        ValueError: empty name or empty program.
        NexusAPIError: the server refused it (400 for a program it cannot parse).
    """
    if not name:
        raise ValueError("A QIR program must have a non-empty name")
    if not bitcode:
        raise ValueError("A QIR program cannot be empty")
    body = {
        "data": {
            "attributes": {
                "contents": base64.b64encode(bitcode).decode("ascii"),
                "name": name,
                "properties": dict(properties or {}),
            },
            "relationships": _project_relationship(project_id),
            "type": "qir",
        }
    }
    resource: Resource = client.transport.call(
        "POST",
        QIR_PROGRAMS,
        json=body,
        expected=(201,),
        upload=True,
        idempotent=True,
        parse=_resource,
    )
    return resource.id


def upload_qirs(
    client: NexusClient,
    project_id: str,
    programs: Sequence[tuple[str, bytes, Mapping[str, Any]]],
    *,
    max_workers: int = 8,
    executor: Executor | None = None,
) -> list[str]:
    """Upload ``(name, bitcode, properties)`` programs concurrently; ids in the same order.

    ``executor`` runs the uploads (see :meth:`.NexusClient.upload_circuits`); the first upload
    that fails cancels those not yet started.
    """
    return run_concurrently(
        upload_qir,
        [(client, project_id, bitcode, name, props) for name, bitcode, props in programs],
        executor=executor,
        max_workers=max_workers,
        name="nexus-qir",
    )


def get_qir(client: NexusClient, program_id: str) -> dict[str, Any]:
    """A QIR program's attributes (``contents`` in base64, ``name``, ``properties``...)."""
    attributes: dict[str, Any] = client.transport.call(
        "GET", f"{QIR_PROGRAMS}/{_quote(program_id)}", params=[SCOPE_USER], parse=_attributes
    )
    return attributes


def cost_confidence(client: NexusClient, job_id: str) -> list[tuple[float, float]]:
    """``(cost, confidence)`` per item of a finished costing job (``qnexus.jobs.cost_confidence``).

    A missing cost reads 0.0 and a missing confidence -1.0, as in qnexus.
    """
    job = client.get_job(job_id)
    items = (job.attributes.get("definition") or {}).get("items") or []
    return [
        (
            float((item.get("status") or {}).get("cost") or 0.0),
            float((item.get("status") or {}).get("cost_confidence", -1.0)),
        )
        for item in items
    ]


def _results_text(response: Reply) -> tuple[str, str]:
    body = _json(response)
    try:
        data = body["data"]
        program = data["relationships"]["program"]["data"]["type"]
        results = data["attributes"]["results"]
    except (KeyError, TypeError):
        raise NexusAPIError("malformed QSYS result: expected data.attributes.results") from None
    if not isinstance(results, str):
        raise NexusAPIError("QSYS result of version 3 must hold the QIR output as text")
    return str(program), results


def get_qsys_result(client: NexusClient, result_id: str) -> str:
    """Download the QIR output text of a QIR job item, all chunks joined.

    Chunk 0 must exist; later chunks are fetched until the server answers 404, and only their
    ``START``/``OUTPUT``/``END``/``METADATA`` lines are kept.

    Raises:
        ResourceNotFoundError: no such result.
        DataGoneError: the result was purged.
    """
    base = f"{QSYS_RESULTS}/{_quote(result_id)}"
    chunks = []
    number = 0
    while True:
        params = [("version", str(QIR_OUTPUT_VERSION)), ("chunk_number", str(number)), SCOPE_USER]
        try:
            _, text = client.transport.call("GET", base, params=params, parse=_results_text)
        except ResourceNotFoundError:
            if number == 0:
                raise
            break
        if number > 0:
            text = "\n".join(line for line in text.splitlines() if not line.startswith("HEADER"))
        chunks.append(text)
        number += 1
    return "\n".join(chunks)
