"""End-to-end fixtures: one emulator per module, a provider pointed at it per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.api.config import RetryPolicy
from qiskit_nexus_provider.emulator import NexusEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[NexusEmulator]:
    with NexusEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: NexusEmulator) -> Iterator[NexusEmulator]:
    """The module's emulator, with faults cleared and the worker running."""
    emulator.set_faults()
    emulator.resume()
    yield emulator
    emulator.set_faults()
    emulator.resume()


@pytest.fixture
def remote(emu: NexusEmulator, store_path: Path, tmp_path: Path, monkeypatch) -> NexusProvider:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return NexusProvider(
        token=emu.token,
        url=emu.url,
        project="e2e",
        store_path=store_path,
        retry=RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05),
    )
