"""`pocplan replan` through its real entry point (docs/ranking-and-comparisons.md §10): the
executed weeks kept as facts, the weeks from T0 on re-planned with least change, every
output format marking the executed weeks, and bad plan files refused with a message.

Most tests re-plan the tutorial after week 3, when QRF-1 has rotated out early; the
flagship test (slow) re-plans central Mali after week 5 with a unit gone from week 6.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import undeclared_keys
from tests.test_cli import REPO, SCENARIOS, TUTORIAL, run

SCHEMA = json.loads((REPO / "docs" / "contract" / "plan-output.schema.json").read_text("utf-8"))
FLAGSHIP = SCENARIOS / "central_mali_2018.yaml"
FAST = ["--plans", "2", "--time-limit", "6"]


def updated_scenario(tmp_path: Path, source: Path, change) -> Path:  # noqa: ANN001
    data = yaml.safe_load(source.read_text("utf-8"))
    for pattern in data.get("priority_files", []):  # the office files come along: a
        folder = source.parent / Path(pattern).parts[0]  # scenario reads nothing outside
        if folder.is_dir():                               # its own folder (issue 18)
            shutil.copytree(folder, tmp_path / folder.name, dirs_exist_ok=True)
    change(data)
    path = tmp_path / f"updated-{source.name}"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def unit_leaves(unit: str, last_week: int):  # noqa: ANN201
    def change(data: dict) -> None:
        for u in data["units"]:
            if u["id"] == unit:
                u["available"] = [[1, last_week]]
    return change


@pytest.fixture(scope="module")
def executed_file(tmp_path_factory) -> Path:  # noqa: ANN001
    path = tmp_path_factory.mktemp("executed") / "tutorial.plan.json"
    result = run("plan", TUTORIAL, "--plans", "1", "--time-limit", "6", "--price-limit", "0",
                 "--format", "json", "--output", path)
    assert result.exit_code == 0, result.stderr
    return path


def executed_plan(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))["plans"][0]


def records(plan: dict, weeks) -> list:  # noqa: ANN001
    return sorted([("a", a["unit"], a["hotspot"], a["week"], a["task"])
                   for a in plan["assignments"] if a["week"] in weeks]
                  + [("s", s["unit"], s["hotspot"], s["week"], s["count"])
                     for s in plan["sorties"] if s["week"] in weeks])


def replan_json(scenario: Path, executed: Path, *extra: str, from_week: int = 4) -> dict:
    result = run("replan", scenario, "--executed", executed, "--from-week", str(from_week),
                 *FAST, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert undeclared_keys(document, SCHEMA) == set()
    return document


def test_replan_keeps_the_executed_weeks_and_no_longer_uses_a_departed_unit(tmp_path,
                                                                            executed_file):
    scenario = updated_scenario(tmp_path, TUTORIAL, unit_leaves("QRF-1", 3))
    document = replan_json(scenario, executed_file, "--change-penalty", "5")
    before = executed_plan(executed_file)
    assert any(a["unit"] == "QRF-1" and a["week"] >= 4 for a in before["assignments"])
    for plan in document["plans"]:
        assert records(plan, range(1, 4)) == records(before, range(1, 4))
        assert not [a for a in plan["assignments"] if a["unit"] == "QRF-1" and a["week"] >= 4]
    replan = document["replan"]
    assert replan["from_week"] == 4 and replan["change_penalty"] == 5
    assert replan["executed_sha256"] == hashlib.sha256(executed_file.read_bytes()).hexdigest()
    first = document["plans"][0]["replan"]
    assert replan["changed_unit_weeks"] == first["changed_unit_weeks"] == len(first["changes"])
    forced = [c for c in first["changes"] if c["unit"] == "QRF-1"]
    assert forced and all(c["reason"] == f"QRF-1 is no longer available in week {c['week']}"
                          for c in forced)
    assert first["objective"] == pytest.approx(document["plans"][0]["score"]
                                               - 5 * first["changed_unit_weeks"])


def test_a_large_change_penalty_keeps_every_change_it_can_avoid(tmp_path, executed_file):
    """With the penalty above any gain, the re-plan changes no more than without it, and
    every change it keeps has a reason the scenario gives."""
    scenario = updated_scenario(tmp_path, TUTORIAL, unit_leaves("QRF-1", 3))
    free = replan_json(scenario, executed_file, "--change-penalty", "0")["plans"][0]
    least = replan_json(scenario, executed_file, "--change-penalty", "1000")["plans"][0]
    assert least["replan"]["changed_unit_weeks"] <= free["replan"]["changed_unit_weeks"]
    assert least["replan"]["changes"] and all(c["reason"] for c in least["replan"]["changes"])
    assert least["score"] <= free["score"] + 1e-6


def test_executed_weeks_that_break_the_updated_scenario_are_reported_not_repaired(
        tmp_path, executed_file):
    def close_koro_week_2(data: dict) -> None:
        for h in data["hotspots"]:
            if h["id"] == "KORO":
                h["ground_closed_weeks"] = [[2, 2]]
    before = executed_plan(executed_file)
    assert any(a["hotspot"] == "KORO" and a["week"] == 2 for a in before["assignments"])
    scenario = updated_scenario(tmp_path, TUTORIAL, close_koro_week_2)
    document = replan_json(scenario, executed_file, "--change-penalty", "5")
    broken = document["replan"]["executed_violations"]
    assert broken and {v["rule"] for v in broken} == {"ground_closure"}
    assert {v["week"] for v in broken} == {2}
    assert records(document["plans"][0], range(1, 4)) == records(before, range(1, 4))


def test_same_input_and_seed_give_the_same_bytes(tmp_path, executed_file):
    scenario = updated_scenario(tmp_path, TUTORIAL, unit_leaves("QRF-1", 3))
    one, two = (replan_json(scenario, executed_file, "--change-penalty", "5") for _ in (1, 2))
    for doc in (one, two):
        doc["solver"].pop("seconds")
    assert json.dumps(one) == json.dumps(two)


def test_every_format_shows_the_executed_weeks(tmp_path, executed_file):
    scenario = updated_scenario(tmp_path, TUTORIAL, unit_leaves("QRF-1", 3))
    args = ("replan", scenario, "--executed", executed_file, "--from-week", "4", *FAST,
            "--change-penalty", "5")
    table = run(*args)
    assert table.exit_code == 0, table.stderr
    assert "exec." in table.stdout and "Re-planned from week 4" in table.stdout
    assert "QRF-1 is no longer available in week 4" in table.stdout
    markdown = run(*args, "--format", "markdown").stdout
    assert "| w3 (executed) | w4 |" in markdown and "## Re-plan" in markdown
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert rows and {r["executed"] for r in rows if int(r["week"]) < 4} == {"yes"}
    assert {r["executed"] for r in rows if int(r["week"]) >= 4} == {"no"}
    geojson = json.loads(run(*args, "--format", "geojson").stdout)
    assert geojson["pocplan"]["executed_weeks"] == [1, 2, 3]


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", ["bad.json:1:2", "is not JSON"]),
    ('{"name": "a scenario, not a plan"}', ["no `plans` list"]),
    ('{"schema_version": 1, "plans": [{"rank": 1, "assignments": [{"unit": "QRF-1"}]}]}',
     ["plans[rank 1].assignments.0.hotspot", "Field required"]),
])
def test_a_bad_executed_file_is_refused_with_where_and_how(tmp_path, content, expected):
    bad = tmp_path / "bad.json"
    bad.write_text(content, "utf-8")
    result = run("replan", TUTORIAL, "--executed", bad, "--from-week", "3", *FAST)
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr


def test_unknown_ids_and_missing_ranks_are_named(tmp_path, executed_file):
    text = executed_file.read_text("utf-8").replace('"QRF-1"', '"QRF-9"')
    renamed = tmp_path / "renamed.json"
    renamed.write_text(text, "utf-8")
    result = run("replan", TUTORIAL, "--executed", renamed, "--from-week", "3", *FAST)
    assert result.exit_code == 3
    assert "unit QRF-9 is not in the scenario" in result.stderr and "Fix:" in result.stderr
    result = run("replan", TUTORIAL, "--executed", executed_file, "--rank", "3",
                 "--from-week", "3", *FAST)
    assert result.exit_code == 3 and "has no plan of rank 3: it has ranks 1" in result.stderr


def test_each_bad_record_of_a_plan_file_is_located_at_its_own_place(tmp_path, executed_file):
    """An escort at the wrong hotspot, then an unknown unit: both named at their records."""
    doc = json.loads(executed_file.read_text("utf-8"))
    records_ = doc["plans"][0]["assignments"]
    records_.insert(0, {"unit": "QRF-1", "hotspot": "KORO", "week": 6, "task": "escort",
                        "mission": "T-BANKASS-VISIT"})  # the mission goes to Bankass
    i, j = 0, len(records_) - 1
    records_[j]["unit"] = "NOPE-1"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), "utf-8")
    result = run("replan", TUTORIAL, "--executed", bad, "--from-week", "3", *FAST)
    assert result.exit_code == 3
    text = " ".join(result.stderr.split())
    assert f"plans[rank 1].assignments[{i}]" in text and "NOPE-1" in text
    assert f"plans[rank 1].assignments[{j}]" in text


def test_replan_never_writes_over_its_executed_plan(tmp_path, executed_file):
    kept = tmp_path / "executed.json"
    shutil.copy(executed_file, kept)
    before = kept.read_bytes()
    result = run("replan", TUTORIAL, "--executed", kept, "--from-week", "4", *FAST,
                 "--format", "json", "--output", kept)
    assert result.exit_code == 2 and "is the executed plan" in result.output
    assert kept.read_bytes() == before


@pytest.mark.parametrize("week", ["7", "0"])
def test_a_from_week_outside_the_horizon_is_a_usage_error(executed_file, week):
    result = run("replan", TUTORIAL, "--executed", executed_file, "--from-week", week, *FAST)
    assert result.exit_code == 2
    assert "--from-week" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_flagship_replan_after_week_5_changes_less_than_planning_from_scratch(tmp_path):
    """COA 1 of central Mali; a unit is gone from week 6; re-plan from week 6 with a change
    penalty: weeks 1–5 unchanged, the unit unused, fewer changed unit-weeks than a plan
    made from scratch for the updated scenario."""
    executed = tmp_path / "coa.json"
    result = run("plan", FLAGSHIP, "--plans", "1", "--time-limit", "15", "--price-limit", "0",
                 "--format", "json", "--output", executed)
    assert result.exit_code == 0, result.stderr
    before = executed_plan(executed)
    used = sorted({a["unit"] for a in before["assignments"] if a["week"] >= 6})
    gone = used[0]
    scenario = updated_scenario(tmp_path, FLAGSHIP, unit_leaves(gone, 5))
    result = run("replan", scenario, "--executed", executed, "--from-week", "6",
                 "--plans", "1", "--time-limit", "15", "--change-penalty", "20",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    plan = document["plans"][0]
    assert records(plan, range(1, 6)) == records(before, range(1, 6))
    assert not [a for a in plan["assignments"] if a["unit"] == gone and a["week"] >= 6]
    scratch_file = tmp_path / "scratch.json"
    result = run("plan", scenario, "--plans", "1", "--time-limit", "15", "--price-limit", "0",
                 "--format", "json", "--output", scratch_file)
    assert result.exit_code == 0, result.stderr
    scratch = executed_plan(scratch_file)
    changed_from_scratch = _changed(before, scratch, from_week=6)
    assert _changed(before, plan, from_week=6) == document["replan"]["changed_unit_weeks"]
    assert document["replan"]["changed_unit_weeks"] < changed_from_scratch


def _changed(previous: dict, plan: dict, from_week: int) -> int:
    """Changed unit-weeks counted from the two JSON documents alone (the documented
    distance: another hotspot, task or home)."""
    def slots(p: dict) -> dict:
        return {(a["unit"], a["week"]): (a["hotspot"], a["task"]) for a in p["assignments"]
                if a["week"] >= from_week}
    a, b = slots(previous), slots(plan)
    return sum(1 for key in set(a) | set(b) if a.get(key) != b.get(key))



def whatif_json(*args: str) -> dict:
    result = run("whatif", TUTORIAL, *args, "--time-limit", "6", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document["variant"], SCHEMA)
    return document


def test_whatif_with_a_change_penalty_shows_what_the_change_forces():
    """Removing FPU-1: with a penalty above any gain, the variant changes no more
    unit-weeks of the baseline plan than without, and every change has its reason."""
    free = whatif_json("--remove-unit", "FPU-1")
    least = whatif_json("--remove-unit", "FPU-1", "--change-penalty", "1000")
    assert "replan" not in free["variant"]
    assert least["variant"]["replan"]["from_week"] == 1
    assert least["variant"]["replan"]["change_penalty"] == 1000
    changes = least["variant"]["plans"][0]["replan"]["changes"]
    baseline = least["baseline"]["plans"][0]
    assert len(changes) <= _changed(baseline, free["variant"]["plans"][0], from_week=1)
    assert len(changes) == _changed(baseline, least["variant"]["plans"][0], from_week=1)
    assert changes and all(c["reason"] for c in changes)
    assert any(c["reason"] == "FPU-1 is no longer in the scenario" for c in changes)


def test_whatif_change_penalty_is_refused_with_marginal_values():
    result = run("whatif", TUTORIAL, "--marginal", "--change-penalty", "5", "--time-limit", "2")
    assert result.exit_code == 2 and "--change-penalty" in result.stderr


def test_with_the_previous_scenario_a_change_names_the_new_threat(tmp_path, executed_file):
    def armed_groups_reach_bankass(data: dict) -> None:
        for h in data["hotspots"]:
            if h["id"] == "BANKASS":
                h["threats"].append({"category": "armed_group_abuse", "probability": 5,
                                     "impact": 5, "weeks": [4, 6]})
    scenario = updated_scenario(tmp_path, TUTORIAL, armed_groups_reach_bankass)
    with_threats = replan_json(scenario, executed_file, "--change-penalty", "5",
                               "--previous-scenario", str(TUTORIAL))
    reasons = [c["reason"] or "" for c in with_threats["plans"][0]["replan"]["changes"]]
    assert any(r.startswith("new threat at BANKASS in week 4 (risk 100.0 → 200.0")
               for r in reasons), reasons
    without = replan_json(scenario, executed_file, "--change-penalty", "5")
    assert not any("threat" in (c["reason"] or "")
                   for c in without["plans"][0]["replan"]["changes"])


def test_the_html_briefing_says_what_was_re_planned(tmp_path, executed_file):
    scenario = updated_scenario(tmp_path, TUTORIAL, unit_leaves("QRF-1", 3))
    page = tmp_path / "replan.html"
    result = run("replan", scenario, "--executed", executed_file, "--from-week", "4", *FAST,
                 "--change-penalty", "5", "--format", "html", "--output", page)
    assert result.exit_code == 0, result.stderr
    text = page.read_text("utf-8")
    assert "<dt>Re-plan</dt><dd>Re-planned from week 4" in text
    assert text.count("exec.") >= 3  # the Gantt's labels of weeks 1–3


def test_executed_records_come_back_exactly_as_written(tmp_path, executed_file):
    """The executed weeks are the file's own records: sorties the file calls escorts (where
    no mission runs, which the contract allows) come back as escorts, not as the shows of
    force the model's decoding would call them."""
    document = json.loads(executed_file.read_text("utf-8"))
    for s in document["plans"][0]["sorties"]:
        s["task"], s["mission"] = "escort", None
    relabelled = tmp_path / "relabelled.json"
    relabelled.write_text(json.dumps(document), "utf-8")
    replanned = replan_json(TUTORIAL, relabelled, "--change-penalty", "5")
    def sorties(plan: dict) -> list:
        return sorted((s["unit"], s["hotspot"], s["week"], s["task"], s["count"])
                      for s in plan["sorties"] if s["week"] < 4)
    assert sorties(replanned["plans"][0]) == sorties(document["plans"][0])


def test_an_escort_written_at_another_hotspot_than_its_mission_is_refused(tmp_path,
                                                                         executed_file):
    document = json.loads(executed_file.read_text("utf-8"))
    document["plans"][0]["assignments"].append(
        {"unit": "FPU-1", "hotspot": "KORO", "week": 1, "task": "escort",
         "mission": "T-BANKASS-VISIT"})
    bad = tmp_path / "escort.json"
    bad.write_text(json.dumps(document), "utf-8")
    result = run("replan", TUTORIAL, "--executed", bad, "--from-week", "3", *FAST)
    assert result.exit_code == 3
    assert "escorts mission T-BANKASS-VISIT at KORO, but the mission goes to BANKASS" \
        in result.stderr
