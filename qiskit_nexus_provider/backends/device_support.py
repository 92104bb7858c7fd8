"""Which listed Nexus devices the provider runs Qiskit circuits on, and why not the others.

The decision follows the configuration class the device listing selects
(:func:`~qiskit_nexus_provider.api.backend_configs.backend_config_class`), never the device's
name.  This is the one place that refuses devices; adding a device family means changing
:data:`RUNNABLE` and :data:`NOT_RUNNABLE` here.  Helios systems (``HeliosConfig``) run Qiskit
circuits as QIR programs, through :class:`~qiskit_nexus_provider.backends.helios.HeliosBackend`.
"""

from __future__ import annotations

from quantinuum_schemas.models.backend_config import (
    AerConfig,
    AerStateConfig,
    AerUnitaryConfig,
    BaseBackendConfig,
    HeliosConfig,
    QuantinuumConfig,
    QulacsConfig,
)

from ..api.backend_configs import BackendConfigError, backend_config_class
from ..api.models import BackendInfo

__all__ = ["NOT_RUNNABLE", "RUNNABLE", "why_not_runnable"]

RUNNABLE: tuple[type[BaseBackendConfig], ...] = (
    AerConfig,
    QuantinuumConfig,
    QulacsConfig,
    HeliosConfig,
)
"""Configurations whose devices return counts: Qiskit backends (Helios through QIR programs)."""

NOT_RUNNABLE: dict[type[BaseBackendConfig], str] = {
    AerStateConfig: "it is a state-vector simulator, which returns no counts",
    AerUnitaryConfig: "it is a unitary simulator, which returns no counts",
}
"""Configurations of listed devices the provider cannot run, and why."""


def why_not_runnable(info: BackendInfo) -> str | None:
    """Why the provider cannot run Qiskit circuits on a listed device, or ``None`` if it can."""
    try:
        config = backend_config_class(info)
    except BackendConfigError as exc:
        return str(exc)
    if config in RUNNABLE:
        return None
    return NOT_RUNNABLE.get(config, f"its configuration {config.__name__} is not supported")
