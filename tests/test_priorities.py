"""The account owed to each office (planner/priorities.py): status, structural reasons
found without a re-solve, prices from a constrained re-solve (never negative, equal to the
score difference of the two evaluated plans), the price limit, and the accounts in
`pocplan plan`'s outputs through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

import cli
from models.scenario import Scenario
from planner.analysis import pricing as priorities
from planner.analysis.pricing import account_priorities, require_priority
from planner.domain.instance import Instance
from planner.milp.formulation import build_formulation
from planner.outputs.documents import PlanEntry
from planner.rules.accounts import structural_obstacle, unpriced_reason
from planner.rules.evaluator import evaluate
from planner.search.solve import SolveOptions, solve
from tests.factory import instance_of, random_scenario

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "contract" / "plan-output.schema.json"
ENV = {"COLUMNS": "160", "NO_COLOR": "1", "POCPLAN_DEBUG": None, "FORCE_COLOR": None}
FAST = SolveOptions(time_limit=10)

PRICING = """\
name: pricing fixture
horizon: {weeks: 4}
bases:
  - {id: CAMP, location: {lat: 0.0, lon: 0.0}}
units:
  - {id: INF-1, kind: infantry_company, base: CAMP}
hotspots:
  - id: TOWN
    location: {lat: 0.0, lon: 0.1}
    population: 50000
    threats: [{category: intercommunal, probability: 4, impact: 5}]
  - id: VILLAGE
    location: {lat: 0.1, lon: 0.0}
    population: 10000
    threats: [{category: intercommunal, probability: 2, impact: 2}]
  - id: DELTA
    location: {lat: -0.1, lon: 0.0}
    population: 10000
    threats: [{category: intercommunal, probability: 2, impact: 2}]
    ground_closed_weeks: [[1, 4]]
priorities:
  - {id: VIL-BOX, office: North, kind: secure_area, hotspot: VILLAGE, weight: 0.5}
  - {id: DELTA-BOX, office: North, kind: secure_area, hotspot: DELTA, weight: 5}
  - {id: TOWN-VISIT, office: South, kind: civilian_mission, hotspot: TOWN, weight: 1,
     escort: {ground: 2, air_sorties: 1}}
  - {id: TOWN-BOX, office: South, kind: secure_area, hotspot: TOWN, weight: 1}
