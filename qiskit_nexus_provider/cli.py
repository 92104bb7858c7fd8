"""The ``qiskit-nexus`` command line.

Sub-commands: ``demo``, ``emulator``, ``backends``, ``jobs``, ``job show|result|cancel ID``.
``--json`` prints machine-readable output.  Exit codes: 0 success, 1 a job failed or was
cancelled, 2 bad usage or input (unknown job id, corrupt file, bad option), 3 Nexus unreachable or
authentication failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_REMOTE = 0, 1, 2, 3


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def _provider(args: argparse.Namespace) -> Any:
    from .provider import NexusProvider

    return NexusProvider(token=args.token, url=args.url, store_path=args.store_path)


# -- demo -------------------------------------------------------------------------------------
def _demo(args: argparse.Namespace) -> int:
    from qiskit import QuantumCircuit, transpile

    provider = _provider(args)
    backend = provider.get_backend(args.backend)
    bell = QuantumCircuit(2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    batch = []
    for value in range(4):
        qc = QuantumCircuit(3, 3, name=f"encode-{value}")
        for bit in range(3):
            if (value >> bit) & 1:
                qc.x(bit)
        qc.measure(range(3), range(3))
        batch.append(qc)
    circuits = transpile([bell, *batch], backend, seed_transpiler=7)
    job = backend.run(circuits, shots=args.shots, seed_simulator=args.seed)
    result = job.result()
    counts = {c.name: result.get_counts(i) for i, c in enumerate(circuits)}
    lines = [f"backend: {backend.name}   job: {job.job_id()}   shots: {args.shots}"]
    lines += [f"  {name:10s} {dict(sorted(c.items()))}" for name, c in counts.items()]
    _print(
        args, {"backend": backend.name, "job_id": job.job_id(), "counts": counts}, "\n".join(lines)
    )
    return EXIT_OK


# -- backends ---------------------------------------------------------------------------------
def _backends(args: argparse.Namespace) -> int:
    table = _provider(args).backends()
    data = [
        dict(zip(("name", "kind", "qubits", "max_circuits", "description"), r, strict=True))
        for r in table.rows()
    ]
    _print(args, data, str(table))
    return EXIT_OK


# -- jobs -------------------------------------------------------------------------------------
def _jobs(args: argparse.Namespace) -> int:
    provider = _provider(args)
    rows = []
    for job_id, record in provider.jobs():
        if isinstance(record, Exception):
            rows.append({"job_id": job_id, "error": str(record)})
        elif "parent" not in record.state:
            rows.append(
                {
                    "job_id": job_id,
                    "kind": record.kind,
                    "backend": record.backend.name,
                    "created": record.created.isoformat(timespec="seconds"),
                    "status": record.status or "-",
                }
            )
    if args.json:
        _print(args, rows, "")
    elif not rows:
        print(f"No persisted jobs in {provider.store_path}.")
    else:
        for row in rows:
            if "error" in row:
                print(f"{row['job_id']}  UNREADABLE: {row['error']}")
            else:
                print(
                    f"{row['job_id']}  {row['kind']:9s}  {row['backend']:28s}  "
                    f"{row['created']}  {row['status']}"
                )
    return EXIT_OK


def _job(args: argparse.Namespace) -> int:
    from .exceptions import CompositeJobError, JobCancelledError, JobFailedError

    job = _provider(args).retrieve_job(args.job_id)
    if args.action == "show":
        status = job.status()
        data = {"job_id": job.job_id(), "backend": job.backend().name, "status": status.name}
        text = f"{job.job_id()}  {job.backend().name}  {status.name}"
        if hasattr(job, "report"):
            text = job.report()
        _print(args, data, text)
        return EXIT_OK
    if args.action == "cancel":
        accepted = job.cancel()
        _print(
            args,
            {"job_id": job.job_id(), "cancelled": accepted},
            "cancellation requested" if accepted else "job already final; nothing to cancel",
        )
        return EXIT_OK
    try:
        result = job.result(timeout=args.timeout)
    except (JobFailedError, JobCancelledError, CompositeJobError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_JOB_FAILED
    counts = [result.get_counts(i) for i in range(len(result.results))]
    text = "\n".join(
        f"{i:4d} {r.header.get('name', '') if isinstance(r.header, dict) else ''}: {c}"
        for i, (r, c) in enumerate(zip(result.results, counts, strict=True))
    )
    _print(args, {"job_id": job.job_id(), "counts": counts}, text)
    return EXIT_OK


# -- emulator ---------------------------------------------------------------------------------
def _emulator(args: argparse.Namespace) -> int:
    from .emulator import cli as emulator_cli

    return int(emulator_cli.run(args))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qiskit-nexus``."""
    parser = argparse.ArgumentParser(prog="qiskit-nexus", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument("--token", default=None, help="Nexus refresh token (default: env/qnexus)")
    common.add_argument("--url", default=None, help="Nexus base URL (default: env/qnexus)")
    common.add_argument("--store-path", default=None, help="folder of persisted jobs")
    common.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", parents=[common], help="Bell pair and a small batch, offline")
    demo.add_argument("--backend", default="offline_simulator_no_noise")
    demo.add_argument("--shots", type=int, default=100)
    demo.add_argument("--seed", type=int, default=None, help="simulator seed")
    demo.set_defaults(func=_demo)

    sub.add_parser("backends", parents=[common], help="table of backends").set_defaults(
        func=_backends
    )
    sub.add_parser("jobs", parents=[common], help="persisted jobs").set_defaults(func=_jobs)

    job = sub.add_parser("job", parents=[common], help="show, collect or cancel one job")
    job.add_argument("action", choices=["show", "result", "cancel"])
    job.add_argument("job_id")
    job.add_argument("--timeout", type=float, default=None, help="seconds to wait for a result")
    job.set_defaults(func=_job)

    emulator = sub.add_parser("emulator", help="run a local Nexus emulator")
    try:
        from .emulator import cli as emulator_cli

        emulator_cli.add_arguments(emulator)
    except ImportError:  # pragma: no cover - the emulator ships with the package
        pass
    emulator.set_defaults(func=_emulator, json=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``qiskit-nexus`` with ``argv`` and return the exit code."""
    from qiskit.providers import QiskitBackendNotFoundError

    from .exceptions import NexusProviderError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING)
    try:
        return int(args.func(args))
    except (QiskitBackendNotFoundError, NexusProviderError, ValueError, PermissionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from .api.errors import NexusAPIError

        if isinstance(exc, NexusAPIError):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_REMOTE
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
