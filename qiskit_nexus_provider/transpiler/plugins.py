"""Transpiler stage plugins for Quantinuum Nexus backends.

The ``nexus`` translation plugin is what :func:`~qiskit.compiler.transpile` uses for every
backend of this package (:meth:`.NexusBackend.get_translation_stage_plugin`), so
``transpile(circuit, backend)`` needs no extra argument.  It is registered under the
``qiskit.transpiler.translation`` entry point group; with another backend or a bare target, ask
for it by name: ``transpile(circuit, target=target, translation_method="nexus")``.

At optimization levels 2 and 3, Qiskit's optimization stage runs *after* translation and
re-synthesises two-qubit blocks and single-qubit runs in its own ``RR`` form (two ``r`` gates,
angles not wrapped).  The ``nexus`` **scheduling** plugin (:class:`NexusSchedulingPlugin`, the last
stage of the preset pass managers, entry point group ``qiskit.transpiler.scheduling``) puts the
circuit back into the native form: ``transpile(..., scheduling_method="nexus")``, or
``pm.scheduling = NexusSchedulingPlugin().pass_manager(config, level)`` on a preset pass manager.
"""

from __future__ import annotations

import logging

from qiskit.circuit import Gate
from qiskit.transpiler import PassManager, PassManagerConfig
from qiskit.transpiler.preset_passmanagers.common import (
    generate_scheduling,
    generate_translation_passmanager,
)
from qiskit.transpiler.preset_passmanagers.plugin import PassManagerStagePlugin
from qiskit.transpiler.timing_constraints import TimingConstraints

from .passes import NormalizeRZZ, SquashToRRz, SynthesizeRZZ

__all__ = [
    "NexusSchedulingPlugin",
    "NexusTranslationPlugin",
    "nexus_native_passes",
    "supports_nexus_gates",
]

logger = logging.getLogger(__name__)


_NATIVE_GATES = frozenset({"r", "rz", "rzz"})
_NON_GATES = frozenset({"measure", "reset", "delay", "barrier"})


def _gate_names(config: PassManagerConfig) -> set[str]:
    """Names of the unitary gates of the configuration's target (or basis gates)."""
    target = config.target
    if target is not None:
        return {
            name
            for name in target.operation_names
            if isinstance(target.operation_from_name(name), Gate)
        }
    return set(config.basis_gates or ()) - _NON_GATES


def supports_nexus_gates(config: PassManagerConfig) -> tuple[bool, bool]:
    """Whether the target's gates are the Quantinuum native ones: ``(r and rz, also rzz)``.

    Both are false for a target with other gates too (Aer on Nexus accepts ``cx``, ``h``...):
    such a target gets Qiskit's translation unchanged.
    """
    gates = _gate_names(config)
    single = {"r", "rz"} <= gates <= _NATIVE_GATES
    return single, single and "rzz" in gates


def nexus_native_passes(*, two_qubit: bool = True) -> PassManager:
    """The passes that bring a circuit translated to ``rz``/``r``/``rzz`` into its final form.

    Args:
        two_qubit: also normalise ``rzz`` angles (:class:`.NormalizeRZZ`).

    Returns:
        :class:`.NormalizeRZZ` (if ``two_qubit``) then :class:`.SquashToRRz`.
    """
    passes = [NormalizeRZZ()] if two_qubit else []
    return PassManager([*passes, SquashToRRz()])


class NexusTranslationPlugin(PassManagerStagePlugin):
    r"""Translation stage to the Quantinuum native gates ``rz``, ``r`` (PhasedX) and ``rzz``.

    The stage is:

    1. :class:`.SynthesizeRZZ`: every bound two-qubit gate becomes the minimal number of ``rzz``
       gates for its Weyl class (one for ``cx``, ``cz``, ``cp``, ``crz``, ``rxx``...; Qiskit's
       basis translator needs two for ``cp`` and ``crz``);
    2. Qiskit's own translation (:func:`.generate_translation_passmanager`, method
       ``translator``) for everything else: multi-qubit gates, unitaries, high-level objects and
       gates with unbound parameters;
    3. :class:`.NormalizeRZZ` then :class:`.SquashToRRz`: ``rzz`` angles in
       :math:`[-\pi/2, \pi/2]`, at most one ``r`` (:math:`\theta \in [0, \pi]`,
       :math:`\phi \in (-\pi, \pi]`) per qubit between two-qubit gates, and ``rz`` gates pushed to
       the end of the circuit (one per qubit, angle in :math:`(-\pi, \pi]`).

    Qiskit's default translation reaches the same gates with two ``r`` per single-qubit run (its
    ``RR`` Euler basis) and angles outside these ranges.  Every step is exact; see
    :mod:`qiskit_nexus_provider.transpiler.passes` for the identities used.

    A target whose gates are not just ``r``, ``rz`` and ``rzz`` (for example Aer on Nexus, which
    accepts ``cx``, ``h``...) gets Qiskit's translation unchanged; a native target without
    ``rzz`` (a single-qubit device) gets steps 2 and 3 without the two-qubit rewriting.
    """

    def pass_manager(
        self, pass_manager_config: PassManagerConfig, optimization_level: int | None = None
    ) -> PassManager:
        """Build the translation stage for ``pass_manager_config``."""
        config = pass_manager_config
        qiskit_translation = generate_translation_passmanager(
            config.target,
            basis_gates=config.basis_gates,
            method="translator",
            approximation_degree=config.approximation_degree,
            coupling_map=config.coupling_map,
            unitary_synthesis_method=config.unitary_synthesis_method,
            unitary_synthesis_plugin_config=config.unitary_synthesis_plugin_config,
            hls_config=config.hls_config,
            qubits_initially_zero=config.qubits_initially_zero,
        )
        single, two = supports_nexus_gates(config)
        if not single:
            logger.debug("target gates are not the Quantinuum native set: Qiskit's translation")
            return qiskit_translation
        stage = PassManager([SynthesizeRZZ()] if two else [])
        stage.append(qiskit_translation.to_flow_controller())
        stage.append(nexus_native_passes(two_qubit=two).to_flow_controller())
        return stage


class NexusSchedulingPlugin(PassManagerStagePlugin):
    r"""Scheduling stage that first restores the native form the optimization stage may undo.

    Qiskit's preset pass managers run the optimization stage after translation; at levels 2 and
    3 it re-synthesises blocks with two ``r`` gates per single-qubit run and unwrapped angles.
    This stage, the last one, runs :class:`.NormalizeRZZ` and :class:`.SquashToRRz` again (when
    the target has the native gates), then Qiskit's default scheduling (which does nothing for
    targets without instruction durations, like every Nexus target).  The result has the
    guarantees described in :class:`NexusTranslationPlugin` at every optimization level, and
    never more gates than the optimization stage produced.
    """

    def pass_manager(
        self, pass_manager_config: PassManagerConfig, optimization_level: int | None = None
    ) -> PassManager:
        """Build the scheduling stage for ``pass_manager_config``."""
        config = pass_manager_config
        stage = PassManager()
        single, two = supports_nexus_gates(config)
        if single:
            stage.append(nexus_native_passes(two_qubit=two).to_flow_controller())
        scheduling = generate_scheduling(
            config.instruction_durations,
            None,
            config.timing_constraints or TimingConstraints(),
            config.target,
        )
        if scheduling is not None:
            stage.append(scheduling.to_flow_controller())
        return stage
