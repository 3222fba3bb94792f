"""Each hard rule of docs/evaluation-contract.md alone, violated and satisfied, on the TINY fixture.

Test names start with `test_<rule>_`: tests/test_rule_registry.py checks every registered
rule has at least one violated and one satisfied test.
"""

from __future__ import annotations

import pytest

from planner.rules.evaluator import Violation, evaluate

TINY_UNITS = [
    {"id": "INF-1", "kind": "infantry_company", "base": "CAMP"},
    {"id": "FPU-1", "kind": "fpu", "base": "CAMP"},
    {"id": "HEL-1", "kind": "attack_helicopter", "base": "CAMP", "flight_hours_per_week": 2},
]
ESC = {"id": "ESC-1", "kind": "escort_team", "base": "CAMP"}
ESC2 = {"id": "ESC-2", "kind": "escort_team", "base": "CAMP"}
CAMP = {"id": "CAMP", "location": {"lat": 0.0, "lon": 0.0}}


def broken(instance, plan, rule: str) -> list[Violation]:
    """The violations of one rule; asserts every violation names a registered rule."""
    evaluation = evaluate(instance, plan)
    return [v for v in evaluation.violations if v.rule == rule]


def mission(mid: str, hotspot: str = "NEAR", weeks=(1, 4), duration: int = 1,
            ground: int | None = 0, air: int | None = 0, weight: float = 1.0) -> dict:
    escort = {k: v for k, v in (("ground", ground), ("air_sorties", air)) if v is not None}
    return {"id": mid, "kind": "civilian_mission", "hotspot": hotspot, "weeks": list(weeks),
            "duration_weeks": duration, "weight": weight, "escort": escort}


# ---------------------------------------------------------------- plan shape
def test_known_ids_violated_by_unknown_unit_and_hotspot(tiny, make_plan):
    plan = make_plan(assign=[("GHOST", "NEAR", 1), ("INF-1", "NOWHERE", 1)],
                     sorties=[("HEL-1", "NOWHERE", 2)])
    found = broken(tiny, plan, "known_ids")
    assert [(v.unit, v.hotspot, v.week) for v in found] == [
        ("GHOST", "NEAR", 1), ("INF-1", "NOWHERE", 1), ("HEL-1", "NOWHERE", 2)]
    evaluation = evaluate(tiny, plan)
    assert {v.rule for v in evaluation.violations} == {"known_ids"}
    assert evaluation.metrics.unit_weeks == 0 and evaluation.metrics.sorties == 0


def test_known_ids_satisfied_by_scenario_ids(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "FAR", 1)], sorties=[("HEL-1", "NEAR", 1)])
    assert broken(tiny, plan, "known_ids") == []


def test_unit_domain_violated_by_air_unit_assigned_and_ground_unit_flying(tiny, make_plan):
    plan = make_plan(assign=[("HEL-1", "NEAR", 1)], sorties=[("INF-1", "NEAR", 1)])
    found = broken(tiny, plan, "unit_domain")
    assert [(v.unit, v.week) for v in found] == [("HEL-1", 1), ("INF-1", 1)]
    metrics = evaluate(tiny, plan).metrics
    assert metrics.unit_weeks == 0 and metrics.sorties == 0 and metrics.harm_averted == 0


def test_unit_domain_satisfied_by_ground_assigned_and_air_flying(tiny, make_plan):
    plan = make_plan(assign=[("FPU-1", "NEAR", 1)], sorties=[("HEL-1", "NEAR", 1)])
    assert broken(tiny, plan, "unit_domain") == []


