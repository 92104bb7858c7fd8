"""``NexusBackend``: what offline simulators and remote Nexus backends have in common."""

from __future__ import annotations

import uuid
from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from qiskit import QuantumCircuit
from qiskit.providers import BackendV2, Options
from qiskit.transpiler import Target

from ..api.warn import warn_user
from ..options import NexusOptions
from ..validation import circuit_list, validate_circuits

if TYPE_CHECKING:
    from ..jobs.composite import NexusCompositeJob
    from ..jobs.job import NexusJob
    from ..jobs.transport import StatusReport, WaitCallback
    from ..provider import NexusProvider
    from ..store import BackendSpec

__all__ = ["NexusBackend"]


class NexusBackend(BackendV2):
    """Base class of every backend of :class:`.NexusProvider`.

    ``run()`` validates the circuits and options before anything runs, then returns a submitted
    :class:`.NexusJob`, or a :class:`.NexusCompositeJob` when the batch holds more circuits than
    the ``max_circuits_per_job`` option (default: :attr:`max_circuits`).

    Subclasses implement the job transport (:class:`~.jobs.transport.JobTransport`).
    """

    def __init__(
        self,
        provider: NexusProvider | None,
        name: str,
        description: str,
        backend_version: str = "1",
    ) -> None:
        super().__init__(
            provider=provider, name=name, description=description, backend_version=backend_version
        )

    # -- BackendV2 -------------------------------------------------------------------------
    @classmethod
    def _default_options(cls) -> Options:
        return NexusOptions.to_qiskit_options()

    @property
    @abstractmethod
    def target(self) -> Target:
        """The backend's :class:`~qiskit.transpiler.Target`."""

    @property
    def max_circuits(self) -> int | None:
        """Largest batch one job holds; ``run()`` splits larger batches into a composite job."""
        return None

    @property
    def run_options(self) -> NexusOptions:
        """The backend's current default run options, as the validated model.

        :attr:`options` (Qiskit's :class:`~qiskit.providers.Options`) is the one source of
        truth: ``backend.set_options(shots=500)``, ``backend.options.shots = 500`` and
        ``backend.options.update_options(shots=500)`` all change what ``run()`` uses.  Values
        set directly on :attr:`options` are validated here, when ``run()`` reads them.

        Raises:
            OptionsError: a value set on :attr:`options` is invalid.
        """
        fields = NexusOptions.model_fields
        return NexusOptions.validated({k: v for k, v in self.options.items() if k in fields})

    def set_options(self, **fields: Any) -> None:
        """Set default run options, validated (an invalid value raises :class:`.OptionsError`)."""
        self.run_options.updated(**fields)  # validates; unknown names warn
        known = {k: v for k, v in fields.items() if k in NexusOptions.model_fields}
        super().set_options(**known)

    def run(
        self, run_input: QuantumCircuit | Sequence[QuantumCircuit], **options: Any
    ) -> NexusJob | NexusCompositeJob:
        """Run circuits and return a submitted job at once.

        Args:
            run_input: one circuit or a list of circuits, transpiled for this backend
                (``transpile(circuits, backend)``).
            options: run options overriding the backend's (see :class:`.NexusOptions`); unknown
                names are ignored with an :class:`.UnknownOptionWarning`.

        Returns:
            A :class:`.NexusJob`, or a :class:`.NexusCompositeJob` when the batch is larger than
            ``max_circuits_per_job``.

        Raises:
            CircuitValidationError: a circuit cannot run here (too wide, unsupported instruction,
                unbound parameters, no measurement) or the list is empty.
            OptionsError: an option value is invalid.
        """
        circuits = circuit_list(run_input)
        defaults = self.run_options
        run_options = defaults.updated(**options) if options else defaults
        validate_circuits(
            circuits,
            self.target,
            self.name,
            self.compiled_on_service(run_options),
            width_hint=self.width_hint,
        )
        self.check_circuits(circuits)
        self.check_run_options(run_options)
        self.prepare_circuits(circuits)
        try:
            limit = run_options.max_circuits_per_job or self.max_circuits
            cap = self.service_max_circuits
            if limit is not None and cap is not None and limit > cap:
                if len(circuits) > cap:
                    warn_user(
                        f"max_circuits_per_job={limit} is above the {cap} circuits {self.name} "
                        f"accepts per job: the {len(circuits)} circuits are split into sub-jobs "
                        f"of at most {cap}",
                        UserWarning,
                    )
                limit = cap
            if limit is not None and len(circuits) > limit:
                from ..jobs.composite import NexusCompositeJob

                composite = NexusCompositeJob.create(self, circuits, run_options, limit)
                composite.submit()
                return composite
            from ..jobs.job import NexusJob

            job = NexusJob(self, self.new_job_id(), circuits, run_options)
            job.submit()
            return job
        except BaseException:
            self.forget_prepared(circuits)
            raise

    def prepare_circuits(self, circuits: Sequence[QuantumCircuit]) -> None:
        """Encode the batch for the service before any (sub-)job is submitted (nothing offline).

        A circuit that cannot be encoded must fail :meth:`run` before anything is uploaded,
        also when the batch is split into sub-jobs submitted one after another.

        Raises:
            CircuitValidationError: a circuit has no encoding for the service; the message
                names it by index and name.
        """

    def forget_prepared(self, circuits: Sequence[QuantumCircuit]) -> None:
        """Drop what :meth:`prepare_circuits` kept for ``circuits`` (their run failed)."""

    def check_circuits(self, circuits: Sequence[QuantumCircuit]) -> None:
        """Check circuits against what the service runs, beyond the target (none offline).

        Raises:
            CircuitValidationError: the service would refuse a circuit.
        """

    def check_run_options(self, options: NexusOptions) -> None:
        """Check options against the service before anything is submitted (none offline).

        Raises:
            OptionsError: the service would refuse the job with these options.
        """

    @property
    def width_hint(self) -> str:
        """What to do about a circuit wider than this backend (none: it is the device's size)."""
        return ""

    def compiled_on_service(self, options: NexusOptions) -> frozenset[str]:
        """Instructions accepted besides the target's because the service compiles them away.

        None offline; remote backends with ``tket_optimisation_level`` accept every standard
        gate (a TKET compile job on Nexus rebases them to the device's gates).
        """
        return frozenset()

    def connection_trouble(self) -> str | None:
        """The last failed request to the service since it last answered, or ``None``.

        Quoted by timeout messages so that an unreachable server is not taken for a slow one;
        always ``None`` offline.
        """
        return None

    @property
    def service_max_circuits(self) -> int | None:
        """The hard limit of circuits per job of the service behind this backend, if any.

        ``max_circuits_per_job`` larger than this still splits at this limit.
        """
        return None

    @staticmethod
    def new_job_id() -> str:
        """A fresh client-side job id."""
        return str(uuid.uuid4())

    # -- transpiler -------------------------------------------------------------------------
    def get_translation_stage_plugin(self) -> str:
        """Name of the translation stage :func:`~qiskit.compiler.transpile` uses: ``"nexus"``.

        See :class:`~qiskit_nexus_provider.transpiler.NexusTranslationPlugin`: native ``rz``,
        ``r`` and ``rzz`` gates, one ``r`` per single-qubit run, wrapped angles.
        """
        return "nexus"

    def get_scheduling_stage_plugin(self) -> str:
        """Name of the scheduling stage plugin ``transpile`` uses by default for this backend.

        The ``nexus`` scheduling stage runs last and restores the native form (one ``r`` per
        single-qubit run, wrapped angles) after Qiskit's optimization stage at levels 2 and 3.
        """
        return "nexus"

    # -- transport (see jobs/transport.py) ---------------------------------------------------
    @abstractmethod
    def spec(self) -> BackendSpec:
        """Everything needed to rebuild this backend elsewhere (no token)."""

    @abstractmethod
    def submit_job(self, job: NexusJob) -> None:
        """Start ``job``."""

    @abstractmethod
    def resume_job(self, job: NexusJob) -> bool:
        """Reattach a restored ``job``; return whether it had been submitted."""

    @abstractmethod
    def job_status(self, job: NexusJob) -> StatusReport:
        """Query ``job``'s status once."""

    @abstractmethod
    def wait_job(
        self,
        job: NexusJob,
        timeout: float | None,
        callback: WaitCallback | None,
        wait: float | None = None,
    ) -> StatusReport | None:
        """Return once ``job`` is final; its final status, if the wait learnt it."""

    @abstractmethod
    def job_result(self, job: NexusJob) -> Any:
        """Result of a DONE ``job``."""

    @abstractmethod
    def cancel_job(self, job: NexusJob) -> bool:
        """Cancel ``job``."""
