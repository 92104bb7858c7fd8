"""pytket dynamic circuits (conditionals, classical operations) as Qiskit circuits for qiskit-aer.

pytket writes feed-forward as flat commands: ``Conditional`` commands (an operation that runs
when its condition bits hold a value; condition bit ``i`` is bit ``i`` of the value) and classical
operations on bits.  :func:`dynamic_circuit` rebuilds them with pytket's meaning:

================  ==============================================================================
pytket            Qiskit (run by qiskit-aer)
================  ==============================================================================
``Conditional``   ``if_test`` on the conjunction of the condition bits (negated where the value
                  has a 0), around the inner operation (nested conditionals nest)
``ClExpr``        ``store`` of the expression into its output bit(s): ``Bit*`` operations on
                  ``Bool`` values, ``Reg*`` operations on ``Uint`` values of the wired bits
``SetBits``       ``store`` of each constant
``CopyBits``      ``store`` of each input bit into its output bit
``RangePredicate``  ``store`` of ``lower <= value <= upper`` (value of the input bits)
``Phase``         nothing (a global phase, conditional or not, is not observable here)
================  ==============================================================================

A register read by an expression is any list of bits (``reg_posn``), so each becomes a Qiskit
register aliasing those clbits (qiskit-aer reads aliased registers).  Arithmetic (``RegAdd``...)
and WASM have no exact Qiskit form here: they raise :class:`CircuitError` naming them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

from qiskit_nexus_provider.emulator.conversion import CircuitError

__all__ = [
    "CLASSICAL_TYPES",
    "DYNAMIC_TYPES",
    "READOUT_REGISTER",
    "dynamic_circuit",
    "is_dynamic",
]

READOUT_REGISTER = "tk_readout"
"""Quantum register of the ancilla that draws readout errors (see :func:`dynamic_circuit`)."""

CLASSICAL_TYPES = frozenset({"ClExpr", "SetBits", "CopyBits", "RangePredicate"})
"""pytket classical operations simulated here."""

DYNAMIC_TYPES = CLASSICAL_TYPES | {"Conditional"}
"""Operation types that make a circuit dynamic."""


def is_dynamic(content: dict[str, Any]) -> bool:
    """Whether a circuit dictionary has conditional commands or classical operations."""
    commands = content.get("commands")
    if not isinstance(commands, list):
        return False
    for command in commands:
        op = command.get("op") if isinstance(command, dict) else None
        if isinstance(op, dict) and op.get("type") in DYNAMIC_TYPES:
            return True
    return False


Key = tuple[str, tuple[int, ...]]


class _Builder:
    """State of one conversion: units, registers and the circuit being built."""

    def __init__(
        self,
        gate: Any,
        qubit_keys: list[Key],
        bit_keys: list[Key],
        readout_error: tuple[float, float] | None,
    ) -> None:
        from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

        self.gate = gate
        self.qreg = QuantumRegister(len(qubit_keys), "q")
        self.qubits = {k: self.qreg[i] for i, k in enumerate(qubit_keys)}
        self.creg = ClassicalRegister(len(bit_keys), "c")
        self.clbits = {k: self.creg[i] for i, k in enumerate(bit_keys)}
        self.circuit = QuantumCircuit(self.qreg, self.creg)
        self.aliases: dict[tuple[Any, ...], Any] = {}
        self.readout: tuple[Any, Any, Any, Any] | None = None
        if readout_error is not None:
            from qiskit.circuit.library import UGate

            ancilla = QuantumRegister(1, READOUT_REGISTER)
            flip = ClassicalRegister(1, "tk_readout_flip")
            self.circuit.add_register(ancilla)
            self.circuit.add_register(flip)
            p0, p1 = readout_error
            # From |0>, u(θ) gives P(1) = p, the probability to misread the outcome just
            # measured.  (The device's gate noise leaves this register alone.)
            prepare0 = UGate(2 * math.asin(math.sqrt(p0)), 0, 0)
            prepare1 = UGate(2 * math.asin(math.sqrt(p1)), 0, 0)
            self.readout = (ancilla[0], flip[0], prepare0, prepare1)

    # -- units ---------------------------------------------------------------------------
    def _key(self, unit: Any) -> Key:
        try:
            name, index = unit
            return str(name), tuple(int(i) for i in index)
        except (TypeError, ValueError):
            raise CircuitError(f"malformed unit id {unit!r}") from None

    def qubit(self, unit: Any) -> Any:
        try:
            return self.qubits[self._key(unit)]
        except KeyError:
            raise CircuitError(f"undeclared qubit {unit!r}") from None

    def clbit(self, unit: Any) -> Any:
        try:
            return self.clbits[self._key(unit)]
        except KeyError:
            raise CircuitError(f"undeclared bit {unit!r}") from None

    def register(self, bits: list[Any]) -> Any:
        """A Qiskit register aliasing ``bits`` (bit ``i`` of its value is ``bits[i]``)."""
        from qiskit import ClassicalRegister

        key = tuple(bits)
        reg = self.aliases.get(key)
        if reg is None:
            if len(set(bits)) != len(bits):
                raise CircuitError("a register operand lists a bit twice")
            reg = ClassicalRegister(name=f"tk_reg{len(self.aliases)}", bits=list(bits))
            self.circuit.add_register(reg)
            self.aliases[key] = reg
        return reg

    def declare_registers(self, op: dict[str, Any], args: list[Any]) -> None:
        """Create, on the circuit itself, the registers ``op`` reads or writes (a register
        cannot be added from inside an ``if_test`` block)."""
        kind = op.get("type")
        if kind == "Conditional":
            cond = op.get("conditional") or {}
            width = int(cond.get("width", 0))
            self.declare_registers(cond.get("op") or {}, args[width:])
        elif kind == "RangePredicate":
            self.register([self.clbit(u) for u in args[:-1]])
        elif kind == "ClExpr":
            wired = op.get("expr") or {}
            bits = [self.clbit(u) for u in args]
            for _, positions in wired.get("reg_posn", []):
                self.register([bits[int(p)] for p in positions])
            outputs = [bits[int(p)] for p in wired.get("output_posn", [])]
            if len(outputs) > 1:
                self.register(outputs)

    # -- commands ------------------------------------------------------------------------
    def add(self, op: dict[str, Any], args: list[Any], guard: Any = None) -> None:
        """Append operation ``op`` on ``args``, to run only when ``guard`` (a Bool expression,
        ``None`` for always) holds.

        Quantum operations go into an ``if_test`` block; classical writes never do: they store
        ``guard ? value : old value``, because qiskit-aer runs a ``store`` placed in the true
        branch of an ``if_test`` even when the condition is false (qiskit-aer 0.18).
        """
        from qiskit.circuit.classical import expr, types

        kind = op.get("type")
        if kind == "Conditional":
            cond = op.get("conditional") or {}
            width, value = int(cond.get("width", 0)), int(cond.get("value", 0))
            if width < 1 or len(args) < width:
                raise CircuitError(f"malformed conditional {op!r}")
            condition: Any = guard
            for i, unit in enumerate(args[:width]):
                bit = self.clbit(unit)
                term = expr.lift(bit) if (value >> i) & 1 else expr.logic_not(bit)
                condition = term if condition is None else expr.logic_and(condition, term)
            if value >> width:
                condition = expr.Value(False, types.Bool())  # a value the bits cannot hold
            self.add(cond.get("op") or {}, args[width:], condition)
            return
        if kind in ("Barrier", "Phase", "noop"):
            return
        if kind == "SetBits":
            values = (op.get("classical") or {}).get("values", [])
            if len(values) != len(args):
                raise CircuitError(f"malformed SetBits {op!r}")
            for unit, v in zip(args, values, strict=True):
                self._store(self.clbit(unit), expr.Value(bool(v), types.Bool()), guard)
        elif kind == "CopyBits":
            n = len(args) // 2
            sources = [self.clbit(u) for u in args[:n]]
            for source, unit in zip(sources, args[n:], strict=True):
                self._store(self.clbit(unit), expr.lift(source), guard)
        elif kind == "RangePredicate":
            cl = op.get("classical") or {}
            bits = [self.clbit(u) for u in args[:-1]]
            lower, upper = int(cl.get("lower", 0)), int(cl.get("upper", 0))
            reg = self.register(bits)
            test = expr.logic_and(
                expr.greater_equal(reg, _uint(lower, len(bits))),
                expr.less_equal(reg, _uint(upper, len(bits))),
            )
            self._store(self.clbit(args[-1]), test, guard)
        elif kind == "ClExpr":
            self._clexpr(op.get("expr") or {}, args, guard)
        elif guard is None:
            self._quantum(kind, op, args, misread=True)
        else:
            with self.circuit.if_test(guard):
                self._quantum(kind, op, args, misread=False)
            if kind == "Measure" and self.readout is not None:
                self._misread(self.clbit(args[1]), guard)

    def _quantum(self, kind: Any, op: dict[str, Any], args: list[Any], misread: bool) -> None:
        """Append a quantum operation (and, if ``misread``, the readout error of a
        measurement: a guarded one gets it after its block)."""
        circuit = self.circuit
        if kind == "Measure":
            (q, c) = args
            circuit.measure(self.qubit(q), self.clbit(c))
            if misread and self.readout is not None:
                self._misread(self.clbit(c), None)
        elif kind == "Reset":
            circuit.reset(self.qubit(args[0]))
        else:
            for gate, units in self.gate(kind, op, args):
                circuit.append(gate, [self.qubit(u) for u in units])

    def _store(self, clbit: Any, value: Any, guard: Any) -> None:
        """``clbit = value`` when ``guard`` holds (``None``: always)."""
        from qiskit.circuit.classical import expr

        if guard is not None:
            value = expr.logic_or(
                expr.logic_and(guard, value), expr.logic_and(expr.logic_not(guard), clbit)
            )
        self.circuit.store(clbit, value)

    def _misread(self, clbit: Any, guard: Any) -> None:
        """Flip ``clbit`` with the readout-error probability of the value it holds (when
        ``guard`` holds: the measurement ran)."""
        from qiskit.circuit.classical import expr

        assert self.readout is not None
        circuit = self.circuit
        ancilla, flip, prepare0, prepare1 = self.readout
        circuit.reset(ancilla)
        with circuit.if_test(expr.lift(clbit)) as else_:
            circuit.append(prepare1, [ancilla])
        with else_:
            circuit.append(prepare0, [ancilla])
        circuit.measure(ancilla, flip)
        self._store(clbit, expr.bit_xor(clbit, flip), guard)

    def _clexpr(self, wired: dict[str, Any], args: list[Any], guard: Any) -> None:
        from qiskit.circuit.classical import types

        bits = [self.clbit(u) for u in args]
        bit_vars = {int(i): bits[int(p)] for i, p in wired.get("bit_posn", [])}
        reg_vars = {
            int(i): self.register([bits[int(p)] for p in ps]) for i, ps in wired.get("reg_posn", [])
        }
        value = _ClExpr(bit_vars, reg_vars).node(wired.get("expr") or {})
        outputs = [bits[int(p)] for p in wired.get("output_posn", [])]
        if value.type.kind is types.Bool:
            if len(outputs) != 1:
                raise CircuitError("a boolean ClExpr needs one output bit")
            self._store(outputs[0], value, guard)
        elif guard is None:
            self.circuit.store(self.register(outputs), _fit(value, len(outputs)))
        else:
            raise CircuitError("a conditional ClExpr writing a register cannot be simulated")


def _uint(value: int, width: int) -> Any:
    from qiskit.circuit.classical import expr, types

    if value < 0:
        raise CircuitError(f"negative constant {value} in a classical operation")
    return expr.Value(value, types.Uint(max(width, value.bit_length(), 1)))


def _fit(value: Any, width: int) -> Any:
    """``value`` (Uint) at ``width`` bits, as stored into ``width`` output bits."""
    from qiskit.circuit.classical import expr, types

    if value.type.width == width:
        return value
    return expr.Cast(value, types.Uint(width), implicit=False)


_BIT_OPS = {"BitAnd": "bit_and", "BitOr": "bit_or", "BitXor": "bit_xor"}
_REG_OPS = {"RegAnd": "bit_and", "RegOr": "bit_or", "RegXor": "bit_xor"}
_COMPARE = {
    "BitEq": "equal",
    "BitNeq": "not_equal",
    "RegEq": "equal",
    "RegNeq": "not_equal",
    "RegLt": "less",
    "RegGt": "greater",
    "RegLeq": "less_equal",
    "RegGeq": "greater_equal",
}


class _ClExpr:
    """pytket ``ClExpr`` expression JSON → Qiskit :mod:`~qiskit.circuit.classical.expr`."""

    def __init__(self, bit_vars: dict[int, Any], reg_vars: dict[int, Any]) -> None:
        self.bit_vars = bit_vars
        self.reg_vars = reg_vars

    def node(self, data: dict[str, Any], as_bool: bool = False) -> Any:
        from qiskit.circuit.classical import expr, types

        op = data.get("op")
        raw_args = data.get("args", [])
        if op == "BitZero" or op == "BitOne":
            return expr.Value(op == "BitOne", types.Bool())
        if op == "BitNot":
            return expr.bit_not(self.arg(raw_args[0], as_bool=True))
        if op == "RegNot":
            return expr.bit_not(self.arg(raw_args[0]))
        if op in _BIT_OPS:
            left, right = (self.arg(a, as_bool=True) for a in raw_args)
            return getattr(expr, _BIT_OPS[op])(left, right)
        if op in _REG_OPS or op in _COMPARE:
            want_bool = op.startswith("Bit")
            left, right = (self.arg(a, as_bool=want_bool) for a in raw_args)
            left, right = _same_width(left, right)
            return getattr(expr, (_REG_OPS | _COMPARE)[op])(left, right)
        raise CircuitError(
            f"classical operation {op} cannot be simulated exactly (supported: Bit and Reg "
            "logic and comparisons, RegAnd, RegOr, RegXor, RegNot)"
        )

    def arg(self, data: dict[str, Any], as_bool: bool = False) -> Any:
        from qiskit.circuit.classical import expr, types

        kind, value = data.get("type"), data.get("input") or {}
        if kind == "expr":
            return self.node(value, as_bool)
        term_kind = value.get("type")
        term: Any = value.get("term")
        if term_kind == "int":
            number = int(term)
            if as_bool:
                return expr.Value(bool(number), types.Bool())
            return _uint(number, 1)
        if term_kind == "var":
            var = term.get("var", {})
            index = int(var.get("index", -1))
            table = self.bit_vars if term.get("type") == "bit" else self.reg_vars
            try:
                return expr.lift(table[index])
            except KeyError:
                raise CircuitError(f"ClExpr variable {term!r} is not wired") from None
        raise CircuitError(f"malformed ClExpr argument {data!r}")


def _same_width(left: Any, right: Any) -> tuple[Any, Any]:
    """Widen the narrower of two Uint operands (constants included) to the other's width."""
    from qiskit.circuit.classical import expr, types

    if left.type.kind is not types.Uint or right.type.kind is not types.Uint:
        return left, right
    width = max(left.type.width, right.type.width)

    def widen(node: Any) -> Any:
        if node.type.width == width:
            return node
        if isinstance(node, expr.Value):
            return expr.Value(node.value, types.Uint(width))
        return expr.Cast(node, types.Uint(width), implicit=False)

    return widen(left), widen(right)


