"""Each metric of docs/evaluation-contract.md alone, with the exact hand-computed value, on the
TINY fixture.

TINY (tests/conftest.py): NEAR 0 km away, intercommunal 10, terrorist_attacks 2 (R 2,
Σ risk 12); FAR 111.195 km away, armed_group_abuse 20, terrorist_attacks 12 (R = Σ = 32);
4 weeks, min_stay 3, default factors. Test names start with `test_<metric function>_`.
"""

from __future__ import annotations

import math

import pytest

from planner.rules.evaluator import evaluate

KM = 6371 * math.pi / 180   # FAR's distance from CAMP, km
IED_FAR = 0.5 * 12 * KM / 100   # one road movement to FAR: 6.6717


def metric(instance, plan, key: str):
    return getattr(evaluate(instance, plan).metrics, key)


def terms_of(evaluation, key: str):
    return [(t.hotspot, t.week, t.value) for t in evaluation.terms if t.metric == key]


def with_hotspot(make_instance, index: int, **fields):
    """TINY with fields of hotspot `index` (0 NEAR, 1 FAR) replaced."""
    data = make_instance().scenario.model_dump(mode="json", exclude_none=True)
    data["hotspots"][index].update(fields)
    return data


# ---------------------------------------------------------------- harm averted
def test_harm_averted_presence_and_any_sortie(tiny, make_plan):
    # INF at NEAR: 10 × 0.25 + 2 × 0.05 = 2.6; + an escort sortie: 10 × 0.31 + 2 × 0.06 = 3.22
    assert metric(tiny, make_plan(assign=[("INF-1", "NEAR", 1)]), "harm_averted") == \
        pytest.approx(2.6, rel=1e-12)
    plan = make_plan(assign=[("INF-1", "NEAR", 1)], sorties=[("HEL-1", "NEAR", 1, 1, "escort")])
    evaluation = evaluate(tiny, plan)
    assert evaluation.metrics.harm_averted == pytest.approx(3.22, rel=1e-12)
    assert terms_of(evaluation, "harm_averted") == [("NEAR", 1, pytest.approx(3.22))]


def test_harm_averted_nothing_without_presence_or_sorties(tiny, make_plan):
    assert metric(tiny, make_plan(), "harm_averted") == 0
    # an escort-task unit is not present: it averts nothing
    assert metric(tiny, make_plan(assign=[("INF-1", "FAR", 1, "escort", "M1")]),
                  "harm_averted") == 0


def test_harm_averted_caps_bind(make_instance, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("FPU-1", "NEAR", 1)])
    # uncapped: intercommunal 0.25 + 0.30 = 0.55, terrorist 0.05 + 0.05 = 0.10
    assert metric(make_instance(), plan, "harm_averted") == pytest.approx(5.7, rel=1e-12)
    capped = make_instance(policy={"mitigation_caps": {"intercommunal": 0.5,
                                                       "terrorist_attacks": 0.08}})
    assert metric(capped, plan, "harm_averted") == pytest.approx(10 * 0.5 + 2 * 0.08, rel=1e-12)


# ---------------------------------------------------------------- priorities
PRIORITIES = [
    {"id": "S1", "kind": "secure_area", "hotspot": "FAR", "weeks": [1, 3], "required_weeks": 2,
     "weight": 1},
    {"id": "M1", "kind": "civilian_mission", "hotspot": "NEAR", "weight": 0.5,
     "escort": {"ground": 0, "air_sorties": 0}},
]


@pytest.mark.parametrize(("far_weeks", "scheduled", "s1", "value"), [
    ([], False, 0.0, 0.0),
    ([1], False, 0.5, 20.0),
    ([1, 2], False, 1.0, 40.0),
    ([1, 2, 3], True, 1.0, 60.0),   # capped at 1; M1 adds 0.5 × 40
    ([4], True, 0.0, 20.0),         # week 4 is outside S1's window
])
def test_priority_value_satisfaction(make_instance, make_plan, far_weeks, scheduled, s1, value):
    instance = make_instance(priorities=PRIORITIES)
    plan = make_plan(assign=[("INF-1", "FAR", t) for t in far_weeks],
                     missions={"M1": 1} if scheduled else {})
    evaluation = evaluate(instance, plan)
    assert evaluation.satisfaction == {"S1": s1, "M1": 1.0 if scheduled else 0.0}
    assert evaluation.metrics.priority_value == value


def test_priority_value_scales_with_policy_value_and_weight(make_instance, make_plan):
    instance = make_instance(priorities=PRIORITIES, policy={"priority_value": 10})
    plan = make_plan(assign=[("INF-1", "FAR", 1)], missions={"M1": 2})
    assert metric(instance, plan, "priority_value") == 1 * 10 * 0.5 + 0.5 * 10 * 1


