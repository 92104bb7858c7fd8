"""The devices the emulator offers, and how a job's ``backend_config`` selects one.

Every ``backend_config`` is parsed with quantinuum-schemas' ``BackendConfig`` union (the models
qnexus builds), so an invalid one is refused (400) naming the field.  The catalogue:

* ``QuantinuumConfig`` devices ``H1-1``, ``H1-1E``, ``H1-1LE``, ``H1-1SC``, ``H2-1``, ``H2-1E``,
  ``H2-1LE``, ``H2-1SC``, ``H2-2``, ``H2-2E``, ``H2-2LE``, ``H2-2SC``.  Hardware names behave like
  their emulators here; ``...SC`` names are syntax checkers (validation and cost, all-zero
  outcomes).
* ``HeliosConfig`` systems ``Helios-1``, ``Helios-1E-lite`` (quantinuum-schemas'
  ``KNOWN_NEXUS_HELIOS_EMULATORS``) and ``Helios-1SC``: listed with Quantinuum's devices
  (``misc.system_family == "Helios"``, ``misc.program_formats == ["QIR"]``).  They run QIR
  programs (``/api/qir/v1beta``; pytket circuits are refused): the QIR received is translated
  and run on Aer without noise (:mod:`~qiskit_nexus_provider.emulator.qir_runner`);
  ``Helios-1SC`` checks the program and predicts its cost, with all-zero outputs.
* ``AerConfig`` (``aer_simulator``), ``QulacsConfig`` (``qulacs``, sampled with Aer's statevector
  method), ``AerStateConfig`` (``aer_simulator_statevector``) and ``AerUnitaryConfig``
  (``aer_simulator_unitary``); jobs of the last two are refused (no state or unitary results).

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

import copy
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError
from quantinuum_schemas.models.backend_config import (
    AerConfig,
    BackendConfig,
    BaseBackendConfig,
    HeliosConfig,
    QuantinuumConfig,
    QulacsConfig,
)
from quantinuum_schemas.models.quantinuum_systems_noise import UserErrorParams

from qiskit_nexus_provider.emulator.errors import ApiError

__all__ = [
    "AER_GATE_SET",
    "DEVICES",
    "HELIOS_GATE_SET",
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
"""Circuits using more qubits than this are refused (400) on simulated devices.

