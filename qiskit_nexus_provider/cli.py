"""The ``qiskit-nexus`` command line.

Sub-commands: ``demo``, ``emulator``, ``backends``, ``jobs``, ``job show|result|cancel ID``.
``--json`` prints machine-readable output.  Exit codes (:data:`EXIT_OK` and the others, as
``docs/cli.rst`` documents them): 0 success, 1 a job failed or was cancelled, 2 bad usage or input
(unknown job id or backend name, corrupt file, bad option), 3 Nexus unreachable or authentication
failed, 4 ``job result`` timed out (the job keeps running), 130 interrupted.  Every error is one
line on standard error.  Output into a pipe its reader closed (``| head``) ends the command
quietly, with 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_REMOTE, EXIT_TIMEOUT = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130

DESCRIPTION = """\
Run Qiskit circuits on Quantinuum Nexus, on the offline simulators or on a local Nexus
emulator; list the backends and the persisted jobs; show a job, wait for its result, cancel it.
"""
EPILOG = """\
exit codes:
  0    success
  1    a job failed or was cancelled (job result)
  2    bad usage or input: unknown job id or backend name, corrupt store file, invalid option
  3    Nexus unreachable, or authentication failed
  4    the job was not final within --timeout seconds (job result); it keeps running
  130  interrupted (Ctrl-C)
