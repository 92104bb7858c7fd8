"""Fault injection: make the emulator misbehave on purpose, reproducibly.

:class:`FaultMiddleware` is a plain ASGI middleware wrapped around the whole application.  For
each request to the REST API it draws one number from a seeded :class:`random.Random` and:

* with probability ``error_rate`` answers **500 or 503** (JSON error body) without running the
  request;
* with probability ``rate_limit_rate`` answers **429** with ``Retry-After: 0`` without running it;
* with probability ``disconnect_rate`` **runs the request to completion and then closes the
  connection without sending the response**.  The side effect (a created project, circuit or
  job) therefore exists although the client saw only a dropped connection: the case a client's
  idempotency logic (``filter[properties]`` lookup of a client-generated key) must handle.
* ``latency`` seconds are added before every request.

``fail_next_jobs`` makes the next N execute jobs end in ``ERROR`` with message
``"Injected failure"`` (a retry of such a job succeeds), and ``access_token_ttl`` shortens the
life of newly issued access tokens.  Internal endpoints (``/_emulator/...``, ``/openapi.json``,
``/docs``) are never faulted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

from qiskit_nexus_provider.emulator.errors import error_body

__all__ = ["FaultConfig", "FaultInjector", "FaultMiddleware", "InjectedDisconnect"]

logger = logging.getLogger(__name__)

_EXEMPT_PREFIXES = ("/_emulator", "/openapi.json", "/docs", "/redoc")


@dataclass(frozen=True)
class FaultConfig:
    """Fault settings; the default injects nothing.

    Attributes:
        error_rate: Fraction of requests answered 500 or 503.
        rate_limit_rate: Fraction of requests answered 429 with ``Retry-After: 0``.
        disconnect_rate: Fraction of requests processed, then cut off without a response.
        latency: Seconds added before each request.
        fail_next_jobs: Number of upcoming execute jobs that end in ``ERROR``.
        access_token_ttl: Lifetime of new access tokens in seconds (``None``: one hour).
        seed: Seed of the random draws (``None``: not reseeded).
    """

    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    disconnect_rate: float = 0.0
    latency: float = 0.0
    fail_next_jobs: int = 0
    access_token_ttl: float | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.rate_limit_rate, self.disconnect_rate)
        if any(not 0.0 <= r <= 1.0 for r in rates):
            raise ValueError("fault rates must be between 0 and 1")
        if sum(rates) > 1.0 + 1e-12:
            raise ValueError("error_rate + rate_limit_rate + disconnect_rate must be <= 1")
        if self.latency < 0:
            raise ValueError("latency must be >= 0")
        if self.fail_next_jobs < 0:
            raise ValueError("fail_next_jobs must be >= 0")
        if self.access_token_ttl is not None and self.access_token_ttl < 0:
            raise ValueError("access_token_ttl must be >= 0")

    @classmethod
    def coerce(cls, value: FaultConfig | dict[str, Any] | None) -> FaultConfig:
        """Accept a :class:`FaultConfig`, a dictionary of its fields, or ``None``."""
        if value is None:
            return cls()
        if isinstance(value, FaultConfig):
            return value
        return cls(**value)


class InjectedDisconnect(ConnectionAbortedError):
    """Raised instead of closing the socket when the server gives no access to it."""


@dataclass(frozen=True)
class _Decision:
    kind: str | None
    latency: float
    status: int = 0


class FaultInjector:
    """Fault state shared by the middleware and the job submission route; thread-safe.

    Args:
        config: Initial settings.
        seed: Seed of the random draws when ``config.seed`` is ``None``.
    """

    def __init__(self, config: FaultConfig | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._config = FaultConfig()
        self._fail_next_jobs = 0
        self._counts: Counter[str] = Counter()
        self._log: deque[dict[str, Any]] = deque(maxlen=10000)
        self._in_flight = 0
        self._drained = threading.Condition(self._lock)
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        """The current settings (``fail_next_jobs`` is what remains to be used)."""
        with self._lock:
            return FaultConfig(**{**asdict(self._config), "fail_next_jobs": self._fail_next_jobs})

    def configure(self, config: FaultConfig) -> None:
        """Replace the settings."""
        with self._lock:
            self._config = config
            self._fail_next_jobs = config.fail_next_jobs
            if config.seed is not None:
                self._rng.seed(config.seed)

    def decide(self) -> _Decision:
        """Draw the fault, if any, for one request."""
        with self._lock:
            cfg = self._config
            if not (cfg.error_rate or cfg.rate_limit_rate or cfg.disconnect_rate):
                return _Decision(None, cfg.latency)
            u = self._rng.random()
            if u < cfg.error_rate:
                return _Decision("error", cfg.latency, self._rng.choice((500, 503)))
            u -= cfg.error_rate
            if u < cfg.rate_limit_rate:
                return _Decision("rate_limit", cfg.latency, 429)
            u -= cfg.rate_limit_rate
            if u < cfg.disconnect_rate:
                return _Decision("disconnect", cfg.latency)
            return _Decision(None, cfg.latency)

    @property
    def misbehaving(self) -> bool:
        """Whether requests may fail now (an error, rate-limit or disconnect rate above 0):
        the emulator's status streams close, as connections drop when a service fails."""
        with self._lock:
            cfg = self._config
            return bool(cfg.error_rate or cfg.rate_limit_rate or cfg.disconnect_rate)

    def request_started(self) -> None:
        """Count a request entering the application."""
        with self._lock:
            self._in_flight += 1
            self._drained.notify_all()

    def request_finished(self) -> None:
        """Count a request leaving the application (answered, failed or cut off)."""
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._drained.notify_all()

    @property
    def in_flight(self) -> int:
        """Number of requests being processed."""
        with self._lock:
            return self._in_flight

    def wait_drained(self, timeout: float | None = None) -> bool:
        """Block until no request is being processed; ``False`` on timeout."""
        with self._lock:
            return self._drained.wait_for(lambda: self._in_flight == 0, timeout)

    def wait_busy(self, timeout: float | None = None) -> bool:
        """Block until some request is being processed; ``False`` on timeout (for tests)."""
        with self._lock:
            return self._drained.wait_for(lambda: self._in_flight > 0, timeout)

    def take_job_failure(self) -> bool:
        """Consume one ``fail_next_jobs`` credit; ``True`` if the job must fail."""
        with self._lock:
            if self._fail_next_jobs > 0:
                self._fail_next_jobs -= 1
                self._counts["job_failure"] += 1
                return True
            return False

    def record(self, method: str, path: str, status: int | None, fault: str | None) -> None:
        """Log one request and count its fault."""
        logger.debug("%s %s -> %s%s", method, path, status, f" (injected {fault})" if fault else "")
        with self._lock:
            self._log.append({"method": method, "path": path, "status": status, "fault": fault})
            self._counts["requests"] += 1
            if fault:
                self._counts[fault] += 1

    def request_log(self) -> list[dict[str, Any]]:
        """The most recent requests (up to 10000), oldest first."""
        with self._lock:
            return list(self._log)

    def counts(self) -> dict[str, int]:
        """Counters: ``requests`` and one per injected fault kind."""
        with self._lock:
            return dict(self._counts)

    def clear_log(self) -> None:
        """Forget the request log and counters."""
        with self._lock:
            self._log.clear()
            self._counts.clear()