The simulators (``aer_simulator``, ``qulacs``...) list this many qubits, so a client's target
and the emulator's limit agree; Helios systems list their 98 qubits (the device's shape) and
simulate at most this many of them (:func:`simulation_limit_message`)."""

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

HELIOS_GATE_SET: tuple[str, ...] = ("Rz", "PhasedX", "ZZPhase", "Measure", "Reset", "Barrier")
"""Native operations of Helios (pytket names) its listing reports; it runs QIR programs, whose
classical control is QIR's (the adaptive profile), not pytket's classical operations."""

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
        properties: Answers of ``backend_property`` (``supports_shots``...).
        family: ``misc["system_family"]`` of Quantinuum systems (``H1``, ``H2``, ``Helios``).
        listing_type: The ``backend`` filter value of ``available_devices`` that lists the
            device (the issuer's config type: Helios systems are listed with Quantinuum's).
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
    family: str | None = None
    listing_type: str | None = None

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
        if self.family is not None:
            base = self.device_name.removesuffix("-lite").rstrip("ELSC")
            misc.update(
                {
                    "system_family": self.family,
                    "syntax_checker": f"{base}SC",
                    "max_n_shots": 10000,
                    "cl_reg_width": 32,
                }
            )
            if self.config_type == "HeliosConfig":
                # QIR outputs: one 64-bit integer per classical register.
                misc.update({"program_formats": ["QIR"], "cl_reg_width": 64})
                if self.kind != "syntax_checker" and self.n_qubits > MAX_SIMULATED_QUBITS:
                    # The emulator's own key (absent on Nexus): a client may refuse a wider
                    # circuit before uploading it, and say why.
                    misc["max_simulated_qubits"] = MAX_SIMULATED_QUBITS
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


_SIMULATOR_PROPERTIES = {**_AER_PROPERTIES, "supports_expectation": False}
_STATE_PROPERTIES = {
    **_SIMULATOR_PROPERTIES,
    "supports_shots": False,
    "supports_counts": False,
    "supports_state": True,
}
_UNITARY_PROPERTIES = {**_STATE_PROPERTIES, "supports_state": False, "supports_unitary": True}
_QULACS_PROPERTIES = {**_SIMULATOR_PROPERTIES, "supports_state": True}


def _quantinuum(device_name: str, n_qubits: int, kind: str) -> DeviceSpec:
    family = device_name.split("-")[0]
    helios = family == "Helios"
    return DeviceSpec(
        device_name=device_name,
        backend_name="QuantinuumBackend",
        config_type="HeliosConfig" if helios else "QuantinuumConfig",
        n_qubits=n_qubits,
        gate_set=HELIOS_GATE_SET if helios else QUANTINUUM_GATE_SET,
        kind=kind,
        is_local=False,
        # Helios programs run on Aer without noise (qir_runner), and the listing says so.
        noisy=kind != "syntax_checker" and not helios,
        properties=_QUANTINUUM_PROPERTIES,
        family=family,
        listing_type="QuantinuumConfig",
    )


def _simulator(
    device_name: str, backend_name: str, config_type: str, properties: dict[str, bool]
) -> DeviceSpec:
    return DeviceSpec(
        device_name=device_name,
        backend_name=backend_name,
        config_type=config_type,
        # The emulator's limit, not Nexus's 40: what is listed is what runs.
        n_qubits=MAX_SIMULATED_QUBITS,
        gate_set=AER_GATE_SET,
        kind="simulator",
        is_local=True,
        noisy=False,
        properties=properties,
    )


DEVICES: dict[str, DeviceSpec] = {
    spec.device_name: spec
    for spec in (
        _quantinuum("H1-1", 20, "hardware"),
        _quantinuum("H1-1E", 20, "emulator"),
        _quantinuum("H1-1LE", 20, "emulator"),
        _quantinuum("H1-1SC", 20, "syntax_checker"),
        _quantinuum("H2-1", 56, "hardware"),
        _quantinuum("H2-1E", 56, "emulator"),
        _quantinuum("H2-1LE", 56, "emulator"),
        _quantinuum("H2-1SC", 56, "syntax_checker"),
        _quantinuum("H2-2", 56, "hardware"),
        _quantinuum("H2-2E", 56, "emulator"),
        _quantinuum("H2-2LE", 56, "emulator"),
        _quantinuum("H2-2SC", 56, "syntax_checker"),
        # Helios, as quantinuum-schemas names it: the system, its emulator
        # (KNOWN_NEXUS_HELIOS_EMULATORS) and its syntax checker; they run QIR programs.
        _quantinuum("Helios-1", 98, "hardware"),
        _quantinuum("Helios-1E-lite", 98, "emulator"),
        _quantinuum("Helios-1SC", 98, "syntax_checker"),
        _simulator("aer_simulator", "AerBackend", "AerConfig", _AER_PROPERTIES),
        _simulator(
            "aer_simulator_statevector", "AerStateBackend", "AerStateConfig", _STATE_PROPERTIES
        ),
        _simulator(
            "aer_simulator_unitary", "AerUnitaryBackend", "AerUnitaryConfig", _UNITARY_PROPERTIES
        ),
        _simulator("qulacs", "QulacsBackend", "QulacsConfig", _QULACS_PROPERTIES),
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
        listed_as = spec.listing_type or spec.config_type
        if backend_types and listed_as not in backend_types:
            continue
        if is_local is not None and spec.is_local != is_local:
            continue
        groups.setdefault((listed_as, spec.is_local), []).append(spec.backend_info())
    return [
        {"is_local": local, "backend_name": config_type, "backend_info_list": infos}
        for (config_type, local), infos in groups.items()
    ]


# ----------------------------------------------------------------------------------------------
# backend_config → execution target


UNSUPPORTED_CONFIGS: dict[str, str] = {
    "AerStateConfig": (
        "{device} returns state vectors, which the emulator does not produce; use AerConfig"
    ),
    "AerUnitaryConfig": (
        "{device} returns unitaries, which the emulator does not produce; use AerConfig"
    ),
}
"""Configurations of listed devices whose jobs the emulator refuses (400), and why."""

BACKEND_CONFIG: TypeAdapter[Any] = TypeAdapter(BackendConfig)
"""quantinuum-schemas' discriminated union of backend configs (the one qnexus uses)."""


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

    @property
    def is_helios(self) -> bool:
        """Whether the target is a Helios system (it runs QIR programs, not pytket circuits)."""
        return self.device.config_type == "HeliosConfig"


