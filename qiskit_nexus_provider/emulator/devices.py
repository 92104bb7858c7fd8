"""The devices the emulator offers, and how a job's ``backend_config`` selects one.

Two configuration types are understood, as in Nexus's ``quantinuum-schemas``:

* ``QuantinuumConfig`` with ``device_name`` one of ``H1-1``, ``H1-1E``, ``H1-1SC``, ``H2-1``,
  ``H2-1E``, ``H2-1LE``, ``H2-1SC``.  Hardware names (``H1-1``, ``H2-1``) behave like their
  emulators here; ``...SC`` names are syntax checkers (validation and cost, all-zero outcomes).
* ``AerConfig`` (device ``aer_simulator``, backend ``AerBackend``).

Noise of the emulated H-series devices is a plain depolarizing model built from
approximations of Quantinuum's published *typical* figures for H1/H2 (they vary per machine
and over time; these are not calibration data):

* one-qubit gate average infidelity ``r1 = 2e-5``, giving a depolarizing parameter
  ``2 * r1 = 4e-5`` on ``PhasedX`` (``Rz`` is virtual on H-series and stays noiseless);
* two-qubit gate average infidelity ``r2 = 1e-3``, giving ``4/3 * r2`` on ``ZZPhase``/``ZZMax``;
* state preparation and measurement error ``3e-3``, as a symmetric readout bit flip.

A client may override them with ``error_params`` (``p1``, ``p2``, ``p_meas``, ``scale``), read
as Pauli-fault probabilities like Quantinuum's emulator does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qiskit_nexus_provider.emulator.errors import ApiError

__all__ = [
    "AER_GATE_SET",
    "DEVICES",
    "MAX_SIMULATED_QUBITS",
    "QUANTINUUM_GATE_SET",
    "DeviceSpec",
    "ExecutionTarget",
    "NoiseParams",
    "available_devices",
    "backend_property",
    "resolve_target",
]

MAX_SIMULATED_QUBITS = 32
"""Circuits using more qubits than this are refused (400) on simulated devices."""

EMULATOR_VERSION = "qiskit-nexus-emulator-0.1"

QUANTINUUM_GATE_SET: tuple[str, ...] = (
    "Rz",
    "PhasedX",
    "ZZPhase",
    "ZZMax",
    "Measure",
    "Reset",
    "Barrier",
    "RangePredicate",
    "MultiBit",
    "ExplicitPredicate",
    "ExplicitModifier",
    "SetBits",
    "CopyBits",
    "ClExpr",
)
"""pytket ``OpType`` names an H-series device accepts (conditionals are checked by inner op)."""

AER_GATE_SET: tuple[str, ...] = (
    "Barrier",
    "CCX",
    "CRx",
    "CRy",
    "CRz",
    "CSWAP",
    "CSX",
    "CU1",
    "CU3",
    "CX",
    "CY",
    "CZ",
    "CnX",
    "CnZ",
    "Conditional",
    "ECR",
    "H",
    "Measure",
    "PhasedX",
    "RangePredicate",
    "Reset",
    "Rx",
    "Ry",
    "Rz",
    "S",
    "SWAP",
    "SX",
    "SXdg",
    "Sdg",
    "StatePreparationBox",
    "T",
    "TK1",
    "Tdg",
    "U1",
    "U2",
    "U3",
    "Unitary1qBox",
    "Unitary2qBox",
    "Unitary3qBox",
    "X",
    "XXPhase",
    "Y",
    "YYPhase",
    "Z",
    "ZZPhase",
    "noop",
)
"""The gate set pytket-qiskit's ``AerBackend`` reports (checked by the tests)."""

_AER_METHODS = frozenset(
    {
        "automatic",
        "statevector",
        "density_matrix",
        "stabilizer",
        "extended_stabilizer",
        "matrix_product_state",
    }
)
_QUANTINUUM_SIMULATORS = {"state-vector": "statevector", "stabilizer": "stabilizer"}

# Average gate infidelities and SPAM error: approximations of published typical H-series values.
_R1 = 2e-5
_R2 = 1e-3
_SPAM = 3e-3


