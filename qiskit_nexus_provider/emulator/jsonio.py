"""JSON encoding of stored documents and of large responses, without FastAPI's per-response work.

FastAPI serialises a route's return value with pydantic (``TypeAdapter.dump_json``: compact,
non-ASCII characters as they are, ``NaN`` and infinities as ``null``) after validating it against
the route's response model.  For the large documents of the emulator (circuits, jobs with their
items, results) the validation is a deep copy that buys nothing; :func:`json_response` produces
the same bytes with pydantic's serializer directly.  Stored JSON is written the same way, so
that a stored document can be sent back as it is.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response
from pydantic_core import to_json

__all__ = ["dump_stored", "json_bytes", "json_response"]


def json_bytes(value: Any) -> bytes:
    """``value`` as FastAPI would send it: what ``TypeAdapter(Any).dump_json`` writes."""
    return to_json(value, inf_nan_mode="null")


def json_response(
    value: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response with the bytes FastAPI would produce for ``value``."""
    return raw_json_response(json_bytes(value), status_code, headers)


def raw_json_response(
    body: bytes, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response whose body is already encoded."""
    return Response(body, status_code, headers, media_type="application/json")


def dump_stored(value: Any) -> str:
    """Text to store for a JSON document; ``json.loads`` gives ``value`` back.

    Compact and in the form :func:`json_bytes` writes (``NaN`` and infinities are kept, as
    ``json.dumps`` keeps them), so that a document without such numbers can be sent as stored.
    """
    try:
        return to_json(value, inf_nan_mode="constants").decode()
    except Exception:  # lone surrogates, exotic types: what json.dumps makes of them
        return json.dumps(value)
