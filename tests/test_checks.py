"""Each cross check of planner.inputs.checks alone, violated and satisfied, with its exact message.

Every case edits BASE, a valid two-hotspot scenario: TOWN is on the camp's doorstep (0 km),
VILLAGE is 111.2 km south, beyond the FPU's 100 km range, and one helicopter sortie there
takes 2 × 111.195 / 220 + 1 = 2.01 h, more than HEL-1's 2 flight hours a week.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.inputs import checks
from planner.inputs.loader import ScenarioError, load_scenario

BASE = """\
name: t
horizon: {weeks: 4}
bases:
  - {id: CAMP, location: {lat: 14.53, lon: -4.10}}
units:
  - {id: INF-1, kind: infantry_company, base: CAMP}
  - {id: FPU-1, kind: fpu, base: CAMP}
  - {id: HEL-1, kind: attack_helicopter, base: CAMP, flight_hours_per_week: 2}
hotspots:
  - {id: TOWN, location: {lat: 14.53, lon: -4.10}, population: 20000}
  - {id: VILLAGE, location: {lat: 13.53, lon: -4.10}, population: 10000}
"""
"""Lines 1-11; appended sections start on line 12."""


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def problems(tmp_path: Path, text: str, name: str = "scen.yaml") -> list[str]:
    """Every problem (errors, or the warnings of a scenario that loads), as printed, with
    paths relative to tmp_path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    try:
        found = load_scenario(path).warnings
    except ScenarioError as exc:
        found = exc.problems
    return [str(p).replace(f"{tmp_path}/", "") for p in found]


def test_base_is_clean(tmp_path):
    assert problems(tmp_path, BASE) == []


# ---------------------------------------------------------------------------- errors
def test_unique_ids_units(tmp_path):
    text = edit("{id: FPU-1,", "{id: INF-1,")
    assert problems(tmp_path, text) == [
        "scen.yaml:7:10: units[1].id (INF-1): duplicate unit id 'INF-1', already used at "
        "line 6. Fix: give each unit its own id"]


def test_unique_ids_priorities_across_files(tmp_path):
    (tmp_path / "offices").mkdir()
    (tmp_path / "offices" / "mopti.yaml").write_text(
        "office: Mopti\n"
        "priorities:\n"
        "  - {id: P1, kind: secure_area, hotspot: VILLAGE, weight: 1}\n")
    text = BASE + ("priorities:\n"
                   "  - {id: P1, kind: secure_area, hotspot: TOWN, weight: 1}\n"
                   "priority_files: [offices/*.yaml]\n")
    assert problems(tmp_path, text) == [
        "offices/mopti.yaml:3:10: priorities[P1].id: duplicate priority id 'P1', already used "
        "at scen.yaml:13. Fix: give each priority its own id"]


def test_references_resolve(tmp_path):
    text = edit("infantry_company, base: CAMP}", "infantry_company, base: CAMPP}") + (
        "priorities:\n"
        "  - {id: P1, kind: secure_area, hotspot: TWON, weight: 1}\n"
        "commitments:\n"
        "  - {unit: INF-2, hotspot: VILAGE, mode: forbid}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:6:47: units[INF-1].base: unknown base 'CAMPP'. Fix: did you mean 'CAMP'? "
        "The bases are: CAMP",
        "scen.yaml:13:42: priorities[P1].hotspot: unknown hotspot 'TWON'. Fix: did you mean "
        "'TOWN'? The hotspots are: TOWN, VILLAGE",
        "scen.yaml:15:12: commitments[0].unit (INF-2): unknown unit 'INF-2'. Fix: did you mean "
        "'INF-1'? The units are: INF-1, FPU-1, HEL-1",
        "scen.yaml:15:28: commitments[0].hotspot (INF-2): unknown hotspot 'VILAGE'. Fix: did "
        "you mean 'VILLAGE'? The hotspots are: TOWN, VILLAGE"]


def test_windows_inside_horizon(tmp_path):
    text = edit("{id: FPU-1, kind: fpu, base: CAMP}",
                "{id: FPU-1, kind: fpu, base: CAMP, available: [[3, 2]]}")
    text = edit("population: 10000}", "population: 10000, ground_closed_weeks: [[2, 5]]}", text)
    assert problems(tmp_path, text) == [
        "scen.yaml:7:52: units[FPU-1].available[0]: window [3, 2] runs backwards: its first "
        "week comes after its last. Fix: write [2, 3]",
        "scen.yaml:11:96: hotspots[VILLAGE].ground_closed_weeks[0]: window [2, 5] ends after "
        "the horizon's last week (4). Fix: end it by week 4, or lengthen horizon.weeks"]


