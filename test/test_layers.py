"""The layering the design promises, checked on the source: ``api/`` (the REST client) imports
no Qiskit and nothing of the provider outside ``api/``; ``emulator/`` imports nothing of the
provider but the wire models (``api/models.py``), so it speaks Nexus's protocol, not our
client's habits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qiskit_nexus_provider"
WIRE_MODELS = {"qiskit_nexus_provider.api.models"}


def _imports(path: Path) -> list[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = ".".join(parts[:-1])  # a module's package; an __init__'s own package
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.append(base)
    return names


def _modules(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("api"), ids=lambda p: p.name)
def test_api_imports_no_qiskit_and_nothing_outside_api(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in {"qiskit", "qiskit_aer", "pytket"}, f"{path.name} imports {name}"
        if top == "qiskit_nexus_provider":
            assert name.startswith("qiskit_nexus_provider.api"), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", _modules("emulator"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_emulator_imports_only_wire_models_of_the_provider(path: Path) -> None:
    for name in _imports(path):
        if name.split(".")[0] != "qiskit_nexus_provider":
            continue
        assert name.startswith("qiskit_nexus_provider.emulator") or name in WIRE_MODELS, (
            f"{path.relative_to(PACKAGE)} imports {name}"
        )
