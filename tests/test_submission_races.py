"""Racing office submissions (issue 18, item 4), with real processes killed at random
points: two offices submit the same new priority id at once and one of them is SIGKILLed
at a random instant. Whatever happened, the scenario still loads (the merged result is
checked under the lock before the one atomic replace), and the id is held by one office
at most."""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.inputs.loader import load_scenario

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "offices_scenario"
ROUNDS = 6
"""Bounded: each round is two real `priorities submit` processes (one to three seconds)."""
HOLD_SECONDS = 2.0
"""How long the lock is held: both submissions have loaded and checked by then."""


def submission(tmp_path: Path, office: str) -> Path:
    path = tmp_path / f"{office.lower()}.yaml"
    path.write_text(f"office: {office}\npriorities:\n  - {{id: NEW-1, kind: secure_area, "
                    "hotspot: TOWN, weight: 1}\n", encoding="utf-8")
    return path


def submit(file: Path, scenario: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "POCPLAN_DEBUG"}
    return subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "priorities",
                             "submit", str(file), "--scenario", str(scenario)],
                            env=env | {"NO_COLOR": "1"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


@pytest.mark.slow
def test_racing_submissions_killed_at_random_leave_a_loadable_scenario(tmp_path):
    rng = random.Random(18)
    files = [submission(tmp_path, "Douentza"), submission(tmp_path, "Bandiagara")]
    outcomes = []
    for round_ in range(ROUNDS):
        root = tmp_path / f"round{round_}"
        shutil.copytree(FIXTURE, root)
        scenario = root / "scenario.yaml"
        if round_ % 2:  # the worst case: both check while a third holds the lock, then
            # the second to store is killed the instant its file appears
            with holding_locks(root, root / "offices"):
                processes = [submit(file, scenario) for file in files]
                time.sleep(HOLD_SECONDS)
            victim = second_to_store(processes, [root / "offices" / f.name for f in files])
        else:  # any instant
            processes = [submit(file, scenario) for file in files]
            victim = rng.randrange(2)
            time.sleep(rng.uniform(0.3, 1.5))
        if victim is not None:
            processes[victim].send_signal(signal.SIGKILL)
        codes = [p.wait(timeout=60) for p in processes]
        for p in processes:
            p.stderr.close()
        loaded = load_scenario(scenario)  # raises if the race left it unloadable
        holders = [p.office for p in loaded.scenario.priorities if p.id == "NEW-1"]
        assert len(holders) <= 1, holders
        assert all(code in (0, 3, -signal.SIGKILL) for code in codes), codes
        outcomes.append((codes, tuple(holders)))
    assert any(-signal.SIGKILL in codes for codes, _ in outcomes)  # kills did land mid-run


@contextlib.contextmanager
def holding_locks(*folders: Path) -> Iterator[None]:
    """Hold the advisory locks a submission takes (on the scenario's folder, and on the
    office folder where earlier versions of pocplan took it), as a slow third office would."""
    fds = [os.open(folder, os.O_RDONLY) for folder in folders]
    try:
        for fd in fds:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        for fd in fds:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def second_to_store(processes: list[subprocess.Popen], targets: list[Path]) -> int | None:
    """Wait until both offices' files exist; the index of the one that appeared second
    (None when it never does: the second submission was refused before writing)."""
    first = None
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        present = [t.exists() for t in targets]
        if first is None and any(present):
            first = present.index(True)
        if all(present):
            return 1 - first if first is not None else 1
        if all(p.poll() is not None for p in processes):
            return None
        time.sleep(0.001)
    return None
