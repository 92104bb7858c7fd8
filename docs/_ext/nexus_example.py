"""Executed examples for the qiskit-nexus-provider docs.

Two directives run code **while the docs build** and show it with its output, so that an example
that stops working fails the build instead of rotting:

``.. nexus-example::``
    Python code, executed in a namespace shared by the examples of the same page (like the cells
    of a notebook).  Printed output, warnings and the value of a final expression are shown below
    the code.  Options:

    ``:hide-code:``   run the code but show only its output (setup and clean-up blocks).
    ``:hide-output:`` show the code but not its output.
    ``:raises: Name`` the code is expected to raise the exception ``Name`` (its class name);
                      the last line of the traceback is shown as output.
    ``:timeout: S``   seconds before the example is stopped (default ``nexus_example_timeout``).

``.. nexus-command::``
    One ``qiskit-nexus ...`` command line, run in process through ``qiskit_nexus_provider.cli.main``
    (fast: no new interpreter), shown as a console session with its output.  ``{name}`` fields
    are replaced by values of the page's namespace when ``:format:`` is given.  ``:returncode: N``
    states the expected exit code (default 0).

An example that raises (or exits with another code than expected) emits a warning naming the
page and line, which ``-W`` turns into a failed build; the build also fails at the end whatever
the flags, so a broken example can never be published silently.  Pages holding examples are read
again at every build (``env-get-outdated``), so an incremental build also runs them.
"""

from __future__ import annotations

import ast
import contextlib
import io
import linecache
import logging as pylogging
import os
import shlex
import signal
import threading
import traceback
import warnings
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

_NAMESPACES: dict[str, dict[str, Any]] = {}
_FAILURES: list[str] = []


class ExampleTimeout(Exception):
    """An example ran longer than its timeout."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise :class:`ExampleTimeout` in the main thread after ``seconds`` (no-op elsewhere)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise ExampleTimeout(f"the example ran for more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _namespace(docname: str) -> dict[str, Any]:
    return _NAMESPACES.setdefault(docname, {"__name__": f"docs.{docname.replace('/', '.')}"})


def _run_python(code: str, namespace: dict[str, Any], filename: str) -> str:
    """Execute ``code``; return what it printed, its warnings and its final expression's repr."""
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # tracebacks
    tree = ast.parse(code, filename=filename)
    last_expr = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last_expr = ast.Expression(tree.body.pop().value)
    out = io.StringIO()

    def show(message: Any, category: type[Warning], *_args: Any, **_kwargs: Any) -> None:
        out.write(f"{category.__name__}: {message}\n")  # where it happened, like a notebook

    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(out),
    ):
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.showwarning = show
        exec(compile(tree, filename, "exec"), namespace)
        if last_expr is not None:
            value = eval(compile(last_expr, filename, "eval"), namespace)
            if value is not None:
                print(str(value) if hasattr(value, "_repr_html_") else repr(value))
    return out.getvalue()


def _user_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without the frames of this extension."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _literal(text: str, language: str, classes: list[str]) -> nodes.literal_block:
    block = nodes.literal_block(text, text)
    block["language"] = language
    block["classes"] += classes
    return block


class _ExampleBase(SphinxDirective):
    has_content = True

    def _fail(self, summary: str, details: str = "") -> None:
        _FAILURES.append(f"{self.env.docname}:{self.lineno}")
        logger.warning(
            "example failed: %s%s",
            summary,
            f"\n{details.rstrip()}" if details else "",
            location=(self.env.docname, self.lineno),
            type="nexus_example",
        )

    def _register(self) -> None:
        docs = getattr(self.env, "nexus_example_docs", None)
        if docs is None:
            docs = self.env.nexus_example_docs = set()
        docs.add(self.env.docname)


