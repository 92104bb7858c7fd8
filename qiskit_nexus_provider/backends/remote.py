"""Remote Nexus backends: H-series devices, emulators, syntax checkers and Aer on Nexus.

A remote job's life: the circuits are encoded as pytket JSON
(:func:`~qiskit_nexus_provider.encoding.to_pytket_dict`), uploaded concurrently, optionally
compiled by TKET on Nexus (the ``tket_optimisation_level`` option: a compile job first), then run
by **one** execute job whose id becomes the job's id.  Each uploaded circuit carries its Qiskit
result header (name, metadata, register layout) in its Nexus properties, so that
:meth:`.NexusProvider.retrieve_job` can rebuild a job, and its results, from the server alone.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from qiskit import QuantumCircuit
from qiskit.providers import JobStatus
from qiskit.transpiler import Target

from ..api.client import CLIENT_KEY_PROPERTY, NexusClient
from ..api.credentials import resolve_base_url, resolve_credentials
from ..api.errors import DataGoneError, NexusAPIError, ResourceNotFoundError
from ..api.models import BackendInfo, JobStatusEnum, Resource
from ..encoding import bit_names, decode_result, to_pytket_dict
from ..exceptions import JobNotFoundError
from ..jobs.polling import poll_until_final
from ..jobs.transport import StatusReport
from ..options import NexusOptions
from ..progress import progress_bar
from ..results import experiment_header, make_result, successful_experiment
from ..store import BackendSpec
from ..target import build_target
from .base import NexusBackend

if TYPE_CHECKING:
    from ..jobs.composite import NexusCompositeJob
    from ..jobs.job import NexusJob
    from ..jobs.transport import WaitCallback
    from ..provider import NexusProvider

__all__ = [
    "COMPOSITE_PROPERTY",
    "HEADER_PROPERTY",
    "REMOTE_MAX_CIRCUITS",
    "SLOT_PROPERTY",
    "RemoteCatalog",
    "RemoteNexusBackend",
    "map_status",
]

logger = logging.getLogger(__name__)

REMOTE_MAX_CIRCUITS = 500
"""Circuits per Nexus execute job; larger batches become composite jobs."""

HEADER_PROPERTY = "qiskit_header"
"""Circuit property: the Qiskit result header and clbit names, as JSON."""
COMPOSITE_PROPERTY = "qiskit_nexus_composite"
"""Job property: the id of the composite job a sub-job belongs to."""
SLOT_PROPERTY = "qiskit_nexus_slot"
"""Job property: ``index:total:first:last:attempt`` of a sub-job in its composite."""
SHOTS_PROPERTY = "qiskit_nexus_shots"
MEMORY_PROPERTY = "qiskit_nexus_memory"

_STATUS_MAP = {
    JobStatusEnum.QUEUED: JobStatus.QUEUED,
    JobStatusEnum.SUBMITTED: JobStatus.QUEUED,
    JobStatusEnum.RUNNING: JobStatus.RUNNING,
    JobStatusEnum.RETRYING: JobStatus.RUNNING,
    JobStatusEnum.CANCELLING: JobStatus.RUNNING,
    JobStatusEnum.COMPLETED: JobStatus.DONE,
    JobStatusEnum.CANCELLED: JobStatus.CANCELLED,
    JobStatusEnum.ERROR: JobStatus.ERROR,
    JobStatusEnum.DEPLETED: JobStatus.ERROR,
    JobStatusEnum.TERMINATED: JobStatus.ERROR,
}
_SLOT = re.compile(r"^(\d+):(\d+):(\d+):(\d+):(\d+)$")


def map_status(status: JobStatusEnum, message: str | None, detail: str | None) -> StatusReport:
    """Map a Nexus status to a Qiskit one, keeping the server's message for failures."""
    qiskit_status = _STATUS_MAP[status]
    text = None
    if qiskit_status in (JobStatus.ERROR, JobStatus.CANCELLED):
        parts = [status.value]
        for part in (message, detail):
            if part and part not in parts:
                parts.append(part)
        text = "; ".join(parts)
    return StatusReport(qiskit_status, text)


def _device_kind(info: BackendInfo) -> str:
    device = info.device_name or ""
    if info.name.startswith("Aer") or info.name.startswith("Qulacs"):
        return "simulator"
    if device.endswith("SC"):
        return "syntax_checker"
    if re.search(r"(-Emulator|-simulator|-\d*E|-\d*LE|-E-lite)$", device) or device.endswith("E"):
        return "emulator"
    return "qpu"


def _hex_counts(binary: dict[str, int]) -> dict[str, int]:
    return {hex(int(k, 2)) if k else "0x0": v for k, v in binary.items()}


