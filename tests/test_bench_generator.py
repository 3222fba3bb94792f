"""The benchmark's scenario generator (bench/generate.py) and a smoke run of its harness.

Generated scenarios must load exactly as a user's file does (the loader and its cross
checks, when they exist), be the same text for the same seed and differ across seeds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bench.generate import SIZES, generate, generate_yaml
from models.scenario import Scenario
from planner.domain.instance import Instance

REPO = Path(__file__).resolve().parents[1]
KINDS = {"infantry_company", "qrf_company", "fpu", "escort_team", "attack_helicopter",
         "utility_helicopter"}


def load(path: Path) -> Instance:
    """The instance a user's file gives: through planner.inputs.loader when it is there, with
    neither errors nor warnings (every hotspot reachable, every priority serviceable)."""
    try:
        from planner.inputs.loader import load_scenario
    except ImportError:
        scenario = Scenario.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    else:
        loaded = load_scenario(path)  # raises ScenarioError on any error
        assert not loaded.warnings, [str(w) for w in loaded.warnings]
        scenario = loaded.scenario
    return Instance.build(scenario)


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_scenario_loads(size: str, seed: int, tmp_path: Path) -> None:
    path = tmp_path / f"{size}-{seed}.yaml"
    path.write_text(generate_yaml(size, seed), encoding="utf-8")
    instance = load(path)
    spec = SIZES[size]
    assert len(instance.hotspot_ids) == spec.hotspots
    assert len(instance.units) == spec.units
    assert instance.horizon_weeks == spec.weeks
    assert {u.spec.kind for u in instance.units.values()} == KINDS
    assert 2 <= len(instance.base_ids) <= 6
    offices = {p.office for p in instance.scenario.priorities}
    assert 2 <= len(offices) <= 3
    assert instance.missions and instance.secure_areas


@pytest.mark.parametrize("size", sorted(SIZES))
def test_generated_scenario_is_realistic(size: str) -> None:
    data = generate(size, 7)
    for h in data["hotspots"]:
        assert 10 <= h["location"]["lat"] <= 25 and -12.5 <= h["location"]["lon"] <= 4.5
        assert 2000 <= h["population"] <= 120000
        assert 1 <= len(h["threats"]) <= 3
    kinds = [u["kind"] for u in data["units"]]
    assert max(set(kinds), key=kinds.count) == "infantry_company"
    assert all(0 <= b["min_garrison"] <= 2 for b in data["bases"])


@pytest.mark.parametrize("size", sorted(SIZES))
def test_generator_is_deterministic_per_seed(size: str) -> None:
    assert generate_yaml(size, 5) == generate_yaml(size, 5)
    assert generate_yaml(size, 5) != generate_yaml(size, 6)


def test_generator_is_deterministic_across_processes() -> None:
    """Same text in a fresh interpreter (no dependence on hash randomisation)."""
    out = subprocess.run([sys.executable, "bench/generate.py", "--size", "S", "--seed", "4"],
                         cwd=REPO, capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}).stdout
    assert out == generate_yaml("S", 4)


@pytest.mark.slow
def test_bench_run_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    subprocess.run([sys.executable, "bench/run.py", "--sizes", "S", "--backends", "highs",
                    "--time-limit", "5", "--no-flagship", "--skip-ranked", "--json", str(out),
                    "--workdir", str(tmp_path)],
                   cwd=REPO, capture_output=True, text=True, check=True, timeout=300)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["machine"]["python"]
    assert [(r["case"], r["backend"]) for r in report["rows"]] == [("S", "highs")]
    row = report["rows"][0]
    assert "error" not in row, row.get("traceback") or row.get("stderr")
    assert row["score"] is not None and row["peak_rss_mib"] > 0
    assert row["build_seconds"] >= 0 and row["wall_seconds"] >= row["build_seconds"]
