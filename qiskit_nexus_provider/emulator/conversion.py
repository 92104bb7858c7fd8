"""pytket circuit JSON → Qiskit circuits, with the checks Nexus applies before running.

Two converters produce the circuit:

* a direct translator for plain gate circuits with numeric parameters (the usual case after
  transpilation): it lists the operations as qiskit-aer takes them, which
  :mod:`~qiskit_nexus_provider.emulator.simulation` assembles without building a Qiskit
  circuit (one is built on demand);
* pytket-qiskit's ``tk_to_qiskit`` on ``pytket.Circuit.from_dict`` for everything else
  (conditionals, boxes, classical operations ...).

Both are checked against each other by the tests.  Result bits follow pytket's order: sorted
by register name, then index.  Uploads are validated the same way: a structural check of plain
gate circuits, ``pytket.Circuit.from_dict`` for the rest.  Heavy imports (qiskit, pytket) happen
on first use.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

from qiskit_nexus_provider.emulator.devices import ExecutionTarget, device_width_message

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

__all__ = [
    "CircuitError",
    "PreparedCircuit",
    "circuit_n_qubits",
    "gate_set_violations",
    "hqc_cost",
    "prepare",
    "target_violations",
    "validate_circuit_json",
]

logger = logging.getLogger(__name__)

UnitKey = tuple[str, tuple[int, ...]]

_TWO_QUBIT_TYPES = frozenset(
    {"ZZPhase", "ZZMax", "TK2", "CX", "CZ", "CY", "CH", "SWAP", "ECR", "XXPhase", "YYPhase"}
)


class CircuitError(ValueError):
    """A circuit that cannot run on the target; the message is shown to the client."""


# ----------------------------------------------------------------------------------------------
# JSON helpers


def _unit(value: Any, what: str) -> UnitKey:
    if (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], (list, tuple))
        and all(isinstance(i, int) and not isinstance(i, bool) for i in value[1])
    ):
        return value[0], tuple(value[1])
    raise CircuitError(f"malformed {what} id {value!r}; expected [name, [index, ...]]")


def _unit_json(key: UnitKey) -> list[Any]:
    return [key[0], list(key[1])]


# pytket operation type -> (number of qubit arguments, number of parameters) of the plain gates
# the structural check knows; anything else goes to pytket.
_PLAIN_GATES: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("H", "X", "Y", "Z", "S", "Sdg", "T", "Tdg", "SX", "SXdg", "V", "Vdg"), (1, 0)),
    **dict.fromkeys(("Rx", "Ry", "Rz", "U1"), (1, 1)),
    **dict.fromkeys(("U2", "PhasedX"), (1, 2)),
    **dict.fromkeys(("U3", "TK1"), (1, 3)),
    **dict.fromkeys(("CX", "CY", "CZ", "CH", "CSX", "SWAP", "ECR", "ZZMax"), (2, 0)),
    **dict.fromkeys(("ZZPhase", "XXPhase", "YYPhase", "CRx", "CRy", "CRz", "CU1"), (2, 1)),
    **dict.fromkeys(("TK2", "CU3"), (2, 3)),
    **dict.fromkeys(("CCX", "CSWAP"), (3, 0)),
}
_PLAIN_KEYS = frozenset(
    {"bits", "commands", "created_qubits", "discarded_qubits", "implicit_permutation", "name"}
    | {"phase", "qubits"}
)
_REQUIRED_KEYS = ("bits", "commands", "implicit_permutation", "phase", "qubits")
_DROP_NUMBER_CHARS = str.maketrans("", "", "0123456789.eE+-")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,30})(?:\.[0-9]{1,40})?(?:[eE][-+]?[0-9]{1,3})?")
_REGISTER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _plain_units(value: Any, dims: dict[str, int], other: dict[str, int]) -> set[UnitKey] | None:
    """Declared units as keys, if they are plainly valid (unique, consistent registers)."""
    if type(value) is not list:
        return None
    units: set[UnitKey] = set()
    for unit in value:
        if type(unit) is not list or len(unit) != 2:
            return None
        name, index = unit
        if type(name) is not str or type(index) is not list or not index or name in other:
            return None
        for i in index:
            if type(i) is not int or not 0 <= i < 2**31:
                return None
        if dims.setdefault(name, len(index)) != len(index) or not _REGISTER.fullmatch(name):
            return None
        key = (name, tuple(index))
        if key in units:
            return None
        units.add(key)
    return units


def _plain_n_qubits(content: dict[str, Any]) -> int | None:
    """The number of qubits of a circuit made of plain gates that pytket certainly accepts.

    A cheap check of the JSON structure covering what uploads usually are: numeric
    parameters, declared units, known gates with their arities, barriers, measurements and
    resets.  ``None`` means "not sure": anything unusual (boxes, conditionals, symbols, other
    keys ...) is left to pytket, so that the verdict and its message are pytket's own.
    """
    try:
        return _plain_n_qubits_unchecked(content)
    except (TypeError, KeyError, IndexError, ValueError, AttributeError):
        return None


def _plain_n_qubits_unchecked(content: dict[str, Any]) -> int | None:
    if not _PLAIN_KEYS.issuperset(content) or not all(k in content for k in _REQUIRED_KEYS):
        return None
    phase, name = content["phase"], content.get("name", "")
    if type(phase) is not str or not _NUMBER.fullmatch(phase) or type(name) is not str:
        return None
    for field in ("created_qubits", "discarded_qubits"):
        if content.get(field, []) != []:
            return None
    qubit_dims: dict[str, int] = {}
    bit_dims: dict[str, int] = {}
    qubits = _plain_units(content["qubits"], qubit_dims, {})
    bits = _plain_units(content["bits"], bit_dims, qubit_dims)
    if qubits is None or bits is None:
        return None
    permutation = content["implicit_permutation"]
    if type(permutation) is not list:
        return None
    for pair in permutation:
        if type(pair) is not list or len(pair) != 2 or pair[0] != pair[1]:
            return None
        unit = pair[0]
        if type(unit) is not list or len(unit) != 2 or type(unit[1]) is not list:
            return None
        if (unit[0], tuple(unit[1])) not in qubits:
            return None
    commands = content["commands"]
    if type(commands) is not list:
        return None
    gates = _PLAIN_GATES
    all_params: list[str] = []
    for command in commands:
        if type(command) is not dict or len(command) != 2:
            return None
        op = command["op"]
        args = command["args"]
        if type(op) is not dict or type(args) is not list:
            return None
        keys = []
        for arg in args:
            if type(arg) is not list or len(arg) != 2:
                return None
            index = arg[1]
            if type(index) is not list:
                return None
            keys.append((arg[0], tuple(index)))
        kind = op.get("type")
        arity = gates.get(kind) if type(kind) is str else None
        if arity is not None:
            # The common case: a gate on distinct declared qubits, with numeric parameters.
            if len(keys) != arity[0] or not qubits.issuperset(keys):
                return None
            if arity[0] > 1 and len(set(keys)) != len(keys):
                return None
            if arity[1]:
                params = op.get("params")
                if len(op) != 2 or type(params) is not list or len(params) != arity[1]:
                    return None
                all_params.extend(params)
            elif len(op) != 1:
                return None
        elif kind == "Measure":
            if len(op) != 1 or len(keys) != 2 or keys[0] not in qubits or keys[1] not in bits:
                return None
        elif kind == "Reset":
            if len(op) != 1 or len(keys) != 1 or keys[0] not in qubits:
                return None
        elif kind == "Barrier":
            signature = op.get("signature")
            if len(op) != 3 or op.get("data") != "" or type(signature) is not list:
                return None
            if not keys or len(signature) != len(keys) or len(set(keys)) != len(keys):
                return None
            for sig, key in zip(signature, keys, strict=True):
                if key not in (qubits if sig == "Q" else bits if sig == "C" else ()):
                    return None
        else:
            return None
    if all_params:
        # Decimal numbers only (what float() reads, from digits, ".", "e", "E", "+" and "-");
        # join() raises a TypeError if a parameter is not a string, float() a ValueError.
        joined = "\n".join(all_params)
        if joined.translate(_DROP_NUMBER_CHARS) != "\n" * (len(all_params) - 1):
            return None
        for _ in map(float, all_params):
            pass
    return len(qubits)


def validate_circuit_json(content: dict[str, Any]) -> int:
    """Check that ``content`` is a pytket circuit dictionary; return its number of qubits.

    Plain gate circuits are checked structurally (they are what pytket would accept); any other
    circuit is loaded with ``pytket.Circuit.from_dict``, whose verdict and message count.

    Args:
        content: The circuit JSON (``pytket.Circuit.to_dict()``), possibly with annotations.

    Returns:
        The number of qubits of the circuit.

    Raises:
        CircuitError: With pytket's explanation if the circuit cannot be loaded.
    """
    n_qubits = _plain_n_qubits(content) if type(content) is dict else None
    if n_qubits is not None:
        return n_qubits
    from pytket import Circuit

    try:
        circuit = Circuit.from_dict(content)
    except Exception as exc:  # pytket raises RuntimeError, KeyError, TypeError ...
        raise CircuitError(f"invalid circuit JSON: {exc}") from None
    return int(circuit.n_qubits)


def circuit_n_qubits(content: dict[str, Any]) -> int:
    """Number of qubits declared by a circuit dictionary."""
    qubits = content.get("qubits", [])
    return len(qubits) if isinstance(qubits, list) else 0


def _iter_op_types(op: Any) -> Iterator[str]:
    if not isinstance(op, dict):
        raise CircuitError(f"malformed operation {op!r}")
    kind = op.get("type")
    if kind == "Conditional":
        conditional = op.get("conditional")
        if not isinstance(conditional, dict):
            raise CircuitError(f"malformed conditional operation {op!r}")
        yield from _iter_op_types(conditional.get("op"))
        return
    if not isinstance(kind, str):
        raise CircuitError(f"malformed operation type {kind!r}")
    yield kind


def _commands(content: dict[str, Any]) -> list[dict[str, Any]]:
    commands = content.get("commands")
    if not isinstance(commands, list) or not all(map(isinstance, commands, repeat(dict))):
        raise CircuitError("circuit JSON needs a 'commands' list of objects")
    return commands


def _op_types(content: dict[str, Any]) -> Iterator[str]:
    for command in _commands(content):
        yield from _iter_op_types(command.get("op"))


_ALWAYS_ALLOWED = frozenset({"Phase"})
"""Operation types every device accepts: ``Phase`` is a global phase (conditional ones appear
when pytket rebases conditional gates), which changes no outcome."""


def target_violations(content: dict[str, Any], target: ExecutionTarget) -> list[str]:
    """:func:`gate_set_violations` for ``target``'s gate set; simulators (Aer) also accept
    pytket's classical operations (``ClExpr``, ``SetBits``...), which they run whatever their
    gate set lists."""
    bad = gate_set_violations(content, target.device.gate_set)
    if not target.is_quantinuum:
        from qiskit_nexus_provider.emulator.classical import CLASSICAL_TYPES

        bad = [kind for kind in bad if kind not in CLASSICAL_TYPES]
    return bad


def gate_set_violations(content: dict[str, Any], gate_set: Sequence[str]) -> list[str]:
    """Operation types used by a circuit that are not in ``gate_set`` (conditionals look inside).

    Args:
        content: The circuit dictionary.
        gate_set: Allowed pytket ``OpType`` names (``Phase`` is always allowed).

    Returns:
        Sorted offending type names (empty when the circuit is valid).
    """
    allowed = set(gate_set) | _ALWAYS_ALLOWED
    return sorted({kind for kind in _op_types(content) if kind not in allowed})


def hqc_cost(content: dict[str, Any], shots: int) -> float:
    """H-series-like cost: ``5 + shots * (N1q + 10 * N2q + 5 * Nm) / 5000``, to 2 decimals.

    ``N1q`` counts one-qubit gates except ``Rz`` (virtual), ``N2q`` two-qubit gates and ``Nm``
    state preparations (one per qubit), measurements and resets.
    """
    n1 = n2 = 0
    nm = circuit_n_qubits(content)
    for kind in _op_types(content):
        if kind in ("Measure", "Reset"):
            nm += 1
        elif kind in _TWO_QUBIT_TYPES:
            n2 += 1
        elif kind in ("PhasedX", "Rx", "Ry", "H", "X", "Y", "TK1", "U3", "U2", "NPhasedX"):
            n1 += 1
    return round(5 + shots * (n1 + 10 * n2 + 5 * nm) / 5000, 2)


# ----------------------------------------------------------------------------------------------
# parameters

_PARAMS: dict[str, float] = {}


def _param(value: Any) -> float:
    """A pytket parameter (half-turns) as a float; symbolic parameters are refused."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise CircuitError(f"malformed parameter {value!r}")
    cached = _PARAMS.get(value)
    if cached is not None:
        return cached
    try:
        number = float(value)
    except ValueError:
        import sympy

        try:
            expr = sympy.sympify(value)
        except (sympy.SympifyError, TypeError, ValueError, SyntaxError) as exc:
            raise CircuitError(f"malformed parameter {value!r}: {exc}") from None
        if getattr(expr, "free_symbols", None):
            names = ", ".join(sorted(str(s) for s in expr.free_symbols))
            raise CircuitError(
                f"circuit has unresolved symbols ({names}); bind them first"
            ) from None
        try:
            number = float(expr)
        except (TypeError, ValueError) as exc:
            raise CircuitError(f"malformed parameter {value!r}: {exc}") from None
    if not math.isfinite(number):
        raise CircuitError(f"parameter {value!r} is not finite")
    if len(_PARAMS) < 100_000:
        _PARAMS[value] = number
    return number


