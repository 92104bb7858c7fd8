"""The FastAPI application of the emulator, and its error handling.

Every error answer is JSON ``{"message", "timestamp", "trace_id"}``: the emulator's own
:class:`~qiskit_nexus_provider.emulator.errors.ApiError`, FastAPI's request validation errors
(422, with the list of problems under ``errors``), routing errors (404, 405) and, as a last
resort, unexpected exceptions (500).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from qiskit_nexus_provider.emulator.body_limit import BodyLimitMiddleware
from qiskit_nexus_provider.emulator.context import EmulatorContext
from qiskit_nexus_provider.emulator.errors import ApiError, error_body
from qiskit_nexus_provider.emulator.faults import FaultMiddleware
from qiskit_nexus_provider.emulator.hot_routes import HotRoutes
from qiskit_nexus_provider.emulator.routes import ROUTERS

__all__ = ["create_app", "create_asgi_app"]

logger = logging.getLogger(__name__)


def _validation_message(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    details = []
    for err in errors:
        loc = ".".join(str(part) for part in err.get("loc", ()))
        details.append(
            {"loc": loc, "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
        )
    summary = "; ".join(f"{d['loc']}: {d['msg']}" for d in details[:10])
    if len(details) > 10:
        summary += f"; ... ({len(details) - 10} more)"
    return f"invalid request: {summary}", details


def create_app(context: EmulatorContext) -> FastAPI:
    """Build the FastAPI application serving the Nexus REST API from ``context``.

    Args:
        context: Store, tokens, faults and worker of the emulator.

    Returns:
        The application (without fault injection; see :func:`create_asgi_app`).
    """
    app = FastAPI(
        title="Quantinuum Nexus emulator",
        version="0.1.0",
        description="Local emulator of the Nexus REST API, running circuits on qiskit-aer.",
    )
    app.state.emulator = context

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.message), exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = _validation_message(list(exc.errors()))
        return JSONResponse(error_body(message, errors=details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        return JSONResponse(error_body(message), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # last resort
        logger.exception("unexpected error in %s %s", request.method, request.url.path)
        return JSONResponse(error_body(f"internal error of the emulator: {exc!r}"), 500)

    @app.get("/_emulator/health", tags=["emulator"], include_in_schema=False)
    async def _health() -> dict[str, Any]:
        return {"status": "ok", "jobs": context.store.count_jobs()}

    for router in ROUTERS:
        app.include_router(router)
    return app


def create_asgi_app(context: EmulatorContext) -> Any:
    """What the server runs: the application behind :class:`.HotRoutes`, in the fault-injection
    middleware, in the body cap.

    The body cap (:class:`.BodyLimitMiddleware`, ``context.max_body_bytes``) is outermost: an
    oversized body is refused with 413 before anything reads, parses or authenticates it.
    :class:`.HotRoutes` answers circuit uploads and result downloads, the two requests a batch
    makes per circuit, without FastAPI's per-request work, and gives it everything else.
    """
    return BodyLimitMiddleware(
        FaultMiddleware(HotRoutes(create_app(context), context), context.faults),
        context.max_body_bytes,
    )
