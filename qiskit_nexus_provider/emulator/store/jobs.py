"""Jobs, their items, results and compilation records, as the REST API sees them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.query import ListQuery, apply_query
from qiskit_nexus_provider.emulator.store.base import StoreBase
from qiskit_nexus_provider.emulator.store.rows import (
    RUNNABLE,
    TERMINAL,
    CompilationRow,
    ItemRow,
    JobRow,
    ResultRow,
    iso_now,
    listable,
    transition,
)

__all__ = ["JobsMixin"]


class JobsMixin(StoreBase):
    """Jobs and what hangs off them."""

    def create_job(
        self,
        *,
        project_id: str,
        name: str,
        description: str | None,
        properties: dict[str, Any],
        job_type: str,
        definition: dict[str, Any],
        items: Sequence[dict[str, Any]],
        inject_failure: bool = False,
    ) -> JobRow:
        """Create a job in ``SUBMITTED`` status, with one item per program."""
        now = iso_now()
        job_id = str(uuid.uuid4())
        status = transition(None, "SUBMITTED")
        item_status = transition(None, "SUBMITTED", cost=0.0)
        with self._tx() as conn:
            if not conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone():
                raise ApiError(404, f"project {project_id} not found")
            conn.execute(
                "INSERT INTO jobs (id, project_id, name, description, properties, job_type,"
                " definition, status, status_name, inject_failure, created, modified)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    project_id,
                    name,
                    description,
                    json.dumps(properties),
                    job_type,
                    json.dumps(definition),
                    json.dumps(status),
                    "SUBMITTED",
                    int(inject_failure),
                    now,
                    now,
                ),
            )
            conn.executemany(
                "INSERT INTO job_items (job_id, item_id, program_id, spec, status)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        job_id,
                        index,
                        item["program_id"],
                        json.dumps({k: v for k, v in item.items() if k != "program_id"}),
                        json.dumps(item_status),
                    )
                    for index, item in enumerate(items)
                ],
            )
            self._touch_project(conn, project_id)
        job = self.get_job(job_id)
        assert job is not None
        return job

    def get_job(self, job_id: str) -> JobRow | None:
        """Return a job, or ``None``."""
        rows = self._query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return self._job(rows[0]) if rows else None

    def get_items(self, job_id: str) -> list[ItemRow]:
        """Return a job's items in order."""
        rows = self._query("SELECT * FROM job_items WHERE job_id = ? ORDER BY item_id", (job_id,))
        return [self._item(r) for r in rows]

    def program_ids(self, job_ids: Sequence[str]) -> dict[str, list[str]]:
        """Return the program ids of each job, in item order."""
        found: dict[str, list[str]] = {job_id: [] for job_id in job_ids}
        for start in range(0, len(job_ids), 500):
            chunk = list(job_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._query(
                f"SELECT job_id, program_id FROM job_items WHERE job_id IN ({marks})"
                " ORDER BY job_id, item_id",
                chunk,
            ):
                found[row["job_id"]].append(row["program_id"])
        return found

    def list_jobs(self, query: ListQuery) -> tuple[list[JobRow], int]:
        """List jobs matching ``query``; returns the page and the total count."""
        sql, params = "SELECT * FROM jobs WHERE 1=1", []
        scope, scope_params = self._in_projects(query.project_ids, query.owner)
        sql += scope
        params.extend(scope_params)
        if query.statuses:
            sql += f" AND status_name IN ({','.join('?' * len(query.statuses))})"
            params.extend(query.statuses)
        if query.job_types:
            sql += f" AND job_type IN ({','.join('?' * len(query.job_types))})"
            params.extend(query.job_types)
        rows = [self._job(r) for r in self._query(sql, params)]
        return apply_query(rows, query, listable)

    def all_jobs(self) -> list[JobRow]:
        """Every job, oldest first."""
        return [self._job(r) for r in self._query("SELECT * FROM jobs ORDER BY seq")]

    def count_jobs(self) -> int:
        """Number of jobs."""
        return int(self._query("SELECT COUNT(*) AS n FROM jobs")[0]["n"])

    def delete_job(self, job_id: str) -> None:
        """Delete a job, its items, results and compilation records (404 if unknown)."""
        with self._tx() as conn:
            if not conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone():
                raise ApiError(404, f"job {job_id} not found")
            self._delete_job_rows(conn, job_id)

    def cancel_job(self, job_id: str) -> JobRow:
        """Cancel a job: at once if it waits, via ``CANCELLING`` if it runs; no-op if finished."""
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise ApiError(404, f"job {job_id} not found")
            job = self._job(row)
            if job.status_name in RUNNABLE:
                message = "Job cancelled by the user"
                self._set_job_status(conn, job_id, transition(job.status, "CANCELLED", message))
                self._set_items(conn, job_id, "CANCELLED", message, only=RUNNABLE)
            elif job.status_name == "RUNNING":
                self._set_job_status(
                    conn, job_id, transition(job.status, "CANCELLING", "Cancellation requested")
                )
        updated = self.get_job(job_id)
        assert updated is not None
        return updated

    def retry_job(self, job_id: str, statuses: Sequence[str]) -> JobRow:
        """Restart a finished job from scratch if its status is one of ``statuses`` (else 400)."""
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise ApiError(404, f"job {job_id} not found")
            job = self._job(row)
            if job.status_name not in TERMINAL:
                raise ApiError(
                    400, f"job {job_id} is {job.status_name}; only finished jobs are retried"
                )
            if job.status_name not in statuses:
                raise ApiError(
                    400,
                    f"job {job_id} is {job.status_name}; only jobs in {sorted(statuses)} are "
                    "retried (pass retry_status to choose)",
                )
            self._bury_job_outputs(conn, job_id, "was purged when its job was retried")
            conn.execute("DELETE FROM results WHERE job_id = ?", (job_id,))
            conn.execute("DELETE FROM compilations WHERE job_id = ?", (job_id,))
            conn.execute(
                "UPDATE job_items SET result_id = NULL, compilation_id = NULL WHERE job_id = ?",
                (job_id,),
            )
            self._set_items(conn, job_id, "SUBMITTED", "", restart=True)
            self._set_job_status(
                conn, job_id, transition(job.status, "SUBMITTED", "Retrying", restart=True)
            )
            conn.execute("UPDATE jobs SET inject_failure = 0 WHERE id = ?", (job_id,))
        updated = self.get_job(job_id)
        assert updated is not None
        return updated

    def purge_results(self, job_id: str) -> int:
        """Purge a job's results (as Nexus purges old data); reading them then answers 410.

        Returns:
            The number of results purged.
        """
        with self._tx() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM results WHERE job_id = ?", (job_id,))]
            self._bury(conn, "result", ids, "was purged (old data is no longer kept)")
            conn.execute("DELETE FROM results WHERE job_id = ?", (job_id,))
        return len(ids)

    def get_result(self, result_id: str) -> ResultRow | None:
        """Return a result, or ``None``."""
        found = self.get_result_text(result_id)
        if found is None:
            return None
        row, text = found
        row.content = json.loads(text)
        return row

    def get_result_text(self, result_id: str) -> tuple[ResultRow, str] | None:
        """Return a result (with empty ``content``) and its stored JSON text, or ``None``."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, job_id, item_id, program_id, device_name, content FROM results"
                " WHERE id = ?",
                (result_id,),
            ).fetchone()
        if row is None:
            return None
        result = ResultRow(
            id=row[0],
            job_id=row[1],
            item_id=row[2],
            program_id=row[3],
            device_name=row[4],
            content={},
        )
        return result, row[5]

    def create_compilation(
        self,
        *,
        job: JobRow,
        original_circuit_id: str,
        compiled_circuit_id: str,
    ) -> CompilationRow:
        """Record that ``compiled_circuit_id`` is ``original_circuit_id`` compiled by ``job``."""
        now = iso_now()
        compilation_id = str(uuid.uuid4())
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO compilations (id, job_id, project_id, name, description, properties,"
                " original_circuit_id, compiled_circuit_id, created, modified)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    compilation_id,
                    job.id,
                    job.project_id,
                    job.name,
                    job.description,
                    json.dumps(job.properties),
                    original_circuit_id,
                    compiled_circuit_id,
                    now,
                    now,
                ),
            )
        compilation = self.get_compilation(compilation_id)
        assert compilation is not None
        return compilation

    def get_compilation(self, compilation_id: str) -> CompilationRow | None:
        """Return a compilation record, or ``None``."""
        rows = self._query("SELECT * FROM compilations WHERE id = ?", (compilation_id,))
        if not rows:
            return None
        row = rows[0]
        return CompilationRow(
            id=row["id"],
            job_id=row["job_id"],
            project_id=row["project_id"],
            name=row["name"],
            description=row["description"],
            properties=json.loads(row["properties"]),
            original_circuit_id=row["original_circuit_id"],
            compiled_circuit_id=row["compiled_circuit_id"],
            created=row["created"],
            modified=row["modified"],
        )
