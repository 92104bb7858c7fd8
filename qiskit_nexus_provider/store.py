"""The job store: one JSON file per persisted job, written atomically with owner-only permissions.

Layout: ``<store>/<job_id>.json`` where ``<store>`` defaults to
``platformdirs.user_cache_dir("qiskit_nexus_provider")``.  Each file carries a ``schema_version``
(not a folder per package version, so an upgrade keeps every stored job) and a SHA-256 checksum of
its content, so a truncated, corrupt or hand-edited file is reported, naming the file, instead of
silently giving wrong results.  Circuits are stored as base64-encoded QPY.  Files never hold a
token.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import hashlib
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import platformdirs
from filelock import FileLock
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from qiskit import QuantumCircuit, qpy

from .api.warn import warn_user
from .exceptions import JobNotFoundError, StoreCorruptError

__all__ = [
    "SCHEMA_VERSION",
    "BackendSpec",
    "JobRecord",
    "JobStore",
    "check_job_id",
    "decode_circuits",
    "default_store_path",
    "encode_circuits",
]

SCHEMA_VERSION = 1
"""Version of the record format.  A file of a newer version is refused with a clear error (upgrade
the package); when the format changes, older versions will be migrated on load."""

_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")
_MAX_RECORD_BYTES = 512 * 1024 * 1024


def check_job_id(job_id: str) -> str:
    """Return ``job_id`` if it is safe as a file name, else raise :class:`ValueError`.

    Ids with path separators, ``..``, leading dots or characters outside ``[A-Za-z0-9_.:-]`` are
    refused before anything touches the disk.  The whole string must match (a trailing newline
    is refused too).
    """
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id) or ".." in job_id:
        raise ValueError(
            f"Invalid job id {job_id!r}: ids may only contain letters, digits, '_', '-', '.', ':' "
            "and no '..' or path separators."
        )
    return job_id


def default_store_path() -> Path:
    """The store folder used when none is given: the user's cache folder for this package."""
    return Path(platformdirs.user_cache_dir("qiskit_nexus_provider", appauthor=False))


