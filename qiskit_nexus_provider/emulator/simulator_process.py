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
Requests are pickled frames on the child's standard input, answers on a pipe of their own.

If the child dies (killed, out of memory), :func:`simulate` raises
:class:`SimulationProcessError`: the chunk's items fail with that message and the next chunk
starts a new child; the emulator lives on.  An emulator that stops kills the child if it is
simulating for it (:func:`interrupt`): its job stays ``RUNNING`` and resumes at the next start,
as it did when the emulator stopped between chunks.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

from qiskit_nexus_provider.emulator.gc_tuning import tune_gc

__all__ = ["SimulationInterrupted", "SimulationProcessError", "interrupt", "simulate"]

logger = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")


class SimulationProcessError(RuntimeError):
    """The simulation process died before answering."""


def _gc_settings() -> tuple[tuple[int, ...], int]:
    """The child's collector thresholds and number of frozen objects (for diagnostics)."""
    return gc.get_threshold(), gc.get_freeze_count()


def _functions() -> dict[str, Any]:
    """What the child may be asked to run (imported in the child only, with qiskit-aer, so that
    :func:`.tune_gc` freezes their objects)."""
    import qiskit_aer  # noqa: F401

    from qiskit_nexus_provider.emulator.qir_program import run_program
    from qiskit_nexus_provider.emulator.simulation import run_batch

    return {"run_batch": run_batch, "run_program": run_program, "gc_settings": _gc_settings}


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
    """One child process and the pipes to it; one call at a time.

    Requests go to its standard input; answers come back on a pipe of their own (its file
    descriptor passed to the child), so that nothing the child or a library prints (a ``.pth``
    file at start-up, C++ code writing to file descriptor 1) can be read as an answer.
    """

    def __init__(self) -> None:
        read_end, write_end = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(write_end)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                pass_fds=(write_end,),
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        finally:
            os.close(write_end)
        assert self.process.stdin is not None
        self.requests: IO[bytes] = self.process.stdin
        self.answers: IO[bytes] = os.fdopen(read_end, "rb")

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

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.requests, self.answers):
            with contextlib.suppress(OSError):
                stream.close()


_lock = threading.Lock()
"""Held by the call in progress: one simulation at a time in a process."""
_state = threading.Lock()
"""Guards :data:`_child` and :data:`_running_for` (never held during a call)."""
_child: _Child | None = None
_running_for: object | None = None


class SimulationInterrupted(SimulationProcessError):
    """:func:`interrupt` stopped the simulation (its emulator is stopping)."""


def simulate(
    name: str,
    *args: Any,
    owner: object | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Any:
    """Run the simulation function ``name`` (``"run_batch"`` or ``"run_program"``) on ``args``
    in the simulation process; its return value, or the exception it raised.

    One simulation runs at a time in a Python process (each emulator ran one at a time on its
    worker thread before): the calls of several emulators in one process wait for each other.

    Args:
        name: The function.
        args: Its arguments (pickled).
        owner: Who asks (an emulator's store), for :func:`interrupt`.
        should_stop: Checked while waiting for the call in progress of another owner: when it
            returns ``True`` the wait ends with :class:`SimulationInterrupted`.

    Raises:
        SimulationProcessError: the process died (it is started again at the next call).
        SimulationInterrupted: :func:`interrupt` or ``should_stop`` ended the call.
    """
    global _child, _running_for
    while not _lock.acquire(timeout=0.1):
        if should_stop is not None and should_stop():
            raise SimulationInterrupted("the emulator is stopping")
    try:
        with _state:
            if _child is None or _child.process.poll() is not None:
                _child = _Child()
            child = _child
            _running_for = owner
        try:
            return child.call(name, args)
        except SimulationProcessError:
            with _state:
                if _child is child:
                    _child = None
            child.kill()
            if should_stop is not None and should_stop():
                raise SimulationInterrupted("the emulator is stopping") from None
            raise
        finally:
            with _state:
                _running_for = None
    finally:
        _lock.release()


def interrupt(owner: object) -> bool:
    """Kill the simulation process if it is simulating for ``owner`` (an emulator that stops);
    whether it was.  The next call starts a new process."""
    with _state:
        child = _child if _running_for is owner and owner is not None else None
    if child is None:
        return False
    child.process.kill()
    return True


@atexit.register
def _stop() -> None:
    """End the child at exit, without waiting for a simulation in progress."""
    with _state:
        child = _child
    if child is None:
        return
    try:
        child.requests.close()  # an idle child ends at the end of its input
        child.process.wait(timeout=2)
    except Exception:
        child.process.kill()
    with contextlib.suppress(OSError):
        child.answers.close()


def _serve(answer_fd: int) -> None:
    """The child's loop: answer requests until the end of the input."""
    requests = sys.stdin.buffer
    answers = os.fdopen(answer_fd, "wb")
    os.dup2(2, 1)  # what anything writes to standard output goes to standard error
    sys.stdout = sys.stderr
    functions = _functions()
    tune_gc()  # the child runs nothing but simulations: Qiskit and qiskit-aer are frozen
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
    _serve(int(sys.argv[1]))
