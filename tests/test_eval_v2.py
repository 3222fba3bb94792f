"""Contract v2 (docs/evaluation-contract.md §5.1) rule by rule on the TINY fixture, each
with the exact hand-computed value; every addition off by default.

TINY (tests/conftest.py): NEAR 0 km away, intercommunal 10, terrorist_attacks 2 (Σ risk
12); FAR 111.195 km away, armed_group_abuse 20, terrorist_attacks 12 (Σ risk 32); 4 weeks.
"""

from __future__ import annotations

import math

import pytest

from planner.rules.evaluator import evaluate

KM = 6371 * math.pi / 180          # FAR's distance from CAMP, km
IED_FAR = 0.5 * 12 * KM / 100      # one road movement to FAR: 6.6717
UNITS = [
    {"id": "INF-1", "kind": "infantry_company", "base": "CAMP"},
    {"id": "FPU-1", "kind": "fpu", "base": "CAMP"},
    {"id": "HEL-1", "kind": "attack_helicopter", "base": "CAMP", "flight_hours_per_week": 2},
]
INF2 = {"id": "INF-2", "kind": "infantry_company", "base": "CAMP"}
QRF = {"id": "QRF-1", "kind": "qrf_company", "base": "CAMP"}


def rules_broken(instance, plan, rule):
    return [v for v in evaluate(instance, plan).violations if v.rule == rule]


def metric(instance, plan, key):
    return getattr(evaluate(instance, plan).metrics, key)


def mission(effects=None, effect_weeks=None, **extra):
    out = {"id": "M1", "kind": "civilian_mission", "hotspot": "NEAR", "weeks": [1, 4],
           "weight": 1, "escort": {"ground": 0, "air_sorties": 0}} | extra
    if effects is not None:
        out |= {"effects": effects, "effect_weeks": effect_weeks}
    return out


# ---------------------------------------------------------------- R15 small posts
def test_small_posts_violated_by_one_company_under_asymmetric_threat(make_instance, make_plan):
    inst = make_instance(units=[*UNITS, INF2], policy={"small_post": {"min_units": 2}})
    found = rules_broken(inst, make_plan(assign=[("INF-1", "FAR", 1)]), "small_posts")
    assert [(v.hotspot, v.week) for v in found] == [("FAR", 1)]   # AGA 20 ≥ 16
    assert "send 1 more" in found[0].text


def test_small_posts_satisfied_by_two_companies_or_a_low_threat(make_instance, make_plan):
    inst = make_instance(units=[*UNITS, INF2], policy={"small_post": {"min_units": 2}})
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("INF-2", "FAR", 1), ("FPU-1", "NEAR", 1)])
    assert rules_broken(inst, plan, "small_posts") == []   # NEAR: P×I 2 < 16
    # the threshold is inclusive at 20 and the default min_units 1 is off
    strict = make_instance(units=[*UNITS, INF2], policy={"small_post": {"threat": 21,
                                                                        "min_units": 2}})
    assert rules_broken(strict, make_plan(assign=[("INF-1", "FAR", 1)]), "small_posts") == []
    assert rules_broken(make_instance(), make_plan(assign=[("INF-1", "FAR", 1)]),
                        "small_posts") == []


def test_small_posts_violated_escorts_do_not_count(make_instance, make_plan):
    inst = make_instance(units=[*UNITS, INF2], policy={"small_post": {"min_units": 2}},
                         priorities=[mission(hotspot="FAR")])
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("INF-2", "FAR", 1, "escort", "M1")],
                     missions={"M1": 1})
    assert len(rules_broken(inst, plan, "small_posts")) == 1


# ---------------------------------------------------------------- R17 police ceiling
def test_police_ceiling_violated_above_max_threat(make_instance, make_plan):
    inst = make_instance(unit_types={"fpu": {"max_threat": 1}})
    found = rules_broken(inst, make_plan(assign=[("FPU-1", "NEAR", 2)]), "police_ceiling")
    assert [(v.unit, v.hotspot, v.week) for v in found] == [("FPU-1", "NEAR", 2)]   # TA 2 > 1


