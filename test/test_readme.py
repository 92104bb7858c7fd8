"""The README: every Python block runs on its own, and its figures are the benchmark table's.

Each ```` ```python ```` block runs in a fresh interpreter, with nothing but what it imports, an
empty home folder and no Nexus credentials.  A block that asks for a Nexus device without
starting an emulator of its own is the README's "remote Nexus" code: it runs against a local
emulator given to it the way the README says to, through ``QISKIT_NEXUS_TOKEN`` and the
``NEXUS_PROTOCOL``/``NEXUS_DOMAIN``/``NEXUS_PORT`` variables, so that it is exercised end to end
without an account.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qiskit_nexus_provider.emulator import NexusEmulator

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", README, re.DOTALL | re.MULTILINE)


def _needs_nexus(code: str) -> bool:
    return "NexusEmulator" not in code and re.search(r"get_backend\(\"H\d", code) is not None


def test_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 3
    assert any(_needs_nexus(code) for code in BLOCKS)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs_on_its_own(
    index: int, tmp_path: Path, nexus_emulator: NexusEmulator
) -> None:
    code = BLOCKS[index]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NEXUS_", "QISKIT_NEXUS", "XDG_")) and key != "PYTHONSTARTUP"
    }
    env |= {"HOME": str(tmp_path / "home"), "QISKIT_NEXUS_PROGRESS": "0"}
    if _needs_nexus(code):
        env |= {k: v for k, v in nexus_emulator.env().items() if "WEBSOCKETS" not in k}
        env["QISKIT_NEXUS_TOKEN"] = nexus_emulator.token
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, f"README block {index}:\n{code}\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip(), "each block prints what it shows"
    if _needs_nexus(code):
        assert nexus_emulator.job_count() >= 1  # it really ran on the emulator


def test_readme_figures_are_the_benchmark_tables() -> None:
    """The README repeats the table's figures (``run_all.py`` writes both); none of its own."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run_all
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    table = (ROOT / "docs" / "benchmarks_table.md").read_text(encoding="utf-8")
    block = README[README.index(run_all.README_START) : README.index(run_all.README_END)]
    expected = run_all.readme_figures(table)
    assert block + run_all.README_END == expected, (
        "README figures differ from docs/benchmarks_table.md: run "
        "`python benchmarks/run_all.py --readme-only`"
    )
    outside = README.replace(block, "")
    assert not re.search(r"\d(\.\d+)?x (faster|the time|time)", outside)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """``.ci/run`` is the README's test command, so CI checks what a newcomer types."""
    commands = re.findall(r"^```bash\n(.*?)^```", README, re.DOTALL | re.MULTILINE)
    readme_test = next(c.strip() for c in commands if "pytest" in c and c.startswith("python3"))
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ci_commands = [line for line in ci_lines if line.strip() and not line.startswith("#")]
    assert ci_commands[-1] == readme_test
