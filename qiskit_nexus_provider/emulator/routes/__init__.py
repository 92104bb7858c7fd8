"""HTTP routes of the emulator, one module per resource family."""

from __future__ import annotations

from fastapi import APIRouter

from qiskit_nexus_provider.emulator.routes import (
    auth,
    circuits,
    devices,
    jobs,
    projects,
    properties,
    qir,
    results,
    status_stream,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    projects.router,
    properties.router,
    circuits.router,
    status_stream.router,
    jobs.router,
    results.router,
    devices.router,
    qir.router,  # issue 14: QIR programs and QSYS results
)
