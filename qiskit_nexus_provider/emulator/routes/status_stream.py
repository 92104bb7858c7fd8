"""The job status stream: ``/api/jobs/v1beta3/{id}/attributes/status/ws`` (a websocket).

As qnexus 0.51's ``WebsocketStrategy`` expects (reference notes §4): the client authenticates
with its access token in a ``Cookie: myqos_id=...`` header on the handshake; the server sends
the job's JobStatus as a JSON text frame at once and again whenever it changes, and keeps the
socket open until the status is terminal, then closes it normally (1000).  While faults are
set (:meth:`.FaultInjector.misbehaving`), open streams close with 1011, as connections drop
when the service fails, and handshakes draw faults as requests do.  A handshake without
a current token is refused with 401 (qnexus then refreshes and reconnects), another user's job
with 403, an unknown job with 404 and a deleted one with 410.
"""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, WebSocket
from fastapi.responses import JSONResponse

from qiskit_nexus_provider.emulator.access import require_job
from qiskit_nexus_provider.emulator.context import EmulatorContext
from qiskit_nexus_provider.emulator.errors import ApiError, error_body
from qiskit_nexus_provider.emulator.store.rows import TERMINAL

__all__ = ["POLL_SECONDS", "router"]

router = APIRouter(tags=["jobs"])

POLL_SECONDS = 0.05
"""How often the stream reads the job's status from the store."""


@router.websocket("/api/jobs/v1beta3/{job_id}/attributes/status/ws")
async def job_status_stream(websocket: WebSocket, job_id: str) -> None:
    """Send the job's JobStatus on every change until it is terminal."""
    context: EmulatorContext = websocket.app.state.emulator
    user = context.tokens.user_of(websocket.cookies.get("myqos_id"))
    try:
        if user is None:
            raise ApiError(401, "missing, invalid or expired access token (cookie myqos_id)")
        require_job(context.store, user, job_id)
    except ApiError as exc:
        await websocket.send_denial_response(
            JSONResponse(error_body(exc.message), status_code=exc.status_code)
        )
        return
    await websocket.accept()
    last: str | None = None
    while True:
        if context.faults.misbehaving:  # connections drop while the service fails
            await websocket.close(code=1011, reason="injected fault")
            return
        job = context.store.get_job(job_id)
        if job is None:  # deleted meanwhile
            await websocket.close(code=1011, reason="job deleted")
            return
        text = json.dumps(job.status)
        if text != last:
            await websocket.send_text(text)
            last = text
        if job.status_name in TERMINAL:
            await websocket.close(code=1000)
            return
        await asyncio.sleep(POLL_SECONDS)
