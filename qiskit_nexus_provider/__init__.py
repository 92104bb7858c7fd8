"""Qiskit provider for Quantinuum Nexus.

.. code-block:: python

    from qiskit import QuantumCircuit, transpile
    from qiskit_nexus_provider import NexusProvider

    backend = NexusProvider().get_backend("offline_simulator_no_noise")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    print(backend.run(transpile(qc, backend), shots=100).result().get_counts())

Public names: :class:`NexusProvider`, :class:`NexusJob`, :class:`NexusCompositeJob`,
:class:`NexusOptions`, the backends (:class:`NexusBackend`, :class:`OfflineSimulatorBackend`,
:class:`RemoteNexusBackend`, :class:`HeliosBackend`), the primitives and the exceptions.
Everything else may move.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Public names are imported on first use (PEP 562), so that ``import qiskit_nexus_provider.api``
# (the Qiskit-free REST client) and the emulator do not load Qiskit.
_PUBLIC = {
    "NexusBackend": ".backends.base",
    "OfflineSimulatorBackend": ".backends.offline",
    "RemoteNexusBackend": ".backends.remote",
    "HeliosBackend": ".backends.helios",
    "CircuitValidationError": ".exceptions",
    "CompositeJobError": ".exceptions",
    "JobCancelledError": ".exceptions",
    "JobFailedError": ".exceptions",
    "JobNotFoundError": ".exceptions",
    "NexusProviderError": ".exceptions",
    "OptionsError": ".exceptions",
    "StoreCorruptError": ".exceptions",
    "UnknownOptionWarning": ".exceptions",
    "NexusCompositeJob": ".jobs.composite",
    "NexusJob": ".jobs.job",
    "NexusOptions": ".options",
    "NexusProvider": ".provider",
    "NexusSamplerV2": ".primitives",
    "NexusEstimatorV2": ".primitives",
}

if TYPE_CHECKING:
    from .backends.base import NexusBackend
    from .backends.helios import HeliosBackend
    from .backends.offline import OfflineSimulatorBackend
    from .backends.remote import RemoteNexusBackend
    from .exceptions import (
        CircuitValidationError,
        CompositeJobError,
        JobCancelledError,
        JobFailedError,
        JobNotFoundError,
        NexusProviderError,
        OptionsError,
        StoreCorruptError,
        UnknownOptionWarning,
    )
    from .jobs.composite import NexusCompositeJob
    from .jobs.job import NexusJob
    from .options import NexusOptions
    from .primitives import NexusEstimatorV2, NexusSamplerV2
    from .provider import NexusProvider


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


__version__ = "0.1.0"

__all__ = [
    "CircuitValidationError",
    "CompositeJobError",
    "HeliosBackend",
    "JobCancelledError",
    "JobFailedError",
    "JobNotFoundError",
    "NexusBackend",
    "NexusCompositeJob",
    "NexusEstimatorV2",
    "NexusJob",
    "NexusOptions",
    "NexusProvider",
    "NexusProviderError",
    "NexusSamplerV2",
    "OfflineSimulatorBackend",
    "OptionsError",
    "RemoteNexusBackend",
    "StoreCorruptError",
    "UnknownOptionWarning",
    "__version__",
]