# ---------------------------------------------------------------- short stays (R3)
@pytest.mark.parametrize(("weeks", "expected"), [
    ([1, 2, 3], 0.0),          # exactly min_stay_weeks: not short
    ([2, 3, 4], 0.0),
    ([4], 64.0),               # short even though it reaches the last week: 2 × 32
    ([3, 4], 64.0),
    ([2, 3], 64.0),
    ([1, 3, 4], 128.0),        # two short episodes
])
def test_short_stay_retaliation_episodes(tiny, make_plan, weeks, expected):
    plan = make_plan(assign=[("INF-1", "FAR", t) for t in weeks])
    assert metric(tiny, plan, "retaliation_exposure") == expected


def test_short_stay_retaliation_whole_horizon_is_never_short(make_instance, make_plan):
    instance = make_instance(policy={"min_stay_weeks": 5})
    whole = make_plan(assign=[("INF-1", "FAR", t) for t in (1, 2, 3, 4)])
    assert metric(instance, whole, "retaliation_exposure") == 0
    most = make_plan(assign=[("INF-1", "FAR", t) for t in (1, 2, 3)])
    assert metric(instance, most, "retaliation_exposure") == 64


def test_short_stay_retaliation_costs_R_at_the_last_week(make_instance, make_plan):
    # terrorist_attacks at FAR in weeks 1–2 only: R = 32 then 20
    data = with_hotspot(make_instance, 1, threats=[
        {"category": "armed_group_abuse", "probability": 4, "impact": 5},
        {"category": "terrorist_attacks", "probability": 3, "impact": 4, "weeks": [1, 2]}])
    instance = make_instance(data, policy={"retaliation_factor": 1.5})
    evaluation = evaluate(instance, make_plan(assign=[("INF-1", "FAR", 1),
                                                      ("INF-1", "FAR", 3)]))
    assert evaluation.metrics.retaliation_exposure == 1.5 * (32 + 20)
    assert terms_of(evaluation, "retaliation_exposure") == [("FAR", 1, -48.0),
                                                            ("FAR", 3, -30.0)]


def test_short_stay_retaliation_episode_is_per_hotspot_not_per_unit(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("FPU-1", "NEAR", 2), ("INF-1", "NEAR", 3)])
    assert metric(tiny, plan, "retaliation_exposure") == 0
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("FPU-1", "NEAR", 2)])
    assert metric(tiny, plan, "retaliation_exposure") == 2 * 2


def test_short_stay_retaliation_escort_is_not_a_stay(make_instance, make_plan):
    instance = make_instance(priorities=PRIORITIES)
    plan = make_plan(assign=[("INF-1", "NEAR", 2, "escort", "M1")], missions={"M1": 2})
    assert metric(instance, plan, "retaliation_exposure") == 0


# ---------------------------------------------------------------- vacuum (R4)
def test_handover_vacuum_when_military_leaves(tiny, make_plan):
    evaluation = evaluate(tiny, make_plan(assign=[("INF-1", "NEAR", 1), ("INF-1", "NEAR", 2)]))
    assert evaluation.metrics.vacuum_exposure == 12          # Σ risk at NEAR in week 3
    assert terms_of(evaluation, "vacuum_exposure") == [("NEAR", 3, -12.0)]
    assert metric(tiny, make_plan(assign=[("INF-1", "FAR", 1)]), "vacuum_exposure") == 32


def test_handover_vacuum_prevented_by_police_in_the_exit_week(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("INF-1", "NEAR", 2), ("FPU-1", "NEAR", 3)])
    assert metric(tiny, plan, "vacuum_exposure") == 0


def test_handover_vacuum_prevented_by_host_state_presence(make_instance, make_plan):
    instance = make_instance(with_hotspot(make_instance, 0, state_presence_weeks=[[3, 3]]))
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("INF-1", "NEAR", 2)])
    assert metric(instance, plan, "vacuum_exposure") == 0


def test_handover_vacuum_none_after_the_last_week_or_when_police_leave(tiny, make_plan):
    assert metric(tiny, make_plan(assign=[("INF-1", "NEAR", 3), ("INF-1", "NEAR", 4)]),
                  "vacuum_exposure") == 0
    assert metric(tiny, make_plan(assign=[("FPU-1", "NEAR", 1)]), "vacuum_exposure") == 0