def test_police_ceiling_satisfied_at_the_ceiling_and_without_one(make_instance, make_plan):
    plan = make_plan(assign=[("FPU-1", "NEAR", 2)])
    assert rules_broken(make_instance(unit_types={"fpu": {"max_threat": 2}}), plan,
                        "police_ceiling") == []
    assert rules_broken(make_instance(), plan, "police_ceiling") == []


def test_police_ceiling_violated_by_an_escort_too(make_instance, make_plan):
    inst = make_instance(unit_types={"infantry_company": {"max_threat": 11}},
                         priorities=[mission(hotspot="FAR")])
    plan = make_plan(assign=[("INF-1", "FAR", 1, "escort", "M1")], missions={"M1": 1})
    assert len(rules_broken(inst, plan, "police_ceiling")) == 1   # TA 12 > 11


def test_police_ceiling_removes_the_choice_from_ground_ok(make_instance):
    inst = make_instance(unit_types={"fpu": {"max_threat": 1}})
    assert not inst.ground_ok("FPU-1", "NEAR", 1)
    assert make_instance().ground_ok("FPU-1", "NEAR", 1)


# ---------------------------------------------------------------- R13 attraction
def test_presence_attraction_counts_hotspot_weeks_not_units(make_instance, make_plan):
    inst = make_instance(policy={"attraction_factor": 2.0})
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("INF-1", "FAR", 2), ("FPU-1", "NEAR", 1)])
    evaluation = evaluate(inst, plan)
    assert evaluation.metrics.attraction_exposure == pytest.approx(2 * (12 + 12 + 2))
    terms = [t.value for t in evaluation.terms if t.metric == "attraction_exposure"]
    assert sum(terms) == pytest.approx(-52)


def test_presence_attraction_off_by_default_and_escorts_are_not_presence(make_instance,
                                                                         make_plan):
    plan = make_plan(assign=[("INF-1", "FAR", 1)])
    assert metric(make_instance(), plan, "attraction_exposure") == 0
    inst = make_instance(policy={"attraction_factor": 2.0}, priorities=[mission(hotspot="FAR")])
    escort = make_plan(assign=[("INF-1", "FAR", 1, "escort", "M1")], missions={"M1": 1})
    assert metric(inst, escort, "attraction_exposure") == 0


def test_presence_attraction_lowers_the_score_by_its_weight(make_instance, make_plan):
    plan = make_plan(assign=[("INF-1", "FAR", 1)])
    base = evaluate(make_instance(), plan).score
    on = make_instance(policy={"attraction_factor": 1.0, "weights": {"attraction": 3}})
    assert evaluate(on, plan).score == pytest.approx(base - 3 * 12)


# ---------------------------------------------------------------- R14 resupply
def test_sustainment_convoys_price_every_week_a_unit_stays(make_instance, make_plan):
    inst = make_instance(policy={"resupply_weeks": 2})
    plan = make_plan(assign=[("INF-1", "FAR", t) for t in (1, 2, 3)])
    # weeks 2 and 3 are not road movements: 2 × IED_FAR / 2
    assert metric(inst, plan, "resupply_exposure") == pytest.approx(IED_FAR)
    assert metric(inst, plan, "ied_exposure") == pytest.approx(IED_FAR)   # one movement


def test_sustainment_convoys_off_with_resupply_weeks_zero(make_instance, make_plan):
    plan = make_plan(assign=[("INF-1", "FAR", t) for t in (1, 2, 3)])
    assert metric(make_instance(), plan, "resupply_exposure") == 0
    # a unit that leaves and comes back moves again: no resupply in week 3
    back = make_plan(assign=[("INF-1", "FAR", 1), ("INF-1", "FAR", 3)])
    assert metric(make_instance(policy={"resupply_weeks": 1}), back, "resupply_exposure") == 0


