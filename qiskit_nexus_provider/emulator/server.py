"""``NexusEmulator``: the emulator as a uvicorn server on a background thread."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from qiskit_nexus_provider.emulator.app import create_asgi_app
from qiskit_nexus_provider.emulator.auth import TokenManager, new_token
from qiskit_nexus_provider.emulator.body_limit import DEFAULT_MAX_BODY_BYTES
from qiskit_nexus_provider.emulator.context import EmulatorContext
from qiskit_nexus_provider.emulator.faults import FaultConfig, FaultInjector
from qiskit_nexus_provider.emulator.store import Store
from qiskit_nexus_provider.emulator.worker import Worker

__all__ = ["NexusEmulator"]

logger = logging.getLogger(__name__)

_SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization"})


class _RedactSecretHeaders(logging.Filter):
    """Hide the values of secret headers in the websockets library's handshake log.

    The websocket implementation uvicorn serves the status stream with logs every handshake
    header at DEBUG (``"< %s: %s"``) on ``uvicorn.error``, the access token's ``Cookie``
    included; tokens never go to logs, not even the emulator's.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (
            isinstance(args, tuple)
            and len(args) == 2
            and str(args[0]).lower() in _SECRET_HEADERS
            and record.msg in ("< %s: %s", "> %s: %s")
        ):
            record.args = (args[0], "***")
        return True


_REDACT = _RedactSecretHeaders()
logging.getLogger("uvicorn.error").addFilter(_REDACT)

_STARTUP_TIMEOUT = 30.0