def test_handover_vacuum_factor(make_instance, make_plan):
    instance = make_instance(policy={"vacuum_factor": 0.5})
    assert metric(instance, make_plan(assign=[("INF-1", "FAR", 2)]), "vacuum_exposure") == 16


# ---------------------------------------------------------------- IED (R5)
def test_road_movement_ied_week_one_moves(tiny, make_plan):
    evaluation = evaluate(tiny, make_plan(assign=[("INF-1", "FAR", 1)]))
    assert evaluation.metrics.ied_exposure == pytest.approx(IED_FAR, rel=1e-12)
    assert terms_of(evaluation, "ied_exposure") == [("FAR", 1, pytest.approx(-IED_FAR))]


def test_road_movement_ied_staying_moves_once(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "FAR", t) for t in (1, 2, 3)])
    assert metric(tiny, plan, "ied_exposure") == pytest.approx(IED_FAR, rel=1e-12)


def test_road_movement_ied_leaving_and_returning_moves_twice(tiny, make_plan):
    home = make_plan(assign=[("INF-1", "FAR", 1), ("INF-1", "FAR", 3)])
    assert metric(tiny, home, "ied_exposure") == pytest.approx(2 * IED_FAR, rel=1e-12)
    via_near = make_plan(assign=[("INF-1", "FAR", 1), ("INF-1", "NEAR", 2), ("INF-1", "FAR", 3)])
    assert metric(tiny, via_near, "ied_exposure") == pytest.approx(2 * IED_FAR, rel=1e-12)


def test_road_movement_ied_escort_moves_too(make_instance, make_plan):
    instance = make_instance(priorities=[PRIORITIES[1] | {"hotspot": "FAR"}])
    plan = make_plan(assign=[("INF-1", "FAR", 2, "escort", "M1")], missions={"M1": 2})
    assert metric(instance, plan, "ied_exposure") == pytest.approx(IED_FAR, rel=1e-12)


def test_road_movement_ied_between_hotspots_measured_from_base(make_instance, make_plan):
    data = make_instance().scenario.model_dump(mode="json", exclude_none=True)
    data["hotspots"].append({"id": "MID", "location": {"lat": -0.5, "lon": 0.0},
                             "population": 10000, "threats": [
                                 {"category": "terrorist_attacks", "probability": 2,
                                  "impact": 2}]})
    instance = make_instance(data)
    plan = make_plan(assign=[("INF-1", "MID", 1), ("INF-1", "FAR", 2)])
    # MID: 0.5 × 4 × 55.6 / 100; FAR: 0.5 × 12 × 111.2 / 100 from CAMP, not 55.6 from MID
    assert metric(instance, plan, "ied_exposure") == \
        pytest.approx(0.5 * (4 * KM / 2 + 12 * KM) / 100, rel=1e-12)


def test_road_movement_ied_uses_terrorist_threat_of_the_week(make_instance, make_plan):
    data = with_hotspot(make_instance, 1, threats=[
        {"category": "terrorist_attacks", "probability": 3, "impact": 4, "weeks": [1, 2]}])
    instance = make_instance(data)
    assert metric(instance, make_plan(assign=[("INF-1", "FAR", 3)]), "ied_exposure") == 0
    assert metric(instance, make_plan(assign=[("INF-1", "FAR", 2)]), "ied_exposure") == \
        pytest.approx(IED_FAR, rel=1e-12)


# ---------------------------------------------------------------- engagement (R6)
def _engagement(make_instance, duration: int = 1, factor: float = 1.0):
    return make_instance(priorities=[PRIORITIES[1] | {"duration_weeks": duration}],
                         policy={"engagement_factor": factor})


def test_engagement_exposure_when_nobody_stays_after(make_instance, make_plan):
    instance = _engagement(make_instance)
    evaluation = evaluate(instance, make_plan(missions={"M1": 2}))
    assert evaluation.metrics.engagement_exposure == 2          # R[NEAR, 2]
    assert terms_of(evaluation, "engagement_exposure") == [("NEAR", 2, -2.0)]
    # presence during the mission does not protect those it talked to afterwards
    assert metric(instance, make_plan(assign=[("INF-1", "NEAR", 2)], missions={"M1": 2}),
                  "engagement_exposure") == 2


def test_engagement_exposure_none_when_presence_follows(make_instance, make_plan):
    instance = _engagement(make_instance, duration=2, factor=1.5)
    assert metric(instance, make_plan(missions={"M1": 2}), "engagement_exposure") == 3
    plan = make_plan(assign=[("FPU-1", "NEAR", 4)], missions={"M1": 2})
    assert metric(instance, plan, "engagement_exposure") == 0


