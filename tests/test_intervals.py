"""Decided comparisons (issue 12): the interval on every difference between two solves,
the run's one plan pool, and what-if variants started from the repaired baseline
(docs/ranking-and-comparisons.md §11, docs/output-contract.md §11)."""

from __future__ import annotations

import json
import math

import jsonschema
import pytest
from typer.testing import CliRunner

import cli
from planner.analysis.coas import plan_coas
from planner.analysis.whatif import apply_changes, parse_changes, variant_seed
from planner.domain.instance import Instance
from planner.domain.intervals import Difference, difference, exact, in_words, short_words
from planner.inputs.loader import load_scenario
from planner.rules.evaluator import evaluate
from planner.search.heuristic import staff_heuristic
from planner.search.pool import PlanPool
from planner.search.solve import SolveOptions, gap_of
from tests.conftest import REPO

TUTORIAL = REPO / "scenarios" / "tutorial.yaml"
FLAGSHIP = REPO / "scenarios" / "central_mali_2018.yaml"
SCHEMA = json.loads((REPO / "docs" / "contract" / "plan-output.schema.json").read_text("utf-8"))
DIFFERENCE = jsonschema.Draft202012Validator({**SCHEMA["$defs"]["difference"],
                                              "$defs": SCHEMA["$defs"]})
PLAN = jsonschema.Draft202012Validator(SCHEMA)
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}


def run(*args: str):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV)


# ====================================================================== the interval
def test_the_interval_is_score_a_minus_bound_b_to_bound_a_minus_score_b():
    d = difference(100.0, 110.0, 80.0, 90.0)
    assert (d.value, d.low, d.high) == (20.0, 10.0, 30.0)
    assert d.decided and not d.proven
    assert d.as_dict() == {"value": 20.0, "low": 10.0, "high": 30.0, "decided": True}


def test_an_interval_containing_zero_is_not_decided():
    d = difference(100.0, 130.0, 80.0, 105.0)
    assert (d.low, d.high) == (-5.0, 50.0) and not d.decided
    assert difference(80.0, 105.0, 100.0, 130.0).decided is False
    assert difference(50.0, 55.0, 100.0, 101.0).decided  # provably worse decides too


def test_a_missing_bound_leaves_that_side_unbounded_and_null_in_json():
    d = difference(100.0, None, 80.0, 82.0)
    assert d.low == 18.0 and math.isinf(d.high) and d.decided
    assert d.as_dict()["high"] is None
    assert not difference(100.0, 101.0, 80.0, None).decided
    assert difference(100.0, 101.0, 80.0, None).as_dict()["low"] is None


def test_a_bound_below_its_score_is_raised_to_it_so_low_le_value_le_high():
    d = difference(100.0, 99.999, 80.0, 79.0)
    assert d.low <= d.value <= d.high == 20.0


def test_proven_solves_give_a_point_and_zero_is_no_difference():
    assert difference(7.0, 7.0, 5.0, 5.0).proven
    assert exact(0.0).proven and not exact(0.0).decided
    assert in_words(exact(0.0)) == "no difference (proven)"
    assert in_words(exact(-3.25)) == "−3.2 (proven)"


def test_words_say_the_interval_and_never_a_bare_number_when_undecided():
    assert in_words(Difference(412.8, 380.1, 455.0)) == "+412.8, between +380.1 and +455.0"
    text = in_words(Difference(12.0, -30.1, 55.0))
    assert text.startswith("not decided at this time limit") and "raise --time-limit" in text
    assert short_words(Difference(12.0, -30.1, 55.0)) == "undecided [−30.1, +55.0]"
    assert short_words(Difference(12.0, 10.0, math.inf)) == "+12.0 [+10.0, +∞]"


# ====================================================================== the pool
@pytest.fixture(scope="module")
def tutorial() -> Instance:
    return Instance.build(load_scenario(TUTORIAL).scenario)


def test_the_pool_keeps_valid_plans_once_and_orders_them_by_score(tutorial):
    pool = PlanPool(tutorial)
    plan = staff_heuristic(tutorial)
    broken = plan.model_copy(update={"assignments": [*plan.assignments, *plan.assignments]})
    assert not evaluate(tutorial, broken).valid
    assert pool.offer(broken, "test") is None and len(pool) == 0
    first = pool.offer(plan, "heuristic")
    again = pool.offer(plan, "again", bound=900.0, proven=False)
    assert len(pool) == 1 and again.source == "heuristic" and again.bound == 900.0
    assert first.score == evaluate(tutorial, plan).score
    empty = pool.offer(plan.model_copy(update={"assignments": [], "sorties": [],
                                               "missions": []}), "empty")
    assert empty is not None and empty.score < first.score
    assert [e.source for e in pool.entries()] == ["heuristic", "empty"]


