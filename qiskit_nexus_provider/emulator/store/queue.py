"""The worker's side of jobs: queueing, claiming, recording outcomes, recovering."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from qiskit_nexus_provider.emulator.jsonio import dump_stored
from qiskit_nexus_provider.emulator.store.jobs import JobsMixin
from qiskit_nexus_provider.emulator.store.rows import (
    RUNNABLE,
    ItemOutcome,
    JobRow,
    transition,
)

__all__ = ["QueueMixin"]

logger = logging.getLogger(__name__)


class QueueMixin(JobsMixin):
    """Job state transitions driven by the worker."""

    def queue_submitted(self) -> None:
        """Move ``SUBMITTED`` jobs to ``QUEUED`` and renumber the queue positions."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT * FROM jobs WHERE status_name IN ('SUBMITTED', 'QUEUED') ORDER BY seq"
            ).fetchall()
            for position, row in enumerate(rows):
                job = self._job(row)
                status = job.status
                if job.status_name == "SUBMITTED":
                    status = transition(status, "QUEUED", "Queued in the emulator")
                    self._set_items(conn, job.id, "QUEUED", "", only=("SUBMITTED",))
                if status.get("queue_position") != position:
                    status = {**status, "queue_position": position}
                if status != job.status:
                    self._set_job_status(conn, job.id, status)

    def claim_next_job(self) -> JobRow | None:
        """Take the oldest ``QUEUED`` job and mark it ``RUNNING``; ``None`` if there is none."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT * FROM jobs WHERE status_name = 'QUEUED' ORDER BY seq LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            job = self._job(row)
            job.status = transition(job.status, "RUNNING", "Running in the emulator")
            self._set_job_status(conn, job.id, job.status)
        self.queue_submitted()
        return job

    def next_waiting_job(self) -> JobRow | None:
        """The job :meth:`claim_next_job` takes next (the oldest ``SUBMITTED`` or ``QUEUED``
        one), left as it is; ``None`` if there is none."""
        rows = self._query(
            "SELECT * FROM jobs WHERE status_name IN ('SUBMITTED', 'QUEUED') ORDER BY seq LIMIT 1"
        )
        return self._job(rows[0]) if rows else None

    def has_runnable_jobs(self) -> bool:
        """Whether some job waits to be run."""
        marks = ",".join("?" * len(RUNNABLE))
        rows = self._query(f"SELECT 1 FROM jobs WHERE status_name IN ({marks}) LIMIT 1", RUNNABLE)
        return bool(rows)

    def job_status_name(self, job_id: str) -> str | None:
        """The job's current status name, or ``None`` if it was deleted."""
        rows = self._query("SELECT status_name FROM jobs WHERE id = ?", (job_id,))
        return str(rows[0]["status_name"]) if rows else None

    def mark_items_running(self, job_id: str, item_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Mark items ``RUNNING``; returns their new status dictionaries by item id."""
        updated: dict[int, dict[str, Any]] = {}
        wanted = set(item_ids)
        with self._tx() as conn:
            rows = self._item_statuses(conn, job_id, item_ids)
            updates = []
            for item_id, text in rows:
                if item_id not in wanted:
                    continue
                status = transition(json.loads(text), "RUNNING")
                updates.append((json.dumps(status), job_id, item_id))
                updated[item_id] = status
            conn.executemany(
                "UPDATE job_items SET status = ? WHERE job_id = ? AND item_id = ?", updates
            )
        return updated

    @staticmethod
    def _item_statuses(conn: Any, job_id: str, item_ids: Sequence[int]) -> list[tuple[int, str]]:
        """``(item_id, status)`` of some items of a job (a superset when there are many)."""
        if len(item_ids) <= 500:
            marks = ",".join("?" * len(item_ids))
            sql = f"SELECT item_id, status FROM job_items WHERE job_id = ? AND item_id IN ({marks})"
            return [tuple(r) for r in conn.execute(sql, (job_id, *item_ids))]
        sql = "SELECT item_id, status FROM job_items WHERE job_id = ?"
        return [tuple(r) for r in conn.execute(sql, (job_id,))]

    def record_outcomes(self, job_id: str, outcomes: Sequence[ItemOutcome]) -> bool:
        """Store finished items and their results in one transaction.

        Returns:
            ``False`` (storing nothing) if the job was deleted meanwhile.
        """
        results = []
        items = []
        for outcome in outcomes:
            result_id = None
            if outcome.result is not None:
                result_id = str(uuid.uuid4())
                results.append((result_id, outcome))
            items.append(
                (
                    json.dumps(outcome.status),
                    result_id,
                    outcome.compilation_id,
                    job_id,
                    outcome.item_id,
                )
            )
        with self._tx() as conn:
            if not conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone():
                return False
            if results:
                missing = [o.item_id for _, o in results if o.program_id is None]
                programs: dict[int, str] = {}
                if missing:
                    programs = dict(
                        conn.execute(
                            "SELECT item_id, program_id FROM job_items WHERE job_id = ?", (job_id,)
                        ).fetchall()
                    )
                conn.executemany(
                    "INSERT INTO results (id, job_id, item_id, program_id, device_name,"
                    " content) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (
                            result_id,
                            job_id,
                            o.item_id,
                            o.program_id if o.program_id is not None else programs[o.item_id],
                            o.device_name,
                            dump_stored(o.result),
                        )
                        for result_id, o in results
                    ],
                )
            conn.executemany(
                "UPDATE job_items SET status = ?, result_id = ?, compilation_id = ?"
                " WHERE job_id = ? AND item_id = ?",
                items,
            )
        return True

    def finish_job(self, job_id: str) -> JobRow | None:
        """Give a running job its final status from its items' statuses.

        A job asked to cancel while running ends ``CANCELLED`` (unfinished items too); else it
        ends ``ERROR`` if an item failed, ``COMPLETED`` otherwise.  Returns ``None`` if the job
        was deleted.
        """
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            job = self._job(row)
            items = [
                self._item(r)
                for r in conn.execute(
                    "SELECT * FROM job_items WHERE job_id = ? ORDER BY item_id", (job_id,)
                )
            ]
            cost = round(sum(float(i.status.get("cost") or 0.0) for i in items), 6)
            errors = [i for i in items if i.status["status"] == "ERROR"]
            if job.status_name == "CANCELLING":
                message = "Job cancelled by the user"
                self._set_items(conn, job_id, "CANCELLED", message, only=(*RUNNABLE, "RUNNING"))
                status = transition(job.status, "CANCELLED", message, cost=cost)
            elif errors:
                first = errors[0]
                detail = first.status.get("error_detail") or first.status.get("message", "")
                message = f"{len(errors)} of {len(items)} item(s) failed; item {first.item_id}: "
                status = transition(job.status, "ERROR", message + detail, cost=cost)
            else:
                status = transition(job.status, "COMPLETED", "Job completed", cost=cost)
            self._set_job_status(conn, job_id, status)
        return self.get_job(job_id)

    def fail_job(self, job_id: str, message: str) -> None:
        """Put a job and its unfinished items in ``ERROR``."""
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return
            job = self._job(row)
            self._set_items(conn, job_id, "ERROR", message, only=(*RUNNABLE, "RUNNING"))
            self._set_job_status(conn, job_id, transition(job.status, "ERROR", message))

    def recover(self) -> int:
        """Requeue jobs interrupted by a shutdown; returns how many.

        ``RUNNING`` jobs go back to ``QUEUED`` (finished items keep their results);
        ``CANCELLING`` jobs become ``CANCELLED``.
        """
        count = 0
        with self._tx() as conn:
            for row in conn.execute(
                "SELECT * FROM jobs WHERE status_name IN ('RUNNING', 'CANCELLING')"
            ).fetchall():
                job = self._job(row)
                if job.status_name == "CANCELLING":
                    message = "Job cancelled by the user"
                    self._set_items(conn, job.id, "CANCELLED", message, only=(*RUNNABLE, "RUNNING"))
                    self._set_job_status(conn, job.id, transition(job.status, "CANCELLED", message))
                    continue
                self._set_items(
                    conn, job.id, "QUEUED", "Requeued after a restart", only=("RUNNING",)
                )
                self._set_job_status(
                    conn, job.id, transition(job.status, "QUEUED", "Requeued after a restart")
                )
                count += 1
        if count:
            logger.info("requeued %d job(s) interrupted by a shutdown", count)
        return count
