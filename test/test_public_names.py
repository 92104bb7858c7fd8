"""The names users' code imports from ``qiskit_nexus_provider`` resolve, and every backend class
the provider hands out is one of them (so ``isinstance(backend, HeliosBackend)`` works without
importing a private module)."""

from __future__ import annotations

import inspect

import qiskit_nexus_provider as package
from qiskit_nexus_provider import NexusBackend, NexusProvider
from qiskit_nexus_provider.emulator import NexusEmulator


def test_every_public_name_resolves() -> None:
    for name in package._PUBLIC:
        assert getattr(package, name) is not None, name
        assert name in dir(package)


def test_every_backend_class_handed_out_is_public() -> None:
    public = {getattr(package, name) for name in package._PUBLIC}
    with NexusEmulator() as emulator:
        remote = NexusProvider(token=emulator.token, url=emulator.url, project="public-names")
        backends = [*NexusProvider().backends(), *remote.backends()]
    classes = {type(backend) for backend in backends}
    assert {cls.__name__ for cls in classes} >= {
        "OfflineSimulatorBackend",
        "RemoteNexusBackend",
        "HeliosBackend",
    }
    for cls in classes:
        assert inspect.isclass(cls) and issubclass(cls, NexusBackend)
        assert cls in public, f"{cls.__name__} is handed out but not importable from the package"


def test_all_lists_the_public_names() -> None:
    assert set(package.__all__) == {*package._PUBLIC, "__version__"}
