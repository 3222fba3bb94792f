"""Ranked COAs that hold up under competing threat assessments (`pocplan plan --robust`,
docs/evaluation-contract.md §9).

The same ranking as `planner.search.ranking` — plan 1 the best found, each later plan the
best found at least `min_difference` from every earlier one — with the robust objective
of `planner.milp.robust` in place of the score, and plans ordered by their robust value:
- `min`: the worst score over the assessments (`base` included);
- `mean`: the mean score over the assessments;
- `regret`: minus the largest regret, regret_a = S_a − score_a, where S_a is the score of
  the best plan found for assessment a alone. Those reference solves run first; when one
  is not proven optimal, the true optimum lies in [S_a, B_a] (its bound), and the regret's
  interval says so: [max_a (S_a − score_a), max_a (B_a − score_a)].

Every value comes from the evaluator's scores under each assessment, never from the
solver's objective; the solver's bound only bounds it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from models.plan import Plan
from planner.domain.assessments import assessment_instances
from planner.domain.instance import Instance
from planner.milp.formulation import require_difference
from planner.milp.robust import ROBUST_OBJECTIVES, robust_model
from planner.milp.status import SolveStatus
from planner.rules.assessments import scores_under
from planner.rules.evaluator import evaluate
from planner.search.ranking import (
    TIE_TOLERANCE,
    RankedPlan,
    RankedPlans,
    default_min_difference,
    describe_difference,
    difference,
    distinct_start,
    presence_counts,
)
from planner.search.solve import SolveOptions, SolveResult, gap_of, solve

REFERENCE_SHARE = 0.5
"""With `regret`, the reference solves (one per assessment) share this part of the budget."""


class RobustUnavailable(ValueError):
    """A robust solve was asked of a scenario without assessments, or a reference failed."""


@dataclass(frozen=True)
class Reference:
    """An assessment's own best plan (regret): its score S_a and the bound B_a ≥ optimum."""

    score: float
    bound: float | None
    status: SolveStatus


@dataclass(frozen=True)
class RobustValue:
    """A plan's robust value (higher is better) and the interval the solves prove for it
    (equal ends unless a regret reference is unproven; −∞ low when it has no bound)."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class RobustRanking:
    """Ranked plans under a robust objective, with what the report says about it."""

    ranked: RankedPlans
    objective: str
    values: dict[int, RobustValue]
    """Plan rank → its robust value."""
    references: dict[str, Reference]
    """Assessment → its own best plan's score and bound (regret only; else empty)."""


def robust_value(objective: str, scores: dict[str, float],
                 references: dict[str, Reference] | None = None) -> RobustValue:
    """The robust value of a plan from its evaluator scores under each assessment."""
    if objective == "min":
        v = min(scores.values())
        return RobustValue(v, v, v)
    if objective == "mean":
        total = 0.0
        for s in scores.values():
            total += s
        v = total / len(scores)
        return RobustValue(v, v, v)
    assert references is not None
    regret = max(references[a].score - s for a, s in scores.items())
    worst = max((math.inf if references[a].bound is None else references[a].bound) - s
                for a, s in scores.items())
    # value = −regret; the true regret lies in [regret, worst]
    return RobustValue(-regret, -worst, -regret)


def reference_solves(instances: dict[str, Instance], options: SolveOptions) -> dict[str, Reference]:
    """Each assessment's own optimum, solved on its own (regret's S_a and B_a)."""
    out: dict[str, Reference] = {}
    for a, inst in instances.items():
        result = solve(inst, options)
        if result.evaluation is None:
            raise RobustUnavailable(f"assessment {a}: no plan found for it alone "
                                    f"({result.status}); regret needs one")
        out[a] = Reference(result.evaluation.score, result.bound, result.status)
    return out


