"""Qiskit control flow (``if_else``, ``switch_case``) as pytket conditional commands.

pytket circuits have no blocks: a dynamic circuit is a flat list of commands, some of them
``Conditional`` (the op runs when given bits hold a given value) and some classical operations
(``ClExpr``: a classical expression written to bits).  :class:`ControlFlowEncoder` writes a Qiskit
control-flow operation that way, with exactly Qiskit's meaning:

* Every operation of a block becomes a ``Conditional`` command whose condition bits are the
  *guard* of the block: the condition bits of every enclosing block, with the value selecting
  the branch taken at each level (``value`` bit ``i`` is condition bit ``i``, as in pytket).
  Nested blocks thus give flat conditionals, never a conditional of a conditional.
* A condition on one clbit or on a register value, ``(clbit, value)`` / ``(register, value)``,
  is used as it is when that is exact: the block does not write the condition bits (Qiskit
  evaluates the condition once, before the block runs), no enclosing block tests them, and an
  ``else`` branch only exists for a one-bit condition (whose value is then flipped).
* Any other condition, every classical expression (:mod:`qiskit.circuit.classical.expr`) and
  every ``switch`` case is evaluated once, on entry, into a *scratch bit* by a ``ClExpr``
  command, and the block is guarded by that bit.  Scratch bits live in the register
  ``tk_SCRATCH_BIT`` (pytket's own name for them); a bit is reused once its block has ended.
  Results never include them: the decoder reads the circuit's own clbits only.
* ``switch`` computes one scratch bit per case on entry (``target == value``, or'ed over the
  case's values; the default case is "no other case"), then guards each case's block by its bit.

Classical expressions map onto pytket's ``ClOp`` operations: on bits ``BitNot``, ``BitAnd``,
``BitOr``, ``BitXor``, ``BitEq``, ``BitNeq`` (for both the logical and the bitwise Qiskit forms);
on registers ``RegAnd``, ``RegOr``, ``RegXor`` and the comparisons ``RegEq``, ``RegNeq``,
``RegLt``, ``RegGt``, ``RegLeq``, ``RegGeq`` against registers or constants.  Bitwise not of an
``n``-bit register is written ``RegXor(r, 2**n - 1)`` (exact at width ``n``), a register used as
a boolean is ``RegNeq(r, 0)`` and a register index is the bit itself.  Operations whose pytket
meaning is not Qiskit's (arithmetic, shifts: pytket registers have another width), standalone
``Var`` storage and loops raise :class:`.CircuitValidationError` naming them.  A ``store`` of a
boolean expression into a clbit is a ``ClExpr`` command writing that bit (conditional inside a
block).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from qiskit.circuit import (
    ClassicalRegister,
    Clbit,
    ControlFlowOp,
    IfElseOp,
    QuantumCircuit,
    Store,
    SwitchCaseOp,
)
from qiskit.circuit.classical import expr, types
from qiskit.circuit.controlflow import CASE_DEFAULT

from ..exceptions import CircuitValidationError

__all__ = ["SCRATCH_REGISTER", "ControlFlowEncoder", "Guard"]

SCRATCH_REGISTER = "tk_SCRATCH_BIT"
"""Register holding the bits conditions are evaluated into (pytket's name for scratch bits)."""

UnitJson = list[Any]
Command = dict[str, Any]
Append = Callable[[Command], None]
Nested = Callable[[Any, dict[Any, Any], dict[Any, Any], Append], None]
Emit = Callable[[Sequence[Any], dict[Any, Any], dict[Any, Any], Append, Nested], None]
"""Encodes instructions ``(data, qmap, cmap, append, control_flow)``: the encoder's main loop,
which hands control-flow instructions to ``control_flow(inst, qmap, cmap, append)``."""


class Guard:
    """The condition under which commands run: bits and the value they must hold.

    Attributes:
        bits: pytket bit ids (unique), condition bit ``i`` is bit ``i`` of ``value``.
        value: the required value.
    """

    __slots__ = ("bits", "value")

    def __init__(self, bits: tuple[UnitJson, ...] = (), value: int = 0) -> None:
        self.bits = bits
        self.value = value

    def keys(self) -> set[tuple[str, tuple[int, ...]]]:
        return {(b[0], tuple(b[1])) for b in self.bits}

    def extended(self, bits: Sequence[UnitJson], value: int) -> Guard:
        """This guard and ``bits == value`` too."""
        return Guard((*self.bits, *bits), self.value | (value << len(self.bits)))

    def wrap(self, command: Command) -> Command:
        """``command`` as a command that only runs under this guard.

        Raises:
            CircuitValidationError: the condition's value needs more than 64 bits (a pytket
                condition value is a 64-bit integer: Nexus would refuse the circuit).
        """
        op = command["op"]
        if not self.bits or op.get("type") == "Barrier":
            return command
        if self.value >= _UINT64:
            raise CircuitValidationError(
                f"a condition on {len(self.bits)} bits requires the value {self.value}, which "
                "is wider than the 64 bits of a pytket condition; condition on a register of "
                "at most 64 bits (or compare fewer bits)"
            )
        return {
            "args": [*self.bits, *command["args"]],
            "op": {
                "conditional": {"op": op, "value": self.value, "width": len(self.bits)},
                "type": "Conditional",
            },
        }


def _key(unit: UnitJson) -> tuple[str, tuple[int, ...]]:
    return unit[0], tuple(unit[1])


class ControlFlowEncoder:
    """Writes the control-flow operations of one circuit; owns its scratch bits.

    Args:
        emit: the encoder's instruction loop, called for the operations of each block.
        taken: names of the circuit's classical registers (the scratch register avoids them).
    """

    def __init__(self, emit: Emit, taken: set[str]) -> None:
        self._emit = emit
        name = SCRATCH_REGISTER
        k = 0
        while name in taken:
            k += 1
            name = f"{SCRATCH_REGISTER}_{k}"
        self.register = name
        self._next = 0
        self.n_scratch = 0

    # -- scratch bits ------------------------------------------------------------------------
    def _scratch(self) -> UnitJson:
        unit = [self.register, [self._next]]
        self._next += 1
        self.n_scratch = max(self.n_scratch, self._next)
        return unit

    def scratch_units(self) -> list[UnitJson]:
        """Every scratch bit used (to declare in the circuit's ``bits``)."""
        return [[self.register, [i]] for i in range(self.n_scratch)]

    # -- operations --------------------------------------------------------------------------
    def encode(
        self,
        inst: Any,
        qmap: dict[Any, Any],
        cmap: dict[Any, Any],
        append: Append,
        guard: Guard,
    ) -> None:
        """Append the commands of control-flow instruction ``inst`` (under ``guard``).

        Raises:
            CircuitValidationError: a loop, or a condition pytket cannot express.
        """
        op = inst.operation
        if isinstance(op, Store):
            self._store(op, cmap, append, guard)
            return
        if op.name == "box":
            # A box only scopes its operations: they run as they are, under the same guard.
            self._run_block(inst, op.blocks[0], qmap, cmap, append, guard)
            return
        if not isinstance(op, (IfElseOp, SwitchCaseOp)):
            raise CircuitValidationError(
                f"{op.name} cannot be written as a pytket circuit (pytket circuits have no "
                "loops); run the circuit on an offline simulator, or unroll the loop"
            )
        mark = self._next
        if isinstance(op, IfElseOp):
            self._if_else(inst, op, qmap, cmap, append, guard)
        else:
            self._switch(inst, op, qmap, cmap, append, guard)
        self._next = mark  # the scratch bits of this operation are free again

    def _store(self, op: Store, cmap: dict[Any, Any], append: Append, guard: Guard) -> None:
        """``store`` of a boolean expression into a clbit: a ``ClExpr`` command (guarded)."""
        lvalue = op.lvalue
        if not (isinstance(lvalue, expr.Var) and isinstance(lvalue.var, Clbit)):
            _refuse(lvalue, "a store into something other than a clbit")
        out = cmap[lvalue.var]
        registers = [
            node.var
            for node in _walk(op.rvalue)
            if isinstance(node, expr.Var) and isinstance(node.var, ClassicalRegister)
        ]
        if any(lvalue.var in register for register in registers):
            # pytket refuses a ClExpr writing a bit of a register it reads: write a scratch bit,
            # then copy it.
            mark = self._next
            scratch = self._evaluate(op.rvalue, cmap, append, Guard())
            self._next = mark
            copy = {"args": [scratch, out], "op": {"classical": {"n_i": 1}, "type": "CopyBits"}}
            append(guard.wrap(copy))
            return
        append(guard.wrap(_ClExprWriter(cmap).command(op.rvalue, out)))

    def _block_maps(
        self, inst: Any, block: QuantumCircuit, qmap: dict[Any, Any], cmap: dict[Any, Any]
    ) -> tuple[dict[Any, Any], dict[Any, Any]]:
        # Block bit i is the instruction's bit i (the builder interface reuses the outer bits,
        # but blocks built by hand need not).
        bq = {b: qmap[o] for b, o in zip(block.qubits, inst.qubits, strict=True)}
        bc = {b: cmap[o] for b, o in zip(block.clbits, inst.clbits, strict=True)}
        return bq, bc

    def _run_block(
        self,
        inst: Any,
        block: QuantumCircuit,
        qmap: dict[Any, Any],
        cmap: dict[Any, Any],
        append: Append,
        guard: Guard,
    ) -> None:
        # A block's global phase is left out: applied only when the branch runs, it is a
        # global phase of that branch, which a classical choice makes unobservable.
        bq, bc = self._block_maps(inst, block, qmap, cmap)

        def guarded(command: Command) -> None:
            append(guard.wrap(command))

        def nested(sub: Any, sqmap: dict[Any, Any], scmap: dict[Any, Any], _: Append) -> None:
            self.encode(sub, sqmap, scmap, append, guard)

        self._emit(block.data, bq, bc, guarded, nested)

    def _if_else(
        self,
        inst: Any,
        op: IfElseOp,
        qmap: dict[Any, Any],
        cmap: dict[Any, Any],
        append: Append,
        guard: Guard,
    ) -> None:
        true_body, false_body = op.blocks[0], op.blocks[1] if len(op.blocks) > 1 else None
        condition = op.condition
        direct = self._direct_condition(inst, op, condition, cmap, guard)
        if direct is not None:
            bits, value = direct
        else:
            bit = self._evaluate(_as_bool_expr(condition), cmap, append, guard)
            bits, value = [bit], 1
        self._run_block(inst, true_body, qmap, cmap, append, guard.extended(bits, value))
        if false_body is not None:
            # Only one-bit conditions reach here with an else branch.
            self._run_block(inst, false_body, qmap, cmap, append, guard.extended(bits, 1 - value))

    def _direct_condition(
        self,
        inst: Any,
        op: IfElseOp,
        condition: Any,
        cmap: dict[Any, Any],
        guard: Guard,
    ) -> tuple[list[UnitJson], int] | None:
        """The condition as bits and value, if a plain pytket condition is exact for it."""
        if isinstance(condition, expr.Expr):
            return None
        target, value = condition
        if isinstance(target, Clbit):
            bits = [cmap[target]]
            value = int(bool(value))
        elif isinstance(target, ClassicalRegister):
            if not 0 <= int(value) < (1 << len(target)) or (len(op.blocks) > 1 and len(target) > 1):
                return None
            bits = [cmap[b] for b in target]
            value = int(value)
        else:
            return None
        keys = [_key(b) for b in bits]
        if len(set(keys)) != len(keys) or guard.keys() & set(keys):
            return None
        if self._written(inst, op.blocks, cmap) & set(keys):
            return None
        return bits, value

    def _written(
        self, inst: Any, blocks: Sequence[QuantumCircuit], cmap: dict[Any, Any]
    ) -> set[tuple[str, tuple[int, ...]]]:
        """pytket ids of the bits the blocks write (measurements, nested blocks included)."""
        written: set[tuple[str, tuple[int, ...]]] = set()
        for block in blocks:
            bc = {b: cmap[o] for b, o in zip(block.clbits, inst.clbits, strict=True)}
            for sub in block.data:
                if isinstance(sub.operation, ControlFlowOp):
                    written |= self._written(sub, sub.operation.blocks, bc)
                elif isinstance(sub.operation, Store):
                    lvalue = sub.operation.lvalue
                    if isinstance(lvalue, expr.Var) and isinstance(lvalue.var, Clbit):
                        written.add(_key(bc[lvalue.var]))
                else:
                    written.update(_key(bc[c]) for c in sub.clbits)
        return written

    def _switch(
        self,
        inst: Any,
        op: SwitchCaseOp,
        qmap: dict[Any, Any],
        cmap: dict[Any, Any],
        append: Append,
        guard: Guard,
    ) -> None:
        target = op.target
        subject: expr.Expr = target if isinstance(target, expr.Expr) else expr.lift(target)
        cases = list(op.cases_specifier())
        explicit = [v for values, _ in cases for v in values if v is not CASE_DEFAULT]
        # Every case is decided on entry, before any block writes the target's bits.
        selected: list[tuple[UnitJson, QuantumCircuit]] = []
        for values, block in cases:
            if CASE_DEFAULT in values:
                others = [_case_test(subject, v) for v in explicit]
                test: expr.Expr = (
                    expr.logic_not(_any(others)) if others else expr.Value(True, types.Bool())
                )
            else:
                test = _any([_case_test(subject, v) for v in values])
            selected.append((self._evaluate(test, cmap, append, guard), block))
        for bit, block in selected:
            self._run_block(inst, block, qmap, cmap, append, guard.extended([bit], 1))

    def _evaluate(
        self, condition: expr.Expr, cmap: dict[Any, Any], append: Append, guard: Guard
    ) -> UnitJson:
        """Write ``condition`` into a fresh scratch bit (unconditionally); return the bit.

        The command does not need the guard: when the guard is false, nothing reads the bit.
        """
        out = self._scratch()
        append(_ClExprWriter(cmap).command(condition, out))
        return out


# ------------------------------------------------------------------------------------------
# classical expressions


def _as_bool_expr(condition: Any) -> expr.Expr:
    if isinstance(condition, expr.Expr):
        return condition
    target, value = condition
    if isinstance(target, Clbit):
        return expr.lift(target) if value else expr.logic_not(target)
    return expr.equal(target, int(value))


def _case_test(subject: expr.Expr, value: Any) -> expr.Expr:
    if subject.type.kind is types.Bool:
        return subject if value else expr.logic_not(subject)
    return expr.equal(subject, int(value))


def _any(tests: list[expr.Expr]) -> expr.Expr:
    result = tests[0]
    for test in tests[1:]:
        result = expr.logic_or(result, test)
    return result


_BIT_BINARY = {
    expr.Binary.Op.BIT_AND: "BitAnd",
    expr.Binary.Op.LOGIC_AND: "BitAnd",
    expr.Binary.Op.BIT_OR: "BitOr",
    expr.Binary.Op.LOGIC_OR: "BitOr",
    expr.Binary.Op.BIT_XOR: "BitXor",
    expr.Binary.Op.EQUAL: "BitEq",
    expr.Binary.Op.NOT_EQUAL: "BitNeq",
}
_REG_BITWISE = {
    expr.Binary.Op.BIT_AND: "RegAnd",
    expr.Binary.Op.BIT_OR: "RegOr",
    expr.Binary.Op.BIT_XOR: "RegXor",
}
_REG_COMPARE = {
    expr.Binary.Op.EQUAL: "RegEq",
    expr.Binary.Op.NOT_EQUAL: "RegNeq",
    expr.Binary.Op.LESS: "RegLt",
    expr.Binary.Op.LESS_EQUAL: "RegLeq",
    expr.Binary.Op.GREATER: "RegGt",
    expr.Binary.Op.GREATER_EQUAL: "RegGeq",
}


class _ClExprWriter:
    """One ``ClExpr`` command: collects the bits and registers the expression reads."""

    def __init__(self, cmap: dict[Any, Any]) -> None:
        self.cmap = cmap
        self.args: list[UnitJson] = []
        self.positions: dict[tuple[str, tuple[int, ...]], int] = {}
        self.bit_vars: dict[tuple[str, tuple[int, ...]], int] = {}
        self.reg_vars: dict[tuple[tuple[str, tuple[int, ...]], ...], int] = {}
        self.bit_posn: list[list[int]] = []
        self.reg_posn: list[list[Any]] = []

    def command(self, condition: expr.Expr, out: UnitJson) -> Command:
        if condition.type.kind is not types.Bool:
            raise CircuitValidationError(
                f"condition {condition} has type {condition.type}, not Bool"
            )
        # Registers first: pytket wires each argument to one variable, so a bit that also
        # belongs to a register read by the expression is read through that register.
        for node in _walk(condition):
            if isinstance(node, expr.Var) and isinstance(node.var, ClassicalRegister):
                self._register(node.var)
        tree = self._bool(condition)
        if tree["type"] != "expr":
            # A bare bit or constant: pytket's ClExpr needs an operation at the top.
            tree = self._expr("BitAnd", [tree, _int_term(1)])
        output = self._position(out)
        return {
            "args": self.args,
            "op": {
                "expr": {
                    "bit_posn": self.bit_posn,
                    "expr": tree["input"],
                    "output_posn": [output],
                    "reg_posn": self.reg_posn,
                },
                "type": "ClExpr",
            },
        }

    # -- operands ----------------------------------------------------------------------------
    def _position(self, unit: UnitJson) -> int:
        key = _key(unit)
        position = self.positions.get(key)
        if position is None:
            position = self.positions[key] = len(self.args)
            self.args.append(unit)
        return position

    def _bit(self, clbit: Clbit) -> dict[str, Any]:
        unit = self.cmap[clbit]
        key = _key(unit)
        for units, reg_index in self.reg_vars.items():
            if key in units:
                # Bit k of a register read anyway: (r & 2**k) != 0.
                term = _reg_term(reg_index)
                masked = self._expr("RegAnd", [term, _int_term(1 << units.index(key))])
                return self._expr("RegNeq", [masked, _int_term(0)])
        index = self.bit_vars.get(key)
        if index is None:
            index = self.bit_vars[key] = len(self.bit_vars)
            self.bit_posn.append([index, self._position(unit)])
        return {
            "input": {"term": {"type": "bit", "var": {"index": index}}, "type": "var"},
            "type": "term",
        }

    def _register(self, register: ClassicalRegister) -> dict[str, Any]:
        units = [self.cmap[b] for b in register]
        key = tuple(_key(u) for u in units)
        index = self.reg_vars.get(key)
        if index is None:
            if len(set(key)) != len(key) or any(k in self.positions for k in key):
                raise CircuitValidationError(
                    f"the classical expression reads register {register.name!r}, which shares "
                    "bits with another register or bit it reads; pytket cannot wire that"
                )
            index = self.reg_vars[key] = len(self.reg_vars)
            self.reg_posn.append([index, [self._position(u) for u in units]])
        return _reg_term(index)

    @staticmethod
    def _expr(op: str, args: list[dict[str, Any]]) -> dict[str, Any]:
        return {"input": {"args": args, "op": op}, "type": "expr"}

    # -- expressions -------------------------------------------------------------------------
    def _bool(self, node: expr.Expr) -> dict[str, Any]:
        """A Bool-typed Qiskit expression as a pytket bit expression argument."""
        if isinstance(node, expr.Var):
            if isinstance(node.var, Clbit):
                return self._bit(node.var)
            _refuse(node, "a standalone Var (only clbits and registers have a pytket form)")
        if isinstance(node, expr.Value):
            return _int_term(int(bool(node.value)))
        if isinstance(node, expr.Index):
            target, index = node.target, node.index
            if (
                isinstance(target, expr.Var)
                and isinstance(target.var, ClassicalRegister)
                and isinstance(index, expr.Value)
            ):
                return self._bit(target.var[int(index.value)])
            _refuse(node, "an index other than a register by a constant")
        if isinstance(node, expr.Cast):
            if node.operand.type.kind is types.Uint:
                return self._expr("RegNeq", [self._uint(node.operand), _int_term(0)])
            return self._bool(node.operand)
        if isinstance(node, expr.Unary):
            if node.op in (expr.Unary.Op.LOGIC_NOT, expr.Unary.Op.BIT_NOT):
                return self._expr("BitNot", [self._bool(node.operand)])
            _refuse(node, f"the operator {node.op.name}")
        if isinstance(node, expr.Binary):
            left, right = node.left, node.right
            if left.type.kind is types.Uint:
                name = _REG_COMPARE.get(node.op)
                if name is None:
                    _refuse(node, f"the operator {node.op.name} on registers")
                return self._expr(name, [self._uint(left), self._uint(right)])
            name = _BIT_BINARY.get(node.op)
            if name is None:
                _refuse(node, f"the operator {node.op.name}")
            return self._expr(name, [self._bool(left), self._bool(right)])
        _refuse(node, f"the expression kind {type(node).__name__}")

    def _uint(self, node: expr.Expr) -> dict[str, Any]:
        """A Uint-typed Qiskit expression as a pytket register expression argument."""
        if isinstance(node, expr.Var):
            if isinstance(node.var, ClassicalRegister):
                return self._register(node.var)
            _refuse(node, "a standalone Var (only clbits and registers have a pytket form)")
        if isinstance(node, expr.Value):
            return _int_term(int(node.value))
        if isinstance(node, expr.Cast):
            operand = node.operand
            if operand.type.kind is types.Uint and operand.type.width <= node.type.width:
                return self._uint(operand)  # widening keeps the value
            _refuse(node, f"a cast from {operand.type} to {node.type}")
        if isinstance(node, expr.Unary) and node.op is expr.Unary.Op.BIT_NOT:
            mask = (1 << node.type.width) - 1
            return self._expr("RegXor", [self._uint(node.operand), _int_term(mask)])
        if isinstance(node, expr.Binary):
            name = _REG_BITWISE.get(node.op)
            if name is not None:
                return self._expr(name, [self._uint(node.left), self._uint(node.right)])
            _refuse(node, f"the operator {node.op.name} on registers")
        _refuse(node, f"the expression kind {type(node).__name__}")


def _walk(node: expr.Expr) -> list[expr.Expr]:
    """Every node of an expression tree, parents first."""
    out: list[expr.Expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, (expr.Unary, expr.Cast)):
            stack.append(current.operand)
        elif isinstance(current, expr.Binary):
            stack.extend((current.right, current.left))
        elif isinstance(current, expr.Index):
            stack.extend((current.index, current.target))
    return out


def _reg_term(index: int) -> dict[str, Any]:
    return {
        "input": {"term": {"type": "reg", "var": {"index": index}}, "type": "var"},
        "type": "term",
    }


_UINT64 = 1 << 64


def _int_term(value: int) -> dict[str, Any]:
    if not 0 <= value < _UINT64:
        raise CircuitValidationError(
            f"the constant {value} of a classical expression is not a 64-bit unsigned integer, "
            "the only constants pytket's classical expressions hold; compare registers of at "
            "most 64 bits"
        )
    return {"input": {"term": value, "type": "int"}, "type": "term"}


def _refuse(node: expr.Expr, what: str) -> NoReturn:
    raise CircuitValidationError(
        f"the classical expression {node} uses {what}, which has no exact pytket form; "
        "supported: not, and, or, xor (logical and bitwise) and the comparisons ==, !=, <, <=, "
        ">, >= on clbits, registers and constants"
    )
