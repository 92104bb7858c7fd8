"""The Sphinx documentation builds with zero warnings, and its examples really run.

The docs execute their examples while they build (``docs/_ext/nexus_example.py``), so building
them is also an end-to-end test of every documented example.  Sphinx, furo and myst-parser are
in the ``test`` extra, so the README's test command builds the docs too (about 45 s on 2 cores);
``tox -e docs`` builds them as well.  Missing, they fail the run: they are never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sphinx  # noqa: F401  (in the test extra: a missing Sphinx fails, it does not skip)

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _sphinx(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QISKIT_NEXUS_PROGRESS": "0"}
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", *extra, str(source), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_failing_example_fails_the_build(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(DOCS / "_ext")!r})
            extensions = ["nexus_example"]
            """
        )
    )
    (source / "index.rst").write_text(
        textwrap.dedent(
            """
            Title
            =====

            .. nexus-example::

               value = 6 * 7
               value

            .. nexus-example::
               :raises: ZeroDivisionError

               1 / 0

            .. nexus-example::

               raise RuntimeError("this example is broken")
            """
        )
    )
    proc = _sphinx(source, tmp_path / "out", "-b", "text")
    assert proc.returncode == 1
    assert "this example is broken" in proc.stderr
    assert "index.rst:15" in proc.stderr  # the failing example's line
    assert "ZeroDivisionError" not in proc.stderr  # an expected exception is not a failure


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path: Path) -> None:
    import furo  # noqa: F401
    import myst_parser  # noqa: F401

    source = tmp_path / "docs"
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns("_build", "stubs"))
    proc = _sphinx(source, tmp_path / "html", "-b", "html")
    assert proc.returncode == 0, proc.stderr[-5000:]
    html = (tmp_path / "html" / "persistence.html").read_text(encoding="utf-8")
    assert "token in the file: False" in html