def test_plan_weeks_violated_beyond_horizon(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", 5)], sorties=[("HEL-1", "NEAR", 9)])
    assert [(v.unit, v.week) for v in broken(tiny, plan, "plan_weeks")] == [
        ("INF-1", 5), ("HEL-1", 9)]
    assert evaluate(tiny, plan).metrics.harm_averted == 0


def test_plan_weeks_satisfied_in_last_week(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", 4)], sorties=[("HEL-1", "NEAR", 4)])
    assert broken(tiny, plan, "plan_weeks") == []


# ---------------------------------------------------------------- ground units
def test_one_task_per_week_violated_by_two_hotspots_in_one_week(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("INF-1", "FAR", 1), ("INF-1", "FAR", 2),
                             ("INF-1", "FAR", 2)])
    assert [(v.unit, v.week) for v in broken(tiny, plan, "one_task_per_week")] == [
        ("INF-1", 1), ("INF-1", 2)]


def test_one_task_per_week_satisfied_by_one_hotspot_a_week(tiny, make_plan):
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("INF-1", "FAR", 2), ("FPU-1", "NEAR", 1)])
    assert broken(tiny, plan, "one_task_per_week") == []


def test_availability_violated_outside_available_weeks(make_instance, make_plan):
    units = [TINY_UNITS[0] | {"available": [[2, 4]]}, TINY_UNITS[1],
             TINY_UNITS[2] | {"available": [[2, 3]]}]
    instance = make_instance(units=units)
    plan = make_plan(assign=[("INF-1", "NEAR", 1)], sorties=[("HEL-1", "NEAR", 4)])
    assert [(v.unit, v.week) for v in broken(instance, plan, "availability")] == [
        ("INF-1", 1), ("HEL-1", 4)]


def test_availability_satisfied_inside_available_weeks(make_instance, make_plan):
    units = [TINY_UNITS[0] | {"available": [[2, 4]]}, TINY_UNITS[1],
             TINY_UNITS[2] | {"available": [[2, 3]]}]
    instance = make_instance(units=units)
    plan = make_plan(assign=[("INF-1", "NEAR", 2)], sorties=[("HEL-1", "NEAR", 3)])
    assert broken(instance, plan, "availability") == []


def test_task_capability_violated_fpu_escort_team_presence_mission_on_presence(
        make_instance, make_plan):
    instance = make_instance(units=[*TINY_UNITS, ESC], priorities=[mission("M1")])
    plan = make_plan(assign=[("FPU-1", "NEAR", 1, "escort", "M1"),   # FPU cannot escort
                             ("ESC-1", "NEAR", 2),                    # escort team: no presence
                             ("INF-1", "NEAR", 3, "presence", "M1")], # presence names none
                     missions={"M1": 1})
    found = broken(instance, plan, "task_capability")
    assert [(v.unit, v.week) for v in found] == [("FPU-1", 1), ("ESC-1", 2), ("INF-1", 3)]


def test_task_capability_satisfied_by_infantry_presence_and_escort(make_instance, make_plan):
    instance = make_instance(units=[*TINY_UNITS, ESC], priorities=[mission("M1")])
    plan = make_plan(assign=[("INF-1", "NEAR", 1, "escort", "M1"), ("ESC-1", "NEAR", 1,
                                                                     "escort", "M1"),
                             ("INF-1", "NEAR", 2), ("FPU-1", "NEAR", 2)],
                     missions={"M1": 1})
    assert broken(instance, plan, "task_capability") == []


def test_ground_range_violated_by_fpu_at_far(tiny, make_plan):
    found = broken(tiny, make_plan(assign=[("FPU-1", "FAR", 2)]), "ground_range")
    assert [(v.unit, v.hotspot, v.base, v.week) for v in found] == [
        ("FPU-1", "FAR", "CAMP", 2)]
    assert "111 km" in found[0].text and "100 km" in found[0].text


def test_ground_range_satisfied_within_range(tiny, make_plan):
    plan = make_plan(assign=[("FPU-1", "NEAR", 2), ("INF-1", "FAR", 2)])
    assert broken(tiny, plan, "ground_range") == []


def _closed_near(make_instance):
    data = make_instance().scenario.model_dump(mode="json", exclude_none=True)
    data["hotspots"][0]["ground_closed_weeks"] = [[2, 2]]
    return make_instance(data, priorities=[mission("M1")])


