"""Property definitions: the properties a project's resources may carry (per project)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.store.base import StoreBase
from qiskit_nexus_provider.emulator.store.rows import iso_now

__all__ = ["PropertiesMixin", "PropertyDefinitionRow"]


@dataclass
class PropertyDefinitionRow:
    """A property definition of a project."""

    id: str
    project_id: str
    name: str
    description: str | None
    property_type: str
    required: bool
    color: str
    created: str
    modified: str
    seq: int


class PropertiesMixin(StoreBase):
    """Property definitions: create and list, per project."""

    @staticmethod
    def _definition(r: sqlite3.Row) -> PropertyDefinitionRow:
        return PropertyDefinitionRow(
            id=r["id"],
            project_id=r["project_id"],
            name=r["name"],
            description=r["description"],
            property_type=r["property_type"],
            required=bool(r["required"]),
            color=r["color"],
            created=r["created"],
            modified=r["modified"],
            seq=r["seq"],
        )

    def create_property_definition(
        self,
        project_id: str,
        *,
        name: str,
        description: str | None,
        property_type: str,
        required: bool,
        color: str,
    ) -> PropertyDefinitionRow:
        """Define a property in a project (404 unknown project, 409 name already defined)."""
        now = iso_now()
        definition_id = str(uuid.uuid4())
        with self._tx() as conn:
            if not conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone():
                raise ApiError(404, f"project {project_id} not found")
            if conn.execute(
                "SELECT 1 FROM property_definitions WHERE project_id = ? AND name = ?",
                (project_id, name),
            ).fetchone():
                raise ApiError(409, f"property {name!r} is already defined in project {project_id}")
            conn.execute(
                "INSERT INTO property_definitions (id, project_id, name, description,"
                " property_type, required, color, created, modified)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    definition_id,
                    project_id,
                    name,
                    description,
                    property_type,
                    int(required),
                    color,
                    now,
                    now,
                ),
            )
        rows = self._query("SELECT * FROM property_definitions WHERE id = ?", (definition_id,))
        return self._definition(rows[0])

    def property_definitions(self, project_ids: Iterable[str]) -> list[PropertyDefinitionRow]:
        """The definitions of the given projects, oldest first."""
        ids = sorted(set(project_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT * FROM property_definitions WHERE project_id IN ({marks}) ORDER BY seq", ids
        )
        return [self._definition(r) for r in rows]

    def all_property_definitions(self) -> list[PropertyDefinitionRow]:
        """Every definition of every project, oldest first."""
        rows = self._query("SELECT * FROM property_definitions ORDER BY seq")
        return [self._definition(r) for r in rows]
