"""pytket circuit JSON → Qiskit circuits, with the checks Nexus applies before running.

Two converters produce the Qiskit circuit:

* a direct translator for plain gate circuits with numeric parameters (the usual case after
  transpilation), about ten times faster than the general one;
* pytket-qiskit's ``tk_to_qiskit`` on ``pytket.Circuit.from_dict`` for everything else
  (conditionals, boxes, classical operations ...).

Both are checked against each other by the tests.  Result bits follow pytket's order: sorted
by register name, then index.  Heavy imports (qiskit, pytket) happen on first use.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qiskit_nexus_provider.emulator.devices import ExecutionTarget

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

__all__ = [
    "CircuitError",
    "PreparedCircuit",
    "circuit_n_qubits",
    "gate_set_violations",
    "hqc_cost",
    "prepare",
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


def validate_circuit_json(content: dict[str, Any]) -> int:
    """Check that ``content`` is a pytket circuit dictionary; return its number of qubits.

    Args:
        content: The circuit JSON (``pytket.Circuit.to_dict()``), possibly with annotations.

    Returns:
        The number of qubits of the circuit.

    Raises:
        CircuitError: With pytket's explanation if the circuit cannot be loaded.
    """
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
    if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
        raise CircuitError("circuit JSON needs a 'commands' list of objects")
    return commands


def _op_types(content: dict[str, Any]) -> Iterator[str]:
    for command in _commands(content):
        yield from _iter_op_types(command.get("op"))


def gate_set_violations(content: dict[str, Any], gate_set: Sequence[str]) -> list[str]:
    """Operation types used by a circuit that are not in ``gate_set`` (conditionals look inside).

    Args:
        content: The circuit dictionary.
        gate_set: Allowed pytket ``OpType`` names.

    Returns:
        Sorted offending type names (empty when the circuit is valid).
    """
    allowed = set(gate_set)
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


@dataclass
class PreparedCircuit:
    """A circuit ready to run.

    Attributes:
        circuit: The Qiskit circuit (``None`` for syntax checkers).
        bits: pytket bit ids in result order.
        clbit_positions: For each entry of ``bits``, the Qiskit clbit index holding it.
        n_qubits: Number of qubits.
    """

    circuit: QuantumCircuit | None
    bits: list[list[Any]]
    clbit_positions: list[int]
    n_qubits: int


class _Unsupported(Exception):
    """The direct translator does not know an operation; use pytket-qiskit instead."""


class _Translator:
    """Direct pytket JSON → Qiskit translation of plain gate circuits."""

    def __init__(self) -> None:
        from qiskit.circuit import library as lib

        pi = math.pi
        fixed = {
            "X": lib.XGate(),
            "Y": lib.YGate(),
            "Z": lib.ZGate(),
            "H": lib.HGate(),
            "S": lib.SGate(),
            "Sdg": lib.SdgGate(),
            "T": lib.TGate(),
            "Tdg": lib.TdgGate(),
            "SX": lib.SXGate(),
            "SXdg": lib.SXdgGate(),
            "CX": lib.CXGate(),
            "CY": lib.CYGate(),
            "CZ": lib.CZGate(),
            "CH": lib.CHGate(),
            "CSX": lib.CSXGate(),
            "SWAP": lib.SwapGate(),
            "CCX": lib.CCXGate(),
            "CSWAP": lib.CSwapGate(),
            "ECR": lib.ECRGate(),
        }
        self.fixed: dict[str, Any] = fixed
        # type -> (number of parameters, builder of the Qiskit gates from half-turn parameters)
        self.param: dict[str, tuple[int, Any]] = {
            "Rx": (1, lambda p: [lib.RXGate(pi * p[0])]),
            "Ry": (1, lambda p: [lib.RYGate(pi * p[0])]),
            "Rz": (1, lambda p: [lib.RZGate(pi * p[0])]),
            "V": (0, lambda p: [lib.RXGate(pi / 2)]),
            "Vdg": (0, lambda p: [lib.RXGate(-pi / 2)]),
            "U1": (1, lambda p: [lib.PhaseGate(pi * p[0])]),
            "U2": (2, lambda p: [lib.U2Gate(pi * p[0], pi * p[1])]),
            "U3": (3, lambda p: [lib.U3Gate(pi * p[0], pi * p[1], pi * p[2])]),
            "PhasedX": (2, lambda p: [lib.RGate(pi * p[0], pi * p[1])]),
            "TK1": (
                3,
                lambda p: [
                    lib.RZGate(pi * p[2]),
                    lib.RXGate(pi * p[1]),
                    lib.RZGate(pi * p[0]),
                ],
            ),
            "ZZPhase": (1, lambda p: [lib.RZZGate(pi * p[0])]),
            "ZZMax": (0, lambda p: [lib.RZZGate(pi / 2)]),
            "XXPhase": (1, lambda p: [lib.RXXGate(pi * p[0])]),
            "YYPhase": (1, lambda p: [lib.RYYGate(pi * p[0])]),
            "TK2": (
                3,
                lambda p: [
                    lib.RXXGate(pi * p[0]),
                    lib.RYYGate(pi * p[1]),
                    lib.RZZGate(pi * p[2]),
                ],
            ),
            "CRx": (1, lambda p: [lib.CRXGate(pi * p[0])]),
            "CRy": (1, lambda p: [lib.CRYGate(pi * p[0])]),
            "CRz": (1, lambda p: [lib.CRZGate(pi * p[0])]),
            "CU1": (1, lambda p: [lib.CPhaseGate(pi * p[0])]),
        }
        self.skip = frozenset({"Barrier", "noop", "Phase"})
        self._cache: dict[Any, list[Any]] = {}
        self.known = frozenset({*self.fixed, *self.param, "Measure", "Reset", "NPhasedX"})

    def _gate(self, kind: Any, raw_params: Any) -> list[Any]:
        """Qiskit gates for one parametrised pytket operation (cached by exact parameters)."""
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
        n_params, build = entry
        if raw_params is None:
            raw_params = []
        if not isinstance(raw_params, (list, tuple)):
            raise CircuitError(f"malformed parameters {raw_params!r} of {kind}")
        params = [_param(v) for v in raw_params]
        if len(params) != n_params:
            raise CircuitError(f"{kind} needs {n_params} parameter(s), got {len(params)}")
        gates = list(build(params))
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = gates
        return gates

    def translate(self, content: dict[str, Any]) -> PreparedCircuit:
        from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
        from qiskit.circuit import CircuitInstruction, Measure, Reset

        qubits_json, bits_json = content.get("qubits", []), content.get("bits", [])
        if not isinstance(qubits_json, list) or not isinstance(bits_json, list):
            raise CircuitError("circuit JSON 'qubits' and 'bits' must be lists")
        qubit_keys = sorted(_unit(q, "qubit") for q in qubits_json)
        bit_keys = sorted(_unit(b, "bit") for b in bits_json)
        qreg = QuantumRegister(len(qubit_keys), "q")
        creg = ClassicalRegister(len(bit_keys), "c")
        qc = QuantumCircuit(qreg, creg)
        qmap = {key: qreg[i] for i, key in enumerate(qubit_keys)}
        cmap = {key: creg[i] for i, key in enumerate(bit_keys)}
        measure, reset = Measure(), Reset()
        append = qc._append
        fixed, skip, known = self.fixed, self.skip, self.known
        for command in _commands(content):
            try:
                op = command["op"]
                kind = op["type"]
                args = command["args"]
                if kind in skip:
                    continue
                if kind not in known:
                    raise _Unsupported(kind)
                if kind == "Measure":
                    (qn, qi), (cn, ci) = args
                    append(
                        CircuitInstruction(measure, (qmap[qn, tuple(qi)],), (cmap[cn, tuple(ci)],))
                    )
                    continue
                qubits = tuple([qmap[name, tuple(index)] for name, index in args])
            except (KeyError, TypeError, ValueError):
                raise CircuitError(f"malformed command or undeclared unit in {command!r}") from None
            if kind == "Reset":
                append(CircuitInstruction(reset, qubits, ()))
                continue
            gate = fixed.get(kind)
            if gate is not None:
                if len(qubits) != gate.num_qubits:
                    raise CircuitError(f"{kind} applied to {len(qubits)} qubit(s)")
                append(CircuitInstruction(gate, qubits, ()))
                continue
            if kind == "NPhasedX":
                for gate in self._gate("PhasedX", op.get("params")):
                    for qubit in qubits:
                        append(CircuitInstruction(gate, (qubit,), ()))
                continue
            for gate in self._gate(kind, op.get("params")):
                if len(qubits) != gate.num_qubits:
                    raise CircuitError(f"{kind} applied to {len(qubits)} qubit(s)")
                append(CircuitInstruction(gate, qubits, ()))
        return PreparedCircuit(
            circuit=qc,
            bits=[_unit_json(k) for k in bit_keys],
            clbit_positions=list(range(len(bit_keys))),
            n_qubits=len(qubit_keys),
        )


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
    if target.is_quantinuum or valid_check:
        bad = gate_set_violations(content, target.device.gate_set)
        if bad:
            raise CircuitError(
                f"circuit is not valid for {target.device.device_name}: operation(s) "
                f"{', '.join(bad)} are not in the device gate set "
                f"[{', '.join(target.device.gate_set)}]; compile the circuit for the device "
                "first (for example with a compile job)"
            )
    n_qubits = circuit_n_qubits(content)
    if n_qubits > target.device.n_qubits:
        raise CircuitError(
            f"circuit uses {n_qubits} qubits; {target.device.device_name} has "
            f"{target.device.n_qubits}"
        )
    if target.syntax_check_only:
        bit_keys = sorted(_unit(b, "bit") for b in content.get("bits", []))
        _translate_or_fallback(content)  # full syntax check, including parameters
        return PreparedCircuit(None, [_unit_json(k) for k in bit_keys], [], n_qubits)
    return _translate_or_fallback(content)


def _translate_or_fallback(content: dict[str, Any]) -> PreparedCircuit:
    try:
        return _translator().translate(content)
    except _Unsupported as exc:
        logger.debug("operation %s not translated directly; using pytket-qiskit", exc)
        return _via_pytket(content)
