"""Devices, machine status, credentials and the current user (legacy v5 API and others)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from qiskit_nexus_provider.emulator.devices import DEVICES, available_devices, backend_property
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.routes.deps import ERROR_RESPONSES, require_auth
from qiskit_nexus_provider.emulator.schemas import BackendPropertyBody

__all__ = ["USER_ID", "router"]

router = APIRouter(dependencies=[Depends(require_auth)], responses=ERROR_RESPONSES)

USER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "nexus-emulator/user"))


@router.get("/api/v5/available_devices", tags=["devices"])
async def get_available_devices(
    backend: Annotated[list[str] | None, Query()] = None,
    is_local: Annotated[bool | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Devices, as a plain JSON array of ``{"is_local", "backend_info_list"}`` entries."""
    return available_devices(backend, is_local)


@router.post("/api/v5/backend_info/backend_property", tags=["devices"])
async def post_backend_property(body: BackendPropertyBody) -> bool:
    """A capability of the device a ``backend_config`` selects, as a bare JSON boolean."""
    return backend_property(body.backend_config, body.property)


@router.get("/api/machines/v1beta/{device_name}/status", tags=["devices"])
async def machine_status(device_name: str) -> dict[str, str]:
    """State of a Quantinuum machine: always ``online`` in the emulator."""
    spec = DEVICES.get(device_name)
    if spec is None or spec.config_type != "QuantinuumConfig":
        raise ApiError(404, f"machine {device_name!r} not found")
    return {"state": "online"}


@router.get("/api/v5/credentials", tags=["users"])
async def credentials() -> list[dict[str, Any]]:
    """Stored third-party credentials: none in the emulator."""
    return []


@router.get("/api/users/v1beta2/me", tags=["users"])
async def me() -> dict[str, Any]:
    """The (single) user of the emulator."""
    return {
        "data": {
            "id": USER_ID,
            "type": "user",
            "attributes": {
                "display_name": "Nexus Emulator User",
                "email": "emulator@localhost",
            },
            "relationships": {},
        }
    }
