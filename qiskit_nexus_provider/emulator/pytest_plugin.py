"""pytest plugin: fixtures giving tests a running Nexus emulator.

Registered through the ``pytest11`` entry point, so the fixtures are available wherever the
package is installed:

* ``nexus_emulator``: a fresh :class:`~qiskit_nexus_provider.emulator.NexusEmulator` per test;
* ``nexus_emulator_session``: one emulator shared by the whole session; its state and fault
  settings carry over from test to test (use unique names, call ``set_faults()`` to reset).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from qiskit_nexus_provider.emulator.server import NexusEmulator

__all__ = ["nexus_emulator", "nexus_emulator_session"]


@pytest.fixture
def nexus_emulator() -> Iterator[NexusEmulator]:
    """A running Nexus emulator with in-memory state, stopped after the test."""
    from qiskit_nexus_provider.emulator.server import NexusEmulator

    with NexusEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def nexus_emulator_session() -> Iterator[NexusEmulator]:
    """A Nexus emulator shared by the whole test session."""
    from qiskit_nexus_provider.emulator.server import NexusEmulator

    with NexusEmulator() as emulator:
        yield emulator
