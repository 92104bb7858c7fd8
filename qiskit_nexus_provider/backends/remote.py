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
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pydantic
from qiskit import QuantumCircuit
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.providers import JobStatus
from qiskit.transpiler import Target
from quantinuum_schemas.models.backend_config import (
    BaseBackendConfig,
    HeliosConfig,
    QuantinuumConfig,
)

from ..api.backend_configs import BackendConfigError, backend_config_class, build_backend_config
from ..api.client import CLIENT_KEY_PROPERTY, NexusClient
from ..api.credentials import resolve_base_url, resolve_credentials
from ..api.encoded import EncodedCircuit
from ..api.errors import DataGoneError, NexusAPIError, ResourceNotFoundError
from ..api.models import BackendInfo, JobStatusEnum, PropertySpec, Resource
from ..api.models import JobStatus as JobStatusModel
from ..api.properties import ProjectProperties, PropertyError, check_property_values
from ..api.warn import warn_user
from ..encoding import bit_names, decode_result, to_pytket_dict
from ..exceptions import CircuitValidationError, JobNotFoundError, OptionsError
from ..jobs.polling import poll_until_final
from ..jobs.transport import StatusReport
from ..options import NexusOptions
from ..progress import progress_bar
from ..results import experiment_header, make_result, successful_experiment
from ..store import BackendSpec
from ..target import build_target
from .base import NexusBackend
from .device_support import why_not_runnable

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

_STREAM_OPEN_TIMEOUT = 10.0
"""Seconds allowed to open a job's status stream (less when the wait has less left)."""

KEEP_ENCODED_BYTES = 64 * 1024 * 1024
"""Bytes of encoded circuits (:class:`.EncodedCircuit`) :meth:`RemoteNexusBackend.prepare_circuits`
keeps for the upload beyond the first sub-job's.  Within it, a composite job's later sub-jobs
upload what :meth:`~RemoteNexusBackend.run` encoded instead of encoding it again (on 1000 small
circuits, 700 encodings, 7 % of the client's CPU)."""

STANDARD_GATE_NAMES = frozenset(get_standard_gate_name_mapping())
"""Qiskit's standard gates: what ``to_pytket_dict`` encodes without a fallback."""

REMOTE_MAX_CIRCUITS = 300
"""Circuits per Nexus execute job (the Nexus user guide's hard limit, "Jobs in Nexus");
larger batches become composite jobs."""

HEADER_PROPERTY = "qiskit_header"
"""Circuit property: the Qiskit result header and clbit names, as JSON."""
COMPOSITE_PROPERTY = "qiskit_nexus_composite"
"""Job property: the id of the composite job a sub-job belongs to."""
SLOT_PROPERTY = "qiskit_nexus_slot"
"""Job property: ``index:total:first:last:attempt:circuits`` of a sub-job in its composite
(``circuits``, the size of the whole batch, is absent from sub-jobs of older versions)."""
SHOTS_PROPERTY = "qiskit_nexus_shots"
"""Job property: the shots per circuit the job was run with."""
MEMORY_PROPERTY = "qiskit_nexus_memory"
"""Job property: whether the job was run with ``memory=True``."""

PROVIDER_PROPERTIES: tuple[PropertySpec, ...] = (
    PropertySpec(
        name=HEADER_PROPERTY,
        property_type="string",
        description="qiskit-nexus-provider: the Qiskit result header and clbit names (JSON)",
    ),
    PropertySpec(
        name=CLIENT_KEY_PROPERTY,
        property_type="string",
        description="qiskit-nexus-provider: idempotency key of the job submission",
    ),
    PropertySpec(
        name=SHOTS_PROPERTY,
        property_type="int",
        description="qiskit-nexus-provider: shots per circuit",
    ),
    PropertySpec(
        name=MEMORY_PROPERTY,
        property_type="bool",
        description="qiskit-nexus-provider: whether per-shot memory was requested",
    ),
    PropertySpec(
        name=COMPOSITE_PROPERTY,
        property_type="string",
        description="qiskit-nexus-provider: id of the composite job a sub-job belongs to",
    ),
    PropertySpec(
        name=SLOT_PROPERTY,
        property_type="string",
        description="qiskit-nexus-provider: index:total:first:last:attempt of a sub-job",
    ),
)

