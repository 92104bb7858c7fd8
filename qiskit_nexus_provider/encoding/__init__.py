"""Fast conversion between Qiskit objects and Nexus' pytket JSON formats.

* :func:`to_pytket_dict` encodes a :class:`~qiskit.circuit.QuantumCircuit` as
  pytket circuit JSON (what ``qiskit_to_tk(circuit).to_dict()`` gives).
* :func:`decode_result` turns pytket ``BackendResult`` JSON into Qiskit counts
  and memory, formatted exactly as :class:`~qiskit_aer.AerSimulator` formats them.
* :func:`bit_names` and :func:`creg_sizes` describe a circuit's classical bits
  for :func:`decode_result`.
"""

from .decoder import decode_result
from .encoder import to_pytket_dict
from .units import bit_names, creg_sizes

__all__ = ["bit_names", "creg_sizes", "decode_result", "to_pytket_dict"]
