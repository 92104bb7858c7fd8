"""Fixtures of the emulator tests: a running emulator and an authenticated HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emulator_support import Api, refresh

from qiskit_nexus_provider.emulator import NexusEmulator


@pytest.fixture
def emulator() -> Iterator[NexusEmulator]:
    """A fresh emulator (in memory)."""
    with NexusEmulator() as emu:
        yield emu


@pytest.fixture
def api(emulator: NexusEmulator) -> Iterator[Api]:
    """An authenticated client of :func:`emulator`."""
    with httpx.Client(
        base_url=emulator.url, cookies={"myqos_id": refresh(emulator)}, timeout=60
    ) as client:
        yield Api(emulator, client)
