"""The SQLite connection of the store, its schema, and helpers shared by the table mixins."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.store.rows import (
    CircuitRow,
    ItemRow,
    JobRow,
    ProjectRow,
    iso_now,
    transition,
)

__all__ = ["StoreBase", "program_table"]


def program_table(table: str) -> str:
    """Schema of a table of uploaded programs: pytket circuits (``circuits``) and QIR programs
    (``qir_programs``) have the same columns, ``content`` holding the uploaded text."""
    return f"""
CREATE TABLE IF NOT EXISTS {table} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    properties TEXT NOT NULL,
    content TEXT NOT NULL,
    n_qubits INTEGER NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {table}_project ON {table}(project_id);
"""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    properties TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    contents_modified TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT 'user-1'
);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    properties TEXT NOT NULL,
    job_type TEXT NOT NULL,
    definition TEXT NOT NULL,
    status TEXT NOT NULL,
    status_name TEXT NOT NULL,
    inject_failure INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_project ON jobs(project_id);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status_name);
CREATE TABLE IF NOT EXISTS job_items (
    job_id TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    program_id TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    result_id TEXT,
    compilation_id TEXT,
    PRIMARY KEY (job_id, item_id)
);
CREATE TABLE IF NOT EXISTS results (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    program_id TEXT NOT NULL,
    device_name TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_job ON results(job_id);
CREATE TABLE IF NOT EXISTS compilations (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    properties TEXT NOT NULL,
    original_circuit_id TEXT NOT NULL,
    compiled_circuit_id TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS compilations_job ON compilations(job_id);
CREATE TABLE IF NOT EXISTS gone (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS property_definitions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    property_type TEXT NOT NULL,
    required INTEGER NOT NULL DEFAULT 0,
    color TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    UNIQUE (project_id, name)
);
"""