"""
"""One infantry company; at TOWN it averts 25 a week (risk 20 × 5, effect 0.25) and meets
TOWN-BOX (40 points): 140, the optimum. VIL-BOX instead (4 × 1 averted, 0.5 × 40 points)
scores 24, so its price is 116. DELTA is flooded all along; TOWN-VISIT needs two escorts
and a sortie where there is one company and no helicopter."""


def pricing_instance(**top) -> Instance:
    data = yaml.safe_load(PRICING) | top
    return Instance.build(Scenario.model_validate(data))


@pytest.fixture(scope="module")
def pricing():
    instance = pricing_instance()
    best = solve(instance, FAST)
    entry = PlanEntry(1, best.plan, best.evaluation, "the best plan found")
    return instance, best, entry


def by_id(accounts):
    return {a.id: a for a in accounts}


# ====================================================================== the extra row
def test_require_priority_forces_a_secure_area(pricing):
    instance, _, _ = pricing
    result = solve(instance, FAST, customise=lambda f: require_priority(f, "VIL-BOX"),
                   fallback=False)
    assert result.status == "optimal"
    assert result.evaluation.satisfaction["VIL-BOX"] == 1.0
    f = build_formulation(instance)
    require_priority(f, "VIL-BOX")
    name = f.model.row_names[-1]
    assert name == "require_priority[VIL-BOX]"
    assert f.model.row_lower[-1] == 4 and len(f.model.row_terms(f.model.num_rows - 1)) == 4


def test_require_priority_schedules_a_mission_once(tiny):
    instance = Instance.build(Scenario.model_validate(tiny.scenario.model_dump() | {
        "priorities": [{"id": "VISIT", "kind": "civilian_mission", "hotspot": "NEAR",
                        "weight": 0.01, "office": "O",
                        "escort": {"ground": 1, "air_sorties": 0}}]}))
    f = build_formulation(instance)
    require_priority(f, "VISIT")
    r = f.model.num_rows - 1
    assert f.model.row_names[r] == "require_priority[VISIT]"
    assert (f.model.row_lower[r], f.model.row_upper[r]) == (1, 1)
    result = solve(instance, FAST, customise=lambda f: require_priority(f, "VISIT"),
                   fallback=False)
    assert [m.priority for m in result.plan.missions] == ["VISIT"]


def test_an_area_no_unit_can_reach_in_enough_weeks_makes_the_row_impossible(pricing):
    instance, _, _ = pricing
    result = solve(instance, FAST, customise=lambda f: require_priority(f, "DELTA-BOX"),
                   fallback=False)
    assert result.status == "infeasible"


# ====================================================================== structural reasons
def test_a_flooded_area_is_structurally_impossible_and_says_why(pricing):
    instance, _, _ = pricing
    assert structural_obstacle(instance, "DELTA-BOX") == (
        "structurally impossible: no unit able to hold a presence can be at DELTA in any week "
        "of its window (weeks 1–4): DELTA is closed to ground movement in weeks 1–4")


def test_a_mission_whose_escort_no_base_can_provide_names_both_needs(pricing):
    instance, _, _ = pricing
    assert structural_obstacle(instance, "TOWN-VISIT") == (
        "structurally impossible: its escort needs 2 escort-capable ground units at TOWN but at "
        "most 1 can be there in a week of its window (weeks 1–4): only 1 escort-capable ground "
        "unit(s) are within range of TOWN (INF-1); it needs 1 escort sortie(s) "
        "a week at TOWN but at most 0 can be flown there in a week of its window: the scenario "
        "has no helicopter")


def test_units_out_of_range_unavailable_and_kept_home_are_named(tiny):
    instance = Instance.build(Scenario.model_validate(tiny.scenario.model_dump() | {
        "bases": [{"id": "CAMP", "location": {"lat": 0.0, "lon": 0.0}, "min_garrison": 1}],
        "units": [{"id": "INF-1", "kind": "infantry_company", "base": "CAMP",
                   "available": [[1, 2]]},
                  {"id": "FPU-1", "kind": "fpu", "base": "CAMP"}],
        "priorities": [{"id": "FAR-BOX", "office": "O", "kind": "secure_area",
                        "hotspot": "FAR", "weight": 1, "required_weeks": 3}]}))
    assert structural_obstacle(instance, "FAR-BOX") == (
        "structurally impossible: a presence at FAR is possible in only 2 of the 3 weeks "
        "required (weeks 1–2): INF-1 is unavailable in weeks 3–4; FPU-1 is out of range "
        "(111 km from CAMP, range 100 km)")


def test_the_garrison_floor_is_named_when_it_keeps_everyone_home(tiny):
    instance = Instance.build(Scenario.model_validate(tiny.scenario.model_dump() | {
        "bases": [{"id": "CAMP", "location": {"lat": 0.0, "lon": 0.0}, "min_garrison": 2}],
        "priorities": [{"id": "NEAR-BOX", "office": "O", "kind": "secure_area",
                        "hotspot": "NEAR", "weight": 1}]}))
    reason = structural_obstacle(instance, "NEAR-BOX")
    assert reason.startswith("structurally impossible: no unit able to hold a presence")
    assert "INF-1 is kept home by CAMP's garrison floor in weeks 1–4" in reason


def test_a_helicopter_out_of_range_is_named_for_the_air_need(tiny):
    instance = Instance.build(Scenario.model_validate(tiny.scenario.model_dump() | {
        "priorities": [{"id": "FAR-VISIT", "office": "O", "kind": "civilian_mission",
                        "hotspot": "FAR", "weight": 1}]}))
    reason = structural_obstacle(instance, "FAR-VISIT")
    assert reason == (
        "structurally impossible: its escort needs 2 escort-capable ground units at FAR but at "
        "most 1 can be there in a week of its window (weeks 1–4): only 1 escort-capable ground "
        "unit(s) are within range of FAR (INF-1); it needs 2 escort sortie(s) a week at FAR but "
        "at most 0 can "
        "be flown there in a week of its window: one sortie of HEL-1 to FAR takes 2.0 flight "
        "hours, more than its 2 a week")


def test_a_serviceable_priority_has_no_structural_obstacle(pricing):
    instance, best, _ = pricing
    assert structural_obstacle(instance, "VIL-BOX") is None
    assert unpriced_reason(instance, "VIL-BOX", 0.0) == (
        "outweighed: presence in 0 of 4 required weeks; the units were worth more elsewhere")


# ====================================================================== accounts and prices
def test_accounts_give_every_priority_its_status_and_reason(pricing):
    instance, best, entry = pricing
    accounts = account_priorities(instance, [entry], FAST)
    assert list(accounts) == [1]
    got = by_id(accounts[1])
    assert [a.id for a in accounts[1]] == [p.id for p in instance.scenario.priorities]
    assert (got["TOWN-BOX"].status, got["TOWN-BOX"].reason, got["TOWN-BOX"].price) == \
        ("met", None, None)
    assert got["VIL-BOX"].office == "North" and got["VIL-BOX"].status == "unmet"
    for pid in ("DELTA-BOX", "TOWN-VISIT"):
        assert got[pid].structural and got[pid].price is None
        assert got[pid].reason == structural_obstacle(instance, pid)


def test_an_outweighed_priority_costs_the_score_difference_of_the_two_plans(pricing):
    instance, best, entry = pricing
    vil = by_id(account_priorities(instance, [entry], FAST)[1])["VIL-BOX"]
    constrained = evaluate(instance, vil.constrained_plan)
    assert constrained.valid and constrained.satisfaction["VIL-BOX"] == 1.0
    assert vil.price > 0
    assert vil.price == best.evaluation.score - constrained.score
    assert vil.price == pytest.approx(116.0)  # (100 harm + 40 TOWN-BOX) − (4 harm + 20 VIL-BOX)
    assert vil.reason == ("outweighed: presence in 0 of 4 required weeks; meeting it costs "
                          "116.0 points: puts INF-1 at VILLAGE weeks 1–4 instead of TOWN")


def test_a_structurally_impossible_priority_gets_no_re_solve(pricing, monkeypatch):
    instance, _, entry = pricing
    priced = []
    real = priorities.solve

    def spy(instance, options, **kwargs):
        f = build_formulation(instance)
        kwargs["customise"](f)
        priced.append(f.model.row_names[-1])
        return real(instance, options, **kwargs)

    monkeypatch.setattr(priorities, "solve", spy)
    account_priorities(instance, [entry], FAST)
    assert priced == ["require_priority[VIL-BOX]"]


def test_prices_beyond_the_limit_are_left_unpriced_and_said_so(pricing, monkeypatch):
    instance = pricing_instance(priorities=[
        {"id": "VIL-A", "office": "North", "kind": "secure_area", "hotspot": "VILLAGE",
         "weight": 0.25},
        {"id": "VIL-B", "office": "North", "kind": "secure_area", "hotspot": "VILLAGE",
         "weight": 0.5, "weeks": [1, 2]}])
    best = solve(instance, FAST)
    entry = PlanEntry(1, best.plan, best.evaluation, "")
    got = by_id(account_priorities(instance, [entry], FAST, price_limit=1)[1])
    assert got["VIL-B"].price is not None and got["VIL-B"].price > 0  # highest weight first
    assert got["VIL-A"].price is None
    assert got["VIL-A"].reason == ("outweighed: presence in 0 of 4 required weeks; the units "
                                   "were worth more elsewhere; not priced (limit 1)")
    nothing = by_id(account_priorities(instance, [entry], FAST, price_limit=0)[1])
    assert nothing["VIL-B"].reason.endswith("not priced (limit 0)")


def test_a_priority_within_the_limit_left_unpriced_by_the_clock_says_so(pricing):
    """Pricing stopped part-way (the command's time limit): the priorities it did not reach
    blame the time limit, not --price-limit."""
    instance = pricing_instance(priorities=[
        {"id": "VIL-A", "office": "North", "kind": "secure_area", "hotspot": "VILLAGE",
         "weight": 0.25}])
    best = solve(instance, FAST)
    entry = PlanEntry(1, best.plan, best.evaluation, "")
    got = by_id(account_priorities(instance, [entry], FAST, price_limit=1, pricings={})[1])
    assert got["VIL-A"].price is None
    assert got["VIL-A"].reason.endswith("not priced: the time limit ran out before its "
                                        "re-solve; raise --time-limit")


def test_a_plan_worse_than_the_constrained_optimum_pays_nothing(pricing):
    instance, best, _ = pricing
    poor = solve(instance, FAST, customise=lambda f: f.model.row(
        "nowhere", [(v, 1.0) for v in f.n.values()], upper=0), warm_start=False,
        fallback=False)
    entries = [PlanEntry(1, best.plan, best.evaluation, ""),
               PlanEntry(2, poor.plan, poor.evaluation, "")]
    accounts = account_priorities(instance, entries, FAST)
    vil = by_id(accounts[2])["VIL-BOX"]
    assert vil.price == 0.0
    assert vil.reason.startswith("not met, though meeting it costs nothing against this plan")


@pytest.mark.parametrize("seed", range(6))
def test_a_price_is_never_negative(seed):
    instance = instance_of(random_scenario(seed, hotspots=3, weeks=4, missions=2, areas=2))
    result = solve(instance, SolveOptions(time_limit=5))
    if result.plan is None:
        pytest.skip("no plan")
    entry = PlanEntry(1, result.plan, result.evaluation, "")
    for a in account_priorities(instance, [entry], SolveOptions(time_limit=5))[1]:
        assert a.price is None or a.price >= 0
        assert (a.reason is None) == (a.status == "met")
        if a.price is not None:
            constrained = evaluate(instance, a.constrained_plan)
            assert constrained.satisfaction[a.id] == 1.0
            assert a.price == pytest.approx(max(0.0, result.evaluation.score
                                                - constrained.score))


def test_a_time_limited_re_solve_never_prices_above_a_known_plan_meeting_it(pricing,
                                                                           monkeypatch):
    instance, best, entry = pricing
    meets = solve(instance, FAST, customise=lambda f: require_priority(f, "VIL-BOX"),
                  fallback=False)
    stopped = meets.__class__(**{**vars(meets), "plan": None, "evaluation": None,
                                 "status": "no_solution"})
    monkeypatch.setattr(priorities, "solve", lambda *a, **k: stopped)
    known = [PlanEntry(1, best.plan, best.evaluation, ""),
             PlanEntry(2, meets.plan, meets.evaluation, "")]
    vil = by_id(account_priorities(instance, known, FAST)[1])["VIL-BOX"]
    assert vil.price == pytest.approx(best.score - meets.score)
    # The price carries its interval (§11): this plan against the best plan meeting it,
    # the re-solve's side bounded by its own bound (here the optimum's, so it is proven).
    d = vil.price_interval
    assert d.low <= d.value == vil.price <= d.high
    assert "116.0 points" in vil.reason


# ====================================================================== warm starts
def test_a_plan_is_mended_to_hold_a_secure_area(pricing):
    instance, best, _ = pricing
    mended = priorities.repaired_plan(instance, best.plan, "VIL-BOX")
    evaluation = evaluate(instance, mended)
    assert evaluation.valid and evaluation.satisfaction["VIL-BOX"] == 1.0
    assert priorities.repaired_plan(instance, best.plan, "DELTA-BOX") is None


def test_a_plan_is_mended_to_run_a_mission_with_its_escorts(tiny):
    instance = Instance.build(Scenario.model_validate(tiny.scenario.model_dump() | {
        "priorities": [{"id": "VISIT", "office": "O", "kind": "civilian_mission",
                        "hotspot": "NEAR", "weeks": [2, 3], "weight": 0.1,
                        "escort": {"ground": 1, "air_sorties": 1}}]}))
    best = solve(instance, FAST)
    assert best.evaluation.satisfaction["VISIT"] == 0.0  # outweighed
    mended = priorities.repaired_plan(instance, best.plan, "VISIT")
    evaluation = evaluate(instance, mended)
    assert evaluation.valid, evaluation.violations
    assert [(m.priority, m.start_week) for m in mended.missions] == [("VISIT", 2)]


def test_the_staff_heuristic_with_the_priority_first_meets_it(pricing):
    instance, _, _ = pricing
    ((plan, evaluation),) = priorities.priority_first_plan(instance, "VIL-BOX")
    assert evaluation.valid and evaluation.satisfaction["VIL-BOX"] == 1.0


# ====================================================================== through the CLI
@pytest.fixture(scope="module")
def pricing_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pricing") / "pricing.yaml"
    path.write_text(PRICING, encoding="utf-8")
    return path


def test_plan_json_carries_office_status_reason_and_price(pricing_file):
    result = CliRunner().invoke(cli.app, ["plan", str(pricing_file), "--plans", "1",
                                          "--time-limit", "10", "--format", "json"], env=ENV)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(doc)
    got = {p["id"]: p for p in doc["plans"][0]["priorities"]}
    assert got["VIL-BOX"]["office"] == "North" and got["VIL-BOX"]["status"] == "unmet"
    assert got["VIL-BOX"]["price"] == pytest.approx(116.0)
    assert got["VIL-BOX"]["reason"].startswith("outweighed: presence in 0 of 4 required weeks")
    assert got["DELTA-BOX"]["price"] is None
    assert got["DELTA-BOX"]["reason"].startswith("structurally impossible")
    assert got["TOWN-BOX"] == {"id": "TOWN-BOX", "satisfaction": 1.0, "office": "South",
                               "status": "met", "reason": None, "price": None}


def test_plan_table_and_markdown_show_the_account_per_office(pricing_file):
    for fmt, marks in (("table", ("Priorities of North", "Priorities of South", "116.0",
                                  "structurally impossible")),
                       ("markdown", ("#### North: 0 of 2 met", "| 116.0 |",
                                     "structurally impossible"))):
        result = CliRunner().invoke(cli.app, ["plan", str(pricing_file), "--plans", "1",
                                              "--time-limit", "10", "--format", fmt], env=ENV)
        assert result.exit_code == 0, result.stderr
        for mark in marks:
            assert mark in result.stdout, (fmt, mark)
