"""The Nexus REST client: projects, circuits, jobs, results and devices.

:class:`NexusClient` knows the endpoints and JSON bodies of the API (as ``qnexus`` 0.51 speaks
it); authentication, retries, timeouts and error mapping are the job of
:class:`~qiskit_nexus_provider.api.transport.Transport`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from types import TracebackType
from typing import Any
from urllib.parse import quote

import pydantic
import requests
from quantinuum_schemas.models.backend_config import BaseBackendConfig

from .backend_configs import parse_backend_config, serialise_backend_config
from .config import RetryPolicy, Timeouts
from .credentials import resolve_base_url, resolve_credentials
from .encoded import EncodedCircuit, circuit_upload_body
from .errors import AmbiguousResourceError, NexusAPIError, NexusConnectionError
from .http import Reply
from .models import (
    BackendInfo,
    CountResponse,
    DevicesEntry,
    JobItem,
    JobStatus,
    JobStatusEnum,
    Resource,
    RetryRequest,
)
from .pool import run_concurrently
from .query import (
    SCOPE_USER,
    StatusFilter,
    device_params,
    job_filters,
    page_params,
    properties_filter,
)
from .transport import Transport
from .warn import warn_user

__all__ = ["CLIENT_KEY_PROPERTY", "NexusClient", "job_items"]

_STREAM_CLOSE_TIMEOUT = 1.0
"""Seconds a closing status stream waits for the server's closing handshake."""

logger = logging.getLogger(__name__)

CLIENT_KEY_PROPERTY = "qiskit_nexus_client_key"
"""Job property holding the client-generated idempotency key of a job submission."""

PROJECTS = "/api/projects/v1beta2"
CIRCUITS = "/api/circuits/v1beta2"
JOBS = "/api/jobs/v1beta3"
RESULTS = "/api/results/v1beta3"
COMPILATIONS = "/api/compilations/v1beta3"
DEVICES = "/api/v5/available_devices"

_SUCCESS = range(200, 300)


def _quote(resource_id: str) -> str:
    if not isinstance(resource_id, str) or not resource_id:
        raise ValueError(f"Invalid resource id {resource_id!r}")
    return quote(resource_id, safe="")


def _invalid(response: Reply, what: str) -> NexusAPIError:
    return NexusAPIError(
        f"Unexpected response body: {what}",
        status_code=response.status_code,
        method=response.method,
        url=response.url,
    )


def _json(response: Reply) -> Any:
    try:
        return response.json()
    except ValueError:
        raise _invalid(response, "not JSON") from None


def _data(response: Reply) -> Any:
    body = _json(response)
    if not isinstance(body, dict) or "data" not in body:
        raise _invalid(response, "no 'data' member")
    return body["data"]


def _resource(response: Reply) -> Resource:
    data = _data(response)
    try:
        return Resource.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _invalid(response, f"malformed resource: {exc}") from None


def _resources(response: Reply) -> list[Resource]:
    data = _data(response)
    if not isinstance(data, list):
        raise _invalid(response, "'data' is not a list")
    try:
        return [Resource.model_validate(item) for item in data]
    except pydantic.ValidationError as exc:
        raise _invalid(response, f"malformed resource: {exc}") from None


def _attributes(response: Reply) -> dict[str, Any]:
    data = _data(response)
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise _invalid(response, "no 'data.attributes' object")
    return attributes


def _count(response: Reply) -> int:
    try:
        return CountResponse.model_validate(_json(response)).count
    except pydantic.ValidationError:
        raise _invalid(response, "expected {'count': int}") from None


def _project_relationship(project_id: str) -> dict[str, Any]:
    return {"project": {"data": {"id": project_id, "type": "project"}}}


def job_items(job: Resource) -> list[JobItem]:
    """The items of a job resource's definition, one per program.

    Args:
        job: A job resource, as returned by :meth:`NexusClient.get_job`.

    Returns:
        The parsed items (with status, result and compilation ids).

    Raises:
        NexusAPIError: The job has no well-formed ``definition.items``.
    """
    definition = job.attributes.get("definition") or {}
    items = definition.get("items", []) if isinstance(definition, dict) else None
    if not isinstance(items, list):
        raise NexusAPIError(f"Job {job.id} has no list of items in its definition")
    try:
        return [JobItem.model_validate(item) for item in items]
    except pydantic.ValidationError as exc:
        raise NexusAPIError(f"Job {job.id} has a malformed item: {exc}") from None


def _per_item(value: Any, count: int, name: str) -> list[Any]:
    if value is None or isinstance(value, (int, float)):
        return [value] * count
    values = list(value)
    if len(values) != count:
        raise ValueError(f"{count} programs but {len(values)} values of {name}")
    return values


def _execute_item(
    program_id: str, n_shots: int | None, max_cost: float | None, n_qubits: int | None
) -> dict[str, Any]:
    item: dict[str, Any] = {"program_id": program_id, "n_shots": n_shots}
    if max_cost is not None:
        item["max_cost"] = float(max_cost)
    if n_qubits is not None:
        item["n_qubits"] = int(n_qubits)
    return item


def _device_entries(body: list[Any]) -> list[DevicesEntry]:
    """Parse the device listing, skipping malformed devices with one warning for them all."""
    entries: list[DevicesEntry] = []
    skipped: list[str] = []
    for entry in body:
        infos = entry.get("backend_info_list") if isinstance(entry, dict) else None
        if not isinstance(infos, list):
            skipped.append(repr(entry)[:80])
            continue
        good = []
        for info in infos:
            try:
                good.append(BackendInfo.model_validate(info))
            except pydantic.ValidationError as exc:
                name = (
                    info.get("device_name") or info.get("name") if isinstance(info, dict) else None
                )
                skipped.append(f"{name or repr(info)[:40]} ({exc.error_count()} problem(s))")
        try:
            entries.append(DevicesEntry.model_validate({**entry, "backend_info_list": good}))
        except pydantic.ValidationError:
            skipped.append(repr(entry)[:80])
    if skipped:
        warn_user(
            f"Skipped {len(skipped)} malformed device(s) of the Nexus listing: "
            f"{'; '.join(skipped)}",
            RuntimeWarning,
        )
    return entries


def _program_ids(program_ids: Sequence[str]) -> list[str]:
    if isinstance(program_ids, str):
        raise TypeError("program_ids must be a sequence of ids, not a single string")
    ids = list(program_ids)
    if not ids:
        raise ValueError("A job needs at least one program")
    return ids


