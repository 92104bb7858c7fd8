"""Warnings that point at the user's line, not at the provider's internals.

A fixed ``stacklevel`` is right for one call path only: the same check reached through
``backend.run`` of another backend class, or through a primitive, adds or removes frames, and
the warning then names a line of this package, of pytest, or ``sys:1``.  :func:`warn_user`
counts the frames instead.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["warn_user"]

_PACKAGE = __name__.split(".", 1)[0]


def _inside_package(module: str) -> bool:
    return module == _PACKAGE or module.startswith(_PACKAGE + ".")


def warn_user(message: str, category: type[Warning]) -> None:
    """Issue ``warnings.warn(message, category)`` at the first frame outside this package.

    That frame is the user's call (``backend.run``, ``provider.backends()``...), or the library
    that called the package on the user's behalf (a Qiskit primitive).  When every frame is the
    package's (a worker thread), the outermost one is named.

    Args:
        message: The warning's text.
        category: Its class, such as :class:`UserWarning`.
    """
    frame = sys._getframe(1)  # the caller of warn_user: stacklevel 2
    level = 2
    while _inside_package(str(frame.f_globals.get("__name__", ""))) and frame.f_back is not None:
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