def dynamic_circuit(
    content: dict[str, Any],
    gate: Any,
    qubit_keys: list[Key],
    bit_keys: list[Key],
    *,
    readout_error: tuple[float, float] | None = None,
) -> QuantumCircuit:
    """The Qiskit circuit of a dynamic pytket circuit dictionary.

    Args:
        content: The circuit dictionary.
        gate: ``gate(type, op, args) -> [(Qiskit gate, qubit unit ids), ...]`` for the quantum
            operations (it raises for operations it does not know).
        qubit_keys: Qubit ids in order (Qiskit qubit ``i`` is ``qubit_keys[i]``).
        bit_keys: Bit ids in order (Qiskit clbit ``i`` is ``bit_keys[i]``).
        readout_error: ``(P(read 1 | 0), P(read 0 | 1))``: write these readout errors into the
            circuit (an extra qubit :data:`READOUT_REGISTER` and bit ``tk_readout_flip`` flip each
            measured bit with that probability), since qiskit-aer fails on circuits combining
            its ``ReadoutError`` with ``store``.  Results read the declared bits only.

    Raises:
        CircuitError: If an operation has no exact Qiskit form.
    """
    from qiskit.circuit.exceptions import CircuitError as QiskitCircuitError

    builder = _Builder(gate, qubit_keys, bit_keys, readout_error)
    for command in content.get("commands", []):
        try:
            op, args = command["op"], list(command["args"])
            builder.declare_registers(op, args)
            builder.add(op, args)
        except CircuitError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, QiskitCircuitError):
            # Malformed JSON, or operand types Qiskit refuses (e.g. a bit op on registers).
            raise CircuitError(f"malformed or unsupported command {command!r}") from None
    return builder.circuit
