"""Request bodies the emulator accepts, as pydantic models (they also make its OpenAPI schema).

Bodies follow the JSON:API-like shape ``{"data": {"attributes": ..., "relationships": ...,
"type": ...}}``.  Unknown fields are accepted and ignored, as a lenient server would.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qiskit_nexus_provider.api.models import JobStatusEnum

__all__ = [
    "BackendPropertyBody",
    "CircuitCreateBody",
    "CircuitPatchBody",
    "JobCreateBody",
    "ProjectCreateBody",
    "ProjectPatchBody",
    "PropertyDefinitionCreateBody",
    "RetryBody",
]

PropertyValue = bool | int | float | str
NameStr = Annotated[str, Field(min_length=1, max_length=1024)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Identifier(_Lenient):
    id: str = Field(min_length=1, max_length=200)
    type: str | None = None


class _ToOne(_Lenient):
    data: _Identifier


class _ProjectRelationships(_Lenient):
    project: _ToOne


class _ProjectCreateAttributes(_Lenient):
    name: NameStr
    description: str | None = None
    properties: dict[str, PropertyValue] = Field(default_factory=dict)


class _ProjectCreateData(_Lenient):
    attributes: _ProjectCreateAttributes
    relationships: dict[str, Any] = Field(default_factory=dict)
    type: Literal["project"] = "project"


class ProjectCreateBody(_Lenient):
    """Body of ``POST /api/projects/v1beta2``."""

    data: _ProjectCreateData


class _ProjectPatchAttributes(_Lenient):
    name: str | None = Field(default=None, min_length=1, max_length=1024)
    description: str | None = None
    archived: bool | None = None
    properties: dict[str, PropertyValue] | None = None


class _ProjectPatchData(_Lenient):
    attributes: _ProjectPatchAttributes
    relationships: dict[str, Any] = Field(default_factory=dict)
    type: Literal["project"] = "project"


class ProjectPatchBody(_Lenient):
    """Body of ``PATCH /api/projects/v1beta2/{id}``."""

    data: _ProjectPatchData


class _PropertyDefinitionAttributes(_Lenient):
    name: NameStr
    description: str | None = None
    property_type: Literal["string", "bool", "int", "float"]
    required: bool = False
    color: str = Field(default="#888888", max_length=64)


class _PropertyDefinitionData(_Lenient):
    attributes: _PropertyDefinitionAttributes
    relationships: _ProjectRelationships
    type: Literal["property"] = "property"


class PropertyDefinitionCreateBody(_Lenient):
    """Body of ``POST /api/property_definitions/v1beta2`` (qnexus ``projects.add_property``)."""

    data: _PropertyDefinitionData


class _CircuitCreateData(_Lenient):
    attributes: dict[str, Any]
    relationships: _ProjectRelationships
    type: Literal["circuit"] = "circuit"


class CircuitCreateBody(_Lenient):
    """Body of ``POST /api/circuits/v1beta2``: pytket circuit JSON merged with annotations."""

    data: _CircuitCreateData


class _CircuitPatchAttributes(_Lenient):
    name: str | None = Field(default=None, min_length=1, max_length=1024)
    description: str | None = None
    properties: dict[str, PropertyValue] | None = None


class _CircuitPatchData(_Lenient):
    attributes: _CircuitPatchAttributes
    relationships: dict[str, Any] = Field(default_factory=dict)
    type: Literal["circuit"] = "circuit"


class CircuitPatchBody(_Lenient):
    """Body of ``PATCH /api/circuits/v1beta2/{id}``."""

    data: _CircuitPatchData


class JobItemSpec(_Lenient):
    """One program of a job definition."""

    program_id: str = Field(min_length=1, max_length=200)
    n_shots: int | None = Field(default=None, ge=1)
    max_cost: float | None = Field(default=None, ge=0)
    n_qubits: int | None = Field(default=None, ge=1)


class JobDefinitionBody(_Lenient):
    """``definition`` of an execute or compile job."""

    job_definition_type: Literal["execute_job_definition", "compile_job_definition"]
    backend_config: dict[str, Any]
    items: list[JobItemSpec] = Field(min_length=1, max_length=100_000)
    valid_check: bool = True
    optimisation_level: int = Field(default=2, ge=0, le=3)


class _JobCreateAttributes(_Lenient):
    name: NameStr
    description: str | None = None
    properties: dict[str, PropertyValue] = Field(default_factory=dict)
    job_type: Literal["execute", "compile"]
    definition: JobDefinitionBody


class _JobCreateData(_Lenient):
    attributes: _JobCreateAttributes
    relationships: _ProjectRelationships
    type: Literal["job"] = "job"


class JobCreateBody(_Lenient):
    """Body of ``POST /api/jobs/v1beta3`` (execute or compile job)."""

    data: _JobCreateData


class RetryBody(_Lenient):
    """Body of ``POST /api/jobs/v1beta3/{id}/rpc/retry``."""

    remote_retry_strategy: Literal["FULL_RESTART"] = "FULL_RESTART"
    retry_status: list[JobStatusEnum] | None = None
    user_group: str | None = None


class BackendPropertyBody(_Lenient):
    """Body of ``POST /api/v5/backend_info/backend_property``."""

    backend_config: dict[str, Any]
    property: str = Field(min_length=1, max_length=100)
