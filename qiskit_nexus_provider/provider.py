"""``NexusProvider``: credentials, configuration, backend listing and job retrieval."""

from __future__ import annotations

import difflib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qiskit.providers import QiskitBackendNotFoundError

from .api.credentials import (
    check_secure_url,
    check_token,
    resolve_base_url,
    resolve_credentials,
)
from .api.errors import AuthenticationError, NexusAPIError, NexusConnectionError
from .backends.base import NexusBackend
from .backends.offline import OFFLINE_SIMULATOR_NAMES, OfflineSimulatorBackend
from .backends.table import BackendsTable
from .noise import NoiseFigures
from .options import NexusOptions
from .store import BackendSpec, JobRecord, JobStore, decode_circuits

if TYPE_CHECKING:
    from .jobs.composite import NexusCompositeJob
    from .jobs.job import NexusJob

__all__ = ["NexusProvider"]

logger = logging.getLogger(__name__)

TOKEN_WAYS = (
    "the token argument (--token on the command line), the QISKIT_NEXUS_TOKEN environment "
    "variable, or the token files `qnx login` writes (in ~/.qnx/auth, or the folder "
    "NEXUS_TOKEN_PATH names)"
)
"""The ways to give a Nexus refresh token, as error messages name them."""

_SOURCES = {
    "argument": "the token passed as argument",
    "environment": "the token in QISKIT_NEXUS_TOKEN",
    "qnexus files": "the token of the qnexus token files (`qnx login`)",
}