# ----------------------------------------------------------------------------------------------
# conversion


AerOp = tuple[str, list[int], list[float]]
"""One operation of a directly translated circuit: qiskit-aer name, qubit indices, parameters
(for ``measure``: the classical bit indices instead)."""


class PreparedCircuit:
    """A circuit ready to run.

    Attributes:
        bits: pytket bit ids in result order.
        clbit_positions: For each entry of ``bits``, the Qiskit clbit index holding it.
        n_qubits: Number of qubits.
        ops: The operations of a directly translated circuit, as qiskit-aer gets them (its
            Qiskit circuit is then only built on demand); ``None`` for circuits converted by
            pytket-qiskit.
        n_clbits: Number of classical bits of ``ops``.
        readout_in_circuit: The device's readout errors are already part of the circuit.
    """

    __slots__ = (
        "_circuit",
        "bits",
        "clbit_positions",
        "n_clbits",
        "n_qubits",
        "ops",
        "readout_in_circuit",
    )

    def __init__(
        self,
        circuit: QuantumCircuit | None,
        bits: list[list[Any]],
        clbit_positions: list[int],
        n_qubits: int,
        *,
        ops: list[AerOp] | None = None,
        n_clbits: int = 0,
    ) -> None:
        self._circuit = circuit
        self.bits = bits
        self.clbit_positions = clbit_positions
        self.n_qubits = n_qubits
        self.ops = ops
        self.n_clbits = n_clbits
        self.readout_in_circuit = False

    @property
    def circuit(self) -> QuantumCircuit | None:
        """The Qiskit circuit (``None`` for syntax checkers)."""
        if self._circuit is None and self.ops is not None:
            self._circuit = _ops_circuit(self.ops, self.n_qubits, self.n_clbits)
        return self._circuit


