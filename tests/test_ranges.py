"""Plausible ranges for every number of the format (issue 18, item 3): absurd numbers are
refused at load with file:line and a fix, yes/no values are never numbers, no output ever
holds inf or NaN, loops are bounded by counts, and a failed solve is never `feasible`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import cli
from planner.inputs.loader import ScenarioError, load_scenario
from planner.milp import backends
from planner.search import heuristic
from planner.search.heuristic import staff_heuristic
from tests.conftest import TINY, build_instance, scenario_dict

ENV = {"COLUMNS": "160", "NO_COLOR": "1", "POCPLAN_DEBUG": None}


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "scen.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def set_at(data: dict, path: str, value: object) -> dict:
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    node[keys[-1] if not isinstance(node, list) else int(keys[-1])] = value
    return data


def refusal(tmp_path: Path, path: str, value: object) -> str:
    data = scenario_dict()
    data["priorities"] = [{"id": "P1", "kind": "civilian_mission", "hotspot": "NEAR",
                           "weight": 1, "escort": {"ground": 0}}]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, set_at(data, path, value)))
    (problem,) = caught.value.problems
    return str(problem)


@pytest.mark.parametrize(("path", "value", "says"), [
    ("policy.priority_value", 1e308, "at most 1000"),
    ("policy.weights.harm", 1e308, "at most 100"),
    ("policy.retaliation_factor", 1e9, "at most 100"),
    ("policy.distinction_penalty", 1e9, "at most 1000"),
    ("policy.population_unit", 1e-300, "at least 100"),
    ("priorities.0.weight", 1e308, "at most 100"),
    ("priorities.0.escort.air_sorties", 99999999999999999999, "at most 200"),
    ("priorities.0.escort.ground", 10**6, "at most 100"),
    ("priorities.0.duration_weeks", 60, "at most 52"),
    ("hotspots.0.population", 1e23, "at most 1e+07"),
    ("units.2.flight_hours_per_week", 1e9, "at most 168"),
    ("unit_types.attack_helicopter.flight_hours_per_week", 169, "at most 168"),
    ("unit_types.attack_helicopter.station_hours", 0, "at least 0.1"),
    ("unit_types.attack_helicopter.speed_kmh", 1e9, "at most 1000"),
    ("unit_types.fpu.range_km", 1e9, "at most 2000"),
    ("bases.0.min_garrison", 10**9, "at most 100"),
    ("horizon.start", "9999-12-27", "at most 2200-12-31"),
    # the v2 keys (docs/scenario-format.md §5.1) have ranges too
    ("policy.attraction_factor", 1e308, "at most 100"),
    ("policy.reserve_factor", 1e9, "at most 100"),
    ("policy.weights.attraction", 1e308, "at most 100"),
    ("policy.weights.resupply", 1e9, "at most 100"),
    ("policy.weights.reserve", 1e9, "at most 100"),
    ("policy.small_post.min_units", 10**6, "at most 100"),
    ("policy.escort_tiers", [[25, 10**6, 0]], "at most 100"),
    ("policy.escort_tiers", [[25, 0, 10**6]], "at most 200"),
])
def test_an_absurd_number_is_refused_with_its_range(tmp_path, path, value, says):
    assert says in refusal(tmp_path, path, value)


@pytest.mark.parametrize(("path", "value"), [
    ("hotspots.0.population", True), ("priorities.0.weight", True),
    ("hotspots.0.location.lat", True), ("units.2.flight_hours_per_week", True),
    ("unit_types.fpu.escort", True), ("policy.weights.ied", False),
    ("policy.attraction_factor", True), ("policy.weights.reserve", True),
])
def test_a_yes_no_value_is_never_a_number(tmp_path, path, value):
    assert "(a yes/no value)" in refusal(tmp_path, path, value)


def test_absurd_numbers_exit_3_not_an_internal_error(tmp_path):
    path = write(tmp_path, scenario_dict(policy={"priority_value": 1e308}))
    result = CliRunner().invoke(cli.app, ["plan", str(path), "--format", "json",
                                          "--solver", "heuristic"], env=ENV)
    assert result.exit_code == 3 and "internal error" not in result.output


@pytest.mark.parametrize("limit", ["inf", "nan", "-inf", "1e9"])
def test_a_time_limit_that_is_not_a_number_of_seconds_is_a_usage_error(limit):
    result = CliRunner().invoke(cli.app, ["plan", "scenarios/tutorial.yaml",
                                          "--time-limit", limit], env=ENV)
    assert result.exit_code == 2


def test_the_staff_heuristic_adds_sorties_in_steps_bounded_by_counts(monkeypatch):
    """168 flight hours of 0.1 h sorties: 1680 sorties a week, found in a few steps."""
    data = scenario_dict(TINY)
    data["units"][2]["flight_hours_per_week"] = 168
    data["unit_types"] = {"attack_helicopter": {"station_hours": 0.1}}
    instance = build_instance(data)
    calls = []
    real_fits = heuristic._Draft.fits
    monkeypatch.setattr(heuristic._Draft, "fits",
                        lambda self, *a, **k: calls.append(1) or real_fits(self, *a, **k))
    plan = staff_heuristic(instance)
    for week in instance.weeks:
        hours = sum(s.count * instance.sortie_hours(s.unit, s.hotspot)
                    for s in plan.sorties if s.week == week)
        assert 168 - 0.1 < hours <= 168 + 1e-9  # the week's hours filled, none overflown
    assert len(calls) < 100  # one sortie at a time took over 600


def test_a_solver_failure_is_reported_as_error_not_feasible(monkeypatch):
    def crash(model, **kwargs):
        raise RuntimeError("HiGHS: solve error")

    monkeypatch.setitem(backends.BACKENDS, "highs", crash)
    result = CliRunner().invoke(cli.app, ["plan", "scenarios/tutorial.yaml", "--format",
                                          "json", "--time-limit", "1", "--plans", "1",
                                          "--price-limit", "0"], env=ENV)
    document = json.loads(result.stdout)
    assert document["solver"]["status"] == "error"
    assert "the solver failed (RuntimeError: HiGHS: solve error" in result.stderr