"""The Nexus properties the provider attaches, defined once per project before first use.

Decision: the Qiskit result header stays on each circuit as the string property
``qiskit_header`` (a property the provider defines), so that :meth:`.NexusProvider.retrieve_job`
rebuilds results from the server alone; the circuit's description is left to users."""
_PROVIDER_PROPERTY_NAMES = frozenset(spec.name for spec in PROVIDER_PROPERTIES)

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
_SLOT = re.compile(r"(\d+):(\d+):(\d+):(\d+):(\d+)(?::(\d+))?")


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
    try:
        config = backend_config_class(info)
    except BackendConfigError:
        config = None
    if config is not None and config not in (QuantinuumConfig, HeliosConfig):
        return "simulator"
    if device.endswith("SC"):
        return "syntax_checker"
    if re.search(r"(-Emulator|-simulator|-\d*E|-\d*LE|-E-lite|-\d+E-lite)$", device):
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
        self._seed_warned = False
        self._encoded: dict[int, tuple[QuantumCircuit, EncodedCircuit]] = {}
        """pytket JSON of circuits encoded by :meth:`prepare_circuits`, by ``id``, until the
        (sub-)job that uploads them takes it."""

    def __repr__(self) -> str:
        return f"<RemoteNexusBackend {self.name!r} at {self._catalog.url}>"

    def prepare_circuits(self, circuits: Sequence[QuantumCircuit]) -> None:
        """Encode every circuit now, so that one pytket cannot express fails :meth:`run` before
        anything is uploaded (sub-jobs of a composite otherwise encode when they submit, after
        earlier sub-jobs were uploaded and started).  The encodings, as the JSON of the upload
        (:class:`.EncodedCircuit`), of the first :attr:`service_max_circuits` circuits wait for
        the upload, and those of later ones while the kept encodings hold at most
        :data:`KEEP_ENCODED_BYTES` in all; the rest are encoded again by their sub-job, so that
        memory stays bounded.

        Raises:
            CircuitValidationError: a circuit cannot be written as a pytket circuit; the
                message names it by index and name.
        """
        # Kept for the upload: the first sub-job's worth (at most the service's circuits per
        # job), then more while they stay within the budget.  The rest are checked and dropped,
        # then encoded again when their sub-job submits.
        keep = self.service_max_circuits or len(circuits)
        budget = KEEP_ENCODED_BYTES
        encoded: dict[int, tuple[QuantumCircuit, EncodedCircuit]] = {}
        for index, circuit in enumerate(circuits):
            if id(circuit) in encoded:
                continue
            try:
                body = EncodedCircuit(to_pytket_dict(circuit))
                if index < keep or len(body) <= budget:
                    encoded[id(circuit)] = (circuit, body)
                    budget -= len(body)
            except Exception as exc:  # ours, or qiskit_to_tk's for what it cannot convert
                reason = str(exc) if isinstance(exc, CircuitValidationError) else repr(exc)
                raise CircuitValidationError(
                    f"circuit {index} ({circuit.name!r}) cannot be sent to {self.name}: {reason}"
                ) from None
        with self._lock:
            self._encoded.update(encoded)

    def forget_prepared(self, circuits: Sequence[QuantumCircuit]) -> None:
        with self._lock:
            for circuit in circuits:
                self._encoded.pop(id(circuit), None)

    def _pytket_json(self, circuit: QuantumCircuit) -> EncodedCircuit:
        """The circuit's encoding from :meth:`prepare_circuits`, else encoded now (a restored
        or re-run sub-job)."""
        with self._lock:
            cached = self._encoded.get(id(circuit))
        if cached is not None and cached[0] is circuit:
            return cached[1]
        return EncodedCircuit(to_pytket_dict(circuit))

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
        """300 circuits per Nexus execute job (the service's hard limit); larger batches become
        composite jobs."""
        return REMOTE_MAX_CIRCUITS

    @property
    def service_max_circuits(self) -> int | None:
        """Nexus refuses jobs of more than 300 programs, whatever ``max_circuits_per_job`` says."""
        return REMOTE_MAX_CIRCUITS

    @property
    def client(self) -> NexusClient:
        """The REST client."""
        return self._catalog.client

    def connection_trouble(self) -> str | None:
        """The client's last failed request since Nexus last answered (see the base class)."""
        return self.client.transport.last_failure

    def backend_config(self, options: NexusOptions) -> BaseBackendConfig:
        """The Nexus ``backend_config`` of a job with ``options``: a quantinuum-schemas model of
        the class the device listing selects (``max_cost`` goes per item, not here)."""
        return build_backend_config(self.info, seed=options.seed_simulator)

    # -- transport -------------------------------------------------------------------------
    def spec(self) -> BackendSpec:
        return BackendSpec(
            name=self.name, kind="remote", url=self._catalog.url, project=self._catalog.project
        )

    def compiled_on_service(self, options: NexusOptions) -> frozenset[str]:
        """Every standard gate when TKET compiles on Nexus (``tket_optimisation_level``).

        ``to_pytket_dict`` encodes each of them (issue 13), and the compile job rebases them to
        the device's gate set, so untranspiled circuits may be sent.
        """
        if options.tket_optimisation_level is None:
            return frozenset()
        return STANDARD_GATE_NAMES

    @property
    def simulated_qubits(self) -> int | None:
        """The most qubits a circuit may use here, when the service simulates fewer than the
        device has: a local Nexus emulator's Helios systems (the listing's
        ``misc["max_simulated_qubits"]``); ``None`` on Nexus, which runs the whole device."""
        # info.n_qubits, not num_qubits: the target is built with the description, which asks.
        value = (self.info.misc or {}).get("max_simulated_qubits")
        return int(value) if isinstance(value, int) and value < self.info.n_qubits else None

    def check_circuits(self, circuits: Sequence[QuantumCircuit]) -> None:
        """Refuse, before anything is uploaded, a circuit wider than :attr:`simulated_qubits`.

        Raises:
            CircuitValidationError: naming the circuit, the limit and the syntax checker that
                takes the whole width.
        """
        limit = self.simulated_qubits
        if limit is None:
            return
        for index, circuit in enumerate(circuits):
            if circuit.num_qubits > limit:
                checker = (self.info.misc or {}).get("syntax_checker")
                way_out = (
                    f", or check it on {checker} (validation and cost only)" if checker else ""
                )
                raise CircuitValidationError(
                    f"circuit {index} ({circuit.name!r}) uses {circuit.num_qubits} qubits, but "
                    f"{self.name} at {self._catalog.url} simulates at most {limit} of its "
                    f"{self.info.n_qubits} qubits (a local Nexus emulator; Nexus runs all of "
                    f"them). Use at most {limit} qubits here{way_out}."
                )

    def check_run_options(self, options: NexusOptions) -> None:
        """Check ``nexus_properties`` against the project's definitions (before any upload).

        Warns (once per backend) with a :class:`UserWarning` when ``seed_simulator`` is set on a
        device whose configuration carries no seed.

        Raises:
            OptionsError: a property is reserved by the provider, not defined in the project,
                of the wrong type, or the project requires one that is missing.
        """
        self._catalog.check_user_properties(options.nexus_properties)
        # Decision: warn (once per backend), not refuse: a seed set for a whole session of
        # backends is common, and the counts are still right, only not reproducible.
        config = type(self.backend_config(options)) if options.seed_simulator is not None else None
        if config is not None and "seed" not in config.model_fields and not self._seed_warned:
            self._seed_warned = True
            warn_user(
                f"seed_simulator is ignored on {self.name} (no seed is sent with its "
                f"{config.__name__}), so its runs are not reproducible; seeds apply to offline "
                "simulators, aer_simulator and Qulacs devices.",
                UserWarning,
            )

    def submit_job(self, job: NexusJob) -> None:
        """Submit or adopt: a job whose idempotency key is already known is looked up first.

        A key in ``job.state`` means an earlier attempt (this process, a killed one, or another
        process) may already have created the Nexus job; it is looked up before anything is
        uploaded or POSTed, and adopted when found.  The lookup is retried by the client's
        :class:`~.RetryPolicy`; when it still fails, the submission fails (a failed lookup is
        never taken for "not there"), so no duplicate job is created.  A job without a key gets
        a new one, which no Nexus job can carry yet: nothing is looked up.

        ``job.before_start`` (if set) is called after the uploads, before any job (compilation
        or execution) is created.
        """
        options = job.options
        client = self.client
        if job.state.get("client_key"):
            found = client.find_job_by_client_key(job.state["client_key"])
            if found is not None:
                logger.info(
                    "job with key %s already on Nexus as %s: adopted",
                    job.state["client_key"],
                    found.id,
                )
                job.set_job_id(found.id)
                job.state["nexus_job_id"] = found.id
                return
        else:
            job.state["client_key"] = uuid.uuid4().hex
        project_id = self._catalog.project_id()
        self._catalog.check_user_properties(options.nexus_properties, refresh=True)
        circuit_ids = self._upload_programs(job, project_id)
        if job.before_start is not None:
            job.before_start()
        program_ids = circuit_ids
        if options.tket_optimisation_level is not None:
            program_ids = self._compile(job, project_id, circuit_ids)
        properties: dict[str, Any] = {
            **options.nexus_properties,
            CLIENT_KEY_PROPERTY: job.state["client_key"],
            SHOTS_PROPERTY: options.shots,
            MEMORY_PROPERTY: options.memory,
        }
        composite = job.state.get("composite")
        if composite:
            properties[COMPOSITE_PROPERTY] = composite["id"]
            properties[SLOT_PROPERTY] = (
                f"{composite['index']}:{composite['total']}:{composite['start']}:"
                f"{composite['end']}:{composite['attempt']}"
            ) + (f":{composite['circuits']}" if "circuits" in composite else "")
        resource = client.start_execute_job(
            project_id=project_id,
            name=options.job_name or f"qiskit-{job.job_id()[:8]}",
            program_ids=program_ids,
            n_shots=[options.shots] * len(program_ids),
            backend_config=self.backend_config(options),
            properties=properties,
            max_cost=options.max_cost,
        )
        job.set_job_id(resource.id)
        job.state.update(
            {"nexus_job_id": resource.id, "circuit_ids": circuit_ids, "project_id": project_id}
        )

    def _upload_programs(self, job: NexusJob, project_id: str) -> list[str]:
        """Upload the job's circuits (as pytket JSON) with their headers; ids in order."""
        options = job.options
        encoded = _encode_all(job.circuits, options.nexus_properties, self._pytket_json)
        self.forget_prepared(job.circuits)
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
            return self.client.upload_circuits(
                project_id,
                encoded,
                max_workers=options.max_concurrent_requests,
                progress=progress,
                executor=job.request_executor,
            )
        finally:
            bar.close()

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
            self._catalog.project_id()  # the key's property must be defined to filter on it
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
    ) -> StatusReport | None:
        def on_status(report: StatusReport) -> None:
            if callback is not None:
                callback(job.job_id(), report.status, job)

        deadline = None if timeout is None else time.monotonic() + timeout
        final = self._stream_until_final(job, timeout, on_status)
        if final is not None:
            return final
        return poll_until_final(
            lambda: self.job_status(job),
            timeout=None if deadline is None else max(0.0, deadline - time.monotonic()),
            initial_interval=wait if wait is not None else job.options.poll_interval,
            max_interval=job.options.poll_max_interval,
            on_status=on_status,
            what=f"job {job.job_id()}",
            reported_timeout=timeout,
        )

    def _stream_until_final(
        self, job: NexusJob, timeout: float | None, on_status: Callable[[StatusReport], None]
    ) -> StatusReport | None:
        """Wait on Nexus's status stream; the final status it showed.

        ``None`` when the stream could not be opened, broke, or ended (``timeout``) first:
        polling then takes over for what is left of the timeout, so a wait never depends on
        the stream (a proxy that refuses websockets, an older server).
        """
        if timeout is not None and timeout <= 0:
            return None
        try:
            statuses = self.client.stream_job_status(
                job.state["nexus_job_id"],
                timeout=timeout,
                open_timeout=_STREAM_OPEN_TIMEOUT
                if timeout is None
                else min(_STREAM_OPEN_TIMEOUT, timeout),
            )
            for status in statuses:
                report = map_status(status.status, status.message, status.error_detail)
                on_status(report)
                if report.final:
                    return report
        except NexusAPIError as exc:
            logger.debug("status stream of %s: %s; polling", job.job_id(), exc)
        return None

    def job_result(self, job: NexusJob) -> Any:
        client = self.client
        resource = client.get_job(job.state["nexus_job_id"])
        items = sorted(client.job_items(resource), key=lambda i: i.item_id)
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
        clbits_of = [[tuple(b) for b in header["clbits"]] for header in headers]
        keep_memory = job.options.memory

        def download(result_id: str, clbits: list[tuple[Any, ...]]) -> Any:
            # Decoded as soon as downloaded, so that the result's JSON dies young: kept until
            # every result was in, their objects set off full garbage collections.
            return decode_result(
                self._result_payload(result_id, clbits), clbits, [], memory=keep_memory
            )

        executor = job.request_executor
        if executor is not None:
            decoded = list(executor.map(download, result_ids, clbits_of))
        else:
            threads = max(1, min(job.options.max_concurrent_requests, len(result_ids)))
            with ThreadPoolExecutor(max_workers=threads) as pool:
                decoded = list(pool.map(download, result_ids, clbits_of))
        experiments = []
        for header, (counts, memory) in zip(headers, decoded, strict=True):
            public = {k: v for k, v in header.items() if k != "clbits"}
            experiments.append(
                successful_experiment(
                    public,
                    job.options.shots,
                    _hex_counts(counts),
                    [hex(int(m, 2)) if m else "0x0" for m in memory] if memory else None,
                )
            )
        date, time_taken = _job_timing(resource)
        return make_result(
            experiments,
            backend_name=self.name,
            backend_version=self.backend_version,
            job_id=job.job_id(),
            date=date,
            time_taken=time_taken,
        )

    def program_headers(self, program_ids: list[str]) -> list[dict[str, Any]]:
        """The Qiskit result headers (with clbit names) of uploaded programs, for retrieval.

        A circuit uploaded by another client (without the ``qiskit_header`` property) gets a
        header built from its pytket bits.
        """

        def header(circuit_id: str) -> dict[str, Any]:
            attributes = self.client.get_circuit(circuit_id)
            stored = (attributes.get("properties") or {}).get(HEADER_PROPERTY)
            if isinstance(stored, str):
                return dict(json.loads(stored))
            return _header_from_pytket(attributes)

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(header, program_ids))

    def _result_payload(self, result_id: str, clbits: list[tuple[Any, ...]]) -> dict[str, Any]:
        """The pytket ``BackendResult`` dictionary of one item's result.

        Args:
            result_id: The item's result id.
            clbits: The item's clbits as the Qiskit header names them (``(register, index)``).
        """
        return self.client.get_result(result_id)

    def cancel_job(self, job: NexusJob) -> bool:
        try:
            self.client.cancel_job(job.state["nexus_job_id"])
        except NexusAPIError as exc:
            logger.warning("cancel of %s refused: %s", job.job_id(), exc)
            return False
        return True


