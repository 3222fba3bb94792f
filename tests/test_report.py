"""The human reports (planner/report.py): the rich terminal report on a fixed-width,
colourless console and the Markdown briefing, on tiny_hand and the TINY fixture."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from models.plan import Plan
from planner.outputs.documents import PlanEntry, ScenarioInfo, outcome_from_heuristic
from planner.outputs.report import (
    WIDE_TRADEOFF_WIDTH,
    markdown_briefing,
    render_plan_report,
    render_validation,
    sentence,
    tradeoff_table,
    unit_codes,
    unit_schedule,
    warning_lines,
)
from planner.rules.evaluator import evaluate


def _console(width: int = 140) -> Console:
    return Console(file=io.StringIO(), width=width, color_system=None)


def _text(console: Console) -> str:
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def hand_plan(contracts_dir: Path) -> Plan:
    doc = json.loads((contracts_dir / "examples" / "tiny_hand.plan.json").read_text("utf-8"))
    return Plan.model_validate({k: doc["plans"][0][k]
                                for k in ("assignments", "sorties", "missions")})


@pytest.fixture
def outcome(tiny_hand, hand_plan, make_plan):
    """Two ranked COAs (the optimum, a worse one) with a staff-heuristic reference."""
    info = ScenarioInfo(tiny_hand.scenario.name, "cd" * 32, 4, Path("tiny_hand.yaml"),
                        tiny_hand.scenario.horizon.start)
    staff = make_plan([("INF-1", "VILLAGE", 1), ("INF-1", "VILLAGE", 2)])
    base = outcome_from_heuristic(info, tiny_hand, hand_plan, evaluate(tiny_hand, hand_plan),
                                  0.4)
    second = PlanEntry(2, staff, evaluate(tiny_hand, staff),
                       "keeps INF-1 at Fulani village weeks 1–2", difference=3)
    return replace(base, backend="highs", status="optimal", gap=0.0, requested=3,
                   plans=(base.plans[0], second), heuristic=staff,
                   heuristic_evaluation=evaluate(tiny_hand, staff),
                   shortfall="only 2 plan(s) differ by at least 2 unit-weeks", accounts={})


def test_terminal_report_has_every_section(outcome):
    console = _console()
    render_plan_report(console, outcome, show=1, show_assumptions=True)
    text = _text(console)
    for expected in ("Tiny hand-checked Sévaré instance", "02 Jul 2018 – 29 Jul 2018 (4 weeks)",
                     "highs, optimal, gap 0.00 %", "Courses of action: trade-offs", "staff",
                     "Timeline of COA 1", "Unit schedules", "Civilian missions",
                     "Priorities of Mopti: 2 of 2 met", "Warnings", "Assumptions: unit kinds",
                     "Assumptions: policy", "Only 2 of 3 plans", "harm vs the staff heuristic"):
        assert expected in text, expected
    assert "\x1b[" not in text  # no colour codes on a colourless console


def test_trade_off_table_compares_with_the_staff_heuristic(outcome):
    console = _console()
    console.print(tradeoff_table(outcome, console.width))
    rows = {line.split()[0]: line for line in _text(console).splitlines() if line.strip()}
    # staff harm averted: INF-1 at VILLAGE in weeks 1–2, 2 × 6.6 = 13.2 → 29.64 / 13.2 − 1
    assert rows["1"].split() == ["1", "75.0", "29.6", "10.2%", "100.0%", "0.0", "0.0", "6.7",
                                 "8.0", "0", "4", "6", "+124.5%"]
    assert rows["staff"].split()[-1] == "+0.0%"
    assert "Fulani village" not in _text(console)  # summaries go under the table


def test_trade_off_table_is_transposed_on_narrow_consoles(outcome):
    console = _console(80)
    console.print(tradeoff_table(outcome, 80))
    text = _text(console)
    assert "COA 1" in text and "COA 2" in text and "Harm vs staff heuristic" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert WIDE_TRADEOFF_WIDTH > 80


def test_show_selects_the_detailed_coa(outcome):
    console = _console()
    render_plan_report(console, outcome, show=2)
    text = _text(console)
    assert "COA 2 — score" in text and "Keeps INF-1 at Fulani village weeks 1–2." in text
    assert "Priorities of Mopti: 0 of 2 met" in text and "partial (67 %)" in text


def test_timeline_marks_units_sorties_and_closures(make_instance, make_plan):
    instance = make_instance(hotspots=[
        {"id": "NEAR", "location": {"lat": 0, "lon": 0}, "population": 10000,
         "threats": [{"category": "intercommunal", "probability": 2, "impact": 5}],
         "ground_closed_weeks": [[4, 4]], "state_presence_weeks": [[3, 3]],
         "partner_operations": [{"force": "G5 Sahel", "weeks": [2, 2]}]}])
    plan = make_plan([("INF-1", "NEAR", 1), ("INF-1", "NEAR", 2)], [("HEL-1", "NEAR", 3, 2)])
    info = ScenarioInfo("t", "ef" * 32, 4)
    outcome = outcome_from_heuristic(info, instance, plan, evaluate(instance, plan), 0.1)
    console = _console()
    render_plan_report(console, outcome)
    grid = _text(console).split("Timeline of COA 1")[1].split("Unit schedules")[0]
    near = [line for line in grid.splitlines() if "│" in line]
    cells = [[c.strip() for c in line.split("│")[2:-1]] for line in near]
    assert cells[0] == ["INF-1", "INF-1", "✈2", "≋"]
    assert cells[1][1] == "P" and cells[1][2] == "S"
    text = _text(console)
    assert "HRDDP applies at NEAR in week 2" in text
    assert "co-located" not in text.lower() or "Co-loc" in text


def test_unit_codes_are_short_and_unique(tiny, make_instance):
    assert unit_codes(tiny) == {"INF-1": "INF-1", "FPU-1": "FPU-1", "HEL-1": "HEL-1"}
    long = make_instance(units=[
        {"id": "INF-SEV-1", "kind": "infantry_company", "base": "CAMP"},
        {"id": "INF-SEV-2", "kind": "infantry_company", "base": "CAMP"},
        {"id": "HEL-ATK-1", "kind": "attack_helicopter", "base": "CAMP"}])
    assert unit_codes(long) == {"INF-SEV-1": "I1", "INF-SEV-2": "I2", "HEL-ATK-1": "A1"}


def test_unit_schedule(tiny_hand, hand_plan):
    entry = PlanEntry(1, hand_plan, evaluate(tiny_hand, hand_plan), "")
    assert unit_schedule(tiny_hand, entry, "INF-1") == "escort P2 at TOWN w1; VILLAGE w2–4"
    assert unit_schedule(tiny_hand, entry, "FPU-1") == "at base"
    assert unit_schedule(tiny_hand, entry, "HEL-1") == \
        "w1: TOWN ×2 escort; w2, 4: TOWN ×2; grounded w3"


def test_warnings_group_colocation_by_hotspot(make_instance, make_plan):
    instance = make_instance(hotspots=[
        {"id": "NEAR", "location": {"lat": 0, "lon": 0}, "population": 10000,
         "threats": [{"category": "intercommunal", "probability": 2, "impact": 5}],
         "partner_operations": [{"force": "Barkhane", "weeks": [1, 3]}]}])
    plan = make_plan([("INF-1", "NEAR", t) for t in (1, 2, 3)])
    lines = warning_lines(instance, PlanEntry(1, plan, evaluate(instance, plan), ""))
    rules = [rule for rule, _ in lines]
    assert rules.count("colocation") == 1 and rules.count("hrddp") == 1
    assert any("weeks 1–3" in text and "Barkhane" in text for _, text in lines)


def test_markdown_briefing_sections(outcome):
    md = markdown_briefing(outcome, show=1)
    for heading in ("# Joint operation plan briefing: Tiny hand-checked Sévaré instance",
                    "## Courses of action", "## COA 1 in detail", "### Priorities by office",
                    "#### Mopti: 2 of 2 met", "### Timeline", "### Unit schedules",
                    "### Civilian missions", "### Warnings", "## Assumptions"):
        assert heading in md.splitlines(), heading
    assert "Decision support, not a decision" in md
    table = [line for line in md.splitlines() if line.startswith("| 1 |")]
    assert table and table[0].count("|") == 14
    timeline = md.split("### Timeline")[1].split("###")[0]
    assert "| VILLAGE |  | INF-1 | INF-1 | INF-1 |" in timeline


def test_markdown_without_plans_names_the_conflicts(outcome):
    md = markdown_briefing(replace(outcome, plans=(), status="infeasible",
                                   conflicts=("garrison_floor: base CAMP",)))
    assert "## No plan" in md and "- garrison_floor: base CAMP" in md


def test_validation_summary(tiny_hand):
    console = _console()
    render_validation(console, path="tiny_hand.yaml", sha256="01" * 32, instance=tiny_hand,
                      warnings=["tiny_hand.yaml:3:1: warning: something"])
    text = _text(console)
    for expected in ("valid: tiny_hand.yaml", "02 Jul 2018 – 29 Jul 2018 (4 weeks)",
                     "Units by kind", "infantry_company", "Baseline risk by threat category",
                     "292.0", "Top 2 hotspots by baseline risk", "Warnings (1)"):
        assert expected in text, expected
    town = [line for line in text.splitlines() if "TOWN" in line][0]
    assert "164.0" in town  # 2 × 32 + 2 × 50


def test_sentence():
    assert sentence("the best plan found") == "The best plan found."
    assert sentence("Adds X (score +1.0 vs plan 1).") == "Adds X (score +1.0 vs plan 1)."
