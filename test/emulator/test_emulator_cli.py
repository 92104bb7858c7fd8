"""The command line (``python -m qiskit_nexus_provider.emulator``) and the pytest plugin."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from qiskit_nexus_provider.emulator.cli import add_arguments, run


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_arguments() -> None:
    args = parse(
        "--host",
        "127.0.0.1",
        "--port",
        "8123",
        "--db",
        "x.db",
        "--token",
        "T",
        "--error-rate",
        "0.1",
        "--rate-limit-rate",
        "0.2",
        "--disconnect-rate",
        "0.3",
        "--latency",
        "0.5",
        "--fail-next-jobs",
        "2",
        "--access-token-ttl",
        "60",
        "--seed",
        "9",
    )
    assert (
        args.port,
        args.db,
        args.token,
        args.error_rate,
        args.rate_limit_rate,
        args.disconnect_rate,
        args.latency,
        args.fail_next_jobs,
        args.access_token_ttl,
        args.seed,
    ) == (8123, "x.db", "T", 0.1, 0.2, 0.3, 0.5, 2, 60.0, 9)
    defaults = parse()
    assert defaults.port == 0 and defaults.db is None and defaults.access_token_ttl is None
    for bad in (["--error-rate", "2"], ["--latency", "-1"], ["--fail-next-jobs", "x"]):
        with pytest.raises(SystemExit):
            parse(*bad)


def test_run_reports_startup_failures(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert run(parse("--port", str(busy.getsockname()[1]))) == 1
    assert "cannot start" in capsys.readouterr().err
    assert run(parse("--error-rate", "0.7", "--rate-limit-rate", "0.7")) == 1


def test_tls_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("--tls-cert", "c.pem", "--tls-key", "k.pem")
    assert (args.tls_cert, args.tls_key) == ("c.pem", "k.pem")
    assert run(parse("--tls-cert", "c.pem")) == 1  # a certificate needs its key
    assert "tls_cert and tls_key" in capsys.readouterr().err


def _ignore_sigint() -> None:
    """In the child, before exec: what a shell does to a command started with ``&``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_emulator(*argv: str) -> tuple[subprocess.Popen[str], list[str]]:
    """``python -m qiskit_nexus_provider.emulator`` with SIGINT ignored; its banner's lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "qiskit_nexus_provider.emulator", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=_ignore_sigint,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:  # blocking reads: the banner ends with the Ctrl-C hint
        lines.append(line.rstrip("\n"))
        if "Ctrl-C" in line:
            break
    return process, lines


def _stop(process: subprocess.Popen[str]) -> str:
    """Ctrl-C, then the rest of the output; the emulator must exit 0."""
    assert process.stdout is not None
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    return process.stdout.read()


def _exports(lines: list[str], heading: str) -> dict[str, str]:
    """The ``export NAME=VALUE`` lines of the banner block that starts with ``heading``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    env = {}
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            if env:
                break
            continue
        if line.strip().startswith("export "):
            name, value = line.strip().removeprefix("export ").split("=", 1)
            env[name] = value
    return env


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_module_entry_point(tmp_path: Path) -> None:
    """Ctrl-C stops the emulator even when its parent set SIGINT to ignored (``cmd &``)."""
    process, lines = _start_emulator(
        "--token", "cli-token", "--db", str(tmp_path / "cli.sqlite"), "--rate-limit-rate", "1"
    )
    try:
        # Said at once, before seconds of imports, so the terminal is never silent.
        assert lines[0].startswith("Starting the Nexus emulator (127.0.0.1, on a free port)")
        banner = "\n".join(lines)
        url = next(
            line.split()[-1] for line in lines if line.startswith("Nexus emulator running at")
        )
        port = url.rsplit(":", 1)[1]
        assert "Refresh token: cli-token" in banner
        assert f"export NEXUS_PORT={port}" in banner and "export NEXUS_DOMAIN=127.0.0.1" in banner
        assert "export NEXUS_PROTOCOL=http" in banner
        assert "login_with_token" not in banner  # nothing that touches real credentials
        assert httpx.get(f"{url}/_emulator/health").json()["status"] == "ok"
        assert httpx.get(f"{url}/api/projects/v1beta2").status_code == 429  # faults from the CLI
        assert "stopped" in _stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / "cli.sqlite").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_banner_lines_work_for_provider_and_qnexus_users(tmp_path: Path) -> None:
    """The banner's lines, pasted as printed, reach the emulator from the provider and from
    qnexus, and never read or write the user's real qnexus token files."""
    home = tmp_path / "home"
    real_auth = home / ".qnx" / "auth"
    real_auth.mkdir(parents=True)
    real = {
        "token.json": '{"data": {"refresh_token": "REAL-REFRESH", "delete_version_after": null}}',
        "id.json": '{"data": {"access_token": "REAL-ACCESS"}}',
    }
    for name, text in real.items():
        (real_auth / name).write_text(text)
    process, lines = _start_emulator()
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("NEXUS_", "QISKIT_"))}
        base |= {"HOME": str(home), "QISKIT_NEXUS_PROGRESS": "0"}
        python_line = next(line.strip() for line in lines if "NexusProvider(token=" in line)
        code = (
            "from qiskit_nexus_provider import NexusProvider\n"
            f"{python_line}\n"
            "print(provider.get_backend('H1-1E').name)\n"
            "print(NexusProvider(url=provider.remote.url, token=None).remote.url)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=240
        )
        assert out.returncode == 0 and out.stdout.startswith("H1-1E"), out.stderr
        provider_env = _exports(lines, "qiskit-nexus-provider")
        assert set(provider_env) >= {"QISKIT_NEXUS_TOKEN", "NEXUS_PORT"}
        out = subprocess.run(
            [sys.executable, "-m", "qiskit_nexus_provider.cli", "backends", "--json"],
            env=base | provider_env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert out.returncode == 0 and '"H1-1E"' in out.stdout, out.stderr
        qnexus_env = _exports(lines, "qnexus")
        assert qnexus_env["NEXUS_STORE_TOKENS"] == "false"
        code = (
            "import qnexus as qnx\n"
            "project = qnx.projects.get_or_create(name='banner-check')\n"
            "print(project.annotations.name)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=base | qnexus_env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert out.returncode == 0 and "banner-check" in out.stdout, out.stdout + out.stderr
        token_dir = Path(qnexus_env["NEXUS_TOKEN_PATH"])
        assert token_dir.is_dir() and token_dir != real_auth
        _stop(process)
        assert not token_dir.exists()  # removed with the emulator
    finally:
        if process.poll() is None:
            process.kill()
    qnx = home / ".qnx"
    files = {p.relative_to(qnx).as_posix(): p.read_text() for p in qnx.rglob("*") if p.is_file()}
    assert files == {f"auth/{name}": text for name, text in real.items()}


def test_pytest_plugin_fixtures(tmp_path: Path) -> None:
    """The ``pytest11`` plugin gives other projects the ``nexus_emulator`` fixtures."""
    test_file = tmp_path / "test_uses_plugin.py"
    test_file.write_text(
        textwrap.dedent("""
        import httpx

        def test_fixture(nexus_emulator):
            assert nexus_emulator.running
            response = httpx.post(nexus_emulator.url + "/auth/tokens/refresh",
                                  cookies={"myqos_oat": nexus_emulator.token})
            assert response.status_code == 200

        def test_session_fixture(nexus_emulator_session):
            assert nexus_emulator_session.url.startswith("http://127.0.0.1:")
    """)
    )
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "qiskit_nexus_provider.emulator.pytest_plugin",
            "-p",
            "no:cacheprovider",
            str(test_file),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_import_is_cheap() -> None:
    code = (
        "import sys, qiskit_nexus_provider.emulator as e; "
        "heavy = ('fastapi', 'uvicorn', 'qiskit', 'qiskit_aer', 'pytket'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_run_reports_unusable_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parse("--db", str(tmp_path / "missing-dir" / "x.sqlite"))) == 1
    assert "cannot start" in capsys.readouterr().err
