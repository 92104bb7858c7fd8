"""Helios backends (issue 14): Qiskit circuits on Quantinuum's Helios systems through QIR.

Helios runs QIR (and HUGR) programs, not pytket circuits.  A Helios job's circuits are encoded
as QIR (:func:`~qiskit_nexus_provider.encoding.qir.to_qir`: our pytket encoding, then
pytket-qir's adaptive profile), all before anything is uploaded, so that a circuit QIR cannot
express fails :meth:`run` at once.  The programs are uploaded to ``/api/qir/v1beta`` and run by
one execute job with a ``HeliosConfig`` (quantinuum-schemas) for the device the listing names,
each item carrying the ``max_cost`` run option.  Results are the QIR output text of each item
(QSYS results), decoded into Qiskit counts and memory with the keys Aer gives.

``max_cost``: the QPU (``Helios-1``) refuses programs without one, so :meth:`run` refuses a
hardware run without the ``max_cost`` option before uploading; :meth:`estimate_cost` asks the
Helios syntax checker (``Helios-1SC``) for it, as ``qnexus.qir.cost_confidence`` does.
Emulators (``Helios-1E``, ``Helios-1E-lite``) and the syntax checker run without one.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from qiskit import QuantumCircuit
from qiskit.circuit import IfElseOp
from qiskit.providers import JobStatus
from qiskit.transpiler import Target

from ..api.client import CLIENT_KEY_PROPERTY
from ..api.errors import NexusAPIError
from ..api.models import BackendInfo, Resource
from ..api.qir import (
    cost_confidence,
    get_qir,
    get_qsys_result,
    start_helios_job,
    syntax_checker_name,
    upload_qirs,
)
from ..encoding import decode_result
from ..encoding.qir import qir_output_to_pytket, to_qir
from ..exceptions import OptionsError
from ..jobs.polling import poll_until_final
from ..options import NexusOptions
from ..results import make_result, successful_experiment
from ..validation import validate_circuits
from .remote import (
    COMPOSITE_PROPERTY,
    HEADER_PROPERTY,
    MEMORY_PROPERTY,
    SHOTS_PROPERTY,
    SLOT_PROPERTY,
    RemoteNexusBackend,
    _header_with_bits,
    _hex_counts,
)

if TYPE_CHECKING:
    from ..jobs.composite import NexusCompositeJob
    from ..jobs.job import NexusJob
    from .remote import RemoteCatalog

__all__ = ["HELIOS_MAX_CIRCUITS", "HeliosBackend", "is_helios", "remote_backend"]

HELIOS_MAX_CIRCUITS = 300
"""Programs per Helios execute job (the Helios batching page: a 300-program hard limit)."""


def is_helios(name: str, info: BackendInfo | None = None) -> bool:
    """Whether a listed device is a Helios system (it runs QIR programs, not pytket circuits)."""
    if info is not None and (info.misc or {}).get("system_family") == "Helios":
        return True
    return name.startswith("Helios")


def remote_backend(
    catalog: RemoteCatalog, name: str, info: BackendInfo | None = None
) -> RemoteNexusBackend:
    """The backend class a listed device needs: :class:`HeliosBackend` for Helios systems."""
    if is_helios(name, info):
        return HeliosBackend(catalog, name, info)
    return RemoteNexusBackend(catalog, name, info)


class HeliosBackend(RemoteNexusBackend):
    """A Helios system on Nexus: ``Helios-1`` (QPU), its emulators, its syntax checker.

    Circuits run as QIR programs with a ``HeliosConfig``; the run option ``max_cost`` (HQC per
    circuit) is required on the QPU — get a value from :meth:`estimate_cost`.  Its
    :class:`~qiskit.transpiler.Target` comes from the device listing, as for H-series devices.
    """

    def __init__(self, catalog: RemoteCatalog, name: str, info: BackendInfo | None = None) -> None:
        super().__init__(catalog, name, info)
        self._qir_cache: dict[int, tuple[QuantumCircuit, bytes]] = {}

    def __repr__(self) -> str:
        return f"<HeliosBackend {self.name!r} at {self._catalog.url}>"

    @property
    def description(self) -> str:
        return f"Nexus Helios {self.device_kind.replace('_', ' ')} {self.name} (QIR programs)"

    @description.setter
    def description(self, value: str) -> None:
        pass

    @property
    def device_kind(self) -> str:
        """``"qpu"`` (``Helios-1``), ``"emulator"`` (``Helios-1E``, ``Helios-1E-lite``) or
        ``"syntax_checker"`` (``Helios-1SC``), from the device name."""
        if self.name.endswith("SC"):
            return "syntax_checker"
        if re.match(r"^.*-\d+E($|-)", self.name):
            return "emulator"
        return "qpu"

    @property
    def target(self) -> Target:
        """The listing's target, plus ``if_else`` (Helios runs the QIR adaptive profile:
        gates conditioned on mid-circuit measurements)."""
        target = super().target
        with self._lock:
            if "if_else" not in target.operation_names:
                target.add_instruction(IfElseOp, name="if_else")
        return target

    @property
    def max_circuits(self) -> int | None:
        """300 programs per Helios execute job; larger batches become composite jobs."""
        return HELIOS_MAX_CIRCUITS

    @property
    def syntax_checker(self) -> str:
        """Name of the Helios syntax checker predicting this system's costs (``Helios-1SC``)."""
        return syntax_checker_name(self.name)

    def backend_config(self, options: NexusOptions) -> dict[str, Any]:
        """The ``HeliosConfig`` of this system (``max_cost`` travels per item, not here)."""
        from ..api.qir import helios_config

        return helios_config(self.name)

    def run(
        self, run_input: QuantumCircuit | Sequence[QuantumCircuit], **options: Any
    ) -> NexusJob | NexusCompositeJob:
        """Run circuits as QIR programs; see :meth:`.NexusBackend.run`.

        Raises:
            OptionsError: the device is the QPU and no ``max_cost`` was given (the message
                says how to get one from :meth:`estimate_cost`), or ``tket_optimisation_level``
                is set (Nexus compiles pytket circuits only).
            CircuitValidationError: a circuit cannot run here, or QIR cannot express it.
        """
        run_options = self._nexus_options.updated(**options) if options else self._nexus_options
        if self.device_kind == "qpu" and run_options.max_cost is None:
            raise OptionsError(
                f"{self.name} needs a maximum cost per circuit: pass max_cost=<HQC> to run() "
                f"(or set_options). backend.estimate_cost(circuits, shots) asks the syntax "
                f"checker {self.syntax_checker} for a prediction."
            )
        if run_options.tket_optimisation_level is not None:
            raise OptionsError(
                f"{self.name} runs QIR programs, which Nexus does not compile with TKET: leave "
                "tket_optimisation_level unset and transpile locally: transpile(circuits, backend)."
            )
        circuits = [run_input] if isinstance(run_input, QuantumCircuit) else list(run_input)
        validate_circuits(circuits, self.target, self.name)
        # Every circuit is encoded before anything is uploaded, also when the batch becomes a
        # composite job whose sub-jobs upload one after another: a circuit QIR cannot express
        # fails run() at once.  The bitcode waits for the (sub-)job that uploads it.
        encoded = [(circuit, to_qir(circuit)) for circuit in circuits]
        with self._lock:
            self._qir_cache.update({id(c): (c, b) for c, b in encoded})
        try:
            return super().run(circuits, **options)
        except BaseException:
            with self._lock:
                for circuit, _ in encoded:
                    self._qir_cache.pop(id(circuit), None)
            raise

    # -- programs ----------------------------------------------------------------------------
    def _bitcode(self, circuit: QuantumCircuit) -> bytes:
        with self._lock:
            cached = self._qir_cache.pop(id(circuit), None)
        if cached is not None and cached[0] is circuit:
            return cached[1]
        return to_qir(circuit)  # a restored or re-run sub-job

    def _upload(self, circuits: Sequence[QuantumCircuit], project_id: str) -> list[str]:
        encoded = []
        for index, circuit in enumerate(circuits):
            bitcode = self._bitcode(circuit)
            header = json.dumps(_header_with_bits(circuit))
            encoded.append((circuit.name or f"circuit-{index}", bitcode, {HEADER_PROPERTY: header}))
        return upload_qirs(self.client, project_id, encoded)

    def estimate_cost(
        self,
        circuits: QuantumCircuit | Sequence[QuantumCircuit],
        shots: int | None = None,
        *,
        timeout: float | None = None,
    ) -> list[tuple[float, float]]:
        """Predict the cost of running circuits here, with the Helios syntax checker.

        Like ``qnexus.qir.cost_confidence``: the circuits are uploaded as QIR programs and a
        costing job runs on :attr:`syntax_checker`.

        Args:
            circuits: one circuit or a list, transpiled for this backend.
            shots: shots per circuit (default: the ``shots`` option).
            timeout: seconds to wait for the costing job (``None``: no limit).

        Returns:
            ``(cost, confidence)`` per circuit: the predicted cost in HQC and the checker's
            confidence in it (0 to 1; -1 when the checker gives none).  Pass
            ``max(cost for cost, _ in ...)`` (or more) as ``max_cost`` to :meth:`run`.

        Raises:
            CircuitValidationError: a circuit cannot run here, or QIR cannot express it.
            NexusAPIError: the costing job failed.
            qiskit.providers.JobTimeoutError: ``timeout`` passed first.
        """
        batch = [circuits] if isinstance(circuits, QuantumCircuit) else list(circuits)
        validate_circuits(batch, self.target, self.name)
        n_shots = self._nexus_options.shots if shots is None else int(shots)
        project_id = self._catalog.project_id()
        program_ids = self._upload(batch, project_id)
        job = start_helios_job(
            self.client,
            project_id=project_id,
            name=f"qiskit-cost-{uuid.uuid4().hex[:8]}",
            program_ids=program_ids,
            n_shots=[n_shots] * len(program_ids),
            system_name=self.syntax_checker,
            max_cost=[None] * len(program_ids),
        )
        report = poll_until_final(
            lambda: self._status_of(job.id),
            timeout=timeout,
            initial_interval=min(self._nexus_options.poll_interval, 0.2),
            max_interval=self._nexus_options.poll_max_interval,
            what=f"costing job {job.id}",
        )
        if report.status is not JobStatus.DONE:
            raise NexusAPIError(
                f"costing job {job.id} on {self.syntax_checker} failed: {report.message}"
            )
        return cost_confidence(self.client, job.id)

    # -- transport ---------------------------------------------------------------------------
    def submit_job(self, job: NexusJob) -> None:
        options = job.options
        project_id = self._catalog.project_id()
        program_ids = self._upload(job.circuits, project_id)
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
        resource = start_helios_job(
            self.client,
            project_id=project_id,
            name=options.job_name or f"qiskit-{job.job_id()[:8]}",
            program_ids=program_ids,
            n_shots=[options.shots] * len(program_ids),
            system_name=self.name,
            max_cost=[options.max_cost] * len(program_ids),
            properties=properties,
        )
        job.set_job_id(resource.id)
        job.state.update(
            {"nexus_job_id": resource.id, "circuit_ids": program_ids, "project_id": project_id}
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
        with ThreadPoolExecutor(max_workers=8) as pool:
            texts = list(pool.map(lambda rid: get_qsys_result(client, rid), result_ids))
        experiments = []
        for header, text in zip(headers, texts, strict=True):
            clbits = [(str(b[0]), int(b[1])) for b in header["clbits"]]
            payload = qir_output_to_pytket(text, clbits)
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


def helios_job_from_resource(catalog: RemoteCatalog, resource: Resource) -> NexusJob:
    """Rebuild a Helios job from its Nexus job resource (for ``retrieve_job``)."""
    from ..jobs.job import NexusJob

    attributes = resource.attributes
    config = (attributes.get("definition") or {}).get("backend_config") or {}
    backend = HeliosBackend(catalog, str(config.get("system_name") or "Helios-1"))
    properties = attributes.get("properties") or {}
    items = sorted(catalog.client.job_items(resource), key=lambda i: i.item_id)
    shots = int(properties.get(SHOTS_PROPERTY) or (items[0].n_shots if items else 100) or 100)
    options = NexusOptions(shots=shots, memory=bool(properties.get(MEMORY_PROPERTY, False)))

    def header(program_id: str) -> dict[str, Any]:
        stored = (get_qir(catalog.client, program_id).get("properties") or {}).get(HEADER_PROPERTY)
        if not isinstance(stored, str):
            raise NexusAPIError(
                f"QIR program {program_id} has no Qiskit header; it was not uploaded by "
                "qiskit-nexus-provider, so its outputs cannot be mapped to Qiskit clbits"
            )
        return dict(json.loads(stored))

    program_ids = [item.program_id for item in items]
    with ThreadPoolExecutor(max_workers=8) as pool:
        headers = list(pool.map(header, program_ids))
    state = {"nexus_job_id": resource.id, "circuit_ids": program_ids, "headers": headers}
    return NexusJob(backend, resource.id, [], options, state=state, submitted=True)