@dataclass(frozen=True)
class NoiseParams:
    """Parameters of the depolarizing noise model of an emulated device.

    Attributes:
        depol_1q: Depolarizing parameter of one-qubit gates other than ``Rz``.
        depol_2q: Depolarizing parameter of two-qubit gates.
        p_meas0: Probability to read 1 when the qubit is in 0.
        p_meas1: Probability to read 0 when the qubit is in 1.
    """

    depol_1q: float = 2 * _R1
    depol_2q: float = 4 / 3 * _R2
    p_meas0: float = _SPAM
    p_meas1: float = _SPAM


@dataclass(frozen=True)
class DeviceSpec:
    """One device of the catalogue.

    Attributes:
        device_name: Name used in ``backend_config`` and in ``backend_info``.
        backend_name: pytket backend class name reported in ``backend_info.name``.
        config_type: ``backend_config.type`` that selects this device.
        n_qubits: Number of qubits of the device.
        gate_set: pytket ``OpType`` names the device accepts.
        kind: ``"hardware"``, ``"emulator"``, ``"syntax_checker"`` or ``"simulator"``.
        is_local: Whether Nexus hosts it (reported as ``is_local``).
        noisy: Whether simulation adds H-series-like noise by default.
    """

    device_name: str
    backend_name: str
    config_type: str
    n_qubits: int
    gate_set: tuple[str, ...]
    kind: str
    is_local: bool
    noisy: bool
    properties: dict[str, bool] = field(default_factory=dict, hash=False, compare=False)

    @property
    def snapshot_id(self) -> str:
        """Stable id of this device's ``backend_snapshot`` resource."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nexus-emulator/{self.device_name}"))

    def backend_info(self) -> dict[str, Any]:
        """Return the device's ``StoredBackendInfo`` JSON."""
        noise = NoiseParams() if self.noisy else None
        nodes: list[dict[str, Any]] = [
            {
                "unitid": ["q", [i]],
                "average_error": _R1 if noise else None,
                "readout_error": _SPAM if noise else None,
                "gate_errors": {},
                "zero_state_readout_error": None,
                "one_state_readout_error": None,
            }
            for i in range(self.n_qubits)
        ]
        misc: dict[str, Any] = {"emulator": True, "kind": self.kind}
        if self.config_type == "QuantinuumConfig":
            family = self.device_name.split("-")[0]
            misc.update(
                {
                    "system_family": family,
                    "syntax_checker": f"{self.device_name.rstrip('ELSC')}SC",
                    "max_n_shots": 10000,
                    "cl_reg_width": 32,
                }
            )
        if noise is not None:
            misc["noise"] = {
                "one_qubit_infidelity": _R1,
                "two_qubit_infidelity": _R2,
                "spam_error": _SPAM,
                "model": "depolarizing (approximation of published typical values)",
            }
        return {
            "name": self.backend_name,
            "device_name": self.device_name,
            "version": EMULATOR_VERSION,
            "device": {
                "nodes": nodes,
                "edges": [],
                "n_nodes": self.n_qubits,
                "fully_connected": True,
            },
            "gate_set": list(self.gate_set),
            "n_cl_reg": None,
            "supports_fast_feedforward": True,
            "supports_reset": True,
            "supports_midcircuit_measurement": True,
            "misc": misc,
        }


_QUANTINUUM_PROPERTIES = {
    "supports_shots": True,
    "supports_counts": True,
    "supports_state": False,
    "supports_unitary": False,
    "supports_density_matrix": False,
    "supports_expectation": False,
    "expectation_allows_nonhermitian": False,
    "supports_contextual_optimisation": True,
}
_AER_PROPERTIES = {
    "supports_shots": True,
    "supports_counts": True,
    "supports_state": False,
    "supports_unitary": False,
    "supports_density_matrix": False,
    "supports_expectation": True,
    "expectation_allows_nonhermitian": False,
    "supports_contextual_optimisation": False,
}
BACKEND_PROPERTIES = tuple(_AER_PROPERTIES)


def _quantinuum(device_name: str, n_qubits: int, kind: str) -> DeviceSpec:
    return DeviceSpec(
        device_name=device_name,
        backend_name="QuantinuumBackend",
        config_type="QuantinuumConfig",
        n_qubits=n_qubits,
        gate_set=QUANTINUUM_GATE_SET,
        kind=kind,
        is_local=False,
        noisy=kind != "syntax_checker",
        properties=_QUANTINUUM_PROPERTIES,
    )