_GATE_CLASSES: dict[str, Any] = {}


def _gate_object(name: str, params: list[float]) -> Any:
    if not _GATE_CLASSES:
        from qiskit.circuit.library import get_standard_gate_name_mapping

        _GATE_CLASSES.update({k: type(v) for k, v in get_standard_gate_name_mapping().items()})
    return _GATE_CLASSES[name](*params)


def _ops_circuit(ops: list[AerOp], n_qubits: int, n_clbits: int) -> QuantumCircuit:
    """The Qiskit circuit of directly translated operations."""
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit.circuit import CircuitInstruction, Measure, Reset

    qreg = QuantumRegister(n_qubits, "q")
    creg = ClassicalRegister(n_clbits, "c")
    qc = QuantumCircuit(qreg, creg)
    measure, reset = Measure(), Reset()
    gates: dict[tuple[str, tuple[float, ...]], Any] = {}
    append = qc._append
    for name, qubits, params in ops:
        qargs = tuple(qreg[q] for q in qubits)
        if name == "measure":
            append(CircuitInstruction(measure, qargs, tuple(creg[c] for c in params)))
        elif name == "reset":
            append(CircuitInstruction(reset, qargs, ()))
        else:
            key = (name, tuple(params))
            gate = gates.get(key)
            if gate is None:
                gate = gates[key] = _gate_object(name, params)
            append(CircuitInstruction(gate, qargs, ()))
    return qc


