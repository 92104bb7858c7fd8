"""Transpiler support for Quantinuum Nexus backends: stage plugins and passes.

``transpile(circuit, backend)`` with a backend of this package uses the ``nexus`` translation
stage (:class:`.NexusTranslationPlugin`) automatically.
"""

from __future__ import annotations

from .passes import NormalizeRZZ, SquashToRRz, SynthesizeRZZ, wrap_angle
from .plugins import NexusTranslationPlugin

__all__ = [
    "NexusTranslationPlugin",
    "NormalizeRZZ",
    "SquashToRRz",
    "SynthesizeRZZ",
    "wrap_angle",
]
