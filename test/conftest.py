"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qiskit_nexus_provider import NexusProvider

os.environ.setdefault("QISKIT_NEXUS_PROGRESS", "0")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """An empty job store folder."""
    return tmp_path / "store"


@pytest.fixture
def provider(store_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> NexusProvider:
    """A provider with no credentials at all (HOME points to an empty folder)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QISKIT_NEXUS_TOKEN", raising=False)
    return NexusProvider(store_path=store_path)


@pytest.fixture
def run_python(tmp_path: Path):
    """Run a Python snippet in a fresh interpreter; return its stdout (fails on non-zero exit)."""

    def run(code: str, env: dict[str, str] | None = None, timeout: float = 240) -> str:
        full_env = {**os.environ, "HOME": str(tmp_path / "home"), **(env or {})}
        full_env.pop("QISKIT_NEXUS_TOKEN", None)
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
        )
        assert proc.returncode == 0, f"subprocess failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    return run


@pytest.fixture
def slow_circuit():
    """Build a circuit Aer needs about a second for (300 shots): mid-circuit measurements make
    it simulate every shot.  Aer runs jobs one at a time, so a job run after it waits queued."""
    from qiskit import QuantumCircuit, transpile

    def make(backend):
        qc = QuantumCircuit(10, 10, name="slow")
        for layer in range(20):
            for q in range(10):
                qc.rx(0.1 * (layer + q), q)
            for q in range(0, 9, 2):
                qc.cx(q, q + 1)
            qc.measure(layer % 10, layer % 10)
        qc.measure(range(10), range(10))
        return transpile(qc, backend, optimization_level=0)

    return make
