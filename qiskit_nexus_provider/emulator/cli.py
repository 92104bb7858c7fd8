"""Command line of the emulator: ``qiskit-nexus emulator [options]``.

:func:`add_arguments` declares the options on a parser (a sub-command's parser, typically) and
:func:`run` runs the emulator with the parsed arguments until interrupted (Ctrl-C or SIGTERM),
after printing a banner with the lines a provider user and a qnexus user need to reach it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from qiskit_nexus_provider.emulator.gc_tuning import tune_gc

__all__ = ["add_arguments", "run"]


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _non_negative(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError("must be >= 0")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser``.

    Args:
        parser: The parser of the ``emulator`` command.
    """
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument("--port", type=_non_negative(int), default=0, help="port (0: any free)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file keeping state across restarts")
    parser.add_argument("--token", metavar="T", help="refresh token to accept (default: random)")
    parser.add_argument(
        "--tls-cert",
        metavar="FILE",
        help="PEM certificate: serve HTTPS/WSS (qnexus's default wait_for needs it)",
    )
    parser.add_argument("--tls-key", metavar="FILE", help="PEM private key of --tls-cert")
    faults = parser.add_argument_group("fault injection")
    faults.add_argument("--error-rate", type=_rate, default=0.0, help="fraction answered 500/503")
    faults.add_argument("--rate-limit-rate", type=_rate, default=0.0, help="fraction answered 429")
    faults.add_argument(
        "--disconnect-rate", type=_rate, default=0.0, help="fraction processed then cut off"
    )
    faults.add_argument(
        "--latency", type=_non_negative(float), default=0.0, help="seconds added per request"
    )
    faults.add_argument(
        "--fail-next-jobs",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="make the next N execute jobs fail",
    )
    faults.add_argument(
        "--access-token-ttl",
        type=_non_negative(float),
        default=None,
        metavar="S",
        help="lifetime of access tokens in seconds (default 3600)",
    )
    faults.add_argument("--seed", type=int, default=None, help="seed of the fault draws")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests and jobs")


def _banner(emulator: Any, out: TextIO, token_dir: Path | None = None) -> None:
    """Print the URL, the token, and the exact lines a provider user and a qnexus user need.

    No line touches the user's real Nexus credentials: the provider gets the token as an
    argument or in ``QISKIT_NEXUS_TOKEN``; qnexus reads it from ``token_dir`` (a folder of the
    emulator's own, ``NEXUS_TOKEN_PATH``) and, with ``NEXUS_STORE_TOKENS=false``, writes nothing,
    so ``~/.qnx/auth`` is neither read nor overwritten.
    """
    env = emulator.env()
    address = [f"  export {key}={value}" for key, value in env.items() if "WEBSOCKETS" not in key]
    # Over TLS: qnexus (httpx, websockets) trusts SSL_CERT_FILE, requests REQUESTS_CA_BUNDLE.
    cert = getattr(emulator, "tls_cert", None)
    trust = [f"  export SSL_CERT_FILE={cert} REQUESTS_CA_BUNDLE={cert}"] if cert else []
    lines = [
        f"Nexus emulator running at {emulator.url}",
        f"Refresh token: {emulator.token}",
        f"State: {emulator.db or 'in memory'}",
        "",
        "qiskit-nexus-provider, in Python:",
        f'  provider = NexusProvider(token="{emulator.token}", url="{emulator.url}")',
        "or in the shell (NexusProvider() and the qiskit-nexus commands then find the emulator):",
        f"  export QISKIT_NEXUS_TOKEN={emulator.token}",
        *address,
        *trust,
    ]
    if token_dir is not None:
        lines += [
            "",
            "qnexus (your own ~/.qnx/auth is neither read nor written):",
            *(f"  export {key}={value}" for key, value in env.items()),
            *trust,
            f"  export NEXUS_TOKEN_PATH={token_dir}",
            "  export NEXUS_STORE_TOKENS=false",
        ]
    lines += ["", "Press Ctrl-C to stop."]
    print("\n".join(lines), file=out, flush=True)


def _write_qnexus_token_dir(token: str) -> Path:
    """A private folder holding the emulator's refresh token as qnexus's ``token.json``."""
    directory = Path(tempfile.mkdtemp(prefix="qiskit-nexus-emulator-"))  # mode 0700
    path = directory / "token.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"data": {"refresh_token": token, "delete_version_after": None}}, handle)
    return directory


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the emulator until Ctrl-C (or SIGTERM); returns the exit status.

    Args:
        args: Arguments parsed with the options of :func:`add_arguments`.
        out: Where to print the URL, token and environment (standard output by default).

    Returns:
        0 after a clean shutdown, 1 if the emulator could not start.
    """
    out = out or sys.stdout
    # Loading Qiskit, qiskit-aer and the web server takes seconds (10 on a busy 2-core
    # machine): say so at once, before the imports, rather than print nothing until the banner.
    where = f"{args.host}:{args.port}" if args.port else f"{args.host}, on a free port"
    print(
        f"Starting the Nexus emulator ({where}): loading Qiskit, qiskit-aer and the web "
        "server takes a few seconds...",
        file=out,
        flush=True,
    )
    from qiskit_nexus_provider.emulator.faults import FaultConfig
    from qiskit_nexus_provider.emulator.server import NexusEmulator

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.verbose:
        logging.getLogger("qiskit_nexus_provider.emulator").setLevel(logging.DEBUG)
    try:
        faults = FaultConfig(
            error_rate=args.error_rate,
            rate_limit_rate=args.rate_limit_rate,
            disconnect_rate=args.disconnect_rate,
            latency=args.latency,
            fail_next_jobs=args.fail_next_jobs,
            access_token_ttl=args.access_token_ttl,
            seed=args.seed,
        )
        emulator = NexusEmulator(
            port=args.port,
            db=args.db,
            token=args.token,
            host=args.host,
            faults=faults,
            tls_cert=getattr(args, "tls_cert", None),
            tls_key=getattr(args, "tls_key", None),
        )
        emulator.start()
    except (ValueError, OSError, RuntimeError, sqlite3.Error) as exc:
        print(f"error: cannot start the Nexus emulator: {exc}", file=sys.stderr)
        return 1
    tune_gc()  # this process runs nothing but the emulator
    stop = threading.Event()
    previous = _install_stop_handlers(stop)
    token_dir: Path | None = None
    try:
        try:
            token_dir = _write_qnexus_token_dir(emulator.token)
        except OSError as exc:  # qnexus users lose a convenience, nobody else
            print(f"warning: no token folder for qnexus: {exc}", file=sys.stderr)
        _banner(emulator, out, token_dir)
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        if token_dir is not None:
            shutil.rmtree(token_dir, ignore_errors=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        print("Nexus emulator stopped.", file=out, flush=True)
    return 0


def _install_stop_handlers(stop: threading.Event) -> dict[int, Any]:
    """Make SIGINT (Ctrl-C) and SIGTERM set ``stop``; return the handlers they replace.

    Installed explicitly, SIGINT included: a shell that starts a command in the background
    (``qiskit-nexus emulator &`` in a script) sets SIGINT to *ignored*, and Python then never
    turns it into :class:`KeyboardInterrupt`.  uvicorn, running on a background thread here,
    installs no handlers of its own (it does so only on the main thread).  Off the main thread,
    where signals cannot be handled, nothing is installed.
    """
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous
