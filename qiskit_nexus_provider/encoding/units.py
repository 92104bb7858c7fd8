"""Naming of pytket units (qubits and bits) for Qiskit circuits.

Qiskit bits that belong to a register are named exactly as
:func:`pytket.extensions.qiskit.qiskit_to_tk` names them: ``(register name,
index in register)``; a bit in several registers takes the name from the *last*
register in ``circuit.qregs`` / ``circuit.cregs`` that holds it (and every
register still contributes all its units to the pytket circuit).

``qiskit_to_tk`` cannot convert bits that belong to no register.  Here such
*loose* bits are gathered, in circuit order, into one extra register named ``q``
(qubits) or ``c`` (clbits); if a register of that name already exists the name
becomes ``q_loose`` / ``c_loose`` (then ``q_loose1``, ``q_loose2``, ...).

A pytket circuit cannot hold a qubit and a bit of the same register name (``Circuit.from_dict``:
'A unit with ID "r[0]" already exists'; pytket-qir: 'Incompatible registers'), which Qiskit
allows (``QuantumRegister(2, "r")`` with ``ClassicalRegister(2, "r")``).  Bits keep their names
(they name the results); a quantum register whose name a classical one uses is renamed
``<name>_q`` (then ``<name>_q1``, ...), and loose qubits avoid classical names too.  Qubit names
appear in no result, so the renaming is invisible to the user.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from qiskit.circuit import QuantumCircuit, Register

__all__ = [
    "UnitMap",
    "bit_names",
    "creg_sizes",
    "loose_register_name",
    "unit_map",
    "unit_maps",
]

#: A pytket unit id as it appears in circuit JSON: ``[register name, [index]]``.
UnitJson = list[Any]


def loose_register_name(base: str, taken: Iterable[str]) -> str:
    """Name of the extra register that holds a circuit's loose bits.

    Args:
        base: ``"q"`` for qubits, ``"c"`` for clbits.
        taken: Names of the circuit's registers of the same kind.

    Returns:
        ``base`` if unused, else the first unused of ``base + "_loose"``,
        ``base + "_loose1"``, ``base + "_loose2"``, ...
    """
    names = set(taken)
    if base not in names:
        return base
    candidate = f"{base}_loose"
    k = 0
    while candidate in names:
        k += 1
        candidate = f"{base}_loose{k}"
    return candidate


class UnitMap:
    """pytket unit ids for one kind of Qiskit bit (qubits or clbits).

    Attributes:
        by_bit: Qiskit bit -> unit JSON ``[name, [index]]`` (shared lists).
        units: Every pytket unit of this kind, sorted as pytket sorts them.
        loose: Bits that belong to no register, in circuit order.
        loose_name: Register name given to the loose bits (``None`` if none).
        renamed: Registers written under another name (to avoid ``avoid``), by original name.
        names: Every register name written (loose register included).

    Args:
        registers: The circuit's registers of this kind.
        bits: The circuit's bits of this kind.
        base: ``"q"`` or ``"c"``, the name of the loose bits' register if free.
        avoid: Names this kind may not use (for qubits: the names of the bit registers).
    """

    __slots__ = ("by_bit", "loose", "loose_name", "names", "renamed", "units")

    def __init__(
        self,
        registers: Sequence[Register],
        bits: Sequence[Any],
        base: str,
        avoid: Collection[str] = frozenset(),
    ) -> None:
        by_bit: dict[Any, UnitJson] = {}
        keys: set[tuple[str, int]] = set()
        renamed: dict[str, str] = {}
        own = {reg.name for reg in registers}
        for reg in registers:
            name = reg.name
            if name in avoid:
                name = renamed.get(reg.name) or _free_name(f"{name}_q", own, avoid)
                renamed[reg.name] = name
                own.add(name)
            for i, bit in enumerate(reg):
                # Later registers overwrite earlier ones, as in qiskit_to_tk.
                by_bit[bit] = [name, [i]]
                keys.add((name, i))
        loose = [bit for bit in bits if bit not in by_bit] if len(by_bit) < len(bits) else []
        loose_name = None
        if loose:
            loose_name = loose_register_name(base, own | set(avoid))
            own.add(loose_name)
            for i, bit in enumerate(loose):
                by_bit[bit] = [loose_name, [i]]
                keys.add((loose_name, i))
        self.by_bit = by_bit
        self.units: list[UnitJson] = [[name, [i]] for name, i in sorted(keys)]
        self.loose = loose
        self.loose_name = loose_name
        self.renamed = renamed
        self.names = {name for name, _ in keys}


def _free_name(candidate: str, *taken: Collection[str]) -> str:
    """``candidate``, or ``candidate`` followed by 1, 2, ...: the first in none of ``taken``."""
    name, k = candidate, 0
    while any(name in names for names in taken):
        k += 1
        name = f"{candidate}{k}"
    return name


def unit_maps(circuit: QuantumCircuit) -> tuple[UnitMap, UnitMap]:
    """The :class:`UnitMap` of ``circuit``'s qubits and of its clbits, with distinct names."""
    cunits = UnitMap(circuit.cregs, circuit.clbits, "c")
    return UnitMap(circuit.qregs, circuit.qubits, "q", cunits.names), cunits


def unit_map(circuit: QuantumCircuit, kind: str) -> UnitMap:
    """Build the :class:`UnitMap` of ``circuit``'s qubits (``"q"``) or clbits (``"c"``)."""
    if kind == "q":
        return unit_maps(circuit)[0]
    return UnitMap(circuit.cregs, circuit.clbits, "c")


def bit_names(circuit: QuantumCircuit) -> list[tuple[str, int]]:
    """pytket bit ids of a circuit's clbits, in Qiskit clbit order.

    Entry ``j`` is the ``(register name, index)`` of the pytket bit that
    :func:`~qiskit_nexus_provider.encoding.to_pytket_dict` writes for
    ``circuit.clbits[j]``.  Pass it to
    :func:`~qiskit_nexus_provider.encoding.decode_result` to turn pytket results
    back into Qiskit counts.

    Args:
        circuit: The circuit that was (or will be) encoded.

    Returns:
        One ``(name, index)`` pair per clbit.
    """
    by_bit = unit_map(circuit, "c").by_bit
    return [(unit[0], unit[1][0]) for unit in (by_bit[bit] for bit in circuit.clbits)]


def creg_sizes(circuit: QuantumCircuit) -> list[tuple[str, int]]:
    """``(name, size)`` of each classical register, in ``circuit.cregs`` order.

    This is the register layout Qiskit (and Aer) use to format count keys; pass
    it to :func:`~qiskit_nexus_provider.encoding.decode_result`.
    """
    return [(reg.name, reg.size) for reg in circuit.cregs]