class _Server(uvicorn.Server):
    """uvicorn server that signals readiness through an event."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class NexusEmulator:
    """A local HTTP server speaking the Quantinuum Nexus REST API, backed by qiskit-aer.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with NexusEmulator() as emulator:
            print(emulator.url, emulator.token)

    Clients authenticate as on Nexus: the refresh token :attr:`token` goes in the ``myqos_oat``
    cookie to ``POST /auth/tokens/refresh``, which sets the access token cookie ``myqos_id``.

    Args:
        port: TCP port; 0 picks a free one.
        db: SQLite file keeping the state across restarts; ``None`` keeps it in memory.
        token: Refresh token clients must present; a random one when ``None``.
        host: Interface to bind.
        faults: Initial fault settings (:class:`FaultConfig` or a dictionary of its fields).
        tls_cert: PEM certificate file: serve HTTPS and WSS (needs ``tls_key``).  qnexus's
            default ``wait_for`` uses the status websocket over TLS; trust the certificate with
            ``SSL_CERT_FILE`` (or set ``NEXUS_HTTPX_VERIFY=false``).
        tls_key: PEM private key file of ``tls_cert``.
        max_body_bytes: Largest request body accepted; a larger one is answered 413 before it is
            read, parsed or authenticated (default 64 MiB).
    """

    def __init__(
        self,
        port: int = 0,
        db: str | Path | None = None,
        token: str | None = None,
        *,
        host: str = "127.0.0.1",
        faults: FaultConfig | Mapping[str, Any] | None = None,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._max_body_bytes = max_body_bytes
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("tls_cert and tls_key go together: give both or neither")
        self._tls = None if tls_cert is None else (str(tls_cert), str(tls_key))
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._db = None if db is None else Path(db)
        self._token = token or new_token()
        self._faults = FaultConfig.coerce(dict(faults) if isinstance(faults, Mapping) else faults)
        self._context: EmulatorContext | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------
    # lifecycle

    def start(self) -> NexusEmulator:
        """Start serving; returns once the server accepts connections.

        Raises:
            RuntimeError: If the emulator is already running or fails to start.
            OSError: If the port cannot be bound.
            sqlite3.Error: If the database file cannot be opened.
        """
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        store = Store(self._db)
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only for
        # sockets whose protocol says TCP; without it keep-alive requests stall 40 ms (Nagle).
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._requested_port))
        except OSError:
            sock.close()
            store.close()
            raise
        self._port = int(sock.getsockname()[1])
        store.recover()
        worker = Worker(store)
        context = EmulatorContext(
            store, TokenManager(self._token), FaultInjector(), worker, self._max_body_bytes
        )
        context.apply_faults(self._faults)
        config = uvicorn.Config(
            create_asgi_app(context),
            # httptools (uvicorn[standard]) parses requests several times faster than h11;
            # uvicorn falls back to h11 when it is not installed.
            http="auto",
            ws="websockets-sansio",  # the job status stream (qnexus's default wait_for)
            ssl_certfile=None if self._tls is None else self._tls[0],
            ssl_keyfile=None if self._tls is None else self._tls[1],
            lifespan="off",
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
        )
        server = _Server(config)

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException:  # a failed start must not leave start() waiting
                logger.exception("nexus emulator server stopped with an error")
            finally:
                server.ready.set()
                sock.close()

        thread = threading.Thread(target=serve, name="nexus-emulator-http", daemon=True)
        self._context, self._server, self._thread = context, server, thread
        worker.start()
        thread.start()
        if not server.ready.wait(_STARTUP_TIMEOUT) or not server.started:
            self.stop()
            raise RuntimeError("the Nexus emulator failed to start")
        logger.info("Nexus emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop the server and the worker (a running job resumes at the next start)."""
        server, thread, context = self._server, self._thread, self._context
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(30.0)
        if context is not None:
            context.worker.stop()
            context.store.close()
        self._server = self._thread = self._context = None

    def __enter__(self) -> NexusEmulator:
        return self.start() if self._thread is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------
    # addresses

    @property
    def running(self) -> bool:
        """Whether the server is running."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        """The TCP port (known once started)."""
        if self._port is None:
            raise RuntimeError("the emulator has not been started")
        return self._port

    @property
    def host(self) -> str:
        """The bound interface."""
        return self._host

    @property
    def url(self) -> str:
        """Base URL, such as ``http://127.0.0.1:8765`` (``https://`` when serving TLS)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{'https' if self._tls else 'http'}://{host}:{self.port}"

    @property
    def tls_cert(self) -> str | None:
        """The PEM certificate served (clients trust it with ``SSL_CERT_FILE``), or ``None``."""
        return None if self._tls is None else self._tls[0]

    @property
    def token(self) -> str:
        """The refresh token to give clients (cookie ``myqos_oat``)."""
        return self._token

    @property
    def db(self) -> Path | None:
        """The SQLite file, or ``None`` when the state is in memory."""
        return self._db

    def env(self) -> dict[str, str]:
        """Environment variables pointing ``qnexus`` at this emulator."""
        return {
            "NEXUS_PROTOCOL": "https" if self._tls else "http",
            "NEXUS_WEBSOCKETS_PROTOCOL": "wss" if self._tls else "ws",
            "NEXUS_DOMAIN": self._host,
            "NEXUS_PORT": str(self.port),
        }

    # ------------------------------------------------------------------------------------------
    # faults

    def set_faults(
        self,
        error_rate: float = 0.0,
        rate_limit_rate: float = 0.0,
        disconnect_rate: float = 0.0,
        latency: float = 0.0,
        fail_next_jobs: int = 0,
        access_token_ttl: float | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        """Replace the fault settings; calling it without arguments removes every fault.

        Args:
            error_rate: Fraction of requests answered 500 or 503.
            rate_limit_rate: Fraction of requests answered 429 (``Retry-After: 0``).
            disconnect_rate: Fraction of requests processed, then cut off without an answer.
            latency: Seconds added before each request.
            fail_next_jobs: Number of upcoming execute jobs that end in ``ERROR``
                (message ``"Injected failure"``).
            access_token_ttl: Lifetime of new access tokens in seconds (``None``: one hour).
            seed: Reseed the random draws, for reproducible fault sequences.
        """
        self._faults = FaultConfig(
            error_rate=error_rate,
            rate_limit_rate=rate_limit_rate,
            disconnect_rate=disconnect_rate,
            latency=latency,
            fail_next_jobs=fail_next_jobs,
            access_token_ttl=access_token_ttl,
            seed=seed,
        )
        if self._context is not None:
            self._context.apply_faults(self._faults)

    def expire_access_tokens(self) -> None:
        """Invalidate every access token issued so far, as if they had expired."""
        self._ctx.tokens.expire_access_tokens()

    def add_user(self, token: str | None = None) -> str:
        """Add a second (third...) user; it and :attr:`token`'s user cannot read each other's
        projects, circuits, jobs or results (403).  Users live in memory, like access tokens.

        Args:
            token: The new user's refresh token; a random one when ``None``.

        Returns:
            The new user's refresh token.
        """
        return self._ctx.tokens.add_user(token)[1]

    def purge_results(self, job_id: str) -> int:
        """Purge a job's results, as Nexus purges old data: reading them then answers 410.

        Returns:
            The number of results purged.
        """
        return self._ctx.store.purge_results(job_id)

    # ------------------------------------------------------------------------------------------
    # worker control and introspection

    @property
    def _ctx(self) -> EmulatorContext:
        if self._context is None:
            raise RuntimeError("the emulator is not running")
        return self._context

    def pause(self) -> None:
        """Keep new jobs ``QUEUED`` (not run) until :meth:`resume`."""
        self._ctx.worker.pause()

    def resume(self) -> None:
        """Run queued jobs again after :meth:`pause`."""
        self._ctx.worker.resume()

    def wait_idle(self, timeout: float | None = 60.0) -> bool:
        """Block until the worker has no job left to run; ``False`` on timeout."""
        return self._ctx.worker.wait_idle(timeout)

    def wait_requests_drained(self, timeout: float | None = 30.0) -> bool:
        """Block until no API request is being processed (for example after a client died).

        Returns:
            ``False`` if requests were still running after ``timeout`` seconds.
        """
        return self._ctx.faults.wait_drained(timeout)

    def job_count(self) -> int:
        """Number of jobs stored."""
        return self._ctx.store.count_jobs()

    def circuit_count(self) -> int:
        """Number of circuits stored."""
        return self._ctx.store.count_circuits()

    def property_definitions(self) -> list[dict[str, Any]]:
        """Every property definition, oldest first: ``project_id``, ``name``, ``property_type``,
        ``required``, ``description``."""
        return [
            {
                "project_id": d.project_id,
                "name": d.name,
                "property_type": d.property_type,
                "required": d.required,
                "description": d.description,
            }
            for d in self._ctx.store.all_property_definitions()
        ]

    def jobs(self) -> list[dict[str, Any]]:
        """Every job, oldest first: ``id``, ``name``, ``job_type``, ``status``, ``properties``..."""
        return [
            {
                "id": job.id,
                "name": job.name,
                "job_type": job.job_type,
                "status": job.status_name,
                "message": job.status.get("message", ""),
                "properties": job.properties,
                "project_id": job.project_id,
                "created": job.created,
                "n_items": len(self._ctx.store.get_items(job.id)),
            }
            for job in self._ctx.store.all_jobs()
        ]

    def request_log(self) -> list[dict[str, Any]]:
        """Recent requests: ``method``, ``path``, ``status`` and injected ``fault`` (or None)."""
        return self._ctx.faults.request_log()

    def fault_counts(self) -> dict[str, int]:
        """Counters: ``requests`` and one per kind of injected fault."""
        return self._ctx.faults.counts()

    def clear_request_log(self) -> None:
        """Forget the request log and counters."""
        self._ctx.faults.clear_log()
