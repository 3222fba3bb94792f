"""Evaluation contract v1 as a whole: the worked example, the score formula, the terms,
the warnings, and that evaluate judges any Plan quickly without failing."""

from __future__ import annotations

import json
import math
import random
import time

import pytest

from models.plan import Plan
from planner.domain.instance import Instance
from planner.inputs.loader import load_scenario
from planner.rules.evaluator import HARD_RULES, METRICS, SCORE_TERMS, Metrics, evaluate

KM = 6371 * math.pi / 180
HEL_TOWN = [("HEL-1", "TOWN", 2, 2), ("HEL-1", "TOWN", 4, 2)]   # sorties every case flies
SORTIES = 9.84   # HEL-1's six TOWN sorties, fixed in every case of the hand derivation


def _plan_json(contracts_dir):
    return json.loads((contracts_dir / "examples" / "tiny_hand.plan.json").read_text())


# ---------------------------------------------------------------- tiny_hand
def test_tiny_hand_optimal_plan_scores_as_published(tiny_hand, contracts_dir):
    published = _plan_json(contracts_dir)["plans"][0]
    plan = Plan.model_validate({k: published[k] for k in ("assignments", "sorties", "missions")})
    evaluation = evaluate(tiny_hand, plan)
    assert evaluation.valid, evaluation.violations
    assert evaluation.score == pytest.approx(74.96830440132649, rel=1e-12)
    assert evaluation.score == published["score"]          # to the last bit, as published
    assert evaluation.metrics.as_dict() == pytest.approx(published["metrics"], rel=1e-12)
    assert evaluation.satisfaction == {p["id"]: p["satisfaction"]
                                       for p in published["priorities"]}
    assert evaluation.warnings == ()


def test_tiny_hand_runner_up_town_every_week(tiny_hand, make_plan):
    # {}: INF-1 present at TOWN with P2 in week 1, then the FPU weeks 2–4 (police: no vacuum)
    plan = make_plan(assign=[("INF-1", "TOWN", 1)] + [("FPU-1", "TOWN", t) for t in (2, 3, 4)],
                     sorties=[("HEL-1", "TOWN", 1, 1, "escort", "P2"), ("HEL-1", "TOWN", 1, 1),
                              *HEL_TOWN],
                     missions={"P2": 1})
    evaluation = evaluate(tiny_hand, plan)
    assert evaluation.valid, evaluation.violations
    assert evaluation.score == pytest.approx(SORTIES + 61.8, rel=1e-12)
    assert evaluation.metrics.as_dict() == pytest.approx(Metrics(
        harm_averted=SORTIES + 41.8, priority_value=20.0, retaliation_exposure=0.0,
        vacuum_exposure=0.0, ied_exposure=0.0, engagement_exposure=0.0,
        distinction_penalty=0.0, colocation_weeks=0, baseline_risk=292.0, unit_weeks=4,
        sorties=6).as_dict(), rel=1e-12)


def test_tiny_hand_runner_up_mission_in_last_week(tiny_hand, make_plan):
    # {}: FPU w1-3, INF-1 present in week 4 with P2: TOWN occupied in the last week
    plan = make_plan(assign=[("FPU-1", "TOWN", t) for t in (1, 2, 3)] + [("INF-1", "TOWN", 4)],
                     sorties=[("HEL-1", "TOWN", 1, 2), ("HEL-1", "TOWN", 2, 2),
                              ("HEL-1", "TOWN", 4, 2, "escort")],
                     missions={"P2": 4})
    evaluation = evaluate(tiny_hand, plan)
    assert evaluation.valid, evaluation.violations
    assert evaluation.score == pytest.approx(SORTIES + 61.8, rel=1e-12)