"""


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
    # Persisted, so that the id printed is one `qiskit-nexus jobs` and `job show` find.
    job.persist()
    counts = {c.name: result.get_counts(i) for i, c in enumerate(circuits)}
    lines = [f"backend: {backend.name}   job: {job.job_id()}   shots: {args.shots}"]
    lines += [f"  {name:10s} {dict(sorted(c.items()))}" for name, c in counts.items()]
    lines += [
        f"The job is persisted in {provider.store_path}: `qiskit-nexus jobs` lists it,",
        f"`qiskit-nexus job result {job.job_id()}` prints its counts again.",
    ]
    _print(
        args, {"backend": backend.name, "job_id": job.job_id(), "counts": counts}, "\n".join(lines)
    )
    return EXIT_OK


# -- backends ---------------------------------------------------------------------------------
def _backends(args: argparse.Namespace) -> int:
    provider = _provider(args)
    # strict: a token that Nexus rejects, or a Nexus that cannot be reached, is an error (exit 3),
    # not a warning followed by the offline simulators alone.
    table = provider.backends(strict=True)
    if not provider.remote.has_token:
        from .provider import TOKEN_WAYS

        print(
            f"note: no Nexus token found; to list Nexus devices, give one with {TOKEN_WAYS}.",
            file=sys.stderr,
        )
    data = [
        dict(zip(("name", "kind", "qubits", "max_circuits", "description"), r, strict=True))
        for r in table.rows()
    ]
    _print(args, data, str(table))
    return EXIT_OK


# -- jobs -------------------------------------------------------------------------------------
def _listing_problem(record: Any) -> str | None:
    """What makes a readable record unlistable: ``state`` is free-form, so a checksum-valid but
    edited record may hold a composite's ``slots`` or a slot's ``parent`` of the wrong type."""
    state = record.state
    if "parent" in state and not isinstance(state["parent"], str):
        return f"'parent' is a {type(state['parent']).__name__}, not a job id"
    if record.kind == "composite" and not isinstance(state.get("slots"), list):
        return "a composite record without a list of 'slots'"
    return None


def _jobs_table(rows: list[dict[str, Any]]) -> str:
    """The ``jobs`` listing as text: a header row, then one row a job in the store's order.

    Each column is as wide as its widest cell, so the header stays over its values.
    """
    columns = ("job_id", "kind", "backend", "created")
    headers = ("JOB ID", "KIND", "BACKEND", "CREATED")
    readable = [row for row in rows if "error" not in row]
    widths = [
        max(len(header), *(len(str(row[key])) for row in readable))
        for key, header in zip(columns, headers, strict=True)
    ]
    widths[0] = max(widths[0], *(len(row["job_id"]) for row in rows))

    def line(cells: Sequence[str], last: str) -> str:
        padded = (f"{cell:{width}s}" for cell, width in zip(cells, widths, strict=True))
        return "  ".join([*padded, last])

    lines = [line(headers, "STATUS")]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['job_id']:{widths[0]}s}  UNREADABLE: {row['error']}")
            continue
        status = row["status"]
        if "sub_jobs" in row:
            status += f" ({row['sub_jobs']} sub-jobs)"
        lines.append(line([str(row[key]) for key in columns], status))
    return "\n".join(lines)


def _jobs(args: argparse.Namespace) -> int:
    provider = _provider(args)
    rows = []
    for job_id, record in provider.jobs():
        problem = str(record) if isinstance(record, Exception) else _listing_problem(record)
        if problem is not None:
            rows.append({"job_id": job_id, "error": problem})
        elif "parent" not in record.state:
            row = {
                "job_id": job_id,
                "kind": record.kind,
                "backend": record.backend.name,
                "created": record.created.isoformat(timespec="seconds"),
                # A composite's status is the aggregate of its sub-jobs', recorded once final.
                "status": record.status or "UNFINISHED",
            }
            if record.kind == "composite":
                row["sub_jobs"] = len(record.state.get("slots") or [])
            rows.append(row)
    if args.json:
        _print(args, rows, "")
    elif not rows:
        print(f"No persisted jobs in {provider.store_path}.")
    else:
        print(_jobs_table(rows))
    return EXIT_OK


def _wait_with_progress(job: Any, timeout: float | None) -> None:
    """Wait for a job, with a tqdm line (status, elapsed time) when stderr is a terminal."""
    from .progress import progress_enabled

    composite = hasattr(job, "sub_jobs")  # draws its own bar of sub-jobs
    if composite or not progress_enabled(True) or job.in_final_state():
        job.wait_for_final_state(timeout=timeout)
        return
    from tqdm.auto import tqdm

    with tqdm(
        desc=f"Waiting for job {job.job_id()}",
        bar_format="{desc}: {postfix} [{elapsed}]",
        postfix="submitted",
        leave=False,
    ) as bar:

        def show(_job_id: str, status: Any, _job: Any) -> None:
            bar.set_postfix_str(getattr(status, "name", str(status)))

        job.wait_for_final_state(timeout=timeout, callback=show)


def _job(args: argparse.Namespace) -> int:
    from .exceptions import CompositeJobError, JobCancelledError, JobFailedError

    # --url wins over the URL recorded with a persisted job (e.g. an emulator restarted on
    # another port); without it, a persisted job is reached where it was submitted.
    job = _provider(args).retrieve_job(args.job_id, url=args.url)
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
        _wait_with_progress(job, args.timeout)
        result = job.result(timeout=args.timeout)
    except (JobFailedError, JobCancelledError, CompositeJobError) as exc:
        # One line prefixed "error:", like every other error of the command (docs/cli.rst).
        print(f"error: {_one_line(exc)}", file=sys.stderr)
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


def _version() -> str:
    from . import __version__

    return __version__


def _command(
    sub: Any, name: str, summary: str, description: str, **kwargs: Any
) -> argparse.ArgumentParser:
    """A sub-command whose ``--help`` says what it does (``summary`` is its line in the list)."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=description, **kwargs
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qiskit-nexus``."""
    from .store import default_store_path

    parser = argparse.ArgumentParser(
        prog="qiskit-nexus",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument(
        "--token",
        default=None,
        help="Nexus refresh token (default: $QISKIT_NEXUS_TOKEN, then the token files of "
        "`qnx login` in ~/.qnx/auth or $NEXUS_TOKEN_PATH)",
    )
    common.add_argument(
        "--url",
        default=None,
        help="Nexus base URL; for a persisted job, used instead of the recorded one (default: "
        "$NEXUS_PROTOCOL://$NEXUS_DOMAIN:$NEXUS_PORT when any is set, else "
        "https://nexus.quantinuum.com)",
    )
    store_default = str(default_store_path()).replace("%", "%%")
    common.add_argument(
        "--store-path", default=None, help=f"folder of persisted jobs (default: {store_default})"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = _command(
        sub,
        "demo",
        "Bell pair and a small batch, offline",
        "Run a Bell pair and four basis-state circuits on the offline simulator (no account), "
        "print their counts, and persist the job (`qiskit-nexus jobs` lists it).",
        parents=[common],
    )
    demo.add_argument("--backend", default="offline_simulator_no_noise", help="(%(default)s)")
    demo.add_argument("--shots", type=int, default=100, help="(%(default)s)")
    demo.add_argument("--seed", type=int, default=None, help="simulator seed")
    demo.set_defaults(func=_demo)

    _command(
        sub,
        "backends",
        "table of backends (Nexus devices when a token is found)",
        "List the offline simulators and, when a token is found, the Nexus devices: name, kind, "
        "qubits, largest batch per job, description.",
        parents=[common],
    ).set_defaults(func=_backends)
    _command(
        sub,
        "jobs",
        "persisted jobs and their status",
        "List the jobs persisted in the store (job.persist(), or the demo) with their kind, "
        "backend, creation time and status.",
        parents=[common],
    ).set_defaults(func=_jobs)

    job = sub.add_parser(
        "job",
        parents=[common],
        help="show one job, wait for and print its result, or cancel it",
        description="show: status (a table of sub-jobs for a composite job); result: wait "
        "(--timeout seconds at most) and print the counts; cancel: cancel the job.",
    )
    # The metavars name the arguments as the usage line shows them, so that argparse's
    # "the following arguments are required: ..." names what the user has to type.
    job.add_argument(
        "action",
        metavar="{show,result,cancel}",
        choices=["show", "result", "cancel"],
        help="what to do with the job",
    )
    job.add_argument(
        "job_id", metavar="JOB_ID", help="the job's id (`qiskit-nexus jobs` lists persisted jobs)"
    )
    job.add_argument("--timeout", type=float, default=None, help="seconds to wait for a result")
    job.set_defaults(func=_job)

    emulator = _command(
        sub,
        "emulator",
        "run a local Nexus emulator until Ctrl-C",
        "Run a local Nexus emulator (HTTP, 127.0.0.1 by default) until Ctrl-C, and print its "
        "URL, a token and the lines that point NexusProvider(), the qiskit-nexus commands and "
        "qnexus at it.  Starting takes a few seconds.",
    )
    from .emulator import cli as emulator_cli

    emulator_cli.add_arguments(emulator)
    emulator.set_defaults(func=_emulator, json=False)
    return parser


def _one_line(exc: BaseException) -> str:
    """The error's message on one line (without the quotes ``QiskitError.__str__`` adds)."""
    from qiskit.exceptions import QiskitError

    message = getattr(exc, "message", None)
    text = message if isinstance(exc, QiskitError) and isinstance(message, str) else str(exc)
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``qiskit-nexus`` with ``argv`` and return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING)
    from qiskit.providers import JobTimeoutError, QiskitBackendNotFoundError

    from .api.errors import NexusAPIError, NexusConnectionError
    from .exceptions import NexusProviderError

    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except NexusAPIError as exc:
        message = _one_line(exc)
        if isinstance(exc, NexusConnectionError) and "Check the address" not in message:
            message += (  # the cause is named; say what to do (the provider's do, listing)
                "  Check that Nexus (or the emulator) runs at that address; --url gives another"
                " one (for a persisted job, used instead of the URL recorded with it)."
            )
        print(f"error: {message}", file=sys.stderr)
        return EXIT_REMOTE
    except (QiskitBackendNotFoundError, NexusProviderError, ValueError, PermissionError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except JobTimeoutError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_TIMEOUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``qiskit-nexus backends | head``): not an error of ours, so no
        # traceback.  Standard output goes to devnull so that the flush at exit fails no more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
