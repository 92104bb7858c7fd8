"""Circuits table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.jsonio import dump_stored
from qiskit_nexus_provider.emulator.query import ListQuery, apply_query
from qiskit_nexus_provider.emulator.store.base import StoreBase
from qiskit_nexus_provider.emulator.store.rows import (
    CircuitRow,
    ProjectRow,
    iso_now,
    listable,
)

__all__ = ["CircuitsMixin"]


class CircuitsMixin(StoreBase):
    """Circuits: create, read, update annotations, list."""

    def create_circuit(
        self,
        project_id: str,
        name: str,
        description: str | None,
        properties: dict[str, Any],
        content: dict[str, Any],
        n_qubits: int,
    ) -> CircuitRow:
        """Store a circuit in a project (404 if the project does not exist).

        Returns the stored row without its content (the caller has it): reading back and
        decoding the whole circuit JSON cost more than the insert itself.
        """
        return self.add_circuit(project_id, name, description, properties, content, n_qubits)[0]

    def add_circuit(
        self,
        project_id: str,
        name: str,
        description: str | None,
        properties: dict[str, Any],
        content: dict[str, Any],
        n_qubits: int,
    ) -> tuple[CircuitRow, ProjectRow]:
        """Store a circuit in a project (404 if the project does not exist).

        One transaction of three statements: touch the project (which tells whether it
        exists), insert the circuit, read the project back.

        Returns:
            The stored circuit (without its content) and its project.
        """
        now = iso_now()
        text = dump_stored(content)
        props = dump_stored(properties)
        with self._tx() as conn:
            circuit_id, seq = self._insert_program(
                conn, "circuits", project_id, (name, description, props, text, n_qubits), now
            )
            project = self._project(
                conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone()
            )
        circuit = CircuitRow(
            id=circuit_id,
            project_id=project_id,
            name=name,
            description=description,
            properties=json.loads(props),
            n_qubits=n_qubits,
            created=now,
            modified=now,
            seq=seq,
            content=None,
        )
        return circuit, project

    def get_circuit(self, circuit_id: str, with_content: bool = True) -> CircuitRow | None:
        """Return a circuit, or ``None``."""
        rows = self._query("SELECT * FROM circuits WHERE id = ?", (circuit_id,))
        return self._circuit(rows[0], with_content) if rows else None

    def get_circuits(self, circuit_ids: Iterable[str], with_content: bool) -> dict[str, CircuitRow]:
        """Return the existing circuits among ``circuit_ids``, by id."""
        ids = sorted(set(circuit_ids))
        found: dict[str, CircuitRow] = {}
        columns = "*" if with_content else "seq, id, project_id, name, description, properties,"
        if not with_content:
            columns += " n_qubits, created, modified"
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT {columns} FROM circuits WHERE id IN ({marks})", chunk):
                found[row["id"]] = self._circuit(row, with_content)
        return found

    def circuit_contents(self, circuit_ids: Iterable[str]) -> dict[str, str]:
        """The stored JSON text of the existing circuits among ``circuit_ids``, by id."""
        ids = sorted(set(circuit_ids))
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                found.update(
                    self._conn.execute(
                        f"SELECT id, content FROM circuits WHERE id IN ({marks})", chunk
                    ).fetchall()
                )
        return found

    def count_circuits(self) -> int:
        """Number of circuits."""
        return int(self._query("SELECT COUNT(*) AS n FROM circuits")[0]["n"])

    def update_circuit(
        self,
        circuit_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        properties: dict[str, Any] | None = None,
    ) -> CircuitRow:
        """Update a circuit's annotations (``None`` leaves a field unchanged)."""
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM circuits WHERE id = ?", (circuit_id,)).fetchone()
            if row is None:
                raise ApiError(404, f"circuit {circuit_id} not found")
            circuit = self._circuit(row, with_content=False)
            conn.execute(
                "UPDATE circuits SET name = ?, description = ?, properties = ?, modified = ?"
                " WHERE id = ?",
                (
                    circuit.name if name is None else name,
                    circuit.description if description is None else description,
                    json.dumps({**circuit.properties, **(properties or {})}),
                    iso_now(),
                    circuit_id,
                ),
            )
        updated = self.get_circuit(circuit_id)
        assert updated is not None
        return updated

    def list_circuits(self, query: ListQuery) -> tuple[list[CircuitRow], int]:
        """List circuits matching ``query`` (with content); returns the page and the total."""
        sql = (
            "SELECT seq, id, project_id, name, description, properties, n_qubits, created,"
            " modified FROM circuits WHERE 1=1"
        )
        params: list[Any] = []
        scope, scope_params = self._in_projects(query.project_ids, query.owner)
        sql += scope
        params.extend(scope_params)
        rows = [self._circuit(r, with_content=False) for r in self._query(sql, params)]
        page, total = apply_query(rows, query, listable)
        full = self.get_circuits([c.id for c in page], with_content=True)
        return [full[c.id] for c in page if c.id in full], total
