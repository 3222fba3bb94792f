"""The pocplan command line through its real entry point: typer's CliRunner on `cli.app`
(stdout and stderr captured apart) and the installed `pocplan` console script.

Solves use the tutorial scenario with `--plans 2` and a small time limit; the tests that
solve every bundled scenario take longer and are marked slow.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from typer.testing import CliRunner

import cli
from cli import ExitCode
from planner.commands import plan as plan_commands
from planner.inputs.loader import load_scenario
from planner.inputs.schema import priorities_json_schema, scenario_json_schema
from planner.outputs.terminal import SolveProgress

REPO = Path(__file__).resolve().parents[1]
DOCS = Path(__file__).resolve().parents[1] / "docs"
SCENARIOS = REPO / "scenarios"
TUTORIAL = SCENARIOS / "tutorial.yaml"
BUNDLED = sorted(SCENARIOS.glob("*.yaml"))
ENV = {"COLUMNS": "140", "NO_COLOR": "1", "POCPLAN_DEBUG": None, "FORCE_COLOR": None}
FAST = ["--plans", "2", "--time-limit", "10"]
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])(?:;[0-9;]*)?m")
"""An ANSI foreground colour code (bold and italic are allowed under NO_COLOR)."""

PINNED_AGAINST_GARRISON = """\
name: two companies pinned out of a camp that must keep one home
horizon: {weeks: 2}
bases:
  - {id: CAMP, location: {lat: 0.0, lon: 0.0}, min_garrison: 1}
units:
  - {id: INF-1, kind: infantry_company, base: CAMP}
  - {id: INF-2, kind: infantry_company, base: CAMP}
hotspots:
  - id: A
    location: {lat: 0.0, lon: 0.1}
    population: 10000
    threats: [{category: intercommunal, probability: 2, impact: 5}]
  - id: B
    location: {lat: 0.1, lon: 0.0}
    population: 10000
    threats: [{category: intercommunal, probability: 2, impact: 5}]
commitments:
  - {unit: INF-1, hotspot: A, weeks: [1, 1], mode: require}
  - {unit: INF-2, hotspot: B, weeks: [1, 1], mode: require}
"""

TYPO = """\
name: a typo
horizon: {weeks: 2}
bases:
  - {id: CAMP, location: {lat: 0.0, lon: 0.0}}
units:
  - {id: INF-1, kind: infantry_company, base: CAMP}
hotspots:
  - id: NEAR
    location: {lat: 0.0, lon: 0.1}
    populaton: 10000
"""


def run(*args: str, **env: str | None):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV | env)


@pytest.fixture(scope="session")
def output_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((DOCS / "contract" / "plan-output.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def tutorial_json():
    """`pocplan plan scenarios/tutorial.yaml --format json`, run once for several tests."""
    result = run("plan", TUTORIAL, *FAST, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result


TWO_BOXES = """\
name: one company, two boxes
horizon: {weeks: 3}
bases:
  - {id: CAMP, location: {lat: 0.0, lon: 0.0}}
units:
  - {id: INF-1, kind: infantry_company, base: CAMP}
hotspots:
  - id: A
    location: {lat: 0.0, lon: 0.1}
    population: 20000
    threats: [{category: intercommunal, probability: 4, impact: 5}]
  - id: B
    location: {lat: 0.1, lon: 0.0}
    population: 10000
    threats: [{category: intercommunal, probability: 2, impact: 5}]
priorities:
  - {id: BOX-A, office: North, kind: secure_area, hotspot: A, weight: 1}
  - {id: BOX-B, office: South, kind: secure_area, hotspot: B, weight: 1}
"""
"""One company, two boxes: the riskier A is held, B's office is owed a reason and a price."""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ====================================================================== help, schema
def test_help_lists_every_command():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("plan", "validate", "schema"):
        assert command in result.stdout


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("pocplan ")


@pytest.mark.parametrize(("args", "expected"), [((), scenario_json_schema()),
                                                 (("scenario",), scenario_json_schema()),
                                                 (("priorities",), priorities_json_schema())])
def test_schema_prints_the_json_schema(args, expected):
    result = run("schema", *args)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == expected
    assert result.stderr == ""