def test_ground_closure_violated_by_presence_and_escort(make_instance, make_plan):
    instance = _closed_near(make_instance)
    plan = make_plan(assign=[("FPU-1", "NEAR", 2), ("INF-1", "NEAR", 2, "escort", "M1")],
                     missions={"M1": 2})
    assert [(v.unit, v.week) for v in broken(instance, plan, "ground_closure")] == [
        ("FPU-1", 2), ("INF-1", 2)]


def test_ground_closure_satisfied_in_open_weeks(make_instance, make_plan):
    instance = _closed_near(make_instance)
    plan = make_plan(assign=[("FPU-1", "NEAR", 1), ("INF-1", "NEAR", 3, "escort", "M1")],
                     missions={"M1": 3})
    assert broken(instance, plan, "ground_closure") == []


# ---------------------------------------------------------------- air units
def test_air_range_violated_beyond_kind_range(make_instance, make_plan):
    instance = make_instance(unit_types={"attack_helicopter": {"range_km": 100,
                                                               "flight_hours_per_week": 10}},
                             units=[TINY_UNITS[0], TINY_UNITS[1],
                                    {"id": "HEL-1", "kind": "attack_helicopter", "base": "CAMP"}])
    found = broken(instance, make_plan(sorties=[("HEL-1", "FAR", 1)]), "air_range")
    assert [(v.unit, v.hotspot, v.base) for v in found] == [("HEL-1", "FAR", "CAMP")]
    # within range, the same 2.01 h sortie is fine with the kind's 10 h
    instance = make_instance(units=instance.scenario.model_dump()["units"])
    assert evaluate(instance, make_plan(sorties=[("HEL-1", "FAR", 1)])).valid


def test_air_range_satisfied_within_range(make_instance, make_plan):
    instance = make_instance(unit_types={"attack_helicopter": {"range_km": 100}})
    assert broken(instance, make_plan(sorties=[("HEL-1", "NEAR", 1)]), "air_range") == []


def test_air_closure_violated_in_closed_week(make_instance, make_plan):
    instance = make_instance(bases=[CAMP | {"air_closed_weeks": [[2, 3]]}])
    found = broken(instance, make_plan(sorties=[("HEL-1", "NEAR", 2), ("HEL-1", "NEAR", 3)]),
                   "air_closure")
    assert [(v.base, v.week) for v in found] == [("CAMP", 2), ("CAMP", 3)]


def test_air_closure_satisfied_in_open_week(make_instance, make_plan):
    instance = make_instance(bases=[CAMP | {"air_closed_weeks": [[2, 3]]}])
    plan = make_plan(sorties=[("HEL-1", "NEAR", 1), ("HEL-1", "NEAR", 4)])
    assert broken(instance, plan, "air_closure") == []


@pytest.mark.parametrize("sorties", [
    [("HEL-1", "NEAR", 1, 3)],                                   # 3 × 1.0 h > 2 h
    [("HEL-1", "NEAR", 1, 1), ("HEL-1", "NEAR", 1, 1),           # same key, summed
     ("HEL-1", "NEAR", 1, 1, "escort")],                         # both tasks count
    [("HEL-1", "FAR", 1, 1)],                                    # 2 × 111.2 / 220 + 1 = 2.01 h
], ids=["count", "records-summed", "one-long-sortie"])
def test_flight_hours_violated_over_weekly_hours(tiny, make_plan, sorties):
    found = broken(tiny, make_plan(sorties=sorties), "flight_hours")
    assert [(v.unit, v.week) for v in found] == [("HEL-1", 1)]


def test_flight_hours_satisfied_exactly_at_limit(tiny, make_plan):
    plan = make_plan(sorties=[("HEL-1", "NEAR", 1, 1), ("HEL-1", "NEAR", 1, 1, "escort"),
                              ("HEL-1", "NEAR", 2, 2)])
    assert broken(tiny, plan, "flight_hours") == []


