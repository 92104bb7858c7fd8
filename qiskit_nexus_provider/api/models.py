"""Pydantic models of the Nexus REST API's JSON shapes.

These are the wire models shared by the REST client (:mod:`qiskit_nexus_provider.api`) and the
local emulator (:mod:`qiskit_nexus_provider.emulator`), so that the two cannot drift apart silently.
They follow the protocol as the official client ``qnexus`` 0.51 speaks it (see ``docs/`` and the
project's reference notes): JSON:API-like envelopes ``{"data": ..., "included": [...]}`` for
projects, circuits, jobs and results; plain JSON for devices, counts and job status.

This module imports nothing from Qiskit.  Models accept unknown fields (``extra="allow"``) so that a
newer server does not break an older client.
"""

from __future__ import annotations

import datetime as _dt
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "TERMINAL_STATUSES",
    "WAITING_STATUSES",
    "Annotations",
    "BackendInfo",
    "CountResponse",
    "DeviceEdge",
    "DeviceGraph",
    "DeviceNode",
    "DevicesEntry",
    "ErrorBody",
    "ExecuteItem",
    "JobDefinition",
    "JobItem",
    "JobStatus",
    "JobStatusEnum",
    "PropertyDefinition",
    "PropertySpec",
    "PropertyType",
    "Relationship",
    "Resource",
    "ResourceIdentifier",
    "RetryRequest",
    "Timestamps",
    "utc_now",
    "value_property_type",
]


def utc_now() -> _dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return _dt.datetime.now(_dt.timezone.utc)


class _Wire(BaseModel):
    """Base of every wire model: unknown fields are kept, not rejected."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --------------------------------------------------------------------------------------------
# Job status


class JobStatusEnum(str, Enum):
    """Job and job-item status values as they appear on the wire."""

    COMPLETED = "COMPLETED"
    QUEUED = "QUEUED"
    SUBMITTED = "SUBMITTED"
    RUNNING = "RUNNING"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"
    CANCELLING = "CANCELLING"
    RETRYING = "RETRYING"
    TERMINATED = "TERMINATED"
    DEPLETED = "DEPLETED"


WAITING_STATUSES = frozenset(
    {
        JobStatusEnum.QUEUED,
        JobStatusEnum.SUBMITTED,
        JobStatusEnum.RUNNING,
        JobStatusEnum.RETRYING,
        JobStatusEnum.CANCELLING,
    }
)
"""Statuses after which a job can still change."""

TERMINAL_STATUSES = frozenset(set(JobStatusEnum) - WAITING_STATUSES)
"""Statuses a job never leaves (except through an explicit retry)."""


class JobStatus(_Wire):
    """The JobStatus dictionary: job level, item level, ``/attributes/status`` and websocket."""

    status: JobStatusEnum
    message: str = ""
    error_detail: str | None = None
    completed_time: _dt.datetime | None = None
    queued_time: _dt.datetime | None = None
    submitted_time: _dt.datetime | None = None
    running_time: _dt.datetime | None = None
    cancelled_time: _dt.datetime | None = None
    error_time: _dt.datetime | None = None
    queue_position: int | None = None
    cost: float | None = None


# --------------------------------------------------------------------------------------------
# JSON:API-like envelope


class ResourceIdentifier(_Wire):
    """``{"id": ..., "type": ...}`` as used in relationships."""

    id: str
    type: str


class Relationship(_Wire):
    """A relationship: ``{"data": identifier}``, a list of identifiers, or ``null``."""

    data: ResourceIdentifier | list[ResourceIdentifier] | None = None


class Resource(_Wire):
    """One resource in an envelope's ``data`` or ``included``."""

    id: str
    type: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    relationships: dict[str, Relationship] = Field(default_factory=dict)


class Timestamps(_Wire):
    """Creation and modification times every annotated resource carries."""

    created: _dt.datetime
    modified: _dt.datetime


class Annotations(_Wire):
    """Name, description and properties shared by projects, circuits and jobs."""

    name: str
    description: str | None = None
    properties: dict[str, bool | int | float | str] = Field(default_factory=dict)


