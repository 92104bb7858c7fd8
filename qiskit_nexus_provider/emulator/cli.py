"""Command line of the emulator: ``qiskit-nexus emulator [options]``.

:func:`add_arguments` declares the options on a parser (a sub-command's parser, typically) and
:func:`run` runs the emulator with the parsed arguments until interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

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


def _banner(emulator: Any, out: TextIO) -> None:
    env = emulator.env()
    lines = [
        f"Nexus emulator running at {emulator.url}",
        f"Refresh token: {emulator.token}",
        f"State: {emulator.db or 'in memory'}",
        "",
        "Point qnexus at it with:",
        *(f"  export {key}={value}" for key, value in env.items()),
        *([f"  export SSL_CERT_FILE={emulator.tls_cert}"] if emulator.tls_cert else []),
        "  python -c 'import qnexus as qnx; qnx.login_with_token(\"<token>\")'",
        "",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), file=out, flush=True)


def _tune_gc() -> None:
    """Make the garbage collector cheap for a process that only runs the emulator.

    With CPython's default thresholds, decoding one uploaded circuit (thousands of small lists
    and dictionaries) sets off collections that walk every object of the process, hundreds of
    thousands once Qiskit is loaded: several times the cost of the decoding itself.  Objects
    that exist after start-up are frozen out of the collections, and young collections run
    after 50,000 allocations instead of 700.  Only done here, where the emulator owns the
    process: :class:`~qiskit_nexus_provider.emulator.NexusEmulator` leaves its host's collector
    alone.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(50_000, max(gen1, 20), gen2)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the emulator until Ctrl-C (or SIGTERM); returns the exit status.

    Args:
        args: Arguments parsed with the options of :func:`add_arguments`.
        out: Where to print the URL, token and environment (standard output by default).

    Returns:
        0 after a clean shutdown, 1 if the emulator could not start.
    """
    from qiskit_nexus_provider.emulator.faults import FaultConfig
    from qiskit_nexus_provider.emulator.server import NexusEmulator

    out = out or sys.stdout
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
    _tune_gc()
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        _banner(emulator, out)
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        print("Nexus emulator stopped.", file=out, flush=True)
    return 0