class NexusClient:
    """A client of the Quantinuum Nexus REST API, free of any Qiskit dependency.

    Args:
        base_url: Base URL of the API.  Defaults to the ``qnexus`` environment variables
            ``NEXUS_PROTOCOL``/``NEXUS_DOMAIN`` (or ``NEXUS_HOST``)/``NEXUS_PORT``, else
            ``https://nexus.quantinuum.com``.
        token: Refresh token.  Defaults to ``QISKIT_NEXUS_TOKEN``, else the token files written
            by ``qnx login`` (see :func:`~qiskit_nexus_provider.api.resolve_credentials`).
        timeouts: Connect, read and upload timeouts.
        retry: Retry policy applied to every request.
        session: A :class:`requests.Session` to use instead of the client's pooled one; the
            client then does not close it.

    Raises:
        ValueError: The base URL is invalid, or uses plain http to a non-loopback host.

    Example:

    .. code-block:: python

        with NexusClient() as client:
            project_id = client.get_or_create_project("my project")
            circuit_id = client.upload_circuit(project_id, circuit.to_dict(), "bell")
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._transport = Transport(
            resolve_base_url(base_url),
            resolve_credentials(token),
            timeouts=timeouts,
            retry=retry,
            session=session,
        )

    @property
    def base_url(self) -> str:
        """The base URL of the API."""
        return self._transport.base_url

    @property
    def transport(self) -> Transport:
        """The transport sending this client's requests."""
        return self._transport

    def __repr__(self) -> str:
        return f"NexusClient(base_url={self.base_url!r}, tokens={self._transport.tokens!r})"

    def close(self) -> None:
        """Release the client's connections."""
        self._transport.close()

    def __enter__(self) -> NexusClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------
    # Collections

    def _count(self, path: str, params: list[tuple[str, str]]) -> int:
        return self._transport.call("GET", f"{path}/meta/count", params=params, parse=_count)

    def _paginate(
        self, path: str, params: list[tuple[str, str]], page_size: int | None
    ) -> Iterator[Resource]:
        number = 0
        previous: list[str] | None = None
        while True:
            page = self._transport.call(
                "GET", path, params=params + page_params(number, page_size), parse=_resources
            )
            if not page:
                return
            ids = [resource.id for resource in page]
            if ids == previous:
                logger.warning("%s: page %d repeats page %d; stopping", path, number, number - 1)
                return
            previous = ids
            yield from page
            number += 1

    # ----------------------------------------------------------------------------------------
    # Projects

    def _find_project(self, name: str) -> str | None:
        params = [("filter[name_exact]", name), ("filter[archived]", "false"), SCOPE_USER]
        for project in self._paginate(PROJECTS, params, None):
            if project.attributes.get("name") == name:
                return project.id
        return None

    def get_or_create_project(self, name: str) -> str:
        """Return the id of the unarchived project called ``name``, creating it if needed.

        Args:
            name: The exact project name.

        Returns:
            The project id.

        Raises:
            AmbiguousResourceError: Several unarchived projects have this name.
            NexusAPIError: A request failed.
        """
        if not name:
            raise ValueError("A project name must not be empty")
        params = [("filter[name_exact]", name), ("filter[archived]", "false"), SCOPE_USER]
        count = self._count(PROJECTS, params)
        if count > 1:
            raise AmbiguousResourceError(
                f"{count} unarchived projects are called {name!r}; use a unique name"
            )
        if count == 1:
            found = self._find_project(name)
            if found is not None:
                return found
        body = {
            "data": {
                "attributes": {"name": name, "properties": {}},
                "relationships": {},
                "type": "project",
            }
        }
        resource = self._transport.call(
            "POST",
            PROJECTS,
            json=body,
            expected=(201,),
            parse=_resource,
            recover=lambda: self._recover_project(name),
        )
        return resource.id

    def _recover_project(self, name: str) -> Resource | None:
        project_id = self._find_project(name)
        return None if project_id is None else Resource(id=project_id, type="project")

    # ----------------------------------------------------------------------------------------
    # Circuits

    def upload_circuit(
        self,
        project_id: str,
        circuit: Mapping[str, Any] | EncodedCircuit,
        name: str,
        properties: Mapping[str, Any] | None = None,
    ) -> str:
        """Upload one circuit.

        A failed upload that may have reached the server is retried; in the rare case that the
        first attempt was stored after all, the project keeps an unused copy of the circuit.

        Args:
            project_id: The project to upload to.
            circuit: The circuit in pytket's JSON form (``Circuit.to_dict()``), or that form
                already encoded (:class:`.EncodedCircuit`, sent as it is).
            name: The circuit's name (it replaces the name inside ``circuit``).
            properties: Annotation properties (str to bool/int/float/str).  Default: the
                ``properties`` already in ``circuit``, if any.

        Returns:
            The circuit id.
        """
        if not name:
            raise ValueError("A circuit must have a non-empty name")
        if isinstance(circuit, EncodedCircuit):
            body: Any = circuit_upload_body(
                circuit,
                name,
                circuit.properties if properties is None else properties,
                _project_relationship(project_id),
            )
        elif isinstance(circuit, Mapping):
            if properties is None:
                properties = circuit.get("properties") or {}
            attributes = {**dict(circuit), "name": name, "properties": dict(properties)}
            body = {
                "data": {
                    "attributes": attributes,
                    "relationships": _project_relationship(project_id),
                    "type": "circuit",
                }
            }
        else:
            raise TypeError(
                "circuit must be a pytket Circuit.to_dict() dictionary or an EncodedCircuit"
            )
        resource = self._transport.call(
            "POST",
            CIRCUITS,
            json=body,
            expected=(201,),
            upload=True,
            idempotent=True,
            parse=_resource,
        )
        return resource.id

    def upload_circuits(
        self,
        project_id: str,
        circuits: Sequence[tuple[str, Mapping[str, Any] | EncodedCircuit]],
        *,
        max_workers: int = 8,
        progress: Callable[[int], None] | None = None,
        executor: Executor | None = None,
    ) -> list[str]:
        """Upload several circuits concurrently.

        Args:
            project_id: The project to upload to.
            circuits: ``(name, circuit)`` pairs (a dictionary or an :class:`.EncodedCircuit`).
            max_workers: Number of concurrent uploads.
            progress: Called in the calling thread with the number of uploads done so far,
                after each upload completes.
            executor: Runs the uploads instead of a pool of ``max_workers`` threads of their
                own: a lane of a :class:`.PriorityPool` shared with other uploads and downloads
                bounds the requests they have in flight together, and orders them.

        Returns:
            The circuit ids, in the order of ``circuits``.

        Raises:
            NexusAPIError: An upload failed; uploads not yet started are cancelled.
        """
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        return run_concurrently(
            self.upload_circuit,
            [(project_id, circuit, name) for name, circuit in circuits],
            executor=executor,
            max_workers=max_workers,
            name="nexus-upload",
            progress=progress,
        )

    def get_circuit(self, circuit_id: str) -> dict[str, Any]:
        """Download a circuit.

        Args:
            circuit_id: The circuit id.

        Returns:
            The circuit resource's attributes: pytket circuit JSON plus ``name``,
            ``description``, ``properties`` and ``timestamps``.
        """
        return self._transport.call(
            "GET", f"{CIRCUITS}/{_quote(circuit_id)}", params=[SCOPE_USER], parse=_attributes
        )

    # ----------------------------------------------------------------------------------------
    # Job submission

    def find_job_by_client_key(self, key: str) -> Resource | None:
        """Find the job submitted with idempotency key ``key``, if the server has it.

        Args:
            key: The value of the job property ``qiskit_nexus_client_key``.

        Returns:
            The job resource, or ``None``.
        """
        params = [*properties_filter({CLIENT_KEY_PROPERTY: key}), SCOPE_USER]
        for job in self._paginate(JOBS, params, None):
            # Checked here too, in case a server ignores the filter.
            properties = job.attributes.get("properties")
            if isinstance(properties, dict) and properties.get(CLIENT_KEY_PROPERTY) == key:
                return job
        return None

    def _submit_job(
        self, project_id: str, attributes: dict[str, Any], properties: Mapping[str, Any] | None
    ) -> Resource:
        props = dict(properties or {})
        key = str(props.get(CLIENT_KEY_PROPERTY) or uuid.uuid4().hex)
        props[CLIENT_KEY_PROPERTY] = key
        body = {
            "data": {
                "attributes": {**attributes, "properties": props},
                "relationships": _project_relationship(project_id),
                "type": "job",
            }
        }
        return self._transport.call(
            "POST",
            JOBS,
            json=body,
            expected=(202,),
            upload=True,
            idempotent=False,
            parse=_resource,
            recover=lambda: self.find_job_by_client_key(key),
        )

    def start_execute_job(
        self,
        *,
        project_id: str,
        name: str,
        program_ids: Sequence[str],
        n_shots: Sequence[int | None],
        backend_config: BaseBackendConfig | Mapping[str, Any],
        properties: Mapping[str, Any] | None = None,
        description: str = "",
        valid_check: bool = True,
        language: str = "AUTO",
        credential_name: str | None = None,
        max_cost: float | Sequence[float | None] | None = None,
        n_qubits: int | Sequence[int | None] | None = None,
    ) -> Resource:
        """Submit an execute job.

        The job gets the property ``qiskit_nexus_client_key`` (a new uuid4 hex, unless
        ``properties`` already holds one); Nexus refuses properties a project has not defined,
        so define it (and every property in ``properties``) first, e.g. with
        :meth:`.ProjectProperties.ensure` (the provider does this on first use of a project).
        If the submission fails in a way that the server may
        have received it, the job is looked up by that key before submitting again, so a lost
        response never creates a duplicate job.

        Args:
            project_id: The project of the job.
            name: The job name.
            program_ids: Ids of the uploaded programs (circuits).
            n_shots: Shots per program, as many as ``program_ids``.
            backend_config: The backend configuration: a quantinuum-schemas model (serialised
                as qnexus does, ``exclude_none``) or its JSON form (validated, sent as given).
            properties: Annotation properties of the job.
            description: The job description.
            valid_check: Whether the server checks the programs against the backend.
            language: ``"AUTO"``, ``"OPENQASM 2.0"`` or ``"QIR 1.0"``.
            credential_name: Name of a stored third-party credential to use.
            max_cost: Largest cost (HQC) of each program: one value for all, or one per
                program; sent per item as qnexus 0.51 does.
            n_qubits: Qubits of each program (one value or one per program), sent per item.

        Returns:
            The job resource.

        Raises:
            BackendConfigError: ``backend_config`` is invalid (a :class:`ValueError`).
        """
        ids = _program_ids(program_ids)
        shots = list(n_shots)
        if len(shots) != len(ids):
            raise ValueError(f"{len(ids)} programs but {len(shots)} values of n_shots")
        costs = _per_item(max_cost, len(ids), "max_cost")
        widths = _per_item(n_qubits, len(ids), "n_qubits")
        config = self._backend_config(backend_config, exclude_none=True)
        attributes = {
            "name": name,
            "description": description,
            "job_type": "execute",
            "definition": {
                "job_definition_type": "execute_job_definition",
                "backend_config": config,
                "user_group": None,
                "target_region": None,
                "valid_check": valid_check,
                "language": language,
                "wasm_module_id": None,
                "gpu_decoder_config_id": None,
                "credential_name": credential_name,
                "items": [
                    _execute_item(program_id, n, cost, width)
                    for program_id, n, cost, width in zip(ids, shots, costs, widths, strict=True)
                ],
            },
        }
        return self._submit_job(project_id, attributes, properties)

    def start_compile_job(
        self,
        *,
        project_id: str,
        name: str,
        program_ids: Sequence[str],
        backend_config: BaseBackendConfig | Mapping[str, Any],
        optimisation_level: int = 2,
        properties: Mapping[str, Any] | None = None,
        description: str = "",
        credential_name: str | None = None,
    ) -> Resource:
        """Submit a compile job (with the same duplicate protection as execute jobs).

        Args:
            project_id: The project of the job.
            name: The job name.
            program_ids: Ids of the uploaded circuits.
            backend_config: The backend configuration to compile for.
            optimisation_level: The compiler's optimisation level.
            properties: Annotation properties of the job.
            description: The job description.
            credential_name: Name of a stored third-party credential to use.

        Returns:
            The job resource.
        """
        ids = _program_ids(program_ids)
        if optimisation_level < 0:
            raise ValueError("optimisation_level must not be negative")
        attributes = {
            "name": name,
            "description": description,
            "job_type": "compile",
            "definition": {
                "job_definition_type": "compile_job_definition",
                "backend_config": self._backend_config(backend_config, exclude_none=False),
                "user_group": None,
                "hypertket_config": None,
                "optimisation_level": optimisation_level,
                "credential_name": credential_name,
                "items": [{"program_id": program_id} for program_id in ids],
                "skip_store_intermediate_passes": True,
            },
        }
        return self._submit_job(project_id, attributes, properties)

    @staticmethod
    def _backend_config(
        backend_config: BaseBackendConfig | Mapping[str, Any], *, exclude_none: bool
    ) -> dict[str, Any]:
        if isinstance(backend_config, BaseBackendConfig):
            if exclude_none:  # execute jobs, as qnexus 0.51 sends them
                return serialise_backend_config(backend_config)
            return dict(backend_config.model_dump(mode="json"))  # compile jobs, as qnexus
        config = dict(backend_config)
        if not isinstance(config.get("type"), str):
            raise ValueError("backend_config needs a 'type' such as 'AerConfig'")
        parse_backend_config(config)  # refuse what the service would refuse
        return config

    # ----------------------------------------------------------------------------------------
    # Jobs

    def get_job(self, job_id: str) -> Resource:
        """Download a job, including its definition and items.

        Args:
            job_id: The job id.

        Returns:
            The job resource; :func:`job_items` parses its items.

        Raises:
            ResourceNotFoundError: No such job.
            DataGoneError: The job's data was purged.
        """
        return self._transport.call(
            "GET", f"{JOBS}/{_quote(job_id)}", params=[SCOPE_USER], parse=_resource
        )

    @staticmethod
    def job_items(job: Resource) -> list[JobItem]:
        """The items of a job resource (see :func:`job_items`)."""
        return job_items(job)

    def get_job_status(self, job_id: str) -> JobStatus:
        """The current status of a job (the flat ``/attributes/status`` endpoint).

        Args:
            job_id: The job id.

        Returns:
            The job status.
        """

        def parse(response: Reply) -> JobStatus:
            try:
                return JobStatus.model_validate(_json(response))
            except pydantic.ValidationError as exc:
                raise _invalid(response, f"malformed job status: {exc}") from None

        return self._transport.call(
            "GET", f"{JOBS}/{_quote(job_id)}/attributes/status", params=[SCOPE_USER], parse=parse
        )

    def stream_job_status(
        self, job_id: str, *, timeout: float | None, open_timeout: float = 10.0
    ) -> Iterator[JobStatus]:
        """The statuses of a job from Nexus's status stream (a websocket): its current status,
        then each change, until the server closes the stream (after a final status) or
        ``timeout`` seconds pass.

        The stream tells at once that a job finished, where polling tells it up to a poll
        interval late, and costs no request per status.

        Args:
            job_id: The job id.
            timeout: Seconds to listen in all; ``None``: until the server closes the stream.
            open_timeout: Seconds allowed to open the stream.

        Yields:
            Job statuses.

        Raises:
            NexusConnectionError: The stream could not be opened, broke or sent something that
                is not a job status.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        path = f"{JOBS}/{_quote(job_id)}/attributes/status/ws"
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

        connection = self._transport.open_websocket(
            path,
            open_timeout=open_timeout,
            close_timeout=_STREAM_CLOSE_TIMEOUT
            if timeout is None
            else min(_STREAM_CLOSE_TIMEOUT, max(timeout, 0.01)),
        )
        with connection:
            while True:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return
                try:
                    text = connection.recv(timeout=remaining)
                except (TimeoutError, ConnectionClosedOK):
                    return
                except (ConnectionClosed, OSError) as exc:
                    failure = type(exc).__name__
                    raise NexusConnectionError(
                        f"status stream of job {job_id} broke ({failure})"
                    ) from None
                try:
                    status = JobStatus.model_validate_json(text)
                except pydantic.ValidationError:
                    raise NexusConnectionError(
                        f"status stream of job {job_id} sent something that is not a job status"
                    ) from None
                yield status

    def list_jobs(
        self,
        *,
        properties: Mapping[str, Any] | None = None,
        project_id: str | None = None,
        status: StatusFilter | None = None,
        job_type: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Resource]:
        """Iterate over jobs, requesting pages ``0, 1, ...`` until one is empty.

        Args:
            properties: Only jobs with all these properties.
            project_id: Only jobs of this project.
            status: Only jobs in this status (or any of these statuses).
            job_type: Only ``"execute"`` or only ``"compile"`` jobs.
            page_size: Jobs per page (the server's default if omitted).

        Returns:
            A lazy iterator over the job resources.
        """
        if page_size is not None and page_size < 1:
            raise ValueError("page_size must be positive")
        params = job_filters(
            properties=properties, project_id=project_id, status=status, job_type=job_type
        )
        return self._paginate(JOBS, params, page_size)

    def count_jobs(
        self,
        *,
        properties: Mapping[str, Any] | None = None,
        project_id: str | None = None,
        status: StatusFilter | None = None,
        job_type: str | None = None,
    ) -> int:
        """Count the jobs matching the filters of :meth:`list_jobs`.

        Returns:
            The number of matching jobs.
        """
        params = job_filters(
            properties=properties, project_id=project_id, status=status, job_type=job_type
        )
        return self._count(JOBS, params)

    def cancel_job(self, job_id: str) -> None:
        """Ask the server to cancel a job.

        Args:
            job_id: The job id.
        """
        self._transport.call(
            "POST",
            f"{JOBS}/{_quote(job_id)}/rpc/cancel",
            params=[SCOPE_USER],
            json={},
            expected=_SUCCESS,
            idempotent=True,
            parse=lambda response: None,
        )

    def retry_job(
        self,
        job_id: str,
        retry_status: Sequence[JobStatusEnum | str] | None = None,
    ) -> None:
        """Ask the server to run a job again.

        Args:
            job_id: The job id.
            retry_status: Statuses of the items to retry (the server retries ERROR by default).
        """
        statuses = None if retry_status is None else [JobStatusEnum(s) for s in retry_status]
        body = RetryRequest(retry_status=statuses).model_dump(mode="json", exclude_none=True)
        self._transport.call(
            "POST",
            f"{JOBS}/{_quote(job_id)}/rpc/retry",
            json=body,
            expected=(202,),
            parse=lambda response: None,
        )

    def delete_job(self, job_id: str) -> None:
        """Delete a job.

        Args:
            job_id: The job id.
        """
        self._transport.call(
            "DELETE",
            f"{JOBS}/{_quote(job_id)}",
            params=[SCOPE_USER],
            expected=(204,),
            parse=lambda response: None,
        )

    # ----------------------------------------------------------------------------------------
    # Results and compilations

    def get_result(self, result_id: str) -> dict[str, Any]:
        """Download an execution result.

        Args:
            result_id: The ``result_id`` of a completed job item.

        Returns:
            The pytket ``BackendResult.to_dict()`` dictionary (``data.attributes``).

        Raises:
            DataGoneError: The result was purged.
        """
        return self._transport.call(
            "GET", f"{RESULTS}/{_quote(result_id)}", params=[SCOPE_USER], parse=_attributes
        )

    def get_compilation(self, compilation_id: str) -> Resource:
        """Download a compilation record.

        Args:
            compilation_id: The ``compilation_id`` of a completed compile-job item.

        Returns:
            The compilation resource; its ``compiled_circuit`` and ``original_circuit``
            relationships name the circuits.
        """
        return self._transport.call(
            "GET",
            f"{COMPILATIONS}/{_quote(compilation_id)}",
            params=[SCOPE_USER],
            parse=_resource,
        )

    # ----------------------------------------------------------------------------------------
    # Devices

    def get_devices(self, **filters: Any) -> list[DevicesEntry]:
        """List the available devices.

        Args:
            filters: Query parameters of ``/api/v5/available_devices``: ``backend`` (a config
                type name or a list of them), ``region``, ``ibm_instance``, ``ibm_region``,
                ``credential_ids``, ``credential_names``, ``is_local``.

        Returns:
            One entry per group of devices, each with its ``backend_info_list``.
        """

        def parse(response: Reply) -> list[DevicesEntry]:
            body = _json(response)
            if not isinstance(body, list):
                raise _invalid(response, "expected a JSON array")
            return _device_entries(body)

        return self._transport.call("GET", DEVICES, params=device_params(filters), parse=parse)
