"""The Nexus rule for properties: defined in the project before use, of the defined type.

Source: the Nexus user guide (concepts, "Properties"): properties are scoped to projects and must
be created before they are used; a property may be *required*, and a resource without it is then
refused; values are ``string``, ``bool``, ``int`` or ``float``.

Decisions where the guide is silent:

* ``required`` applies to the resources created *in* a project (circuits and jobs); a project
  itself only has its own properties checked for definition and type (it has no definitions
  when it is created, so a new project carries no properties).
* An ``int`` value is accepted for a ``float`` property (JSON does not tell ``2`` from ``2.0``
  for every client); a ``bool`` is never a number.
* A list filter ``filter[properties]=(name,value)`` names a property that must be defined in
  the filtered projects (``filter[project][id]``), or in some project when no project is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qiskit_nexus_provider.api.models import value_property_type
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.query import ListQuery
from qiskit_nexus_provider.emulator.store import PropertyDefinitionRow, Store

__all__ = ["PROPERTY_TYPES", "check_filter_properties", "check_properties", "type_name"]

PROPERTY_TYPES = ("string", "bool", "int", "float")
"""The four value types of a property definition."""


def type_name(value: Any) -> str:
    """The property type a JSON value has (``bool``, ``int``, ``float``, ``string``), else the
    value's Python type name (for messages)."""
    return value_property_type(value) or type(value).__name__


def _fits(property_type: str, value: Any) -> bool:
    actual = type_name(value)
    return actual == property_type or (property_type == "float" and actual == "int")


def check_properties(
    store: Store,
    project_id: str,
    properties: Mapping[str, Any],
    what: str,
    *,
    require: bool = True,
) -> None:
    """Refuse properties not defined in the project, of the wrong type, or missing if required.

    Args:
        store: The emulator's store.
        project_id: The project the resource belongs to.
        properties: The resource's properties.
        what: The resource, for messages (``"circuit"``, ``"job"``, ``"project"``).
        require: Whether the project's required properties must all be present.

    Raises:
        ApiError: 400 naming the property and the project.
    """
    definitions = {d.name: d for d in store.property_definitions([project_id])}
    for name, value in properties.items():
        definition = definitions.get(name)
        if definition is None:
            raise ApiError(
                400,
                f"{what} property {name!r} is not defined in project {project_id}; "
                "define it first (POST /api/property_definitions/v1beta2)",
            )
        if not _fits(definition.property_type, value):
            raise ApiError(
                400,
                f"{what} property {name!r} of project {project_id} is of type "
                f"{definition.property_type}; got {type_name(value)} {value!r}",
            )
    if require:
        missing = sorted(n for n, d in definitions.items() if d.required and n not in properties)
        if missing:
            raise ApiError(
                400,
                f"{what} lacks the required propert{'y' if len(missing) == 1 else 'ies'} "
                f"{', '.join(repr(m) for m in missing)} of project {project_id}",
            )


def check_filter_properties(store: Store, query: ListQuery, project_ids: Iterable[str]) -> None:
    """Refuse list filters on properties that are not defined.

    Args:
        store: The emulator's store.
        query: The listing (its ``filter[properties]`` pairs and its user).
        project_ids: The projects of ``filter[project][id]``; empty means any of the user's.

    Raises:
        ApiError: 400 naming the property (and the projects searched).
    """
    filters = query.properties
    if not filters:
        return
    ids = list(project_ids)
    if ids:
        rows: list[PropertyDefinitionRow] = store.property_definitions(ids)
    elif query.owner is not None:
        rows = store.property_definitions(store.owned_project_ids(query.owner))
    else:
        rows = store.all_property_definitions()
    defined = {d.name for d in rows}
    for name, _ in filters:
        if name not in defined:
            where = f"project {', '.join(ids)}" if ids else "any project"
            raise ApiError(400, f"filter[properties]: property {name!r} is not defined in {where}")
