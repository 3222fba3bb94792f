"""Lint is part of the test command (the style guide): ruff, as configured in pyproject.toml."""

import shutil
import subprocess
import sys

from tests.conftest import REPO


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(REPO / ".venv" / "bin")) or shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    result = subprocess.run([*command, "check", "."], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
