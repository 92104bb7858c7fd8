"""Dependencies of the routes: the shared context, authentication and listing queries.

Route handlers and dependencies are coroutines: their work (SQLite queries on a local database,
JSON) is short, and a plain function would cost a trip through the thread pool per call.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Security
from fastapi.security import APIKeyCookie

from qiskit_nexus_provider.api.models import JobStatusEnum
from qiskit_nexus_provider.emulator.context import EmulatorContext
from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.query import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ListQuery,
    parse_datetime,
    parse_property_filter,
)

__all__ = [
    "ERROR_RESPONSES",
    "circuit_query",
    "get_context",
    "job_query",
    "project_query",
    "require_auth",
]

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "Invalid request"},
    401: {"description": "Missing, invalid or expired access token"},
    403: {"description": "The resource belongs to another user"},
    404: {"description": "Unknown resource"},
}

access_cookie = APIKeyCookie(
    name="myqos_id",
    auto_error=False,
    description="Access token issued by POST /auth/tokens/refresh",
)
refresh_cookie = APIKeyCookie(
    name="myqos_oat",
    auto_error=False,
    description="Refresh token (only accepted by POST /auth/tokens/refresh)",
)


async def get_context(request: Request) -> EmulatorContext:
    """The emulator's shared state."""
    context: EmulatorContext = request.app.state.emulator
    return context


Context = Annotated[EmulatorContext, Depends(get_context)]


async def require_auth(
    context: Context, token: Annotated[str | None, Security(access_cookie)] = None
) -> str:
    """Reject requests without a current access token in the ``myqos_id`` cookie.

    Returns:
        The user the token belongs to.
    """
    user = context.tokens.user_of(token)
    if user is None:
        raise ApiError(
            401,
            "missing, invalid or expired access token (cookie myqos_id); "
            "get a new one from POST /auth/tokens/refresh",
        )
    return user


User = Annotated[str, Depends(require_auth)]
"""The authenticated user (FastAPI runs :func:`require_auth` once per request)."""


def _time(value: str | None, name: str) -> dt.datetime | None:
    return None if value is None else parse_datetime(value, f"filter[timestamps]{name}")


async def base_query(
    user: User,
    name_exact: Annotated[list[str] | None, Query(alias="filter[name_exact]")] = None,
    name_fuzzy: Annotated[str | None, Query(alias="filter[name_fuzzy]")] = None,
    properties: Annotated[list[str] | None, Query(alias="filter[properties]")] = None,
    created_after: Annotated[str | None, Query(alias="filter[timestamps][created][after]")] = None,
    created_before: Annotated[
        str | None, Query(alias="filter[timestamps][created][before]")
    ] = None,
    modified_after: Annotated[
        str | None, Query(alias="filter[timestamps][modified][after]")
    ] = None,
    modified_before: Annotated[
        str | None, Query(alias="filter[timestamps][modified][before]")
    ] = None,
    sort: Annotated[list[str] | None, Query()] = None,
    page_number: Annotated[int, Query(alias="page[number]", ge=0, le=10**9)] = 0,
    page_size: Annotated[
        int, Query(alias="page[size]", ge=1, le=MAX_PAGE_SIZE)
    ] = DEFAULT_PAGE_SIZE,
) -> ListQuery:
    """Filters shared by every collection."""
    query = ListQuery(
        name_exact=name_exact or [],
        name_fuzzy=name_fuzzy or None,
        properties=[parse_property_filter(p) for p in properties or []],
        page_number=page_number,
        page_size=page_size,
        created_after=_time(created_after, "[created][after]"),
        created_before=_time(created_before, "[created][before]"),
        modified_after=_time(modified_after, "[modified][after]"),
        modified_before=_time(modified_before, "[modified][before]"),
        owner=user,
    )
    if sort:
        query.sort = [s for part in sort for s in part.split(",") if s]
        query.__post_init__()
    return query


BaseQuery = Annotated[ListQuery, Depends(base_query)]


async def project_query(
    query: BaseQuery,
    archived: Annotated[bool | None, Query(alias="filter[archived]")] = None,
) -> ListQuery:
    """Filters of the project collection."""
    query.archived = archived
    return query


async def circuit_query(
    query: BaseQuery,
    project_ids: Annotated[list[str] | None, Query(alias="filter[project][id]")] = None,
) -> ListQuery:
    """Filters of the circuit collection."""
    query.project_ids = project_ids or []
    return query


async def job_query(
    query: BaseQuery,
    project_ids: Annotated[list[str] | None, Query(alias="filter[project][id]")] = None,
    statuses: Annotated[list[JobStatusEnum] | None, Query(alias="filter[status][status]")] = None,
    job_types: Annotated[
        list[Literal["execute", "compile"]] | None, Query(alias="filter[job_type]")
    ] = None,
) -> ListQuery:
    """Filters of the job collection."""
    query.project_ids = project_ids or []
    query.statuses = [s.value for s in statuses or []]
    query.job_types = list(job_types or [])
    return query
