"""Projects table."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.query import ListQuery, apply_query
from qiskit_nexus_provider.emulator.store.base import StoreBase
from qiskit_nexus_provider.emulator.store.rows import (
    PRIMARY_USER,
    ProjectRow,
    iso_now,
    listable,
)

__all__ = ["ProjectsMixin"]


class ProjectsMixin(StoreBase):
    """Projects: create, read, update, delete, list."""

    def create_project(
        self,
        name: str,
        description: str | None,
        properties: dict[str, Any],
        owner: str = PRIMARY_USER,
    ) -> ProjectRow:
        """Create a project of ``owner``; a user's project names are unique (409 otherwise)."""
        now = iso_now()
        project_id = str(uuid.uuid4())
        with self._tx() as conn:
            if conn.execute(
                "SELECT 1 FROM projects WHERE name = ? AND owner = ?", (name, owner)
            ).fetchone():
                raise ApiError(409, f"a project named {name!r} already exists")
            conn.execute(
                "INSERT INTO projects (id, name, description, properties, archived, created,"
                " modified, contents_modified, owner) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
                (project_id, name, description, json.dumps(properties), now, now, now, owner),
            )
        project = self.get_project(project_id)
        assert project is not None
        return project

    def get_project(self, project_id: str) -> ProjectRow | None:
        """Return a project, or ``None``."""
        rows = self._query("SELECT * FROM projects WHERE id = ?", (project_id,))
        return self._project(rows[0]) if rows else None

    def get_projects(self, project_ids: Iterable[str]) -> dict[str, ProjectRow]:
        """Return the existing projects among ``project_ids``, by id."""
        ids = sorted(set(project_ids))
        found: dict[str, ProjectRow] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT * FROM projects WHERE id IN ({marks})", chunk):
                found[row["id"]] = self._project(row)
        return found

    def update_project(
        self,
        project_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        archived: bool | None = None,
        properties: dict[str, Any] | None = None,
    ) -> ProjectRow:
        """Update a project's annotations (``None`` leaves a field unchanged)."""
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone()
            if row is None:
                raise ApiError(404, f"project {project_id} not found")
            project = self._project(row)
            if name is not None and name != project.name:
                clash = conn.execute(
                    "SELECT 1 FROM projects WHERE name = ? AND id != ? AND owner = ?",
                    (name, project_id, project.owner),
                ).fetchone()
                if clash:
                    raise ApiError(409, f"a project named {name!r} already exists")
                project.name = name
            if description is not None:
                project.description = description
            if archived is not None:
                project.archived = archived
            if properties is not None:
                project.properties = {**project.properties, **properties}
            conn.execute(
                "UPDATE projects SET name = ?, description = ?, archived = ?, properties = ?,"
                " modified = ? WHERE id = ?",
                (
                    project.name,
                    project.description,
                    int(project.archived),
                    json.dumps(project.properties),
                    iso_now(),
                    project_id,
                ),
            )
        updated = self.get_project(project_id)
        assert updated is not None
        return updated

    def delete_project(self, project_id: str) -> None:
        """Delete an archived project and everything in it."""
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone()
            if row is None:
                raise ApiError(404, f"project {project_id} not found")
            if not row["archived"]:
                raise ApiError(400, "a project must be archived before it can be deleted")
            job_ids = [
                r["id"]
                for r in conn.execute("SELECT id FROM jobs WHERE project_id = ?", (project_id,))
            ]
            for job_id in job_ids:
                self._delete_job_rows(conn, job_id)
            circuits = [
                r[0]
                for r in conn.execute("SELECT id FROM circuits WHERE project_id = ?", (project_id,))
            ]
            self._bury(conn, "circuit", circuits, "was deleted with its project")
            self._bury(conn, "project", [project_id], "was deleted")
            conn.execute("DELETE FROM circuits WHERE project_id = ?", (project_id,))
            conn.execute("DELETE FROM compilations WHERE project_id = ?", (project_id,))
            conn.execute("DELETE FROM property_definitions WHERE project_id = ?", (project_id,))
            conn.execute("DELETE FROM projects WHERE id = ?", (project_id,))

    def owned_project_ids(self, owner: str) -> list[str]:
        """Ids of the projects of ``owner``."""
        return [r["id"] for r in self._query("SELECT id FROM projects WHERE owner = ?", (owner,))]

    def list_projects(self, query: ListQuery) -> tuple[list[ProjectRow], int]:
        """List projects matching ``query``; returns the page and the total count."""
        sql = "SELECT * FROM projects WHERE 1=1"
        params: list[Any] = []
        if query.archived is not None:
            sql += " AND archived = ?"
            params.append(int(query.archived))
        if query.owner is not None:
            sql += " AND owner = ?"
            params.append(query.owner)
        rows = [self._project(r) for r in self._query(sql, params)]
        return apply_query(rows, query, listable)
