"""The staff heuristic: always valid, deterministic, honest about infeasible pins, and doing
what a planning officer does by hand (tests/conftest.py describes the TINY fixture)."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from models.scenario import Scenario
from planner.domain.instance import Instance
from planner.rules.evaluator import evaluate
from planner.search.heuristic import InfeasibleScenario, staff_heuristic

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
CAMP = {"id": "CAMP", "location": {"lat": 0.0, "lon": 0.0}}
INF = {"id": "INF-1", "kind": "infantry_company", "base": "CAMP"}
FPU = {"id": "FPU-1", "kind": "fpu", "base": "CAMP"}
ESC = {"id": "ESC-1", "kind": "escort_team", "base": "CAMP"}


def hel(hours: float) -> dict:
    return {"id": "HEL-1", "kind": "attack_helicopter", "base": "CAMP",
            "flight_hours_per_week": hours}


def rows(plan):
    return ([(a.unit, a.hotspot, a.week, a.task, a.mission) for a in plan.assignments],
            [(s.unit, s.hotspot, s.week, s.count, s.task) for s in plan.sorties],
            {m.priority: m.start_week for m in plan.missions})


def checked(instance):
    plan = staff_heuristic(instance)
    evaluation = evaluate(instance, plan)
    assert evaluation.valid, evaluation.violations
    return plan, evaluation


# ---------------------------------------------------------------- tiny_hand
def test_heuristic_on_tiny_hand_is_valid_and_below_the_optimum(tiny_hand):
    plan, evaluation = checked(tiny_hand)
    # TOWN (risk 164) before VILLAGE (128): FPU-1 (0 km, first by id) holds TOWN all four
    # weeks; the garrison floor then keeps INF-1 home, so P2 gets no ground escort
    assert rows(plan) == (
        [("FPU-1", "TOWN", t, "presence", None) for t in (1, 2, 3, 4)],
        [("HEL-1", "TOWN", t, 2, "show_of_force") for t in (1, 2, 4)],
        {})
    assert evaluation.score == pytest.approx(9.84 + 43.0, rel=1e-12)
    assert evaluation.score <= 74.96830440132649


def test_heuristic_is_deterministic(tiny_hand):
    first = staff_heuristic(tiny_hand)
    again = staff_heuristic(Instance.build(tiny_hand.scenario))
    assert first.model_dump_json() == again.model_dump_json()


# ---------------------------------------------------------------- presence
def test_heuristic_sends_nearest_unit_to_highest_risk_hotspot(make_instance):
    # FAR (risk 128) before NEAR (48); the floor lets one unit out, only INF-1 reaches FAR
    instance = make_instance(bases=[CAMP | {"min_garrison": 1}])
    plan, _ = checked(instance)
    assert rows(plan) == (
        [("INF-1", "FAR", t, "presence", None) for t in (1, 2, 3, 4)],
        [("HEL-1", "NEAR", t, 2, "show_of_force") for t in (1, 2, 3, 4)],
        {})


def test_heuristic_fills_every_hotspot_while_units_are_left(tiny):
    plan, evaluation = checked(tiny)
    assert rows(plan)[0] == ([("FPU-1", "NEAR", t, "presence", None) for t in (1, 2, 3, 4)]
                             + [("INF-1", "FAR", t, "presence", None) for t in (1, 2, 3, 4)])
    assert evaluation.warnings == ()


def test_heuristic_avoids_short_stays(make_instance):
    instance = make_instance(units=[INF | {"available": [[1, 2]]}, FPU, hel(2)])
    plan, evaluation = checked(instance)
    assert "INF-1" not in {a.unit for a in plan.assignments}      # 2 weeks < min_stay 3
    assert evaluation.metrics.retaliation_exposure == 0
    instance = make_instance(units=[INF | {"available": [[1, 2]]}, FPU, hel(2)],
                             policy={"min_stay_weeks": 2})
    plan, _ = checked(instance)
    assert [(a.hotspot, a.week) for a in plan.assignments if a.unit == "INF-1"] == [
        ("FAR", 1), ("FAR", 2)]


def test_heuristic_respects_closures_forbid_pins_and_distinction(make_instance):
    data = make_instance().scenario.model_dump(mode="json", exclude_none=True)
    data["hotspots"][1]["ground_closed_weeks"] = [[2, 2]]
    data["hotspots"][0]["partner_operations"] = [{"force": "G5 Sahel", "weeks": [1, 1]}]
    instance = make_instance(data, policy={"distinction": "forbid"},
                             commitments=[{"unit": "FPU-1", "hotspot": "NEAR", "weeks": [4, 4],
                                           "mode": "forbid"}])
    plan, _ = checked(instance)
    # FAR: weeks 3–4 are the longest run INF-1 can hold, but 2 < 3 weeks, week 1 alone too.
    # NEAR: nobody in week 1 (partner operations); FPU-1 only weeks 2–3 (forbidden in 4), a
    # short stay; INF-1 holds weeks 2–4.
    assert rows(plan)[0] == [("INF-1", "NEAR", t, "presence", None) for t in (2, 3, 4)]


# ---------------------------------------------------------------- pins and garrison
PINNED = """
name: pins and garrison
horizon: {weeks: 4}
bases: [{id: CAMP, location: {lat: 0.0, lon: 0.0}, min_garrison: 1}]
units:
  - {id: INF-1, kind: infantry_company, base: CAMP}
  - {id: INF-2, kind: infantry_company, base: CAMP}
  - {id: FPU-1, kind: fpu, base: CAMP}
  - {id: HEL-1, kind: attack_helicopter, base: CAMP, flight_hours_per_week: 2}
