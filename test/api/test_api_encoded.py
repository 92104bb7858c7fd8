"""Circuits kept as their upload's JSON: the body is the document the dictionary path sends."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from pytket import Circuit

from qiskit_nexus_provider.api.encoded import EncodedCircuit, circuit_upload_body

RELATIONSHIPS = {"project": {"data": {"id": "p-1", "type": "project"}}}


def dictionary_body(circuit: dict[str, Any], name: str, properties: dict[str, Any]) -> Any:
    """What ``NexusClient.upload_circuit`` sends for a dictionary."""
    attributes = {**circuit, "name": name, "properties": properties}
    return {"data": {"attributes": attributes, "relationships": RELATIONSHIPS, "type": "circuit"}}


@pytest.mark.parametrize(
    "circuit",
    [
        Circuit(2, 2, "bell").H(0).CX(0, 1).measure_all().to_dict(),
        {**Circuit(1).X(0).to_dict(), "properties": {"stale": 1}},  # its own ones are replaced
        {},
        {"bits": [["\u00fc", [0]]], "phase": "0.0"},  # non-ASCII: written as UTF-8
        {"bits": [["NaN", [0]], ["Infinity", [0]]], "phase": "0.5"},  # names, not numbers
    ],
)
def test_the_encoded_body_is_the_dictionary_body(circuit: dict[str, Any]) -> None:
    properties = {"qiskit_header": '{"name": "x"}', "n": 3, "ok": True, "unicodé": "ü"}
    body = circuit_upload_body(EncodedCircuit(circuit), "my circuit", properties, RELATIONSHIPS)
    assert json.loads(body.data) == dictionary_body(
        {k: v for k, v in circuit.items() if k not in ("properties", "name")},
        "my circuit",
        properties,
    )


def test_properties_travel_with_the_encoding_and_share_its_json() -> None:
    encoded = EncodedCircuit(Circuit(1).X(0).to_dict())
    other = encoded.with_properties({"a": 1})
    assert other.json is encoded.json and dict(other.properties) == {"a": 1}
    assert dict(encoded.properties) == {}


def test_what_json_cannot_express_is_refused_when_encoded() -> None:
    with pytest.raises(ValueError):
        EncodedCircuit({"phase": math.nan})
    with pytest.raises(ValueError):
        EncodedCircuit({"params": [1.0, -math.inf]})
    with pytest.raises(TypeError):
        EncodedCircuit({"op": object()})
