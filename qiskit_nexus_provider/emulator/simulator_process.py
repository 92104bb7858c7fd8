"""Simulations in a process of their own, so that the emulator answers requests while they run.

qiskit-aer holds the interpreter lock while it simulates: a thread counting in Python ran at a
twelfth of its speed during an Aer call.  With simulations on the worker thread, the emulator's
HTTP server stopped answering while a job ran: during a noisy 16-qubit ``H2-1E`` job of 300
shots, ``GET /_emulator/health`` took 22.2 s, the length of the job (2026-12-01, 2 cores).
Nexus answers status queries, uploads and downloads while jobs run, and a client whose read
timeout is shorter than a simulation failed against the emulator only.  A simulation that ran
out of memory also took the whole emulator down.

:func:`simulate` therefore runs each chunk's simulation in a child process, one per interpreter,
shared by every emulator in it and started on first use, while the worker thread waits without
holding the lock.  The child is ``python -m qiskit_nexus_provider.emulator.simulator_process``,
not a :mod:`multiprocessing` child: those import the parent's ``__main__`` again (the ``spawn``
and ``forkserver`` methods), which runs a user's script a second time when it has no
``if __name__ == "__main__"`` guard, and ``fork`` is unsafe beside the server's threads.
Requests and answers are pickled frames on the child's standard input and output; the child
writes nothing else there (its ``sys.stdout`` is its standard error).

If the child dies (killed, out of memory), :func:`simulate` raises
:class:`SimulationProcessError`: the chunk's items fail with that message and the next chunk
starts a new child; the emulator lives on.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
from typing import IO, Any

__all__ = ["SimulationProcessError", "simulate"]

logger = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")


class SimulationProcessError(RuntimeError):
    """The simulation process died before answering."""


def _functions() -> dict[str, Any]:
    """What the child may be asked to run (imported in the child only)."""
    from qiskit_nexus_provider.emulator.qir_program import run_program
    from qiskit_nexus_provider.emulator.simulation import run_batch

    return {"run_batch": run_batch, "run_program": run_program}


def _write(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other side closed the pipe")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other side closed the pipe")
    return pickle.loads(data)


class _Child:
    """One child process and the pipes to it; one call at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests: IO[bytes] = self.process.stdin
        self.answers: IO[bytes] = self.process.stdout

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        try:
            _write(self.requests, (name, args))
            ok, value = _read(self.answers)
        except (OSError, EOFError, pickle.UnpicklingError):
            code = self.process.poll()
            raise SimulationProcessError(
                "the simulation process died"
                + (f" (exit status {code})" if code is not None else "")
                + "; it may have run out of memory: simulate fewer qubits"
            ) from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        try:
            self.requests.close()  # the child ends at the end of its input
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()


_lock = threading.Lock()
_child: _Child | None = None


def simulate(name: str, *args: Any) -> Any:
    """Run the simulation function ``name`` (``"run_batch"`` or ``"run_program"``) on ``args``
    in the simulation process; its return value, or the exception it raised.

    Raises:
        SimulationProcessError: the process died (it is started again at the next call).
    """
    global _child
    with _lock:  # one simulation at a time, as on the worker threads before
        if _child is None or _child.process.poll() is not None:
            _child = _Child()
        child = _child
        try:
            return child.call(name, args)
        except SimulationProcessError:
            child.process.kill()
            _child = None
            raise


@atexit.register
def _stop() -> None:
    with _lock:
        if _child is not None:
            _child.close()


def _serve() -> None:
    """The child's loop: answer requests until the end of the input."""
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers goes to the parent's pipe
    functions = _functions()
    while True:
        try:
            name, args = _read(requests)
        except EOFError:
            return
        try:
            answer = (True, functions[name](*args))
        except Exception as exc:
            answer = (False, exc)
        try:
            _write(answers, answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # an odd exception
            _write(answers, (False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))
            logger.debug("unpicklable answer: %s", exc)


if __name__ == "__main__":
    _serve()