def test_tiny_hand_village_every_week(tiny_hand, make_plan):
    # {1,2,3,4}: 26.4 + 40 - 6.6717, FPU held home by the garrison floor, P2 unescorted
    plan = make_plan(assign=[("INF-1", "VILLAGE", t) for t in (1, 2, 3, 4)],
                     sorties=[("HEL-1", "TOWN", 1, 2), *HEL_TOWN])
    evaluation = evaluate(tiny_hand, plan)
    assert evaluation.valid, evaluation.violations
    assert evaluation.score == pytest.approx(SORTIES + 26.4 + 40 - 0.5 * 12 * KM / 100,
                                             rel=1e-12)
    assert evaluation.score == pytest.approx(69.568, abs=5e-4)
    assert evaluation.satisfaction == {"P1": 1.0, "P2": 0.0}


def test_tiny_hand_village_then_escort_in_last_week(tiny_hand, make_plan):
    # {1,2,3}: vacuum at VILLAGE in week 4 (32), Ie+P2 in week 4 with TOWN empty (-8)
    plan = make_plan(assign=[("INF-1", "VILLAGE", t) for t in (1, 2, 3)]
                     + [("INF-1", "TOWN", 4, "escort", "P2")],
                     sorties=[("HEL-1", "TOWN", 1, 2), ("HEL-1", "TOWN", 2, 2),
                              ("HEL-1", "TOWN", 4, 1, "escort"), ("HEL-1", "TOWN", 4, 1)],
                     missions={"P2": 4})
    evaluation = evaluate(tiny_hand, plan)
    assert evaluation.valid, evaluation.violations
    assert evaluation.metrics.vacuum_exposure == 32
    assert evaluation.metrics.engagement_exposure == 8
    assert evaluation.score == pytest.approx(42.968, abs=5e-4)
    assert evaluation.score == pytest.approx(
        SORTIES + 19.8 + 40 - 0.5 * 12 * KM / 100 - 32 + 20 - 8, rel=1e-12)


def test_tiny_hand_fpu_escort_is_invalid(tiny_hand, make_plan):
    # note (2) of the derivation: the FPU has escort 0, so F + P2 is not a plan
    plan = make_plan(assign=[("FPU-1", "TOWN", t) for t in (1, 2, 3, 4)],
                     sorties=[("HEL-1", "TOWN", 1, 2, "escort"), *HEL_TOWN], missions={"P2": 1})
    assert {v.rule for v in evaluate(tiny_hand, plan).violations} == {"mission_escort"}


# ---------------------------------------------------------------- score and terms
WEIGHTED = {"harm": 2, "priorities": 0.5, "retaliation": 3, "vacuum": 4, "ied": 5,
            "engagement": 6, "distinction": 7}


def _weighted(make_instance):
    data = make_instance().scenario.model_dump(mode="json", exclude_none=True)
    data["hotspots"][1]["partner_operations"] = [{"force": "Barkhane", "weeks": [1, 1]}]
    data["policy"] = {"weights": WEIGHTED, "distinction": "penalize"}
    data["priorities"] = [{"id": "M1", "kind": "civilian_mission", "hotspot": "NEAR",
                           "weight": 1, "escort": {"ground": 1, "air_sorties": 0}}]
    return make_instance(data)


def test_score_is_weighted_sum_of_metrics(make_instance, make_plan):
    instance = _weighted(make_instance)
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("INF-1", "NEAR", 3, "escort", "M1")],
                     missions={"M1": 3})
    evaluation = evaluate(instance, plan)
    assert evaluation.valid, evaluation.violations
    m = evaluation.metrics
    # INF at FAR in week 1 only: short stay 64, vacuum in week 2: 32, one move, Barkhane 10
    assert (m.harm_averted, m.priority_value, m.retaliation_exposure, m.vacuum_exposure,
            m.engagement_exposure, m.distinction_penalty, m.colocation_weeks) == \
        (pytest.approx(20 * 0.30 + 12 * 0.05), 40.0, 64.0, 32.0, 2.0, 10.0, 1)
    expected = (2 * m.harm_averted + 0.5 * 40 - 3 * 64 - 4 * 32 - 5 * m.ied_exposure - 6 * 2
                - 7 * 10)
    assert evaluation.score == pytest.approx(expected, rel=1e-12)


