"""Authentication endpoints: token refresh and token status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, Security

from qiskit_nexus_provider.emulator.errors import ApiError
from qiskit_nexus_provider.emulator.routes.deps import (
    Context,
    refresh_cookie,
    require_auth,
)

__all__ = ["router"]

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/tokens/refresh", responses={401: {"description": "Invalid refresh token"}})
async def refresh(
    context: Context,
    response: Response,
    token: Annotated[str | None, Security(refresh_cookie)] = None,
) -> dict[str, Any]:
    """Exchange the refresh token (cookie ``myqos_oat``) for an access token (``myqos_id``).

    The access token comes back as ``Set-Cookie: myqos_id=...; HttpOnly; Path=/`` without
    ``Secure``, so that clients keep sending it over plain HTTP.
    """
    user = context.tokens.user_of_refresh_token(token)
    if user is None:
        raise ApiError(401, "invalid or missing refresh token (cookie myqos_oat)")
    access = context.tokens.issue_access_token(user)
    response.set_cookie("myqos_id", access, path="/", httponly=True, samesite="lax", secure=False)
    return {"token_status": {"ttl": int(context.tokens.access_token_ttl)}}


@router.get("/tokens", dependencies=[Depends(require_auth)], responses={401: {}})
async def token_status(context: Context) -> dict[str, Any]:
    """Remaining lifetime of the refresh token, in seconds."""
    return {"token_status": {"ttl": context.tokens.refresh_token_ttl()}}
