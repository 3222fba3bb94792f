"""A user clones this repository alone: its tests must pass in a clone with nothing beside
it. The clone's own run of this test is skipped (POCPLAN_IN_CLONE), so it runs once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("POCPLAN_IN_CLONE") == "1", reason="already in the clone")
@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(),
                    reason="needs git and a checkout")
def test_a_clone_with_nothing_beside_it_passes_the_fast_tests(tmp_path):
    clone = tmp_path / "empty" / "pocplan"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)],
                   check=True, capture_output=True, timeout=120)
    assert sorted(p.name for p in clone.parent.iterdir()) == ["pocplan"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env |= {"POCPLAN_IN_CLONE": "1", "PYTHONPATH": str(clone), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-m", "not slow",
                          "-p", "no:cacheprovider"], cwd=clone, env=env, capture_output=True,
                         text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