class CountResponse(_Wire):
    """Answer of every ``.../meta/count`` endpoint."""

    count: int


class ErrorBody(_Wire):
    """Error answer of the REST API: a ``message`` plus diagnostic fields."""

    message: str
    timestamp: str | None = None
    trace_id: str | None = None


# --------------------------------------------------------------------------------------------
# Property definitions (``/api/property_definitions/v1beta2``)

PropertyType = Literal["string", "bool", "int", "float"]
"""The four value types of a Nexus property."""


def value_property_type(value: Any) -> PropertyType | None:
    """The Nexus property type of a JSON value (``bool`` before ``int``: ``True`` is an int in
    Python), or ``None`` when the value is of none of the four types."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None


class PropertySpec(_Wire):
    """A property a client needs defined in a project."""

    name: str
    property_type: PropertyType
    description: str | None = None
    required: bool = False


class PropertyDefinition(PropertySpec):
    """A property definition of a project, as the server lists it."""

    id: str
    color: str | None = None

    @classmethod
    def from_resource(cls, resource: dict[str, Any]) -> PropertyDefinition:
        """Parse one ``data`` element of the definitions listing."""
        return cls.model_validate({**resource["attributes"], "id": resource["id"]})


# --------------------------------------------------------------------------------------------
# Jobs


class ExecuteItem(_Wire):
    """One program of an execute or compile job definition, as submitted."""

    program_id: str
    n_shots: int | None = None
    max_cost: float | None = None
    n_qubits: int | None = None


class JobItem(ExecuteItem):
    """One program of a job definition, as the server reports it."""

    item_id: int
    status: JobStatus
    result_id: str | None = None
    result_type: Literal["PYTKET", "QSYS"] | None = None
    compilation_id: str | None = None
    external_handle: str | None = None


class JobDefinition(_Wire):
    """``definition`` of an execute or compile job (``job_definition_type`` tells which)."""

    job_definition_type: Literal["execute_job_definition", "compile_job_definition"]
    backend_config: dict[str, Any]
    items: list[dict[str, Any]] = Field(default_factory=list)
    valid_check: bool | None = None
    language: str | None = None
    optimisation_level: int | None = None
    credential_name: str | None = None
    user_group: str | None = None


class RetryRequest(_Wire):
    """Body of ``POST /api/jobs/v1beta3/{id}/rpc/retry``."""

    remote_retry_strategy: Literal["FULL_RESTART"] = "FULL_RESTART"
    retry_status: list[JobStatusEnum] | None = None
    user_group: str | None = None


# --------------------------------------------------------------------------------------------
# Devices (legacy v5 API: plain JSON, no envelope)


class DeviceNode(_Wire):
    """A qubit of a device graph."""

    unitid: list[Any]
    average_error: float | None = None
    readout_error: float | None = None
    gate_errors: dict[str, float] = Field(default_factory=dict)
    zero_state_readout_error: float | None = None
    one_state_readout_error: float | None = None


class DeviceEdge(_Wire):
    """A coupling of a device graph."""

    unitid_from: list[Any]
    unitid_to: list[Any]
    average_error: float | None = None
    gate_errors: dict[str, float] = Field(default_factory=dict)


class DeviceGraph(_Wire):
    """Connectivity of a device."""

    nodes: list[DeviceNode]
    edges: list[DeviceEdge]
    n_nodes: int | None = None
    fully_connected: bool = False


class BackendInfo(_Wire):
    """pytket ``BackendInfo`` in its stored JSON form (``StoredBackendInfo``)."""

    name: str
    device_name: str | None
    version: str
    device: DeviceGraph
    gate_set: list[str]
    n_cl_reg: int | None = None
    supports_fast_feedforward: bool
    supports_reset: bool
    supports_midcircuit_measurement: bool
    misc: dict[str, Any] = Field(default_factory=dict)

    @property
    def n_qubits(self) -> int:
        """Number of qubits of the device."""
        return self.device.n_nodes or len(self.device.nodes)


class DevicesEntry(_Wire):
    """One element of the array ``GET /api/v5/available_devices`` answers."""

    is_local: bool
    backend_info_list: list[BackendInfo]
