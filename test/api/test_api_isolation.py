"""The REST client package depends on neither Qiskit nor pytket (nor the qnexus client)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import qiskit_nexus_provider.api as api

FORBIDDEN = ("qiskit", "pytket", "qnexus")
MODULES = sorted(Path(api.__file__).parent.glob("*.py"))


def imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_imports_no_quantum_sdk(path: Path) -> None:
    offending = {
        name
        for name in imported_names(path)
        if name.split(".")[0] in FORBIDDEN and not name.startswith("qiskit_nexus_provider")
    }
    assert offending == set()
    # Relative imports only: the api package never reaches into the rest of the provider.
    assert not any(name.startswith("qiskit_nexus_provider") for name in imported_names(path))


def test_all_public_names_exist() -> None:
    for name in api.__all__:
        assert hasattr(api, name), name
