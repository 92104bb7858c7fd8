"""Helios backends (issue 14): Qiskit circuits on Quantinuum's Helios systems through QIR.

Helios runs QIR (and HUGR) programs, not pytket circuits.  A Helios job's circuits are encoded
as QIR (:func:`~qiskit_nexus_provider.encoding.qir.to_qir`: our pytket encoding, then
pytket-qir's adaptive profile), all before anything is uploaded, so that a circuit QIR cannot
express fails :meth:`run` at once.  The programs are uploaded to ``/api/qir/v1beta`` and run by
one execute job with the ``HeliosConfig`` (quantinuum-schemas) that
:func:`~qiskit_nexus_provider.api.backend_configs.build_backend_config` selects for the device
the listing names, each item carrying the ``max_cost`` run option.  Everything else is
:class:`~.RemoteNexusBackend`'s: the provider's properties (the Qiskit header on each program,
the client key and shots on the job) and the user's ``nexus_properties``, checked against the
project's definitions before upload; composite jobs, persistence and retrieval.  Results are
the QIR output text of each item (QSYS results), decoded into Qiskit counts and memory with the
keys Aer gives.

Which devices are Helios systems: those the listing gives ``misc["system_family"] == "Helios"``
(:func:`~qiskit_nexus_provider.api.backend_configs.backend_config_class` selects
``HeliosConfig`` for them); a restored job whose listing was not read yet goes by the name.

``max_cost``: the QPU (``Helios-1``) refuses programs without one, so :meth:`run` refuses a
hardware run without the ``max_cost`` option before uploading; :meth:`estimate_cost` asks the
Helios syntax checker (``Helios-1SC``) for it, as ``qnexus.qir.cost_confidence`` does.
The emulator (``Helios-1E-lite``) and the syntax checker run without one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from qiskit import QuantumCircuit
from qiskit.providers import JobStatus
from quantinuum_schemas.models.backend_config import HeliosConfig

from ..api.backend_configs import BackendConfigError, backend_config_class, build_backend_config
from ..api.errors import NexusAPIError
from ..api.models import BackendInfo
from ..api.qir import cost_confidence, get_qir, get_qsys_result, syntax_checker_name, upload_qirs
from ..encoding.qir import qir_output_to_pytket, to_qir
from ..exceptions import OptionsError
from ..jobs.polling import poll_until_final
from ..validation import circuit_list, validate_circuits
from .remote import HEADER_PROPERTY, RemoteNexusBackend, _header_with_bits

if TYPE_CHECKING:
    from ..jobs.composite import NexusCompositeJob
    from ..jobs.job import NexusJob
    from .remote import RemoteCatalog

__all__ = ["HeliosBackend", "is_helios", "remote_backend"]


def is_helios(name: str, info: BackendInfo | None = None) -> bool:
    """Whether a device is a Helios system (it runs QIR programs, not pytket circuits).

    With its listing, the configuration class decides (``HeliosConfig``: the listing's
    ``misc["system_family"]`` is ``"Helios"``); without one (a restored job), the name does.
    """
    if info is not None:
        try:
            return backend_config_class(info) is HeliosConfig
        except BackendConfigError:
            return False
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
        text = f"Nexus Helios {self.device_kind.replace('_', ' ')} {self.name} (QIR programs)"
        if self.simulated_qubits is not None:
            # info.n_qubits: num_qubits builds the target, which asks for this description.
            limit, size = self.simulated_qubits, self.info.n_qubits
            text += f"; this emulator simulates at most {limit} of its {size} qubits"
        return text

    @description.setter
    def description(self, value: str) -> None:
        pass

    @property
    def syntax_checker(self) -> str:
        """Name of the Helios syntax checker predicting this system's costs (``Helios-1SC``):
        the listing's ``misc["syntax_checker"]``, else derived from the name."""
        named = (self.info.misc or {}).get("syntax_checker")
        return str(named) if named else syntax_checker_name(self.name)

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
        defaults = self.run_options
        run_options = defaults.updated(**options) if options else defaults
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
        circuits = circuit_list(run_input)
        validate_circuits(circuits, self.target, self.name)
        self.check_circuits(circuits)
        # Every circuit is encoded before anything is uploaded, also when the batch becomes a
        # composite job whose sub-jobs upload one after another: a circuit QIR cannot express
        # fails run() at once.  The bitcode waits for the (sub-)job that uploads it.
        encoded = [(circuit, to_qir(circuit)) for circuit in circuits]
        with self._lock:
            self._qir_cache.update({id(c): (c, b) for c, b in encoded})
        try:
            return super().run(circuits, **options)
        except BaseException:
            self.forget_prepared(circuits)
            raise

    def prepare_circuits(self, circuits: Sequence[QuantumCircuit]) -> None:
        """Nothing: :meth:`run` has already encoded every circuit as QIR (not pytket JSON)."""

    def forget_prepared(self, circuits: Sequence[QuantumCircuit]) -> None:
        """Drop the QIR :meth:`run` encoded for ``circuits`` (their run failed or their sub-job
        was cancelled before it submitted)."""
        with self._lock:
            for circuit in circuits:
                self._qir_cache.pop(id(circuit), None)

    # -- programs ----------------------------------------------------------------------------
    def _bitcode(self, circuit: QuantumCircuit) -> bytes:
        with self._lock:
            cached = self._qir_cache.pop(id(circuit), None)
        if cached is not None and cached[0] is circuit:
            return cached[1]
        return to_qir(circuit)  # a restored or re-run sub-job

    @staticmethod
    def _programs(
        circuits: Sequence[QuantumCircuit], bitcodes: Sequence[bytes], properties: dict[str, Any]
    ) -> list[tuple[str, bytes, dict[str, Any]]]:
        """``(name, bitcode, properties)`` of each program: the user's ``nexus_properties``
        and the circuit's Qiskit header (``qiskit_header``), as on H-series circuits."""
        return [
            (
                circuit.name or f"circuit-{index}",
                bitcode,
                {**properties, HEADER_PROPERTY: json.dumps(_header_with_bits(circuit))},
            )
            for index, (circuit, bitcode) in enumerate(zip(circuits, bitcodes, strict=True))
        ]

    def _upload_programs(self, job: NexusJob, project_id: str) -> list[str]:
        """Upload the job's circuits as QIR programs; ids in order."""
        bitcodes = [self._bitcode(circuit) for circuit in job.circuits]
        programs = self._programs(job.circuits, bitcodes, job.options.nexus_properties)
        return upload_qirs(
            self.client,
            project_id,
            programs,
            max_workers=job.options.max_concurrent_requests,
            executor=job.request_executor,
        )

    def program_headers(self, program_ids: list[str]) -> list[dict[str, Any]]:
        """The Qiskit result headers stored on QIR programs (for retrieval).

        Raises:
            NexusAPIError: a program has no ``qiskit_header`` (another client uploaded it, and
                QIR outputs cannot be mapped to Qiskit clbits without it).
        """

        def header(program_id: str) -> dict[str, Any]:
            properties = get_qir(self.client, program_id).get("properties") or {}
            stored = properties.get(HEADER_PROPERTY)
            if not isinstance(stored, str):
                raise NexusAPIError(
                    f"QIR program {program_id} has no Qiskit header; it was not uploaded by "
                    "qiskit-nexus-provider, so its outputs cannot be mapped to Qiskit clbits"
                )
            return dict(json.loads(stored))

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(header, program_ids))

    def _result_payload(self, result_id: str, clbits: list[tuple[Any, ...]]) -> dict[str, Any]:
        """One item's QSYS result (QIR output text), as a pytket ``BackendResult`` dictionary."""
        text = get_qsys_result(self.client, result_id)
        return qir_output_to_pytket(text, [(str(b[0]), int(b[1])) for b in clbits])

    def estimate_cost(
        self,
        circuits: QuantumCircuit | Sequence[QuantumCircuit],
        shots: int | None = None,
        *,
        timeout: float | None = None,
        nexus_properties: dict[str, Any] | None = None,
    ) -> list[tuple[float, float]]:
        """Predict the cost of running circuits here, with the Helios syntax checker.

        Like ``qnexus.qir.cost_confidence``: the circuits are uploaded as QIR programs and a
        costing job runs on :attr:`syntax_checker`.

        Args:
            circuits: one circuit or a list, transpiled for this backend.
            shots: shots per circuit (default: the ``shots`` option).
            timeout: seconds to wait for the costing job (``None``: no limit).
            nexus_properties: Nexus properties of the programs and the costing job (default:
                the backend's ``nexus_properties`` option); checked like :meth:`run`'s.

        Returns:
            ``(cost, confidence)`` per circuit: the predicted cost in HQC and the checker's
            confidence in it (0 to 1; -1 when the checker gives none).  Pass
            ``max(cost for cost, _ in ...)`` (or more) as ``max_cost`` to :meth:`run`.

        Raises:
            CircuitValidationError: a circuit cannot run here, or QIR cannot express it.
            OptionsError: the ``nexus_properties`` option does not fit the project.
            QiskitBackendNotFoundError: Nexus does not list the syntax checker.
            NexusAPIError: the costing job failed.
            qiskit.providers.JobTimeoutError: ``timeout`` passed first.
        """
        batch = [circuits] if isinstance(circuits, QuantumCircuit) else list(circuits)
        validate_circuits(batch, self.target, self.name)
        options = self.run_options
        if nexus_properties is not None:
            options = options.updated(nexus_properties=nexus_properties)
        n_shots = options.shots if shots is None else int(shots)
        bitcodes = [to_qir(circuit) for circuit in batch]  # all of them before any upload
        checker = build_backend_config(self._catalog.device_info(self.syntax_checker))
        project_id = self._catalog.project_id()
        self._catalog.check_user_properties(options.nexus_properties, refresh=True)
        programs = self._programs(batch, bitcodes, options.nexus_properties)
        program_ids = upload_qirs(
            self.client, project_id, programs, max_workers=options.max_concurrent_requests
        )
        job = self.client.start_execute_job(
            project_id=project_id,
            name=f"qiskit-cost-{uuid.uuid4().hex[:8]}",
            program_ids=program_ids,
            n_shots=[n_shots] * len(program_ids),
            backend_config=checker,
            properties=dict(options.nexus_properties),
        )
        report = poll_until_final(
            lambda: self._status_of(job.id),
            timeout=timeout,
            initial_interval=min(options.poll_interval, 0.2),
            max_interval=options.poll_max_interval,
            what=f"costing job {job.id}",
        )
        if report.status is not JobStatus.DONE:
            raise NexusAPIError(
                f"costing job {job.id} on {self.syntax_checker} failed: {report.message}"
            )
        return cost_confidence(self.client, job.id)