def test_score_terms_add_up_to_weighted_metrics(make_instance, make_plan):
    instance = _weighted(make_instance)
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("INF-1", "FAR", 4), ("FPU-1", "NEAR", 1),
                             ("INF-1", "NEAR", 3, "escort", "M1")],
                     sorties=[("HEL-1", "NEAR", 2, 2)], missions={"M1": 3})
    evaluation = evaluate(instance, plan)
    weights = instance.policy.weights
    for key, weight_name, sign in SCORE_TERMS:
        total = sum(t.value for t in evaluation.terms if t.metric == key)
        expected = sign * getattr(weights, weight_name) * getattr(evaluation.metrics, key)
        assert total == pytest.approx(expected, rel=1e-12, abs=1e-12), key
    assert sum(t.value for t in evaluation.terms) == pytest.approx(evaluation.score, rel=1e-12)
    assert ("retaliation_exposure", "FAR", 4, -3 * 64.0, "short stay at FAR (week 4) ending w4") \
        in [(t.metric, t.hotspot, t.week, t.value, t.detail) for t in evaluation.terms]


def test_score_weights_zero_remove_a_term(make_instance, make_plan):
    plan = make_plan(assign=[("INF-1", "FAR", 1)])
    base = evaluate(make_instance(), plan)
    no_ied = evaluate(make_instance(policy={"weights": {"ied": 0}}), plan)
    assert no_ied.metrics == base.metrics
    assert no_ied.score == pytest.approx(base.score + base.metrics.ied_exposure, rel=1e-12)


def test_metrics_as_dict_in_contract_key_order(contracts_dir, tiny, make_plan):
    schema = json.loads((contracts_dir / "plan-output.schema.json").read_text())
    keys = schema["properties"]["plans"]["items"]["properties"]["metrics"]["required"]
    assert list(evaluate(tiny, make_plan()).metrics.as_dict()) == keys
    assert [fn.metric for fn in METRICS] == keys


def test_satisfaction_lists_every_priority(make_instance, make_plan):
    priorities = [{"id": i, "kind": "secure_area", "hotspot": "NEAR", "weight": 1}
                  for i in ("Z9", "A1")]
    evaluation = evaluate(make_instance(priorities=priorities), make_plan())
    assert evaluation.satisfaction == {"Z9": 0.0, "A1": 0.0}


# ---------------------------------------------------------------- warnings
def test_warnings_short_stay_and_vacuum(tiny, make_plan):
    evaluation = evaluate(tiny, make_plan(assign=[("INF-1", "FAR", 2)]))
    assert [(w.rule, w.hotspot, w.week) for w in evaluation.warnings] == [
        ("short_stay", "FAR", 2), ("vacuum", "FAR", 3)]
    assert "FAR" in evaluation.warnings[0].text


