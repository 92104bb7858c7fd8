"""The qiskit-nexus command line: demo, backends, jobs, job show/result/cancel, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from qiskit import QuantumCircuit, transpile

from qiskit_nexus_provider import NexusProvider
from qiskit_nexus_provider.cli import (
    EXIT_JOB_FAILED,
    EXIT_OK,
    EXIT_REMOTE,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    main,
)


def test_demo_prints_bell_and_batch_counts(capsys, store_path: Path) -> None:
    assert main(["demo", "--seed", "3", "--store-path", str(store_path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "offline_simulator_no_noise" in out
    assert "bell" in out and "encode-3" in out
    assert "{'011': 100}" in out  # encode-3 puts 3 in binary on its clbits


def test_demo_job_is_one_the_job_commands_find(capsys, store_path: Path) -> None:
    """The demo prints a job id; `qiskit-nexus jobs` and `job show` must know it."""
    store = ["--store-path", str(store_path)]
    assert main(["demo", "--json", "--shots", "10", *store]) == EXIT_OK
    job_id = json.loads(capsys.readouterr().out)["job_id"]
    assert main(["jobs", "--json", *store]) == EXIT_OK
    assert [row["job_id"] for row in json.loads(capsys.readouterr().out)] == [job_id]
    assert main(["job", "show", job_id, *store]) == EXIT_OK
    assert "DONE" in capsys.readouterr().out


def test_demo_json_is_machine_readable(capsys, store_path: Path) -> None:
    assert main(["demo", "--json", "--shots", "20", "--store-path", str(store_path)]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["backend"] == "offline_simulator_no_noise"
    assert data["counts"]["encode-2"] == {"010": 20}
    assert sum(data["counts"]["bell"].values()) == 20
    assert set(data["counts"]["bell"]) <= {"00", "11"}


def test_console_script_is_installed(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("qiskit-nexus")
    if not exe.exists():
        pytest.skip("console script not installed next to this interpreter")
    proc = subprocess.run(
        [str(exe), "backends", "--json"],
        capture_output=True,
        text=True,
        env={"HOME": str(tmp_path), "PATH": ""},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert {row["name"] for row in json.loads(proc.stdout)} >= {"offline_simulator_noise"}


def test_backends_table(capsys, provider: NexusProvider) -> None:
    assert main(["backends", "--store-path", str(provider.store_path)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["name", "kind", "qubits"]
    assert any(line.startswith("offline_simulator_noise") for line in lines)


def _persisted_job(provider: NexusProvider) -> str:
    backend = provider.get_backend("offline_simulator_no_noise")
    qc = QuantumCircuit(1, 1, name="one")
    qc.x(0)
    qc.measure(0, 0)
    job = backend.run(transpile(qc, backend), shots=5)
    job.result()
    job.persist()
    return job.job_id()


def test_jobs_lists_persisted_jobs_and_hides_composite_slots(capsys, provider) -> None:
    job_id = _persisted_job(provider)
    backend = provider.get_backend("offline_simulator_no_noise")
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    composite = backend.run([transpile(qc, backend)] * 4, shots=1, max_circuits_per_job=2)
    composite.result(timeout=60)
    assert main(["jobs", "--json", "--store-path", str(provider.store_path)]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    ids = {row["job_id"] for row in rows}
    assert ids == {job_id, composite.job_id()}
    kinds = {row["job_id"]: row["kind"] for row in rows}
    assert kinds[composite.job_id()] == "composite"
    statuses = {row["job_id"]: row["status"] for row in rows}
    assert statuses[composite.job_id()] == "DONE"  # aggregated, not "-"
    assert statuses[job_id] == "DONE"
    assert main(["jobs", "--store-path", str(provider.store_path)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["JOB", "ID", "KIND", "BACKEND", "CREATED", "STATUS"]
    assert any(composite.job_id() in line and line.endswith("DONE (2 sub-jobs)") for line in lines)
    # Each header stands over its column (CREATED was narrower than the timestamps below it).
    for header in ("KIND", "BACKEND", "CREATED", "STATUS"):
        column = lines[0].index(header)
        for line in lines[1:]:
            assert line[column - 2 : column] == "  " and line[column] != " ", (header, lines)


def test_job_show_result_and_cancel(capsys, provider) -> None:
    job_id = _persisted_job(provider)
    store = ["--store-path", str(provider.store_path)]
    assert main(["job", "show", job_id, *store]) == EXIT_OK
    assert "DONE" in capsys.readouterr().out
    assert main(["job", "result", job_id, "--json", *store]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["counts"] == [{"1": 5}]
    assert main(["job", "cancel", job_id, *store]) == EXIT_OK
    assert "already final" in capsys.readouterr().out


def test_unknown_job_id_is_a_usage_error(capsys, provider) -> None:
    code = main(["job", "show", "no-such-job", "--store-path", str(provider.store_path)])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "no-such-job" in err
    assert "job.persist()" in err and "qiskit-nexus jobs" in err  # why, and where to look


def test_job_without_arguments_names_them_as_the_usage_does(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["job"])
    assert exit_info.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "usage: qiskit-nexus job" in err
    assert "required: {show,result,cancel}, JOB_ID" in err
    assert "action" not in err


def test_unsafe_job_id_is_refused(capsys, provider) -> None:
    code = main(["job", "show", "../../etc/passwd", "--store-path", str(provider.store_path)])
    assert code == EXIT_USAGE
    assert "Invalid job id" in capsys.readouterr().err


def test_failed_job_result_exits_1(capsys, provider, monkeypatch) -> None:
    from qiskit_aer import AerSimulator

    real_run = AerSimulator.run

    def failing_run(self, circuits, **kwargs):
        job = real_run(self, circuits, **kwargs)
        job.result().success = False
        job.result().results[0].success = False
        job.result().results[0].status = "ERROR: injected"
        return job

    monkeypatch.setattr(AerSimulator, "run", failing_run)
    backend = provider.get_backend("offline_simulator_no_noise")
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    job = backend.run(transpile(qc, backend), shots=5)
    job.wait_for_final_state(timeout=60)
    job.persist()
    code = main(["job", "result", job.job_id(), "--store-path", str(provider.store_path)])
    assert code == EXIT_JOB_FAILED
    err = capsys.readouterr().err
    assert "injected" in err
    # one line, prefixed like every other error of the command
    assert err.startswith("error: Job ") and err.count("\n") == 1


def test_unknown_backend_is_a_usage_error(capsys, store_path: Path, nexus_emulator) -> None:
    remote = ["--token", nexus_emulator.token, "--url", nexus_emulator.url]
    argv = ["demo", "--backend", "H9-9", *remote, "--store-path", str(store_path)]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Available backends" in err and "H1-1E" in err and len(err.splitlines()) == 1


def test_remote_backend_without_token_is_an_auth_error(capsys, provider) -> None:
    argv = ["demo", "--backend", "H9-9", "--store-path", str(provider.store_path)]
    assert main(argv) == EXIT_REMOTE
    err = capsys.readouterr().err
    assert "No Nexus token found" in err and len(err.splitlines()) == 1


def test_help_lists_existing_commands_in_plain_text(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "``" not in text and ":class:" not in text  # no raw reStructuredText
    assert "collect" not in text  # no command that does not exist
    for command in ("demo", "backends", "jobs", "job", "emulator"):
        assert f"    {command} " in text
    assert "3    Nexus unreachable, or authentication failed" in text  # as docs/cli.rst says
    with pytest.raises(SystemExit):
        main(["job", "--help"])
    job_help = capsys.readouterr().out
    assert "{show,result,cancel}" in job_help
    for variable in ("$QISKIT_NEXUS_TOKEN", "$NEXUS_TOKEN_PATH", "$NEXUS_PROTOCOL", "$NEXUS_PORT"):
        assert variable in " ".join(job_help.split())


@pytest.mark.parametrize("command", ["demo", "backends", "jobs", "job", "emulator"])
def test_every_command_help_says_what_it_does(capsys, command: str) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    description = out.split("\n\n")[1]  # after the usage block
    assert not description.startswith(("positional arguments", "options")), out


def test_version(capsys) -> None:
    from qiskit_nexus_provider import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"qiskit-nexus {__version__}"


def test_exit_codes_match_the_docs() -> None:
    """docs/cli.rst's exit-code table and the CLI's constants say the same."""
    import re

    from qiskit_nexus_provider import cli

    docs = (Path(__file__).resolve().parent.parent / "docs" / "cli.rst").read_text()
    table = docs[docs.index("Exit codes") :]
    documented = {int(code) for code in re.findall(r"^   \* - (\d+)$", table, re.MULTILINE)}
    constants = {
        cli.EXIT_OK,
        cli.EXIT_JOB_FAILED,
        cli.EXIT_USAGE,
        cli.EXIT_REMOTE,
        cli.EXIT_TIMEOUT,
    }
    assert documented == constants | {cli.EXIT_INTERRUPTED}
    for code in documented:
        assert re.search(rf"^  {code} +\S", cli.EPILOG, re.MULTILINE), code


def test_job_show_at_a_stopped_nexus_says_what_to_do(tmp_path: Path, capsys, monkeypatch) -> None:
    """A persisted remote job whose Nexus is gone: exit 3, one line naming --url."""
    from qiskit_nexus_provider.api.config import RetryPolicy
    from qiskit_nexus_provider.emulator import NexusEmulator

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QISKIT_NEXUS_TOKEN", raising=False)
    store = tmp_path / "store"
    with NexusEmulator(token="gone") as emulator:
        retry = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01)
        provider = NexusProvider(token="gone", url=emulator.url, store_path=store, retry=retry)
        backend = provider.get_backend("H1-1E")
        qc = QuantumCircuit(1, 1)
        qc.measure(0, 0)
        job = backend.run(transpile(qc, backend), shots=5)
        job.wait_for_final_state(timeout=60)
        job.persist()
        url = emulator.url
    argv = ["job", "show", job.job_id(), "--token", "gone", "--store-path", str(store)]
    # Without --url: the job ran elsewhere than the default Nexus; the option to use is named.
    assert main(argv) == EXIT_USAGE
    assert f"--url {url}" in capsys.readouterr().err
    assert main([*argv, "--url", url]) == EXIT_REMOTE
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert url in err and "runs at that address" in err


def test_job_show_url_wins_over_the_recorded_one(tmp_path: Path, capsys, monkeypatch) -> None:
    """A persisted remote job is reached at --url (the emulator restarted on another port)."""
    from qiskit_nexus_provider.emulator import NexusEmulator

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QISKIT_NEXUS_TOKEN", raising=False)
    db, store = tmp_path / "nexus.sqlite", tmp_path / "store"
    with NexusEmulator(db=db, token="cli-url") as first:
        provider = NexusProvider(token="cli-url", url=first.url, store_path=store)
        backend = provider.get_backend("H1-1E")
        qc = QuantumCircuit(1, 1, name="one")
        qc.x(0)
        qc.measure(0, 0)
        job = backend.run(transpile(qc, backend), shots=5)
        job.wait_for_final_state(timeout=60)
        job.persist()
    with NexusEmulator(db=db, token="cli-url") as second:
        second.clear_request_log()
        argv = ["job", "result", job.job_id(), "--json", "--store-path", str(store)]
        assert main([*argv, "--token", "cli-url", "--url", second.url]) == EXIT_OK
        assert json.loads(capsys.readouterr().out)["counts"] == [{"1": 5}]
        assert second.request_log()  # asked the emulator at --url


def test_job_result_shows_progress_while_waiting(nexus_emulator, store_path, capsys, monkeypatch):
    import qiskit_nexus_provider.progress as progress

    provider = NexusProvider(
        token=nexus_emulator.token, url=nexus_emulator.url, store_path=store_path
    )
    backend = provider.get_backend("H1-1E")
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    nexus_emulator.pause()  # the job stays QUEUED
    job_id = backend.run(transpile(qc, backend), shots=3).job_id()
    remote = ["--token", nexus_emulator.token, "--url", nexus_emulator.url]
    argv = ["job", "result", job_id, *remote, "--store-path", str(store_path)]
    monkeypatch.setattr(progress, "progress_enabled", lambda requested: requested)  # a "TTY"
    assert main([*argv, "--timeout", "0.2"]) == EXIT_TIMEOUT
    captured = capsys.readouterr()
    assert f"Waiting for job {job_id}" in captured.err and "QUEUED" in captured.err
    assert captured.err.splitlines()[-1].startswith("error: Timed out after 0.2 s")
    nexus_emulator.resume()
    monkeypatch.setattr(progress, "progress_enabled", lambda requested: False)  # not a TTY
    assert main(argv) == EXIT_OK
    assert "Waiting" not in capsys.readouterr().err


def test_output_into_a_closed_pipe_is_no_traceback(store_path: Path) -> None:
    """``qiskit-nexus jobs | head -1``: the reader closes the pipe before the output is out."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qiskit_nexus_provider.cli",
            "jobs",
            "--store-path",
            str(store_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before anything is written
    _, err = process.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert process.returncode == EXIT_OK