# ---------------------------------------------------------------- garrison, pins
def test_garrison_floor_violated_when_both_ground_units_leave(make_instance, make_plan):
    instance = make_instance(bases=[CAMP | {"min_garrison": 1}])
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("FPU-1", "NEAR", 1), ("FPU-1", "NEAR", 2)])
    found = broken(instance, plan, "garrison_floor")
    assert [(v.base, v.week) for v in found] == [("CAMP", 1)]


def test_garrison_floor_satisfied_with_one_unit_home(make_instance, make_plan):
    instance = make_instance(bases=[CAMP | {"min_garrison": 1}])
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("FPU-1", "NEAR", 2)])
    assert broken(instance, plan, "garrison_floor") == []


def test_garrison_floor_above_available_units_keeps_all_home(make_instance, make_plan):
    # min_garrison 3 with 2 ground units: the floor is min(3, 2) = 2, nobody may leave
    instance = make_instance(bases=[CAMP | {"min_garrison": 3}])
    found = broken(instance, make_plan(assign=[("FPU-1", "NEAR", 3)]), "garrison_floor")
    assert [(v.base, v.week) for v in found] == [("CAMP", 3)]
    assert broken(instance, make_plan(sorties=[("HEL-1", "NEAR", 3)]), "garrison_floor") == []


def test_garrison_floor_unavailable_unit_not_kept_home(make_instance, make_plan):
    # INF-1 away (unavailable) in week 1: FPU-1 alone must stay home that week
    instance = make_instance(bases=[CAMP | {"min_garrison": 1}],
                             units=[TINY_UNITS[0] | {"available": [[2, 4]]}, *TINY_UNITS[1:]])
    found = broken(instance, make_plan(assign=[("FPU-1", "NEAR", 1)]), "garrison_floor")
    assert [(v.base, v.week) for v in found] == [("CAMP", 1)]
    assert broken(instance, make_plan(assign=[("FPU-1", "NEAR", 2)]), "garrison_floor") == []


def test_garrison_floor_counts_escorts_as_assigned(make_instance, make_plan):
    instance = make_instance(bases=[CAMP | {"min_garrison": 1}], priorities=[mission("M1")])
    plan = make_plan(assign=[("INF-1", "NEAR", 1, "escort", "M1"), ("FPU-1", "NEAR", 1)],
                     missions={"M1": 1})
    assert [v.week for v in broken(instance, plan, "garrison_floor")] == [1]


PINS = [{"unit": "INF-1", "hotspot": "NEAR", "weeks": [1, 2], "mode": "require"},
        {"unit": "HEL-1", "hotspot": "NEAR", "weeks": [3, 3], "mode": "require"},
        {"unit": "INF-1", "hotspot": "FAR", "mode": "forbid"},
        {"unit": "HEL-1", "hotspot": "NEAR", "weeks": [4, 4], "mode": "forbid"}]


def test_commitments_violated_require_and_forbid_ground_and_air(make_instance, make_plan):
    instance = make_instance(commitments=PINS, priorities=[mission("M1", "NEAR")])
    plan = make_plan(assign=[("INF-1", "NEAR", 1),
                             ("INF-1", "NEAR", 2, "escort", "M1"),   # an escort is not presence
                             ("INF-1", "FAR", 3)],                   # forbidden
                     sorties=[("HEL-1", "FAR", 3), ("HEL-1", "NEAR", 4, 1, "escort")],
                     missions={"M1": 2})
    found = broken(instance, plan, "commitments")
    assert [(v.unit, v.hotspot, v.week) for v in found] == [
        ("HEL-1", "NEAR", 3), ("INF-1", "NEAR", 2), ("HEL-1", "NEAR", 4), ("INF-1", "FAR", 3)]


