"""``python -m qiskit_nexus_provider.emulator``: run the Nexus emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from qiskit_nexus_provider.emulator.cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the emulator."""
    parser = argparse.ArgumentParser(
        prog="python -m qiskit_nexus_provider.emulator",
        description="Run a local Quantinuum Nexus emulator.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