class RemoteNexusBackend(NexusBackend):
    """A Nexus device (H-series machine, emulator, syntax checker or Aer on Nexus).

    Its :class:`~qiskit.transpiler.Target` comes from the device's backend info: the pytket gate
    set mapped to Qiskit gates, the qubit count and the connectivity.  Get it from
    :meth:`.NexusProvider.get_backend`.

    Attributes:
        device_kind: ``"qpu"``, ``"emulator"``, ``"syntax_checker"`` or ``"simulator"``.
    """

    def __init__(
        self,
        catalog: RemoteCatalog,
        name: str,
        info: BackendInfo | None = None,
    ) -> None:
        super().__init__(catalog.provider, name, f"Nexus device {name}")
        self._catalog = catalog
        self._info = info
        self._target: Target | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<RemoteNexusBackend {self.name!r} at {self._catalog.url}>"

    @property
    def info(self) -> BackendInfo:
        """The device's pytket backend info (fetched on first use for a restored backend)."""
        if self._info is None:
            self._info = self._catalog.device_info(self.name)
        return self._info

    @property
    def device_kind(self) -> str:
        """``"qpu"``, ``"emulator"``, ``"syntax_checker"`` or ``"simulator"``."""
        return _device_kind(self.info)

    @property
    def description(self) -> str:
        return f"Nexus {self.device_kind.replace('_', ' ')} {self.name} ({self.info.name})"

    @description.setter
    def description(self, value: str) -> None:
        pass

    @property
    def target(self) -> Target:
        with self._lock:
            if self._target is None:
                info = self.info
                coupling = None
                if not info.device.fully_connected and info.device.edges:
                    index = {tuple(_flatten(n.unitid)): i for i, n in enumerate(info.device.nodes)}
                    coupling = [
                        (index[tuple(_flatten(e.unitid_from))], index[tuple(_flatten(e.unitid_to))])
                        for e in info.device.edges
                    ]
                self._target = build_target(
                    info.n_qubits, info.gate_set, coupling=coupling, description=self.description
                )
            return self._target

    @property
    def max_circuits(self) -> int | None:
        """500 circuits per Nexus execute job; larger batches become composite jobs."""
        return REMOTE_MAX_CIRCUITS

    @property
    def client(self) -> NexusClient:
        """The REST client."""
        return self._catalog.client

    def backend_config(self, options: NexusOptions) -> dict[str, Any]:
        """The Nexus ``backend_config`` of an execute job with ``options``."""
        info = self.info
        if info.name.startswith("Aer"):
            config: dict[str, Any] = {
                "type": "AerConfig",
                "simulation_method": "automatic",
                "n_qubits": info.n_qubits,
            }
            if options.seed_simulator is not None:
                config["seed"] = options.seed_simulator
            return config
        config = {"type": "QuantinuumConfig", "device_name": info.device_name or self.name}
        if options.max_cost is not None:
            config["max_cost"] = options.max_cost
        return config

    # -- transport -------------------------------------------------------------------------
    def spec(self) -> BackendSpec:
        return BackendSpec(
            name=self.name, kind="remote", url=self._catalog.url, project=self._catalog.project
        )

    def submit_job(self, job: NexusJob) -> None:
        options = job.options
        client = self.client
        project_id = self._catalog.project_id()
        encoded = _encode_all(job.circuits)
        bar = progress_bar(
            len(encoded),
            f"Uploading to {self.name}",
            options.with_progress_bar and len(encoded) > 50,
        )
        done = [0]

        def progress(n: int) -> None:
            bar.update(n - done[0])
            done[0] = n

        try:
            circuit_ids = client.upload_circuits(
                project_id,
                encoded,
                max_workers=options.max_concurrent_requests,
                progress=progress,
            )
        finally:
            bar.close()
        program_ids = circuit_ids
        if options.tket_optimisation_level is not None:
            program_ids = self._compile(job, project_id, circuit_ids)
        properties: dict[str, Any] = {
            CLIENT_KEY_PROPERTY: job.state.get("client_key") or uuid.uuid4().hex,
            SHOTS_PROPERTY: options.shots,
            MEMORY_PROPERTY: options.memory,
        }
        composite = job.state.get("composite")
        if composite:
            properties[COMPOSITE_PROPERTY] = composite["id"]
            properties[SLOT_PROPERTY] = (
                f"{composite['index']}:{composite['total']}:{composite['start']}:"
                f"{composite['end']}:{composite['attempt']}"
            )
        resource = client.start_execute_job(
            project_id=project_id,
            name=options.job_name or f"qiskit-{job.job_id()[:8]}",
            program_ids=program_ids,
            n_shots=[options.shots] * len(program_ids),
            backend_config=self.backend_config(options),
            properties=properties,
        )
        job.set_job_id(resource.id)
        job.state.update(
            {"nexus_job_id": resource.id, "circuit_ids": circuit_ids, "project_id": project_id}
        )

    def _compile(self, job: NexusJob, project_id: str, circuit_ids: list[str]) -> list[str]:
        client = self.client
        compile_job = client.start_compile_job(
            project_id=project_id,
            name=f"{job.options.job_name or 'qiskit'}-compile-{uuid.uuid4().hex[:8]}",
            program_ids=circuit_ids,
            backend_config=self.backend_config(job.options),
            optimisation_level=int(job.options.tket_optimisation_level or 0),
        )
        report = poll_until_final(
            lambda: self._status_of(compile_job.id),
            timeout=None,
            initial_interval=min(job.options.poll_interval, 0.2),
            max_interval=job.options.poll_max_interval,
            what=f"compile job {compile_job.id}",
        )
        if report.status is not JobStatus.DONE:
            raise NexusAPIError(f"TKET compilation failed: {report.message}")
        compiled = []
        for item in sorted(
            client.job_items(client.get_job(compile_job.id)), key=lambda i: i.item_id
        ):
            if item.compilation_id is None:
                raise NexusAPIError(
                    f"compile job {compile_job.id} item {item.item_id} has no result"
                )
            compilation = client.get_compilation(item.compilation_id)
            relation = compilation.relationships["compiled_circuit"].data
            assert relation is not None and not isinstance(relation, list)
            compiled.append(relation.id)
        job.state["compile_job_id"] = compile_job.id
        return compiled

    def resume_job(self, job: NexusJob) -> bool:
        if "nexus_job_id" in job.state:
            return True
        key = job.state.get("client_key")
        if key:
            found = self.client.find_job_by_client_key(key)
            if found is not None:
                job.set_job_id(found.id)
                job.state["nexus_job_id"] = found.id
                return True
        return False

    def _status_of(self, nexus_job_id: str) -> StatusReport:
        try:
            status = self.client.get_job_status(nexus_job_id)
        except (ResourceNotFoundError, DataGoneError) as exc:
            return StatusReport(
                JobStatus.ERROR,
                f"job {nexus_job_id} no longer exists on Nexus (HTTP {exc.status_code})",
            )
        return map_status(status.status, status.message, status.error_detail)

    def job_status(self, job: NexusJob) -> StatusReport:
        return self._status_of(job.state["nexus_job_id"])

    def wait_job(
        self,
        job: NexusJob,
        timeout: float | None,
        callback: WaitCallback | None,
        wait: float | None = None,
    ) -> None:
        def on_status(report: StatusReport) -> None:
            if callback is not None:
                callback(job.job_id(), report.status, job)

        poll_until_final(
            lambda: self.job_status(job),
            timeout=timeout,
            initial_interval=wait if wait is not None else job.options.poll_interval,
            max_interval=job.options.poll_max_interval,
            on_status=on_status,
            what=f"job {job.job_id()}",
        )

    def job_result(self, job: NexusJob) -> Any:
        client = self.client
        items = sorted(
            client.job_items(client.get_job(job.state["nexus_job_id"])), key=lambda i: i.item_id
        )
        headers = job.state.get("headers") or [_header_with_bits(c) for c in job.circuits]
        if len(headers) != len(items):
            raise NexusAPIError(
                f"job {job.job_id()} has {len(items)} items but {len(headers)} circuits"
            )
        result_ids = []
        for item in items:
            if item.result_id is None:
                raise NexusAPIError(f"item {item.item_id} of job {job.job_id()} has no result")
            result_ids.append(item.result_id)
        with ThreadPoolExecutor(max_workers=job.options.max_concurrent_requests) as pool:
            payloads = list(pool.map(client.get_result, result_ids))
        experiments = []
        for header, payload in zip(headers, payloads, strict=True):
            clbits = [tuple(b) for b in header["clbits"]]
            counts, memory = decode_result(payload, clbits, [], memory=job.options.memory)
            public = {k: v for k, v in header.items() if k != "clbits"}
            experiments.append(
                successful_experiment(
                    public,
                    job.options.shots,
                    _hex_counts(counts),
                    [hex(int(m, 2)) if m else "0x0" for m in memory] if memory else None,
                )
            )
        return make_result(
            experiments,
            backend_name=self.name,
            backend_version=self.backend_version,
            job_id=job.job_id(),
        )

    def cancel_job(self, job: NexusJob) -> bool:
        try:
            self.client.cancel_job(job.state["nexus_job_id"])
        except NexusAPIError as exc:
            logger.warning("cancel of %s refused: %s", job.job_id(), exc)
            return False
        return True


