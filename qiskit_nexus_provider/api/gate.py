"""A bound on requests in flight shared by several concurrent operations.

The ``max_concurrent_requests`` run option bounds the requests a job has in flight.  A composite
job's sub-jobs upload and download at the same time, each with its own thread pool: without a
shared bound, four sub-jobs uploading with 32 threads each had 128 requests in flight.  The
composite job hands its sub-jobs one semaphore, and every upload and download enters it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, ParamSpec, TypeVar

__all__ = ["gated"]

P = ParamSpec("P")
R = TypeVar("R")


def gated(function: Callable[P, R], gate: AbstractContextManager[Any] | None) -> Callable[P, R]:
    """``function``, entering ``gate`` (a semaphore, typically) around every call.

    Args:
        function: The function sending one request (or a few, one after the other).
        gate: The context manager to enter, or ``None`` for ``function`` itself.

    Returns:
        The gated function.
    """
    if gate is None:
        return function

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with gate:
            return function(*args, **kwargs)

    return call