# ---------------------------------------------------------------- R16 reserves
def test_reserve_value_one_alert_a_week_largest_first(make_instance, make_plan):
    inst = make_instance(units=[*UNITS, QRF], policy={"reserve_factor": 0.5})
    assert metric(inst, make_plan(), "reserve_value") == pytest.approx(0.5 * 32 * 4)
    plan = make_plan(assign=[("QRF-1", "FAR", 1), ("QRF-1", "FAR", 2)])
    assert metric(inst, plan, "reserve_value") == pytest.approx(0.5 * 32 * 2)


def test_reserve_value_two_reserves_answer_two_alerts(make_instance, make_plan):
    inst = make_instance(units=[*UNITS, QRF, QRF | {"id": "QRF-2"}, QRF | {"id": "QRF-3"}],
                         policy={"reserve_factor": 0.5})
    # a third reserve finds no third hotspot in reach
    assert metric(inst, make_plan(), "reserve_value") == pytest.approx(0.5 * (32 + 12) * 4)


def test_reserve_value_reach_kind_availability_and_closure(make_instance, make_plan):
    closed = [{"id": "NEAR", "location": {"lat": 0.0, "lon": 0.0}, "population": 10000,
               "threats": [{"category": "intercommunal", "probability": 2, "impact": 5},
                           {"category": "terrorist_attacks", "probability": 1, "impact": 2}]},
              {"id": "FAR", "location": {"lat": -1.0, "lon": 0.0}, "population": 10000,
               "ground_closed_weeks": [[1, 1]],
               "threats": [{"category": "armed_group_abuse", "probability": 4, "impact": 5},
                           {"category": "terrorist_attacks", "probability": 3, "impact": 4}]}]
    inst = make_instance(units=[*UNITS, QRF | {"available": [[1, 2]]}], hotspots=closed,
                         policy={"reserve_factor": 1.0})
    assert metric(inst, make_plan(), "reserve_value") == pytest.approx(12 + 32)
    # an FPU made a reserve reaches NEAR only (100 km); INF-1 is not one by default
    fpu = make_instance(unit_types={"fpu": {"reserve": True}}, policy={"reserve_factor": 1.0})
    assert metric(fpu, make_plan(assign=[("FPU-1", "NEAR", 1)]), "reserve_value") == \
        pytest.approx(12 * 3)


def test_reserve_value_off_by_default_and_adds_to_the_score(make_instance, make_plan):
    assert metric(make_instance(units=[*UNITS, QRF]), make_plan(), "reserve_value") == 0
    on = make_instance(units=[*UNITS, QRF], policy={"reserve_factor": 0.25,
                                                    "weights": {"reserve": 2}})
    assert evaluate(on, make_plan()).score == pytest.approx(2 * 0.25 * 32 * 4)


# ---------------------------------------------------------------- R17 handover quality
STATE_FAR = {"state_presence_weeks": [[3, 4]]}


def far_with(make_instance, fields, **top):
    data = make_instance().scenario.model_dump(mode="json", exclude_none=True)
    data["hotspots"][1].update(fields)
    return make_instance(data, **top)


def test_handover_vacuum_state_forces_do_not_count_when_policy_says_so(make_instance,
                                                                       make_plan):
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("INF-1", "FAR", 2)])
    counts = far_with(make_instance, STATE_FAR)
    assert metric(counts, plan, "vacuum_exposure") == 0
    not_counted = far_with(make_instance, STATE_FAR, policy={"state_handover": "does_not_count"})
    assert metric(not_counted, plan, "vacuum_exposure") == pytest.approx(32)


def test_v2_warnings_hrddp_on_handover_to_state_forces(make_instance, make_plan):
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("INF-1", "FAR", 2)])
    for setting in ("counts", "does_not_count"):
        inst = far_with(make_instance, STATE_FAR,
                        policy={"state_handover": setting, "attraction_factor": 0.1})
        hrddp = [(w.hotspot, w.week) for w in evaluate(inst, plan).warnings
                 if w.rule == "hrddp"]
        assert hrddp == [("FAR", 3)], setting
    # a v1 scenario keeps its v1 warnings only
    assert [w for w in evaluate(far_with(make_instance, STATE_FAR), plan).warnings
            if w.rule == "hrddp"] == []