class _Unsupported(Exception):
    """The direct translator does not know an operation; use pytket-qiskit instead."""


class _Translator:
    """Direct pytket JSON → qiskit-aer operations for plain gate circuits."""

    def __init__(self) -> None:
        pi = math.pi
        # type -> (number of qubits, qiskit-aer name)
        self.fixed: dict[str, tuple[int, str]] = {
            "X": (1, "x"),
            "Y": (1, "y"),
            "Z": (1, "z"),
            "H": (1, "h"),
            "S": (1, "s"),
            "Sdg": (1, "sdg"),
            "T": (1, "t"),
            "Tdg": (1, "tdg"),
            "SX": (1, "sx"),
            "SXdg": (1, "sxdg"),
            "CX": (2, "cx"),
            "CY": (2, "cy"),
            "CZ": (2, "cz"),
            "CH": (2, "ch"),
            "CSX": (2, "csx"),
            "SWAP": (2, "swap"),
            "CCX": (3, "ccx"),
            "CSWAP": (3, "cswap"),
            "ECR": (2, "ecr"),
        }
        # type -> (number of parameters, number of qubits, builder of the (name, parameters)
        # of the qiskit-aer gates from pytket's half-turn parameters)
        self.param: dict[str, tuple[int, int, Any]] = {
            "Rx": (1, 1, lambda p: [("rx", [pi * p[0]])]),
            "Ry": (1, 1, lambda p: [("ry", [pi * p[0]])]),
            "Rz": (1, 1, lambda p: [("rz", [pi * p[0]])]),
            "V": (0, 1, lambda p: [("rx", [pi / 2])]),
            "Vdg": (0, 1, lambda p: [("rx", [-pi / 2])]),
            "U1": (1, 1, lambda p: [("p", [pi * p[0]])]),
            "U2": (2, 1, lambda p: [("u2", [pi * p[0], pi * p[1]])]),
            "U3": (3, 1, lambda p: [("u3", [pi * p[0], pi * p[1], pi * p[2]])]),
            "PhasedX": (2, 1, lambda p: [("r", [pi * p[0], pi * p[1]])]),
            "TK1": (
                3,
                1,
                lambda p: [("rz", [pi * p[2]]), ("rx", [pi * p[1]]), ("rz", [pi * p[0]])],
            ),
            "ZZPhase": (1, 2, lambda p: [("rzz", [pi * p[0]])]),
            "ZZMax": (0, 2, lambda p: [("rzz", [pi / 2])]),
            "XXPhase": (1, 2, lambda p: [("rxx", [pi * p[0]])]),
            "YYPhase": (1, 2, lambda p: [("ryy", [pi * p[0]])]),
            "TK2": (
                3,
                2,
                lambda p: [("rxx", [pi * p[0]]), ("ryy", [pi * p[1]]), ("rzz", [pi * p[2]])],
            ),
            "CRx": (1, 2, lambda p: [("crx", [pi * p[0]])]),
            "CRy": (1, 2, lambda p: [("cry", [pi * p[0]])]),
            "CRz": (1, 2, lambda p: [("crz", [pi * p[0]])]),
            "CU1": (1, 2, lambda p: [("cp", [pi * p[0]])]),
            "CU3": (3, 2, lambda p: [("cu3", [pi * p[0], pi * p[1], pi * p[2]])]),
        }
        # Multi-controlled types of variable arity: qiskit-aer name by number of qubits
        # (Qiskit's ``ccz``, transpiled for ``aer_simulator``, arrives as ``CnZ`` on 3 qubits);
        # other arities go through pytket-qiskit.
        self.controlled: dict[str, dict[int, str]] = {
            "CnX": {2: "cx", 3: "ccx"},
            "CnY": {2: "cy"},
            "CnZ": {2: "cz", 3: "ccz"},
        }
        self.skip = frozenset({"Barrier", "noop", "Phase"})
        self._cache: dict[Any, tuple[int, list[tuple[str, list[float]]]]] = {}
        self.known = frozenset(
            {*self.fixed, *self.param, *self.controlled, "Measure", "Reset", "NPhasedX"}
        )

    def _gate(self, kind: Any, raw_params: Any) -> tuple[int, list[tuple[str, list[float]]]]:
        """Number of qubits and qiskit-aer gates of one parametrised pytket operation (cached
        by exact parameters)."""
        key = (kind, tuple(raw_params) if isinstance(raw_params, list) else raw_params)
        try:
            cached = self._cache.get(key)
        except TypeError:  # unhashable parameters
            raise CircuitError(f"malformed parameters {raw_params!r} of {kind}") from None
        if cached is not None:
            return cached
        entry = self.param.get(kind)
        if entry is None:
            raise _Unsupported(kind)
        n_params, n_qubits, build = entry
        if raw_params is None:
            raw_params = []
        if not isinstance(raw_params, (list, tuple)):
            raise CircuitError(f"malformed parameters {raw_params!r} of {kind}")
        params = [_param(v) for v in raw_params]
        if len(params) != n_params:
            raise CircuitError(f"{kind} needs {n_params} parameter(s), got {len(params)}")
        gates = (n_qubits, list(build(params)))
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = gates
        return gates

    def qiskit_gates(self, kind: Any, op: dict[str, Any], args: list[Any]) -> list[Any]:
        """Qiskit gates of one quantum operation, with the qubit unit ids of each.

        Raises:
            _Unsupported: for operations the direct translator does not know.
        """
        gates: list[tuple[str, list[float]]]
        if kind in self.fixed:
            n_qubits, name = self.fixed[kind]
            gates = [(name, [])]
        elif kind == "NPhasedX":
            gates = self._gate("PhasedX", op.get("params"))[1]
            return [(_gate_object(n, p), [unit]) for n, p in gates for unit in args]
        else:
            n_qubits, gates = self._gate(kind, op.get("params"))
        if len(args) != n_qubits:
            raise CircuitError(f"{kind} applied to {len(args)} qubit(s)")
        return [(_gate_object(name, params), args) for name, params in gates]

    def translate(self, content: dict[str, Any]) -> PreparedCircuit:
        return self.translate_with_types(content)[0]

    def translate_with_types(self, content: dict[str, Any]) -> tuple[PreparedCircuit, set[str]]:
        """The translated circuit and the pytket operation types it uses."""
        qubits_json, bits_json = content.get("qubits", []), content.get("bits", [])
        if not isinstance(qubits_json, list) or not isinstance(bits_json, list):
            raise CircuitError("circuit JSON 'qubits' and 'bits' must be lists")
        qubit_keys = sorted(_unit(q, "qubit") for q in qubits_json)
        bit_keys = sorted(_unit(b, "bit") for b in bits_json)
        # Keys (name, *index): one tuple per argument to look up.
        qmap = {(name, *index): i for i, (name, index) in enumerate(qubit_keys)}
        cmap = {(name, *index): i for i, (name, index) in enumerate(bit_keys)}
        ops: list[AerOp] = []
        kinds: set[str] = set()
        append, seen = ops.append, kinds.add
        qindex, cindex = qmap.__getitem__, cmap.__getitem__
        fixed, skip, known, controlled = self.fixed, self.skip, self.known, self.controlled
        for command in _commands(content):
            try:
                op = command["op"]
                kind = op["type"]
                args = command["args"]
                if kind in skip:
                    seen(kind)
                    continue
                if kind not in known:
                    raise _Unsupported(kind)
                seen(kind)
                if kind == "Measure":
                    (qn, qi), (cn, ci) = args
                    append(("measure", [qindex((qn, *qi))], [cindex((cn, *ci))]))
                    continue
                qubits = [qindex((name, *index)) for name, index in args]
            except (KeyError, TypeError, ValueError):
                raise CircuitError(f"malformed command or undeclared unit in {command!r}") from None
            if kind == "Reset":
                append(("reset", qubits, []))
                continue
            gate = fixed.get(kind)
            if gate is not None:
                if len(qubits) != gate[0]:
                    raise CircuitError(f"{kind} applied to {len(qubits)} qubit(s)")
                append((gate[1], qubits, []))
                continue
            by_arity = controlled.get(kind)
            if by_arity is not None:
                name = by_arity.get(len(qubits))
                if name is None:
                    raise _Unsupported(kind)
                append((name, qubits, []))
                continue
            if kind == "NPhasedX":
                for name, params in self._gate("PhasedX", op.get("params"))[1]:
                    for qubit in qubits:
                        append((name, [qubit], params))
                continue
            n_qubits, gates = self._gate(kind, op.get("params"))
            if len(qubits) != n_qubits:
                raise CircuitError(f"{kind} applied to {len(qubits)} qubit(s)")
            for name, params in gates:
                append((name, qubits, params))
        prepared = PreparedCircuit(
            None,
            [_unit_json(k) for k in bit_keys],
            list(range(len(bit_keys))),
            len(qubit_keys),
            ops=ops,
            n_clbits=len(bit_keys),
        )
        return prepared, kinds


