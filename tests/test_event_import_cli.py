"""`pocplan import events` end to end through the real entry point (CliRunner on cli.app),
and the YAML fragment it writes: import, merge into a copy of the scenario, validate."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import cli
from cli import ExitCode
from models.base import ThreatCategory as C
from models.events import Thresholds
from models.scenario import Threat
from planner.inputs.event_mapping import Draft, DraftedThreat, Window
from planner.outputs.event_fragment import fragment_text, yaml_scalar

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "scenarios" / "tutorial.yaml"
FIXTURES = REPO / "tests" / "fixtures" / "events"
ACLED = FIXTURES / "acled_central_mali_2018.csv"
HDX = FIXTURES / "hdx_mali_conflict_events_2018.csv"
ENV = {"COLUMNS": "140", "NO_COLOR": "1", "POCPLAN_DEBUG": None}
WINDOW = ["--from", "2018-07-02", "--to", "2018-08-12"]


def run(*args: object):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV)


def drafted(stdout: str) -> dict[str, list[tuple[str, int, int]]]:
    threats = yaml.safe_load(stdout)["threats"]
    return {h: [(t["category"], t["probability"], t["impact"]) for t in ts]
            for h, ts in threats.items()}


def merged_copy(tmp_path: Path, threats: dict[str, list[dict]]) -> Path:
    """A copy of the tutorial with each named hotspot's threats replaced."""
    data = yaml.safe_load(TUTORIAL.read_text("utf-8"))
    for hotspot in data["hotspots"]:
        if hotspot["id"] in threats:
            hotspot["threats"] = threats[hotspot["id"]]
    path = tmp_path / "merged.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


# ---------------------------------------------------------------------------- end to end
def test_acled_import_then_validate_the_merged_scenario(tmp_path):
    result = run("import", "events", ACLED, "--scenario", TUTORIAL, *WINDOW)
    assert result.exit_code == 0, result.stderr
    # 6 weeks. KORO intercommunal: 3 events (0.5/week -> 3), 20 deaths (6.67/event -> 4),
    # 2 of 3 target civilians (+1 -> 5); the IED: 1 event, 2 deaths -> 1, 3.
    assert drafted(result.stdout) == {
        "KORO": [("intercommunal", 3, 5), ("terrorist_attacks", 1, 3)],
        "BANKASS": [("intercommunal", 1, 4), ("banditry", 1, 1), ("armed_group_abuse", 1, 2)],
        "NOUH_BOZO": [("state_violations", 1, 5)]}
    assert "# intercommunal: 3 event(s) in 6.0 weeks = 0.50/week -> probability 3; " \
           "20 fatalities = 6.67/event, 2 targeting civilians -> impact 5" in result.stdout
    merged = merged_copy(tmp_path, yaml.safe_load(result.stdout)["threats"])
    check = run("validate", merged)
    assert check.exit_code == 0, check.stderr
    assert "✓ valid" in check.stdout


def test_the_terminal_accounts_for_every_row_and_shows_the_diff():
    result = run("import", "events", ACLED, "-s", TUTORIAL, *WINDOW)
    err = " ".join(result.stderr.split())
    assert "16 row(s) read, 11 usable" in err
    assert f"{ACLED}:15: event_date (column 2): '31 Junly 2018' is not a date" in err
    assert f"{ACLED}:17: fatalities (column 29): 'several' is not a whole number" in err
    for line in ("skipped: blank line 1", "outside the window 1", "matched to a hotspot 8",
                 "read 16", "KORO ML0505 4 within 25 km",
                 "1 farther than 25 km from every hotspot: Mopti (55 km from NOUH_BOZO)",
                 "probability 2/3/4/5 from 0.25/0.5/1/2 events per week",
                 "KORO intercommunal 5×5 3×5 changed",
                 "BANKASS banditry 3×3 (weeks 3–6) 1×1 changed",
                 "NOUH_BOZO armed_group_abuse 4×4 — removed",
                 "NOUH_BOZO state_violations — 1×5 added"):
        assert line in err
    assert "Traceback" not in result.stderr + result.stdout