# ====================================================================== JSON intervals
def _intervals(doc, found=None):
    """Every {value, low, high, decided} object in a document."""
    found = [] if found is None else found
    if isinstance(doc, dict):
        if set(doc) == {"value", "low", "high", "decided"}:
            found.append(doc)
        for v in doc.values():
            _intervals(v, found)
    elif isinstance(doc, list):
        for v in doc:
            _intervals(v, found)
    return found


def _check(doc) -> list[dict]:
    found = _intervals(doc)
    for d in found:
        DIFFERENCE.validate(d)
        low = -math.inf if d["low"] is None else d["low"]
        high = math.inf if d["high"] is None else d["high"]
        assert low <= d["value"] <= high
        assert d["decided"] == (low > 1e-9 or high < -1e-9)
    return found


def test_plan_json_carries_an_interval_against_plan_1_for_every_later_plan():
    result = run("plan", TUTORIAL, "--plans", "3", "--time-limit", "6", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    PLAN.validate(doc)
    _check(doc)
    assert "versus_plan1" not in doc["plans"][0]
    later = [p["versus_plan1"] for p in doc["plans"][1:]]
    assert len(later) == len(doc["plans"]) - 1 >= 1
    best = doc["plans"][0]["score"]
    assert [d["value"] for d in later] == [p["score"] - best for p in doc["plans"][1:]]


def test_whatif_json_carries_the_score_delta_with_its_interval():
    result = run("whatif", TUTORIAL, "--remove-unit", "QRF-1", "--time-limit", "6",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    (delta,) = [d for d in _check(doc) if d is doc["score_delta"]]
    assert delta["value"] == pytest.approx(doc["deltas"]["score"]["delta"])
    assert doc["moved_unit_weeks"] == sum(m["weeks"][1] - m["weeks"][0] + 1
                                          for m in doc["moved"])


def test_marginal_json_carries_an_interval_on_every_value_and_ranks_only_decided_ones():
    result = run("whatif", TUTORIAL, "--marginal", "--time-limit", "6", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    solved = [v for v in doc["marginal"] if v["value"] is not None]
    assert solved and all(v["interval"] is not None for v in solved)
    assert len(_check(doc)) == len(solved)
    for v in solved:
        assert v["value"] == pytest.approx(max(0.0, v["interval"]["value"]))
    for kind in ("+1", "without"):
        rows = [v for v in solved if v["label"].startswith(kind)]
        decided = [v["interval"]["decided"] for v in rows]
        assert decided == sorted(decided, reverse=True)  # decided ones first
        values = [v["value"] for v in rows if v["interval"]["decided"]]
        assert values == sorted(values, reverse=True)


@pytest.mark.slow
def test_time_limited_flagship_json_intervals_are_consistent_and_undecided_ones_say_so():
    """At a short limit the flagship's comparisons are not proven: the JSON intervals stay
    consistent, and the terminal never prints an undecided difference as a bare number."""
    result = run("plan", FLAGSHIP, "--plans", "2", "--time-limit", "4", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    PLAN.validate(doc)
    _check(doc)
    whatif = run("whatif", FLAGSHIP, "--garrison", "SEV=2", "--time-limit", "4",
                 "--format", "json")
    assert whatif.exit_code == 0, whatif.stderr
    wdoc = json.loads(whatif.stdout)
    (delta,) = [d for d in _check(wdoc) if d is wdoc["score_delta"]]
    table = run("whatif", FLAGSHIP, "--garrison", "SEV=2", "--time-limit", "4")
    assert table.exit_code == 0
    line = next(x for x in table.stdout.splitlines() if x.startswith("Score change"))
    assert ("not decided at this time limit" in line) == (not delta["decided"])
    assert "unit-week(s) of assignments or sorties" in table.stdout


# ====================================================================== what-if start
def test_a_garrison_change_starts_from_the_baseline_mended_at_that_base_only():
    loaded = load_scenario(FLAGSHIP).scenario
    base = Instance.build(loaded)
    plan = staff_heuristic(base)
    variant = apply_changes(loaded, parse_changes(garrisons=["SEV=2"]))
    changed = Instance.build(variant.scenario)
    assert not evaluate(changed, plan).valid  # the change breaks the baseline plan
    seed = variant_seed(changed, plan, variant.changes)
    assert evaluate(changed, seed).valid
    was = {(a.unit, a.week): a for a in plan.assignments}
    now = {(a.unit, a.week): a for a in seed.assignments}
    moved = {key for key in set(was) | set(now) if was.get(key) != now.get(key)}
    assert moved and all(key in was and key not in now for key in moved)  # only called home
    called = {(was[k].hotspot, k[1]) for k in moved if changed.units[k[0]].base == "SEV"}
    assert called, "a unit of SEV is called home"
    # Units of other bases move only where a SEV unit left them alone on a post too small
    # for its threat (the flagship's v2 small-post rule): the post is withdrawn.
    for unit, week in moved:
        if changed.units[unit].base != "SEV":
            assert (was[(unit, week)].hotspot, week) in called
            assert changed.small_post_min(was[(unit, week)].hotspot, week) > 1


# ====================================================================== promotion
@pytest.mark.slow
def test_a_pricing_re_solve_that_beats_the_main_solve_becomes_coa_1():
    """Done-when of issue 12: a main solve cut to a fraction of a second (the staff
    heuristic's plan, before any search), then pricing re-solves with seconds each; the
    re-solve of a priority whose constrained optimum beats that plan promotes its plan,
    which then meets the priority (so its price is no longer asked)."""
    instance = Instance.build(load_scenario(FLAGSHIP).scenario)
    run_ = plan_coas(instance, 1, None, SolveOptions(time_limit=0.2, seed=0), price_limit=5,
                     pricing_seconds=6.0)
    main = run_.ranked.solved_first
    better = {pid: p.result for pid, (p, _) in run_.pricings.items()
              if p.result.score is not None and p.result.score > main.score + 1e-9}
    assert better, "premise: some pricing re-solve beats the cut main solve"
    coa1 = run_.ranked.plans[0]
    best_pid, best = max(better.items(), key=lambda kv: kv[1].score)
    assert coa1.evaluation.score >= best.score
    assert run_.promoted is not None and run_.promoted.startswith("pricing")
    assert run_.ranked.first.plan == coa1.plan and run_.ranked.first.score > main.score
    assert run_.ranked.first.gap == gap_of(main.bound, coa1.evaluation.score)
    assert evaluate(instance, coa1.plan).score == coa1.evaluation.score
    met = {a.id: a.status for a in run_.accounts[1]}
    promoted_pid = run_.promoted.split()[1]
    assert met[promoted_pid] == "met"


def test_a_better_plan_in_the_pool_becomes_coa_1_judged_by_the_main_bound(tutorial):
    """The pool's best is COA 1 even when a later re-solve found it; its gap and its slack
    come from the main solve's bound (a pricing proof holds only for its own priority)."""
    from planner.milp.status import SolveStatus
    from planner.search.ranking import RankedPlans, from_pool
    from planner.search.solve import SolveResult, solve

    heuristic = staff_heuristic(tutorial)
    h_eval = evaluate(tutorial, heuristic)
    main = SolveResult("highs", SolveStatus.FEASIBLE, heuristic, h_eval, 900.0,
                       gap_of(900.0, h_eval.score), 0.1, 0.0, heuristic=heuristic,
                       heuristic_evaluation=h_eval)
    pool = PlanPool(tutorial)
    pool.offer(heuristic, "main", h_eval, bound=900.0)
    optimum = solve(tutorial, SolveOptions(time_limit=20))
    assert optimum.status == "optimal" and optimum.score > h_eval.score
    pool.offer(optimum.plan, "pricing T-KORO-BOX", bound=optimum.score, proven=True)
    ranked = from_pool(tutorial, RankedPlans((), main, 2, 2, 0.0, None, heuristic, h_eval,
                                             True, pool, 2, main))
    coa1, coa2 = ranked.plans
    assert coa1.plan == optimum.plan.canonical() and coa1.source == "pricing T-KORO-BOX"
    assert ranked.first.plan == coa1.plan and ranked.first.status == "feasible"
    assert ranked.first.gap == gap_of(900.0, optimum.score)
    assert coa1.bound == pytest.approx(900.0)
    assert coa2.source == "main" and coa2.versus_first.value == h_eval.score - optimum.score
    assert coa2.versus_first.low == pytest.approx(h_eval.score - 900.0)
    assert not coa2.versus_first.decided  # 900 leaves room for a better plan like COA 2