DEVICES: dict[str, DeviceSpec] = {
    spec.device_name: spec
    for spec in (
        _quantinuum("H1-1", 20, "hardware"),
        _quantinuum("H1-1E", 20, "emulator"),
        _quantinuum("H1-1SC", 20, "syntax_checker"),
        _quantinuum("H2-1", 56, "hardware"),
        _quantinuum("H2-1E", 56, "emulator"),
        _quantinuum("H2-1LE", 56, "emulator"),
        _quantinuum("H2-1SC", 56, "syntax_checker"),
        DeviceSpec(
            device_name="aer_simulator",
            backend_name="AerBackend",
            config_type="AerConfig",
            n_qubits=40,
            gate_set=AER_GATE_SET,
            kind="simulator",
            is_local=True,
            noisy=False,
            properties=_AER_PROPERTIES,
        ),
    )
}
"""Every device of the emulator, by ``device_name``."""


def available_devices(
    backend_types: list[str] | None = None, is_local: bool | None = None
) -> list[dict[str, Any]]:
    """Answer of ``GET /api/v5/available_devices``: one entry per (config type, hosting).

    Args:
        backend_types: Keep only devices selected by these ``backend_config`` types.
        is_local: Keep only Nexus-hosted (``True``) or external (``False``) devices.

    Returns:
        A list of ``{"is_local", "backend_name", "backend_info_list"}`` dictionaries.
    """
    groups: dict[tuple[str, bool], list[dict[str, Any]]] = {}
    for spec in DEVICES.values():
        if backend_types and spec.config_type not in backend_types:
            continue
        if is_local is not None and spec.is_local != is_local:
            continue
        groups.setdefault((spec.config_type, spec.is_local), []).append(spec.backend_info())
    return [
        {"is_local": local, "backend_name": config_type, "backend_info_list": infos}
        for (config_type, local), infos in groups.items()
    ]


# ----------------------------------------------------------------------------------------------
# backend_config → execution target


class _ErrorParams(BaseModel):
    model_config = ConfigDict(extra="allow")

    p1: float | None = Field(default=None, ge=0, le=1)
    p2: float | None = Field(default=None, ge=0, le=1)
    p_meas: float | tuple[float, float] | None = None
    scale: float | None = Field(default=None, ge=0)


class _QuantinuumConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    device_name: str
    simulator: str | None = None
    noisy_simulation: bool | None = None
    error_params: _ErrorParams | None = None
    target_2qb_gate: str | None = None


class _AerConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    simulation_method: str = "automatic"
    n_qubits: int = Field(default=40, gt=0)
    seed: int | None = Field(default=None, ge=0, lt=2**63)
    noise_model: dict[str, Any] | None = None
    crosstalk_params: dict[str, Any] | None = None


@dataclass(frozen=True)
class ExecutionTarget:
    """What a job's ``backend_config`` asks for, resolved against the catalogue.

    Attributes:
        device: The selected device.
        config: The ``backend_config`` as submitted.
        method: qiskit-aer simulation method.
        noise: Noise parameters, or ``None`` for an ideal simulation.
        aer_noise_model: A qiskit-aer ``NoiseModel`` dictionary supplied by an ``AerConfig``.
        seed: Simulator seed, or ``None``.
        max_qubits: Largest number of qubits a circuit may use on this target.
    """

    device: DeviceSpec
    config: dict[str, Any]
    method: str = "statevector"
    noise: NoiseParams | None = None
    aer_noise_model: dict[str, Any] | None = None
    seed: int | None = None
    max_qubits: int = MAX_SIMULATED_QUBITS

    @property
    def syntax_check_only(self) -> bool:
        """Whether the target only validates circuits (a syntax checker)."""
        return self.device.kind == "syntax_checker"

    @property
    def is_quantinuum(self) -> bool:
        """Whether the target is an H-series device."""
        return self.device.config_type == "QuantinuumConfig"


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "backend_config"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def _noise_from_params(params: _ErrorParams | None) -> NoiseParams:
    base = NoiseParams()
    if params is None:
        return base
    depol_1q = base.depol_1q if params.p1 is None else params.p1 * 4 / 3
    depol_2q = base.depol_2q if params.p2 is None else params.p2 * 16 / 15
    p0, p1 = base.p_meas0, base.p_meas1
    if isinstance(params.p_meas, tuple):
        p0, p1 = params.p_meas
    elif params.p_meas is not None:
        p0 = p1 = params.p_meas
    scale = 1.0 if params.scale is None else params.scale
    values = [min(v * scale, 1.0) for v in (depol_1q, depol_2q, p0, p1)]
    if any(not 0 <= v <= 1 for v in values):
        raise ApiError(400, "backend_config.error_params: probabilities must be in [0, 1]")
    return NoiseParams(*values)


