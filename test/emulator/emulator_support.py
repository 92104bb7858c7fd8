"""Helpers of the emulator tests: an authenticated client and Nexus request bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from pytket import Circuit

from qiskit_nexus_provider.emulator import NexusEmulator

LISTED_DEVICES = sorted(
    [
        *("H1-1", "H1-1E", "H1-1LE", "H1-1SC"),
        *("H2-1", "H2-1E", "H2-1LE", "H2-1SC"),
        *("H2-2", "H2-2E", "H2-2LE", "H2-2SC"),
        *("Helios-1", "Helios-1E-lite", "Helios-1SC"),
        *("aer_simulator", "aer_simulator_statevector", "aer_simulator_unitary", "qulacs"),
    ]
)
"""The devices the emulator lists (issue 9's catalogue; quantinuum-schemas names them)."""


def refresh(emulator: NexusEmulator) -> str:
    """Get an access token from the emulator's refresh endpoint."""
    response = httpx.post(
        f"{emulator.url}/auth/tokens/refresh", cookies={"myqos_oat": emulator.token}
    )
    assert response.status_code == 200, response.text
    return str(response.cookies["myqos_id"])


@dataclass
class Api:
    """An authenticated client plus helpers building Nexus request bodies."""

    emulator: NexusEmulator
    client: httpx.Client

    def project(self, name: str = "project", **attributes: Any) -> str:
        body = {
            "data": {
                "attributes": {"name": name, **attributes},
                "relationships": {},
                "type": "project",
            }
        }
        response = self.client.post("/api/projects/v1beta2", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def define(self, project_id: str, required: bool = False, **types: str) -> None:
        """Define properties in a project (name=type), as ``qnx.projects.add_property`` does."""
        for name, property_type in types.items():
            response = self.client.post(
                "/api/property_definitions/v1beta2",
                json=property_body(project_id, name, property_type, required=required),
            )
            assert response.status_code == 201, response.text

    def circuit(
        self, project_id: str, circuit: Circuit | None = None, name: str = "bell", **extra: Any
    ) -> str:
        response = self.client.post(
            "/api/circuits/v1beta2", json=circuit_body(project_id, circuit, name, **extra)
        )
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def submit(
        self,
        project_id: str,
        circuit_ids: list[str],
        config: dict[str, Any] | None = None,
        *,
        shots: int = 100,
        name: str = "job",
        properties: dict[str, Any] | None = None,
        expect: int = 202,
    ) -> dict[str, Any]:
        response = self.client.post(
            "/api/jobs/v1beta3",
            json=job_body(
                project_id, circuit_ids, config, shots=shots, name=name, properties=properties
            ),
        )
        assert response.status_code == expect, response.text
        return dict(response.json())

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/jobs/v1beta3/{job_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def status(self, job_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/jobs/v1beta3/{job_id}/attributes/status")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def run(
        self,
        project_id: str,
        circuit_ids: list[str],
        config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Submit a job, wait for the worker to finish it, return the job document."""
        job_id = self.submit(project_id, circuit_ids, config, **kwargs)["data"]["id"]
        assert self.emulator.wait_idle(120)
        return self.job(job_id)

    def result(self, result_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/results/v1beta3/{result_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())


def bell() -> Circuit:
    return Circuit(2, 2, "bell").H(0).CX(0, 1).measure_all()


def native_bell() -> Circuit:
    """A Bell circuit in the H-series gate set."""
    from pytket import OpType
    from pytket.passes import AutoRebase

    circuit = bell()
    AutoRebase({OpType.Rz, OpType.PhasedX, OpType.ZZPhase}).apply(circuit)
    circuit.name = "native-bell"
    return circuit


def circuit_body(
    project_id: str, circuit: Circuit | None = None, name: str = "bell", **extra: Any
) -> dict[str, Any]:
    attributes = {**(circuit or bell()).to_dict(), "name": name, "properties": {}, **extra}
    return {
        "data": {
            "attributes": attributes,
            "relationships": {"project": {"data": {"id": project_id, "type": "project"}}},
            "type": "circuit",
        }
    }


def job_body(
    project_id: str,
    circuit_ids: list[str],
    config: dict[str, Any] | None = None,
    *,
    shots: int | None = 100,
    name: str = "job",
    properties: dict[str, Any] | None = None,
    job_type: str = "execute",
    optimisation_level: int = 2,
) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "job_definition_type": f"{job_type}_job_definition",
        "backend_config": config
        or {"type": "AerConfig", "simulation_method": "automatic", "n_qubits": 40},
        "items": [
            {"program_id": c, **({"n_shots": shots} if job_type == "execute" else {})}
            for c in circuit_ids
        ],
    }
    if job_type == "execute":
        definition.update(
            {"valid_check": True, "language": "AUTO", "user_group": None, "credential_name": None}
        )
    else:
        definition.update(
            {
                "optimisation_level": optimisation_level,
                "hypertket_config": None,
                "skip_store_intermediate_passes": True,
            }
        )
    return {
        "data": {
            "attributes": {
                "name": name,
                "description": "",
                "properties": properties or {},
                "job_type": job_type,
                "definition": definition,
            },
            "relationships": {"project": {"data": {"id": project_id, "type": "project"}}},
            "type": "job",
        }
    }


def property_body(
    project_id: str, name: str, property_type: str, *, required: bool = False
) -> dict[str, Any]:
    """Body of ``POST /api/property_definitions/v1beta2`` (as qnexus 0.51 sends it)."""
    return {
        "data": {
            "attributes": {
                "name": name,
                "description": None,
                "property_type": property_type,
                "required": required,
                "color": "#00ff00",
            },
            "relationships": {"project": {"data": {"id": project_id, "type": "project"}}},
            "type": "property",
        }
    }
