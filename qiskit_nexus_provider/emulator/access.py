"""Who may read what, and what is gone: the emulator's 403 and 410 answers.

* Every project belongs to the user whose token created it; a user reading, changing or adding to
  another user's project (or anything in it: circuits, jobs, results, compilations, property
  definitions) gets **403**, and listings show only the user's own projects' resources.
* A resource that existed but was deleted, or purged (results of a retried job, results purged
  with ``NexusEmulator.purge_results``), answers **410** (qnexus maps it to ``DataGone``); one that
  never existed answers 404.
"""

from __future__ import annotations

from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.store import CircuitRow, JobRow, ProjectRow, Store

__all__ = ["missing", "require_circuit", "require_job", "require_project", "require_project_of"]


def missing(store: Store, kind: str, resource_id: str) -> ApiError:
    """410 for a resource that is gone, else 404."""
    reason = store.gone_reason(resource_id)
    if reason is not None:
        return ApiError(410, f"{reason}; it is no longer available")
    return ApiError(404, f"{kind} {resource_id} not found")


def _forbidden(kind: str, resource_id: str) -> ApiError:
    return ApiError(403, f"{kind} {resource_id} belongs to another user; you may not access it")


def require_project(store: Store, user: str, project_id: str) -> ProjectRow:
    """The project, if ``user`` owns it (403 otherwise; 404 or 410 if there is none)."""
    project = store.get_project(project_id)
    if project is None:
        raise missing(store, "project", project_id)
    if project.owner != user:
        raise _forbidden("project", project_id)
    return project


def require_project_of(
    store: Store, user: str, kind: str, resource_id: str, project_id: str
) -> None:
    """403 if the project holding a resource is not ``user``'s."""
    project = store.get_project(project_id)
    if project is not None and project.owner != user:
        raise _forbidden(kind, resource_id)


def require_circuit(store: Store, user: str, circuit_id: str, with_content: bool) -> CircuitRow:
    """The circuit, if ``user`` owns its project."""
    circuit = store.get_circuit(circuit_id, with_content=with_content)
    if circuit is None:
        raise missing(store, "circuit", circuit_id)
    require_project_of(store, user, "circuit", circuit_id, circuit.project_id)
    return circuit


def require_job(store: Store, user: str, job_id: str) -> JobRow:
    """The job, if ``user`` owns its project."""
    job = store.get_job(job_id)
    if job is None:
        raise missing(store, "job", job_id)
    require_project_of(store, user, "job", job_id, job.project_id)
    return job
