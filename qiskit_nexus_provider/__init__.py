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
:class:`NexusOptions`, the backends, and the exceptions.  Everything else may move.
"""

from .backends.base import NexusBackend
from .backends.offline import OfflineSimulatorBackend
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
from .provider import NexusProvider

__version__ = "0.1.0"

__all__ = [
    "CircuitValidationError",
    "CompositeJobError",
    "JobCancelledError",
    "JobFailedError",
    "JobNotFoundError",
    "NexusBackend",
    "NexusCompositeJob",
    "NexusJob",
    "NexusOptions",
    "NexusProvider",
    "NexusProviderError",
    "OfflineSimulatorBackend",
    "OptionsError",
    "StoreCorruptError",
    "UnknownOptionWarning",
    "__version__",
]
