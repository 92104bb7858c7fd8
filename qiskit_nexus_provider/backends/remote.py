"""Remote Nexus backends (placeholder until the REST client lands)."""

from __future__ import annotations

from typing import Any


class RemoteCatalog:
    """The remote side of a provider: no remote backends yet."""

    has_token = False

    def __init__(self, provider: Any, **_: Any) -> None:
        self.provider = provider

    def backends(self) -> list[Any]:
        return []

    def backend_for_spec(self, spec: Any) -> Any:
        raise NotImplementedError("remote backends are not available yet")

    def retrieve_job(self, job_id: str) -> Any:
        from ..exceptions import JobNotFoundError

        raise JobNotFoundError(job_id)