def resolve_target(config: dict[str, Any]) -> ExecutionTarget:
    """Resolve a job's ``backend_config`` to an :class:`ExecutionTarget`.

    Args:
        config: The ``backend_config`` dictionary (with its ``type`` discriminator).

    Returns:
        The execution target.

    Raises:
        ApiError: 400 for an unknown or unsupported configuration type, an unknown device or an
            invalid field.
    """
    if not isinstance(config, dict):
        raise ApiError(400, "backend_config must be a JSON object")
    config_type = config.get("type")
    try:
        if config_type == "QuantinuumConfig":
            qconf = _QuantinuumConfig.model_validate(config)
            spec = DEVICES.get(qconf.device_name)
            if spec is None or spec.config_type != "QuantinuumConfig":
                names = ", ".join(n for n, d in DEVICES.items() if d.config_type == config_type)
                raise ApiError(
                    400,
                    f"unknown Quantinuum device {qconf.device_name!r}; the emulator offers {names}",
                )
            simulator = qconf.simulator or "state-vector"
            if simulator not in _QUANTINUUM_SIMULATORS:
                raise ApiError(
                    400,
                    f"backend_config.simulator {simulator!r} is not supported; "
                    f"use one of {sorted(_QUANTINUUM_SIMULATORS)}",
                )
            noisy = spec.noisy if qconf.noisy_simulation is None else qconf.noisy_simulation
            # Wide circuits run as matrix product states (see emulator/methods.py): the whole
            # device fits.
            max_qubits = spec.n_qubits
            return ExecutionTarget(
                device=spec,
                config=dict(config),
                method=_QUANTINUUM_SIMULATORS[simulator],
                noise=_noise_from_params(qconf.error_params) if noisy else None,
                max_qubits=max_qubits,
            )
        if config_type == "AerConfig":
            aconf = _AerConfig.model_validate(config)
            if aconf.simulation_method not in _AER_METHODS:
                raise ApiError(
                    400,
                    f"backend_config.simulation_method {aconf.simulation_method!r} is not "
                    f"supported; use one of {sorted(_AER_METHODS)}",
                )
            if aconf.crosstalk_params is not None:
                raise ApiError(400, "backend_config.crosstalk_params is not supported")
            spec = DEVICES["aer_simulator"]
            return ExecutionTarget(
                device=spec,
                config=dict(config),
                method=aconf.simulation_method,
                aer_noise_model=aconf.noise_model,
                seed=aconf.seed,
                max_qubits=min(aconf.n_qubits, MAX_SIMULATED_QUBITS),
            )
    except ValidationError as exc:
        raise ApiError(400, f"invalid {config_type}: {_validation_message(exc)}") from exc
    supported = sorted({d.config_type for d in DEVICES.values()})
    raise ApiError(
        400,
        f"backend_config type {config_type!r} is not supported by the emulator; "
        f"use one of {supported}",
    )


def backend_property(config: dict[str, Any], name: str) -> bool:
    """Answer of ``POST /api/v5/backend_info/backend_property``.

    Args:
        config: The ``backend_config`` dictionary.
        name: Property name, such as ``supports_shots``.

    Returns:
        The property's value for the selected device.

    Raises:
        ApiError: 400 for an unknown configuration, device or property.
    """
    target = resolve_target(config)
    if name not in target.device.properties:
        raise ApiError(400, f"unknown backend property {name!r}; use one of {BACKEND_PROPERTIES}")
    return target.device.properties[name]
