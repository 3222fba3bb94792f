"""With every v2 addition off, a v1 scenario scores exactly as under v1: the JSON `plans`
(and the staff heuristic's score and metrics) of the bundled v1 scenarios equal, byte for
byte, those recorded from the v1 code (tests/fixtures/golden_v1/), apart from the three v2
metrics, which are present and 0.

The flagship itself now turns v2 on; its v1 text and office files are kept in
tests/fixtures/central_mali_2018_v1/."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import cli
from tests.conftest import REPO

GOLDEN = REPO / "tests" / "fixtures" / "golden_v1"
V2_METRICS = ("attraction_exposure", "resupply_exposure", "reserve_value")
CASES = {
    "scenarios_tutorial": ("scenarios/tutorial.yaml", "heuristic"),
    "tutorial_highs": ("scenarios/tutorial.yaml", "highs"),
    "scenarios_northern_sector": ("scenarios/northern_sector.yaml", "heuristic"),
    "examples_tiny_hand": ("docs/contract/examples/tiny_hand.yaml", "heuristic"),
    "fixtures_minimal": ("tests/fixtures/minimal.yaml", "heuristic"),
    "offices_scenario_scenario": ("tests/fixtures/offices_scenario/scenario.yaml", "heuristic"),
    "scenarios_central_mali_2018": ("tests/fixtures/central_mali_2018_v1/central_mali_2018.yaml",
                                    "heuristic"),
}


def _without_v2(metrics: dict) -> dict:
    for key in V2_METRICS:
        assert metrics.pop(key) == 0
    return metrics


@pytest.mark.parametrize("case", sorted(CASES))
def test_v1_outputs_are_unchanged_with_v2_off(case):
    path, solver = CASES[case]
    source = REPO / path
    done = CliRunner().invoke(cli.app, ["plan", str(source), "--solver", solver, "-k",
                                        "2" if solver == "highs" else "1", "--price-limit",
                                        "0", "--time-limit", "20", "--format", "json"],
                              env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    golden = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    for plan in doc["plans"]:
        _without_v2(plan["metrics"])
    if doc.get("heuristic"):
        _without_v2(doc["heuristic"]["metrics"])
    assert json.dumps(doc["plans"], ensure_ascii=False) == \
        json.dumps(golden["plans"], ensure_ascii=False)
    assert doc.get("heuristic") == golden["heuristic"]