def test_threat_assessments_do_not_overlap(tmp_path):
    text = edit("population: 20000}", "population: 20000, threats: [\n"
                "      {category: banditry, probability: 3, impact: 3},\n"
                "      {category: banditry, probability: 4, impact: 3, weeks: [3, 4]}]}")
    assert problems(tmp_path, text) == [
        "scen.yaml:12:7: hotspots[TOWN].threats[1]: banditry is assessed twice at TOWN in "
        "weeks 3–4 (also threats[0], line 11). Fix: give each assessment of a category its "
        "own weeks, or keep one"]
    separate = text.replace("{category: banditry, probability: 3, impact: 3}",
                            "{category: banditry, probability: 3, impact: 3, weeks: [1, 2]}")
    assert problems(tmp_path, separate) == []


def test_mission_duration_fits_window(tmp_path):
    mission = ("priorities:\n"
               "  - {id: P2, kind: civilian_mission, hotspot: TOWN, weight: 1, weeks: [2, 3],\n"
               "     duration_weeks: 3}\n")
    assert problems(tmp_path, BASE + mission) == [
        "scen.yaml:14:22: priorities[P2].duration_weeks: duration_weeks 3 does not fit the "
        "window (weeks 2–3, 2 long). Fix: lower duration_weeks to at most 2 or widen weeks"]
    assert problems(tmp_path, BASE + mission.replace("duration_weeks: 3", "duration_weeks: 2")) \
        == []


def test_required_weeks_fit_window(tmp_path):
    area = ("priorities:\n"
            "  - {id: P1, kind: secure_area, hotspot: TOWN, weight: 1, required_weeks: 5}\n")
    assert problems(tmp_path, BASE + area) == [
        "scen.yaml:13:75: priorities[P1].required_weeks: required_weeks 5 is more than the "
        "window (weeks 1–4, 4 long). Fix: lower required_weeks to at most 4 or widen weeks"]
    assert problems(tmp_path, BASE + area.replace("required_weeks: 5", "required_weeks: 4")) == []


def test_flight_hours_only_on_air_units(tmp_path):
    text = edit("kind: infantry_company, base: CAMP}",
                "kind: infantry_company, base: CAMP, flight_hours_per_week: 5}")
    assert problems(tmp_path, text) == [
        "scen.yaml:6:53: units[INF-1].flight_hours_per_week: flight_hours_per_week applies to "
        "air units only, and INF-1 is an infantry_company (ground). Fix: remove "
        "flight_hours_per_week"]


def test_unit_type_overrides_fit_domain(tmp_path):
    text = BASE.replace("bases:\n", "unit_types:\n"
                        "  fpu: {range_km: 120, speed_kmh: 100}\n"
                        "  utility_helicopter: {escort: 1, flight_hours_per_week: 12}\n"
                        "bases:\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:4:24: unit_types.fpu.speed_kmh: speed_kmh applies to air kinds only, and "
        "fpu is a ground kind. Fix: remove speed_kmh from unit_types.fpu",
        "scen.yaml:5:24: unit_types.utility_helicopter.escort: escort applies to ground kinds "
        "only (air kinds always fly escort sorties), and utility_helicopter is an air kind. Fix: "
        "remove escort from unit_types.utility_helicopter"]


PIN = "commitments:\n  - {unit: %s, hotspot: %s, mode: require, weeks: [%d, %d]}\n"


