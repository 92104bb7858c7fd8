"""Qiskit circuits as QIR programs for Helios, and QIR job outputs back as pytket results.

* :func:`to_qir` encodes a :class:`~qiskit.circuit.QuantumCircuit` as QIR bitcode through our
  pytket encoding (:func:`~qiskit_nexus_provider.encoding.to_pytket_dict`) and ``pytket-qir``
  (adaptive profile: mid-circuit measurement, reset and classically conditioned gates carry
  over).  Each classical register is recorded as one integer output labelled with the register's
  pytket name (``__quantum__rt__int_record_output``), bit ``i`` of the integer being bit ``i``
  of the register.
* :func:`qir_output_to_pytket` parses the QIR output text a Helios job returns (the QIR output
  schema, ``OUTPUT\\tINT\\t<value>\\t<label>`` lines between ``START`` and ``END`` of each shot,
  as ``qnexus`` downloads it from ``/api/qsys_results/v1beta2/partial/{id}?version=3``) into a
  pytket ``BackendResult`` dictionary, which :func:`~qiskit_nexus_provider.encoding.decode_result`
  turns into Qiskit counts and memory with the keys Aer gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from qiskit import QuantumCircuit

from ..exceptions import CircuitValidationError
from .encoder import to_pytket_dict

__all__ = [
    "CONDITION_REGISTER",
    "QIR_GATES",
    "QIR_INT_WIDTH",
    "qir_labels",
    "qir_output_to_pytket",
    "single_register_conditions",
    "to_qir",
    "to_qir_text",
]

QIR_INT_WIDTH = 64
"""Widest classical register QIR records (pytket-qir's ``int_type``)."""

QIR_GATES = frozenset(
    {
        "H", "X", "Y", "Z", "S", "Sdg", "T", "Tdg", "Rx", "Ry", "Rz", "CX", "CZ",
        "PhasedX", "ZZPhase", "ZZMax", "TK2", "Measure", "Reset", "Barrier",
    }
)  # fmt: skip
"""pytket op types pytket-qir writes as QIR calls; others are rebased to Rz, PhasedX, ZZPhase."""


def _pytket_circuit(circuit: QuantumCircuit) -> Any:
    from pytket import Circuit, OpType
    from pytket.passes import AutoRebase, DecomposeBoxes, FlattenRelabelRegistersPass

    try:
        tk = Circuit.from_dict(single_register_conditions(to_pytket_dict(circuit)))
    except Exception as exc:
        raise CircuitValidationError(
            f"circuit {circuit.name!r} cannot be converted to QIR: {exc}"
        ) from None
    for creg in tk.c_registers:
        if creg.size > QIR_INT_WIDTH:
            raise CircuitValidationError(
                f"circuit {circuit.name!r}: classical register {creg.name!r} has {creg.size} "
                f"bits; QIR records registers as {QIR_INT_WIDTH}-bit integers, so split it "
                f"into registers of at most {QIR_INT_WIDTH} bits"
            )
    DecomposeBoxes().apply(tk)
    # pytket-qir wants the qubits in one register named "q"; pytket refuses a bit register of
    # that name beside it, so such a register is recorded under another label.
    labels = qir_labels(creg.name for creg in tk.c_registers)
    if labels:
        from pytket import Bit

        tk.rename_units(
            {bit: Bit(labels[bit.reg_name], bit.index) for bit in tk.bits if bit.reg_name in labels}
        )
    FlattenRelabelRegistersPass("q").apply(tk)

    def needs_rebase(command: Any) -> bool:
        op = command.op
        if op.type == OpType.Conditional:
            op = op.op
        return op.type.name not in QIR_GATES and op.type.name not in _CLASSICAL

    if any(needs_rebase(c) for c in tk.get_commands()):
        try:
            AutoRebase({OpType.Rz, OpType.PhasedX, OpType.ZZPhase}).apply(tk)
        except Exception as exc:
            raise CircuitValidationError(
                f"circuit {circuit.name!r} holds gates QIR cannot express: {exc}"
            ) from None
    return tk


CONDITION_REGISTER = "tk_SCRATCH_BIT_qir"
"""Register of the bit a condition on several bits is evaluated into (renamed if taken)."""


def _whole_register(bits: Sequence[Any], sizes: dict[str, int]) -> bool:
    """Whether ``bits`` are one register, all of it, in index order (or a single bit)."""
    if len(bits) == 1:
        return True
    name = bits[0][0]
    return sizes.get(name) == len(bits) and all(
        bit[0] == name and bit[1] == [i] for i, bit in enumerate(bits)
    )


def _all_equal_command(bits: Sequence[Any], value: int, out: Any) -> dict[str, Any]:
    """A ``ClExpr`` command writing ``bits == value`` (bit ``i`` against bit ``i`` of
    ``value``) into ``out``."""

    def literal(i: int) -> dict[str, Any]:
        variable = {"term": {"type": "bit", "var": {"index": i}}, "type": "var"}
        term: dict[str, Any] = {"input": variable, "type": "term"}
        if (value >> i) & 1:
            return term
        return {"input": {"args": [term], "op": "BitNot"}, "type": "expr"}

    tree = literal(0)
    for i in range(1, len(bits)):
        tree = {"input": {"args": [tree, literal(i)], "op": "BitAnd"}, "type": "expr"}
    return {
        "args": [*bits, out],
        "op": {
            "expr": {
                "bit_posn": [[i, i] for i in range(len(bits))],
                "expr": tree["input"],
                "output_posn": [len(bits)],
                "reg_posn": [],
            },
            "type": "ClExpr",
        },
    }


def single_register_conditions(circuit: dict[str, Any]) -> dict[str, Any]:
    """pytket circuit JSON whose conditions are each on one bit or one whole register.

    pytket-qir converts only those ("conditional can only work with one entire register"),
    while our encoding conditions the commands of nested ``if_test`` blocks on several bits
    (the outer and the inner condition).  Each other condition is first evaluated into a
    scratch bit by a ``ClExpr`` (the AND of its bits, each compared with its bit of the
    value), and the command is conditioned on that bit.  The condition's bits are the same
    just before the command as where the encoder wrote it (blocks never write the bits they
    are conditioned on), so the meaning is unchanged.

    Args:
        circuit: pytket circuit JSON (:func:`~qiskit_nexus_provider.encoding.to_pytket_dict`);
            not modified.

    Returns:
        ``circuit`` itself when every condition is already one bit or register, else a copy
        with the rewritten commands and the scratch bit declared.
    """
    sizes: dict[str, int] = {}
    for name, _ in circuit["bits"]:
        sizes[name] = sizes.get(name, 0) + 1
    out: Any = None
    commands: list[dict[str, Any]] = []
    for command in circuit["commands"]:
        op = command["op"]
        if op["type"] != "Conditional":
            commands.append(command)
            continue
        width, value = op["conditional"]["width"], op["conditional"]["value"]
        bits = command["args"][:width]
        if _whole_register(bits, sizes):
            commands.append(command)
            continue
        if out is None:
            name, k = CONDITION_REGISTER, 0
            while name in sizes:
                k += 1
                name = f"{CONDITION_REGISTER}{k}"
            out = [name, [0]]
        commands.append(_all_equal_command(bits, value, out))
        inner = op["conditional"]["op"]
        commands.append(
            {
                "args": [out, *command["args"][width:]],
                "op": {"conditional": {"op": inner, "value": 1, "width": 1}, "type": "Conditional"},
            }
        )
    if out is None:
        return circuit
    return {**circuit, "bits": [*circuit["bits"], out], "commands": commands}


def qir_labels(registers: Iterable[str]) -> dict[str, str]:
    """QIR output labels of the bit registers not recorded under their own name.

    * A register named ``q``: pytket-qir needs the qubits' register to be ``q``; it is recorded
      as ``q_c``.
    * A name holding a control character (tab, newline, NUL...): the QIR output is text with
      one ``OUTPUT<TAB>INT<TAB>value<TAB>label`` line per output, so such a label would be cut
      (and the register read as 0); it is recorded as ``reg_`` and the name's UTF-8 bytes in
      hexadecimal.

    A label already taken by another register gets ``_c`` appended until free.  The encoder and
    the decoder both call this with the circuit's bit register names.
    """
    names = set(registers)
    taken = set(names)
    labels: dict[str, str] = {}
    for name in sorted(names):
        if name == "q":
            label = "q_c"
        elif any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
            label = "reg_" + name.encode().hex()
        else:
            continue
        while label in taken:
            label += "_c"
        taken.add(label)
        labels[name] = label
    return labels


_CLASSICAL = frozenset(
    {"SetBits", "CopyBits", "ClExpr", "ExplicitPredicate", "RangePredicate", "Phase"}
)


def to_qir(circuit: QuantumCircuit) -> bytes:
    """Encode a circuit as QIR bitcode (adaptive profile), the program Helios runs.

    Args:
        circuit: A circuit transpiled for the Helios backend (measurements, resets and
            conditions on classical bits or registers allowed).

    Returns:
        The LLVM bitcode of the QIR module, as ``qnexus.qir.upload`` expects it.

    Raises:
        CircuitValidationError: something QIR cannot express (a classical register wider
            than 64 bits, a gate pytket-qir does not convert, a classical operation it does
            not support); the message names it.
    """
    from pytket.qir import QIRFormat, QIRProfile, pytket_to_qir

    tk = _pytket_circuit(circuit)
    try:
        bitcode = pytket_to_qir(
            tk,
            name=circuit.name or "circuit",
            qir_format=QIRFormat.BINARY,
            int_type=QIR_INT_WIDTH,
            profile=QIRProfile.ADAPTIVE,
        )
    except Exception as exc:
        raise CircuitValidationError(
            f"circuit {circuit.name!r} cannot be expressed in QIR: {exc}"
        ) from None
    assert isinstance(bitcode, bytes)
    return bitcode


def to_qir_text(circuit: QuantumCircuit) -> str:
    """The QIR of :func:`to_qir` as LLVM text (for reading; Nexus takes the bitcode)."""
    import pyqir

    module = pyqir.Module.from_bitcode(pyqir.Context(), to_qir(circuit))
    return str(module)


def _shots(text: str) -> list[dict[str, int]]:
    shots: list[dict[str, int]] = []
    current: dict[str, int] | None = None
    for line in text.splitlines():
        fields = line.rstrip("\r").split("\t")
        tag = fields[0]
        if tag == "START":
            current = {}
        elif tag == "END":
            if current is not None:
                shots.append(current)
            current = None
        elif tag == "OUTPUT" and current is not None and len(fields) >= 4:
            kind, value, label = fields[1], fields[2], fields[3]
            if kind in ("INT", "RESULT", "BOOL"):
                current[label] = (
                    int(value) if kind != "BOOL" else int(value.lower() in ("true", "1"))
                )
    return shots


def qir_output_to_pytket(text: str, clbits: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Turn the QIR output of a Helios job into a pytket ``BackendResult`` dictionary.

    Args:
        text: The QIR output schema text (``results`` of the QSYS result, version 3).
        clbits: pytket bit id ``(register, index)`` of each Qiskit clbit, in clbit order.

    Returns:
        ``{"bits": [...], "shots": {"width", "array"}}``, one row per shot, for
        :func:`~qiskit_nexus_provider.encoding.decode_result`.  A register the program did not
        record reads 0.

    Raises:
        ValueError: the text holds no shot.
    """
    shots = _shots(text)
    if not shots:
        raise ValueError("the QIR output holds no shot (no START ... END block)")
    labels = qir_labels(name for name, _ in clbits)
    bits = [[name, [int(index)]] for name, index in clbits]
    rows = []
    n_bytes = (len(bits) + 7) // 8
    for shot in shots:
        packed = 0
        for name, index in clbits:
            value = shot.get(labels.get(name, name), 0)
            packed = (packed << 1) | ((value >> int(index)) & 1)
        packed <<= n_bytes * 8 - len(bits)
        rows.append(list(packed.to_bytes(n_bytes, "big")) if n_bytes else [])
    return {"qubits": [], "bits": bits, "shots": {"width": len(bits), "array": rows}}
