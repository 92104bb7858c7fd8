"""Run options of Nexus backends: one validated pydantic model, also a Qiskit ``Options``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)
from qiskit.providers import Options

from .api.warn import warn_user
from .exceptions import OptionsError, UnknownOptionWarning

__all__ = ["MAX_SHOTS", "NexusOptions"]

MAX_SHOTS = 10_000
"""Largest number of shots one circuit may ask for (the H-series per-circuit limit)."""


class NexusOptions(BaseModel, Mapping[str, Any]):
    """Options accepted by ``backend.run()`` and ``backend.set_options()``.

    The model validates every value before anything runs.  It is also a read-only
    :class:`~collections.abc.Mapping`, so ``dict(options)`` and ``options["shots"]`` work.

    Unknown option names given to ``run()`` are **ignored with an** :class:`.UnknownOptionWarning`
    listing the valid names, rather than raising: Qiskit tools (primitives, qiskit-experiments)
    pass options meant for other backends, and a warning keeps them working.  An invalid value of
    a known option always raises :class:`.OptionsError`.

    Types are strict: an integer option takes an integer (Python or NumPy, never ``True`` or
    ``"100"``), a flag takes a bool (never ``"yes"`` or ``1``), an interval takes a real number.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    shots: int = Field(default=100, ge=1, le=MAX_SHOTS, description="Shots per circuit.")
    memory: bool = Field(default=False, description="Also return the outcome of every shot.")
    seed_simulator: int | None = Field(
        default=None,
        ge=0,
        lt=2**63,
        description=(
            "Seed of the simulator (offline simulators and Aer on Nexus). When not set, "
            "offline jobs draw one and persist it, so a restored job gives the same counts."
        ),
    )
    max_circuits_per_job: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Largest batch one job may hold; a larger batch becomes a NexusCompositeJob. "
            "None means the backend's max_circuits."
        ),
    )
    with_progress_bar: bool = Field(
        default=True, description="Show tqdm progress bars on large submissions and long waits."
    )
    poll_interval: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description=(
            "First wait between status queries, in seconds (remote jobs poll only when they "
            "cannot listen to the status stream)."
        ),
    )
    poll_max_interval: float = Field(
        default=30.0, gt=0, le=3600, description="Cap of the doubling wait between status queries."
    )
    tket_optimisation_level: int | None = Field(
        default=None,
        ge=0,
        le=2,
        description=(
            "Remote backends only: compile the circuits with TKET on Nexus at this level before "
            "executing them (a compile job, then an execute job). None sends circuits as they are."
        ),
    )
    job_name: str | None = Field(
        default=None, max_length=200, description="Name of the job on Nexus (default: generated)."
    )
    max_cost: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Remote H-series and Helios: cap on the cost (HQC) per circuit; required on Helios-1 "
            "(HeliosBackend.estimate_cost predicts it)."
        ),
    )
    nexus_properties: dict[str, StrictBool | StrictInt | StrictFloat | StrictStr] = Field(
        default_factory=dict,
        description=(
            "Remote backends only: Nexus properties attached to the job and its circuits, e.g. "
            "{'experiment': 'vqe-7'}. Each must be defined in the project (with its type); "
            "checked before anything is uploaded."
        ),
    )

    # -- strict types --------------------------------------------------------------------------
    @field_validator(
        "shots", "seed_simulator", "max_circuits_per_job", "tket_optimisation_level", mode="before"
    )
    @classmethod
    def _strict_int(cls, value: Any) -> Any:
        if value is None:
            return value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise ValueError(f"must be an integer, not {type(value).__name__}")
        return int(value)

    @field_validator("memory", "with_progress_bar", mode="before")
    @classmethod
    def _strict_bool(cls, value: Any) -> Any:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"must be True or False, not {type(value).__name__}")
        return bool(value)

    @field_validator("poll_interval", "poll_max_interval", "max_cost", mode="before")
    @classmethod
    def _strict_real(cls, value: Any) -> Any:
        if value is None:
            return value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise ValueError(f"must be a number, not {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, not {value}")
        return float(value)

    @field_validator("nexus_properties", mode="before")
    @classmethod
    def _finite_properties(cls, value: Any) -> Any:
        # JSON has no NaN or infinity: the upload would fail after run() returned, misreported.
        if isinstance(value, Mapping):
            for name, item in value.items():
                if isinstance(item, float) and not math.isfinite(item):
                    raise ValueError(f"property {name!r} must be a finite number, not {item}")
        return value

    max_concurrent_requests: int = Field(
        default=32,
        ge=1,
        le=64,
        description=(
            "Remote backends only: requests in flight at once when uploading circuits and "
            "downloading results; answers 429 are retried after their Retry-After by the client. "
            "32 measured best at 50 ms per request (benchmarks/bench_issue13.py: 8 -> 6.7 s, "
            "16 -> 3.8 s, 32 -> 3.2 s, 64 -> 3.3 s for 300 circuits)."
        ),
    )
    executor: Any = Field(
        default=None,
        exclude=True,
        description=(
            "Offline simulators only: an executor (concurrent.futures.Executor, "
            "dask.distributed.Client) the job's circuits run on, in parts of max_job_size. "
            "Not persisted: a restored job runs in process."
        ),
    )
    max_job_size: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Offline simulators with an executor: circuits per task sent to it (default: the "
            "batch split evenly over the executor's workers)."
        ),
    )
    device: Literal["CPU", "GPU"] = Field(
        default="CPU",
        description=(
            "Offline simulators only: Aer's device. 'GPU' needs qiskit-aer-gpu and a CUDA GPU."
        ),
    )

    @field_validator("executor")
    @classmethod
    def _check_executor(cls, value: Any) -> Any:
        if value is not None and not callable(getattr(value, "submit", None)):
            raise ValueError(
                "executor must have a submit(fn, *args) method, like a "
                "concurrent.futures.Executor or a dask.distributed.Client"
            )
        return value

    @field_validator("device")
    @classmethod
    def _check_device(cls, value: str) -> str:
        if value != "CPU":
            from .backends.aer_executor import available_devices

            if value not in available_devices():
                raise ValueError(
                    f"device {value!r} is not available to qiskit-aer here (available: "
                    f"{', '.join(available_devices())}); device='GPU' needs the qiskit-aer-gpu "
                    "package and a CUDA GPU"
                )
        return value

    # -- Mapping interface -------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        if key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(type(self).model_fields)

    def __len__(self) -> int:
        return len(type(self).model_fields)

    # -- helpers -----------------------------------------------------------------------------
    @classmethod
    def field_names(cls) -> list[str]:
        """Names of every valid option."""
        return list(cls.model_fields)

    @classmethod
    def to_qiskit_options(cls) -> Options:
        """The defaults as a Qiskit :class:`~qiskit.providers.Options` (default options)."""
        defaults = cls()
        return Options(**{name: getattr(defaults, name) for name in cls.model_fields})

    def updated(self, **changes: Any) -> NexusOptions:
        """Return a validated copy with ``changes`` applied.

        Unknown names are dropped with an :class:`.UnknownOptionWarning` naming the valid ones.

        Raises:
            OptionsError: a value is invalid; the message names the option and the constraint.
        """
        known = type(self).model_fields
        unknown = sorted(name for name in changes if name not in known)
        if unknown:
            warn_user(
                f"Unknown option(s) {', '.join(unknown)} ignored; valid options are: "
                f"{', '.join(known)}.",
                UnknownOptionWarning,
            )
        # getattr, not model_dump(): the executor is excluded from dumps (never persisted).
        current = {name: getattr(self, name) for name in known}
        merged = {**current, **{k: v for k, v in changes.items() if k in known}}
        return self.validated(merged)

    @classmethod
    def validated(cls, values: Mapping[str, Any]) -> NexusOptions:
        """Build the model from ``values``, turning pydantic errors into :class:`.OptionsError`."""
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}"
                f" (got {err.get('input')!r})"
                for err in exc.errors()
            )
            raise OptionsError(f"Invalid run option(s): {problems}") from None
