"""Ctrl-C (issue 18, item 1): at any moment — starting up, loading, solving, writing — the
command exits 130, writes nothing, prints no traceback and leaves no core file; the
KeyboardInterrupt is never raised inside a solver's callback (HiGHS swallowed it and the
solve went on to write its plan)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from planner.domain import interrupt
from planner.domain.files import write_atomic
from planner.domain.instance import Instance
from planner.inputs.loader import load_scenario
from planner.milp.backends import solve_highs
from planner.milp.formulation import build_formulation

REPO = Path(__file__).resolve().parents[1]
NORTHERN = REPO / "scenarios" / "northern_sector.yaml"
TUTORIAL = REPO / "scenarios" / "tutorial.yaml"
STOP_SECONDS = 5.0
"""Most seconds from Ctrl-C to the process's end (it takes well under one)."""


@pytest.fixture(autouse=True)
def _fresh():
    interrupt.reset()
    yield
    interrupt.reset()


def press_ctrl_c_in(seconds: float) -> threading.Timer:
    """What the signal handler does, from another thread after `seconds`."""
    timer = threading.Timer(seconds, interrupt.request)
    timer.start()
    return timer


def test_ctrl_c_during_a_highs_solve_stops_it_and_raises_after():
    model = build_formulation(Instance.build(load_scenario(NORTHERN).scenario)).model
    press_ctrl_c_in(0.5)
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        solve_highs(model, time_limit=30, seed=0, progress=lambda value: None)
    assert time.perf_counter() - started < STOP_SECONDS  # cancelled, not run to its limit


def test_ctrl_c_before_the_rename_keeps_the_old_file(tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old")
    interrupt.request()
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["plan.json"]


def pocplan(*args: str, cwd: Path) -> subprocess.Popen:
    script = Path(sys.executable).parent / "pocplan"
    command = [str(script)] if script.exists() else [sys.executable, "-c",
                                                     "import cli; cli.main()"]
    env = dict(os.environ, NO_COLOR="1", COLUMNS="120")
    env.pop("POCPLAN_DEBUG", None)
    return subprocess.Popen(command + list(args), cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def importing(process: subprocess.Popen, library: str) -> bool:
    """Whether the process has loaded a shared library whose path contains `library`."""
    try:
        return library in Path(f"/proc/{process.pid}/maps").read_text()
    except OSError:
        return False


def interrupted_run(tmp_path: Path, scenario: Path, after: float | str,
                    time_limit: str) -> None:
    """SIGINT `after` seconds into `plan`: exit 130, the old output intact, nothing else in
    the working directory (no temporary file, no core file), no traceback."""
    out = tmp_path / "plans.json"
    out.write_text("old plans\n")
    os.chmod(out, 0o600)
    process = pocplan("plan", str(scenario), "--format", "json", "--output", str(out),
                      "--time-limit", time_limit, cwd=tmp_path)
    if isinstance(after, str):  # as soon as pocplan's imports reach that library
        deadline = time.perf_counter() + 30
        while not importing(process, after) and time.perf_counter() < deadline:
            time.sleep(0.002)
    else:
        time.sleep(after)
    process.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()
    assert time.perf_counter() - sent < STOP_SECONDS
    assert out.read_text() == "old plans\n"
    assert sorted(os.listdir(tmp_path)) == ["plans.json"]
    assert stdout == b""
    assert b"Traceback" not in stderr and b"terminate called" not in stderr
    assert stderr.decode().strip().endswith("interrupted; nothing was written")


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
@pytest.mark.parametrize("library", ["_pydantic_core", "highspy"])
def test_ctrl_c_while_starting_up_exits_130(tmp_path, library):
    """Mid-import (pydantic, loaded by pocplan's own imports) and as the solver library
    loads. (A Ctrl-C in the first milliseconds, while Python itself starts and before any
    of pocplan's code runs, is Python's to handle.)"""
    interrupted_run(tmp_path, TUTORIAL, library, "3")


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.7, 1.5, 3.0, 5.0])
def test_ctrl_c_while_loading_and_solving_exits_130_and_writes_nothing(tmp_path, after):
    interrupted_run(tmp_path, NORTHERN, after, "30")