def test_hdx_import_then_validate_the_merged_scenario(tmp_path):
    result = run("import", "events", HDX, "--scenario", TUTORIAL)
    assert result.exit_code == 0, result.stderr
    # Window from the data: 1 Jul - 31 Aug = 62 days = 8.86 weeks. KORO civilian targeting
    # 4 + 2 events, 40 deaths; political violence net of it (6-4) + (3-2) = 3, 6 deaths.
    assert drafted(result.stdout) == {
        "KORO": [("armed_group_abuse", 3, 5), ("armed_group_conflict", 2, 3)],
        "BANKASS": [("armed_group_conflict", 1, 2)],
        "NOUH_BOZO": [("armed_group_abuse", 1, 2)]}
    err = " ".join(result.stderr.split())
    assert "skipped: HXL tag row 1" in err and "unmatched: no hotspot has P-code ML0501 1" in err
    merged = merged_copy(tmp_path, yaml.safe_load(result.stdout)["threats"])
    assert run("validate", merged).exit_code == 0


def test_as_assessment_writes_one_entry_of_the_design_shape(tmp_path):
    out = tmp_path / "hdx.yaml"
    result = run("import", "events", HDX, "-s", TUTORIAL, "--as-assessment", "HDX-Q3",
                 "--output", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and f"wrote {out}" in result.stderr
    entry, = yaml.safe_load(out.read_text("utf-8"))["assessments"]
    assert set(entry) == {"id", "source", "threats"}
    assert entry["id"] == "HDX-Q3"
    assert entry["source"] == ("HDX HAPI conflict events hdx_mali_conflict_events_2018.csv, "
                               "2018-07-01 – 2018-08-31")
    assert sorted(entry["threats"]) == ["BANKASS", "KORO", "NOUH_BOZO"]
    for threats in entry["threats"].values():
        for threat in threats:
            Threat.model_validate(threat)
    assert run("validate", merged_copy(tmp_path, entry["threats"])).exit_code == 0


def test_the_same_input_gives_the_same_bytes(tmp_path):
    first = run("import", "events", ACLED, "-s", TUTORIAL, *WINDOW)
    second = run("import", "events", ACLED, "-s", TUTORIAL, *WINDOW)
    assert first.stdout == second.stdout and first.stderr == second.stderr
    out = tmp_path / "fragment.yaml"
    run("import", "events", ACLED, "-s", TUTORIAL, *WINDOW, "-o", out)
    assert out.read_text("utf-8") == first.stdout


# ---------------------------------------------------------------------------- refusals
def test_the_scenario_file_is_never_overwritten(tmp_path):
    scenario = tmp_path / "tutorial.yaml"
    shutil.copy(TUTORIAL, scenario)
    before = scenario.read_bytes()
    result = run("import", "events", ACLED, "-s", scenario, "--output", scenario)
    assert result.exit_code == ExitCode.USAGE
    assert "is the scenario; pocplan never overwrites its inputs" in _unboxed(result.stderr)
    assert scenario.read_bytes() == before
    result = run("import", "events", ACLED, "-s", scenario, "-o", ACLED)
    assert result.exit_code == ExitCode.USAGE and "is the events file" in _unboxed(result.stderr)


def _unboxed(text: str) -> str:
    """A usage error as one line: typer prints it in a box, wrapped to the terminal."""
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--to", "2018-07-01", "--from", "2018-07-02"], ExitCode.USAGE, "--to 2018-07-01 is before"),
    (["--as-assessment", "base"], ExitCode.USAGE, "not 'base'"),
    (["--as-assessment", "two words"], ExitCode.USAGE, "an assessment id is"),
    (["--from", "1 July 2018"], ExitCode.USAGE, ""),
    (["--radius-km", "0"], ExitCode.USAGE, ""),
])
def test_bad_options_exit_2(args, code, words):
    result = run("import", "events", ACLED, "-s", TUTORIAL, *args)
    assert result.exit_code == code and words in result.stderr