def test_commitments_satisfied_by_presence_whatever_the_record_order(make_instance, make_plan):
    instance = make_instance(commitments=PINS[:1], priorities=[mission("M1", "NEAR")])
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("INF-1", "NEAR", 2),
                             ("INF-1", "NEAR", 2, "escort", "M1")], missions={"M1": 2})
    assert broken(instance, plan, "commitments") == []
    assert len(broken(instance, plan, "one_task_per_week")) == 1


def test_commitments_satisfied_require_and_forbid_ground_and_air(make_instance, make_plan):
    instance = make_instance(commitments=PINS)
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("INF-1", "NEAR", 2), ("INF-1", "NEAR", 3)],
                     sorties=[("HEL-1", "NEAR", 3, 1, "escort"), ("HEL-1", "NEAR", 2)])
    assert broken(instance, plan, "commitments") == []


# ---------------------------------------------------------------- missions
def test_mission_window_violated(make_instance, make_plan):
    secure = {"id": "S1", "kind": "secure_area", "hotspot": "FAR", "weight": 1}
    instance = make_instance(priorities=[mission("M1", weeks=(2, 3), duration=2),
                                         mission("M2", weeks=(1, 4)), secure])
    plan = make_plan(missions=[("M1", 3), ("M2", 1), ("M2", 2), ("S1", 1), ("NOPE", 1)])
    found = broken(instance, plan, "mission_window")
    assert [(v.mission, v.week) for v in found] == [
        ("M1", 3),      # would run weeks 3–4, past its window [2, 3]
        ("M2", 2),      # scheduled twice
        ("S1", 1),      # a secure_area is never scheduled
        ("NOPE", 1)]    # no such priority


def test_mission_window_violated_before_window_and_beyond_horizon(make_instance, make_plan):
    instance = make_instance(priorities=[mission("M1", weeks=(2, 3), duration=2)])
    for start in (1, 5):
        found = broken(instance, make_plan(missions={"M1": start}), "mission_window")
        assert [(v.mission, v.week) for v in found] == [("M1", start)]
    assert evaluate(instance, make_plan(missions={"M1": 5})).satisfaction == {"M1": 1.0}


def test_mission_window_satisfied_when_it_fits(make_instance, make_plan):
    instance = make_instance(priorities=[mission("M1", weeks=(2, 3), duration=2)])
    evaluation = evaluate(instance, make_plan(missions={"M1": 2}))
    assert evaluation.valid


def test_escort_target_violated(make_instance, make_plan):
    secure = {"id": "S1", "kind": "secure_area", "hotspot": "NEAR", "weight": 1}
    instance = make_instance(units=[*TINY_UNITS, ESC],
                             priorities=[mission("M1"), mission("M2"), secure])
    plan = make_plan(assign=[("INF-1", "NEAR", 1, "escort", "M2"),   # M2 not scheduled
                             ("ESC-1", "NEAR", 1, "escort"),         # names no mission
                             ("INF-1", "FAR", 2, "escort", "M1"),    # M1 goes to NEAR
                             ("INF-1", "NEAR", 3, "escort", "M1"),   # M1 runs in week 2 only
                             ("ESC-1", "NEAR", 4, "escort", "S1")],  # not a mission
                     missions={"M1": 2})
    found = broken(instance, plan, "escort_target")
    assert [(v.unit, v.week, v.mission) for v in found] == [
        ("INF-1", 1, "M2"), ("ESC-1", 1, None), ("INF-1", 2, "M1"), ("INF-1", 3, "M1"),
        ("ESC-1", 4, "S1")]


def test_escort_target_satisfied_where_and_when_it_runs(make_instance, make_plan):
    instance = make_instance(units=[*TINY_UNITS, ESC], priorities=[mission("M1", duration=2)])
    plan = make_plan(assign=[("INF-1", "NEAR", 2, "escort", "M1"),
                             ("ESC-1", "NEAR", 3, "escort", "M1")], missions={"M1": 2})
    assert broken(instance, plan, "escort_target") == []


