"""Listing queries: filters, sorting and pagination as the Nexus REST API spells them.

Parsing lives here, free of FastAPI, so that the store and the routes share one definition.
Recognised query parameters (lists repeat the key):

``filter[name_exact]``, ``filter[name_fuzzy]``, ``filter[project][id]``, ``filter[archived]``,
``filter[status][status]``, ``filter[job_type]``, ``filter[properties]=(key,value)``,
``filter[timestamps][created|modified][after|before]``, ``sort``, ``page[number]`` (from 0) and
``page[size]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from qiskit_nexus_provider.emulator.errors import ApiError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "ListQuery",
    "PropertyValue",
    "apply_query",
    "parse_datetime",
    "parse_property_filter",
    "property_matches",
]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
SORT_KEYS = ("timestamps.created", "timestamps.modified", "name")

PropertyValue = bool | int | float | str
T = TypeVar("T")


def parse_datetime(value: str, name: str) -> dt.datetime:
    """Parse a filter datetime (``2023-01-01 00:00:00``, ISO 8601, naive means UTC).

    Args:
        value: The query parameter's value.
        name: The query parameter's name, for the error message.

    Returns:
        An aware datetime.

    Raises:
        ApiError: 400 if the value is not a datetime.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name}: {value!r} is not an ISO 8601 datetime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


def _parse_scalar(text: str) -> PropertyValue:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if text == "true":
        return True
    if text == "false":
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return number


def parse_property_filter(value: str) -> tuple[str, PropertyValue]:
    """Parse one ``filter[properties]`` value such as ``(key,"value")`` or ``(n,5)``.

    Strings are double-quoted; ``true``/``false`` are booleans; numbers are int or float.

    Args:
        value: The query parameter's value.

    Returns:
        The property's key and expected value.

    Raises:
        ApiError: 400 if the value is not of the form ``(key,value)``.
    """
    text = value.strip()
    if len(text) < 3 or text[0] != "(" or text[-1] != ")" or "," not in text:
        raise ApiError(
            400, f'filter[properties]: {value!r} is not of the form (key,value) or (key,"text")'
        )
    key, _, raw = text[1:-1].partition(",")
    key = key.strip()
    if not key:
        raise ApiError(400, f"filter[properties]: {value!r} has an empty key")
    return key, _parse_scalar(raw.strip())


def property_matches(actual: Any, expected: PropertyValue) -> bool:
    """Whether a stored property value equals a filter value (booleans never equal numbers)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and actual == expected
    if isinstance(expected, str) or isinstance(actual, str):
        return isinstance(expected, str) and isinstance(actual, str) and actual == expected
    return bool(actual == expected)


@dataclass
class ListQuery:
    """Filters, sorting and a page of a collection listing.

    Attributes are ``None`` or empty when the filter was not given.
    """

    name_exact: list[str] = field(default_factory=list)
    name_fuzzy: str | None = None
    project_ids: list[str] = field(default_factory=list)
    archived: bool | None = None
    statuses: list[str] = field(default_factory=list)
    job_types: list[str] = field(default_factory=list)
    properties: list[tuple[str, PropertyValue]] = field(default_factory=list)
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    modified_after: dt.datetime | None = None
    modified_before: dt.datetime | None = None
    sort: list[str] = field(default_factory=lambda: ["-timestamps.created"])
    page_number: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    owner: str | None = None
    """Only resources of this user's projects (set from the access token)."""

    def __post_init__(self) -> None:
        for key in self.sort:
            if key.lstrip("-") not in SORT_KEYS:
                raise ApiError(400, f"sort: {key!r} is not one of {SORT_KEYS} (optionally '-')")
        if self.page_number < 0:
            raise ApiError(400, "page[number] must be >= 0")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ApiError(400, f"page[size] must be between 1 and {MAX_PAGE_SIZE}")


@dataclass(frozen=True)
class Listable:
    """What :func:`apply_query` needs to know of a row."""

    name: str
    properties: dict[str, Any]
    created: dt.datetime
    modified: dt.datetime
    seq: int


def apply_query(
    rows: Sequence[T], query: ListQuery, view: Callable[[T], Listable]
) -> tuple[list[T], int]:
    """Apply the Python-side filters (name, properties, times), sorting and pagination.

    Args:
        rows: Candidate rows (already filtered on columns by SQL).
        query: The listing query.
        view: Extracts the filterable fields of a row.

    Returns:
        The rows of the requested page and the total number of matching rows.
    """
    selected: list[tuple[Listable, T]] = []
    fuzzy = query.name_fuzzy.lower() if query.name_fuzzy else None
    for row in rows:
        v = view(row)
        if query.name_exact and v.name not in query.name_exact:
            continue
        if fuzzy and fuzzy not in v.name.lower():
            continue
        if query.created_after and not v.created > query.created_after:
            continue
        if query.created_before and not v.created < query.created_before:
            continue
        if query.modified_after and not v.modified > query.modified_after:
            continue
        if query.modified_before and not v.modified < query.modified_before:
            continue
        if any(
            key not in v.properties or not property_matches(v.properties[key], value)
            for key, value in query.properties
        ):
            continue
        selected.append((v, row))
    # Stable multi-key sort: apply keys from the least significant; the sequence number
    # breaks ties so that pages never overlap.
    selected.sort(key=lambda pair: pair[0].seq)
    for key in reversed(query.sort):
        desc = key.startswith("-")
        attr = key.lstrip("-")
        getter: Callable[[tuple[Listable, T]], Any]
        if attr == "name":
            getter = lambda pair: pair[0].name  # noqa: E731
        elif attr == "timestamps.modified":
            getter = lambda pair: pair[0].modified  # noqa: E731
        else:
            getter = lambda pair: pair[0].created  # noqa: E731
        selected.sort(key=getter, reverse=desc)
    start = query.page_number * query.page_size
    page = [row for _, row in selected[start : start + query.page_size]]
    return page, len(selected)