def simulation_limit_message(device: DeviceSpec, n_qubits: int, limit: int) -> str:
    """Why a circuit of ``n_qubits`` qubits is refused on ``device``, and what to do instead.

    The text starts with ``"uses"``: the caller names the circuit or program before it.

    Args:
        device: The device the job asked for.
        n_qubits: Width of the refused circuit or QIR program.
        limit: The most qubits the emulator simulates on that target (its ``max_qubits``).
    """
    message = (
        f"uses {n_qubits} qubits, but this local Nexus emulator simulates at most {limit} "
        f"qubits on {device.device_name}"
    )
    if device.n_qubits > limit:
        checker = f"{device.device_name.removesuffix('-lite').rstrip('ELSC')}SC"
        message += (
            f" (the device has {device.n_qubits}; Nexus runs all of them).  Use at most {limit} "
            "qubits here"
        )
        if checker in DEVICES and DEVICES[checker].config_type == device.config_type:
            message += f", or check the wider program on {checker} (validation and cost only)"
    return message


def device_width_message(device: DeviceSpec, n_qubits: int) -> str:
    """Why a circuit of ``n_qubits`` qubits does not fit ``device`` (wider than it lists).

    Simulators list the emulator's limit (:data:`MAX_SIMULATED_QUBITS`), and say so.  The text
    starts with ``"uses"``: the caller names the circuit before it.
    """
    if device.kind == "simulator":
        return simulation_limit_message(device, n_qubits, device.n_qubits)
    return f"uses {n_qubits} qubits; {device.device_name} has {device.n_qubits}"


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        if loc and loc[0].endswith("Config"):  # the union's tag, not a field
            loc = loc[1:]
        parts.append(f"backend_config{''.join('.' + p for p in loc)}: {err['msg']}")
    return "; ".join(parts)


def parse_backend_config(config: Any) -> BaseBackendConfig:
    """Parse a ``backend_config`` with quantinuum-schemas' discriminated union.

    Raises:
        ApiError: 400 naming each invalid field (deprecation warnings are silenced).
    """
    if not isinstance(config, dict):
        raise ApiError(400, "backend_config must be a JSON object")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # deepcopy: validators of the library fill defaults into the dictionary given.
            parsed: BaseBackendConfig = BACKEND_CONFIG.validate_python(copy.deepcopy(config))
    except ValidationError as exc:
        raise ApiError(400, f"invalid {config.get('type')}: {_validation_message(exc)}") from None
    return parsed


def _noise_from_params(params: UserErrorParams | None) -> NoiseParams:
    base = NoiseParams()
    if params is None:
        return base
    depol_1q = base.depol_1q if params.p1 is None else params.p1 * 4 / 3
    depol_2q = base.depol_2q if params.p2 is None else params.p2 * 16 / 15
    p0, p1 = base.p_meas0, base.p_meas1
    if isinstance(params.p_meas, (tuple, list)):
        p0, p1 = params.p_meas
    elif params.p_meas is not None:
        p0 = p1 = params.p_meas
    scale = 1.0 if params.scale is None else params.scale
    values = [min(v * scale, 1.0) for v in (depol_1q, depol_2q, p0, p1)]
    if any(not 0 <= v <= 1 for v in values):
        raise ApiError(400, "backend_config.error_params: probabilities must be in [0, 1]")
    return NoiseParams(*values)


def _device_for(config_type: str, name: str) -> DeviceSpec:
    spec = DEVICES.get(name)
    if spec is None or spec.config_type != config_type:
        names = ", ".join(n for n, d in DEVICES.items() if d.config_type == config_type)
        raise ApiError(400, f"unknown {config_type} device {name!r}; the emulator offers {names}")
    return spec


def _only_device(config_type: str) -> DeviceSpec:
    return next(d for d in DEVICES.values() if d.config_type == config_type)


