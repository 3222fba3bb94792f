"""The re-planning model against the evaluator, rule by rule (docs/ranking-and-comparisons.md
§10): for every integer plan whose weeks before T0 are the executed ones, the model admits it
exactly when its weeks from T0 on break no hard rule, and its objective is the evaluator's
score of the whole horizon minus the change penalty, term by term — also when the executed
weeks break rules of an updated scenario."""

from __future__ import annotations

import copy
import random

import pytest

from models.plan import Assignment, MissionStart, Plan, Sortie
from planner.analysis.replan import future_of, joined, past_of
from planner.domain.changes import unit_week_changes
from planner.milp.linear import family
from planner.milp.replan import build_replan_formulation, row_week
from planner.rules.evaluator import evaluate
from planner.search.heuristic import staff_heuristic
from tests.factory import instance_of, random_scenario
from tests.test_formulation import PRICED_BY

PENALTY = 7.5


def updated(data: dict, rng: random.Random) -> dict:
    """The scenario after new facts: a unit leaves early, a hotspot closes, a threat rises."""
    data = copy.deepcopy(data)
    weeks = data["horizon"]["weeks"]
    ground = [u for u in data["units"] if not u["kind"].endswith("helicopter")]
    rng.choice(ground)["available"] = [[1, rng.randint(1, weeks - 1)]]
    spot = rng.choice(data["hotspots"])
    spot["ground_closed_weeks"] = [[1, rng.randint(1, weeks)]]
    rng.choice(data["hotspots"])["threats"].append(
        {"category": "terrorist_attacks", "probability": 5, "impact": 4})
    return data


def random_futures(instance, start: Plan, t0: int, rng: random.Random, count: int) -> list[Plan]:
    """Plans reached by random moves in weeks ≥ t0 from `start`, valid or not: each move
    is kept when it breaks no more rules of weeks ≥ t0, so the walk explores valid plans and every
    rejected step is an invalid one to test."""
    spots, weeks = list(instance.hotspot_ids), list(range(t0, instance.horizon_weeks + 1))

    def broken(p: Plan) -> int:
        return sum(1 for v in evaluate(instance, p).violations if v.week >= t0)

    plan, out = start, [start]
    for _ in range(count):
        a, s, m = list(plan.assignments), list(plan.sorties), list(plan.missions)
        move, t = rng.random(), rng.choice(weeks)
        if move < 0.25 and any(x.week >= t0 for x in a):
            a.remove(rng.choice([x for x in a if x.week >= t0]))
        elif move < 0.5 and instance.ground_units:
            u = rng.choice(instance.ground_units).id
            a = [x for x in a if not (x.unit == u and x.week == t)]
            if rng.random() < 0.75:
                a.append(Assignment(unit=u, hotspot=rng.choice(spots), week=t, task="presence"))
        elif move < 0.7 and instance.air_units:
            s.append(Sortie(unit=rng.choice(instance.air_units).id, hotspot=rng.choice(spots),
                            week=t, count=1, task=rng.choice(["show_of_force", "escort"])))
        elif move < 0.8 and any(x.week >= t0 for x in s):
            s.remove(rng.choice([x for x in s if x.week >= t0]))
        elif instance.missions:
            mission = rng.choice(sorted(instance.missions))
            m = [x for x in m if x.priority != mission or x.start_week < t0]
            if rng.random() < 0.6 and len(m) == len(plan.missions):
                m.append(MissionStart(priority=mission, start_week=t))
        trial = Plan(assignments=a, sorties=s, missions=m)
        out.append(trial)
        if broken(trial) <= broken(plan):
            plan = trial
    return out


def by_family(f, values) -> dict[str, float]:
    totals: dict[str, float] = {}
    for var, coef in f.model.objective.items():
        name = family(f.model.names[var])
        metric = "changed" if name == "changed" else PRICED_BY[name][0]
        totals[metric] = totals.get(metric, 0.0) + coef * values[var]
    return totals