hotspots:
  - id: NEAR
    location: {lat: 0.0, lon: 0.0}
    population: 10000
    threats: [{category: intercommunal, probability: 2, impact: 5}]
  - id: FAR
    location: {lat: -1.0, lon: 0.0}
    population: 10000
    threats: [{category: armed_group_abuse, probability: 4, impact: 5}]
commitments:
  - {unit: INF-2, hotspot: NEAR, weeks: [2, 3], mode: require}
  - {unit: HEL-1, hotspot: NEAR, weeks: [4, 4], mode: require}
  - {unit: INF-1, hotspot: FAR, mode: forbid}
"""


def test_heuristic_honours_pins_and_garrison_floor(make_instance):
    plan, evaluation = checked(make_instance(PINNED))
    assignments, sorties, _ = rows(plan)
    # FAR: INF-1 forbidden, FPU-1 out of range, INF-2 pinned at NEAR in weeks 2–3 -> empty.
    # NEAR: the pinned stay is extended to weeks 1–4 by INF-2 itself (all units are 0 km
    # away; INF-2 stays longest without moving), not by FPU-1 in weeks 1 and 4.
    assert assignments == [("INF-2", "NEAR", t, "presence", None) for t in (1, 2, 3, 4)]
    assert ("HEL-1", "NEAR", 4, 2, "show_of_force") in sorties
    assert evaluation.metrics.unit_weeks == 4


def test_heuristic_raises_when_pins_break_the_garrison_floor(make_instance):
    pins = [{"unit": u, "hotspot": "NEAR", "weeks": [2, 2], "mode": "require"}
            for u in ("INF-1", "FPU-1")]
    instance = make_instance(bases=[CAMP | {"min_garrison": 1}], commitments=pins)
    with pytest.raises(InfeasibleScenario, match=r"CAMP keeps 0 .* in week 2"):
        staff_heuristic(instance)
    # without the floor the same pins are fine
    checked(make_instance(commitments=pins))


@pytest.mark.parametrize(("pins", "message"), [
    ([{"unit": "FPU-1", "hotspot": "FAR", "mode": "require"}], "beyond FPU-1's 100 km range"),
    ([{"unit": "INF-1", "hotspot": "FAR", "weeks": [1, 1], "mode": "require"},
      {"unit": "INF-1", "hotspot": "NEAR", "weeks": [1, 1], "mode": "require"}],
     "INF-1 has 2 assignments in week 1"),
    ([{"unit": "INF-1", "hotspot": "FAR", "weeks": [1, 1], "mode": "require"},
      {"unit": "INF-1", "hotspot": "FAR", "weeks": [1, 1], "mode": "forbid"}],
     "forbidden at FAR in week 1"),
    ([{"unit": "HEL-1", "hotspot": "FAR", "weeks": [3, 3], "mode": "require"}],
     "HEL-1 flies 2.01 h in week 3"),
])
def test_heuristic_raises_on_impossible_pins(make_instance, pins, message):
    with pytest.raises(InfeasibleScenario, match=message):
        staff_heuristic(make_instance(commitments=pins))


# ---------------------------------------------------------------- missions and sorties
def _missions(make_instance, *priorities, units=None):
    return make_instance(bases=[CAMP | {"min_garrison": 1}],
                         units=units or [INF, FPU, ESC | {"available": [[3, 4]]}, hel(10)],
                         priorities=list(priorities))


def test_heuristic_schedules_mission_at_earliest_escortable_start(make_instance):
    # FAR needs 2 ground + 2 air each week (P×I 20): INF-1 present + ESC-1 from week 3
    mission = {"id": "M1", "kind": "civilian_mission", "hotspot": "FAR", "weight": 1}
    plan, evaluation = checked(_missions(make_instance, mission))
    assignments, sorties, missions = rows(plan)
    assert missions == {"M1": 3}
    assert ("ESC-1", "FAR", 3, "escort", "M1") in assignments
    assert ("HEL-1", "FAR", 3, 2, "escort") in sorties
    assert evaluation.satisfaction == {"M1": 1.0}


def test_heuristic_schedules_heavier_mission_first(make_instance):
    light = {"id": "A-LIGHT", "kind": "civilian_mission", "hotspot": "FAR", "weeks": [3, 3],
             "weight": 1}
    heavy = light | {"id": "Z-HEAVY", "weight": 2}
    plan, evaluation = checked(_missions(make_instance, light, heavy))
    assert rows(plan)[2] == {"Z-HEAVY": 3}
    assert evaluation.satisfaction == {"A-LIGHT": 0.0, "Z-HEAVY": 1.0}


def test_heuristic_keeps_escort_team_free_for_missions(make_instance):
    # floor 1 of 3: holding hotspots may not count ESC-1 as kept home, so only INF-1 goes
    # out (to FAR); ESC-1 escorts M1 in week 1; then FPU-1 holds NEAR in weeks 2–4
    mission = {"id": "M1", "kind": "civilian_mission", "hotspot": "NEAR", "weight": 1,
               "escort": {"ground": 1, "air_sorties": 0}}
    plan, evaluation = checked(_missions(make_instance, mission,
                                         units=[INF, FPU, ESC, hel(2)]))
    assert rows(plan)[0] == ([("ESC-1", "NEAR", 1, "escort", "M1")]
                             + [("FPU-1", "NEAR", t, "presence", None) for t in (2, 3, 4)]
                             + [("INF-1", "FAR", t, "presence", None) for t in (1, 2, 3, 4)])
    assert rows(plan)[2] == {"M1": 1}
    assert evaluation.metrics.engagement_exposure == 0


def test_heuristic_turns_pinned_sortie_into_escort(make_instance):
    mission = {"id": "M1", "kind": "civilian_mission", "hotspot": "NEAR", "weeks": [2, 2],
               "weight": 1, "escort": {"ground": 0, "air_sorties": 1}}
    instance = make_instance(units=[INF, FPU, hel(1)], priorities=[mission],
                             commitments=[{"unit": "HEL-1", "hotspot": "NEAR", "weeks": [2, 2],
                                           "mode": "require"}])
    plan, _ = checked(instance)
    assert rows(plan)[2] == {"M1": 2}
    assert ("HEL-1", "NEAR", 2, 1, "escort") in rows(plan)[1]


@pytest.mark.parametrize(("hours", "week_sorties"), [
    (2, [("NEAR", 2)]),                 # a FAR sortie (2.01 h) does not fit
    (5, [("FAR", 2)]),                  # FAR is riskier: 2 × 2.01 h, 0.98 h left
    (6, [("FAR", 2), ("NEAR", 1)]),
])
def test_heuristic_show_of_force_at_highest_risk_reachable(make_instance, hours, week_sorties):
    plan, _ = checked(make_instance(units=[INF, FPU, hel(hours)],
                                    bases=[CAMP | {"min_garrison": 2}]))
    assert rows(plan)[1] == [("HEL-1", h, t, n, "show_of_force")
                             for t in (1, 2, 3, 4) for h, n in week_sorties]


# ---------------------------------------------------------------- many scenarios
def _random_scenario(rng: random.Random) -> dict:
    T = rng.randint(2, 6)

    def window() -> list[int]:
        a = rng.randint(1, T)
        return [a, rng.randint(a, T)]

    kinds = ["infantry_company", "qrf_company", "fpu", "escort_team", "attack_helicopter",
             "utility_helicopter"]
    units = [{"id": f"U{i}", "kind": rng.choice(kinds), "base": rng.choice(["B1", "B2"])}
             | ({"available": [window()]} if rng.random() < 0.3 else {})
             for i in range(rng.randint(1, 6))]
    hotspots = [{"id": f"H{i}", "location": {"lat": rng.uniform(-2, 2), "lon": 0.0},
                 "population": rng.choice([5000, 10000, 30000]),
                 "threats": [{"category": c, "probability": rng.randint(1, 5),
                              "impact": rng.randint(1, 5)}
                             for c in rng.sample(["intercommunal", "terrorist_attacks",
                                                  "armed_group_abuse"], 2)],
                 "ground_closed_weeks": [window()] if rng.random() < 0.3 else [],
                 "partner_operations": ([{"force": "G5", "weeks": window()}]
                                        if rng.random() < 0.3 else [])}
                for i in range(rng.randint(1, 4))]
    priorities = [{"id": f"P{i}", "kind": "civilian_mission", "hotspot": rng.choice(hotspots)["id"],
                   "weight": rng.randint(1, 3)} for i in range(rng.randint(0, 3))]
    commitments = [{"unit": rng.choice(units)["id"], "hotspot": rng.choice(hotspots)["id"],
                    "weeks": window(), "mode": rng.choice(["require", "forbid"])}
                   for _ in range(rng.randint(0, 2))]
    return {"name": "random", "horizon": {"weeks": T},
            "policy": {"distinction": rng.choice(["flag", "penalize", "forbid"]),
                       "min_stay_weeks": rng.randint(1, 3)},
            "bases": [{"id": b, "location": {"lat": lat, "lon": 0.0},
                       "min_garrison": rng.randint(0, 2),
                       "air_closed_weeks": [window()] if rng.random() < 0.3 else []}
                      for b, lat in (("B1", 0.0), ("B2", 1.0))],
            "units": units, "hotspots": hotspots, "priorities": priorities,
            "commitments": commitments}


def test_heuristic_valid_or_infeasible_on_random_scenarios():
    rng = random.Random(2018)
    outcomes = {"valid": 0, "infeasible": 0}
    for _ in range(300):
        instance = Instance.build(Scenario.model_validate(_random_scenario(rng)))
        try:
            plan = staff_heuristic(instance)      # raises HeuristicBug on an invalid plan
        except InfeasibleScenario:
            outcomes["infeasible"] += 1
            continue
        assert evaluate(instance, plan).valid
        outcomes["valid"] += 1
    assert outcomes["valid"] > 200 and outcomes["infeasible"] > 0, outcomes


def _bundled(path: Path) -> Instance:
    try:
        from planner.inputs.loader import load_scenario
    except ImportError:      # before the loader lands: inline priorities only
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.pop("priority_files", None)
        return Instance.build(Scenario.model_validate(data))
    return Instance.build(load_scenario(path).scenario)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_heuristic_valid_on_bundled_scenarios(path):
    instance = _bundled(path)
    plan, evaluation = checked(instance)
    assert evaluation.metrics.unit_weeks > 0
    assert staff_heuristic(instance) == plan


def test_bundled_scenarios_exist():
    assert SCENARIOS, "scenarios/*.yaml should ship with the repository"


# ---------------------------------------------------------------- contract v2
def _tiny_v2(**policy):
    from tests.conftest import CONTRACTS
    data = yaml.safe_load((CONTRACTS / "examples" / "tiny_v2.yaml").read_text(encoding="utf-8"))
    data["policy"] |= policy
    return data


def test_heuristic_keeps_the_reserve_when_it_is_worth_more_than_a_post(make_instance):
    plan = staff_heuristic(make_instance(_tiny_v2()))
    assert {a.unit for a in plan.assignments} == {"INF-1"}       # QRF-1 stays ready
    assert evaluate(make_instance(_tiny_v2()), plan).score == 89.5  # the hand optimum
    # worth nothing as a reserve, the QRF is sent out
    sent = staff_heuristic(make_instance(_tiny_v2(reserve_factor=0.0)))
    assert "QRF-1" in {a.unit for a in sent.assignments}


def test_heuristic_holds_strong_posts_with_two_units_never_one(make_instance):
    inst = make_instance(_tiny_v2(reserve_factor=0.0, attraction_factor=0.0))
    plan = staff_heuristic(inst)
    village = defaultdict(set)
    for a in plan.assignments:
        if a.hotspot == "VILLAGE" and a.task == "presence":
            village[a.week].add(a.unit)
    assert village and all(len(units) == 2 for units in village.values())
    assert evaluate(inst, plan).valid


def test_heuristic_completes_a_pinned_post_under_the_small_post_rule(make_instance):
    data = _tiny_v2() | {"commitments": [{"unit": "INF-1", "hotspot": "VILLAGE",
                                          "weeks": [1, 3], "mode": "require"}]}
    inst = make_instance(data)
    plan = staff_heuristic(inst)
    assert {(a.unit, a.week) for a in plan.assignments if a.hotspot == "VILLAGE"} == {
        (u, t) for u in ("INF-1", "QRF-1") for t in (1, 2, 3)}
    assert evaluate(inst, plan).valid


def test_heuristic_holds_no_lone_post_that_draws_more_attacks_than_it_averts(make_instance):
    data = _tiny_v2(reserve_factor=0.0, small_post={"min_units": 1})
    data["priorities"] = []
    data["hotspots"][1]["threats"][1] = {"category": "terrorist_attacks", "probability": 5,
                                         "impact": 5}
    # VILLAGE: a lone company averts 0.30 x 48 + 0.05 x 75 = 18.15 a week; at 0.5 its
    # presence draws 0.5 x 75 = 37.5, at 0.1 only 7.5 (+ a convoy of 13.9 after week 1)
    drawn = staff_heuristic(make_instance(data))
    assert not [a for a in drawn.assignments if a.hotspot == "VILLAGE"]
    data["policy"] |= {"attraction_factor": 0.05, "resupply_weeks": 0}
    held = staff_heuristic(make_instance(data))
    assert [a for a in held.assignments if a.hotspot == "VILLAGE"]