def resolve_target(config: dict[str, Any]) -> ExecutionTarget:
    """Resolve a job's ``backend_config`` to an :class:`ExecutionTarget`.

    The configuration is parsed with quantinuum-schemas' ``BackendConfig`` union first (the
    library qnexus builds configs with), so an invalid one is refused naming the field.

    Args:
        config: The ``backend_config`` dictionary (with its ``type`` discriminator).

    Returns:
        The execution target.

    Raises:
        ApiError: 400 for an invalid configuration, an unknown device, or a configuration the
            emulator does not run (see :data:`UNSUPPORTED_CONFIGS`).
    """
    parsed = parse_backend_config(config)
    if isinstance(parsed, QuantinuumConfig):
        spec = _device_for("QuantinuumConfig", parsed.device_name)
        simulator = parsed.simulator or "state-vector"
        if simulator not in _QUANTINUUM_SIMULATORS:
            raise ApiError(
                400,
                f"backend_config.simulator {simulator!r} is not supported; "
                f"use one of {sorted(_QUANTINUUM_SIMULATORS)}",
            )
        noisy = spec.noisy if parsed.noisy_simulation is None else parsed.noisy_simulation
        # Wide circuits run as matrix product states (see emulator/methods.py): the whole
        # device fits.
        max_qubits = spec.n_qubits
        return ExecutionTarget(
            device=spec,
            config=dict(config),
            method=_QUANTINUUM_SIMULATORS[simulator],
            noise=_noise_from_params(parsed.error_params) if noisy else None,
            max_qubits=max_qubits,
        )
    if isinstance(parsed, AerConfig):
        if parsed.simulation_method not in _AER_METHODS:
            raise ApiError(
                400,
                f"backend_config.simulation_method {parsed.simulation_method!r} is not "
                f"supported; use one of {sorted(_AER_METHODS)}",
            )
        if parsed.crosstalk_params is not None:
            raise ApiError(400, "backend_config.crosstalk_params is not supported")
        if parsed.seed is not None and not 0 <= parsed.seed < 2**63:
            raise ApiError(400, "backend_config.seed must be in [0, 2**63)")
        return ExecutionTarget(
            device=_only_device("AerConfig"),
            config=dict(config),
            method=parsed.simulation_method,
            # The submitted dictionary: qiskit-aer reads it (the model only validated it).
            aer_noise_model=config.get("noise_model"),
            seed=parsed.seed,
            max_qubits=min(parsed.n_qubits, MAX_SIMULATED_QUBITS),
        )
    if isinstance(parsed, HeliosConfig):
        return _resolve_helios(config, parsed)
    if isinstance(parsed, QulacsConfig):
        if parsed.seed is not None and not 0 <= parsed.seed < 2**63:
            raise ApiError(400, "backend_config.seed must be in [0, 2**63)")
        # Qulacs samples its state vector; Aer's statevector method gives the same counts law.
        return ExecutionTarget(
            device=_only_device("QulacsConfig"),
            config=dict(config),
            method="statevector",
            seed=parsed.seed,
        )
    device = select_device(parsed)
    reason = UNSUPPORTED_CONFIGS.get(type(parsed).__name__)
    if reason is not None:
        raise ApiError(400, reason.format(device=device.device_name))
    supported = sorted({d.config_type for d in DEVICES.values()} - set(UNSUPPORTED_CONFIGS))
    raise ApiError(
        400,
        f"backend_config type {type(parsed).__name__!r} is not supported by the emulator; "
        f"use one of {supported}",
    )


def _resolve_helios(config: dict[str, Any], parsed: HeliosConfig) -> ExecutionTarget:
    """The target of a ``HeliosConfig``: its system runs QIR programs without noise."""
    spec = _device_for("HeliosConfig", parsed.system_name)
    max_qubits = spec.n_qubits
    if spec.kind != "syntax_checker":
        max_qubits = min(max_qubits, MAX_SIMULATED_QUBITS)
    return ExecutionTarget(device=spec, config=dict(config), noise=None, max_qubits=max_qubits)


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
    device = select_device(parse_backend_config(config))
    if name not in device.properties:
        raise ApiError(400, f"unknown backend property {name!r}; use one of {BACKEND_PROPERTIES}")
    return device.properties[name]


def select_device(parsed: BaseBackendConfig) -> DeviceSpec:
    """The catalogue's device a parsed configuration selects (whether or not jobs run on it).

    Raises:
        ApiError: 400 for an unknown device or a configuration type without devices.
    """
    if isinstance(parsed, QuantinuumConfig):
        return _device_for("QuantinuumConfig", parsed.device_name)
    if isinstance(parsed, HeliosConfig):
        return _device_for("HeliosConfig", parsed.system_name)
    config_type = type(parsed).__name__
    found = [d for d in DEVICES.values() if d.config_type == config_type]
    if not found:
        supported = sorted({d.config_type for d in DEVICES.values()})
        raise ApiError(
            400,
            f"backend_config type {config_type!r} selects no device of the emulator; "
            f"use one of {supported}",
        )
    return found[0]
