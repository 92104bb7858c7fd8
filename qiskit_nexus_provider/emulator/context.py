"""The state every request handler and the worker share."""

from __future__ import annotations

from dataclasses import dataclass

from qiskit_nexus_provider.emulator.auth import TokenManager
from qiskit_nexus_provider.emulator.body_limit import DEFAULT_MAX_BODY_BYTES
from qiskit_nexus_provider.emulator.faults import FaultConfig, FaultInjector
from qiskit_nexus_provider.emulator.store import Store
from qiskit_nexus_provider.emulator.worker import Worker

__all__ = ["EmulatorContext"]


@dataclass
class EmulatorContext:
    """Store, tokens, faults and worker of one emulator instance."""

    store: Store
    tokens: TokenManager
    faults: FaultInjector
    worker: Worker
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """Largest request body accepted (413 above it, before parsing or authentication)."""

    def apply_faults(self, config: FaultConfig) -> None:
        """Install fault settings, including the access-token lifetime."""
        self.faults.configure(config)
        self.tokens.access_token_ttl = config.access_token_ttl
