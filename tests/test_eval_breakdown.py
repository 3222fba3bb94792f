"""The evaluator's per-cell breakdowns the briefing charts draw: harm averted per (hotspot,
week) and the score's signed parts. Both must add up to what `evaluate` reports."""

from __future__ import annotations

import math

import pytest

from planner.domain.instance import Instance
from planner.inputs.loader import load_scenario
from planner.rules.evaluator import evaluate, harm_averted_by_cell, score_parts
from planner.search.heuristic import staff_heuristic
from tests.conftest import REPO


def test_harm_averted_by_cell_tiny_exact(tiny, make_plan):
    # INF at NEAR week 1: 10 × 0.25 + 2 × 0.05 = 2.6; the sortie averts some in week 2.
    plan = make_plan(assign=[("INF-1", "NEAR", 1)], sorties=[("HEL-1", "NEAR", 2)])
    cells = harm_averted_by_cell(tiny, plan)
    assert set(cells) == {("NEAR", 1), ("NEAR", 2)}
    assert cells["NEAR", 1] == pytest.approx(2.6, rel=1e-12)
    assert sum(cells.values()) == pytest.approx(evaluate(tiny, plan).metrics.harm_averted,
                                                rel=1e-12)


def test_harm_averted_by_cell_empty_plan(tiny, make_plan):
    assert harm_averted_by_cell(tiny, make_plan()) == {}


@pytest.fixture(scope="module")
def flagship():
    instance = Instance.build(load_scenario(REPO / "scenarios" / "central_mali_2018.yaml")
                              .scenario)
    plan = staff_heuristic(instance)
    return instance, plan, evaluate(instance, plan)


def test_harm_averted_by_cell_sums_to_harm_averted_on_the_flagship(flagship):
    instance, plan, evaluation = flagship
    cells = harm_averted_by_cell(instance, plan)
    assert len(cells) > 10
    assert math.fsum(cells.values()) == pytest.approx(evaluation.metrics.harm_averted,
                                                      rel=1e-12)
    for (h, t), averted in cells.items():
        assert 0 < averted <= instance.total_risk[h, t] + 1e-9


def test_score_parts_sum_to_the_score(flagship):
    instance, _, evaluation = flagship
    parts = dict(score_parts(instance, evaluation.metrics))
    assert list(parts)[:2] == ["harm_averted", "priority_value"]
    assert parts["harm_averted"] == pytest.approx(
        instance.policy.weights.harm * evaluation.metrics.harm_averted)
    assert parts["ied_exposure"] <= 0
    assert sum(parts.values()) == evaluation.score