def _flatten(unitid: Any) -> list[Any]:
    name, index = unitid[0], unitid[1]
    return [name, *index] if isinstance(index, list) else [name, index]


def _header_with_bits(circuit: QuantumCircuit) -> dict[str, Any]:
    header = experiment_header(circuit)
    header["clbits"] = [list(b) for b in bit_names(circuit)]
    return header


def _encode_all(circuits: list[QuantumCircuit]) -> list[tuple[str, dict[str, Any]]]:
    encoded = []
    for index, circuit in enumerate(circuits):
        body = to_pytket_dict(circuit)
        body["properties"] = {HEADER_PROPERTY: json.dumps(_header_with_bits(circuit))}
        encoded.append((circuit.name or f"circuit-{index}", body))
    return encoded


class RemoteCatalog:
    """The remote side of a :class:`.NexusProvider`: REST client, devices, project, retrieval."""

    def __init__(
        self,
        provider: NexusProvider,
        *,
        token: str | None = None,
        url: str | None = None,
        **client_options: Any,
    ) -> None:
        self.provider = provider
        self.url = resolve_base_url(url)
        self._token = token
        self._client_options = client_options
        self._client: NexusClient | None = None
        self._project_id: str | None = None
        self._devices: dict[str, BackendInfo] | None = None
        self._lock = threading.Lock()
        self._project_lock = threading.Lock()

    @property
    def project(self) -> str:
        """The Nexus project name jobs go to."""
        return self.provider.project

    @property
    def has_token(self) -> bool:
        """Whether a refresh token or an access token can be found."""
        creds = resolve_credentials(self._token)
        return bool(creds.refresh_token or creds.access_token)

    @property
    def client(self) -> NexusClient:
        """The REST client (created on first use)."""
        with self._lock:
            if self._client is None:
                self._client = NexusClient(self.url, self._token, **self._client_options)
            return self._client

    def project_id(self) -> str:
        """Id of the provider's project, created on Nexus when missing."""
        with self._project_lock:
            if self._project_id is None:
                self._project_id = self.client.get_or_create_project(self.project)
            return self._project_id

    # -- devices ---------------------------------------------------------------------------
    def devices(self, refresh: bool = False) -> dict[str, BackendInfo]:
        """Backend info of every device, by backend name."""
        if self._devices is None or refresh:
            devices: dict[str, BackendInfo] = {}
            for entry in self.client.get_devices():
                for info in entry.backend_info_list:
                    devices[_backend_name(info)] = info
            self._devices = devices
        return self._devices

    def device_info(self, name: str) -> BackendInfo:
        """Backend info of device ``name``."""
        from qiskit.providers import QiskitBackendNotFoundError

        devices = self.devices()
        if name not in devices:
            raise QiskitBackendNotFoundError(
                f"Nexus at {self.url} has no device {name!r}; it has {', '.join(devices)}."
            )
        return devices[name]

    def backends(self) -> list[NexusBackend]:
        """Remote backends, or none (with a warning) when Nexus cannot be reached."""
        if not self.has_token:
            return []
        try:
            devices = self.devices()
        except (NexusAPIError, OSError) as exc:
            warnings.warn(
                f"Could not list Nexus devices at {self.url} ({exc}); only the offline "
                "simulators are available.",
                RuntimeWarning,
                stacklevel=3,
            )
            return []
        return [RemoteNexusBackend(self, name, info) for name, info in devices.items()]

    def backend_for_spec(self, spec: BackendSpec) -> RemoteNexusBackend:
        """A backend for a persisted spec; its device info is fetched on first use."""
        return RemoteNexusBackend(self, spec.name)

    # -- retrieval -------------------------------------------------------------------------
    def retrieve_job(self, job_id: str) -> NexusJob | NexusCompositeJob:
        """Rebuild a job, or a composite job, from the server alone."""
        from ..jobs.composite import COMPOSITE_ID_PREFIX

        if job_id.startswith(COMPOSITE_ID_PREFIX):
            return self._retrieve_composite(job_id)
        try:
            resource = self.client.get_job(job_id)
        except (ResourceNotFoundError, DataGoneError) as exc:
            raise JobNotFoundError(
                f"Job {job_id!r} is neither in the store nor on Nexus at {self.url} "
                f"(HTTP {exc.status_code})."
            ) from None
        return self._job_from_resource(resource)

    def _job_from_resource(self, resource: Resource) -> NexusJob:
        from ..jobs.job import NexusJob

        attributes = resource.attributes
        definition = attributes.get("definition") or {}
        config = definition.get("backend_config") or {}
        name = config.get("device_name") or self._aer_name()
        backend = RemoteNexusBackend(self, name)
        properties = attributes.get("properties") or {}
        items = sorted(self.client.job_items(resource), key=lambda i: i.item_id)
        shots = int(properties.get(SHOTS_PROPERTY) or (items[0].n_shots if items else 100) or 100)
        options = NexusOptions(shots=shots, memory=bool(properties.get(MEMORY_PROPERTY, False)))
        headers = self._headers_for([item.program_id for item in items])
        state = {
            "nexus_job_id": resource.id,
            "circuit_ids": [item.program_id for item in items],
            "headers": headers,
        }
        return NexusJob(backend, resource.id, [], options, state=state, submitted=True)

    def _aer_name(self) -> str:
        for name, info in self.devices().items():
            if info.name.startswith("Aer"):
                return name
        raise JobNotFoundError("the job ran on Aer but this Nexus lists no Aer device")

    def _headers_for(self, program_ids: list[str]) -> list[dict[str, Any]]:
        def header(circuit_id: str) -> dict[str, Any]:
            attributes = self.client.get_circuit(circuit_id)
            stored = (attributes.get("properties") or {}).get(HEADER_PROPERTY)
            if isinstance(stored, str):
                return dict(json.loads(stored))
            return _header_from_pytket(attributes)

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(header, program_ids))

    def _retrieve_composite(self, composite_id: str) -> NexusCompositeJob:
        from ..jobs.composite import NexusCompositeJob, Slot

        found: dict[int, tuple[int, Resource, tuple[int, int, int]]] = {}
        total = None
        for resource in self.client.list_jobs(properties={COMPOSITE_PROPERTY: composite_id}):
            props = resource.attributes.get("properties") or {}
            match = _SLOT.match(str(props.get(SLOT_PROPERTY, "")))
            if props.get(COMPOSITE_PROPERTY) != composite_id or match is None:
                continue
            index, count, first, last, attempt = (int(g) for g in match.groups())
            total = count
            if index not in found or attempt > found[index][0]:
                found[index] = (attempt, resource, (first, last, attempt))
        if total is None:
            raise JobNotFoundError(
                f"Composite job {composite_id!r} is neither in the store nor on Nexus "
                f"at {self.url}."
            )
        slots = []
        options = None
        sizes = {i: (rng[0], rng[1]) for i, (_, _, rng) in found.items()}
        for index in range(total):
            if index in found:
                attempt, resource, (first, last, _) = found[index]
                job = self._job_from_resource(resource)
                options = options or job.options
                slot = Slot(index=index, start=first, stop=last + 1, attempt=attempt, job=job)
                slot.headers = [
                    {k: v for k, v in h.items() if k != "clbits"} for h in job.state["headers"]
                ]
            else:
                first, last = _guess_range(index, sizes)
                slot = Slot(
                    index=index,
                    start=first,
                    stop=last + 1,
                    submit_error=(
                        f"no sub-job for slot {index} of {composite_id} exists on Nexus "
                        "(never submitted, or deleted)"
                    ),
                )
            slots.append(slot)
        backend = next((s.job.backend() for s in slots if s.job is not None), None)
        assert backend is not None
        return NexusCompositeJob.from_sub_jobs(
            backend, composite_id, options or NexusOptions(), slots
        )


def _guess_range(index: int, sizes: dict[int, tuple[int, int]]) -> tuple[int, int]:
    if not sizes:
        return (0, -1)
    size = max(last - first + 1 for first, last in sizes.values())
    return index * size, index * size + size - 1


def _backend_name(info: BackendInfo) -> str:
    if info.device_name:
        return info.device_name
    return info.name.replace("Backend", "").lower()


def _header_from_pytket(attributes: dict[str, Any]) -> dict[str, Any]:
    """A result header for a circuit uploaded by another client (e.g. qnexus)."""
    bits = [list(_flatten(b))[:2] for b in attributes.get("bits") or []]
    sizes: dict[str, int] = {}
    for name, index in bits:
        sizes[name] = max(sizes.get(name, 0), int(index) + 1)
    return {
        "creg_sizes": [[name, size] for name, size in sizes.items()],
        "global_phase": 0.0,
        "memory_slots": len(bits),
        "n_qubits": len(attributes.get("qubits") or []),
        "name": attributes.get("name") or "circuit",
        "qreg_sizes": [],
        "metadata": {},
        "clbits": [[name, [index]] for name, index in bits],
    }