def test_engagement_exposure_mission_in_the_last_week(make_instance, make_plan):
    instance = _engagement(make_instance)
    assert metric(instance, make_plan(missions={"M1": 4}), "engagement_exposure") == 2
    assert metric(instance, make_plan(assign=[("FPU-1", "NEAR", 3)], missions={"M1": 4}),
                  "engagement_exposure") == 2
    assert metric(instance, make_plan(assign=[("FPU-1", "NEAR", 4)], missions={"M1": 4}),
                  "engagement_exposure") == 0


def test_engagement_exposure_unscheduled_mission_costs_nothing(make_instance, make_plan):
    assert metric(_engagement(make_instance), make_plan(), "engagement_exposure") == 0


# ---------------------------------------------------------------- distinction (R11)
def _partner_near(make_instance, mode: str):
    data = with_hotspot(make_instance, 0,
                        partner_operations=[{"force": "G5 Sahel", "weeks": [1, 2]}])
    return make_instance(data, policy={"distinction": mode},
                         priorities=[PRIORITIES[1]])


COLOCATED = [("INF-1", "NEAR", 1), ("FPU-1", "NEAR", 1), ("INF-1", "NEAR", 2),
             ("FPU-1", "NEAR", 3)]


def test_distinction_penalty_penalize(make_instance, make_plan):
    instance = _partner_near(make_instance, "penalize")
    evaluation = evaluate(instance, make_plan(assign=COLOCATED))
    assert evaluation.metrics.colocation_weeks == 3
    assert evaluation.metrics.distinction_penalty == 30
    assert terms_of(evaluation, "distinction_penalty") == [("NEAR", 1, -20.0),
                                                           ("NEAR", 2, -10.0)]
    flagged = evaluate(_partner_near(make_instance, "flag"), make_plan(assign=COLOCATED))
    assert evaluation.score == pytest.approx(flagged.score - 30, rel=1e-12)


@pytest.mark.parametrize("mode", ["flag", "forbid"])
def test_distinction_penalty_zero_unless_penalize(make_instance, make_plan, mode):
    evaluation = evaluate(_partner_near(make_instance, mode), make_plan(assign=COLOCATED))
    assert evaluation.metrics.distinction_penalty == 0
    assert evaluation.metrics.colocation_weeks == 3
    assert evaluation.valid is (mode == "flag")


@pytest.mark.parametrize("mode", ["flag", "penalize", "forbid"])
def test_colocation_weeks_reported_in_every_mode(make_instance, make_plan, mode):
    assert metric(_partner_near(make_instance, mode), make_plan(assign=COLOCATED),
                  "colocation_weeks") == 3


def test_colocation_weeks_escorts_and_sorties_do_not_count(make_instance, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", 1, "escort", "M1"), ("FPU-1", "NEAR", 3)],
                     sorties=[("HEL-1", "NEAR", 2)], missions={"M1": 1})
    assert metric(_partner_near(make_instance, "penalize"), plan, "colocation_weeks") == 0


# ---------------------------------------------------------------- counts
def test_baseline_risk_is_all_risk(tiny, make_plan):
    assert metric(tiny, make_plan(), "baseline_risk") == 4 * 12 + 4 * 32
    assert metric(tiny, make_plan(assign=[("INF-1", "FAR", 1)]), "baseline_risk") == 176


def test_baseline_risk_follows_threat_weeks_and_population(make_instance, make_plan):
    data = with_hotspot(make_instance, 1, population=5000, threats=[
        {"category": "terrorist_attacks", "probability": 3, "impact": 4, "weeks": [1, 2]}])
    assert metric(make_instance(data), make_plan(), "baseline_risk") == 4 * 12 + 2 * 6


def test_unit_weeks_counts_presence_and_escort(make_instance, make_plan):
    instance = make_instance(priorities=PRIORITIES)
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("FPU-1", "NEAR", 1),
                             ("INF-1", "NEAR", 2, "escort", "M1")], missions={"M1": 2})
    assert metric(instance, plan, "unit_weeks") == 3


def test_unit_weeks_zero_for_empty_plan(tiny, make_plan):
    assert metric(tiny, make_plan(sorties=[("HEL-1", "NEAR", 1)]), "unit_weeks") == 0


def test_sorties_sums_counts_of_every_task(tiny, make_plan):
    plan = make_plan(sorties=[("HEL-1", "NEAR", 1, 2), ("HEL-1", "NEAR", 2, 1, "escort")])
    assert metric(tiny, plan, "sorties") == 3


def test_sorties_zero_without_sorties(tiny, make_plan):
    assert metric(tiny, make_plan(assign=[("INF-1", "NEAR", 1)]), "sorties") == 0
