"""Nexus ``backend_config`` objects, built from quantinuum-schemas models (as qnexus does).

Every configuration the client sends is a model of
:mod:`quantinuum_schemas.models.backend_config` (the package qnexus itself uses), serialised as
qnexus serialises execute jobs' configs: ``model_dump(mode="json", exclude_none=True)``.

The configuration class of a listed device comes from the device listing, not from its name:

======================  =============================  ==========================================
``backend_info.name``   ``misc["system_family"]``      configuration class
======================  =============================  ==========================================
``AerBackend``                                         ``AerConfig``
``AerStateBackend``                                    ``AerStateConfig``
``AerUnitaryBackend``                                  ``AerUnitaryConfig``
``QulacsBackend``                                      ``QulacsConfig``
``QuantinuumBackend``   ``"Helios"``                   ``HeliosConfig`` (``system_name`` = device)
``QuantinuumBackend``   anything else                  ``QuantinuumConfig`` (``device_name``)
======================  =============================  ==========================================

(``EmulatorEnabled`` prefixes are ignored, as qnexus ignores them.)  Decision: quantinuum-schemas
deprecates ``QuantinuumConfig`` for Helios systems in favour of ``HeliosConfig``, and the listing's
``system_family`` is how a device says it is one.

This module imports nothing from Qiskit.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from pydantic import TypeAdapter, ValidationError
from quantinuum_schemas.models.backend_config import (
    AerConfig,
    AerStateConfig,
    AerUnitaryConfig,
    BackendConfig,
    BaseBackendConfig,
    HeliosConfig,
    QuantinuumConfig,
    QulacsConfig,
)

from .models import BackendInfo

__all__ = [
    "BACKEND_CONFIG_ADAPTER",
    "BackendConfigError",
    "backend_config_class",
    "build_backend_config",
    "parse_backend_config",
    "serialise_backend_config",
]

BACKEND_CONFIG_ADAPTER: TypeAdapter[Any] = TypeAdapter(BackendConfig)
"""quantinuum-schemas' discriminated union of every backend config (on ``type``)."""

_BY_BACKEND: dict[str, type[BaseBackendConfig]] = {
    "AerBackend": AerConfig,
    "AerStateBackend": AerStateConfig,
    "AerUnitaryBackend": AerUnitaryConfig,
    "QulacsBackend": QulacsConfig,
    "QuantinuumBackend": QuantinuumConfig,
}


class BackendConfigError(ValueError):
    """A device whose listing maps to no configuration, or an invalid configuration."""


def backend_config_class(info: BackendInfo) -> type[BaseBackendConfig]:
    """The quantinuum-schemas configuration class of a listed device (see the module's table).

    Raises:
        BackendConfigError: The listing's backend name maps to no known configuration.
    """
    backend = info.name.replace("EmulatorEnabled", "")
    config = _BY_BACKEND.get(backend)
    if config is None:
        raise BackendConfigError(
            f"device {info.device_name or info.name!r} is listed with backend {info.name!r}, "
            f"which maps to no configuration this client knows ({', '.join(_BY_BACKEND)})"
        )
    if config is QuantinuumConfig and info.misc.get("system_family") == "Helios":
        return HeliosConfig
    return config


def build_backend_config(info: BackendInfo, *, seed: int | None = None) -> BaseBackendConfig:
    """The configuration selecting a listed device, as quantinuum-schemas models it.

    Args:
        info: The device's backend info, from the device listing.
        seed: Simulator seed (Aer and Qulacs only; ignored elsewhere).

    Returns:
        The configuration model.

    Raises:
        BackendConfigError: The device maps to no configuration.
    """
    config = backend_config_class(info)
    if config is AerConfig:
        return AerConfig(simulation_method="automatic", n_qubits=info.n_qubits, seed=seed)
    if config is AerStateConfig or config is AerUnitaryConfig:
        return config(n_qubits=info.n_qubits)
    if config is QulacsConfig:
        return QulacsConfig(seed=seed)
    name = info.device_name or info.name
    if config is HeliosConfig:
        return HeliosConfig(system_name=name)
    return QuantinuumConfig(device_name=name)


def serialise_backend_config(config: BaseBackendConfig) -> dict[str, Any]:
    """The JSON form qnexus sends for an execute job: ``model_dump(mode="json", exclude_none)``."""
    return dict(config.model_dump(mode="json", exclude_none=True))


def parse_backend_config(data: Any) -> BaseBackendConfig:
    """Parse a ``backend_config`` with quantinuum-schemas' discriminated union.

    Deprecation warnings of the library (e.g. ``QuantinuumConfig.max_cost``) are silenced.

    Raises:
        BackendConfigError: The configuration is invalid; the message names each field.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # deepcopy: validators of the library fill defaults into the dictionary given.
            parsed: BaseBackendConfig = BACKEND_CONFIG_ADAPTER.validate_python(copy.deepcopy(data))
    except ValidationError as exc:
        raise BackendConfigError(describe_validation_error(exc)) from None
    return parsed


def describe_validation_error(exc: ValidationError) -> str:
    """``backend_config.<field>: <problem>`` for each error of a validation."""
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        # The union puts the selected class name first; it is not a field.
        if loc and loc[0].endswith("Config"):
            loc = loc[1:]
        parts.append(f"backend_config{''.join('.' + p for p in loc)}: {err['msg']}")
    return "; ".join(parts)
