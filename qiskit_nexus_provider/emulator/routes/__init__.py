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
    results,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    projects.router,
    properties.router,
    circuits.router,
    jobs.router,
    results.router,
    devices.router,
)
