"""tqdm progress bars for large submissions and long waits: off when not a TTY or when turned off.

Bars are shown only when the ``with_progress_bar`` option is true, standard error is a terminal,
and the environment variable ``QISKIT_NEXUS_PROGRESS`` is not ``0``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from tqdm.auto import tqdm

__all__ = ["progress_bar", "progress_enabled"]


def progress_enabled(requested: bool) -> bool:
    """Whether a bar should be drawn."""
    if not requested or os.environ.get("QISKIT_NEXUS_PROGRESS", "1") == "0":
        return False
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def progress_bar(total: int, desc: str, requested: bool, unit: str = "it") -> Any:
    """A tqdm bar, disabled (a no-op with the same interface) when bars are off."""
    return tqdm(
        total=total, desc=desc, unit=unit, disable=not progress_enabled(requested), leave=False
    )