def _job_timing(resource: Resource) -> tuple[str | None, float | None]:
    """``Result.date`` and ``time_taken`` from a Nexus job's status timestamps.

    ``date`` is when the job completed (ISO 8601); ``time_taken`` the seconds from when it started
    running (or, if the server did not say, from when it was submitted) to completion.
    """
    raw = resource.attributes.get("status")
    try:
        status = JobStatusModel.model_validate(raw)
    except pydantic.ValidationError:
        return None, None
    end = status.completed_time
    if end is None:
        return None, None
    start = status.running_time or status.submitted_time
    taken = None if start is None else max(0.0, (end - start).total_seconds())
    return end.isoformat(), taken


def _flatten(unitid: Any) -> list[Any]:
    name, index = unitid[0], unitid[1]
    return [name, *index] if isinstance(index, list) else [name, index]


def _header_with_bits(circuit: QuantumCircuit) -> dict[str, Any]:
    header = experiment_header(circuit)
    header["clbits"] = [list(b) for b in bit_names(circuit)]
    return header


def _encode_all(
    circuits: list[QuantumCircuit],
    properties: dict[str, Any],
    encode: Callable[[QuantumCircuit], EncodedCircuit],
) -> list[tuple[str, EncodedCircuit]]:
    encoded = []
    for index, circuit in enumerate(circuits):
        # Each item its own properties; the circuit's JSON is shared by the items it serves.
        body = encode(circuit).with_properties(
            {**properties, HEADER_PROPERTY: json.dumps(_header_with_bits(circuit))}
        )
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
        self._properties: ProjectProperties | None = None
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
        """Id of the provider's project, created on Nexus when missing.

        On first use the project's property definitions are read once, and those the provider
        attaches (:data:`PROVIDER_PROPERTIES`) are created when missing.
        """
        with self._project_lock:
            if self._project_id is None:
                project_id = self.client.get_or_create_project(self.project)
                properties = ProjectProperties(self.client, project_id, self.project)
                try:
                    properties.ensure(PROVIDER_PROPERTIES)
                except PropertyError as exc:
                    raise OptionsError(str(exc)) from None
                self._properties = properties
                self._project_id = project_id
            return self._project_id

    def project_properties(self) -> ProjectProperties:
        """The property definitions of the provider's project (read once)."""
        self.project_id()
        assert self._properties is not None
        return self._properties

    def check_user_properties(self, values: dict[str, Any], refresh: bool = False) -> None:
        """Check a job's ``nexus_properties`` as Nexus will, for its circuits and the job.

        ``run()`` checks against the definitions read on first use of the project; each
        submission checks again with ``refresh=True`` (one request), so that a property another
        client made required meanwhile is named before any circuit is uploaded.

        Raises:
            OptionsError: a name is reserved by the provider, a property is not defined in the
                project or has the wrong type, or a required property is missing.
        """
        reserved = sorted(_PROVIDER_PROPERTY_NAMES.intersection(values))
        if reserved:
            raise OptionsError(
                f"nexus_properties: {', '.join(reserved)} are set by qiskit-nexus-provider"
            )
        definitions = self.project_properties().definitions(refresh=refresh)
        # Required properties: the provider's own are always attached; the user gives the rest.
        checked = {
            name: d
            for name, d in definitions.items()
            if name not in _PROVIDER_PROPERTY_NAMES or not d.required
        }
        try:
            check_property_values(checked, values, project=self.project, what="job")
        except PropertyError as exc:
            raise OptionsError(f"nexus_properties: {exc}") from None

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
        """Backend info of device ``name``.

        Raises:
            QiskitBackendNotFoundError: Nexus lists no such device, or the provider cannot run
                circuits on it (the message says why).
        """
        from qiskit.providers import QiskitBackendNotFoundError

        devices = self.devices()
        if name not in devices:
            raise QiskitBackendNotFoundError(
                f"Nexus at {self.url} has no device {name!r}; it has {', '.join(devices)}."
            )
        reason = why_not_runnable(devices[name])
        if reason is not None:
            raise QiskitBackendNotFoundError(f"Nexus device {name!r} cannot run here: {reason}.")
        return devices[name]

    def refusal(self, name: str) -> str | None:
        """Why a device Nexus lists is not a Qiskit backend, or ``None`` (runnable or unlisted).

        Never raises: a Nexus that cannot be reached gives ``None``.
        """
        if not self.has_token:
            return None
        try:
            info = self.devices().get(name)
        except (NexusAPIError, OSError):
            return None
        if info is None:
            return None
        reason = why_not_runnable(info)
        return None if reason is None else f"Nexus device {name!r} cannot run here: {reason}"

    def backends(self, strict: bool = False) -> list[NexusBackend]:
        """Remote backends: none without a token; when listing fails, none (with a warning) or,
        if ``strict``, the error raised (:class:`.NexusAPIError` or :class:`OSError`)."""
        if not self.has_token:
            return []
        try:
            devices = self.devices()
        except (NexusAPIError, OSError) as exc:
            if strict:
                raise
            warn_user(
                f"Could not list Nexus devices at {self.url} ({exc}); only the offline "
                "simulators are available.",
                RuntimeWarning,
            )
            return []
        from .helios import remote_backend  # Helios systems get HeliosBackend (QIR programs)

        return [
            remote_backend(self, name, info)
            for name, info in devices.items()
            if why_not_runnable(info) is None
        ]

    def backend_for_spec(self, spec: BackendSpec) -> RemoteNexusBackend:
        """A backend for a persisted spec; its device info is fetched on first use.

        Its class follows the device listing when it has been read, else the device's name
        (:func:`~qiskit_nexus_provider.backends.helios.is_helios`): restoring a job makes no
        request.
        """
        from .helios import remote_backend

        info = self._devices.get(spec.name) if self._devices is not None else None
        return remote_backend(self, spec.name, info)

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
        backend: RemoteNexusBackend
        if config.get("type") == "HeliosConfig":  # QIR programs
            from .helios import HeliosBackend

            backend = HeliosBackend(self, str(config.get("system_name") or "Helios-1"))
        else:
            name = config.get("device_name") or self._device_of_type(str(config.get("type")))
            backend = RemoteNexusBackend(self, name)
        properties = attributes.get("properties") or {}
        items = sorted(self.client.job_items(resource), key=lambda i: i.item_id)
        shots = int(properties.get(SHOTS_PROPERTY) or (items[0].n_shots if items else 100) or 100)
        options = NexusOptions(shots=shots, memory=bool(properties.get(MEMORY_PROPERTY, False)))
        headers = backend.program_headers([item.program_id for item in items])
        state = {
            "nexus_job_id": resource.id,
            "circuit_ids": [item.program_id for item in items],
            "headers": headers,
        }
        return NexusJob(backend, resource.id, [], options, state=state, submitted=True)

    def _device_of_type(self, config_type: str) -> str:
        """The listed device a device-less config (``AerConfig``, ``QulacsConfig``) selects."""
        for name, info in self.devices().items():
            try:
                if backend_config_class(info).__name__ == config_type:
                    return name
            except BackendConfigError:
                continue
        raise JobNotFoundError(
            f"the job ran with {config_type} but this Nexus lists no such device"
        )

    def _retrieve_composite(self, composite_id: str) -> NexusCompositeJob:
        from ..jobs.composite import NexusCompositeJob, Slot

        found: dict[int, tuple[int, Resource, tuple[int, int, int]]] = {}
        total = None
        self.project_id()  # the composite's properties must be defined to filter on them
        num_circuits: int | None = None
        for resource in self.client.list_jobs(properties={COMPOSITE_PROPERTY: composite_id}):
            props = resource.attributes.get("properties") or {}
            match = _SLOT.fullmatch(str(props.get(SLOT_PROPERTY, "")))
            if props.get(COMPOSITE_PROPERTY) != composite_id or match is None:
                continue
            index, count, first, last, attempt = (int(g) for g in match.groups()[:5])
            if match.group(6) is not None:
                num_circuits = int(match.group(6))
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
        if num_circuits is None and total - 1 in sizes:
            num_circuits = sizes[total - 1][1] + 1
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
                first, last = _missing_range(index, total, sizes, num_circuits)
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


def _missing_range(
    index: int, total: int, ranges: dict[int, tuple[int, int]], num_circuits: int | None
) -> tuple[int, int]:
    """``(first, last)`` circuit of slot ``index``, which has no sub-job on the server.

    Every slot but the last holds the same number of circuits (the chunk), known from any found
    slot that is not the last (its size) or from the last one (its first index over its slot
    index).  The last slot ends at the batch size, recorded by every sub-job (or, for sub-jobs of
    older versions, known from a found last slot; otherwise the chunk is assumed full).
    """
    chunk = next((b - a + 1 for i, (a, b) in ranges.items() if i < total - 1), None)
    if chunk is None:
        chunk = next((a // i for i, (a, _) in ranges.items() if i > 0), 1)
    first = index * chunk
    last = first + chunk - 1
    if num_circuits is not None:
        last = min(last, num_circuits - 1)
    return first, last


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