_TRANSLATOR: _Translator | None = None


def _translator() -> _Translator:
    global _TRANSLATOR
    if _TRANSLATOR is None:
        _TRANSLATOR = _Translator()
    return _TRANSLATOR


def _via_pytket(content: dict[str, Any]) -> PreparedCircuit:
    """General conversion through ``pytket.Circuit.from_dict`` and pytket-qiskit."""
    from pytket import Circuit
    from pytket.extensions.qiskit import tk_to_qiskit
    from pytket.passes import DecomposeBoxes

    try:
        circuit = Circuit.from_dict(content)
    except Exception as exc:
        raise CircuitError(f"invalid circuit JSON: {exc}") from None
    if circuit.free_symbols():
        names = ", ".join(sorted(str(s) for s in circuit.free_symbols()))
        raise CircuitError(f"circuit has unresolved symbols ({names}); bind them first")
    try:
        DecomposeBoxes().apply(circuit)
        qc = _aer_compatible(tk_to_qiskit(circuit))
    except Exception as exc:
        raise CircuitError(f"cannot simulate this circuit with qiskit-aer: {exc}") from None
    registers = {reg.name: reg for reg in qc.cregs}
    bits, positions = [], []
    for bit in circuit.bits:
        reg = registers.get(bit.reg_name)
        if reg is None or len(bit.index) != 1 or bit.index[0] >= reg.size:
            raise CircuitError(f"bit {bit} cannot be represented in Qiskit")
        bits.append([bit.reg_name, list(bit.index)])
        positions.append(qc.find_bit(reg[bit.index[0]]).index)
    return PreparedCircuit(qc, bits, positions, int(circuit.n_qubits))


