"""A local emulator of the Quantinuum Nexus REST API.

:class:`NexusEmulator` serves the endpoints ``qnexus`` and this provider use (projects,
circuits, execute and compile jobs, results, devices, authentication) over HTTP, stores its
state in SQLite and runs circuits on qiskit-aer, so that code talking to Nexus can be tested
without an account or a network::

    from qiskit_nexus_provider.emulator import NexusEmulator

    with NexusEmulator() as emulator:
        ...  # point a client at emulator.url with the refresh token emulator.token

The official client works against it unmodified: set ``NEXUS_PROTOCOL=http``,
``NEXUS_DOMAIN=127.0.0.1`` (not ``localhost``, whose cookies are dropped) and ``NEXUS_PORT``
(:meth:`NexusEmulator.env` returns them) and ``NEXUS_STORE_TOKENS=false`` (so that qnexus
writes no token over your real ``~/.qnx/auth``) before importing ``qnexus``, call
``qnexus.login_with_token(emulator.token)``, and wait for jobs with
``qnexus.jobs.wait_for(job, strategy=PollingStrategy(...))``: the default strategy needs a TLS
websocket, which the emulator does not serve.

It can inject faults (errors, rate limits, dropped connections, latency, failing jobs,
short-lived tokens); see :meth:`NexusEmulator.set_faults`.  The command
``python -m qiskit_nexus_provider.emulator`` runs it standalone, and the pytest fixture
``nexus_emulator`` gives each test a fresh one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qiskit_nexus_provider.emulator.faults import FaultConfig
    from qiskit_nexus_provider.emulator.server import NexusEmulator

__all__ = ["FaultConfig", "NexusEmulator"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package must not pull in FastAPI, uvicorn, qiskit or pytket.
    if name == "NexusEmulator":
        from qiskit_nexus_provider.emulator.server import NexusEmulator

        return NexusEmulator
    if name == "FaultConfig":
        from qiskit_nexus_provider.emulator.faults import FaultConfig

        return FaultConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
