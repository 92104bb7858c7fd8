"""What a fresh clone installs: the test extra builds the docs, the bench extra runs the
benchmarks, and ``benchmarks/run_all.py`` names what is missing instead of failing deep down."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _extra(name: str) -> list[str]:
    match = re.search(rf"^{name} = \[(.*?)\]", PYPROJECT, re.DOTALL | re.MULTILINE)
    assert match, name
    return re.findall(r'"([A-Za-z0-9_.\-]+)', match.group(1))


def test_test_extra_builds_the_docs() -> None:
    assert {"sphinx", "furo", "myst-parser"} <= set(_extra("test"))


def test_bench_extra_has_what_the_benchmarks_import() -> None:
    assert "qnexus" in _extra("bench")


def test_run_all_names_a_missing_module() -> None:
    code = textwrap.dedent(
        """
        import runpy, sys

        class NoQnexus:  # as if qnexus were not installed
            def find_spec(self, name, path=None, target=None):
                if name == "qnexus" or name.startswith("qnexus."):
                    raise ModuleNotFoundError(name)
                return None

        sys.meta_path.insert(0, NoQnexus())
        sys.argv = ["run_all.py", "--quick", "--no-write"]
        runpy.run_path("benchmarks/run_all.py", run_name="__main__")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1
    assert "missing module 'qnexus'" in proc.stderr
    assert "pip install -e '.[bench]'" in proc.stderr
    assert "Traceback" not in proc.stderr and "CalledProcessError" not in proc.stderr