def _abort_connection(send: Any) -> bool:
    """Close the client's connection at once, bypassing the response; ``False`` if impossible.

    uvicorn's ``send`` is a bound method of the request/response cycle, which holds the asyncio
    transport; marking the cycle disconnected stops uvicorn from answering anything afterwards.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    transport.abort()
    if cycle is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True
    return True


class FaultMiddleware:
    """ASGI middleware injecting the faults of a :class:`FaultInjector`.

    Args:
        app: The wrapped ASGI application.
        injector: Source of fault decisions and request log.
    """

    def __init__(self, app: Any, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and not scope["path"].startswith(_EXEMPT_PREFIXES):
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"].startswith(_EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        self.injector.request_started()
        try:
            await self._handle(scope, receive, send)
        finally:
            self.injector.request_finished()

    async def _websocket(self, scope: Any, receive: Any, send: Any) -> None:
        """A websocket handshake draws a fault as a request does: an error or a rate limit is
        its answer (the handshake fails with that status), a disconnect refuses it with 502;
        the stream itself closes while faults are set (see the status stream route)."""
        path = scope["path"]
        decision = self.injector.decide()
        if decision.latency > 0:
            await asyncio.sleep(decision.latency)
        if decision.kind is None:
            await self.app(scope, receive, send)
            return
        status = decision.status or 502
        await receive()  # websocket.connect
        body = json.dumps(error_body(f"Injected fault: {decision.kind}")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body, "more_body": False})
        self.injector.record("WEBSOCKET", path, status, decision.kind)

    async def _handle(self, scope: Any, receive: Any, send: Any) -> None:
        method, path = scope["method"], scope["path"]
        decision = self.injector.decide()
        if decision.latency > 0:
            await asyncio.sleep(decision.latency)
        if decision.kind in ("error", "rate_limit"):
            message = (
                "Injected fault: rate limit exceeded"
                if decision.kind == "rate_limit"
                else "Injected fault: internal server error"
            )
            headers = [(b"content-type", b"application/json")]
            if decision.status in (429, 503):
                headers.append((b"retry-after", b"0"))
            self.injector.record(method, path, decision.status, decision.kind)
            await send(
                {"type": "http.response.start", "status": decision.status, "headers": headers}
            )
            body = json.dumps(error_body(message)).encode()
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return

        statuses: list[int] = []
        if decision.kind == "disconnect":

            async def swallow(message: Any) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(int(message["status"]))

            await self.app(scope, receive, swallow)
            self.injector.record(method, path, statuses[0] if statuses else None, "disconnect")
            logger.debug("injected disconnect after processing %s %s", method, path)
            if not _abort_connection(send):
                raise InjectedDisconnect(f"injected disconnect: {method} {path}")
            return

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                # Logged before the client can see the answer, so the log is never behind it.
                statuses.append(int(message["status"]))
                self.injector.record(method, path, statuses[0], None)
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            if not statuses:
                self.injector.record(method, path, None, None)