def test_v2_warnings_hrddp_for_escorts_during_partner_operations(make_instance, make_plan):
    inst = far_with(make_instance, {"partner_operations": [{"force": "FAMa"}]},
                    priorities=[mission(hotspot="FAR")], policy={"resupply_weeks": 1})
    plan = make_plan(assign=[("INF-1", "FAR", 1, "escort", "M1")], missions={"M1": 1})
    warnings = [(w.rule, w.hotspot, w.week) for w in evaluate(inst, plan).warnings]
    assert ("hrddp", "FAR", 1) in warnings
    assert ("engagement", "FAR", 1) in warnings   # nobody present in week 2


# ---------------------------------------------------------------- escort tiers
def test_mission_escort_violated_under_custom_escort_tiers(make_instance, make_plan):
    tiers = [[5, 0, 0], [25, 2, 1]]
    m = {"id": "M1", "kind": "civilian_mission", "hotspot": "FAR", "weeks": [1, 4], "weight": 1}
    inst = make_instance(units=[*UNITS, INF2], priorities=[m], policy={"escort_tiers": tiers})
    assert (inst.missions["M1"].need_ground[1], inst.missions["M1"].need_air[1]) == (2, 1)
    plan = make_plan(assign=[("INF-1", "FAR", 1, "escort", "M1")], missions={"M1": 1})
    assert len(rules_broken(inst, plan, "mission_escort")) == 2
    low = make_instance(priorities=[m | {"hotspot": "NEAR"}],
                        policy={"escort_tiers": [[10, 0, 0], [25, 2, 1]]})
    assert (low.missions["M1"].need_ground[1], low.missions["M1"].need_air[1]) == (0, 0)


def test_mission_escort_satisfied_default_tiers_are_v1s_table(make_instance, make_plan):
    from planner.domain.instance import escort_need_by_threat
    assert [escort_need_by_threat(p) for p in (0, 8, 9, 15, 16, 25)] == \
        [(1, 0), (1, 0), (2, 0), (2, 0), (2, 2), (2, 2)]
    assert escort_need_by_threat(30, [(8, 1, 0), (20, 3, 1)]) == (3, 1)   # above every max_pi
    m = {"id": "M1", "kind": "civilian_mission", "hotspot": "NEAR", "weeks": [1, 4], "weight": 1}
    inst = make_instance(priorities=[m], policy={"escort_tiers": [[10, 0, 0], [25, 2, 2]]})
    assert rules_broken(inst, make_plan(missions={"M1": 1}), "mission_escort") == []


# ---------------------------------------------------------------- R18 civilian effects
def test_harm_averted_civilian_effects_after_the_mission(make_instance, make_plan):
    inst = make_instance(priorities=[mission({"intercommunal": 0.1}, 2, duration_weeks=1)])
    # started in week 1: effects in weeks 2 and 3, 10 × 0.1 each
    assert metric(inst, make_plan(missions={"M1": 1}), "harm_averted") == pytest.approx(2.0)
    # started in week 4: the effect weeks fall beyond the horizon
    assert metric(inst, make_plan(missions={"M1": 4}), "harm_averted") == 0
    assert metric(inst, make_plan(), "harm_averted") == 0


def test_harm_averted_civilian_effects_share_the_cap_with_units(make_instance, make_plan):
    inst = make_instance(priorities=[mission({"intercommunal": 0.7}, 1)])
    plan = make_plan(assign=[("INF-1", "NEAR", 2)], missions={"M1": 1})
    # week 2: intercommunal min(0.8, 0.25 + 0.7) × 10 = 8, terrorist 0.05 × 2 = 0.1
    assert metric(inst, plan, "harm_averted") == pytest.approx(8.1)


