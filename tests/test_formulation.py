"""The model against the evaluator, rule by rule, on random valid plans.

Two properties on every plan the evaluator accepts: the model admits it (no valid plan
is cut off — the optimum is the true optimum), and each rule's objective terms equal the
evaluator's metric for that rule, weight included (the model prices every plan exactly).
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from models.plan import Assignment, MissionStart, Plan, Sortie
from planner.milp.formulation import RULES, build_formulation
from planner.milp.linear import family
from planner.rules.evaluator import evaluate
from planner.search.heuristic import staff_heuristic
from tests.factory import instance_of, random_scenario

PRICED_BY = {
    # objective family of the model → (evaluator metric, policy weight name, sign)
    "mitigation": ("harm_averted", "harm", 1),
    "mission_start": ("priority_value", "priorities", 1),
    "satisfaction": ("priority_value", "priorities", 1),
    "stay_stop": ("retaliation_exposure", "retaliation", -1),
    "vacuum": ("vacuum_exposure", "vacuum", -1),
    "road_move": ("ied_exposure", "ied", -1),
    "engagement": ("engagement_exposure", "engagement", -1),
    "present": ("distinction_penalty", "distinction", -1),
    "z": ("attraction_exposure", "attraction", -1),
    "resupply": ("resupply_exposure", "resupply", -1),
    "reserve": ("reserve_value", "reserve", 1),
}
"""Every objective term of the model, by the rule family that writes it."""

RULE_FAMILIES = {
    "define_decisions": {"mission_start"}, "distinction_penalty": {"present"},
    "short_stay_retaliation": {"stay_stop"}, "harm_averted": {"mitigation"},
    "secure_area_satisfaction": {"satisfaction"}, "handover_vacuum": {"vacuum"},
    "road_movement_ied": {"road_move"}, "engagement_exposure": {"engagement"},
    "presence_attraction": {"z"}, "sustainment_convoys": {"resupply"},
    "reserve_value": {"reserve"},
}
"""The rules that add objective terms, with the families their terms belong to."""


def random_valid_plans(instance, rng: random.Random, count: int,
                       join: bool = False) -> list[Plan]:
    """Valid plans reached by random moves from the staff heuristic's plan (with join,
    moves that send two units to one hotspot-week as well)."""
    plan = staff_heuristic(instance)
    plans = [plan]
    spots, weeks = list(instance.hotspot_ids), list(instance.weeks)
    for _ in range(count * 15):
        move = rng.random()
        a, s, m = list(plan.assignments), list(plan.sorties), list(plan.missions)
        if move < 0.35 and instance.ground_units:
            u, t = rng.choice(instance.ground_units), rng.choice(weeks)
            a = [x for x in a if not (x.unit == u.id and x.week == t)]
            if rng.random() < 0.7:
                a.append(Assignment(unit=u.id, hotspot=rng.choice(spots), week=t,
                                    task="presence"))
                if join and rng.random() < 0.5:   # a second unit: posts of two (R15)
                    other = rng.choice(instance.ground_units)
                    a = [x for x in a if not (x.unit == other.id and x.week == t)]
                    a.append(Assignment(unit=other.id, hotspot=a[-1].hotspot if a else
                                        rng.choice(spots), week=t, task="presence"))
        elif move < 0.55 and a:
            a.pop(rng.randrange(len(a)))
        elif move < 0.75 and instance.air_units:
            s.append(Sortie(unit=rng.choice(instance.air_units).id, hotspot=rng.choice(spots),
                            week=rng.choice(weeks), count=1, task=rng.choice(
                                ["show_of_force", "escort"])))
        elif move < 0.85 and s:
            s.pop(rng.randrange(len(s)))
        elif instance.missions:
            mission = rng.choice(list(instance.missions.values()))
            m = [x for x in m if x.priority != mission.id]
            if mission.starts and rng.random() < 0.6:
                m.append(MissionStart(priority=mission.id, start_week=rng.choice(mission.starts)))
        trial = Plan(assignments=a, sorties=s, missions=m)
        if evaluate(instance, trial).valid:
            plan = trial
            plans.append(plan)
            if len(plans) >= count:
                break
    return plans


def objective_by_metric(f, values) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for var, coef in f.model.objective.items():
        metric = PRICED_BY[family(f.model.names[var])][0]
        totals[metric] += coef * values[var]
    return totals


def assert_admitted_and_priced_rule_by_rule(instance, plans: list[Plan]) -> None:
    """Every plan satisfies every row of the model, and the objective gives each metric the
    evaluator's value times its weight (so the totals agree too)."""
    f = build_formulation(instance)
    weights = instance.policy.weights
    for plan in plans:
        values = f.model.complete(f.primary_values(plan))
        assert f.model.violated_rows(values) == [], plan
        evaluation = evaluate(instance, plan)
        by_metric = objective_by_metric(f, values)
        for metric, weight, sign in {v for v in PRICED_BY.values()}:
            expected = sign * getattr(weights, weight) * getattr(evaluation.metrics, metric)
            assert by_metric.get(metric, 0.0) == pytest.approx(expected, abs=1e-6), metric
        assert f.model.objective_value(values) == pytest.approx(evaluation.score, abs=1e-6)


