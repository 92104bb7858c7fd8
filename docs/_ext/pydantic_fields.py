"""Field tables for pydantic models in the API reference.

Pydantic v2 keeps model fields out of the class namespace, so plain autodoc cannot list them.
This extension appends a table (name, type, default, constraints, description) to the docstring
of every pydantic model autodoc documents, and hides the fields and pydantic internals that
autodoc would otherwise list as members.  The description is the field's ``description`` or the
attribute docstring written below it in the source.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer, PycodeError

_CONSTRAINTS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "max_length": "max length"}


def _is_model(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, BaseModel) and obj is not BaseModel


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and not getattr(annotation, "__args__", None):
        return annotation.__name__
    return re.sub(r"\b(typing|datetime|collections\.abc)\.", "", str(annotation))


def _attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    docs: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if not _is_model(klass):
            continue
        try:
            analyzer = ModuleAnalyzer.for_module(klass.__module__)
        except PycodeError:
            continue
        for (scope, name), lines in analyzer.find_attr_docs().items():
            if scope == klass.__qualname__:
                docs[name] = " ".join(line.strip() for line in lines if line.strip())
    return docs


def _cell(text: str) -> str:
    return text.replace("\n", " ").strip() or " "


def _rows(model: type[BaseModel]) -> list[tuple[str, str, str, str, str]]:
    attr_docs = _attribute_docs(model)
    rows = []
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            default = "(computed)"
        elif field.default is PydanticUndefined:
            default = "required"
        else:
            default = f"``{field.default!r}``"
        constraints = []
        for meta in field.metadata:
            for attr, symbol in _CONSTRAINTS.items():
                value = getattr(meta, attr, None)
                if value is not None:
                    if isinstance(value, int) and value >= 2**16 and value & (value - 1) == 0:
                        value = f"2**{value.bit_length() - 1}"
                    constraints.append(f"{symbol} {value}")
        description = field.description or attr_docs.get(name, "")
        rows.append(
            (
                f"``{name}``",
                f"``{_type_name(field.annotation)}``",
                default,
                ", ".join(constraints),
                description,
            )
        )
    return rows


_CURRENT_FIELDS: set[str] = set()
"""Fields of the model autodoc is documenting (its class docstring comes before its members)."""


def _add_table(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    if what != "class":
        return
    _CURRENT_FIELDS.clear()
    if not _is_model(obj) or not obj.model_fields:
        return
    _CURRENT_FIELDS.update(obj.model_fields)
    lines.extend(
        [
            "",
            ".. rubric:: Fields",
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 18 18 14 14 36",
            "",
            "   * - Name",
            "     - Type",
            "     - Default",
            "     - Constraints",
            "     - Description",
        ]
    )
    for row in _rows(obj):
        lines.append(f"   * - {_cell(row[0])}")
        lines.extend(f"     - {_cell(cell)}" for cell in row[1:])
    lines.append("")


def _skip_fields(
    app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    if (
        what == "class"
        and _CURRENT_FIELDS
        and (name in _CURRENT_FIELDS or name.startswith(("model_", "__pydantic")))
    ):
        return True
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", _add_table)
    app.connect("autodoc-skip-member", _skip_fields)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