@pytest.mark.parametrize(("text", "expected"), [
    (edit("{id: FPU-1,", "{id: ESC-1, kind: escort_team, base: CAMP}\n  - {id: FPU-1,")
     + PIN % ("ESC-1", "TOWN", 1, 1),
     "scen.yaml:14:12: commitments[0].unit (ESC-1): require pin of ESC-1 at TOWN is "
     "impossible: an escort_team cannot hold a presence, and require means present. Fix: pin "
     "a unit that holds presence; escorts are assigned with their missions"),
    (BASE + PIN % ("FPU-1", "VILLAGE", 1, 1),
     "scen.yaml:13:28: commitments[0].hotspot (FPU-1): require pin of FPU-1 at VILLAGE is "
     "impossible: VILLAGE is 111 km from CAMP, beyond FPU-1's range of 100 km. Fix: pin a "
     "unit based closer, or raise unit_types.fpu.range_km"),
    (edit("kind: fpu, base: CAMP}", "kind: fpu, base: CAMP, available: [[1, 2]]}")
     + PIN % ("FPU-1", "TOWN", 2, 4),
     "scen.yaml:13:56: commitments[0].weeks (FPU-1): require pin of FPU-1 at TOWN is "
     "impossible: FPU-1 is not available in weeks 3–4. Fix: drop those weeks from the pin, or "
     "widen the unit's available windows"),
    (edit("population: 20000}", "population: 20000, ground_closed_weeks: [[2, 2], [4, 4]]}")
     + PIN % ("INF-1", "TOWN", 1, 4),
     "scen.yaml:13:56: commitments[0].weeks (INF-1): require pin of INF-1 at TOWN is "
     "impossible: TOWN is closed to ground movement in weeks 2, 4. Fix: drop those weeks from "
     "the pin"),
    (edit("lon: -4.10}}", "lon: -4.10}, air_closed_weeks: [[3, 3]]}")
     + PIN % ("HEL-1", "TOWN", 2, 3),
     "scen.yaml:13:56: commitments[0].weeks (HEL-1): require pin of HEL-1 at TOWN is "
     "impossible: CAMP is closed to flights in week 3. Fix: drop those weeks from the pin"),
    (BASE + PIN % ("HEL-1", "VILLAGE", 1, 1),
     "scen.yaml:13:28: commitments[0].hotspot (HEL-1): require pin of HEL-1 at VILLAGE is "
     "impossible: one sortie to VILLAGE takes 2.01 flight hours, more than HEL-1's 2 per "
     "week. Fix: pin a helicopter based closer, or give this one more flight_hours_per_week"),
    (edit("horizon: {weeks: 4}", "horizon: {weeks: 4}\npolicy: {distinction: forbid}",
          edit("population: 20000}", "population: 20000, partner_operations: "
               "[{force: Barkhane, weeks: [1, 1]}]}"))
     + PIN % ("INF-1", "TOWN", 1, 2),
     "scen.yaml:14:56: commitments[0].weeks (INF-1): require pin of INF-1 at TOWN is "
     "impossible: partner operations are active at TOWN in week 1 and policy.distinction is "
     "forbid. Fix: drop those weeks from the pin, or set policy.distinction to flag or "
     "penalize"),
], ids=["no_presence", "out_of_range", "unavailable", "ground_closed", "air_closed",
        "sortie_too_long", "distinction_forbid"])
def test_require_pins_possible(tmp_path, text, expected):
    assert problems(tmp_path, text) == [expected]


def test_require_pins_possible_satisfied(tmp_path):
    text = BASE + ("commitments:\n"
                   "  - {unit: INF-1, hotspot: VILLAGE, mode: require}\n"
                   "  - {unit: HEL-1, hotspot: TOWN, mode: require, weeks: [1, 2]}\n"
                   "  - {unit: FPU-1, hotspot: VILLAGE, mode: forbid}\n")
    assert problems(tmp_path, text) == []


def test_pins_do_not_contradict(tmp_path):
    text = BASE + ("commitments:\n"
                   "  - {unit: INF-1, hotspot: TOWN, mode: require, weeks: [1, 3]}\n"
                   "  - {unit: INF-1, hotspot: TOWN, mode: forbid, weeks: [3, 4]}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:14:5: commitments[1] (INF-1): require and forbid pins of INF-1 at TOWN "
        "contradict in week 3. Fix: remove one of them (the other is at line 13)"]
    assert problems(tmp_path, text.replace("weeks: [3, 4]", "weeks: [4, 4]")) == []


def test_require_pins_compatible_ground(tmp_path):
    text = BASE + ("commitments:\n"
                   "  - {unit: INF-1, hotspot: TOWN, mode: require, weeks: [1, 2]}\n"
                   "  - {unit: INF-1, hotspot: VILLAGE, mode: require, weeks: [2, 4]}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:14:5: commitments[1] (INF-1): INF-1 is required at both TOWN and VILLAGE in "
        "week 2; a ground unit is in one place a week. Fix: drop those weeks from one of the "
        "pins (the other is at line 13)"]
    assert problems(tmp_path, text.replace("weeks: [2, 4]", "weeks: [3, 4]")) == []


