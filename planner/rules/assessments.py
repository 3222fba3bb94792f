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
