"""Gate table and angle formatting for the fast Qiskit → pytket JSON encoder.

The table mirrors what :func:`pytket.extensions.qiskit.qiskit_to_tk` produces for
Qiskit's standard gates, so that the fast path and the fallback agree op for op
(except ``cs`` and ``csdg``, written as pytket's ``CS`` and ``CSdg`` where
``qiskit_to_tk`` writes a ``QControlBox``).  The standard gates pytket has no op
for are rewritten by :mod:`.decompose` before encoding.
Angles are written the way ``pytket.Circuit.to_dict()`` writes them: in half-turns,
reduced modulo the period pytket uses for that parameter, as strings.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from qiskit.circuit import ParameterExpression

__all__ = [
    "ANGLE_CACHES",
    "GATES",
    "GateSpec",
    "UnsupportedAngleError",
    "angle_miss",
    "half_turns",
]


class GateSpec(NamedTuple):
    """How one Qiskit standard gate maps onto a pytket op.

    Attributes:
        optype: pytket ``OpType`` name written as ``op.type``.
        mods: pytket's period (in half-turns) of each parameter; ``len(mods)`` is
            the number of parameters written.
        n_qb: whether the op carries an explicit ``n_qb`` (variable-arity ops).
    """

    optype: str
    mods: tuple[int, ...] = ()
    n_qb: bool = False


# Qiskit standard-gate name -> pytket op, exactly as ``qiskit_to_tk`` maps them.
# Only used for instructions whose ``is_standard_gate()`` is true, so a custom
# gate that merely reuses one of these names never takes the fast path.
GATES: dict[str, GateSpec] = {
    # one qubit
    "id": GateSpec("noop"),
    "h": GateSpec("H"),
    "x": GateSpec("X"),
    "y": GateSpec("Y"),
    "z": GateSpec("Z"),
    "s": GateSpec("S"),
    "sdg": GateSpec("Sdg"),
    "t": GateSpec("T"),
    "tdg": GateSpec("Tdg"),
    "sx": GateSpec("SX"),
    "sxdg": GateSpec("SXdg"),
    "rx": GateSpec("Rx", (4,)),
    "ry": GateSpec("Ry", (4,)),
    "rz": GateSpec("Rz", (4,)),
    "r": GateSpec("PhasedX", (4, 2)),
    "p": GateSpec("U1", (2,)),
    "u1": GateSpec("U1", (2,)),
    "u2": GateSpec("U2", (2, 2)),
    "u3": GateSpec("U3", (4, 2, 2)),
    "u": GateSpec("U3", (4, 2, 2)),
    # two qubits
    "cx": GateSpec("CX"),
    "cy": GateSpec("CY"),
    "cz": GateSpec("CZ"),
    "ch": GateSpec("CH"),
    "csx": GateSpec("CSX"),
    # qiskit_to_tk writes these two as a QControlBox; pytket has them natively.
    "cs": GateSpec("CS"),
    "csdg": GateSpec("CSdg"),
    "swap": GateSpec("SWAP"),
    "iswap": GateSpec("ISWAPMax"),
    "ecr": GateSpec("ECR"),
    "crx": GateSpec("CRx", (4,)),
    "cry": GateSpec("CRy", (4,)),
    "crz": GateSpec("CRz", (4,)),
    "cp": GateSpec("CU1", (2,)),
    "cu1": GateSpec("CU1", (2,)),
    "cu3": GateSpec("CU3", (4, 2, 2)),
    # Qiskit's CUGate has a fourth parameter (gamma); the encoder only takes the
    # fast path when it is exactly 0 and then writes the first three, as
    # qiskit_to_tk does.
    "cu": GateSpec("CU3", (4, 2, 2)),
    "rxx": GateSpec("XXPhase", (4,)),
    "ryy": GateSpec("YYPhase", (4,)),
    "rzz": GateSpec("ZZPhase", (4,)),
    # three or more qubits
    "ccx": GateSpec("CCX"),
    "cswap": GateSpec("CSWAP"),
    "ccz": GateSpec("CnZ", n_qb=True),
    # The only *standard* gate named "mcx" is C3XGate (3 controls).
    "mcx": GateSpec("CnX", n_qb=True),
}

_INV_PI = 1.0 / math.pi
# tket's EPS; angles within 4*EPS of a multiple of a quarter turn snap onto it.
_SNAP = 4 * 1e-11
_CACHE_LIMIT = 1 << 16

#: Angle (radians) -> half-turn string, one cache per parameter period.  The
#: encoder reads these directly in its hot loop and calls :func:`angle_miss`
#: when a value is absent.
ANGLE_CACHES: dict[int, dict[Any, str]] = {2: {}, 4: {}}


class UnsupportedAngleError(ValueError):
    """An angle the fast encoder cannot write (symbolic, complex, NaN, inf)."""


def _as_float(value: Any) -> float:
    if isinstance(value, (float, int)):
        return float(value)
    if isinstance(value, ParameterExpression) and not value.parameters:
        try:
            return float(value)
        except TypeError as exc:  # complex-valued
            raise UnsupportedAngleError(f"non-real parameter {value}") from exc
    raise UnsupportedAngleError(f"parameter {value!r}")


#: Above this size (radians), an angle is reduced exactly before it is converted to
#: half-turns: rounding it to 15 digits, or dividing by a rounded pi, would move a
#: large angle by a whole fraction of a turn (``(1e14 + 0.12) * pi`` would become
#: ``1e14 * pi``).  Up to it, the angle takes the path byte-identical with
#: pytket's, which loses less than 1e-9 radians there.
LARGE_ANGLE = 1e6
_PI_BITS = 1100


def _pi_fixed_point(bits: int) -> int:
    """``floor(pi * 2**bits)`` (to within 1), by Machin's formula in integers."""

    def arctan_inv(n: int, one: int) -> int:
        total, term, k, sign = 0, one // n, 1, 1
        while term:
            total += sign * (term // k)
            term //= n * n
            k += 2
            sign = -sign
        return total

    guard = 64
    one = 1 << (bits + guard)
    return (16 * arctan_inv(5, one) - 4 * arctan_inv(239, one)) >> guard


_PI_FIXED = _pi_fixed_point(_PI_BITS)


def exact_half_turns(value: float, mod: int) -> float:
    """``value`` radians in half-turns, reduced into ``[0, mod)`` without rounding first.

    The float ``value`` is taken exactly (as a ratio of integers) and divided by pi
    known to 1100 bits, so any finite double (up to 1.8e308 radians) is reduced
    with an error below 1e-20 half-turns.

    Raises:
        UnsupportedAngleError: ``value`` is NaN or infinite.
    """
    try:
        num, den = float(value).as_integer_ratio()
    except (ValueError, OverflowError) as exc:
        raise UnsupportedAngleError(f"non-finite angle {value!r}") from exc
    scaled = (num << (2 * _PI_BITS)) // (den * _PI_FIXED)  # value / pi * 2**bits
    reduced = scaled % (mod << _PI_BITS)
    return reduced / (1 << _PI_BITS)


def _format(value: float, mod: int) -> str:
    # pytket-qiskit hands the angle to tket through sympy, whose Float keeps 15
    # significant digits, and tket evaluates ``x * pi**-1``.  Reproducing both
    # steps gives byte-identical strings (checked on 80 000 random angles).
    try:
        if abs(value) > LARGE_ANGLE:
            x = exact_half_turns(value, mod)
        else:
            # %-formatting is measurably faster than format()/f-strings here.
            x = float("%.15g" % value) * _INV_PI  # noqa: UP031
        x4 = 4.0 * x
        nearest = round(x4)
    except (ValueError, OverflowError) as exc:
        raise UnsupportedAngleError(f"non-finite angle {value!r}") from exc
    if abs(x4 - nearest) < _SNAP:
        x = nearest * 0.25
    # tket's fmodn: the result lies in [0, mod).
    y = x / mod
    y -= math.floor(y)
    text = "%.15g" % (mod * y)
    # symengine prints integral doubles with a trailing ".0".
    if "." not in text and "e" not in text:
        text += ".0"
    return text


def half_turns(value: Any, mod: int) -> str:
    """Format an angle in radians as pytket writes it in circuit JSON.

    Args:
        value: Angle in radians: a real number or a ``ParameterExpression``
            without free parameters.
        mod: Period of the parameter in half-turns (2 or 4).

    Returns:
        The angle in half-turns, reduced into ``[0, mod)``, as written by
        ``pytket.Circuit.to_dict()`` for a circuit built by ``qiskit_to_tk``.

    Raises:
        UnsupportedAngleError: If ``value`` is symbolic, complex, NaN or infinite.
    """
    cache = ANGLE_CACHES.get(mod)
    if cache is None:
        return _format(_as_float(value), mod)
    text = cache.get(value)
    if text is None:
        text = angle_miss(value, mod)
    return text


def angle_miss(value: Any, mod: int) -> str:
    """Compute, cache and return ``half_turns(value, mod)`` (``mod`` in 2, 4)."""
    text = _format(value if type(value) is float else _as_float(value), mod)
    cache = ANGLE_CACHES[mod]
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[value] = text
    return text