# ====================================================================== usage errors
@pytest.mark.parametrize("args", [
    ("plan", "--plans", "0"),
    ("plan", "--plans", "two"),
    ("plan", "--format", "xml"),
    ("plan", "--solver", "gurobi"),
    ("plan", "--time-limit", "-1"),
    ("plan", "--seed", "-3"),
    ("plan", "--min-difference", "0"),
    ("plan", "--price-limit", "-1"),
    ("plan", "--show", "3", "--plans", "2"),
    ("plan", "--output", "/nonexistent-dir/plan.json"),
    ("plan", "--no-such-option"),
    ("schema", "plans"),
    ("validate",),
    ("frobnicate",),
])
def test_bad_arguments_exit_2_without_a_traceback(args):
    result = run(*args)
    assert result.exit_code == ExitCode.USAGE == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == "" or "Usage" in result.output


# ====================================================================== validate
def test_validate_summarises_a_valid_scenario():
    result = run("validate", TUTORIAL)
    assert result.exit_code == 0, result.stderr
    for expected in ("valid:", "02 Jul 2018 – 12 Aug 2018 (6 weeks)", "Units by kind",
                     "qrf_company", "Baseline risk by threat category", "intercommunal",
                     "Top 3 hotspots by baseline risk", "KORO", "No warnings."):
        assert expected in result.stdout, expected


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_validates(path):
    result = run("validate", path)
    assert result.exit_code == 0, result.stderr
    assert "Top 5 hotspots" in result.stdout or "Top 3 hotspots" in result.stdout


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_missing_file_exits_3(command, tmp_path):
    missing = tmp_path / "nowhere.yaml"
    result = run(command, missing)
    assert result.exit_code == ExitCode.INVALID_INPUT == 3
    assert f"{missing}: file not found" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_invalid_scenario_exits_3_with_file_line_and_fix(command, tmp_path):
    path = _write(tmp_path, "typo.yaml", TYPO)
    result = run(command, path)
    assert result.exit_code == 3
    assert f"{path}:10:5: hotspots[NEAR]: unknown key 'populaton'" in result.stderr
    assert "Fix: did you mean 'population'?" in result.stderr
    assert f"{path}:8:5:" in result.stderr  # every problem, not the first only
    assert result.stdout == ""


def test_a_pin_the_garrison_forbids_is_refused_at_load(tmp_path):
    path = _write(tmp_path, "pinned.yaml", PINNED_AGAINST_GARRISON)
    result = run("plan", path, "--time-limit", "5")
    assert result.exit_code == 3
    assert f"{path}:4:" in result.stderr and "min_garrison" in result.stderr


# ====================================================================== infeasible, no plan
@pytest.fixture
def without_load_checks(monkeypatch):
    """The loader refuses contradictory pins itself (exit 3). With its cross checks off,
    the same file reaches the solver, which must find it infeasible: the CLI's exit 4."""
    import planner.inputs.loader

    monkeypatch.setattr(planner.inputs.loader, "run_checks", lambda ctx: [])


@pytest.mark.parametrize("solver", ["auto", "heuristic"])
def test_infeasible_exits_4_and_names_the_conflict(tmp_path, without_load_checks, solver):
    path = _write(tmp_path, "pinned.yaml", PINNED_AGAINST_GARRISON)
    result = run("plan", path, "--solver", solver, "--time-limit", "5")
    assert result.exit_code == ExitCode.INFEASIBLE == 4, result.output
    assert "no plan satisfies the hard rules" in result.stderr
    assert "CAMP" in result.stderr and "garrison" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("solver", ["auto", "heuristic"])
def test_infeasible_json_is_still_a_valid_document(tmp_path, without_load_checks,
                                                   output_validator, solver):
    path = _write(tmp_path, "pinned.yaml", PINNED_AGAINST_GARRISON)
    result = run("plan", path, "--format", "json", "--time-limit", "5", "--solver", solver)
    assert result.exit_code == 4
    doc = json.loads(result.stdout)
    output_validator.validate(doc)
    assert doc["solver"]["status"] == "infeasible" and doc["plans"] == []
    said = " ".join(doc["conflicts"])
    assert "CAMP" in said and ("require_pin" in said if solver == "auto" else True)


def _fake_ranking(status: str, message: str = ""):
    def rank_plans(instance, k=5, min_difference=None, options=None, pool=None):
        first = SimpleNamespace(backend="highs", status=status, gap=None, message=message,
                                conflicts=(), bound=None)
        return SimpleNamespace(plans=(), first=first, requested=k, min_difference=0,
                               seconds=0.1, shortfall=f"no plan: {status}", heuristic=None,
                               heuristic_evaluation=None, reproducible=False)
    return rank_plans


