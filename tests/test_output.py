"""The machine outputs of `pocplan plan` (planner/output.py), on the hand-checked tiny_hand
example of docs/evaluation-contract.md and the TINY fixture: no solver involved, every number from
the
evaluator."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import yaml

from models.plan import Plan
from planner.domain.files import write_atomic
from planner.outputs.documents import (
    CSV_COLUMNS,
    PlanEntry,
    ScenarioInfo,
    derive_accounts,
    outcome_from_heuristic,
    outcome_from_ranked,
    plan_csv,
    plan_document,
    plan_geojson,
    plan_json,
    priority_weighted_share,
    status_of,
    tradeoff,
)
from planner.rules.evaluator import evaluate
from tests.conftest import CONTRACTS, build_instance, undeclared_keys

SHA = "ab" * 32
METRIC_KEYS = ["harm_averted", "priority_value", "retaliation_exposure", "vacuum_exposure",
               "ied_exposure", "engagement_exposure", "distinction_penalty", "colocation_weeks",
               "baseline_risk", "unit_weeks", "sorties",
               "attraction_exposure", "resupply_exposure", "reserve_value"]  # v2: always there


@pytest.fixture(scope="module")
def output_schema(contracts_dir: Path) -> dict:
    return json.loads((contracts_dir / "plan-output.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hand_plan(contracts_dir: Path) -> Plan:
    """The optimal plan of tiny_hand, as the contract example writes it."""
    doc = json.loads((contracts_dir / "examples" / "tiny_hand.plan.json").read_text("utf-8"))
    return Plan.model_validate({k: doc["plans"][0][k]
                                for k in ("assignments", "sorties", "missions")})


def _info(instance) -> ScenarioInfo:
    return ScenarioInfo(instance.scenario.name, SHA, instance.horizon_weeks, None,
                        instance.scenario.horizon.start)


def _ranked(instance, plans, heuristic=None, **extra) -> SimpleNamespace:
    """A stand-in for planner.search.ranking.RankedPlans with the fields output.py reads."""
    entries = tuple(SimpleNamespace(rank=i, plan=p, evaluation=evaluate(instance, p),
                                    summary="the best plan found" if i == 1 else f"plan {i}",
                                    difference=0 if i == 1 else 3, tie=False, status="optimal")
                    for i, p in enumerate(plans, start=1))
    first = SimpleNamespace(backend="highs", status="optimal", gap=0.0, message="",
                            conflicts=(), bound=None)
    fields = dict(plans=entries, first=first, requested=len(plans), min_difference=2,
                  seconds=0.25, shortfall=None, heuristic=heuristic, reproducible=True,
                  heuristic_evaluation=evaluate(instance, heuristic) if heuristic else None)
    return SimpleNamespace(**(fields | extra))


@pytest.fixture
def hand_outcome(tiny_hand, hand_plan, make_plan):
    worse = make_plan([("INF-1", "VILLAGE", 1), ("INF-1", "VILLAGE", 2)])
    return outcome_from_ranked(_info(tiny_hand), tiny_hand,
                               _ranked(tiny_hand, [hand_plan, worse], heuristic=worse))


# ---------------------------------------------------------------------- docs/output-contract.md
# JSON
def test_json_validates_against_the_output_contract(hand_outcome, output_schema):
    doc = json.loads(plan_json(hand_outcome, include_assumptions=True))
    jsonschema.Draft202012Validator(output_schema).validate(doc)
    assert undeclared_keys(doc, output_schema) == set()  # every key written is documented


def test_json_keys_are_in_section_7_order(hand_outcome):
    doc = plan_document(hand_outcome)
    assert list(doc)[:4] == ["schema_version", "scenario", "solver", "plans"]
    assert list(doc["scenario"]) == ["name", "sha256", "weeks"]
    assert list(doc["solver"]) == ["backend", "status", "gap", "seconds", "bound", "reproducible"]
    plan = doc["plans"][0]
    assert list(plan)[:7] == ["rank", "score", "metrics", "assignments", "sorties", "missions",
                              "priorities"]
    assert list(plan["metrics"]) == METRIC_KEYS
    assert list(plan["assignments"][0]) == ["unit", "hotspot", "week", "task", "mission"]
    assert list(plan["sorties"][0]) == ["unit", "hotspot", "week", "count", "task", "mission"]
    assert list(doc["heuristic"]) == ["score", "metrics"]


def test_json_reproduces_the_hand_derived_optimum(hand_outcome):
    doc = plan_document(hand_outcome)
    best = doc["plans"][0]
    assert best["score"] == 74.96830440132649
    assert best["metrics"]["harm_averted"] == 29.640000000000008
    assert doc["scenario"] == {"name": "Tiny hand-checked Sévaré instance", "sha256": SHA,
                               "weeks": 4}
    assert doc["solver"] == {"backend": "highs", "status": "optimal", "gap": 0.0,
                             "seconds": 0.25, "bound": None, "reproducible": True}


def test_assignments_and_sorties_are_in_canonical_order(hand_outcome, hand_plan):
    plan = plan_document(hand_outcome)["plans"][0]
    canonical = hand_plan.canonical()
    assert [(a["unit"], a["week"], a["hotspot"]) for a in plan["assignments"]] == \
        [(a.unit, a.week, a.hotspot) for a in canonical.assignments]
    assert plan["assignments"][0] == {"unit": "INF-1", "hotspot": "TOWN", "week": 1,
                                      "task": "escort", "mission": "P2"}


def test_every_priority_is_accounted_for_with_office_and_status(hand_outcome, tiny_hand):
    doc = plan_document(hand_outcome)
    ids = [p.id for p in tiny_hand.scenario.priorities]
    for plan in doc["plans"]:
        assert [p["id"] for p in plan["priorities"]] == ids
        for p in plan["priorities"]:
            assert set(p) == {"id", "satisfaction", "office", "status", "reason", "price"}
            assert p["status"] == status_of(p["satisfaction"])
            assert (p["reason"] is None) == (p["status"] == "met")
    assert [p["status"] for p in doc["plans"][0]["priorities"]] == ["met", "met"]
    second = {p["id"]: p for p in doc["plans"][1]["priorities"]}
    assert second["P1"]["status"] == "partial" and second["P1"]["satisfaction"] == 2 / 3
    assert second["P2"]["status"] == "unmet" and second["P2"]["reason"].startswith("outweighed")


def test_summary_warnings_and_extras(hand_outcome):
    doc = plan_document(hand_outcome)
    assert doc["plans"][0]["summary"] == "the best plan found"
    assert doc["plans"][1]["difference"] == 3 and doc["plans"][1]["tie"] is False
    short = [w for w in doc["plans"][1]["warnings"] if w["rule"] == "short_stay"]
    assert short and set(short[0]) == {"rule", "hotspot", "week", "text"}
    assert doc["requested_plans"] == 2 and doc["min_difference"] == 2
    assert "assumptions" not in doc
    assert "assumptions" in plan_document(hand_outcome, include_assumptions=True)


def test_json_text_is_deterministic_and_utf8(hand_outcome):
    text = plan_json(hand_outcome)
    assert text == plan_json(hand_outcome)
    assert "Sévaré" in text and text.endswith("}\n")


def test_infeasible_outcome_is_still_a_valid_document(tiny_hand, output_schema):
    ranked = _ranked(tiny_hand, [], first=SimpleNamespace(
        backend="highs", status="infeasible", gap=None, message="no plan", bound=None,
        conflicts=("garrison_floor: base CAMP must keep 1 ground unit(s) home in week 1",)))
    doc = plan_document(outcome_from_ranked(_info(tiny_hand), tiny_hand, ranked))
    jsonschema.Draft202012Validator(output_schema).validate(doc)
    assert doc["plans"] == [] and doc["solver"]["status"] == "infeasible"
    assert doc["conflicts"][0].startswith("garrison_floor")
    assert "heuristic" not in doc


# ---------------------------------------------------------------------- priority accounts
def test_accounts_from_the_priorities_module_keep_the_evaluators_satisfaction(
        tiny_hand, hand_plan, make_plan):
    worse = make_plan([("INF-1", "VILLAGE", 1)])
    given = {2: [SimpleNamespace(id="P2", office="Mopti", satisfaction=0.0, status="unmet",
                                 reason="outweighed by Koro", price=12.5),
                 SimpleNamespace(id="P1", office="Mopti", satisfaction=1.0, status="met",
                                 reason="disagrees with the evaluator", price=0.0)]}
    outcome = outcome_from_ranked(_info(tiny_hand), tiny_hand,
                                  _ranked(tiny_hand, [hand_plan, worse]), accounts=given)
    p2 = {a.id: a for a in outcome.account(2)}["P2"]
    assert (p2.satisfaction, p2.status, p2.reason, p2.price) == \
        (0.0, "unmet", "outweighed by Koro", 12.5)
    p1 = {a.id: a for a in outcome.account(2)}["P1"]
    assert (p1.status, p1.price) == ("partial", None)  # a disagreeing account is ignored
    assert p1.reason.startswith("outweighed: presence in 1 of 3")


def test_structurally_impossible_priorities_say_why(make_instance, make_plan):
    instance = make_instance(priorities=[
        {"id": "FAR-BOX", "office": "South", "kind": "secure_area", "hotspot": "FAR",
         "weight": 1, "required_weeks": 2},
        {"id": "FAR-VISIT", "office": "South", "kind": "civilian_mission", "hotspot": "FAR",
         "weight": 1},
    ], units=[{"id": "FPU-1", "kind": "fpu", "base": "CAMP"}])
    accounts = {a.id: a for a in derive_accounts(instance, evaluate(instance, make_plan()))}
    assert accounts["FAR-BOX"].reason.startswith("structurally impossible")
    assert accounts["FAR-VISIT"].reason.startswith("structurally impossible: no escort")
    assert accounts["FAR-BOX"].office == "South"


@pytest.mark.parametrize(("satisfaction", "status"),
                         [(1.0, "met"), (0.999999, "partial"), (0.5, "partial"), (0.0, "unmet")])
def test_status_of(satisfaction, status):
    assert status_of(satisfaction) == status


# ---------------------------------------------------------------------- trade-off rows
def test_tradeoff_row(tiny_hand, hand_plan, make_plan):
    best = evaluate(tiny_hand, hand_plan)
    staff = evaluate(tiny_hand, make_plan([("INF-1", "VILLAGE", 1), ("INF-1", "VILLAGE", 2)]))
    row = tradeoff(tiny_hand, best, staff)
    assert row.score == best.score
    assert row.baseline_share == pytest.approx(29.640000000000008 / 292.0)
    assert row.priorities_met == pytest.approx(1.0)
    assert row.harm_vs_heuristic == pytest.approx(best.metrics.harm_averted
                                                  / staff.metrics.harm_averted - 1)
    assert (row.unit_weeks, row.sorties) == (4, 6)
    weights = {p.id: p.weight for p in tiny_hand.scenario.priorities}
    assert priority_weighted_share(tiny_hand, staff) == pytest.approx(
        weights["P1"] * (2 / 3) / sum(weights.values()))


def test_tradeoff_without_priorities_or_reference(tiny, make_plan):
    row = tradeoff(tiny, evaluate(tiny, make_plan()))
    assert row.priorities_met is None and row.harm_vs_heuristic is None


# ---------------------------------------------------------------------- CSV and GeoJSON
def test_csv_has_one_row_per_assignment_and_sortie(hand_outcome):
    rows = list(csv.DictReader(io.StringIO(plan_csv(hand_outcome))))
    assert tuple(rows[0]) == CSV_COLUMNS
    plan1 = [r for r in rows if r["plan"] == "1"]
    assert sum(r["type"] == "assignment" for r in plan1) == 4
    assert sum(r["type"] == "sortie" for r in plan1) == 3
    assert sum(int(r["count"]) for r in plan1 if r["type"] == "sortie") == 6
    assert {"plan": "1", "type": "assignment", "unit": "INF-1", "hotspot": "TOWN", "week": "1",
            "task": "escort", "mission": "P2", "count": "1"} in plan1
    assert [r for r in rows if r["plan"] == "2"][0]["mission"] == ""


def test_geojson_has_one_point_per_hotspot_with_plan_1_attributes(hand_outcome, tiny_hand):
    doc = plan_geojson(hand_outcome)
    assert doc["type"] == "FeatureCollection"
    assert [f["id"] for f in doc["features"]] == list(tiny_hand.hotspot_ids)
    by_id = {f["id"]: f for f in doc["features"]}
    for h in tiny_hand.scenario.hotspots:
        assert by_id[h.id]["geometry"] == {"type": "Point",
                                           "coordinates": [h.location.lon, h.location.lat]}
    total = sum(f["properties"]["harm_averted"] for f in doc["features"])
    assert total == pytest.approx(29.640000000000008)
    assert by_id["VILLAGE"]["properties"]["presence_weeks"] == [2, 3, 4]
    assert by_id["TOWN"]["properties"]["sorties"] == 6
    assert sum(f["properties"]["baseline_risk"] for f in doc["features"]) == pytest.approx(292)
    assert {p["id"] for f in doc["features"] for p in f["properties"]["priorities"]} == \
        {"P1", "P2"}
    json.dumps(doc, allow_nan=False)


def test_geojson_harm_averted_does_not_depend_on_the_harm_weight(hand_outcome, tiny_hand):
    """Harm averted is risk points, the metric itself: a zero weight on it in the score
    leaves the map's figures as they are."""
    data = yaml.safe_load((CONTRACTS / "examples" / "tiny_hand.yaml").read_text("utf-8"))
    data.setdefault("policy", {}).setdefault("weights", {})["harm"] = 0
    unweighted = build_instance(data)
    entry = hand_outcome.plan(1)
    outcome = replace(hand_outcome, instance=unweighted)
    features = plan_geojson(outcome)["features"]
    expected = evaluate(unweighted, entry.plan).metrics.harm_averted
    assert expected > 0
    assert sum(f["properties"]["harm_averted"] for f in features) == pytest.approx(expected)


# ---------------------------------------------------------------------- heuristic only
def test_heuristic_outcome(tiny_hand, hand_plan, output_schema):
    outcome = outcome_from_heuristic(_info(tiny_hand), tiny_hand, hand_plan,
                                     evaluate(tiny_hand, hand_plan), 0.01, requested=3)
    doc = plan_document(outcome)
    jsonschema.Draft202012Validator(output_schema).validate(doc)
    assert undeclared_keys(doc, output_schema) == set()
    assert doc["solver"]["backend"] == "heuristic" and doc["solver"]["gap"] is None
    assert len(doc["plans"]) == 1 and doc["heuristic"]["score"] == doc["plans"][0]["score"]
    assert "one plan" in doc["shortfall"]


def test_plan_entry_defaults(tiny_hand, hand_plan):
    entry = PlanEntry(1, hand_plan, evaluate(tiny_hand, hand_plan), "x")
    assert (entry.difference, entry.tie) == (0, False)
    assert replace(entry, rank=2).rank == 2


# ---------------------------------------------------------------------- atomic writes
def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "new ✈\n")
    assert target.read_text(encoding="utf-8") == "new ✈\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "plan.json"
    target.write_text("old", encoding="utf-8")

    def boom(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