def test_invalid_inputs_exit_3_with_the_file_and_why(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("date,place\n2018-07-01,Koro\n")
    result = run("import", "events", odd, "-s", TUTORIAL)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"{odd}:1: unknown header" in result.stderr
    missing = run("import", "events", tmp_path / "none.csv", "-s", TUTORIAL)
    assert missing.exit_code == ExitCode.INVALID_INPUT and "file not found" in missing.stderr
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("acled:\n  - {event_type: Battles, category: looting}\n")
    bad = run("import", "events", ACLED, "-s", TUTORIAL, "--mapping", mapping)
    assert bad.exit_code == ExitCode.INVALID_INPUT
    assert f"{mapping}:2:" in bad.stderr and "acled[0].category" in bad.stderr
    scenario = run("import", "events", ACLED, "-s", tmp_path / "none.yaml")
    assert scenario.exit_code == ExitCode.INVALID_INPUT
    for r in (result, missing, bad, scenario):
        assert "Traceback" not in r.stderr and r.stdout == ""


def test_a_file_with_no_usable_row_exits_3_and_a_window_with_no_event_exits_0(tmp_path):
    empty = tmp_path / "header_only.csv"
    empty.write_text(ACLED.read_text("utf-8-sig").splitlines()[0] + "\n")
    result = run("import", "events", empty, "-s", TUTORIAL)
    assert result.exit_code == ExitCode.INVALID_INPUT and "no usable row" in result.stderr
    quiet = run("import", "events", ACLED, "-s", TUTORIAL, "--from", "2019-01-01")
    assert quiet.exit_code == 0
    assert yaml.safe_load(quiet.stdout) == {"threats": {}}
    assert "no event was counted for any hotspot" in quiet.stderr
    assert "Window: 2019-01-01 – 2019-01-01 (0.1 weeks)" in quiet.stderr  # never inverted
    early = run("import", "events", ACLED, "-s", TUTORIAL, "--to", "2018-01-31")
    assert "Window: 2018-01-31 – 2018-01-31" in early.stderr


def test_a_mapping_file_changes_the_draft(tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("hdx: {civilian_targeting: intercommunal}\n"
                       "thresholds: {civilian_share: 1.0}\n")
    result = run("import", "events", HDX, "-s", TUTORIAL, "--mapping", mapping)
    assert result.exit_code == 0, result.stderr
    assert drafted(result.stdout)["KORO"] == [("intercommunal", 3, 5),
                                              ("armed_group_conflict", 2, 3)]
    assert "one level more (at most 5) when at least 100% of the events" in result.stdout


# ---------------------------------------------------------------------------- the fragment
def draft_of(threats: dict[str, list[DraftedThreat]]) -> Draft:
    window = Window(dt.date(2018, 7, 2), dt.date(2018, 7, 15))
    return Draft(window, Thresholds(), threats)


def test_the_fragment_text():
    threat = DraftedThreat(C.BANDITRY, 2, 3, events=1, fatalities=1, civilian_events=0,
                           weeks=2.0)
    text = fragment_text(draft_of({"KORO": [threat]}), source_name="e.csv",
                         format_name="ACLED export", unnamed=["BANKASS"])
    assert text.splitlines()[-4:] == [
        "threats:",
        "  KORO:",
        "    # banditry: 1 event(s) in 2.0 weeks = 0.50/week -> probability 2; 1 fatalities = "
        "1.00/event, 0 targeting civilians -> impact 3",
        "    - {category: banditry, probability: 2, impact: 3}"]
    assert "# Not named (no events counted): BANKASS" in text
    assert "from the ACLED export e.csv, 2018-07-02 – 2018-07-15" in text.splitlines()[0]


@pytest.mark.parametrize("hotspot", ["KORO", "yes", "1", "null", "A.b-c_9", "2018-07-01"])
def test_hotspot_ids_read_back_as_the_same_strings(hotspot):
    threat = DraftedThreat(C.BANDITRY, 1, 1, 1, 0, 0, 2.0)
    text = fragment_text(draft_of({hotspot: [threat]}), source_name="e.csv",
                         format_name="ACLED export", unnamed=[], assessment=hotspot)
    entry, = yaml.safe_load(text)["assessments"]
    assert entry["id"] == hotspot and list(entry["threats"]) == [hotspot]
    assert yaml.safe_load(f"k: {yaml_scalar(hotspot)}")["k"] == hotspot
