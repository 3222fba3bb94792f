"""The loader: safe parsing with marks, model errors turned into located problems with a
fix, priority files, priority submissions, bundled scenarios and their JSON Schemas."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from planner.inputs.loader import (
    LoadedScenario,
    Problem,
    ScenarioError,
    check_priority_submission,
    load_priority_submission,
    load_scenario,
    parse_yaml_file,
)
from planner.inputs.schema import (
    SCHEMA_DIR,
    priorities_json_schema,
    scenario_json_schema,
    schema_text,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = Path(__file__).resolve().parents[1] / "docs"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
OFFICES = FIXTURES / "offices_scenario"
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))


def problems(tmp_path: Path, text: str, name: str = "scen.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    try:
        found = load_scenario(path).warnings
    except ScenarioError as exc:
        found = exc.problems
    return [str(p).replace(f"{tmp_path}/", "") for p in found]


# ---------------------------------------------------------------------------- loading
def test_tiny_hand_loads_clean():
    path = DOCS / "contract" / "examples" / "tiny_hand.yaml"
    loaded = load_scenario(path)
    assert loaded.warnings == ()
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [p.id for p in loaded.scenario.priorities] == ["P1", "P2"]
    assert loaded.priority_sources == {"P1": path, "P2": path}
    town = loaded.scenario.hotspots[0]
    assert [(t.probability, t.impact) for t in town.threats] == [(4, 3), (3, 3), (2, 2)]
    assert str(loaded.scenario.horizon.start) == "2018-07-02"


def test_minimal_fixture_loads_clean():
    loaded = load_scenario(FIXTURES / "minimal.yaml")
    assert isinstance(loaded, LoadedScenario)
    assert loaded.warnings == ()
    assert loaded.scenario.bases[0].name == "Sévaré camp"


def test_parse_yaml_file_keeps_marks_and_plain_data():
    data, marks = parse_yaml_file(FIXTURES / "minimal.yaml")
    assert data["horizon"] == {"start": "2018-07-02", "weeks": 4}  # dates stay text
    assert marks[("units", 1, "kind")] == (7, 23)
    assert marks.key(("units", 1, "kind")) == (7, 17)
    assert marks[("hotspots", 1, "threats", 0, "impact")] == (20, 63)
    assert marks.locate(("hotspots", 1, "no_such_key")) == (16, 5)
    assert marks.locate(("units", 1, "kind"), key=True) == (7, 17)


def test_anchors_aliases_and_merge_keys_are_plain_yaml(tmp_path):
    text = ("name: t\n"
            "horizon: {weeks: 4}\n"
            "bases: [{id: CAMP, location: &camp {lat: 14.53, lon: -4.10}}]\n"
            "units:\n"
            "  - &inf {id: INF-1, kind: infantry_company, base: CAMP}\n"
            "  - {<<: *inf, id: INF-2}\n"
            "hotspots: [{id: TOWN, location: *camp, population: 100}]\n")
    path = tmp_path / "scen.yaml"
    path.write_text(text)
    loaded = load_scenario(path)
    assert [(u.id, u.kind.value, u.base) for u in loaded.scenario.units] == [
        ("INF-1", "infantry_company", "CAMP"), ("INF-2", "infantry_company", "CAMP")]
    assert loaded.scenario.hotspots[0].location.lat == 14.53


def test_problem_str():
    problem = Problem("scen.yaml", 12, 5, "units[2]", "INF-1", "unknown kind 'infantry'",
                      "use one of infantry_company, qrf_company")
    assert str(problem) == ("scen.yaml:12:5: units[2] (INF-1): unknown kind 'infantry'. "
                            "Fix: use one of infantry_company, qrf_company")
    warning = Problem("scen.yaml", None, None, "bases[GAO]", "GAO", "base GAO has no units.",
                      "", "warning")
    assert str(warning) == "scen.yaml: warning: bases[GAO]: base GAO has no units"
    error = ScenarioError([problem, problem])
    assert str(error).splitlines() == ["2 errors in scen.yaml:", f"  - {problem}",
                                       f"  - {problem}"]


# ---------------------------------------------------------------------------- model errors
BROKEN = """\
name: Broken
horizon: {weeks: 4}
bases:
  - {id: SEV, location: {lat: 95, lon: -4.1}}