def test_v2_active_only_when_a_v2_key_leaves_its_default(make_instance):
    assert not make_instance().v2_active
    assert not make_instance(policy={"small_post": {"min_units": 1},
                                     "escort_tiers": [[8, 1, 0], [15, 2, 0], [25, 2, 2]]}
                             ).v2_active
    assert make_instance(policy={"small_post": {"min_units": 2}}).v2_active
    assert make_instance(unit_types={"fpu": {"reserve": False}}).v2_active


# ---------------------------------------------------------------- with threat assessments
JMAC_HIGHER = [{"id": "JMAC", "threats": {
    "NEAR": [{"category": "terrorist_attacks", "probability": 5, "impact": 5}],
    "FAR": [{"category": "armed_group_abuse", "probability": 5, "impact": 5},
            {"category": "terrorist_attacks", "probability": 5, "impact": 5}]}}]


def test_v2_hard_rules_are_judged_under_the_base_threats_only(make_instance, make_plan):
    """§9: small posts and the police ceiling depend on threats, and are judged under
    `base`; an assessment only prices the plan (its attraction, resupply, reserves)."""
    from planner.domain.assessments import assessment_instances
    from planner.milp.robust import robust_model
    from planner.rules.assessments import assessment_scores
    inst = make_instance(units=[*UNITS, QRF], assessments=JMAC_HIGHER,
                         unit_types={"fpu": {"max_threat": 2}},
                         policy={"small_post": {"threat": 20, "min_units": 2},
                                 "attraction_factor": 1.0, "reserve_factor": 0.5})
    jmac = assessment_instances(inst)["JMAC"]
    assert jmac.below_threat_ceiling("FPU-1", "NEAR", 1)          # base TA 2 ≤ 2
    assert jmac.small_post_min("FAR", 1) == 2                     # base AGA 20 ≥ 20
    assert jmac.small_post_min("NEAR", 1) == 1                    # JMAC's 25 does not count
    plan = make_plan(assign=[("FPU-1", "NEAR", 1)])
    assert evaluate(jmac, plan).valid and evaluate(inst, plan).valid
    scores = assessment_scores(inst, plan)
    assert scores["JMAC"] < scores["base"]                        # 25 drawn, not 2
    rm = robust_model(assessment_instances(inst), "min")          # one shared model
    for a, instance in assessment_instances(inst).items():
        f = rm.formulation
        values = f.model.complete(f.primary_values(plan))
        got = sum(c * values[v] for v, c in rm.objectives[a].items())
        assert got == pytest.approx(evaluate(instance, plan).score, abs=1e-9), a


# ---------------------------------------------------------------- repair (what-if seeds)
def test_a_carried_over_plan_is_mended_for_a_new_police_ceiling(make_instance, make_plan):
    """What-if starts from the baseline plan mended for the change
    (planner.analysis.repair): an FPU sent above a ceiling the variant sets goes home."""
    from planner.analysis.repair import repaired_for

    plan = make_plan(assign=[("FPU-1", "NEAR", 2), ("INF-1", "FAR", 1)])
    inst = make_instance(unit_types={"fpu": {"max_threat": 1}})
    assert rules_broken(inst, plan, "police_ceiling")
    mended = repaired_for(inst, plan)
    assert mended is not None and evaluate(inst, mended).valid
    assert [(a.unit, a.hotspot, a.week) for a in mended.assignments] == [("INF-1", "FAR", 1)]


def test_a_re_plan_names_the_police_ceiling_as_the_reason_a_unit_moved(make_instance,
                                                                       make_plan):
    from planner.analysis.replan import change_reason
    from planner.domain.changes import UnitWeekChange

    inst = make_instance(unit_types={"fpu": {"max_threat": 1}})
    change = UnitWeekChange("FPU-1", 2, ("NEAR", "presence"), None)
    reason = change_reason(inst, change, make_plan())
    assert reason is not None and "above the ceiling of FPU-1's kind (P×I 1)" in reason
    assert change_reason(make_instance(), change, make_plan()) is None  # no ceiling: a choice