class NexusProvider:
    """Entry point to Quantinuum Nexus backends and the offline simulators.

    The offline simulators (``offline_simulator_no_noise``, ``offline_simulator_noise``) are
    always available and need no account.  Remote Nexus backends are listed when a token is found.

    Args:
        token: Nexus refresh token.  Default: the ``QISKIT_NEXUS_TOKEN`` environment variable, then
            the token files ``qnexus`` writes (``~/.qnx/auth``), so a user already logged in with
            ``qnx login`` needs nothing more.
        url: Nexus base URL.  Default: qnexus's ``NEXUS_PROTOCOL``/``NEXUS_DOMAIN``/``NEXUS_PORT``
            variables, then ``https://nexus.quantinuum.com``.  A local emulator's URL works too.
        project: Nexus project name for remote jobs (created when missing).  Default
            ``"qiskit-nexus-provider"``.
        store_path: folder of persisted jobs.  Default: the user cache folder
            (``platformdirs.user_cache_dir("qiskit_nexus_provider")``).
        client_options: keyword arguments passed to the REST client (``timeouts``, ``retry``).

    Raises:
        TypeError: ``token``, ``url`` or ``project`` is not a string.
        ValueError: ``token`` holds characters no token holds, or ``url`` is not of the form
            ``http(s)://host[:port]`` or would send the token in clear text to another machine
            (plain ``http`` is for loopback hosts only).  These arguments are checked here, so a
            mistake is reported before anything runs; a token or URL found in the environment
            is checked when a remote backend is first asked for.
    """

    DEFAULT_PROJECT = "qiskit-nexus-provider"

    def __init__(
        self,
        token: str | None = None,
        *,
        url: str | None = None,
        project: str | None = None,
        store_path: str | os.PathLike[str] | None = None,
        **client_options: Any,
    ) -> None:
        check_token(token, "the token argument")
        if token is not None and not token.strip():
            raise ValueError("The Nexus token must not be empty")
        if url is not None:
            check_secure_url(resolve_base_url(url))
        if project is not None and not isinstance(project, str):
            raise TypeError(
                f"project must be a str (a Nexus project name), not {type(project).__name__}"
            )
        self._token = token
        self._url = url
        self.project = project or self.DEFAULT_PROJECT
        self.store = JobStore(store_path)
        self._client_options = client_options
        self._remote: Any = None  # RemoteCatalog, created on first use

    def __repr__(self) -> str:
        return f"<NexusProvider url={self._url!r} project={self.project!r} store={self.store}>"

    # -- remote access ---------------------------------------------------------------------
    @property
    def remote(self) -> Any:
        """The remote side (REST client and device catalog), created on first use."""
        if self._remote is None:
            from .backends.remote import RemoteCatalog

            self._remote = RemoteCatalog(
                self, token=self._token, url=self._url, **self._client_options
            )
        return self._remote

    # -- backends --------------------------------------------------------------------------
    def backends(
        self, name: str | None = None, *, strict: bool = False, **filters: Any
    ) -> BackendsTable:
        """List backends, optionally filtered.

        Args:
            name: exact backend name.
            strict: when a token is found but Nexus cannot list its devices, raise the cause
                (as :meth:`get_backend` does) instead of warning and listing only the offline
                simulators.
            filters: backend attributes that must be equal, e.g. ``kind="offline"`` or
                ``device_kind="emulator"``; ``min_qubits=N`` keeps backends with at least N qubits.
                Remote backends are listed only when a token is available; when Nexus cannot be
                reached, the offline simulators are still returned, with a warning.

        Returns:
            A :class:`.BackendsTable` (a list that prints as a table).

        Raises:
            AuthenticationError: (``strict`` only) Nexus rejected the token.
            NexusConnectionError: (``strict`` only) Nexus could not be reached.
        """
        include_remote = filters.get("kind") != "offline" and name not in OFFLINE_SIMULATOR_NAMES
        every = self._all_backends(include_remote, strict=strict)
        return BackendsTable(b for b in every if _matches(b, name, filters))

    def _all_backends(self, include_remote: bool, *, strict: bool) -> list[NexusBackend]:
        """The offline simulators, then the Nexus devices (listed once)."""
        backends: list[NexusBackend] = [
            OfflineSimulatorBackend(self, noisy=False),
            OfflineSimulatorBackend(self, noisy=True),
        ]
        if include_remote:
            try:
                backends.extend(self.remote.backends(strict=strict))
            except (NexusAPIError, OSError) as exc:
                explained = self._explain(exc)
                if explained is exc:  # already names its cause (a 5xx, a 403...)
                    raise
                raise explained from exc
        return backends

    def _explain(self, exc: Exception) -> Exception:
        """The error to raise when Nexus could not list its devices: it names the cause."""
        url = self.remote.url
        if isinstance(exc, AuthenticationError):
            source = _SOURCES.get(resolve_credentials(self._token).source, "the token")
            return AuthenticationError(
                f"Nexus at {url} rejected {source}: {exc.message.rstrip('. ')}. Give a valid "
                "refresh token (the long-lived token `qnx login` stores, not a short-lived "
                f"access token) with {TOKEN_WAYS}.",
                status_code=exc.status_code,
                method=exc.method,
                url=exc.url,
            )
        if isinstance(exc, NexusConnectionError | OSError):
            reason = exc.message if isinstance(exc, NexusAPIError) else str(exc)
            return NexusConnectionError(
                f"Cannot reach Nexus at {url}: {reason}. Check the address (the url argument, "
                "or NEXUS_PROTOCOL, NEXUS_DOMAIN and NEXUS_PORT) and the network.",
                method=getattr(exc, "method", None),
                url=getattr(exc, "url", None),
            )
        return exc

    def get_backend(self, name: str | None = None, **kwargs: Any) -> NexusBackend:
        """Return the backend called ``name``.

        The offline simulators need no account.  Any other name lists the Nexus devices (one
        request); when that fails, the cause is raised, not "backend not found".

        Args:
            name: the backend name (see :meth:`backends`).
            kwargs: for offline simulators, ``num_qubits=N`` builds one of another size; other
                keyword arguments filter as in :meth:`backends`.

        Raises:
            QiskitBackendNotFoundError: no (or more than one) backend matches; the message lists
                the names available, and the one meant when the name differs in case or by a
                typo ("Did you mean 'H1-1E'?"); a name close to an offline simulator's is this
                error, not a request for a token.
            AuthenticationError: a Nexus backend was asked for but no token was found (the
                message names the ways to give one), or Nexus rejected the token.
            NexusConnectionError: Nexus could not be reached at its URL (named in the message).
        """
        if name in OFFLINE_SIMULATOR_NAMES and kwargs.keys() <= {"num_qubits"}:
            return OfflineSimulatorBackend(
                self,
                noisy=name == OFFLINE_SIMULATOR_NAMES[1],
                num_qubits=kwargs.get("num_qubits", 20),
            )
        if "num_qubits" in kwargs:
            raise QiskitBackendNotFoundError(
                f"num_qubits can only be chosen for the offline simulators, not {name!r}."
            )
        include_remote = kwargs.get("kind") != "offline" and name not in OFFLINE_SIMULATOR_NAMES
        if include_remote and not self.remote.has_token:
            offline_hint = _did_you_mean(name, list(OFFLINE_SIMULATOR_NAMES))
            if offline_hint:  # a mistyped offline name is no reason to ask for a token
                raise QiskitBackendNotFoundError(
                    f"No backend named {name!r}.{offline_hint} The offline simulators, which need "
                    f"no token: {', '.join(OFFLINE_SIMULATOR_NAMES)}."
                )
            raise AuthenticationError(
                f"No Nexus token found, so Nexus backend {name!r} at {self.remote.url} cannot be "
                f"reached (the offline simulators need none: "
                f"{', '.join(OFFLINE_SIMULATOR_NAMES)}). Give a refresh token with {TOKEN_WAYS}."
            )
        every = self._all_backends(include_remote, strict=True)
        found = [b for b in every if _matches(b, name, kwargs)]
        if not found and include_remote and name is not None:
            reason = self.remote.refusal(name)  # listed by Nexus, but not runnable here
            if reason is not None:
                raise QiskitBackendNotFoundError(f"{reason}.")
        if len(found) != 1:
            names = [b.name for b in every]
            what = "No backend" if not found else f"{len(found)} backends"
            wanted = f"{what} named {name!r}" if name is not None else f"{what}"
            if kwargs:
                wanted += f" matching {kwargs}"
            hint = _did_you_mean(name, names) if not found else ""
            raise QiskitBackendNotFoundError(
                f"{wanted}.{hint} Available backends: {', '.join(names)}."
            )
        return found[0]

    def backend_from_spec(self, spec: BackendSpec) -> NexusBackend:
        """Rebuild the backend described by a persisted :class:`.BackendSpec`."""
        if spec.kind == "offline":
            return OfflineSimulatorBackend(
                self,
                noisy=spec.noise is not None,
                num_qubits=spec.num_qubits or 20,
                noise=NoiseFigures(**spec.noise) if spec.noise else None,
            )
        return self.remote.backend_for_spec(spec)

    # -- jobs ------------------------------------------------------------------------------
    def restore_job(self, job_id: str, *, url: str | None = None) -> NexusJob | NexusCompositeJob:
        """Rebuild a job persisted in this provider's store (see :meth:`.NexusJob.restore`).

        Args:
            job_id: the persisted job's id.
            url: reach a remote job at this Nexus URL instead of the one its record names (for
                example an emulator restarted on another port).  Default: the recorded URL.
        """
        record = self.store.load(job_id)
        provider = self._for_record(record, url)
        backend = provider.backend_from_spec(record.backend)
        from .exceptions import OptionsError, StoreCorruptError

        try:
            options = NexusOptions.validated(record.options)
        except OptionsError as exc:  # a checksum-valid record with wrong option types
            raise StoreCorruptError(self.store.file_for(job_id), str(exc)) from None
        if record.kind == "composite":
            from .jobs.composite import NexusCompositeJob

            return NexusCompositeJob.from_record(backend, record, provider.store)
        from .jobs.job import NexusJob

        if record.circuits_qpy is None:
            raise StoreCorruptError(self.store.file_for(job_id), "the record holds no circuits")
        try:
            circuits = decode_circuits(record.circuits_qpy)
        except Exception as exc:  # bad base64 or QPY
            raise StoreCorruptError(
                self.store.file_for(job_id), f"unreadable circuits ({type(exc).__name__}: {exc})"
            ) from None
        job = NexusJob(
            backend,
            record.job_id,
            circuits,
            options,
            state=record.state,
            submitted=True,
        )
        job.created = record.created
        job.recorded_in = self.store
        if not backend.resume_job(job):
            raise StoreCorruptError(
                self.store.file_for(job_id), "the job was persisted but never submitted"
            )
        return job

    def _for_record(self, record: JobRecord, url: str | None = None) -> NexusProvider:
        """The provider that talks to the record's server: this one, another, or an error.

        The token goes only to a URL the user chose: the configured one (the ``url`` argument,
        the ``NEXUS_*`` variables, or the default Nexus), or ``url`` given here.  A record naming
        another server (one restored from elsewhere, or edited) is refused rather than sent the
        token.

        Raises:
            PermissionError: the record's server is not the configured one and no ``url`` was
                given; pass its URL as ``url=`` to use it.
        """
        spec = record.backend
        if spec.kind != "remote" or spec.url is None:
            return self
        configured = self.remote.url
        if url is None and spec.url.rstrip("/") != configured.rstrip("/"):
            raise PermissionError(
                f"Job {record.job_id!r} ran on the Nexus at {spec.url}, but this provider is "
                f"configured for {configured}; the token is only sent to the configured server. "
                f"Pass url={spec.url!r} to restore it there (--url {spec.url} on the command "
                "line)."
            )
        target = url or configured
        if target.rstrip("/") == configured.rstrip("/") and spec.project in (None, self.project):
            return self
        return NexusProvider(
            self._token,
            url=target,
            project=spec.project or self.project,
            store_path=self.store.path,
            **self._client_options,
        )

    def retrieve_job(self, job_id: str, *, url: str | None = None) -> NexusJob | NexusCompositeJob:
        """Get a job by id: from the local store if persisted there, else from Nexus alone.

        Args:
            job_id: the job's id.
            url: for a persisted remote job, the Nexus URL to reach it at instead of the
                recorded one (see :meth:`restore_job`).  A job not in the store is looked up
                at this provider's URL.

        Raises:
            JobNotFoundError: neither the store nor Nexus knows the id.
        """
        if self.store.exists(job_id):
            return self.restore_job(job_id, url=url)
        from .exceptions import JobNotFoundError

        if self._remote is None and not self.remote.has_token:
            raise JobNotFoundError(
                f"Job {job_id!r} is not in the store {self.store.path} and no Nexus token is "
                "configured to look it up on the server.  A job is in the store only once "
                "persisted (job.persist()); `qiskit-nexus jobs` lists the persisted jobs."
            )
        return self.remote.retrieve_job(job_id)

    def jobs(self) -> list[tuple[str, JobRecord | Exception]]:
        """Persisted jobs in the store: ``(job_id, record or the error reading it)``."""
        return list(self.store.records())

    @property
    def store_path(self) -> Path:
        """The store folder."""
        return self.store.path


def _did_you_mean(name: str | None, names: list[str]) -> str:
    """`` Did you mean 'H1-1E'?`` for a name that differs in case or by a typo, else ``""``."""
    if name is None:
        return ""
    same_case = [n for n in names if n.lower() == name.lower()]
    close = same_case or difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    return f" Did you mean {close[0]!r}?" if close else ""


def _matches(backend: NexusBackend, name: str | None, filters: dict[str, Any]) -> bool:
    if name is not None and backend.name != name:
        return False
    for key, value in filters.items():
        if key == "min_qubits":
            if backend.num_qubits < value:
                return False
        elif key == "kind":
            kind = "offline" if isinstance(backend, OfflineSimulatorBackend) else "remote"
            if kind != value:
                return False
        elif getattr(backend, key, object()) != value:
            return False
    return True