def test_require_pins_compatible_air(tmp_path):
    text = edit("flight_hours_per_week: 2}", "flight_hours_per_week: 3}") + (
        "commitments:\n"
        "  - {unit: HEL-1, hotspot: TOWN, mode: require, weeks: [1, 2]}\n"
        "  - {unit: HEL-1, hotspot: VILLAGE, mode: require, weeks: [2, 3]}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:14:5: commitments[1] (HEL-1): require pins of HEL-1 at TOWN, VILLAGE need "
        "3.01 flight hours in week 2, more than its 3 per week. Fix: drop one of the pins for "
        "those weeks, or give the unit more flight_hours_per_week"]
    assert problems(tmp_path, text.replace("flight_hours_per_week: 3}",
                                           "flight_hours_per_week: 3.1}")) == []


def test_require_pins_leave_garrison(tmp_path):
    text = edit("lon: -4.10}}", "lon: -4.10}, min_garrison: 1}") + (
        "commitments:\n"
        "  - {unit: INF-1, hotspot: VILLAGE, mode: require, weeks: [1, 2]}\n"
        "  - {unit: FPU-1, hotspot: TOWN, mode: require, weeks: [2, 3]}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:4:66: bases[CAMP].min_garrison: require pins take 2 ground units of CAMP "
        "out in week 2, but it must keep 1 of its available ground units at home. Fix: drop a "
        "pin for those weeks, or lower min_garrison"]
    assert problems(tmp_path, text.replace("weeks: [2, 3]", "weeks: [3, 4]")) == []


# ---------------------------------------------------------------------------- warnings
def test_garrison_floor_reachable(tmp_path):
    text = edit("lon: -4.10}}", "lon: -4.10}, min_garrison: 2}",
                edit("kind: fpu, base: CAMP}", "kind: fpu, base: CAMP, available: [[1, 2]]}"))
    assert problems(tmp_path, text) == [
        "scen.yaml:4:66: warning: bases[CAMP].min_garrison: min_garrison 2 is more than the "
        "ground units available at CAMP in weeks 3–4 (as few as 1); the floor is then all of "
        "them, so none can leave. Fix: lower min_garrison, or add ground units to this base"]
    assert problems(tmp_path, text.replace("min_garrison: 2", "min_garrison: 1")) == []


def test_hotspot_reachable(tmp_path):
    text = BASE + "  - {id: KIDAL, location: {lat: 18.44, lon: 1.41}, population: 25000}\n"
    assert problems(tmp_path, text) == [
        "scen.yaml:12:5: warning: hotspots[KIDAL]: no unit can reach KIDAL: it is beyond every "
        "unit's range (closest: HEL-1, 731 km away with a range of 250 km). Fix: check its "
        "location, or add a unit within range"]
    closed = edit("population: 10000}", "population: 10000, ground_closed_weeks: [[1, 4]]}")
    assert problems(tmp_path, closed) == [
        "scen.yaml:11:5: warning: hotspots[VILLAGE]: no unit can reach VILLAGE in any week: the "
        "units in range (INF-1, HEL-1) are unavailable, closed out, forbidden or short of "
        "flight hours whenever they could go. Fix: check the closures, availability and forbid "
        "pins that cover it"]


def test_priority_serviceable_secure_area(tmp_path):
    text = edit("population: 10000}", "population: 10000, ground_closed_weeks: [[2, 4]]}") + (
        "priorities:\n"
        "  - {id: P1, kind: secure_area, hotspot: VILLAGE, weight: 1, weeks: [2, 4]}\n"
        "  - {id: P2, kind: secure_area, hotspot: VILLAGE, weight: 1, required_weeks: 3}\n"
        "  - {id: P3, kind: secure_area, hotspot: VILLAGE, weight: 1, required_weeks: 1}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:13:5: warning: priorities[P1]: no unit able to hold a presence can be at "
        "VILLAGE in any week of the window (weeks 2–4). Fix: widen the window, or give a "
        "presence-capable unit the range, availability and open weeks to be there",
        "scen.yaml:14:5: warning: priorities[P2]: a presence at VILLAGE is possible in only 1 "
        "of the 3 required weeks (week 1). Fix: lower required_weeks to 1, or widen the window"]


