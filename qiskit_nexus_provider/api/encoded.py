"""Circuits kept as the JSON they are uploaded as, instead of as dictionaries.

A pytket circuit dictionary takes about 1.6 kB of memory per command (``tracemalloc`` over 500
transpiled ``random_circuit(5, 20)``, 2026-12-01), in several objects per command.  A batch
kept as dictionaries between its encoding and its upload therefore held hundreds of megabytes,
and its objects, surviving, set off Python's full garbage collections, which scan every object
of the process: four of them took 0.31-0.38 s of the client's 1.9 s CPU on 1000 small circuits.
An :class:`EncodedCircuit` is one ``bytes`` object, the upload's own JSON, about a tenth of the
memory; the dictionaries it is made from die young.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from .http import EncodedJSON, encode_json

__all__ = ["EncodedCircuit", "circuit_upload_body"]

_ANNOTATIONS = ("name", "properties")


class EncodedCircuit:
    """A pytket circuit's JSON (``Circuit.to_dict()``), compact, without its ``name`` and
    ``properties``, which the upload writes.

    Args:
        circuit: The circuit dictionary.
        properties: Annotation properties of the upload (str to bool, int, float or str).

    Raises:
        ValueError: ``circuit`` holds NaN or infinity, which JSON cannot express.
        TypeError: ``circuit`` holds something JSON cannot express.
    """

    __slots__ = ("json", "properties")

    def __init__(
        self, circuit: Mapping[str, Any], properties: Mapping[str, Any] | None = None
    ) -> None:
        self.json = _compact_json({k: v for k, v in circuit.items() if k not in _ANNOTATIONS})
        self.properties: Mapping[str, Any] = properties or {}

    def with_properties(self, properties: Mapping[str, Any]) -> EncodedCircuit:
        """The same circuit JSON (shared, not copied) with other annotation properties."""
        other = EncodedCircuit.__new__(EncodedCircuit)
        other.json, other.properties = self.json, properties
        return other

    def __len__(self) -> int:
        """Size of the JSON, in bytes."""
        return len(self.json)


def _compact_json(value: dict[str, Any]) -> bytes:
    """:func:`.encode_json` of a circuit dictionary, by pydantic-core's serialiser: four times
    faster on pytket circuits (21 ms against 91 ms for 1000 transpiled ``random_circuit(4, 6)``,
    2026-12-01), and on the critical path, as :meth:`~.RemoteNexusBackend.run` encodes the
    whole batch before the first upload.  The same JSON but for non-ASCII characters, which it
    writes as UTF-8 rather than escaped.  A document it writes NaN or Infinity in (as it does
    when asked to) goes through :func:`.encode_json`, which refuses non-finite numbers, and so
    does anything it cannot serialise.
    """
    try:
        data = to_json(value, inf_nan_mode="constants")
    except PydanticSerializationError:
        return encode_json(value)  # raises TypeError for what JSON cannot express
    if b"NaN" in data or b"Infinity" in data:  # maybe inside a string: decide exactly
        return encode_json(value)
    return data


def circuit_upload_body(
    circuit: EncodedCircuit,
    name: str,
    properties: Mapping[str, Any],
    relationships: Mapping[str, Any],
) -> EncodedJSON:
    """The body of ``POST /api/circuits/v1beta2``: the circuit's JSON with ``name`` and
    ``properties`` among its attributes, written around the encoded circuit, not re-encoded."""
    head = encode_json({"name": name, "properties": dict(properties)})[:-1]  # without its "}"
    rest = circuit.json[1:]  # the circuit's members and its closing "}"
    attributes = head + (b"}" if rest == b"}" else b"," + rest)
    return EncodedJSON(
        b'{"data":{"attributes":'
        + attributes
        + b',"relationships":'
        + encode_json(relationships)
        + b',"type":"circuit"}}'
    )