@pytest.mark.parametrize(("seed", "weeks"),
                         [(s, 5) for s in range(12)] + [(s, 2) for s in range(4)])
def test_every_valid_plan_is_admitted_and_priced_rule_by_rule(seed, weeks):
    data = random_scenario(seed, hotspots=3, weeks=weeks, missions=2, areas=2)
    if weeks < 3:  # a horizon shorter than the minimum stay: whole-horizon episodes
        data["policy"]["min_stay_weeks"] = 3
    instance = instance_of(data)
    assert_admitted_and_priced_rule_by_rule(
        instance, random_valid_plans(instance, random.Random(seed), count=25))


@pytest.mark.parametrize(("seed", "weeks"),
                         [(s, 5) for s in range(12)] + [(s, 3) for s in range(4)])
def test_every_valid_plan_is_priced_rule_by_rule_with_v2_on(seed, weeks):
    """The same two properties with every v2 addition on (tests/factory.py `with_v2`)."""
    instance = instance_of(random_scenario(seed, hotspots=3, weeks=weeks, missions=2,
                                           areas=2, v2=True))
    plans = random_valid_plans(instance, random.Random(seed), count=25, join=True)
    assert len(plans) > 5
    assert_admitted_and_priced_rule_by_rule(instance, plans)


def test_v2_random_plans_exercise_every_v2_term():
    """The v2 parity test is not vacuous: across its seeds, plans have attraction,
    resupply and reserves, posts of two under the small-post rule, and civilian effects."""
    seen: dict[str, float] = defaultdict(float)
    for seed in range(12):
        instance = instance_of(random_scenario(seed, hotspots=3, weeks=5, missions=2,
                                               areas=2, v2=True))
        for plan in random_valid_plans(instance, random.Random(seed), count=25, join=True):
            ev = evaluate(instance, plan)
            for key in ("attraction_exposure", "resupply_exposure", "reserve_value"):
                seen[key] += getattr(ev.metrics, key)
            present: dict = defaultdict(set)
            for x in plan.assignments:
                if x.task == "presence":
                    present[x.hotspot, x.week].add(x.unit)
            seen["strong_posts"] += sum(1 for (h, t), us in present.items()
                                        if instance.small_post_min(h, t) > 1 and len(us) > 1)
            seen["effects"] += sum(1 for m in plan.missions
                                   if instance.missions[m.priority].effects)
    assert all(seen[k] > 0 for k in ("attraction_exposure", "resupply_exposure",
                                      "reserve_value", "strong_posts", "effects")), seen


def test_every_objective_family_of_every_rule_is_priced_by_a_metric():
    """Meta-test: a rule that adds objective terms without a metric here fails."""
    instance = instance_of(random_scenario(3, missions=2, areas=2, v2=True))
    f = build_formulation(instance)
    families = {family(f.model.names[v]) for v in f.model.objective}
    assert families <= set(PRICED_BY)
    assert {r.__name__ for r in RULES} >= set(RULE_FAMILIES)
    assert set().union(*RULE_FAMILIES.values()) == set(PRICED_BY)
