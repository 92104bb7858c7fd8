"""Schemathesis fuzzes every operation of the emulator's OpenAPI schema: never a 5xx.

The schema is taken from the application itself at collection time (one test per operation
and generation mode); requests go over HTTP to a live emulator.  Schemathesis's own pytest
integration (``from_fixture``) is not used: it does not support pytest 9.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator_support import refresh
from hypothesis import HealthCheck, given, settings

from qiskit_nexus_provider.emulator import NexusEmulator
from qiskit_nexus_provider.emulator.app import create_app
from qiskit_nexus_provider.emulator.auth import TokenManager
from qiskit_nexus_provider.emulator.context import EmulatorContext
from qiskit_nexus_provider.emulator.faults import FaultInjector
from qiskit_nexus_provider.emulator.store import Store
from qiskit_nexus_provider.emulator.worker import Worker

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.generation import GenerationMode  # noqa: E402

MAX_EXAMPLES = 20


def _openapi() -> dict[str, Any]:
    store = Store()
    context = EmulatorContext(store, TokenManager(), FaultInjector(), Worker(store))
    document: dict[str, Any] = create_app(context).openapi()
    store.close()
    return document


OPENAPI = _openapi()
SCHEMA = schemathesis.openapi.from_dict(OPENAPI)
OPERATIONS = [(path, method) for path, methods in OPENAPI["paths"].items() for method in methods]


@pytest.fixture(scope="module")
def fuzzed_emulator() -> Iterator[NexusEmulator]:
    with NexusEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def access_token(fuzzed_emulator: NexusEmulator) -> str:
    return refresh(fuzzed_emulator)


def test_schema_covers_the_api() -> None:
    paths = set(OPENAPI["paths"])
    for path in (
        "/api/projects/v1beta2",
        "/api/circuits/v1beta2/{circuit_id}",
        "/api/jobs/v1beta3",
        "/api/jobs/v1beta3/{job_id}/rpc/retry",
        "/api/results/v1beta3/{result_id}",
        "/api/v5/available_devices",
        "/auth/tokens/refresh",
    ):
        assert path in paths
    assert len(OPERATIONS) >= 25


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS]
)
def test_no_server_errors(
    path: str, method: str, mode: GenerationMode, fuzzed_emulator: NexusEmulator, access_token: str
) -> None:
    """Whatever the input, the emulator answers, and errors carry a JSON message."""
    operation = SCHEMA[path][method]

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call(
            base_url=fuzzed_emulator.url, cookies={"myqos_id": access_token}, timeout=30
        )
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        if response.status_code >= 400:
            assert "message" in response.json(), response.text

    check()


def test_server_survives_fuzzing(fuzzed_emulator: NexusEmulator, access_token: str) -> None:
    """After the fuzzing (same module, same server), the emulator still works normally."""
    response = httpx.get(
        f"{fuzzed_emulator.url}/api/projects/v1beta2", cookies={"myqos_id": access_token}
    )
    assert response.status_code == 200
    assert fuzzed_emulator.running
    assert fuzzed_emulator.wait_idle(120)
