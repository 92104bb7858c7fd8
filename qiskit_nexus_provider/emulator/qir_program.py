"""QIR programs in the emulator: parse, translate back to a Qiskit circuit, run on Aer.

The emulator executes the QIR it received: :func:`translate` walks the entry point of the
module with ``pyqir`` and rebuilds a Qiskit circuit from its ``__quantum__qis__*`` calls
(gates in radians, ``mz``, ``reset``), its integer arithmetic and its conditional branches
(the QIR adaptive profile, as pytket-qir writes it).

How classical values are followed: every ``mz`` writes a fresh Qiskit clbit (a result slot
measured twice keeps both outcomes), and every SSA integer is a vector of 64 boolean terms
over those clbits (``and``/``or``/``xor``/``not``/constants, simplified as they are built).
A conditional branch becomes an ``if_test`` on the Qiskit classical expression of its
condition; the recorded outputs (``__quantum__rt__int_record_output``,
``result_record_output``, ``bool_record_output``) are evaluated per shot from Aer's memory,
vectorised over shots with NumPy, and written in the QIR output schema (``HEADER``, then
``START`` / ``OUTPUT`` / ``END`` per shot) that Nexus returns for QIR jobs.

A ``phi`` node (pytket-qir writes one where a register is changed in a conditional block,
e.g. a Qiskit ``store`` inside ``if_test``) takes the value of the edge control came in by: each
edge of the if/else shapes below is recorded with the condition under which it is taken.

What it refuses (``QirError``, the job item then ends in ERROR naming it): unknown
``__quantum__qis__`` functions, loops, and integer operations other than
``zext``/``trunc``/``sext``/``and``/``or``/``xor``/``add``/``sub``/``mul`` by a constant/
shifts by a constant/``icmp`` (every predicate)/``select``/``phi``.

Decision (issue 14): translating to Aer rather than running ``selene-sim`` + ``qir-qis``:
``qir-qis`` rejects pytket-qir's ``__quantum__qis__read_result__body`` and selene builds a
native executable per program (about 25 s each on the test machine), too slow for an emulator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["QirError", "QirProgram", "check_qir", "output_text", "translate"]

WIDTH = 64

Term = tuple[Any, ...]
TRUE: Term = ("c", True)
FALSE: Term = ("c", False)


class QirError(ValueError):
    """A QIR module the emulator cannot parse or execute; the message names the problem."""


# ----------------------------------------------------------------------------------------------
# boolean terms


def _not(a: Term) -> Term:
    if a[0] == "c":
        return ("c", not a[1])
    if a[0] == "not":
        return a[1]
    return ("not", a)


def _and(a: Term, b: Term) -> Term:
    if a == FALSE or b == FALSE:
        return FALSE
    if a == TRUE:
        return b
    if b == TRUE or a == b:
        return a
    if a == _not(b):
        return FALSE
    return ("and", a, b)


def _or(a: Term, b: Term) -> Term:
    if a == TRUE or b == TRUE:
        return TRUE
    if a == FALSE:
        return b
    if b == FALSE or a == b:
        return a
    if a == _not(b):
        return TRUE
    return ("or", a, b)


def _xor(a: Term, b: Term) -> Term:
    if a == FALSE:
        return b
    if b == FALSE:
        return a
    if a == TRUE:
        return _not(b)
    if b == TRUE:
        return _not(a)
    if a == b:
        return FALSE
    if a == _not(b):
        return TRUE
    return ("xor", a, b)


def _mux(cond: Term, then: Term, other: Term) -> Term:
    if then == other:
        return then
    return _or(_and(cond, then), _and(_not(cond), other))


Word = tuple[Term, ...]


def _const_word(value: int, width: int = WIDTH) -> Word:
    return tuple(TRUE if (value >> i) & 1 else FALSE for i in range(width))


def _word_const(word: Word) -> int | None:
    if any(t[0] != "c" for t in word):
        return None
    return sum(1 << i for i, t in enumerate(word) if t[1])


def _add(a: Word, b: Word, carry: Term = FALSE) -> Word:
    out = []
    for x, y in zip(a, b, strict=True):
        s = _xor(x, y)
        out.append(_xor(s, carry))
        carry = _or(_and(x, y), _and(carry, s))
    return tuple(out)


def _less(a: Word, b: Word) -> Term:
    """``a < b`` as unsigned integers (bit 0 least significant)."""
    less, equal = FALSE, TRUE
    for x, y in zip(reversed(a), reversed(b), strict=True):  # most significant first
        less = _or(less, _and(equal, _and(_not(x), y)))
        equal = _and(equal, _not(_xor(x, y)))
    return less


def _signed(a: Word) -> Word:
    """``a`` with its sign bit flipped: signed order becomes unsigned order."""
    return (*a[:-1], _not(a[-1])) if a else a


def _shl(a: Word, n: int) -> Word:
    return (FALSE,) * min(n, len(a)) + a[: max(len(a) - n, 0)]


def _lshr(a: Word, n: int) -> Word:
    return a[n:] + (FALSE,) * min(n, len(a))


# ----------------------------------------------------------------------------------------------
# the translated program


@dataclass
class QirProgram:
    """A QIR module translated to operations on qubits and fresh clbits.

    Attributes:
        n_qubits: Qubits the program uses.
        ops: ``(condition, name, qubits, params, clbit)`` in program order; ``condition`` is a
            term (``TRUE`` when unconditional), ``clbit`` the fresh clbit of a measurement.
        n_clbits: Number of measurements (one clbit each).
        outputs: ``(kind, label, value)`` recorded outputs: ``INT`` (a word), ``RESULT`` or
            ``BOOL`` (a term).
        counts: ``(one-qubit gates other than rz, two-qubit gates, measurements and resets)``.
    """

    n_qubits: int = 0
    ops: list[tuple[Term, str, tuple[int, ...], tuple[float, ...], int | None]] = field(
        default_factory=list
    )
    n_clbits: int = 0
    outputs: list[tuple[str, str, Any]] = field(default_factory=list)
    has_branches: bool = False

    def counts(self) -> tuple[int, int, int]:
        n1 = n2 = nm = 0
        for _, name, qubits, _, _ in self.ops:
            if name in ("measure", "reset"):
                nm += 1
            elif len(qubits) >= 2:
                n2 += 1
            elif name not in ("rz", "z", "s", "sdg", "t", "tdg"):
                n1 += 1
        return n1, n2, nm

    def hqc_cost(self, shots: int) -> float:
        """Cost prediction: ``5 + shots * (N1q + 10 * N2q + 5 * Nm) / 5000`` (the emulator's
        H-series formula, with ``Nm`` counting measurements, resets and one preparation per
        qubit), to 2 decimals."""
        n1, n2, nm = self.counts()
        return round(5 + shots * (n1 + 10 * n2 + 5 * (nm + self.n_qubits)) / 5000, 2)

    def circuit(self) -> Any:
        """The Qiskit circuit: gates, a fresh clbit per measurement, ``if_test`` conditions."""
        from qiskit import QuantumCircuit

        qc = QuantumCircuit(max(self.n_qubits, 1), self.n_clbits)
        for condition, name, qubits, params, clbit in self.ops:
            if condition == FALSE:
                continue
            if condition == TRUE:
                _apply(qc, name, qubits, params, clbit)
            else:
                with qc.if_test(_expr(condition, qc.clbits)):
                    _apply(qc, name, qubits, params, clbit)
        return qc


def _apply(
    qc: Any, name: str, qubits: Sequence[int], params: Sequence[float], clbit: int | None
) -> None:
    if name == "measure":
        qc.measure(qubits[0], clbit)
    elif name == "tk2":
        qc.rxx(params[0], *qubits)
        qc.ryy(params[1], *qubits)
        qc.rzz(params[2], *qubits)
    else:
        getattr(qc, name)(*params, *qubits)


def _expr(term: Term, clbits: Sequence[Any]) -> Any:
    from qiskit.circuit.classical import expr

    kind = term[0]
    if kind == "b":
        return expr.lift(clbits[term[1]])
    if kind == "not":
        return expr.logic_not(_expr(term[1], clbits))
    if kind == "and":
        return expr.logic_and(_expr(term[1], clbits), _expr(term[2], clbits))
    if kind == "or":
        return expr.logic_or(_expr(term[1], clbits), _expr(term[2], clbits))
    if kind == "xor":
        return expr.bit_xor(_expr(term[1], clbits), _expr(term[2], clbits))
    return expr.lift(bool(term[1]))


# ----------------------------------------------------------------------------------------------
# translation


_ONE_QUBIT = {
    "h": "h", "x": "x", "y": "y", "z": "z", "s": "s", "t": "t",
    "s__adj": "sdg", "t__adj": "tdg", "reset": "reset",
}  # fmt: skip
_ROTATIONS = {"rx": "rx", "ry": "ry", "rz": "rz"}
_TWO_QUBIT = {"cnot": "cx", "cx": "cx", "cz": "cz", "swap": "swap"}


def _parse(bitcode: bytes) -> Any:
    import pyqir

    try:
        if bitcode.lstrip()[:1] in (b";", b"s", b"t", b"d", b"@"):
            return pyqir.Module.from_ir(pyqir.Context(), bitcode.decode())
        return pyqir.Module.from_bitcode(pyqir.Context(), bitcode)
    except Exception as exc:  # pyqir raises ValueError or OSError
        raise QirError(
            f"not a QIR module: {str(exc).splitlines()[0] if str(exc) else exc!r}"
        ) from None


def check_qir(bitcode: bytes) -> int:
    """Parse and translate a QIR module; return the number of qubits it uses.

    Raises:
        QirError: the bytes are not LLVM bitcode (or text), have no entry point, or use what
            the emulator cannot execute.
    """
    return translate(bitcode).n_qubits


class _Translator:
    def __init__(self) -> None:
        self.program = QirProgram()
        self.values: dict[str, Any] = {}
        self.results: dict[int, Term] = {}
        self.condition: Term = TRUE
        self.edges: dict[tuple[str, str], Term] = {}
        """Condition under which control goes from one block to another (for ``phi``)."""
        self._block = ""
        """The block being translated."""

    def key(self, value: Any) -> str:
        return str(value)

    def word(self, value: Any) -> Word:
        import pyqir

        if isinstance(value, pyqir.IntConstant):
            width = value.type.width if hasattr(value.type, "width") else WIDTH
            return _const_word(value.value & ((1 << width) - 1), width)
        found = self.values.get(self.key(value))
        if found is None:
            raise QirError(f"unsupported operand {str(value).strip()!r}")
        if isinstance(found, tuple) and found and isinstance(found[0], str):
            return (found,)  # a single term (i1)
        return found

    def term(self, value: Any) -> Term:
        word = self.word(value)
        return word[0]

    def qubit(self, value: Any) -> int:
        import pyqir

        index = pyqir.ptr_id(value)
        if index is None:
            raise QirError(f"dynamic qubit {str(value).strip()!r} (only static qubits run here)")
        self.program.n_qubits = max(self.program.n_qubits, index + 1)
        return int(index)

    def result(self, value: Any) -> int:
        import pyqir

        index = pyqir.ptr_id(value)
        if index is None:
            raise QirError(f"dynamic result {str(value).strip()!r} (only static results)")
        return int(index)

    def emit(self, name: str, qubits: tuple[int, ...], params: tuple[float, ...] = ()) -> None:
        self.program.ops.append((self.condition, name, qubits, params, None))

    def call(self, instruction: Any) -> None:
        import pyqir

        callee = instruction.callee.name
        args = list(instruction.args)
        if callee.startswith("__quantum__qis__"):
            gate = callee[len("__quantum__qis__") :]
            if gate.endswith("__body"):
                gate = gate[: -len("__body")]
            elif gate.endswith("__adj"):
                gate = gate[: -len("__adj")] + "__adj"
            self.qis(gate, args)
            return
        if callee in ("__quantum__rt__read_result", "__quantum__rt__read_result__body"):
            self.values[self.key(instruction)] = self.results.get(self.result(args[0]), FALSE)
            return
        if callee == "__quantum__rt__int_record_output":
            label = _label(args[1])
            self.program.outputs.append(("INT", label, self.word(args[0])))
            return
        if callee == "__quantum__rt__result_record_output":
            label = _label(args[1])
            term = self.results.get(self.result(args[0]), FALSE)
            self.program.outputs.append(("RESULT", label, term))
            return
        if callee == "__quantum__rt__bool_record_output":
            self.program.outputs.append(("BOOL", _label(args[1]), self.term(args[0])))
            return
        if callee.startswith("__quantum__rt__"):
            return  # initialize, array/tuple record headers
        _ = pyqir
        raise QirError(f"unsupported function {callee!r}")

    def qis(self, gate: str, args: list[Any]) -> None:
        if gate in ("mz", "m", "mresetz"):
            qubit = self.qubit(args[0])
            slot = self.result(args[1])
            clbit = self.program.n_clbits
            self.program.n_clbits += 1
            self.program.ops.append((self.condition, "measure", (qubit,), (), clbit))
            old = self.results.get(slot, FALSE)
            self.results[slot] = _mux(self.condition, ("b", clbit), old)
            if gate == "mresetz":
                self.emit("reset", (qubit,))
        elif gate == "read_result":
            raise AssertionError("handled by call()")
        elif gate in _ONE_QUBIT:
            self.emit(_ONE_QUBIT[gate], (self.qubit(args[0]),))
        elif gate in _ROTATIONS:
            self.emit(_ROTATIONS[gate], (self.qubit(args[1]),), (_float(args[0]),))
        elif gate in _TWO_QUBIT:
            self.emit(_TWO_QUBIT[gate], (self.qubit(args[0]), self.qubit(args[1])))
        elif gate == "ccx":
            self.emit("ccx", tuple(self.qubit(a) for a in args[:3]))
        elif gate == "rzz":
            self.emit("rzz", (self.qubit(args[1]), self.qubit(args[2])), (_float(args[0]),))
        elif gate == "zzmax":
            self.emit("rzz", (self.qubit(args[0]), self.qubit(args[1])), (math.pi / 2,))
        elif gate == "phasedx":
            self.emit("r", (self.qubit(args[2]),), (_float(args[0]), _float(args[1])))
        elif gate == "rxxyyzz":
            params = (_float(args[0]), _float(args[1]), _float(args[2]))
            self.emit("tk2", (self.qubit(args[3]), self.qubit(args[4])), params)
        elif gate.startswith("barrier"):
            return
        else:
            raise QirError(f"unsupported QIS function '__quantum__qis__{gate}__body'")

    def instruction(self, ins: Any) -> None:
        import pyqir

        op = ins.opcode
        Op = pyqir.Opcode
        key = self.key(ins)
        if op == Op.CALL:
            if ins.callee.name.startswith("__quantum__qis__read_result"):
                self.values[key] = self.results.get(self.result(ins.args[0]), FALSE)
            else:
                self.call(ins)
            return
        ops = ins.operands
        if op == Op.ZEXT:
            source = self.word(ops[0])
            self.values[key] = source + (FALSE,) * (_width(ins) - len(source))
        elif op == Op.SEXT:
            source = self.word(ops[0])
            self.values[key] = source + (source[-1],) * (_width(ins) - len(source))
        elif op == Op.TRUNC:
            self.values[key] = self.word(ops[0])[: _width(ins)]
        elif op in (Op.AND, Op.OR, Op.XOR):
            fn: Callable[[Term, Term], Term] = {Op.AND: _and, Op.OR: _or, Op.XOR: _xor}[op]
            a, b = self.word(ops[0]), self.word(ops[1])
            self.values[key] = tuple(fn(x, y) for x, y in zip(a, b, strict=True))
        elif op == Op.ADD:
            self.values[key] = _add(self.word(ops[0]), self.word(ops[1]))
        elif op == Op.SUB:
            b = tuple(_not(t) for t in self.word(ops[1]))
            self.values[key] = _add(self.word(ops[0]), b, TRUE)
        elif op == Op.MUL:
            a, b = self.word(ops[0]), self.word(ops[1])
            if _word_const(a) is not None:
                a, b = b, a
            factor = _word_const(b)
            if factor is None:
                raise QirError(f"multiplication of two measured values: {str(ins).strip()!r}")
            total = _const_word(0, len(a))
            for bit in range(len(a)):
                if (factor >> bit) & 1:
                    total = _add(total, _shl(a, bit))
            self.values[key] = total
        elif op in (Op.SHL, Op.LSHR):
            amount = _word_const(self.word(ops[1]))
            if amount is None:
                raise QirError(f"shift by a measured amount: {str(ins).strip()!r}")
            shift = _shl if op == Op.SHL else _lshr
            self.values[key] = shift(self.word(ops[0]), amount)
        elif op == Op.ICMP:
            a, b = self.word(ops[0]), self.word(ops[1])
            equal = TRUE
            for x, y in zip(a, b, strict=True):
                equal = _and(equal, _not(_xor(x, y)))
            predicate = ins.predicate
            P = pyqir.IntPredicate
            if predicate in (P.SLT, P.SLE, P.SGT, P.SGE):
                a, b = _signed(a), _signed(b)
            if predicate == P.EQ:
                result = equal
            elif predicate == P.NE:
                result = _not(equal)
            elif predicate in (P.ULT, P.SLT):
                result = _less(a, b)
            elif predicate in (P.UGT, P.SGT):
                result = _less(b, a)
            elif predicate in (P.ULE, P.SLE):
                result = _not(_less(b, a))
            elif predicate in (P.UGE, P.SGE):
                result = _not(_less(a, b))
            else:
                raise QirError(f"unsupported comparison {predicate}: {str(ins).strip()!r}")
            self.values[key] = (result,)
        elif op == Op.SELECT:
            cond = self.term(ops[0])
            a, b = self.word(ops[1]), self.word(ops[2])
            self.values[key] = tuple(_mux(cond, x, y) for x, y in zip(a, b, strict=True))
        elif op == Op.PHI:
            self.values[key] = self.phi(ins)
        else:
            raise QirError(f"unsupported instruction {str(ins).strip()!r}")

    def phi(self, ins: Any) -> Word:
        """The value of ``ins`` (a ``phi``): the incoming value of the edge taken."""
        incoming = list(ins.incoming)
        if not incoming:
            raise QirError(f"phi node without incoming values: {str(ins).strip()!r}")
        chosen: Word | None = None
        for value, block in reversed(incoming):
            word = self.word(value)
            if chosen is None:
                chosen = word  # the other edges are exclusive: this one is the rest
                continue
            condition = self.edges.get((block.name, self._block))
            if condition is None:
                raise QirError(f"phi node from an unknown edge: {str(ins).strip()!r}")
            chosen = tuple(_mux(condition, x, y) for x, y in zip(word, chosen, strict=True))
        assert chosen is not None
        return chosen

    def run(self, function: Any) -> None:
        import pyqir

        blocks = {b.name: b for b in function.basic_blocks}
        visited: set[str] = set()

        def body(block: Any) -> Any:
            if block.name in visited:
                raise QirError(f"loop through block {block.name!r} (loops are not supported)")
            visited.add(block.name)
            self._block = block.name
            instructions = list(block.instructions)
            for ins in instructions[:-1]:
                self.instruction(ins)
            return instructions[-1] if instructions else None

        block = function.basic_blocks[0]
        while True:
            terminator = body(block)
            if terminator is None or terminator.opcode == pyqir.Opcode.RET:
                return
            if terminator.opcode != pyqir.Opcode.BR:
                raise QirError(f"unsupported terminator {str(terminator).strip()!r}")
            ops = terminator.operands
            if len(ops) == 1:
                self.edges[(block.name, ops[0].name)] = self.condition
                block = blocks[ops[0].name]
                continue
            cond = self.term(ops[0])
            false_block, true_block = blocks[ops[1].name], blocks[ops[2].name]
            self.program.has_branches = True
            merge = self._branch(block.name, cond, true_block, false_block, body, blocks)
            block = merge

    def _branch(
        self,
        source: str,
        cond: Term,
        true_block: Any,
        false_block: Any,
        body: Any,
        blocks: dict[str, Any],
    ) -> Any:
        import pyqir

        def target(block: Any) -> str | None:
            last = list(block.instructions)[-1]
            if last.opcode == pyqir.Opcode.BR and len(last.operands) == 1:
                return str(last.operands[0].name)
            return None

        outer = self.condition
        taken, not_taken = _and(outer, cond), _and(outer, _not(cond))
        if target(true_block) == false_block.name:  # if (cond) { true_block }
            self.condition = taken
            body(true_block)
            self.condition = outer
            self.edges[(source, false_block.name)] = not_taken
            self.edges[(true_block.name, false_block.name)] = taken
            return false_block
        if target(false_block) == true_block.name:  # if (!cond) { false_block }
            self.condition = not_taken
            body(false_block)
            self.condition = outer
            self.edges[(source, true_block.name)] = taken
            self.edges[(false_block.name, true_block.name)] = not_taken
            return true_block
        merge = target(true_block)
        if merge is not None and merge == target(false_block):
            self.condition = taken
            body(true_block)
            self.condition = not_taken
            body(false_block)
            self.condition = outer
            self.edges[(true_block.name, merge)] = taken
            self.edges[(false_block.name, merge)] = not_taken
            return blocks[merge]
        raise QirError("unsupported control flow (only if/else branches without loops)")


def _width(ins: Any) -> int:
    width = getattr(ins.type, "width", WIDTH)
    return int(width)


def _float(value: Any) -> float:
    import pyqir

    if isinstance(value, pyqir.FloatConstant):
        return float(value.value)
    raise QirError(f"gate angle {str(value).strip()!r} is not a constant")


def _label(value: Any) -> str:
    import pyqir

    raw = pyqir.extract_byte_string(value)
    if raw is None:
        return ""
    return raw.rstrip(b"\x00").decode("utf-8", "replace")


def translate(bitcode: bytes) -> QirProgram:
    """Translate a QIR module (bitcode, or LLVM text) for execution.

    Raises:
        QirError: see the module docstring.
    """
    import pyqir

    module = _parse(bitcode)
    entries = [f for f in module.functions if pyqir.is_entry_point(f)]
    if len(entries) != 1:
        raise QirError(f"a QIR program needs exactly one entry point; this one has {len(entries)}")
    translator = _Translator()
    translator.run(entries[0])
    return translator.program


# ----------------------------------------------------------------------------------------------
# outputs


def _evaluate(term: Term, bits: npt.NDArray[np.bool_], cache: dict[Term, Any]) -> Any:
    found = cache.get(term)
    if found is not None:
        return found
    kind = term[0]
    value: Any
    if kind == "c":
        value = np.full(bits.shape[0], bool(term[1]))
    elif kind == "b":
        value = bits[:, term[1]]
    elif kind == "not":
        value = ~_evaluate(term[1], bits, cache)
    else:
        a, b = _evaluate(term[1], bits, cache), _evaluate(term[2], bits, cache)
        value = a & b if kind == "and" else a | b if kind == "or" else a ^ b
    cache[term] = value
    return value


def output_text(program: QirProgram, memory: Sequence[str] | None, shots: int) -> str:
    """The QIR output schema text of ``shots`` shots.

    Args:
        program: The translated program.
        memory: Aer's per-shot memory strings (clbit 0 rightmost), or ``None`` for all-zero
            outcomes (the syntax checker).
        shots: Number of shots.
    """
    n = program.n_clbits
    if memory is None or n == 0:
        bits = np.zeros((shots, n), dtype=bool)
    else:
        chars = np.frombuffer("".join(memory).encode(), dtype=np.uint8).reshape(len(memory), n)
        bits = chars[:, ::-1] == ord("1")
    cache: dict[Term, Any] = {}
    columns: list[tuple[str, str, list[str]]] = []
    zero = memory is None
    for kind, label, value in program.outputs:
        if kind == "INT":
            total = np.zeros(bits.shape[0], dtype=object)
            if not zero:
                for index, term in enumerate(value):
                    if term != FALSE:
                        total = total + _evaluate(term, bits, cache).astype(object) * (1 << index)
            signed = [str(v - (1 << WIDTH) if v >= 1 << (WIDTH - 1) else v) for v in total]
            columns.append((kind, label, signed))
        else:
            flags = np.zeros(bits.shape[0], dtype=bool) if zero else _evaluate(value, bits, cache)
            if kind == "BOOL":
                columns.append((kind, label, ["true" if f else "false" for f in flags]))
            else:
                columns.append((kind, label, ["1" if f else "0" for f in flags]))
    lines = ["HEADER\tschema_id\tlabeled", "HEADER\tschema_version\t1.0"]
    for shot in range(bits.shape[0]):
        lines.append("START")
        lines.append("METADATA\tentry_point")
        for kind, label, values in columns:
            lines.append(f"OUTPUT\t{kind}\t{values[shot]}\t{label}")
        lines.append("END\t0")
    return "\n".join(lines) + "\n"


def run_program(program: QirProgram, shots: int, seed: int | None = None) -> str:
    """Run the program on Aer (ideal state vector) and return its QIR output text."""
    from qiskit_aer import AerSimulator

    if program.n_clbits == 0:
        return output_text(program, None, shots)
    simulator = AerSimulator(method="automatic", seed_simulator=seed)
    result = simulator.run(program.circuit(), shots=shots, memory=True).result()
    return output_text(program, result.get_memory(0), shots)
