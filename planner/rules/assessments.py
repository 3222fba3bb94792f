"""A plan's score under each threat assessment (docs/evaluation-contract.md §9).

The score under an assessment is the evaluator's §5 score with that assessment's threats
(`planner.domain.assessments`); nothing here recomputes a metric: the evaluator's own
metric functions and score terms run on the assessment's instance. Hard rules are judged
under `base` only, by `evaluate` on the base instance.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.plan import Plan
from planner.domain.assessments import assessment_instances
from planner.domain.instance import Instance
from planner.rules.evaluator import METRICS, Metrics, PlanView, score_parts


def priced_view(instance: Instance, view: PlanView) -> tuple[float, float, dict[str, float]]:
    """(score, harm_averted, score points by hotspot) of an indexed plan: the score and
    metric exactly as `evaluate` sums them, and every score term's signed points added up
    by the hotspot it belongs to (terms without one under ""). A hotspot's points depend
    on its own threats only, which is what lets a Monte Carlo tell which hotspot's
    uncertainty moves the ranking."""
    values: dict[str, float | int] = {}
    by_hotspot: dict[str, float] = {}
    for fn in METRICS:
        value, terms = fn(instance, view)
        values[fn.metric] = value  # type: ignore[attr-defined]
        for term in terms:
            key = term.hotspot or ""
            by_hotspot[key] = by_hotspot.get(key, 0.0) + term.value
    score = 0.0
    for _, points in score_parts(instance, Metrics(**values)):  # type: ignore[arg-type]
        score += points
    return score, float(values["harm_averted"]), by_hotspot


def score_of_view(instance: Instance, view: PlanView) -> float:
    """The §5 score of an indexed plan, summed exactly as `evaluate` sums it (same metric
    functions, same order), without the hard rules and warnings: for pricing one plan
    under many threat tables. A PlanView does not depend on the threats, so one view
    serves every assessment and every Monte Carlo sample."""
    values = {fn.metric: fn(instance, view)[0] for fn in METRICS}  # type: ignore[attr-defined]
    score = 0.0
    for _, points in score_parts(instance, Metrics(**values)):  # type: ignore[arg-type]
        score += points
    return score


def scores_under(instances: Mapping[str, Instance], plan: Plan) -> dict[str, float]:
    """Assessment id → the plan's score under it, in the order of `instances`."""
    if not instances:
        return {}
    view = PlanView.build(next(iter(instances.values())), plan)
    return {a: score_of_view(inst, view) for a, inst in instances.items()}


def assessment_scores(instance: Instance, plan: Plan) -> dict[str, float]:
    """Assessment id (`base` first) → the plan's score under it; {} without assessments."""
    return scores_under(assessment_instances(instance), plan)
