"""Run the Nexus emulator in its own process for benchmarks (so no client shares its GIL)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any


class EmulatorProcess:
    """``qiskit-nexus emulator`` in a subprocess; ``url`` and ``token`` once started."""

    def __init__(self, *extra_args: str) -> None:
        self.extra_args = list(extra_args)  # e.g. "--latency", "0.05"
        self.token = secrets.token_hex(16)
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorProcess:
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "qiskit_nexus_provider.emulator",
                "--port",
                "0",
                "--token",
                self.token,
                *self.extra_args,
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "QISKIT_NEXUS_PROGRESS": "0"},
        )
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if match:
                self.url = match.group(1)
                break
        if not self.url:
            raise RuntimeError("the emulator did not print its URL")
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the emulator has used so far (Linux /proc): its process,
        its simulation process (``emulator/simulator_process.py``) and any other child."""
        return sum(_cpu(pid) for pid in _family(self.pid))

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def run_qnexus_side(self, script: str, circuits_file: Path, shots: int) -> dict[str, Any]:
        """Run a qnexus client ``script`` (``python -c``) against this emulator, in its own
        process; it gets ``circuits_file``, ``shots`` and the token as arguments and prints a
        JSON object as its last line, which is returned.

        qnexus reads the server from ``NEXUS_*`` variables; ``HOME`` is the circuits' folder so
        that it stores no token where the user keeps theirs.

        Raises:
            RuntimeError: the script failed (the end of its stderr is in the message).
        """
        env = {
            **os.environ,
            "NEXUS_PROTOCOL": "http",
            "NEXUS_DOMAIN": "127.0.0.1",
            "NEXUS_PORT": str(self.port),
            "NEXUS_STORE_TOKENS": "false",
            "HOME": str(circuits_file.parent),
        }
        out = subprocess.run(
            [sys.executable, "-c", script, str(circuits_file), str(shots), self.token],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if out.returncode:
            raise RuntimeError(f"qnexus side failed:\n{out.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        return result

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=30)


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a live process, and of its children it has waited for."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _family(pid: int) -> list[int]:
    """``pid`` and its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    family, todo = [], [pid]
    while todo:
        current = todo.pop()
        family.append(current)
        todo.extend(children.get(current, []))
    return family