def rank_robust(instance: Instance, objective: str, k: int = 5,
                min_difference: int | None = None,
                options: SolveOptions | None = None) -> RobustRanking:
    """K plans ranked by their robust value (see the module docstring)."""
    if objective not in ROBUST_OBJECTIVES:
        raise RobustUnavailable(f"unknown robust objective {objective!r}")
    instances = assessment_instances(instance)
    if not instances:
        raise RobustUnavailable("the scenario has no `assessments:`; --robust needs at least "
                                "one besides the scenario's own threats")
    options = options or SolveOptions()
    started = time.perf_counter()
    references: dict[str, Reference] = {}
    if objective == "regret":
        share = REFERENCE_SHARE * options.time_limit / len(instances)
        references = reference_solves(instances, replace(options, time_limit=share))
    budget = options.time_limit - (time.perf_counter() - started)
    rm = robust_model(instances, objective, {a: r.score for a, r in references.items()})
    f = rm.formulation

    def scored(plan: Plan) -> RobustValue:
        return robust_value(objective, scores_under(instances, plan), references)

    first = solve(instance, replace(options, time_limit=budget if k == 1 else budget / 2),
                  formulation=f, warm_start=True, fallback=False)
    first = _with_heuristic_fallback(instance, first)
    if first.plan is None or first.evaluation is None:
        ranked = RankedPlans((), first, k, min_difference or 0, time.perf_counter() - started,
                             f"no plan: {first.status}", first.heuristic,
                             first.heuristic_evaluation, first.reproducible)
        return RobustRanking(ranked, objective, {}, references)
    m = min_difference if min_difference is not None else default_min_difference(
        instance, first.plan)
    found: list[tuple[SolveResult, RobustValue]] = [(first, scored(first.plan))]
    shortfall, reproducible = None, first.reproducible
    for i in range(2, k + 1):
        left = options.time_limit - (time.perf_counter() - started)
        if left <= 0.05:
            shortfall = (f"the time limit ({options.time_limit:g} s) was spent after "
                         f"{len(found)} plan(s); raise --time-limit for more")
            break
        require_difference(f, presence_counts(instance, found[-1][0].plan), m,
                           label=f"plan{i - 1}")
        start = distinct_start(instance, [r.plan for r, _ in found], m, first.heuristic)
        result = solve(instance, replace(options, time_limit=left / (k - i + 1)),
                       formulation=f, warm_start=start or False, fallback=False)
        if result.status == SolveStatus.INFEASIBLE:
            shortfall = (f"only {len(found)} plan(s) differ from one another by at least "
                         f"{m} unit-weeks of presence: no other plan satisfies the hard rules")
            break
        if result.plan is None or result.evaluation is None:
            shortfall = (f"no further plan differing by at least {m} unit-weeks was found "
                         f"within the time limit ({result.status})")
            break
        found.append((result, scored(result.plan)))
        reproducible = reproducible and result.reproducible
    plans, values = _ranked(instance, found, rm.value)
    best = values[1].value
    bound = _robust_bound(first, found[0][1], rm.value)
    head = replace(first, bound=bound, gap=gap_of(bound, best))
    ranked = RankedPlans(plans, head, k, m, time.perf_counter() - started, shortfall,
                         first.heuristic, first.heuristic_evaluation, reproducible)
    return RobustRanking(ranked, objective, values, references)


def _robust_bound(first: SolveResult, value: RobustValue, to_value) -> float | None:  # noqa: ANN001
    """The bound on plan 1's robust value: its own value when proven optimal (a backend
    without a bound of its own then reports the plan's base score, which means nothing
    here), else the backend's bound turned into robust units, None without one."""
    if first.status == SolveStatus.OPTIMAL:
        return value.value
    if first.from_heuristic:
        return None
    return to_value(first.bound)


def _with_heuristic_fallback(instance: Instance, result: SolveResult) -> SolveResult:
    """No plan from the solver in time: the staff heuristic's, labelled feasible (its
    robust value is the evaluator's, like any plan's)."""
    if result.plan is not None or result.status == SolveStatus.INFEASIBLE \
            or result.heuristic is None or result.heuristic_evaluation is None:
        return result
    return replace(result, plan=result.heuristic, evaluation=result.heuristic_evaluation,
                   status=SolveStatus.FEASIBLE, from_heuristic=True, bound=None, gap=None,
                   message="the solver found no plan in time; returning the staff "
                           "heuristic's plan")


def _ranked(instance: Instance, found: list[tuple[SolveResult, RobustValue]], to_value
            ) -> tuple[tuple[RankedPlan, ...], dict[int, RobustValue]]:
    """Sorted by robust value; neighbours tie when their values differ by less than what
    either solve may have left on the table (bound − value, robust units)."""
    def slack(result: SolveResult, value: RobustValue) -> float:
        if result.status == SolveStatus.OPTIMAL:
            return 0.0
        bound = to_value(result.bound) if not result.from_heuristic else None
        return math.inf if bound is None else max(0.0, bound - value.value)

    order = sorted(found, key=lambda x: -x[1].value)  # stable: earlier first
    best_plan = order[0][0].plan
    best_eval = order[0][0].evaluation
    best_counts = presence_counts(instance, best_plan)
    plans, values = [], {}
    for j, (result, value) in enumerate(order):
        near = order[max(0, j - 1):j] + order[j + 1:j + 2]
        tie = any(abs(v.value - value.value)
                  <= max(slack(result, value), slack(r, v), TIE_TOLERANCE) for r, v in near)
        evaluation = result.evaluation or evaluate(instance, result.plan)
        plans.append(RankedPlan(
            rank=j + 1, plan=result.plan, evaluation=evaluation,
            summary=describe_difference(instance, best_plan, best_eval, result.plan,
                                        evaluation) if j else "the best plan found",
            difference=difference(presence_counts(instance, result.plan), best_counts),
            tie=tie, status=result.status))
        values[j + 1] = value
    return tuple(plans), values