def encode_circuits(circuits: Sequence[QuantumCircuit]) -> str:
    """Serialise circuits as base64 QPY."""
    buffer = io.BytesIO()
    qpy.dump(list(circuits), buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_circuits(data: str) -> list[QuantumCircuit]:
    """Inverse of :func:`encode_circuits`."""
    circuits = qpy.load(io.BytesIO(base64.b64decode(data.encode("ascii"), validate=True)))
    if not all(isinstance(c, QuantumCircuit) for c in circuits):
        raise ValueError("the QPY payload holds something other than circuits")
    return list(circuits)


class BackendSpec(BaseModel):
    """Everything needed to rebuild the backend a job ran on (never a token)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["offline", "remote"]
    num_qubits: int | None = None
    """Offline simulators: the size the backend was built with."""
    noise: dict[str, float] | None = None
    """Offline simulators: the noise figures (``None`` for the noiseless one)."""
    url: str | None = None
    """Remote backends: the Nexus base URL."""
    project: str | None = None
    """Remote backends: the Nexus project name."""


class JobRecord(BaseModel):
    """A persisted job (``kind="job"``) or composite job (``kind="composite"``)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    kind: Literal["job", "composite"] = "job"
    job_id: str
    backend: BackendSpec
    options: dict[str, Any]
    circuits_qpy: str | None = None
    """The circuits, base64 QPY (a composite keeps them in its sub-job records)."""
    created: _dt.datetime = Field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    state: dict[str, Any] = Field(default_factory=dict)
    """Backend-specific state: offline seed; remote Nexus job and circuit ids; composite slots."""
    status: str | None = None
    """Last status seen when the record was written (informative)."""
    error: str | None = None


def _checksum(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class JobStore:
    """A folder of persisted job records.

    Args:
        path: the folder; ``None`` for :func:`default_store_path`.  It is created with mode 0700
            when first written to.  An existing folder that group or others may read or write
            is tightened to 0700 (with a :class:`UserWarning`), or, if that fails, reported by a
            warning each time the store is written.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()

    def __repr__(self) -> str:
        return f"JobStore({str(self.path)!r})"

    def file_for(self, job_id: str) -> Path:
        """Path of the record of ``job_id`` (validated first)."""
        return self.path / f"{check_job_id(job_id)}.json"

    def ensure_folder(self) -> None:
        """Create the folder (mode 0700), or tighten an existing one open to group or others."""
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            try:
                os.chmod(self.path, mode & 0o700)
            except OSError as exc:
                warn_user(
                    f"The job store {self.path} has mode {mode:o}: other users may read or alter "
                    f"its records, and it could not be tightened ({exc}).",
                    UserWarning,
                )
            else:
                warn_user(
                    f"The job store {self.path} had mode {mode:o}; tightened to "
                    f"{mode & 0o700:o} (owner only).",
                    UserWarning,
                )

    def lock(self, job_id: str) -> FileLock:
        """An inter-process lock on the record of ``job_id`` (``<store>/.<job_id>.lock``).

        Restores and reruns of a composite job hold it while they decide what to submit and
        submit it, so that two processes never submit the same slot twice.  The lock is not
        bound to a thread: a background thread may release what the caller acquired.
        """
        self.ensure_folder()
        return FileLock(self.path / f".{check_job_id(job_id)}.lock", thread_local=False)

    # -- write ------------------------------------------------------------------------------
    def save(self, record: JobRecord) -> Path:
        """Write ``record`` atomically (temporary file, fsync, rename) with mode 0600."""
        target = self.file_for(record.job_id)
        self.ensure_folder()
        payload = record.model_dump(mode="json")
        document = {"checksum": _checksum(payload), "record": payload}
        fd, tmp_name = tempfile.mkstemp(prefix=f".{record.job_id}.", suffix=".tmp", dir=self.path)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        return target

    # -- read -------------------------------------------------------------------------------
    def load(self, job_id: str) -> JobRecord:
        """Read the record of ``job_id``.

        Raises:
            ValueError: the id is not a safe file name.
            JobNotFoundError: no record with that id.
            StoreCorruptError: the file is unreadable, fails its checksum, or has an unknown schema.
        """
        path = self.file_for(job_id)
        try:
            if path.stat().st_size > _MAX_RECORD_BYTES:
                raise StoreCorruptError(path, f"larger than {_MAX_RECORD_BYTES} bytes")
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise JobNotFoundError(
                f"No persisted job {job_id!r} in the store {self.path}."
            ) from None
        except UnicodeDecodeError as exc:
            raise StoreCorruptError(
                path, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None
        except OSError as exc:  # a directory, a symlink loop, no permission
            raise StoreCorruptError(
                path, f"cannot be read ({type(exc).__name__}: {exc.strerror})"
            ) from None
        record = self._parse(path, text)
        if record.job_id != job_id:
            raise StoreCorruptError(path, f"it holds job {record.job_id!r}, not {job_id!r}")
        return record

    @staticmethod
    def _parse(path: Path, text: str) -> JobRecord:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreCorruptError(path, f"not valid JSON ({exc})") from None
        except RecursionError:
            raise StoreCorruptError(path, "JSON nested too deeply") from None
        if not isinstance(document, dict) or not isinstance(document.get("record"), dict):
            raise StoreCorruptError(path, "no 'record' object")
        payload = document["record"]
        if document.get("checksum") != _checksum(payload):
            raise StoreCorruptError(path, "checksum mismatch (the file was modified or truncated)")
        version = payload.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise StoreCorruptError(path, f"schema_version {version!r} is not a valid version")
        if version > SCHEMA_VERSION:
            raise StoreCorruptError(
                path,
                f"schema_version {version!r} is not supported by this version of "
                f"qiskit-nexus-provider (which reads up to {SCHEMA_VERSION}); upgrade the package",
            )
        try:
            return JobRecord.model_validate(payload)
        except ValidationError as exc:
            raise StoreCorruptError(
                path, f"invalid record ({exc.error_count()} error(s))"
            ) from None

    def exists(self, job_id: str) -> bool:
        """Whether a record of ``job_id`` exists."""
        return self.file_for(job_id).exists()

    def delete(self, job_id: str) -> None:
        """Remove the record of ``job_id`` (no error if it does not exist)."""
        with contextlib.suppress(FileNotFoundError):
            self.file_for(job_id).unlink()

    def job_ids(self) -> list[str]:
        """Ids of every stored record, oldest file first."""
        if not self.path.is_dir():
            return []

        def mtime(path: Path) -> float:
            try:
                return path.lstat().st_mtime
            except OSError:
                return 0.0

        files = sorted(self.path.glob("*.json"), key=mtime)
        return [p.stem for p in files if _JOB_ID.fullmatch(p.stem) and ".." not in p.stem]

    def records(self) -> Iterator[tuple[str, JobRecord | StoreCorruptError]]:
        """Yield ``(job_id, record)`` for every stored job; unreadable ones yield the error."""
        for job_id in self.job_ids():
            try:
                yield job_id, self.load(job_id)
            except StoreCorruptError as exc:
                yield job_id, exc
            except JobNotFoundError:  # removed since it was listed
                continue
