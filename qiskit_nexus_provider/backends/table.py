"""``BackendsTable``: the list ``NexusProvider.backends()`` returns (terminal and Jupyter)."""

from __future__ import annotations

import html
from collections.abc import Iterable

from .base import NexusBackend

__all__ = ["BackendsTable"]

_COLUMNS = ("name", "kind", "qubits", "max circuits", "description")


def _row(backend: NexusBackend) -> tuple[str, ...]:
    kind = getattr(backend, "device_kind", "offline simulator")
    return (
        backend.name,
        str(kind),
        str(backend.num_qubits),
        "unlimited" if backend.max_circuits is None else str(backend.max_circuits),
        backend.description or "",
    )


class BackendsTable(list[NexusBackend]):
    """A list of backends that prints as a table (``str``) and renders as HTML in Jupyter."""

    def __init__(self, backends: Iterable[NexusBackend] = ()) -> None:
        super().__init__(backends)

    def rows(self) -> list[tuple[str, ...]]:
        """One tuple of cells per backend, in the order of :data:`_COLUMNS`."""
        return [_row(b) for b in self]

    def __str__(self) -> str:
        rows = [_COLUMNS, *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in _COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
