"""Nexus property definitions: read a project's, create missing ones, check values against them.

Nexus properties are scoped to projects and must be defined before a project, circuit or job
carries them (the Nexus user guide, concepts, "Properties"); a definition has a type
(``string``, ``bool``, ``int`` or ``float``) and may be *required*, in which case every
circuit and job of the project must carry it.

:class:`ProjectProperties` is the client's view of one project's definitions: it reads them once,
creates those the caller needs that are missing (two processes doing so at once both succeed: a
definition that appears meanwhile is not an error), and checks property values before anything
is uploaded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pydantic

from .errors import NexusAPIError
from .http import Reply
from .models import PropertyDefinition, PropertySpec, PropertyType, value_property_type

if TYPE_CHECKING:
    from .client import NexusClient

__all__ = [
    "PROPERTY_DEFINITIONS",
    "ProjectProperties",
    "PropertyError",
    "check_property_values",
    "create_property_definition",
    "list_property_definitions",
    "property_type_of",
]

PROPERTY_DEFINITIONS = "/api/property_definitions/v1beta2"

_DEFAULT_COLOR = "#4b61d1"


class PropertyError(ValueError):
    """Property values that the project's definitions refuse (raised before any upload)."""


def property_type_of(value: Any) -> PropertyType:
    """The Nexus property type of a Python value.

    Raises:
        PropertyError: The value is not a bool, int, float or str.
    """
    found = value_property_type(value)
    if found is not None:
        return found
    raise PropertyError(
        f"property values are bool, int, float or str; got {type(value).__name__} {value!r}"
    )


def _parse_definitions(response: Reply) -> list[PropertyDefinition]:
    try:
        body = response.json()
        data = body["data"]
        return [PropertyDefinition.from_resource(item) for item in data]
    except (ValueError, KeyError, TypeError, pydantic.ValidationError) as exc:
        raise NexusAPIError(
            f"Unexpected property definitions body: {exc}", status_code=response.status_code
        ) from None


def list_property_definitions(client: NexusClient, project_id: str) -> list[PropertyDefinition]:
    """Every property definition of a project (all pages).

    Args:
        client: The REST client.
        project_id: The project.

    Returns:
        The definitions, in the server's order.
    """
    found: list[PropertyDefinition] = []
    number = 0
    while True:
        page = client.transport.call(
            "GET",
            PROPERTY_DEFINITIONS,
            params=[("filter[project][id]", project_id), ("page[number]", str(number))],
            parse=_parse_definitions,
        )
        if not page or page[0].id in {d.id for d in found}:  # past the end (or paging ignored)
            return found
        found.extend(page)
        number += 1


def create_property_definition(client: NexusClient, project_id: str, spec: PropertySpec) -> None:
    """Define a property in a project (``201``), as ``qnexus.projects.add_property`` does.

    Raises:
        NexusAPIError: The server refused it (``409`` if it is already defined).
    """
    body = {
        "data": {
            "attributes": {
                "name": spec.name,
                "description": spec.description,
                "property_type": spec.property_type,
                "required": spec.required,
                "color": _DEFAULT_COLOR,
            },
            "relationships": {"project": {"data": {"id": project_id, "type": "project"}}},
            "type": "property",
        }
    }
    client.transport.call(
        "POST",
        PROPERTY_DEFINITIONS,
        json=body,
        expected=(201,),
        idempotent=True,  # a repeated definition answers 409, which ensure() accepts
        parse=lambda response: None,
    )


def check_property_values(
    definitions: Mapping[str, PropertyDefinition],
    values: Mapping[str, Any],
    *,
    project: str,
    what: str = "job",
    require: bool = True,
) -> None:
    """Check property values against a project's definitions, as Nexus does.

    Args:
        definitions: The project's definitions, by name.
        values: The properties a resource would carry.
        project: The project's name, for messages.
        what: The resource (``"job"``, ``"circuit"``), for messages.
        require: Whether required properties must all be present.

    Raises:
        PropertyError: A property is not defined, has the wrong type, or a required one is
            missing; the message names it.
    """
    for name, value in values.items():
        definition = definitions.get(name)
        if definition is None:
            raise PropertyError(
                f"{what} property {name!r} is not defined in Nexus project {project!r}; "
                "define it first (qnexus: qnx.projects.add_property)"
            )
        actual = property_type_of(value)
        if actual != definition.property_type and not (
            definition.property_type == "float" and actual == "int"
        ):
            raise PropertyError(
                f"{what} property {name!r} of Nexus project {project!r} is of type "
                f"{definition.property_type}; got {actual} {value!r}"
            )
    if require:
        missing = sorted(n for n, d in definitions.items() if d.required and n not in values)
        if missing:
            raise PropertyError(
                f"Nexus project {project!r} requires the "
                f"propert{'y' if len(missing) == 1 else 'ies'} "
                f"{', '.join(repr(m) for m in missing)} on every {what}; pass "
                "nexus_properties={...} to run()"
            )


class ProjectProperties:
    """One project's property definitions, read once and completed on demand.

    Args:
        client: The REST client.
        project_id: The project.
        project_name: The project's name, for messages.
    """

    def __init__(self, client: NexusClient, project_id: str, project_name: str) -> None:
        self._client = client
        self.project_id = project_id
        self.project_name = project_name
        self._definitions: dict[str, PropertyDefinition] | None = None
        self._lock = threading.Lock()

    def definitions(self, refresh: bool = False) -> dict[str, PropertyDefinition]:
        """The project's definitions, by name: read from the server on first use and kept,
        or read again with ``refresh=True`` (another client may have defined more since)."""
        with self._lock:
            if refresh:
                self._definitions = None
            return dict(self._load())

    def _load(self) -> dict[str, PropertyDefinition]:
        if self._definitions is None:
            self._definitions = {
                d.name: d for d in list_property_definitions(self._client, self.project_id)
            }
        return self._definitions

    def ensure(self, specs: Iterable[PropertySpec]) -> None:
        """Make sure each property of ``specs`` is defined, creating the missing ones.

        The missing definitions are created, then the project's definitions are read again
        once.  A definition another client created meanwhile (the server answers ``409``, or
        refuses it but lists it afterwards) is not an error.

        Raises:
            PropertyError: The project defines one of these properties with another type.
            NexusAPIError: A definition could not be created.
        """
        wanted = list(specs)
        with self._lock:
            known = self._load()
            missing = [spec for spec in wanted if spec.name not in known]
            refused: dict[str, NexusAPIError] = {}
            for spec in missing:
                try:
                    create_property_definition(self._client, self.project_id, spec)
                except NexusAPIError as exc:
                    if exc.status_code is None or exc.status_code >= 500:
                        raise
                    refused[spec.name] = exc
            if missing:
                self._definitions = None
                known = self._load()
            for spec in wanted:
                existing = known.get(spec.name)
                if existing is None:
                    if spec.name in refused:
                        raise refused[spec.name]
                    raise NexusAPIError(
                        f"property {spec.name!r} was created but is not listed in Nexus "
                        f"project {self.project_name!r}"
                    )
                if existing.property_type != spec.property_type:
                    raise PropertyError(
                        f"Nexus project {self.project_name!r} defines property {spec.name!r} "
                        f"as {existing.property_type}; this client needs {spec.property_type}"
                    )
