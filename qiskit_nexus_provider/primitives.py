"""Sampler and Estimator V2 primitives for Nexus backends and the offline simulators.

.. code-block:: python

    from qiskit.circuit.library import real_amplitudes
    from qiskit.quantum_info import SparsePauliOp
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_nexus_provider import NexusEstimatorV2, NexusProvider

    backend = NexusProvider().get_backend("offline_simulator_no_noise")
    ansatz = real_amplitudes(2, reps=1)
    isa = generate_preset_pass_manager(backend=backend, optimization_level=2).run(ansatz)
    observable = SparsePauliOp("ZZ").apply_layout(isa.layout)
    estimator = NexusEstimatorV2(backend, options={"default_precision": 0.02})
    result = estimator.run([(isa, observable, [[0.1] * 4, [0.2] * 4])]).result()
    print(result[0].data.evs)

Both primitives are Qiskit's :class:`~qiskit.primitives.BackendSamplerV2` and
:class:`~qiskit.primitives.BackendEstimatorV2`, given the Nexus backend through a thin adapter
(see :class:`NexusSamplerV2` for what it does).  Only public Qiskit API is used.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from qiskit import QuantumCircuit
from qiskit.primitives import BackendEstimatorV2, BackendSamplerV2, PrimitiveJob, PrimitiveResult
from qiskit.primitives.containers import (
    EstimatorPub,
    EstimatorPubLike,
    PubResult,
    SamplerPub,
    SamplerPubLike,
    SamplerPubResult,
)
from qiskit.providers import BackendV2, JobV1, Options
from qiskit.transpiler import PassManager, PassManagerConfig, Target

from .backends.base import NexusBackend
from .options import MAX_SHOTS
from .target import QISKIT_DIRECTIVES
from .transpiler.plugins import NexusTranslationPlugin, nexus_native_passes, supports_nexus_gates
from .validation import circuit_list, operation_names

__all__ = ["NexusEstimatorV2", "NexusSamplerV2"]

logger = logging.getLogger(__name__)


class _PrimitiveBackend(BackendV2):
    """The Nexus backend as Qiskit's backend primitives see it.

    * ``max_circuits`` is ``None``, so the primitive hands each batch to ``backend.run`` in one
      call, which splits it into a :class:`.NexusCompositeJob` when needed;
    * circuits with instructions outside the target (the measurement-basis gates an estimator
      appends, on a target that lacks them) are translated with the ``nexus`` translation stage;
      with ``squash=True`` every circuit also goes through :class:`.NormalizeRZZ` and
      :class:`.SquashToRRz`, which merges appended basis changes into the circuit's last ``r``;
    * ``run_defaults()`` supplies run options under the ones the primitive passes.
    """

    def __init__(
        self,
        backend: NexusBackend,
        *,
        squash: bool = False,
        run_defaults: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(
            provider=backend.provider,
            name=backend.name,
            description=backend.description,
            backend_version=backend.backend_version,
        )
        self.nexus_backend = backend
        self._squash = squash
        self._run_defaults = run_defaults

    @classmethod
    def _default_options(cls) -> Options:
        return Options()

    @property
    def target(self) -> Target:
        return self.nexus_backend.target

    @property
    def max_circuits(self) -> int | None:
        return None

    def run(self, run_input: QuantumCircuit | Sequence[QuantumCircuit], **options: Any) -> JobV1:
        circuits = circuit_list(run_input)
        prepared = self._prepare(circuits)
        run_options = {**(self._run_defaults() if self._run_defaults else {}), **options}
        return self.nexus_backend.run(prepared, **run_options)

    def _prepare(self, circuits: list[QuantumCircuit]) -> list[QuantumCircuit]:
        allowed = set(self.target.operation_names) | QISKIT_DIRECTIVES
        # Instructions inside control-flow blocks count too (dynamic circuits).
        foreign = [i for i, c in enumerate(circuits) if not operation_names(c) <= allowed]
        if foreign:
            logger.debug(
                "translating %d circuit(s) with instructions outside the %s target",
                len(foreign),
                self.name,
            )
            config = PassManagerConfig.from_backend(self.nexus_backend)
            translation = NexusTranslationPlugin().pass_manager(config, optimization_level=0)
            # One circuit at a time: PassManager.run on a list may fork worker processes, which
            # is slow for small batches and unsafe in the primitive's worker thread.
            for index in foreign:
                circuits[index] = translation.run(circuits[index])
        if self._squash:
            single, two = supports_nexus_gates(PassManagerConfig(target=self.target))
            if single:
                native: PassManager = nexus_native_passes(two_qubit=two)
                done = set(foreign)
                for index, circuit in enumerate(circuits):
                    if index not in done:
                        circuits[index] = native.run(circuit)
        return circuits


class NexusSamplerV2(BackendSamplerV2):
    """Sampler V2 primitive for Nexus backends and the offline simulators.

    This is Qiskit's :class:`~qiskit.primitives.BackendSamplerV2` running on ``backend``: each
    PUB gives a :class:`~qiskit.primitives.containers.BitArray` per classical register, by
    register name (``result[0].data.meas``).  Give it circuits transpiled for the backend
    (``generate_preset_pass_manager(backend=backend).run(circuit)``); a circuit with gates
    outside the backend's target is translated to the native gates (no layout, no routing).
    Dynamic circuits (``if_test``, ``switch``, mid-circuit measurements; loops on the offline
    simulators only) run as with ``backend.run``; gates inside their blocks are translated too.

    **Batching.**  All circuits of a run that share a shot count go to ``backend.run`` in **one**
    call (the backend is presented to Qiskit with ``max_circuits = None``).  A batch larger than
    the ``max_circuits_per_job`` run option (default: the backend's ``max_circuits``, 1000
    offline and 300 remote) becomes a :class:`.NexusCompositeJob`: one job id for the whole
    batch, sub-jobs submitted concurrently by a bounded pool and written to the provider's job
    store before submission, failures reported per sub-job, results merged in input order.
    Qiskit's own splitting would submit one plain job per ``backend.max_circuits`` circuits,
    knowing nothing of ``max_circuits_per_job`` (``backend.run`` would then split each chunk
    again) nor of the store.  Set ``options={"run_options": {"max_circuits_per_job": n}}`` to
    choose the size of the sub-jobs.

    A circuit may ask for at most 10 000 shots (the H-series limit); more raise ``ValueError``
    in :meth:`run`, before anything is submitted.

    Args:
        backend: a backend of :class:`.NexusProvider` (offline or remote).
        options: as for :class:`~qiskit.primitives.BackendSamplerV2`: ``default_shots`` (default
            1024), ``seed_simulator`` (offline simulators and Aer on Nexus) and ``run_options``
            (passed to ``backend.run``, e.g. ``max_circuits_per_job``, ``poll_interval``,
            ``job_name``).
    """

    def __init__(self, backend: NexusBackend, *, options: dict[str, Any] | None = None) -> None:
        super().__init__(backend=_PrimitiveBackend(backend), options=options)
        self._nexus_backend = backend

    @property
    def backend(self) -> NexusBackend:
        """The Nexus backend the sampler runs on."""
        return self._nexus_backend

    def run(
        self, pubs: Iterable[SamplerPubLike], *, shots: int | None = None
    ) -> PrimitiveJob[PrimitiveResult[SamplerPubResult]]:
        """Run the PUBs and return a job whose result has one entry per PUB.

        Args:
            pubs: ``circuit`` or ``(circuit, parameter_values[, shots])`` tuples.
            shots: shots of PUBs that do not set theirs (default: ``default_shots``).

        Raises:
            ValueError: a PUB asks for more than 10 000 shots.
        """
        if shots is None:
            shots = self.options.default_shots
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        for index, pub in enumerate(coerced):
            if pub.shots is not None and pub.shots > MAX_SHOTS:
                raise ValueError(
                    f"PUB {index} asks for {pub.shots} shots, but {self._nexus_backend.name} runs "
                    f"at most {MAX_SHOTS} shots per circuit; split it into several PUBs."
                )
        return super().run(coerced, shots=shots)


class NexusEstimatorV2(BackendEstimatorV2):
    """Estimator V2 primitive for Nexus backends and the offline simulators.

    This is Qiskit's :class:`~qiskit.primitives.BackendEstimatorV2` running on ``backend``.  Give
    it circuits transpiled for the backend and observables laid out the same way
    (``observable.apply_layout(isa_circuit.layout)``).

    **Measurement bases.**  Qiskit measures each group of commuting Pauli terms by appending
    basis changes (``sdg``, ``h``) and measurements to the circuit.  Every circuit the estimator
    submits goes through the ``nexus`` native passes first: gates outside the target are
    translated by the ``nexus`` translation stage (so the backend never rejects an appended
    gate, whatever form Qiskit gives it), and the appended rotations merge with the circuit's
    last ``r`` on each qubit (:class:`.SquashToRRz`), so measuring in the X or Y basis costs no
    extra physical gate.  Both steps are exact.

    **Batching.**  As for :class:`NexusSamplerV2`: one ``backend.run`` call per shot count,
    split into a :class:`.NexusCompositeJob` by the backend when larger than
    ``max_circuits_per_job``.

    The shots per circuit are ``ceil(1 / precision**2)``; since a circuit may ask for at most
    10 000 shots, a precision below 0.01 raises ``ValueError`` in :meth:`run`.

    Args:
        backend: a backend of :class:`.NexusProvider` (offline or remote).
        options: as for :class:`~qiskit.primitives.BackendEstimatorV2`: ``default_precision``
            (default 0.015625, i.e. 4096 shots), ``abelian_grouping`` and ``seed_simulator``;
            plus ``run_options``, passed to ``backend.run`` (Qiskit's estimator has no such
            option; here it is kept in :attr:`run_options`).
    """

    def __init__(self, backend: NexusBackend, *, options: dict[str, Any] | None = None) -> None:
        qiskit_options = dict(options or {})
        self.run_options: dict[str, Any] = dict(qiskit_options.pop("run_options", None) or {})
        """Options passed to ``backend.run`` (below the shots and seed the estimator sets)."""
        adapter = _PrimitiveBackend(backend, squash=True, run_defaults=lambda: self.run_options)
        super().__init__(backend=adapter, options=qiskit_options)
        self._nexus_backend = backend

    @property
    def backend(self) -> NexusBackend:
        """The Nexus backend the estimator runs on."""
        return self._nexus_backend

    def run(
        self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None
    ) -> PrimitiveJob[PrimitiveResult[PubResult]]:
        """Run the PUBs and return a job whose result has one entry per PUB.

        Args:
            pubs: ``(circuit, observables[, parameter_values[, precision]])`` tuples.
            precision: precision of PUBs that do not set theirs (default:
                ``default_precision``).

        Raises:
            ValueError: a PUB's precision needs more than 10 000 shots (precision below 0.01).
        """
        if precision is None:
            precision = self.options.default_precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        for index, pub in enumerate(coerced):
            if pub.precision is not None and pub.precision > 0:
                shots = math.ceil(1.0 / pub.precision**2)
                if shots > MAX_SHOTS:
                    raise ValueError(
                        f"PUB {index} asks for precision {pub.precision:g}, i.e. {shots} shots, "
                        f"but {self._nexus_backend.name} runs at most {MAX_SHOTS} shots per "
                        f"circuit: use a precision of at least {1 / math.sqrt(MAX_SHOTS):g}."
                    )
        return super().run(coerced, precision=precision)
