"""Progress bars: on only for a TTY, when the option asks and the environment does not refuse."""

from __future__ import annotations

import io
import sys

import pytest

from qiskit_nexus_provider.progress import progress_bar, progress_enabled


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("requested", "tty", "env", "expected"),
    [
        (True, True, None, True),
        (False, True, None, False),  # the with_progress_bar option turned off
        (True, False, None, False),  # not a terminal (CI, logs, pipes)
        (True, True, "0", False),  # QISKIT_NEXUS_PROGRESS=0
        (True, True, "1", True),
    ],
)
def test_progress_enabled(monkeypatch, requested, tty, env, expected) -> None:
    monkeypatch.setattr(sys, "stderr", _Terminal() if tty else io.StringIO())
    if env is None:
        monkeypatch.delenv("QISKIT_NEXUS_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("QISKIT_NEXUS_PROGRESS", env)
    assert progress_enabled(requested) is expected


def test_disabled_bar_writes_nothing(monkeypatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_bar(10, "Submitting", requested=True) as bar:
        bar.update(10)
    assert stream.getvalue() == ""


def test_enabled_bar_draws_on_a_terminal(monkeypatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("QISKIT_NEXUS_PROGRESS", raising=False)
    with progress_bar(4, "Submitting sub-jobs", requested=True, unit="job") as bar:
        bar.update(4)
    assert "Submitting sub-jobs" in terminal.getvalue()
