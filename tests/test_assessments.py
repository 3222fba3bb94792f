"""Competing threat assessments (docs/scenario-format.md §9, docs/evaluation-contract.md §9):
loading and its checks, scores under each assessment, the exact robust counterpart of the
model, and `pocplan plan --robust` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

import cli
from cli import ExitCode
from models.scenario import Hotspot, Scenario
from planner.domain.assessments import BASE, assessment_instances
from planner.domain.instance import Instance
from planner.inputs.loader import ScenarioError, load_scenario
from planner.milp.robust import robust_model
from planner.rules.assessments import assessment_scores
from planner.rules.evaluator import evaluate
from planner.search.heuristic import staff_heuristic
from planner.search.ranking import rank_plans
from planner.search.robust import rank_robust
from planner.search.solve import SolveOptions
from tests.conftest import undeclared_keys

REPO = Path(__file__).resolve().parents[1]
TWO_VIEWS = REPO / "tests" / "fixtures" / "assessments" / "two_views.yaml"
TUTORIAL = REPO / "scenarios" / "tutorial.yaml"
SCHEMA = json.loads((REPO / "docs" / "contract" / "plan-output.schema.json").read_text("utf-8"))
HDX = REPO / "tests" / "fixtures" / "events" / "hdx_mali_conflict_events_2018.csv"
ENV = {"COLUMNS": "140", "NO_COLOR": "1", "POCPLAN_DEBUG": None}
FAST = SolveOptions(time_limit=10)


def run(*args: object):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV)


@pytest.fixture(scope="module")
def instance() -> Instance:
    return Instance.build(load_scenario(TWO_VIEWS).scenario)


def with_assessments(tmp_path: Path, block: str, base: Path = TUTORIAL) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(base.read_text("utf-8") + "\n" + block, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- loading
def test_the_fragment_of_import_events_as_assessment_loads(tmp_path):
    fragment = tmp_path / "hdx.yaml"
    result = run("import", "events", HDX, "-s", TUTORIAL, "--as-assessment", "HDX-Q3",
                 "--output", fragment)
    assert result.exit_code == 0, result.stderr
    path = with_assessments(tmp_path, fragment.read_text("utf-8"))
    loaded = load_scenario(path)
    assert [a.id for a in loaded.scenario.assessments] == ["HDX-Q3"]
    assert sorted(loaded.scenario.assessments[0].threats) == ["BANKASS", "KORO", "NOUH_BOZO"]


def test_an_empty_assessment_is_the_base_threats(tmp_path):
    path = with_assessments(tmp_path, "assessments:\n  - id: NONE\n    threats: {}\n")
    inst = Instance.build(load_scenario(path).scenario)
    plan = staff_heuristic(inst)
    scores = assessment_scores(inst, plan)
    assert list(scores) == [BASE, "NONE"]
    assert scores[BASE] == scores["NONE"] == evaluate(inst, plan).score


@pytest.mark.parametrize("block, message, line", [
    ("assessments:\n  - {id: A, threats: {KOR0: []}}\n", "names unknown hotspot 'KOR0'", 1),
    ("assessments:\n  - {id: base, threats: {}}\n", "'base' is reserved", 1),
    ("assessments:\n  - {id: A, threats: {}}\n  - {id: A, threats: {}}\n",
     "duplicate assessment id 'A', already used at line", 2),
    ("assessments:\n  - id: A\n    threats:\n      KORO:\n"
     "        - {category: intercommunal, probability: 2, impact: 2, weeks: [1, 9]}\n",
     "ends after the horizon's last week (6)", 4),
    ("assessments:\n  - id: A\n    threats:\n      KORO:\n"
     "        - {category: intercommunal, probability: 2, impact: 2, weeks: [1, 3]}\n"
     "        - {category: intercommunal, probability: 3, impact: 2, weeks: [3, 4]}\n",
     "intercommunal is assessed twice at KORO in week 3 by assessment A", 5),
    ("assessments:\n  - id: A\n    threats:\n      KORO:\n"
     "        - {category: intercommunal, probability: 7, impact: 2}\n",
     "probability must be 1-5", 4),
])
def test_bad_assessments_are_located_errors(tmp_path, block, message, line):
    path = with_assessments(tmp_path, block)
    first_line = path.read_text("utf-8").splitlines().index("assessments:") + 1
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    problem, = caught.value.errors
    assert message in problem.message
    assert problem.line == first_line + line
    assert problem.fix
    result = run("validate", path)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"{path}:{problem.line}" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------------- scoring
def test_an_assessment_replaces_the_threats_of_the_hotspots_it_names(instance):
    jmac = assessment_instances(instance)["JMAC"]
    assert jmac.pi["KORO", "intercommunal", 1] == 6
    assert instance.pi["KORO", "intercommunal", 1] == 25
    assert jmac.pi["BANKASS", "banditry", 1] == 16  # the JMAC view has no weeks: all six
    assert ("BANKASS", "banditry", 1) not in instance.pi
    nouh = [k for k in instance.pi if k[0] == "NOUH_BOZO"]
    assert {k: jmac.pi[k] for k in nouh} == {k: instance.pi[k] for k in nouh}
    assert jmac.missions == instance.missions  # escort needs are judged under base only


def test_the_score_under_an_assessment_is_the_evaluators_with_its_threats(instance):
    plan = staff_heuristic(instance)
    scores = assessment_scores(instance, plan)
    for a in instance.scenario.assessments:
        hotspots = [h.model_copy(update={"threats": a.threats[h.id]}) if h.id in a.threats
                    else h for h in instance.scenario.hotspots]
        scenario = instance.scenario.model_copy(update={"hotspots": hotspots})
        assert scores[a.id] == evaluate(Instance.build(scenario), plan).score
    assert scores[BASE] == evaluate(instance, plan).score
    assert len(set(scores.values())) == 3


def test_each_assessments_objective_in_the_shared_model_is_its_score(instance):
    instances = assessment_instances(instance)
    rm = robust_model(instances, "min")
    f = rm.formulation
    for plan in (staff_heuristic(instance), rank_plans(instance, 1, options=FAST).plans[0].plan):
        values = f.model.complete(f.primary_values(plan))
        assert not f.model.violated_rows(values)
        scores = assessment_scores(instance, plan)
        for a, c in rm.objectives.items():
            assert sum(coef * values[v] for v, coef in c.items()) == pytest.approx(
                scores[a], abs=1e-6)
        assert rm.value(f.model.objective_value(values)) == pytest.approx(
            min(scores.values()), abs=1e-6)


def test_robust_needs_references_for_regret(instance):
    with pytest.raises(ValueError, match="regret needs"):
        robust_model(assessment_instances(instance), "regret")


# ---------------------------------------------------------------------- robust plans
@pytest.fixture(scope="module")
def point(instance):
    return rank_plans(instance, 1, options=FAST).plans[0]


def test_robust_min_holds_up_at_least_as_well_as_the_point_estimate(instance, point):
    robust = rank_robust(instance, "min", k=1, options=FAST)
    best = robust.ranked.plans[0]
    worst = min(assessment_scores(instance, best.plan).values())
    point_worst = min(assessment_scores(instance, point.plan).values())
    assert worst >= point_worst - 1e-9
    assert worst > point_worst + 1.0  # on this scenario the point plan is exposed under JMAC
    assert robust.values[1].value == worst
    assert robust.ranked.first.bound == pytest.approx(worst, abs=1e-5)
    assert evaluate(instance, best.plan).valid


def test_robust_mean_and_regret_beat_the_point_estimate_on_their_own_terms(instance, point):
    point_scores = assessment_scores(instance, point.plan)
    mean = rank_robust(instance, "mean", k=1, options=FAST)
    scores = assessment_scores(instance, mean.ranked.plans[0].plan)
    assert sum(scores.values()) / 3 >= sum(point_scores.values()) / 3 - 1e-9
    regret = rank_robust(instance, "regret", k=1, options=FAST)
    refs = regret.references
    assert set(refs) == {BASE, "JMAC", "POC-UNIT"}
    assert refs[BASE].score == pytest.approx(point.evaluation.score, abs=1e-6)
    scores = assessment_scores(instance, regret.ranked.plans[0].plan)
    worst_regret = max(refs[a].score - s for a, s in scores.items())
    assert worst_regret <= max(refs[a].score - s for a, s in point_scores.items()) + 1e-9
    value = regret.values[1]
    assert value.value == -worst_regret
    assert value.low <= value.value  # the interval: true optimum within [S_a, B_a]
    bounds = {a: r.bound for a, r in refs.items()}
    assert value.low == pytest.approx(-max(bounds[a] - s for a, s in scores.items()))


def test_plan_json_lists_every_plans_score_under_every_assessment(instance):
    result = run("plan", TWO_VIEWS, "--robust", "min", "--plans", "2", "--time-limit", "8",
                 "--format", "json", "--price-limit", "0")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert undeclared_keys(doc, SCHEMA) == set()
    assert doc["robust"] == {"objective": "min", "references": {}}
    assert doc["plans"]
    for p in doc["plans"]:
        plan = load_plan(p)
        expected = assessment_scores(instance, plan)
        assert list(p["assessments"]) == [BASE, "JMAC", "POC-UNIT"]
        assert p["assessments"] == expected
        assert p["robust"]["value"] == min(expected.values())
    values = [p["robust"]["value"] for p in doc["plans"]]
    assert values == sorted(values, reverse=True)
    assert set(doc["heuristic"]["assessments"]) == {BASE, "JMAC", "POC-UNIT"}


def load_plan(obj: dict):
    from models.plan import Plan
    return Plan.model_validate({k: obj[k] for k in ("assignments", "sorties", "missions")})


def test_the_report_and_briefing_show_a_column_per_assessment():
    result = run("plan", TWO_VIEWS, "--robust", "regret", "--plans", "1", "--time-limit", "8",
                 "--price-limit", "0")
    assert result.exit_code == 0, result.stderr
    for text in ("Objective", "robust (regret)", "Under base", "Under JMAC", "Under POC-UNIT",
                 "Max regret", "each assessment's own best: base"):
        assert text in " ".join(result.stdout.split())
    md = run("plan", TWO_VIEWS, "--plans", "1", "--time-limit", "8", "--price-limit", "0",
             "--format", "markdown")
    assert md.exit_code == 0
    header = next(line for line in md.stdout.splitlines() if line.startswith("| COA"))
    assert header.endswith("| Under base | Under JMAC | Under POC-UNIT |")
    assert "Objective" not in md.stdout


def test_the_html_briefing_shows_the_objective_and_the_assessments(tmp_path):
    out = tmp_path / "briefing.html"
    result = run("plan", TWO_VIEWS, "--robust", "mean", "--plans", "1", "--time-limit", "6",
                 "--price-limit", "0", "--format", "html", "--output", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text("utf-8")
    assert "robust (mean)" in page and "Under POC-UNIT" in page and ">Mean<" in page


def test_a_scenario_without_assessments_has_no_assessment_keys():
    result = run("plan", TUTORIAL, "--plans", "1", "--time-limit", "8", "--format", "json",
                 "--price-limit", "0")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert "robust" not in doc and "assessments" not in doc["heuristic"]
    assert all("assessments" not in p and "robust" not in p for p in doc["plans"])


def test_robust_without_assessments_is_a_usage_error():
    result = run("plan", TUTORIAL, "--robust", "min", "--plans", "1", "--time-limit", "2")
    assert result.exit_code == ExitCode.USAGE
    assert "has no `assessments:`" in result.stderr and "Traceback" not in result.stderr
    assert "tutorial.yaml" in result.stderr and "Fix: add threat assessments" in result.stderr
    result = run("plan", TWO_VIEWS, "--robust", "min", "--solver", "heuristic")
    assert result.exit_code == ExitCode.USAGE


def test_assessment_ids_follow_the_file_order(instance):
    assert list(assessment_instances(instance)) == [BASE, "JMAC", "POC-UNIT"]
    bare = Scenario.model_validate({**instance.scenario.model_dump(exclude={"assessments"})})
    assert assessment_instances(Instance.build(bare)) == {}
    assert isinstance(instance.scenario.hotspots[0], Hotspot)


@pytest.mark.slow
@pytest.mark.parametrize("objective", ["min", "regret"])
def test_every_backend_finds_the_same_robust_value(instance, objective):
    found = {}
    for backend in ("highs", "cbc", "cpsat"):
        robust = rank_robust(instance, objective, k=1,
                             options=SolveOptions(solver=backend, time_limit=10))
        first = robust.ranked.first
        assert first.status == "optimal", backend
        found[backend] = robust.values[1].value
        assert first.bound == found[backend]  # proven: the bound is the plan's own value
    assert found["cbc"] == pytest.approx(found["highs"], abs=1e-6)
    assert found["cpsat"] == pytest.approx(found["highs"], abs=1e-6)