def test_priority_serviceable_civilian_mission(tmp_path):
    mission = ("priorities:\n"
               "  - {id: P4, kind: civilian_mission, hotspot: VILLAGE, weight: 1,\n"
               "     escort: {ground: 2, air_sorties: 1}}\n")
    assert problems(tmp_path, BASE + mission) == [
        "scen.yaml:13:5: warning: priorities[P4]: no start week of P4 can be escorted: it "
        "needs up to 2 escort-capable ground units at VILLAGE but at most 1 can be there in a "
        "week of its window; it needs up to 1 escort sortie at VILLAGE but at most 0 can be "
        "flown there in a week of its window. Fix: lower its escort need, widen its window, or "
        "make escorts able to reach VILLAGE"]
    at_town = mission.replace("VILLAGE", "TOWN").replace("ground: 2", "ground: 1")
    assert problems(tmp_path, BASE + at_town) == []


def test_bases_have_units(tmp_path):
    text = edit("bases:\n", "bases:\n  - {id: GAO, location: {lat: 16.27, lon: -0.04}}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:4:5: warning: bases[GAO]: base GAO has no units. Fix: give it units, or "
        "remove it"]


def test_every_registered_check_has_a_test():
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    untested = [check.__name__ for check in checks.CHECKS
                if not any(t == check.__name__ or t.startswith(check.__name__ + "_")
                           for t in tested)]
    assert untested == []


def test_every_check_says_error_or_warning():
    for check in checks.CHECKS:
        assert (check.__doc__ or "").startswith(("Error:", "Warning:")), check.__name__


def test_a_crashing_check_is_a_problem_not_a_traceback(tmp_path, monkeypatch):
    def broken(ctx):
        raise KeyError("boom")

    monkeypatch.setattr(checks, "CHECKS", (broken,))
    assert problems(tmp_path, BASE) == [
        "scen.yaml:1:1: (top level): internal error in check broken: KeyError('boom'). Fix: "
        "this is a pocplan bug; please report it with the file"]




# ---------------------------------------------------------------------------- contract v2
V2_THREAT = edit("population: 10000}", "population: 10000, threats: [\n"
                 "      {category: terrorist_attacks, probability: 4, impact: 4}]}")
"""VILLAGE under terrorist_attacks 16 (lines 11-12); appended sections start on line 13."""


def test_require_pins_possible_police_ceiling(tmp_path):
    text = V2_THREAT.replace("bases:\n", "unit_types:\n  fpu: {max_threat: 12, range_km: 200}\n"
                             "bases:\n") + PIN % ("FPU-1", "VILLAGE", 1, 2)
    assert problems(tmp_path, text) == [
        "scen.yaml:16:59: commitments[0].weeks (FPU-1): require pin of FPU-1 at VILLAGE is "
        "impossible: the threat at VILLAGE in weeks 1–2 exceeds fpu's max_threat of P×I 12 "
        "(police threat ceiling). Fix: drop those weeks from the pin, pin a military unit, or "
        "raise unit_types.fpu.max_threat"]
    assert problems(tmp_path, text.replace("max_threat: 12", "max_threat: 16")) == []


def test_require_pins_make_strong_posts(tmp_path):
    text = V2_THREAT.replace("horizon: {weeks: 4}\n", "horizon: {weeks: 4}\npolicy:\n"
                             "  small_post: {min_units: 2}\n") + PIN % ("INF-1", "VILLAGE", 1, 2)
    # the FPU cannot reach VILLAGE (100 km), so nobody can join INF-1
    assert problems(tmp_path, text) == [
        "scen.yaml:16:28: commitments[0].hotspot (INF-1): require pin of INF-1 at VILLAGE is "
        "impossible: in weeks 1–2 the asymmetric threat there bars posts of fewer than 2 "
        "units (small_post) and no other unit can join it. Fix: pin 2 units there together, "
        "drop those weeks from the pin, or raise policy.small_post.threat"]
    # a second company that could join makes the pin possible
    joined = edit("  - {id: FPU-1,", "  - {id: INF-2, kind: infantry_company, base: CAMP}\n"
                  "  - {id: FPU-1,", text)
    assert problems(tmp_path, joined) == []


def test_v2_kind_keys_fit_domain(tmp_path):
    text = BASE.replace("bases:\n", "unit_types:\n  attack_helicopter: {reserve: true}\n"
                        "bases:\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:4:23: unit_types.attack_helicopter.reserve: reserve applies to ground kinds "
        "only, and attack_helicopter is an air kind. Fix: remove reserve from "
        "unit_types.attack_helicopter"]
    assert problems(tmp_path, text.replace("attack_helicopter: {reserve", "fpu: {reserve")) == []


