"""Query parameters of the Nexus API: scope, filters and pagination.

Filters follow the bracket syntax of the API (``filter[project][id]=...``); list-valued filters
repeat their key.  Values are returned as ``(key, value)`` pairs ready for ``requests``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

from .models import JobStatusEnum

__all__ = [
    "SCOPE_USER",
    "StatusFilter",
    "device_params",
    "format_property",
    "job_filters",
    "page_params",
    "properties_filter",
]

QueryPairs = list[tuple[str, str]]

SCOPE_USER: tuple[str, str] = ("scope", "user")
"""The scope the official client adds to nearly every request."""

StatusFilter = JobStatusEnum | str | Iterable[JobStatusEnum | str]
"""One job status, or several, given as enum members or their wire names."""

PropertyValue = bool | int | float | str


def format_property(key: str, value: PropertyValue) -> str:
    """Format one ``filter[properties]`` value: ``(key,"text")``, ``(key,true)``, ``(key,5)``.

    Args:
        key: The property name.
        value: The property value.

    Returns:
        The filter value.
    """
    if isinstance(value, str):
        return f'({key},"{value}")'
    if isinstance(value, bool):
        return f"({key},{str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"({key},{value})"
    raise TypeError(f"Property {key!r} must be a bool, int, float or str, not {type(value)}")


def properties_filter(properties: Mapping[str, PropertyValue]) -> QueryPairs:
    """One ``filter[properties]`` pair per property."""
    return [("filter[properties]", format_property(k, v)) for k, v in properties.items()]


def _status_names(status: StatusFilter) -> list[str]:
    values: Iterable[JobStatusEnum | str] = [status] if isinstance(status, (str, Enum)) else status
    names = []
    for value in values:
        name = value.value if isinstance(value, JobStatusEnum) else JobStatusEnum(value).value
        names.append(name)
    return names


def job_filters(
    *,
    properties: Mapping[str, PropertyValue] | None = None,
    project_id: str | None = None,
    status: StatusFilter | None = None,
    job_type: str | None = None,
) -> QueryPairs:
    """Filters of the job collection (``/api/jobs/v1beta3`` and its ``/meta/count``).

    Args:
        properties: Jobs carrying all of these properties.
        project_id: Jobs of this project.
        status: Jobs in this status, or in any of these statuses.
        job_type: ``"execute"`` or ``"compile"``.

    Returns:
        The filter pairs, including ``scope=user``.
    """
    pairs: QueryPairs = []
    if project_id is not None:
        pairs.append(("filter[project][id]", project_id))
    if status is not None:
        pairs.extend(("filter[status][status]", name) for name in _status_names(status))
    if job_type is not None:
        if job_type not in ("execute", "compile"):
            raise ValueError(f"job_type must be 'execute' or 'compile', not {job_type!r}")
        pairs.append(("filter[job_type]", job_type))
    if properties:
        pairs.extend(properties_filter(properties))
    pairs.append(SCOPE_USER)
    return pairs


def page_params(number: int, size: int | None) -> QueryPairs:
    """Pagination parameters: ``page[number]`` from 0, and ``page[size]`` only when given."""
    pairs: QueryPairs = [("page[number]", str(number))]
    if size is not None:
        pairs.append(("page[size]", str(size)))
    return pairs


def device_params(filters: Mapping[str, object]) -> QueryPairs:
    """Parameters of ``/api/v5/available_devices``.

    The device endpoint takes plain (unbracketed) names such as ``backend`` (repeatable),
    ``region``, ``ibm_instance``, ``ibm_region``, ``credential_ids``, ``credential_names`` and
    ``is_local``.  Lists repeat the key, booleans are sent as ``true``/``false`` and ``None``
    values are dropped.

    Args:
        filters: Parameter names and values.

    Returns:
        The query pairs.
    """
    pairs: QueryPairs = []
    for key, value in filters.items():
        items = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        for item in items:
            if item is None:
                continue
            if isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            elif isinstance(item, Enum):
                pairs.append((key, str(item.value)))
            else:
                pairs.append((key, str(item)))
    return pairs