def test_warnings_none_for_a_sustained_handed_over_stay(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", t) for t in (1, 2, 3)] + [("FPU-1", "NEAR", 4)])
    assert evaluate(tiny, plan).warnings == ()


def test_warnings_colocation_and_hrddp(make_instance, make_plan):
    data = make_instance().scenario.model_dump(mode="json", exclude_none=True)
    data["hotspots"][0]["partner_operations"] = [{"force": "G5 Sahel", "weeks": [1, 2]},
                                                 {"force": "FAMa", "weeks": [2, 2]}]
    instance = make_instance(data)
    plan = make_plan(assign=[("INF-1", "NEAR", t) for t in (1, 2, 3, 4)])
    warnings = evaluate(instance, plan).warnings
    assert [(w.rule, w.hotspot, w.week) for w in warnings] == [
        ("colocation", "NEAR", 1), ("hrddp", "NEAR", 1),
        ("colocation", "NEAR", 2), ("hrddp", "NEAR", 2)]
    assert "INF-1" in warnings[0].text and "G5 Sahel" in warnings[0].text
    assert "FAMa, G5 Sahel" in warnings[3].text and "HRDDP" in warnings[3].text


# ---------------------------------------------------------------- robustness, speed
FUZZ = """
name: fuzz
horizon: {weeks: 4}
bases:
  - {id: CAMP, location: {lat: 0.0, lon: 0.0}, min_garrison: 1, air_closed_weeks: [[3, 3]]}
units:
  - {id: INF-1, kind: infantry_company, base: CAMP, available: [[1, 3]]}
  - {id: FPU-1, kind: fpu, base: CAMP}
  - {id: ESC-1, kind: escort_team, base: CAMP}
  - {id: HEL-1, kind: attack_helicopter, base: CAMP, flight_hours_per_week: 3}
hotspots:
  - id: NEAR
    location: {lat: 0.0, lon: 0.0}
    population: 10000
    threats: [{category: intercommunal, probability: 4, impact: 4}]
    partner_operations: [{force: G5 Sahel, weeks: [2, 3]}]
  - id: FAR
    location: {lat: -1.0, lon: 0.0}
    population: 20000
    threats: [{category: terrorist_attacks, probability: 3, impact: 4}]
    ground_closed_weeks: [[4, 4]]
    state_presence_weeks: [[3, 3]]
priorities:
  - {id: S1, kind: secure_area, hotspot: FAR, weight: 1}
  - {id: M1, kind: civilian_mission, hotspot: NEAR, weeks: [1, 3], duration_weeks: 2, weight: 1}
  - {id: M2, kind: civilian_mission, hotspot: FAR, weight: 2}
commitments:
  - {unit: FPU-1, hotspot: NEAR, weeks: [1, 1], mode: require}
  - {unit: HEL-1, hotspot: FAR, weeks: [2, 2], mode: forbid}
policy: {distinction: forbid}
"""


def _random_plan(rng: random.Random) -> Plan:
    units = ["INF-1", "FPU-1", "ESC-1", "HEL-1", "GHOST"]
    hotspots = ["NEAR", "FAR", "NOWHERE"]
    missions = ["M1", "M2", "S1", "NOPE", None]
    return Plan(
        assignments=[{"unit": rng.choice(units), "hotspot": rng.choice(hotspots),
                      "week": rng.randint(1, 6), "task": rng.choice(["presence", "escort"]),
                      "mission": rng.choice(missions)} for _ in range(rng.randint(0, 10))],
        sorties=[{"unit": rng.choice(units), "hotspot": rng.choice(hotspots),
                  "week": rng.randint(1, 6), "count": rng.randint(1, 4),
                  "task": rng.choice(["show_of_force", "escort"]),
                  "mission": rng.choice(missions)} for _ in range(rng.randint(0, 5))],
        missions=[{"priority": rng.choice(missions[:-1]), "start_week": rng.randint(1, 6)}
                  for _ in range(rng.randint(0, 3))])


def test_evaluate_never_fails_on_any_plan(make_instance):
    instance = make_instance(FUZZ)
    rng = random.Random(20180702)
    rules = {fn.__name__ for fn in HARD_RULES}
    for _ in range(500):
        plan = _random_plan(rng)
        evaluation = evaluate(instance, plan)
        assert evaluation.valid == (not evaluation.violations)
        assert {v.rule for v in evaluation.violations} <= rules
        assert all(math.isfinite(x) for x in evaluation.metrics.as_dict().values())
        assert set(evaluation.satisfaction) == {"S1", "M1", "M2"}
        assert all(0 <= s <= 1 for s in evaluation.satisfaction.values())
        assert evaluate(instance, plan) == evaluation           # deterministic


def test_evaluate_is_fast_on_a_full_size_plan(make_instance):
    hotspots = [{"id": f"H{i:02}", "location": {"lat": 14 + 0.1 * i, "lon": -4.0},
                 "population": 20000 + 1000 * i,
                 "threats": [{"category": c, "probability": 1 + i % 5, "impact": 3}
                             for c in ("intercommunal", "terrorist_attacks", "banditry")]}
                for i in range(17)]
    units = [{"id": f"INF-{i:02}", "kind": "infantry_company", "base": "B"} for i in range(17)]
    units.append({"id": "HEL-1", "kind": "attack_helicopter", "base": "B"})
    instance = make_instance(name="full size", horizon={"weeks": 13},
                             bases=[{"id": "B", "location": {"lat": 14.0, "lon": -4.0}}],
                             units=units, hotspots=hotspots)
    plan = Plan(assignments=[{"unit": f"INF-{i:02}", "hotspot": f"H{i:02}", "week": t,
                              "task": "presence"} for i in range(17) for t in range(1, 14)],
                sorties=[{"unit": "HEL-1", "hotspot": "H00", "week": t, "count": 2,
                          "task": "show_of_force"} for t in range(1, 14)])
    assert evaluate(instance, plan).metrics.unit_weeks == 221
    start = time.perf_counter()
    for _ in range(20):
        evaluate(instance, plan)
    per_call = (time.perf_counter() - start) / 20
    # Catches an accidental quadratic walk (seconds), not speed: bench/ measures that.
    assert per_call < 1.0, f"evaluate took {per_call * 1000:.1f} ms"


# ---------------------------------------------------------------- tiny_v2 (contract v2)
TINY_V2_OPTIMUM = 89.5
VILLAGE_KM = 6371 * 3.141592653589793 / 180
MOVE_V2 = 0.5 * 6 * VILLAGE_KM / 100          # one arrival (IED) or one stay week (resupply)


@pytest.fixture(scope="module")
def tiny_v2(contracts_dir):
    return Instance.build(load_scenario(contracts_dir / "examples" / "tiny_v2.yaml").scenario)


def test_tiny_v2_optimal_plan_scores_as_derived_by_hand(tiny_v2, contracts_dir):
    published = json.loads((contracts_dir / "examples" / "tiny_v2.plan.json").read_text())
    entry = published["plans"][0]
    plan = Plan.model_validate({k: entry[k] for k in ("assignments", "sorties", "missions")})
    evaluation = evaluate(tiny_v2, plan)
    assert evaluation.valid, evaluation.violations
    assert evaluation.score == TINY_V2_OPTIMUM == entry["score"]
    assert evaluation.metrics.harm_averted == 20.0              # 4 + (4 + 4) + (4 + 4)
    assert evaluation.metrics.reserve_value == 3 * 0.25 * 66    # the QRF stays ready
    assert evaluation.metrics.as_dict() == entry["metrics"]


@pytest.mark.parametrize(("case", "assign", "missions", "score"), [
    ("A nobody out", [], {}, 49.5),
    ("B strong post at VILLAGE", [(u, "VILLAGE", t) for u in ("INF-1", "QRF-1")
                                  for t in (1, 2, 3)], {}, 99 - 27 - 6 * MOVE_V2),
    ("C' mission in week 2", [("INF-1", "TOWN", t) for t in (1, 2, 3)], {"M1": 2}, 85.5),
    ("C'' escort task in week 1", [("INF-1", "TOWN", 1, "escort", "M1"), ("INF-1", "TOWN", 2),
                                   ("INF-1", "TOWN", 3)], {"M1": 1}, 85.5),
    ("D QRF at TOWN too", [(u, "TOWN", t) for u in ("INF-1", "QRF-1") for t in (1, 2, 3)],
     {"M1": 1}, 52.0),
    ("E one week at TOWN", [("INF-1", "TOWN", 1)], {"M1": 1}, 65.5),
    ("F escort and home", [("INF-1", "TOWN", 1, "escort", "M1")], {"M1": 1}, 77.5),
])
def test_tiny_v2_candidates_of_the_hand_derivation(tiny_v2, make_plan, case, assign, missions,
                                                   score):
    evaluation = evaluate(tiny_v2, make_plan(assign=assign, missions=missions))
    assert evaluation.valid, (case, evaluation.violations)
    assert evaluation.score == pytest.approx(score, abs=1e-9), case


def test_tiny_v2_lone_unit_at_village_is_invalid(tiny_v2, make_plan):
    evaluation = evaluate(tiny_v2, make_plan(assign=[("INF-1", "VILLAGE", 1)]))
    assert [v.rule for v in evaluation.violations] == ["small_posts"]
