"""Output targets and the environment (issue 18, item 6): --output never replaces a
symlink, a FIFO, a device or the scenario; a replaced file keeps its permissions; a
read-only folder, a full disk, a closed or ASCII-only standard output is reported with
what failed, where and what to do, exit code 74, never as "a pocplan bug"."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "scenarios" / "tutorial.yaml"
ENV = {"COLUMNS": "160", "NO_COLOR": "1", "POCPLAN_DEBUG": None}
FAST = ("--solver", "heuristic", "--format", "json")


def plan(*args: str):
    return CliRunner().invoke(cli.app, ["plan", str(TUTORIAL), *FAST, *args], env=ENV)


def test_a_symlink_target_is_refused_and_left_alone(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("mine")
    (tmp_path / "link.json").symlink_to(real)
    result = plan("--output", str(tmp_path / "link.json"))
    assert result.exit_code == 2 and "symbolic link" in result.output
    assert (tmp_path / "link.json").is_symlink() and real.read_text() == "mine"


@pytest.mark.parametrize("special", ["fifo", "/dev/null"])
def test_a_fifo_or_a_device_is_refused(tmp_path, special):
    target = tmp_path / "pipe" if special == "fifo" else Path(special)
    if special == "fifo":
        os.mkfifo(target)
    result = plan("--output", str(target))
    assert result.exit_code == 2 and "not a regular file" in result.output
    assert not target.is_file()


def test_the_scenario_itself_is_refused(tmp_path):
    copy = tmp_path / "scenario.yaml"
    copy.write_bytes(TUTORIAL.read_bytes())
    result = CliRunner().invoke(cli.app, ["plan", str(copy), *FAST, "-o", str(copy)], env=ENV)
    assert result.exit_code == 2 and "is the scenario" in result.output
    assert copy.read_bytes() == TUTORIAL.read_bytes()


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "plans.json"
    target.write_text("old")
    os.chmod(target, 0o600)
    assert plan("--output", str(target)).exit_code == 0
    assert target.read_text().startswith("{") and (target.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(("code", "says"), [(errno.EROFS, "read-only file system"),
                                            (errno.ENOSPC, "the disk is full"),
                                            (errno.EACCES, "you may not write there")])
def test_a_folder_that_cannot_be_written_is_an_environment_error(tmp_path, monkeypatch,
                                                                  code, says):
    target = tmp_path / "plans.json"
    target.write_text("old")

    def refuse(*_args, **_kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path / ".plans.json.x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = plan("--output", str(target))
    assert result.exit_code == 74
    assert f"cannot write {target}: {os.strerror(code)}" in result.output
    assert says in result.output and "pocplan bug" not in result.output
    assert target.read_text() == "old"


def run_pocplan(*args: str, env: dict[str, str] | None = None, **kwargs):
    command = [sys.executable, "-c", "import cli; cli.main()", *args]
    base = {k: v for k, v in os.environ.items() if k != "POCPLAN_DEBUG"}
    return subprocess.run(command, cwd=REPO, env=base | {"NO_COLOR": "1"} | (env or {}),
                          capture_output="stdout" not in kwargs, timeout=120, **kwargs)


def test_a_closed_standard_output_is_reported():
    result = subprocess.run(f"{sys.executable} -c 'import cli; cli.main()' plan "
                            f"{TUTORIAL} --solver heuristic --format json >&-", shell=True,
                            cwd=REPO, stderr=subprocess.PIPE, timeout=120)
    assert result.returncode == 74
    assert b"standard output is closed: write to a file with --output" in result.stderr


def test_a_full_standard_output_is_reported():
    with open("/dev/full", "wb") as full:
        result = run_pocplan("plan", str(TUTORIAL), *FAST, stdout=full,
                             stderr=subprocess.PIPE)
    assert result.returncode == 74 and b"the disk is full" in result.stderr


def test_an_ascii_terminal_gets_utf8_json_and_a_clear_error_for_the_table():
    as_json = run_pocplan("plan", str(TUTORIAL), *FAST, env={"PYTHONIOENCODING": "ascii"})
    assert as_json.returncode == 0 and "Sévaré".encode() in as_json.stdout
    table = run_pocplan("plan", str(TUTORIAL), "--solver", "heuristic",
                        env={"PYTHONIOENCODING": "ascii"})
    assert table.returncode == 74
    assert b"uses the ascii encoding" in table.stderr and b"PYTHONIOENCODING=utf-8" in table.stderr


def test_whatif_json_is_utf8_on_an_ascii_terminal_and_can_go_to_a_file(tmp_path):
    args = ("whatif", str(TUTORIAL), "--garrison", "SEV=1", "--time-limit", "4",
            "--format", "json")
    shown = run_pocplan(*args, env={"PYTHONIOENCODING": "ascii"})
    assert shown.returncode == 0 and "Sévaré".encode() in shown.stdout
    target = tmp_path / "whatif.json"
    written = run_pocplan(*args, "--output", str(target))
    assert written.returncode == 0 and written.stdout == b""
    assert "Sévaré" in target.read_text("utf-8")