units:
  - {id: INF-1, kind: infantry, base: SEV}
  - {id: 101, kind: fpu, base: SEV}
hotspots:
  - id: KORO
    location: {lat: 14.07, lon: -3.08}
    populaton: 6000
    threats:
      - {category: intercommunal, probability: extreme, impact: 7}
"""


def test_model_errors_are_all_reported_with_line_and_fix(tmp_path):
    assert problems(tmp_path, BROKEN) == [
        "scen.yaml:4:31: bases[SEV].location.lat: lat 95 is not on Earth: latitude runs -90 to "
        "90. Fix: write decimal degrees, e.g. {lat: 14.53, lon: -4.10}, and check lat and lon "
        "are not swapped",
        "scen.yaml:6:23: units[INF-1].kind: unknown kind 'infantry'. Fix: did you mean "
        "'infantry_company'? Use one of infantry_company, qrf_company, fpu, escort_team, "
        "attack_helicopter, utility_helicopter",
        "scen.yaml:7:10: units[1].id: id must be text, got 101. Fix: put it in quotes: "
        "id: \"101\"",
        "scen.yaml:9:5: hotspots[KORO]: missing required key 'population'. Fix: add "
        "population: (People exposed, persons)",
        "scen.yaml:11:5: hotspots[KORO]: unknown key 'populaton'. Fix: did you mean "
        "'population'?",
        "scen.yaml:13:48: hotspots[KORO].threats[0].probability: probability must be 1-5 or "
        "very_low, low, medium, high, very_high, got 'extreme'. Fix: use a whole number 1-5 or "
        "one of very_low, low, medium, high, very_high",
        "scen.yaml:13:65: hotspots[KORO].threats[0].impact: impact must be 1-5 or very_low, "
        "low, medium, high, very_high, got 7. Fix: use a whole number 1-5 or one of very_low, "
        "low, medium, high, very_high",
    ]


MINIMAL = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("population: 20000", "population: -5",
     "scen.yaml:12:17: hotspots[TOWN].population: population must be at least 0, got -5. "
     "Fix: write the number of people exposed (0 or more)"),
    ("population: 20000", "population: \"inf\"",
     "scen.yaml:12:17: hotspots[TOWN].population: population must be a finite number, got "
     "'inf'. Fix: write an ordinary number"),
    ("lon: -4.10}, min", "lon: 200}, min",
     "scen.yaml:4:63: bases[CAMP].location.lon: lon 200 is not on Earth: longitude runs -180 "
     "to 180. Fix: write decimal degrees, e.g. {lat: 14.53, lon: -4.10}, and check lat and "
     "lon are not swapped"),
    ("base: CAMP}\n  - {id: FPU-1", "base: CAMP, available: [1, 4]}\n  - {id: FPU-1",
     "scen.yaml:6:64: units[INF-1].available: available is a list of windows, got one window "
     "[1, 4]. Fix: write available: [[1, 4]]"),
    ("weeks: [2, 3]}", "weeks: [[2, 3]]}",
     "scen.yaml:15:64: hotspots[TOWN].threats[1].weeks: weeks is one window [first, last], not "
     "a list of windows. Fix: write weeks: [2, 3]"),
    ("weeks: [2, 3]}", "weeks: [2]}",
     "scen.yaml:15:64: hotspots[TOWN].threats[1].weeks: weeks must be a window [first, last], "
     "got [2]. Fix: write two weeks, e.g. weeks: [1, 4]"),
    ("weeks: [2, 3]}", "weeks: [0, 3]}",
     "scen.yaml:15:65: hotspots[TOWN].threats[1].weeks[0]: weeks[0] must be at least 1, got 0. "
     "Fix: weeks are numbered from 1, and a horizon has at most 52 weeks"),
    ("probability: high", "probability: 3.5",
     "scen.yaml:14:48: hotspots[TOWN].threats[0].probability: probability must be 1-5 or "
     "very_low, low, medium, high, very_high, got 3.5. Fix: use a whole number 1-5 or one of "
     "very_low, low, medium, high, very_high"),
    ("id: TOWN", "id: TOWN CENTRE",
     "scen.yaml:10:9: hotspots[TOWN CENTRE].id: id 'TOWN CENTRE' may contain only letters, "
     "digits, '_', '.' and '-'. Fix: e.g. 'TOWN-CENTRE'"),
    ("weeks: 4}", "weeks: 4, length: 4}",
     "scen.yaml:2:40: horizon: unknown key 'length'. Fix: remove it; the keys allowed here are "
     "start, weeks"),
    ("units:\n", "unit_types:\n  infantry: {range_km: 120}\nunits:\n",
     "scen.yaml:6:3: unit_types: unknown key 'infantry' in unit_types. Fix: did you mean "
     "'infantry_company'? Use one of infantry_company, qrf_company, fpu, escort_team, "
     "attack_helicopter, utility_helicopter"),
    ("horizon:", "policy: {distinction: forbidden}\nhorizon:",
     "scen.yaml:2:23: policy.distinction: unknown distinction 'forbidden'. Fix: did you mean "
     "'forbid'? Use one of flag, penalize, forbid"),
    ("horizon:", "policy: {mitigation_caps: {terrorism: 0.3}}\nhorizon:",
     "scen.yaml:2:28: policy.mitigation_caps: unknown key 'terrorism' in mitigation_caps. Fix: "
     "did you mean 'terrorist_attacks'? Use one of intercommunal, banditry, "
     "armed_group_abuse, terrorist_attacks, armed_group_conflict, state_violations"),
    ("  - id: VILLAGE", "    pcode: 0505\n  - id: VILLAGE",
     "scen.yaml:16:12: hotspots[TOWN].pcode: pcode must be text, got 0505. Fix: put it in "
     "quotes: pcode: \"0505\""),
    ("name: Minimal test scenario\n", "",
     "scen.yaml:1:1: (top level): missing required key 'name'. Fix: add name: (Scenario name)"),
    ("flight_hours_per_week: 2}", "flight_hours_per_week: lots}",
     "scen.yaml:8:77: units[HEL-1].flight_hours_per_week: flight_hours_per_week must be a "
     "number, got 'lots'. Fix: write a plain number, without quotes"),
], ids=["population", "quoted_infinity", "longitude", "window_list_as_window",
        "window_as_window_list", "window_too_short", "week_zero", "level_fraction", "id_pattern",
        "unknown_key_no_match", "unknown_kind_key", "enum", "unknown_category_key", "quoted_text",
        "missing_key", "number_type"])
def test_model_error_message(tmp_path, old, new, expected):
    assert MINIMAL.count(old) == 1, old
    found = problems(tmp_path, MINIMAL.replace(old, new))
    assert expected in found, found


def test_empty_value_and_empty_list(tmp_path):
    text = MINIMAL.replace("bases:\n  - {id: CAMP", "bases: []\nold_bases:\n  - {id: CAMP")
    text = text.replace("    threats:\n      - {category: armed_group_abuse, probability: 4, "
                        "impact: 5}\n", "    threats:\n")
    found = problems(tmp_path, text)
    assert "scen.yaml:3:8: bases: bases must not be empty. Fix: add at least one base" in found
    assert ("scen.yaml:20:13: hotspots[VILLAGE].threats: threats is empty. Fix: fill in a value "
            "or remove the key") in found


def test_fields_of_the_other_priority_kind(tmp_path):
    text = MINIMAL + ("priorities:\n"
                      "  - {id: P1, kind: secure_area, hotspot: TOWN, weight: 1, escort: "
                      "{ground: 1}}\n")
    assert problems(tmp_path, text) == [
        "scen.yaml:22:5: priorities[P1]: escort applies to civilian_mission priorities only. "
        "Fix: remove it or change kind"]


def test_probability_words(tmp_path):
    text = MINIMAL.replace("probability: 4, impact: 5", "probability: very_low, impact: "
                           "very_high")
    path = tmp_path / "scen.yaml"
    path.write_text(text)
    threat = load_scenario(path).scenario.hotspots[1].threats[0]
    assert (threat.probability, threat.impact) == (1, 5)


# ---------------------------------------------------------------------------- priority files
def test_priority_files_are_merged_with_their_office():
    loaded = load_scenario(OFFICES / "scenario.yaml")
    assert loaded.warnings == ()
    assert [(p.id, p.office) for p in loaded.scenario.priorities] == [
        ("HQ-1", "Mopti"), ("BAN-1", "Bankass"), ("MOP-1", "Mopti"), ("MOP-2", "Mopti")]
    sources = {k: v.name for k, v in loaded.priority_sources.items()}
    assert sources == {"HQ-1": "scenario.yaml", "BAN-1": "bankass.yaml",
                       "MOP-1": "mopti.yaml", "MOP-2": "mopti.yaml"}


def scenario_with_offices(tmp_path: Path, offices: dict[str, str]) -> Path:
    (tmp_path / "offices").mkdir()
    for name, text in offices.items():
        (tmp_path / "offices" / name).write_text(text, encoding="utf-8")
    scenario = tmp_path / "scen.yaml"
    scenario.write_text((OFFICES / "scenario.yaml").read_text(encoding="utf-8"))
    return scenario


def errors_of(path: Path, root: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p).replace(f"{root}/", "") for p in caught.value.problems]


def test_problems_in_office_files_name_their_own_file_and_line(tmp_path):
    path = scenario_with_offices(tmp_path, {
        "a.yaml": "office: Gao\npriorities:\n  - {id: G1, kind: secure_area, hotspot: KIDAL, "
                  "weight: 1}\n",
        "b.yaml": "office: Mopti\npriorities:\n  - {id: M1, office: Bankass, kind: secure_area, "
                  "hotspot: TOWN, weight: 1}\n",
        "c.yaml": "office: Segou\npriorities:\n  - {id: S1, kind: secure_area, hotspot: TOWN,\n"
                  "     wieght: 1}\n",
        "d.yaml": "office: Tabs\npriorities:\n\t- {id: T1}\n"})
    assert errors_of(path, tmp_path) == [
        "offices/b.yaml:3:22: priorities[M1].office: office 'Bankass' differs from the file's "
        "office 'Mopti'. Fix: remove the entry's office (the file's applies) or move the entry "
        "to Bankass's file",
        "offices/c.yaml:3:5: priorities[S1]: missing required key 'weight'. Fix: add weight: "
        "(Importance; a met priority is worth weight × policy.priority_value points)",
        "offices/c.yaml:4:6: priorities[S1]: unknown key 'wieght'. Fix: did you mean 'weight'?",
        "offices/d.yaml:3:1: tab character: YAML indentation must use spaces. Fix: replace the "
        "tabs on line 3 with spaces",
    ]
    (tmp_path / "offices" / "b.yaml").unlink()
    (tmp_path / "offices" / "c.yaml").unlink()
    (tmp_path / "offices" / "d.yaml").unlink()
    assert errors_of(path, tmp_path) == [
        "offices/a.yaml:3:42: priorities[G1].hotspot: unknown hotspot 'KIDAL'. Fix: the "
        "hotspots are: TOWN, VILLAGE"]


def test_two_files_of_one_office_warn(tmp_path):
    path = scenario_with_offices(tmp_path, {
        "mopti.yaml": "office: Mopti\npriorities: []\n",
        "mopti_v2.yaml": "office: Mopti\npriorities: []\n"})
    warnings = [str(w).replace(f"{tmp_path}/", "") for w in load_scenario(path).warnings]
    assert warnings == [
        "offices/mopti_v2.yaml:1:9: warning: office: office 'Mopti' also submits priorities in "
        "offices/mopti.yaml; both files are used. Fix: keep one file per office; "
        "keep old versions where priority_files do not match them"]


def test_scenario_and_office_errors_come_together(tmp_path):
    path = scenario_with_offices(tmp_path, {"a.yaml": "office: Gao\nprioritys: []\n"})
    path.write_text(path.read_text().replace("population: 20000", "population: many"))
    assert errors_of(path, tmp_path) == [
        "scen.yaml:9:64: hotspots[TOWN].population: population must be a number, got 'many'. "
        "Fix: write a plain number, without quotes",
        "offices/a.yaml:2:1: (top level): unknown key 'prioritys'. Fix: did you mean "
        "'priorities'?"]


# ---------------------------------------------------------------------------- submissions
def submit(tmp_path: Path, text: str, loaded: LoadedScenario | None = None) -> list[str]:
    path = tmp_path / "submission.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_priority_submission(path, loaded)
    except ScenarioError as exc:
        return [str(p).replace(f"{tmp_path}/", "") for p in exc.problems]
    return []


def test_submission_standalone_sets_office(tmp_path):
    path = tmp_path / "submission.yaml"
    path.write_text("office: Mopti\npriorities:\n"
                    "  - {id: M1, kind: secure_area, hotspot: ANYWHERE, weight: 1}\n")
    submission = load_priority_submission(path)
    assert [(p.id, p.office) for p in submission.priorities] == [("M1", "Mopti")]


def test_submission_standalone_checks_what_it_can(tmp_path):
    assert submit(tmp_path, "office: Mopti\npriorities:\n"
                  "  - {id: M1, kind: secure_area, hotspot: A, weight: 1, weeks: [5, 2]}\n"
                  "  - {id: M1, kind: secure_area, hotspot: B, weight: 1}\n") == [
        "submission.yaml:3:63: priorities[0].weeks (M1): window [5, 2] runs backwards: its "
        "first week comes after its last. Fix: write [2, 5]",
        "submission.yaml:4:10: priorities[1].id (M1): duplicate priority id 'M1', already used "
        "at line 3. Fix: give each priority its own id"]


def test_submission_against_the_scenario(tmp_path):
    loaded = load_scenario(OFFICES / "scenario.yaml")
    text = ("office: Mopti\n"
            "priorities:\n"
            "  - {id: MOP-1, kind: secure_area, hotspot: TOWN, weight: 1}\n"
            "  - {id: HQ-1, kind: secure_area, hotspot: TOWN, weight: 1}\n"
            "  - {id: BAN-1, kind: secure_area, hotspot: TOWN, weight: 1}\n"
            "  - {id: NEW-1, kind: secure_area, hotspot: KORO, weight: 1, weeks: [3, 6]}\n")
    scenario_file = OFFICES / "scenario.yaml"
    bankass_file = OFFICES / "offices" / "bankass.yaml"
    assert submit(tmp_path, text, loaded) == [
        f"submission.yaml:4:10: priorities[HQ-1].id: duplicate priority id 'HQ-1', already "
        f"used at {scenario_file}:12. Fix: give each priority its own id",
        f"submission.yaml:5:10: priorities[BAN-1].id: duplicate priority id 'BAN-1', already "
        f"used at {bankass_file}:3. Fix: give each priority its own id",
        "submission.yaml:6:45: priorities[NEW-1].hotspot: unknown hotspot 'KORO'. Fix: the "
        "hotspots are: TOWN, VILLAGE",
        "submission.yaml:6:69: priorities[NEW-1].weeks: window [3, 6] ends after the "
        "horizon's last week (4). Fix: end it by week 4, or lengthen horizon.weeks",
    ]


def test_resubmission_replaces_the_office_own_priorities(tmp_path):
    loaded = load_scenario(OFFICES / "scenario.yaml")
    text = ("office: Mopti\n"
            "priorities:\n"
            "  - {id: MOP-1, kind: secure_area, hotspot: TOWN, weight: 3}\n"
            "  - {id: MOP-3, office: Mopti, kind: civilian_mission, hotspot: TOWN, weight: 1}\n")
    assert submit(tmp_path, text, loaded) == []


def test_submission_warnings_and_office_mismatch(tmp_path):
    loaded = load_scenario(OFFICES / "scenario.yaml")
    path = tmp_path / "submission.yaml"
    path.write_text("office: Mopti\npriorities:\n"
                    "  - {id: M1, kind: secure_area, hotspot: VILLAGE, weight: 1,\n"
                    "     weeks: [1, 4], required_weeks: 4}\n")
    ground_closed = loaded.scenario.model_copy(update={"hotspots": [
        loaded.scenario.hotspots[0],
        loaded.scenario.hotspots[1].model_copy(update={"ground_closed_weeks": [(2, 4)]})]})
    closed = LoadedScenario(loaded.path, loaded.sha256, ground_closed, (), {})
    submission, warnings = check_priority_submission(path, closed)
    assert submission.priorities[0].office == "Mopti"
    assert [str(w).replace(f"{tmp_path}/", "") for w in warnings] == [
        "submission.yaml:3:5: warning: priorities[M1]: a presence at VILLAGE is possible in "
        "only 1 of the 4 required weeks (week 1). Fix: lower required_weeks to 1, or widen the "
        "window"]
    assert submit(tmp_path, "office: Mopti\npriorities:\n  - {id: M1, office: Gao, kind: "
                  "secure_area, hotspot: TOWN, weight: 1}\n", loaded) == [
        "submission.yaml:3:22: priorities[M1].office: office 'Gao' differs from the file's "
        "office 'Mopti'. Fix: remove the entry's office (the file's applies) or move the entry "
        "to Gao's file"]
    assert submit(tmp_path, "") == [
        "submission.yaml: the file is empty. Fix: write a priorities file: office and "
        "priorities (docs/scenario-format.md)"]


# ---------------------------------------------------------------------------- bundled files
def test_scenarios_are_bundled():
    assert BUNDLED, "no scenarios/*.yaml found"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_loads_and_validates_against_the_schema(path):
    loaded = load_scenario(path)  # raises ScenarioError with every problem otherwise
    data, _ = parse_yaml_file(path)
    Draft202012Validator(scenario_json_schema()).validate(data)
    for source in set(loaded.priority_sources.values()) - {path}:
        office_data, _ = parse_yaml_file(source)
        Draft202012Validator(priorities_json_schema()).validate(office_data)


SCENARIO_AND_OFFICE_FILES = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml")
                                   if "sweeps" not in p.relative_to(ROOT / "scenarios").parts)
"""Every bundled scenario and office file; sweep grids (scenarios/sweeps/) are another format."""


@pytest.mark.parametrize("path", SCENARIO_AND_OFFICE_FILES,
                         ids=lambda p: str(p.relative_to(ROOT / "scenarios")))
def test_bundled_schema_line_points_at_the_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    found = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert found is not None, f"{path.name}: first line should name its JSON Schema"
    target = (path.parent / found.group(1)).resolve()
    data, _ = parse_yaml_file(path)
    expected = "scenario.schema.json" if "horizon" in data else "priorities.schema.json"
    assert target == SCHEMA_DIR / expected


def test_committed_schemas_match_the_models():
    for name, schema in (("scenario.schema.json", scenario_json_schema()),
                         ("priorities.schema.json", priorities_json_schema())):
        committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert committed == schema_text(schema), "regenerate with python -m planner.inputs.schema"


def test_schemas_are_valid_draft_2020_12():
    for schema in (scenario_json_schema(), priorities_json_schema()):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


def test_schema_agrees_with_the_loader_on_examples():
    validator = Draft202012Validator(scenario_json_schema())
    for path in (DOCS / "contract" / "examples" / "tiny_hand.yaml", FIXTURES / "minimal.yaml"):
        data, _ = parse_yaml_file(path)
        assert list(validator.iter_errors(data)) == []
    data, _ = parse_yaml_file(FIXTURES / "minimal.yaml")
    data["hotspots"][0]["populaton"] = data["hotspots"][0].pop("population")
    assert {e.validator for e in validator.iter_errors(data)} >= {"additionalProperties"}
    json.dumps(scenario_json_schema())  # serialisable as is