def test_hotspot_open_to_ground(tmp_path):
    text = edit("population: 10000}", "population: 10000, ground_closed_weeks: [[1, 2], [3, 4]]}",
                edit("flight_hours_per_week: 2}", "flight_hours_per_week: 3}"))
    assert problems(tmp_path, text) == [
        "scen.yaml:11:95: warning: hotspots[VILLAGE].ground_closed_weeks: VILLAGE is closed "
        "to ground movement in every week of the horizon: no presence, secure area or ground "
        "escort is possible there, only sorties. Fix: check the closure windows (a seasonal "
        "closure rarely covers a whole quarter), or plan it by air knowingly"]
    assert problems(tmp_path, text.replace("[3, 4]]", "[3, 3]]")) == []


def test_v2_keys_are_checked_where_they_are_written(tmp_path):
    text = BASE.replace("bases:\n", "policy:\n  escort_tiers: [[15, 2, 0], [8, 1, 0]]\n"
                        "bases:\n") + (
        "priorities:\n"
        "  - {id: P1, kind: secure_area, hotspot: TOWN, weight: 1, effect_weeks: 2,\n"
        "     effects: {intercommunal: 0.1}}\n"
        "  - {id: P2, kind: civilian_mission, hotspot: TOWN, weight: 1,\n"
        "     effects: {intercommunal: 0.1}}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:4:3: policy: escort_tiers: max_pi must strictly increase, got [15, 8]. "
        "Fix: order the tiers by their first number",
        "scen.yaml:15:5: priorities[P1]: effects, effect_weeks applies to civilian_mission "
        "priorities only. Fix: remove it or change kind",
        "scen.yaml:17:5: priorities[P2]: effects and effect_weeks go together: give both "
        "(effect_weeks ≥ 1 weeks) or neither. Fix: see docs/scenario-format.md for the format"]
    typo = BASE.replace("bases:\n", "policy:\n  small_post: {min_unit: 2}\nbases:\n")
    assert problems(tmp_path, typo) == [
        "scen.yaml:4:16: policy.small_post: unknown key 'min_unit'. Fix: did you mean "
        "'min_units'?"]


def test_assessments_well_formed(tmp_path):
    block = ("assessments:\n"
             "  - {id: JMAC, threats: {TOWN: [{category: banditry, probability: 2, "
             "impact: 3}]}}\n")
    assert problems(tmp_path, BASE + block) == []
    bad = ("assessments:\n"
           "  - {id: base, threats: {}}\n"
           "  - {id: JMAC, threats: {TOWNN: []}}\n"
           "  - id: JMAC\n"
           "    threats:\n"
           "      VILLAGE:\n"
           "        - {category: banditry, probability: 2, impact: 3, weeks: [3, 2]}\n"
           "        - {category: banditry, probability: 2, impact: 3, weeks: [2, 5]}\n"
           "        - {category: intercommunal, probability: 2, impact: 3, weeks: [1, 2]}\n"
           "        - {category: intercommunal, probability: 1, impact: 3, weeks: [2, 3]}\n")
    assert problems(tmp_path, BASE + bad) == [
        "scen.yaml:13:10: assessments[base].id: assessment id 'base' is reserved for the "
        "scenario's own threats. Fix: give the assessment another id",
        "scen.yaml:14:26: assessments[1].threats.TOWNN (JMAC): assessment JMAC names unknown "
        "hotspot 'TOWNN'. Fix: did you mean 'TOWN'? The hotspots are: TOWN, VILLAGE",
        "scen.yaml:15:9: assessments[2].id (JMAC): duplicate assessment id 'JMAC', already "
        "used at line 14. Fix: give each assessment its own id",
        "scen.yaml:18:66: assessments[2].threats.VILLAGE[0].weeks (JMAC): window [3, 2] runs "
        "backwards: its first week comes after its last. Fix: write [2, 3]",
        "scen.yaml:19:66: assessments[2].threats.VILLAGE[1].weeks (JMAC): window [2, 5] ends "
        "after the horizon's last week (4). Fix: end it by week 4, or lengthen horizon.weeks",
        "scen.yaml:21:11: assessments[2].threats.VILLAGE[3] (JMAC): intercommunal is assessed "
        "twice at VILLAGE in week 2 by assessment JMAC (also threats[2], line 20). Fix: give "
        "each assessment of a category its own weeks, or keep one"]
