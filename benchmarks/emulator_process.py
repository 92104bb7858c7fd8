"""Run the Nexus emulator in its own process for benchmarks (so no client shares its GIL)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from types import TracebackType


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
        """CPU time (user + system) the emulator process has used so far (Linux /proc)."""
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=30)