def test_no_plan_in_time_exits_5(monkeypatch):
    import planner.search.ranking

    monkeypatch.setattr(planner.search.ranking, "rank_plans", _fake_ranking("no_solution", "time"))
    result = run("plan", TUTORIAL, "--time-limit", "1")
    assert result.exit_code == ExitCode.NO_PLAN == 5
    assert "no plan was found within the time limit" in result.stderr


def test_internal_error_exits_1_without_traceback_unless_debugging(monkeypatch):
    import planner.search.ranking

    def broken(*_args, **_kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(planner.search.ranking, "rank_plans", broken)
    result = run("plan", TUTORIAL)
    assert result.exit_code == ExitCode.INTERNAL == 1
    assert "internal error (RuntimeError: solver exploded)" in result.stderr
    assert "POCPLAN_DEBUG=1" in result.stderr and "Traceback" not in result.output
    debug = run("plan", TUTORIAL, POCPLAN_DEBUG="1")
    assert isinstance(debug.exception, RuntimeError)


def test_missing_solver_is_reported_not_raised(monkeypatch):
    import planner.search.ranking
    from planner.milp.backends import SolverMissing

    def missing(*_args, **_kwargs):
        raise SolverMissing("CBC binary not found")

    monkeypatch.setattr(planner.search.ranking, "rank_plans", missing)
    result = run("plan", TUTORIAL, "--solver", "cbc")
    assert result.exit_code == 1
    assert "solver 'cbc' is not available: CBC binary not found" in result.stderr


# ====================================================================== plan: formats
def test_plan_table_report(tmp_path):
    result = run("plan", TUTORIAL, *FAST, "--assumptions")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for expected in ("Tutorial - Sévaré and three hotspots", "02 Jul 2018 – 12 Aug 2018",
                     "highs, optimal", "Courses of action: trade-offs", "staff",
                     "harm vs the staff heuristic", "Timeline of COA 1", "Unit schedules",
                     "Civilian missions and their escorts", "Priorities of Mopti",
                     "Assumptions: unit kinds", "Assumptions: policy"):
        assert expected in out, expected
    assert not COLOUR.search(result.output)
    assert max(len(line) for line in out.splitlines()) <= 140


def test_plan_json_is_the_output_contract_and_nothing_else(tutorial_json, output_validator):
    doc = json.loads(tutorial_json.stdout)  # the whole of stdout is one JSON document
    output_validator.validate(doc)
    assert doc["scenario"] == {"name": "Tutorial - Sévaré and three hotspots",
                               "sha256": hashlib.sha256(TUTORIAL.read_bytes()).hexdigest(),
                               "weeks": 6}
    assert doc["solver"]["backend"] == "highs" and doc["solver"]["status"] == "optimal"
    assert [p["rank"] for p in doc["plans"]] == [1, 2]
    scores = [p["score"] for p in doc["plans"]]
    assert scores == sorted(scores, reverse=True)
    for plan in doc["plans"]:
        assert [p["id"] for p in plan["priorities"]] == ["T-KORO-BOX", "T-BANKASS-VISIT"]
        assert all(p["office"] == "Mopti" and p["status"] in ("met", "partial", "unmet")
                   for p in plan["priorities"])
        assert isinstance(plan["summary"], str) and isinstance(plan["warnings"], list)
    assert set(doc["heuristic"]) == {"score", "metrics"}
    assert doc["plans"][0]["score"] >= doc["heuristic"]["score"]


def test_same_seed_gives_identical_plans_bytes(tutorial_json):
    again = run("plan", TUTORIAL, *FAST, "--format", "json")
    first, second = json.loads(tutorial_json.stdout), json.loads(again.stdout)
    assert json.dumps(first["plans"]) == json.dumps(second["plans"])
    first["solver"].pop("seconds"), second["solver"].pop("seconds")
    assert first == second


def test_plan_markdown_briefing():
    result = run("plan", TUTORIAL, *FAST, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    md = result.stdout
    for heading in ("# Joint operation plan briefing: Tutorial - Sévaré and three hotspots",
                    "## Courses of action", "## COA 1 in detail", "### Priorities by office",
                    "#### Mopti: ", "### Timeline", "### Warnings", "## Assumptions"):
        assert any(line.startswith(heading) for line in md.splitlines()), heading
    assert "| staff |" in md


def test_plan_csv_parses_into_assignments_and_sorties(tutorial_json):
    result = run("plan", TUTORIAL, *FAST, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["plan", "type", "unit", "hotspot", "week", "task", "mission",
                             "count"]
    doc = json.loads(tutorial_json.stdout)
    for plan in doc["plans"]:
        mine = [r for r in rows if r["plan"] == str(plan["rank"])]
        assert sum(r["type"] == "assignment" for r in mine) == len(plan["assignments"])
        assert sum(int(r["count"]) for r in mine if r["type"] == "sortie") == \
            plan["metrics"]["sorties"]


def test_plan_geojson_has_a_point_per_hotspot():
    result = run("plan", TUTORIAL, *FAST, "--format", "geojson")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in doc["features"]}
    assert list(by_id) == ["KORO", "BANKASS", "NOUH_BOZO"]
    assert by_id["KORO"]["geometry"] == {"type": "Point", "coordinates": [-3.08, 14.07]}
    assert by_id["KORO"]["properties"]["harm_averted"] > 0
    assert by_id["KORO"]["properties"]["presence_weeks"]
    assert [p["id"] for p in by_id["KORO"]["properties"]["priorities"]] == ["T-KORO-BOX"]


def test_output_writes_the_file_and_leaves_stdout_empty(tmp_path, output_validator):
    target = tmp_path / "plan.json"
    target.write_text("previous", encoding="utf-8")
    result = run("plan", TUTORIAL, *FAST, "--format", "json", "--output", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {target}" in result.stderr
    output_validator.validate(json.loads(target.read_text("utf-8")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_output_of_the_table_report_has_no_colour(tmp_path):
    target = tmp_path / "report.txt"
    result = run("plan", TUTORIAL, *FAST, "--output", target, FORCE_COLOR="1")
    assert result.exit_code == 0, result.stderr
    text = target.read_text("utf-8")
    assert "Timeline of COA 1" in text and "\x1b[" not in text


def test_no_color_is_honoured_on_a_forced_terminal():
    result = run("plan", TUTORIAL, "--plans", "1", "--time-limit", "10", FORCE_COLOR="1")
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" in result.stdout  # a terminal: bold and italic remain
    assert not COLOUR.search(result.stdout)


def test_show_details_the_chosen_coa():
    result = run("plan", TUTORIAL, *FAST, "--show", "2")
    assert result.exit_code == 0, result.stderr
    assert "Timeline of COA 2" in result.stdout


def test_staff_heuristic_alone():
    result = run("plan", TUTORIAL, "--solver", "heuristic", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["solver"]["backend"] == "heuristic" and doc["solver"]["gap"] is None
    assert len(doc["plans"]) == 1
    assert doc["heuristic"]["score"] == doc["plans"][0]["score"]


def test_no_scenario_plans_the_bundled_flagship():
    result = run("plan", "--solver", "heuristic", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    flagship = SCENARIOS / "central_mali_2018.yaml"
    assert plan_commands.FLAGSHIP == flagship
    assert doc["scenario"]["sha256"] == hashlib.sha256(flagship.read_bytes()).hexdigest()


def test_progress_callback_feeds_the_status_line():
    progress = SolveProgress("Planning")
    assert "best" not in progress.__rich__().plain
    progress.update(10.0)
    progress.update(7.5)
    assert progress.best == 10.0
    assert "best score so far 10.0" in progress.__rich__().plain


# ====================================================================== every bundled scenario
@pytest.mark.slow
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_json_validates_for_every_bundled_scenario(path, output_validator):
    result = run("plan", path, *FAST, "--format", "json", "--assumptions")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    output_validator.validate(doc)
    ids = {p.id for p in load_scenario(path).scenario.priorities}
    for plan in doc["plans"]:
        assert {p["id"] for p in plan["priorities"]} == ids
    assert doc["solver"]["seconds"] <= 10 * 1.5 + 5


@pytest.mark.slow
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_markdown_renders_for_every_bundled_scenario(path):
    result = run("plan", path, "--plans", "1", "--time-limit", "8", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "## Courses of action" in result.stdout and "## Assumptions" in result.stdout


# ====================================================================== installed script
def _installed_script() -> Path:
    script = Path(sys.executable).parent / ("pocplan.exe" if os.name == "nt" else "pocplan")
    if not script.exists():
        pytest.skip("the pocplan console script is not installed here (pip install -e .)")
    return script


def test_installed_script_writes_only_json_on_stdout(output_validator):
    """Through the real console script in a subprocess: whatever the solver libraries
    print themselves (the HiGHS banner) must not reach stdout."""
    script = _installed_script()
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "POCPLAN_DEBUG")}
    done = subprocess.run([str(script), "plan", str(TUTORIAL), *FAST, "--format", "json"],
                          capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    output_validator.validate(json.loads(done.stdout))
    assert "HiGHS" not in done.stdout


def test_installed_script_exit_code_for_a_missing_file(tmp_path):
    script = _installed_script()
    done = subprocess.run([str(script), "validate", str(tmp_path / "none.yaml")],
                          capture_output=True, text=True, encoding="utf-8", timeout=60,
                          check=False)
    assert done.returncode == 3
    assert "file not found" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("limit", "priced"), [("5", True), ("0", False)])
def test_unmet_priorities_get_a_reason_and_a_price(tmp_path, output_validator, limit, priced):
    path = _write(tmp_path, "two_boxes.yaml", TWO_BOXES)
    result = run("plan", path, "--plans", "1", "--format", "json", "--price-limit", limit)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    output_validator.validate(doc)
    box_a, box_b = doc["plans"][0]["priorities"]
    assert (box_a["status"], box_a["reason"], box_a["price"]) == ("met", None, None)
    assert (box_b["office"], box_b["status"]) == ("South", "unmet")
    assert box_b["reason"].startswith("outweighed: presence in 0 of 3 required weeks")
    if priced:
        assert box_b["price"] > 0 and "puts INF-1 at B weeks 1–3 instead of A" in box_b["reason"]
    else:
        assert box_b["price"] is None and "not priced (limit 0)" in box_b["reason"]


# ====================================================================== extensions
def test_every_command_module_registers_on_the_app():
    """cli.py is the entry point only: each module of planner/commands adds its commands
    through `register(app)`."""
    names = {c.name or c.callback.__name__ for c in cli.app.registered_commands}
    groups = {g.name for g in cli.app.registered_groups}
    assert {"validate", "schema", "plan", "whatif", "replan", "robustness", "sweep"} <= names
    assert {"priorities", "import"} <= groups
    import importlib
    import pkgutil

    import planner.commands
    registering = {m.name for m in pkgutil.iter_modules(planner.commands.__path__)
                   if hasattr(importlib.import_module(f"planner.commands.{m.name}"),
                              "register")}
    assert registering == {m.__name__.rsplit(".", 1)[1] for m in cli.COMMANDS}


def test_priority_accounts_come_from_the_priorities_module(monkeypatch):
    """planner.analysis.pricing (issue 7) accounts for the priorities: its reasons and prices
    reach the JSON, the satisfaction stays the evaluator's, and it gets the solve options
    (what is left of --time-limit after the ranked plans: the limit is the command's) and
    --price-limit."""
    import planner.analysis.coas as coas

    seen = {}

    def price_unmet(instance, ranked, options, *, price_limit=5, pool=None):
        seen["options"], seen["price_limit"] = options, price_limit
        return {}

    def account_priorities(instance, ranked, options=None, *, price_limit=5, pool=None,
                           pricings=None, unpriced=None):
        return {p.rank: [SimpleNamespace(id="T-BANKASS-VISIT", office="Mopti",
                                         satisfaction=1.0, status="met",
                                         reason="kept by the escort of QRF-1", price=0.0)]
                for p in ranked.plans}

    monkeypatch.setattr(coas, "price_unmet", price_unmet)
    monkeypatch.setattr(coas, "account_priorities", account_priorities)
    result = run("plan", TUTORIAL, *FAST, "--format", "json", "--seed", "3",
                 "--price-limit", "2")
    assert result.exit_code == 0, result.stderr
    visit = [p for p in json.loads(result.stdout)["plans"][0]["priorities"]
             if p["id"] == "T-BANKASS-VISIT"][0]
    assert visit["price"] == 0.0 and visit["reason"] == "kept by the escort of QRF-1"
    assert visit["satisfaction"] == 1.0 and visit["status"] == "met"
    assert seen["options"].seed == 3
    assert 0 < seen["options"].time_limit < 10  # what the ranked plans left of the 10 s
    assert seen["price_limit"] == 2