class StoreBase:
    """One SQLite connection guarded by a re-entrant lock, shared by every thread.

    Args:
        path: Database file, or ``None`` for an in-memory database.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = None if path is None else Path(path)
        target = ":memory:" if self.path is None else str(self.path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        if self.path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA + program_table("circuits"))
        columns = {r["name"] for r in self._conn.execute("PRAGMA table_info(projects)")}
        if "owner" not in columns:  # a database written before users existed
            self._conn.execute(
                "ALTER TABLE projects ADD COLUMN owner TEXT NOT NULL DEFAULT 'user-1'"
            )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    @staticmethod
    def _in_projects(project_ids: Sequence[str], owner: str | None) -> tuple[str, list[Any]]:
        """SQL conditions (``" AND ..."``) and parameters keeping the rows of a listing whose
        ``project_id`` is among ``project_ids`` (when given) and owned by ``owner`` (when set)."""
        sql, params = "", list[Any]()
        if project_ids:
            sql += f" AND project_id IN ({','.join('?' * len(project_ids))})"
            params.extend(project_ids)
        if owner is not None:
            sql += " AND project_id IN (SELECT id FROM projects WHERE owner = ?)"
            params.append(owner)
        return sql, params

    @staticmethod
    def _project(row: sqlite3.Row) -> ProjectRow:
        return ProjectRow(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            properties=json.loads(row["properties"]),
            archived=bool(row["archived"]),
            created=row["created"],
            modified=row["modified"],
            contents_modified=row["contents_modified"],
            seq=row["seq"],
            owner=row["owner"],
        )

    @staticmethod
    def _circuit(row: sqlite3.Row, with_content: bool) -> CircuitRow:
        content = json.loads(row["content"]) if with_content else None
        return StoreBase._program(row, content)

    @staticmethod
    def _program(row: sqlite3.Row, content: dict[str, Any] | None) -> CircuitRow:
        """A row of a :func:`program_table`, with ``content`` as the caller decoded it."""
        return CircuitRow(
            id=row["id"],
            project_id=row["project_id"],
            name=row["name"],
            description=row["description"],
            properties=json.loads(row["properties"]),
            n_qubits=row["n_qubits"],
            created=row["created"],
            modified=row["modified"],
            seq=row["seq"],
            content=content,
        )

    @staticmethod
    def _insert_program(
        conn: sqlite3.Connection,
        table: str,
        project_id: str,
        fields: tuple[str, str | None, str, str, int],
        now: str,
    ) -> tuple[str, int]:
        """Touch the project (404 if there is none) and insert a program into ``table``.

        Args:
            conn: The connection, inside a transaction.
            table: A :func:`program_table`.
            project_id: The project it goes into.
            fields: ``(name, description, properties JSON, content text, n_qubits)``.
            now: The creation time (ISO 8601).

        Returns:
            The new program's id and its ``seq``.
        """
        touched = conn.execute(
            "UPDATE projects SET contents_modified = ? WHERE id = ?", (now, project_id)
        )
        if touched.rowcount != 1:
            raise ApiError(404, f"project {project_id} not found")
        program_id = str(uuid.uuid4())
        cursor = conn.execute(
            f"INSERT INTO {table} (id, project_id, name, description, properties, content,"
            " n_qubits, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (program_id, project_id, *fields, now, now),
        )
        return program_id, int(cursor.lastrowid or 0)

    @staticmethod
    def _job(row: sqlite3.Row) -> JobRow:
        return JobRow(
            id=row["id"],
            project_id=row["project_id"],
            name=row["name"],
            description=row["description"],
            properties=json.loads(row["properties"]),
            job_type=row["job_type"],
            definition=json.loads(row["definition"]),
            status=json.loads(row["status"]),
            inject_failure=bool(row["inject_failure"]),
            created=row["created"],
            modified=row["modified"],
            seq=row["seq"],
        )

    @staticmethod
    def _item(row: sqlite3.Row) -> ItemRow:
        return ItemRow(
            job_id=row["job_id"],
            item_id=row["item_id"],
            program_id=row["program_id"],
            spec=json.loads(row["spec"]),
            status=json.loads(row["status"]),
            result_id=row["result_id"],
            compilation_id=row["compilation_id"],
        )

    @staticmethod
    def _set_job_status(conn: sqlite3.Connection, job_id: str, status: dict[str, Any]) -> None:
        conn.execute(
            "UPDATE jobs SET status = ?, status_name = ?, modified = ? WHERE id = ?",
            (json.dumps(status), status["status"], iso_now(), job_id),
        )

    @staticmethod
    def _bury(conn: sqlite3.Connection, kind: str, ids: Sequence[str], reason: str) -> None:
        """Remember deleted ids, so that reading them answers 410 (gone), not 404."""
        conn.executemany(
            "INSERT OR REPLACE INTO gone (id, kind, reason) VALUES (?, ?, ?)",
            [(i, kind, reason) for i in ids],
        )

    def _bury_job_outputs(self, conn: sqlite3.Connection, job_id: str, reason: str) -> None:
        results = [r[0] for r in conn.execute("SELECT id FROM results WHERE job_id = ?", (job_id,))]
        self._bury(conn, "result", results, reason)
        compilations = [
            r[0] for r in conn.execute("SELECT id FROM compilations WHERE job_id = ?", (job_id,))
        ]
        self._bury(conn, "compilation", compilations, reason)

    def gone_reason(self, resource_id: str) -> str | None:
        """Why a resource that existed is gone (deleted or purged), or ``None``."""
        rows = self._query("SELECT kind, reason FROM gone WHERE id = ?", (resource_id,))
        return f"{rows[0]['kind']} {resource_id} {rows[0]['reason']}" if rows else None

    def _delete_job_rows(self, conn: sqlite3.Connection, job_id: str) -> None:
        self._bury_job_outputs(conn, job_id, "was deleted with its job")
        self._bury(conn, "job", [job_id], "was deleted")
        conn.execute("DELETE FROM job_items WHERE job_id = ?", (job_id,))
        conn.execute("DELETE FROM results WHERE job_id = ?", (job_id,))
        conn.execute("DELETE FROM compilations WHERE job_id = ?", (job_id,))
        conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def _set_items(
        self,
        conn: sqlite3.Connection,
        job_id: str,
        status: str,
        message: str,
        *,
        only: Sequence[str] | None = None,
        restart: bool = False,
    ) -> None:
        rows = conn.execute(
            "SELECT item_id, status FROM job_items WHERE job_id = ?", (job_id,)
        ).fetchall()
        updates = []
        for row in rows:
            old = json.loads(row["status"])
            if only is not None and old["status"] not in only:
                continue
            new = transition(old, status, message, restart=restart)
            if new["cost"] is None:
                new["cost"] = 0.0
            updates.append((json.dumps(new), job_id, row["item_id"]))
        conn.executemany(
            "UPDATE job_items SET status = ? WHERE job_id = ? AND item_id = ?", updates
        )

    def _touch_project(self, conn: sqlite3.Connection, project_id: str) -> None:
        conn.execute(
            "UPDATE projects SET contents_modified = ? WHERE id = ?", (iso_now(), project_id)
        )
