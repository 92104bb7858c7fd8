"""QIR programs table (issue 14): what ``POST /api/qir/v1beta`` stores.

A QIR program is kept as the base64 text it was uploaded as (``attributes.contents``), in its
own table so that it never shows among circuits; rows reuse :class:`CircuitRow` (``content`` is
``{"contents": <base64>}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qiskit_nexus_provider.emulator.query import ListQuery, apply_query
from qiskit_nexus_provider.emulator.store.base import program_table
from qiskit_nexus_provider.emulator.store.projects import ProjectsMixin
from qiskit_nexus_provider.emulator.store.rows import CircuitRow, iso_now, listable

__all__ = ["QirMixin"]


class QirMixin(ProjectsMixin):
    """QIR programs: create, read, list; deleted with their project.

    It extends :class:`ProjectsMixin` so that deleting a project also deletes its programs.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__(path)
        self._conn.executescript(program_table("qir_programs"))

    def add_qir(
        self,
        project_id: str,
        name: str,
        description: str | None,
        properties: dict[str, Any],
        contents: str,
        n_qubits: int,
    ) -> CircuitRow:
        """Store a QIR program (base64 ``contents``) in a project (404 if there is none)."""
        now = iso_now()
        props = json.dumps(properties)
        with self._tx() as conn:
            program_id, seq = self._insert_program(
                conn,
                "qir_programs",
                project_id,
                (name, description, props, contents, n_qubits),
                now,
            )
        return CircuitRow(
            id=program_id,
            project_id=project_id,
            name=name,
            description=description,
            properties=properties,
            n_qubits=n_qubits,
            created=now,
            modified=now,
            seq=seq,
            content={"contents": contents},
        )

    @staticmethod
    def _qir(row: Any) -> CircuitRow:
        return QirMixin._program(row, {"contents": row["content"]})

    def get_qir(self, program_id: str) -> CircuitRow | None:
        """Return a QIR program (``content["contents"]`` is its base64 text), or ``None``."""
        rows = self._query("SELECT * FROM qir_programs WHERE id = ?", (program_id,))
        return self._qir(rows[0]) if rows else None

    def get_qirs(self, program_ids: list[str]) -> dict[str, CircuitRow]:
        """Return the existing QIR programs among ``program_ids``, by id."""
        ids = sorted(set(program_ids))
        if not ids:
            return {}
        rows = self._query(
            f"SELECT * FROM qir_programs WHERE id IN ({','.join('?' * len(ids))})", ids
        )
        return {row["id"]: self._qir(row) for row in rows}

    def list_qirs(self, query: ListQuery) -> tuple[list[CircuitRow], int]:
        """List QIR programs matching ``query``; returns the page and the total."""
        sql = "SELECT * FROM qir_programs WHERE 1=1"
        params: list[Any] = []
        scope, scope_params = self._in_projects(query.project_ids, query.owner)
        sql += scope
        params.extend(scope_params)
        rows = [self._qir(r) for r in self._query(sql, params)]
        return apply_query(rows, query, listable)

    def delete_project(self, project_id: str) -> None:
        """Delete an archived project with everything in it, its QIR programs too (410 after)."""
        super().delete_project(project_id)
        with self._tx() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM qir_programs WHERE project_id = ?", (project_id,)
                )
            ]
            self._bury(conn, "qir", ids, "was deleted with its project")
            conn.execute("DELETE FROM qir_programs WHERE project_id = ?", (project_id,))