@pytest.mark.parametrize("seed", range(8))
def test_replan_objective_is_score_minus_change_penalty_for_every_plan(seed):
    rng = random.Random(seed)
    data = random_scenario(seed, hotspots=3, weeks=5, missions=2, areas=2)
    before = instance_of(data)
    after = instance_of(updated(data, rng))
    old_plans = [p for p in random_futures(before, staff_heuristic(before), 1, rng, count=40)
                 if evaluate(before, p).valid]
    executed, previous = rng.choice(old_plans), rng.choice(old_plans)
    t0 = rng.randint(2, 5)
    f = build_replan_formulation(after, from_week=t0, executed=past_of(executed, t0),
                                 previous=previous, penalty=PENALTY)
    weights = after.policy.weights
    admitted = rejected = 0
    ground = tuple(u.id for u in after.ground_units)
    start = joined(past_of(executed, t0), future_of(previous, t0))
    for plan in random_futures(after, start, t0, rng, count=60):
        evaluation = evaluate(after, plan)
        future_broken = [v for v in evaluation.violations if v.week is None or v.week >= t0]
        try:
            values = f.model.complete(f.primary_values(plan))
        except KeyError:  # a record of weeks ≥ T0 the model has no variable for
            assert future_broken, plan
            rejected += 1
            continue
        broken = f.model.violated_rows(values)
        assert bool(broken) == bool(future_broken), (broken, future_broken)
        if broken:
            rejected += 1
            continue
        admitted += 1
        changes = unit_week_changes(ground, previous, plan, range(t0, after.horizon_weeks + 1))
        totals = by_family(f, values)
        for metric, weight, sign in set(PRICED_BY.values()):
            expected = sign * getattr(weights, weight) * getattr(evaluation.metrics, metric)
            assert totals.get(metric, 0.0) == pytest.approx(expected, abs=1e-6), metric
        assert totals.get("changed", 0.0) == pytest.approx(-PENALTY * len(changes), abs=1e-9)
        assert f.model.objective_value(values) == pytest.approx(
            evaluation.score - PENALTY * len(changes), abs=1e-6)
    assert admitted >= 3


def test_executed_weeks_are_fixed_and_their_broken_rules_do_not_bind():
    """A unit that has left the scenario's availability in week 1 was nevertheless out in
    week 1: the model keeps that fact, writes no hard-rule row for week 1, and cannot move
    it."""
    data = random_scenario(2, hotspots=2, weeks=4, missions=0, areas=0)
    data["bases"][0]["min_garrison"] = 0
    ground = [u for u in data["units"] if not u["kind"].endswith("helicopter")]
    unit = ground[0]["id"]
    executed = Plan(assignments=[Assignment(unit=unit, hotspot="H1", week=1, task="presence")])
    ground[0]["available"] = [[3, 4]]
    instance = instance_of(data)
    f = build_replan_formulation(instance, from_week=2, executed=executed)
    var = f.n[unit, "H1", 1]
    assert f.model.lower[var] == f.model.upper[var] == 1.0
    assert all(f.model.lower[v] == f.model.upper[v] == 0.0
               for (u, h, t), v in f.n.items() if t == 1 and (u, h) != (unit, "H1"))
    assert all(row_week(name) in (None, 2, 3, 4) for name in f.model.row_names
               if family(name) in ("one_task_per_week", "garrison_floor", "flight_hours",
                                   "require_pin", "ground_escort", "air_escort"))
    assert evaluate(instance, executed).violations  # unavailable in week 1 under the update


def test_staying_across_t0_is_no_road_movement_and_keeps_the_episode():
    """Continuity across T0: a unit present at H1 in week T0 − 1 that stays makes no new
    road movement, and the stay it continues is priced as one episode."""
    data = random_scenario(4, hotspots=2, weeks=4, missions=0, areas=0)
    data["bases"][0]["min_garrison"] = 0
    data["policy"]["min_stay_weeks"] = 3
    data["hotspots"][0] = {"id": "H1", "location": {"lat": 14.0, "lon": -4.1}, "population": 20000,
                           "threats": [{"category": "terrorist_attacks", "probability": 4,
                                        "impact": 4}]}
    data["units"][0].pop("available", None)
    instance = instance_of(data)
    unit = instance.ground_units[0].id
    stay = Plan(assignments=[Assignment(unit=unit, hotspot="H1", week=t, task="presence")
                             for t in (1, 2, 3)])
    f = build_replan_formulation(instance, from_week=3, executed=past_of(stay, 3))
    values = f.model.complete(f.primary_values(stay))
    assert f.model.violated_rows(values) == []
    moves = {f.model.names[v]: values[v] for v in f.model.objective
             if family(f.model.names[v]) == "road_move" and values[v] > 0}
    assert list(moves) == [f"road_move[{unit}|H1|w1]"]
    assert f.model.objective_value(values) == pytest.approx(evaluate(instance, stay).score)