_AER_BASIS: frozenset[str] | None = None


def _aer_compatible(qc: QuantumCircuit) -> QuantumCircuit:
    """Transpile ``qc`` to qiskit-aer's instruction set if it uses anything else."""
    global _AER_BASIS
    if _AER_BASIS is None:
        from qiskit_aer import AerSimulator

        _AER_BASIS = frozenset(AerSimulator().configuration().basis_gates)
    names = set(qc.count_ops())
    if names <= _AER_BASIS | {"measure", "reset", "barrier"}:
        return qc
    from qiskit import transpile

    return transpile(qc, basis_gates=sorted(_AER_BASIS), optimization_level=0)


def prepare(
    content: dict[str, Any], target: ExecutionTarget, valid_check: bool = True
) -> PreparedCircuit:
    """Validate a circuit for ``target`` and convert it for simulation.

    Args:
        content: The circuit dictionary.
        target: The execution target.
        valid_check: Check the gate set on simulators too (always done on H-series devices).

    Returns:
        The prepared circuit (without a Qiskit circuit for syntax checkers).

    Raises:
        CircuitError: If the circuit is invalid for the target.
    """
    if not isinstance(content, dict):
        raise CircuitError("circuit JSON must be an object")
    if not target.syntax_check_only:
        # Usual case first: one pass translates and collects the operation types.  A circuit
        # it cannot translate takes the path below, which reports the first error in order.
        try:
            prepared, kinds = _translator().translate_with_types(content)
        except (CircuitError, _Unsupported):
            pass
        else:
            if target.is_quantinuum or valid_check:
                allowed = set(target.device.gate_set)
                _check_gate_set(sorted(k for k in kinds if k not in allowed), target)
            _check_n_qubits(circuit_n_qubits(content), target)
            return prepared
    if target.is_quantinuum or valid_check:
        _check_gate_set(target_violations(content, target), target)
    n_qubits = circuit_n_qubits(content)
    _check_n_qubits(n_qubits, target)
    if target.syntax_check_only:
        bit_keys = sorted(_unit(b, "bit") for b in content.get("bits", []))
        _translate_or_fallback(content)  # full syntax check, including parameters
        return PreparedCircuit(None, [_unit_json(k) for k in bit_keys], [], n_qubits)
    return _translate_or_fallback(content, target)