# P×I at STEP: 8 in week 1, 9 in week 2, 15 in week 3, 16 in week 4
STEP = """
name: escort steps
horizon: {weeks: 4}
bases: [{id: CAMP, location: {lat: 0.0, lon: 0.0}}]
units:
  - {id: INF-1, kind: infantry_company, base: CAMP}
  - {id: ESC-1, kind: escort_team, base: CAMP}
  - {id: FPU-1, kind: fpu, base: CAMP}
  - {id: HEL-1, kind: attack_helicopter, base: CAMP, flight_hours_per_week: 2}
hotspots:
  - id: STEP
    location: {lat: 0.0, lon: 0.0}
    population: 10000
    threats:
      - {category: banditry, probability: 2, impact: 4, weeks: [1, 1]}
      - {category: banditry, probability: 3, impact: 3, weeks: [2, 2]}
      - {category: banditry, probability: 3, impact: 5, weeks: [3, 3]}
      - {category: banditry, probability: 4, impact: 4, weeks: [4, 4]}
priorities:
  - {id: M, kind: civilian_mission, hotspot: STEP, weeks: [1, 4], weight: 1}
"""


@pytest.mark.parametrize(("week", "escorts", "escort_sorties", "short_of"), [
    (1, 1, 0, []),                  # P×I 8  -> 1 ground
    (2, 1, 0, ["ground"]),          # P×I 9  -> 2 ground
    (2, 2, 0, []),
    (3, 2, 0, []),                  # P×I 15 -> 2 ground
    (4, 2, 0, ["air"]),             # P×I 16 -> 2 ground and 2 air sorties
    (4, 2, 1, ["air"]),
    (4, 1, 2, ["ground"]),
    (4, 2, 2, []),
])
def test_mission_escort_need_steps_with_threat(make_instance, make_plan, week, escorts,
                                               escort_sorties, short_of):
    instance = make_instance(STEP)
    assign = [("INF-1", "STEP", week, "escort", "M"), ("ESC-1", "STEP", week, "escort", "M")]
    sorties = [("HEL-1", "STEP", week, escort_sorties, "escort")] if escort_sorties else []
    plan = make_plan(assign=assign[:escorts], sorties=sorties, missions={"M": week})
    found = broken(instance, plan, "mission_escort")
    assert [("ground" if "ground" in v.text else "air") for v in found] == short_of
    assert all((v.mission, v.hotspot, v.week) == ("M", "STEP", week) for v in found)


def test_mission_escort_present_infantry_counts_present_fpu_does_not(make_instance,
                                                                      make_plan):
    instance = make_instance(STEP)
    with_inf = make_plan(assign=[("INF-1", "STEP", 2), ("ESC-1", "STEP", 2, "escort", "M")],
                         missions={"M": 2})
    assert evaluate(instance, with_inf).valid
    with_fpu = make_plan(assign=[("FPU-1", "STEP", 2), ("ESC-1", "STEP", 2, "escort", "M")],
                         missions={"M": 2})
    assert len(broken(instance, with_fpu, "mission_escort")) == 1


def test_mission_escort_fpu_escort_task_counts_for_nothing(make_instance, make_plan):
    instance = make_instance(STEP)
    plan = make_plan(assign=[("FPU-1", "STEP", 1, "escort", "M")], missions={"M": 1})
    assert len(broken(instance, plan, "mission_escort")) == 1
    assert len(broken(instance, plan, "task_capability")) == 1


def test_mission_escort_violated_show_of_force_is_not_escort(make_instance, make_plan):
    instance = make_instance(STEP)
    plan = make_plan(assign=[("INF-1", "STEP", 4), ("ESC-1", "STEP", 4, "escort", "M")],
                     sorties=[("HEL-1", "STEP", 4, 2, "show_of_force")], missions={"M": 4})
    assert len(broken(instance, plan, "mission_escort")) == 1


