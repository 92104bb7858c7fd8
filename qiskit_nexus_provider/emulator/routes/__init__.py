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

# Starlette tries routers in this order and every request pays for the misses, so the routes
# a batch calls once per circuit (upload, result) come first.  No two routers share a path;
# the status websocket stays ahead of the jobs router, whose ``/{job_id}`` paths it extends.
ROUTERS: tuple[APIRouter, ...] = (
    circuits.router,
    results.router,
    status_stream.router,
    jobs.router,
    qir.router,  # issue 14: QIR programs and QSYS results
    properties.router,
    projects.router,
    devices.router,
    auth.router,
)