def _check_gate_set(bad: list[str], target: ExecutionTarget) -> None:
    if bad:
        raise CircuitError(
            f"circuit is not valid for {target.device.device_name}: operation(s) "
            f"{', '.join(bad)} are not in the device gate set "
            f"[{', '.join(target.device.gate_set)}]; compile the circuit for the device "
            "first (for example with a compile job)"
        )


def _check_n_qubits(n_qubits: int, target: ExecutionTarget) -> None:
    if n_qubits > target.device.n_qubits:
        raise CircuitError("circuit " + device_width_message(target.device, n_qubits))


def _translate_or_fallback(
    content: dict[str, Any], target: ExecutionTarget | None = None
) -> PreparedCircuit:
    try:
        return _translator().translate(content)
    except _Unsupported as exc:
        logger.debug("operation %s not translated directly", exc)
    from qiskit_nexus_provider.emulator.classical import is_dynamic

    if is_dynamic(content):
        try:
            return _via_dynamic(content, target)
        except _Unsupported as exc:
            logger.debug("dynamic circuit with operation %s; using pytket-qiskit", exc)
    return _via_pytket(content)


def _via_dynamic(content: dict[str, Any], target: ExecutionTarget | None = None) -> PreparedCircuit:
    """Conditional commands and classical operations, with pytket's meaning (see
    :mod:`~qiskit_nexus_provider.emulator.classical`).

    The readout errors of an emulated device are written into the circuit (qiskit-aer's
    ``ReadoutError`` cannot be combined with ``store``); the circuit is then marked
    ``readout_in_circuit`` so that the simulator's noise model leaves them out."""
    from qiskit_nexus_provider.emulator.classical import dynamic_circuit

    qubits_json, bits_json = content.get("qubits", []), content.get("bits", [])
    if not isinstance(qubits_json, list) or not isinstance(bits_json, list):
        raise CircuitError("circuit JSON 'qubits' and 'bits' must be lists")
    qubit_keys = sorted(_unit(q, "qubit") for q in qubits_json)
    bit_keys = sorted(_unit(b, "bit") for b in bits_json)
    noise = target.noise if target is not None else None
    readout = (noise.p_meas0, noise.p_meas1) if noise is not None else None
    if readout is not None and not any(readout):
        readout = None
    qc = dynamic_circuit(
        content, _translator().qiskit_gates, qubit_keys, bit_keys, readout_error=readout
    )
    prepared = PreparedCircuit(
        qc, [_unit_json(k) for k in bit_keys], list(range(len(bit_keys))), len(qubit_keys)
    )
    prepared.readout_in_circuit = readout is not None
    return prepared