def _two_missions(make_instance, hotspot: str):
    return make_instance(units=[*TINY_UNITS[:2], ESC, ESC2,
                                {"id": "HEL-1", "kind": "attack_helicopter", "base": "CAMP"}],
                         priorities=[mission("M1", hotspot, ground=None, air=None),
                                     mission("M2", hotspot, ground=None, air=None)])


def test_mission_escort_satisfied_sorties_shared_by_two_missions(make_instance, make_plan):
    instance = _two_missions(make_instance, "FAR")   # P×I 20: 2 ground and 2 air each
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("ESC-1", "FAR", 1, "escort", "M1"),
                             ("ESC-2", "FAR", 1, "escort", "M2")],
                     sorties=[("HEL-1", "FAR", 1, 2, "escort", "M1")],
                     missions={"M1": 1, "M2": 1})
    assert evaluate(instance, plan).valid


def test_mission_escort_violated_for_both_missions_sharing_too_few_sorties(make_instance,
                                                                            make_plan):
    instance = _two_missions(make_instance, "FAR")
    plan = make_plan(assign=[("INF-1", "FAR", 1), ("ESC-1", "FAR", 1, "escort", "M1"),
                             ("ESC-2", "FAR", 1, "escort", "M2")],
                     sorties=[("HEL-1", "FAR", 1, 1, "escort", "M1")],
                     missions={"M1": 1, "M2": 1})
    assert [v.mission for v in broken(instance, plan, "mission_escort")] == ["M1", "M2"]


def test_mission_escort_escort_task_counts_only_for_its_mission(make_instance, make_plan):
    instance = _two_missions(make_instance, "NEAR")  # P×I 10: 2 ground each
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("ESC-1", "NEAR", 1, "escort", "M1")],
                     missions={"M1": 1, "M2": 1})
    found = broken(instance, plan, "mission_escort")
    assert [(v.mission, v.week) for v in found] == [("M2", 1)]
    assert "1 ground escort" in found[0].text


def test_mission_escort_checked_every_running_week(make_instance, make_plan):
    instance = make_instance(units=[*TINY_UNITS, ESC],
                             priorities=[mission("M1", duration=3, ground=1)])
    plan = make_plan(assign=[("ESC-1", "NEAR", 2, "escort", "M1"), ("INF-1", "NEAR", 4)],
                     missions={"M1": 2})
    assert [v.week for v in broken(instance, plan, "mission_escort")] == [3]


# ---------------------------------------------------------------- distinction
def _partner_near(make_instance, mode: str):
    data = make_instance().scenario.model_dump(mode="json", exclude_none=True)
    data["hotspots"][0]["partner_operations"] = [{"force": "G5 Sahel", "weeks": [1, 2]}]
    data["policy"] = {"distinction": mode}
    return make_instance(data, priorities=[mission("M1")])


def test_distinction_forbid_violated_by_presence_alongside_partner(make_instance, make_plan):
    instance = _partner_near(make_instance, "forbid")
    plan = make_plan(assign=[("INF-1", "NEAR", 1), ("FPU-1", "NEAR", 2)])
    found = broken(instance, plan, "distinction_forbid")
    assert [(v.unit, v.hotspot, v.week) for v in found] == [("INF-1", "NEAR", 1),
                                                            ("FPU-1", "NEAR", 2)]


def test_distinction_forbid_satisfied_by_escorts_sorties_and_other_weeks(make_instance,
                                                                          make_plan):
    instance = _partner_near(make_instance, "forbid")
    plan = make_plan(assign=[("INF-1", "NEAR", 1, "escort", "M1"), ("FPU-1", "NEAR", 3)],
                     sorties=[("HEL-1", "NEAR", 2)], missions={"M1": 1})
    assert broken(instance, plan, "distinction_forbid") == []


def test_distinction_forbid_not_applied_under_flag(make_instance, make_plan):
    instance = _partner_near(make_instance, "flag")
    assert broken(instance, make_plan(assign=[("INF-1", "NEAR", 1)]),
                  "distinction_forbid") == []
