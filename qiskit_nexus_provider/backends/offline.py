"""Offline simulators: H-series-shaped backends on qiskit-aer, needing no account and no network."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import secrets
from typing import TYPE_CHECKING, Any

from qiskit.providers import JobStatus, JobTimeoutError
from qiskit.result import Result
from qiskit.transpiler import Target
from qiskit_aer import AerSimulator

from ..noise import HSERIES_NOISE, NoiseFigures, build_noise_model
from ..store import BackendSpec
from ..target import NATIVE_GATE_SET, build_target
from .aer_executor import submit_in_parts
from .aer_stores import prepare_for_aer
from .aer_switch import switches_for_aer
from .base import NexusBackend

if TYPE_CHECKING:
    from ..jobs.job import NexusJob
    from ..jobs.transport import StatusReport, WaitCallback
    from ..provider import NexusProvider

__all__ = [
    "DEFAULT_OFFLINE_QUBITS",
    "MAX_OFFLINE_QUBITS",
    "OFFLINE_SIMULATOR_NAMES",
    "OfflineSimulatorBackend",
]

DEFAULT_OFFLINE_QUBITS = 20
MAX_OFFLINE_QUBITS = 56
OFFLINE_SIMULATOR_NAMES = ("offline_simulator_no_noise", "offline_simulator_noise")


class OfflineSimulatorBackend(NexusBackend):
    """An offline simulator shaped like an H-series machine, running on qiskit-aer in process.

    Its :class:`~qiskit.transpiler.Target` holds the Quantinuum native gates in Qiskit form
    (``rz``, ``r`` for PhasedX, ``rzz`` for ZZPhase, ``measure``, ``reset``) on all-to-all
    connectivity, so ``transpile(circuit, backend)`` gives circuits a Nexus H-series device
    accepts.  Mid-circuit measurement and reset are supported, and so are dynamic circuits:
    ``if_else`` and ``switch_case`` (as on Nexus devices) and, here only, ``while_loop``,
    ``for_loop``, ``break_loop`` and ``continue_loop``, all run by qiskit-aer.  A classical
    ``store`` inside a control-flow block runs only when its block does: qiskit-aer 0.18 alone
    would run it unconditionally when the block acts on no qubit, so for such circuits the
    counts are correct and differ from ``AerSimulator``'s (see
    ``qiskit_nexus_provider.backends.aer_stores``).

    ``offline_simulator_noise`` adds depolarizing gate errors and readout errors at H-series-like
    rates (see :mod:`qiskit_nexus_provider.noise` for the figures and their source).

    Jobs run in a background thread; ``run()`` returns at once.  Every job is seeded (with
    ``seed_simulator``, or a seed drawn and persisted with the job), so a job restored in another
    process gives exactly the counts it gave before, with the same id.

    Past one machine: the run option ``executor`` (a :class:`concurrent.futures.Executor` or a
    :class:`dask.distributed.Client`) runs the batch on it in parts of ``max_job_size`` circuits
    (default: split evenly over its workers), each part seeded so the counts equal the
    single-process run's (see :mod:`qiskit_nexus_provider.backends.aer_executor`).  The executor
    is not persisted with the job: a job restored elsewhere runs in process.  ``device="GPU"``
    runs on Aer's GPU device (qiskit-aer-gpu); without one it raises :class:`.OptionsError`.

    Args:
        provider: the provider that made the backend, if any.
        noisy: use the H-series-like noise model.
        num_qubits: size of the target (1 to 56; default 20).
        noise: the noise figures (only with ``noisy=True``).
    """

    def __init__(
        self,
        provider: NexusProvider | None = None,
        *,
        noisy: bool = False,
        num_qubits: int = DEFAULT_OFFLINE_QUBITS,
        noise: NoiseFigures | None = None,
    ) -> None:
        if not isinstance(num_qubits, int) or not 1 <= num_qubits <= MAX_OFFLINE_QUBITS:
            raise ValueError(
                f"num_qubits must be an integer from 1 to {MAX_OFFLINE_QUBITS}, got {num_qubits!r}."
            )
        name = OFFLINE_SIMULATOR_NAMES[1] if noisy else OFFLINE_SIMULATOR_NAMES[0]
        kind = "with H-series-like noise" if noisy else "without noise"
        super().__init__(
            provider, name, f"Offline H-series-shaped simulator on qiskit-aer, {kind}."
        )
        self.noisy = noisy
        self.noise_figures = (noise or HSERIES_NOISE) if noisy else None
        self._target = build_target(
            num_qubits, NATIVE_GATE_SET, description=self.description, loops=True
        )
        noise_model = build_noise_model(self.noise_figures) if self.noise_figures else None
        self._simulator = AerSimulator(noise_model=noise_model)

    def __repr__(self) -> str:
        return f"<OfflineSimulatorBackend {self.name!r} ({self.num_qubits} qubits)>"

    @property
    def target(self) -> Target:
        return self._target

    @property
    def width_hint(self) -> str:
        """How to get a wider offline simulator (``get_backend(..., num_qubits=N)``)."""
        if self.num_qubits >= MAX_OFFLINE_QUBITS:
            return ""
        return (
            f"An offline simulator can have up to {MAX_OFFLINE_QUBITS} qubits: "
            f"provider.get_backend({self.name!r}, num_qubits=N)."
        )

    @property
    def max_circuits(self) -> int | None:
        """1000: larger batches become composite jobs of 1000-circuit sub-jobs."""
        return 1000

    # -- transport -------------------------------------------------------------------------
    def spec(self) -> BackendSpec:
        return BackendSpec(
            name=self.name,
            kind="offline",
            num_qubits=self.num_qubits,
            noise=dataclasses.asdict(self.noise_figures) if self.noise_figures else None,
        )

    def submit_job(self, job: NexusJob) -> None:
        seed = job.options.seed_simulator
        job.state["seed"] = seed if seed is not None else secrets.randbelow(2**31)
        if job.before_start is not None:
            job.before_start()
        self._start(job)

    def resume_job(self, job: NexusJob) -> bool:
        from ..jobs.transport import StatusReport

        if "seed" not in job.state:
            return False
        cached = job.state.pop("result", None)
        if cached is not None:
            job.restore_final(StatusReport(JobStatus.DONE), Result.from_dict(cached))
        elif not job.state.get("cancelled"):
            self._start(job)
        return True

    def _start(self, job: NexusJob) -> None:
        options = job.options
        run_options: dict[str, Any] = {
            "shots": options.shots,
            "memory": options.memory,
            "seed_simulator": job.state["seed"],
        }
        if options.device != "CPU":
            run_options["device"] = options.device
        circuits = prepare_for_aer([switches_for_aer(circuit) for circuit in job.circuits])
        if options.executor is not None:
            job.handle = submit_in_parts(
                self._simulator, circuits, options.executor, run_options, options.max_job_size
            )
        else:
            job.handle = self._simulator.run(circuits, **run_options)

    def job_status(self, job: NexusJob) -> StatusReport:
        from ..jobs.transport import StatusReport

        if job.state.get("cancelled"):
            return StatusReport(JobStatus.CANCELLED, "cancelled by the user")
        status = job.handle.status()
        if status is JobStatus.INITIALIZING:
            return StatusReport(JobStatus.QUEUED)
        if status is JobStatus.DONE or status is JobStatus.ERROR:
            try:
                result: Result = job.handle.result()
            except Exception as exc:  # Aer raised inside its worker
                return StatusReport(JobStatus.ERROR, f"{type(exc).__name__}: {exc}")
            if not result.success:
                return StatusReport(JobStatus.ERROR, _aer_failure(result))
            return StatusReport(JobStatus.DONE)
        return StatusReport(status)

    def wait_job(
        self,
        job: NexusJob,
        timeout: float | None,
        callback: WaitCallback | None,
        wait: float | None = None,
    ) -> StatusReport | None:
        if not job.state.get("cancelled"):
            try:
                job.handle.result(timeout=timeout)
            except (concurrent.futures.TimeoutError, TimeoutError):
                raise JobTimeoutError(
                    f"Timed out after {timeout:g} s waiting for job {job.job_id()}."
                ) from None
            except Exception:  # reported by job_status as ERROR
                pass
        if callback is not None:
            callback(job.job_id(), job.status(), job)
        return None

    def job_result(self, job: NexusJob) -> Any:
        result: Result = job.handle.result()
        result.job_id = job.job_id()
        result.backend_name = self.name
        result.backend_version = self.backend_version
        return result

    def cancel_job(self, job: NexusJob) -> bool:
        # The Aer computation may already be running and cannot be stopped; its result is then
        # discarded.  The job reports CANCELLED either way.
        job.handle.cancel()
        job.state["cancelled"] = True
        return True


def _aer_failure(result: Result) -> str:
    messages = [str(getattr(r, "status", "")) for r in result.results if not r.success]
    detail = "; ".join(m for m in messages if m) or str(result.status)
    return f"simulation failed: {detail}"