class NexusExample(_ExampleBase):
    """``.. nexus-example::``: run Python code at build time and show it with its output."""

    option_spec = {
        "hide-code": directives.flag,
        "hide-output": directives.flag,
        "raises": directives.unchanged_required,
        "timeout": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        self._register()
        code = "\n".join(self.content)
        namespace = _namespace(self.env.docname)
        filename = f"<{self.env.docname}.rst:{self.lineno}>"
        timeout = self.options.get("timeout", self.config.nexus_example_timeout)
        expected = self.options.get("raises")
        output = ""
        try:
            with _time_limit(timeout):
                output = _run_python(code, namespace, filename)
        except BaseException as exc:  # everything, SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            if expected and type(exc).__name__ == expected:
                output = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
                output = f"Traceback (most recent call last):\n  ...\n{output}"
            else:
                output = _user_traceback(exc)
                self._fail(f"{type(exc).__name__}: {exc}", output)
        else:
            if expected:
                self._fail(f"{expected} was expected but nothing was raised")
        result: list[nodes.Node] = []
        if "hide-code" not in self.options:
            result.append(_literal(code, "python", ["nexus-example-code"]))
        if output.strip() and "hide-output" not in self.options:
            result.append(_literal(output.rstrip("\n"), "text", ["nexus-example-output"]))
        return result


class NexusCommand(_ExampleBase):
    """``.. nexus-command::``: run one ``qiskit-nexus`` command line and show its output."""

    option_spec = {
        "format": directives.flag,
        "returncode": int,
        "timeout": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        self._register()
        command = " ".join(line.strip() for line in self.content if line.strip())
        if "format" in self.options:
            command = command.format_map(_namespace(self.env.docname))
        argv = shlex.split(command)
        if not argv or argv[0] != "qiskit-nexus":
            raise self.error("nexus-command runs 'qiskit-nexus ...' command lines only")
        expected = self.options.get("returncode", 0)
        timeout = self.options.get("timeout", self.config.nexus_example_timeout)
        from qiskit_nexus_provider import cli

        out = io.StringIO()
        root = pylogging.getLogger()
        handlers, level = list(root.handlers), root.level
        old_columns = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "100"  # stable argparse help layout
        try:
            with (
                _time_limit(timeout),
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(out),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    code = cli.main(argv[1:])
                except SystemExit as exc:  # argparse: --help, usage errors
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        except Exception as exc:
            code = None
            self._fail(f"{type(exc).__name__}: {exc}", _user_traceback(exc))
        finally:
            root.handlers[:] = handlers  # cli.main() calls logging.basicConfig()
            root.setLevel(level)
            if old_columns is None:
                os.environ.pop("COLUMNS", None)
            else:
                os.environ["COLUMNS"] = old_columns
        if code is not None and code != expected:
            self._fail(f"{command!r} exited with {code}, expected {expected}")
        text = f"$ {command}\n{out.getvalue().rstrip()}"
        if code:
            text += f"\n$ echo $?\n{code}"
        return [_literal(text.rstrip("\n"), "console", ["nexus-example-output"])]


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    _NAMESPACES.pop(docname, None)
    docs = getattr(env, "nexus_example_docs", None)
    if docs is not None:
        docs.discard(docname)


def _doc_read(app: Sphinx, doctree: nodes.document) -> None:
    # The page is read: drop its namespace (examples clean up what they start).
    _NAMESPACES.pop(app.env.docname, None)


def _merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    docs = getattr(env, "nexus_example_docs", None)
    if docs is None:
        docs = env.nexus_example_docs = set()
    docs.update(getattr(other, "nexus_example_docs", set()))


def _always_run(app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]):
    return sorted(getattr(env, "nexus_example_docs", set()) - added - changed - removed)


def _finished(app: Sphinx, exception: BaseException | None) -> None:
    # Fail the build whatever the flags (each failure was already reported as a warning).
    if _FAILURES:
        logger.info("documentation examples failed at %s", ", ".join(_FAILURES))
        _FAILURES.clear()
        app.statuscode = 1


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("nexus_example_timeout", 120, "env")
    app.add_directive("nexus-example", NexusExample)
    app.add_directive("nexus-command", NexusCommand)
    app.connect("env-purge-doc", _purge)
    app.connect("doctree-read", _doc_read)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _always_run)
    app.connect("build-finished", _finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
