"""Build Qiskit :class:`~qiskit.result.Result` objects the way ``AerSimulator`` does.

Counts and memory are stored as hexadecimal memory-slot values (``"0x5"``) together with a header
holding ``creg_sizes`` and ``memory_slots``; Qiskit's ``Result.get_counts()`` formats them into
bit strings (last classical bit leftmost, registers separated by spaces).  Because the header is
the one Aer writes for the same circuit, the keys are identical to ``AerSimulator``'s.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from qiskit import QuantumCircuit
from qiskit.result import Result
from qiskit.result.models import ExperimentResult, ExperimentResultData

__all__ = [
    "experiment_header",
    "failed_experiment",
    "make_result",
    "successful_experiment",
]

logger = logging.getLogger(__name__)


def _json_safe_metadata(circuit: QuantumCircuit) -> dict[str, Any]:
    metadata = dict(circuit.metadata or {})
    try:
        json.dumps(metadata)
    except (TypeError, ValueError):
        logger.warning(
            "Metadata of circuit %r is not JSON-serialisable; it is left out of the remote "
            "result header.",
            circuit.name,
        )
        return {}
    return metadata


def experiment_header(circuit: QuantumCircuit) -> dict[str, Any]:
    """The experiment header Aer writes for ``circuit`` (name, metadata, register layout)."""
    return {
        "creg_sizes": [[creg.name, creg.size] for creg in circuit.cregs],
        "global_phase": float(circuit.global_phase),
        "memory_slots": circuit.num_clbits,
        "n_qubits": circuit.num_qubits,
        "name": circuit.name,
        "qreg_sizes": [[qreg.name, qreg.size] for qreg in circuit.qregs],
        "metadata": _json_safe_metadata(circuit),
    }


def successful_experiment(
    header: Mapping[str, Any],
    shots: int,
    counts: Mapping[str, int],
    memory: Sequence[str] | None = None,
) -> ExperimentResult:
    """An experiment result from hexadecimal counts (and memory)."""
    data = ExperimentResultData(counts=dict(counts), memory=list(memory) if memory else None)
    return ExperimentResult(
        shots=shots, success=True, data=data, header=dict(header), status="DONE"
    )


def failed_experiment(header: Mapping[str, Any], shots: int, message: str) -> ExperimentResult:
    """A placeholder for an experiment that did not run, keeping result indexes aligned."""
    return ExperimentResult(
        shots=shots,
        success=False,
        data=ExperimentResultData(),
        header=dict(header),
        status=f"ERROR: {message}",
    )


def make_result(
    experiments: Sequence[ExperimentResult],
    *,
    backend_name: str,
    backend_version: str,
    job_id: str,
    status: str | None = None,
    date: str | None = None,
    time_taken: float | None = None,
) -> Result:
    """Assemble a :class:`~qiskit.result.Result`; ``success`` is true when every experiment is.

    ``date`` (ISO 8601) and ``time_taken`` (seconds) are set only when given.
    """
    success = all(e.success for e in experiments)
    extra: dict[str, Any] = {}
    if date is not None:
        extra["date"] = date
    if time_taken is not None:
        extra["time_taken"] = time_taken
    return Result(
        **extra,
        backend_name=backend_name,
        backend_version=backend_version,
        job_id=job_id,
        success=success,
        results=list(experiments),
        status=status or ("COMPLETED" if success else "PARTIAL COMPLETED"),
    )
