"""Re-planning from an executed past, with least change (docs/ranking-and-comparisons.md §10).

The pipeline reads top to bottom:

1. `past_of`: the executed plan's weeks before `from_week` (assignments, sorties, and the
   missions started before it) — facts, kept as they are even when the updated scenario
   says they break a rule (`ReplanResult.executed_violations` lists what they break).
2. `replan`: the model of `planner.milp.replan` (executed weeks fixed, hard rules judged
   from `from_week` on, `change_penalty` points per unit-week from `from_week` on that
   differs from the previous plan), solved for plan 1 and then for ranked alternatives the
   way `planner.search.ranking` does, every plan scored by the evaluator over the whole
   horizon. The re-plan **objective** is that score minus the change penalty; plans are
   ranked by it, and `solver.bound`/`gap` are about it.
3. `change_reasons`: every changed unit-week, with its reason where one can be given: the
   unit is no longer in the scenario or no longer available, the hotspot is closed or out
   of reach, the escorted mission no longer runs, the base can no longer spare it, or —
   when the previous scenario is known (`--previous-scenario`) — a new or higher threat
   where the unit goes, a lower one where it was.

Readings where the issue is silent (documented in the docs page):
- The default least difference between COAs is max(2, ⌈10 % of plan 1's presence
  unit-weeks from `from_week` on⌉): executed weeks are the same in every COA.
- `from_week` 1 re-plans the whole horizon with nothing executed (what-if's least change).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from models.plan import Plan
from planner.domain.changes import Slot, UnitWeekChange, unit_week_changes
from planner.domain.instance import Instance
from planner.milp.formulation import require_difference
from planner.milp.replan import ReplanFormulation, build_replan_formulation
from planner.milp.status import SolveStatus
from planner.rules.evaluator import Evaluation, Violation, evaluate
from planner.search.ranking import (
    TIE_TOLERANCE,
    RankedPlan,
    RankedPlans,
    alternative_seconds,
    describe_difference,
    difference,
    presence_counts,
)
from planner.search.solve import SolveOptions, SolveResult, gap_of, solve


# ====================================================================== the executed past
def past_of(plan: Plan, from_week: int) -> Plan:
    """The weeks before `from_week`: assignments and sorties, and missions started before."""
    return Plan(assignments=[a for a in plan.assignments if a.week < from_week],
                sorties=[s for s in plan.sorties if s.week < from_week],
                missions=[m for m in plan.missions if m.start_week < from_week]).canonical()


def future_of(plan: Plan, from_week: int) -> Plan:
    """The weeks from `from_week` on, and missions starting then or later."""
    return Plan(assignments=[a for a in plan.assignments if a.week >= from_week],
                sorties=[s for s in plan.sorties if s.week >= from_week],
                missions=[m for m in plan.missions if m.start_week >= from_week])


def joined(past: Plan, future: Plan) -> Plan:
    return Plan(assignments=[*past.assignments, *future.assignments],
                sorties=[*past.sorties, *future.sorties],
                missions=[*past.missions, *future.missions]).canonical()


# ====================================================================== results
@dataclass(frozen=True)
class Change:
    """One changed unit-week, with why, when a reason can be given."""

    unit: str
    week: int
    before: Slot
    after: Slot
    reason: str | None

    def as_dict(self) -> dict:
        def slot(s: Slot) -> dict | None:
            return None if s is None else {"hotspot": s[0], "task": s[1]}
        return {"unit": self.unit, "week": self.week, "before": slot(self.before),
                "after": slot(self.after), "reason": self.reason}


@dataclass(frozen=True)
class ReplanResult:
    """A re-plan: the ranked plans (whole horizon, executed weeks included) and, by rank,
    their changes against the previous plan and their re-plan objective."""

    ranked: RankedPlans
    from_week: int
    change_penalty: float
    executed_sha256: str | None
    executed_violations: tuple[Violation, ...]
    """The hard rules the executed weeks break under the (updated) scenario: reported, not
    repaired."""
    changes: dict[int, tuple[Change, ...]]
    objective: dict[int, float]
    """Rank → evaluator score − change_penalty × changed unit-weeks."""
    executed_score: float | None
    """Score points of plan 1's evaluator terms dated before `from_week`."""

    def changed_unit_weeks(self, rank: int = 1) -> int:
        return len(self.changes.get(rank, ()))


@dataclass(frozen=True)
class _Found:
    plan: Plan
    evaluation: Evaluation
    objective: float
    status: SolveStatus
    slack: float


# ====================================================================== solving
def replan(instance: Instance, *, executed: Plan, from_week: int, previous: Plan | None = None,
           change_penalty: float = 0.0, options: SolveOptions | None = None, k: int = 1,
           min_difference: int | None = None, executed_sha256: str | None = None,
           previous_instance: Instance | None = None,
           starts: tuple[Plan, ...] = ()) -> ReplanResult:
    """Ranked plans for weeks ≥ `from_week` with the executed weeks fixed, least change
    against `previous` (default: the executed plan) priced at `change_penalty` per
    changed unit-week. `starts` are further warm-start candidates (whole plans), tried
    after the previous plan carried over; `previous_instance` (the scenario the previous
    plan was made for) lets reasons name new threats."""
    options = options or SolveOptions()
    previous = executed if previous is None else previous
    started = time.perf_counter()
    past = past_of(executed, from_week)
    f = build_replan_formulation(instance, from_week=from_week, executed=past,
                                 previous=previous, penalty=change_penalty)

    def tolerate(v: Violation) -> bool:
        return v.week is not None and v.week < from_week

    def objective(plan: Plan, evaluation: Evaluation) -> float:
        return evaluation.score - change_penalty * len(_changes(instance, previous, plan,
                                                                from_week))

    budget = options.time_limit
    start = warm_start(f, [joined(past, future_of(previous, from_week)),
                           *(joined(past, future_of(p, from_week)) for p in starts), past])
    first = _with_past(instance, past, from_week, solve(
        instance, replace(options, time_limit=budget if k == 1 else budget / 2), formulation=f,
        warm_start=start or False, fallback=False, tolerate=tolerate))
    if first.plan is None or first.evaluation is None:
        ranked = RankedPlans((), first, k, min_difference or 0, time.perf_counter() - started,
                             f"no plan: {first.status}", None, None, first.reproducible)
        return ReplanResult(ranked, from_week, change_penalty, executed_sha256, (), {}, {},
                            None)
    found = [_found(first, objective(first.plan, first.evaluation))]
    m = min_difference if min_difference is not None else default_min_difference(
        first.plan, from_week)
    shortfall, reproducible = None, first.reproducible
    for i in range(2, k + 1):
        left = budget - (time.perf_counter() - started)
        if left <= 0.05:
            shortfall = (f"the time limit ({budget:g} s) was spent after {len(found)} "
                         "plan(s); raise --time-limit for more")
            break
        require_difference(f, presence_counts(instance, found[-1].plan), m, f"plan{i - 1}")
        result = _with_past(instance, past, from_week, solve(
            instance, replace(options, time_limit=alternative_seconds(left, k - i + 1, first)),
            formulation=f, warm_start=False, fallback=False, tolerate=tolerate))
        if result.plan is None or result.evaluation is None:
            shortfall = (f"no further plan differing by at least {m} unit-weeks of presence "
                         f"from week {from_week} on was found ({result.status})")
            break
        found.append(_found(result, objective(result.plan, result.evaluation)))
        reproducible = reproducible and result.reproducible
    plans = _ranked(instance, found)
    best = max(found, key=lambda x: x.objective)  # an alternative may beat a cut plan 1
    first = replace(first, gap=gap_of(first.bound, best.objective)
                    if first.status != SolveStatus.OPTIMAL else 0.0,
                    bound=best.objective if first.status == SolveStatus.OPTIMAL else first.bound)
    ranked = RankedPlans(plans, first, k, m, time.perf_counter() - started, shortfall, None,
                         None, reproducible)
    by_rank = {p.rank: p for p in plans}
    changes = {r: tuple(change_reasons(instance, previous, p.plan, from_week, previous_instance))
               for r, p in by_rank.items()}
    objectives = {r: p.evaluation.score - change_penalty * len(changes[r])
                  for r, p in by_rank.items()}
    lead = by_rank[1].evaluation
    executed_violations = tuple(v for v in lead.violations if tolerate(v))
    executed_score = math.fsum(t.value for t in lead.terms
                               if t.week is not None and t.week < from_week)
    return ReplanResult(ranked, from_week, change_penalty, executed_sha256, executed_violations,
                        changes, objectives, executed_score)


def _with_past(instance: Instance, past: Plan, from_week: int,
               result: SolveResult) -> SolveResult:
    """The solved plan with its executed weeks written exactly as the executed file has
    them: the model fixed their values, but decoding may label sorties' tasks otherwise."""
    if result.plan is None:
        return result
    plan = joined(past, future_of(result.plan, from_week))
    return replace(result, plan=plan, evaluation=evaluate(instance, plan))


def least_change(instance: Instance, previous_instance: Instance, baseline: Plan,
                 change_penalty: float, options: SolveOptions,
                 starts: tuple[Plan, ...] = ()) -> tuple[SolveResult, ReplanResult]:
    """A what-if variant solved for least change against the baseline plan: the whole
    horizon re-planned (nothing executed) with `change_penalty` per unit-week that differs
    from `baseline`. The SolveResult carries the objective's bound and gap."""
    result = replan(instance, executed=Plan(), from_week=1, previous=baseline,
                    change_penalty=change_penalty, options=options, k=1,
                    previous_instance=previous_instance, starts=starts)
    first = result.ranked.first
    if result.ranked.plans:
        best = result.ranked.plans[0]
        first = replace(first, plan=best.plan, evaluation=best.evaluation)
    return first, result


def _changes(instance: Instance, previous: Plan, plan: Plan,
             from_week: int) -> tuple[UnitWeekChange, ...]:
    ground = tuple(u.id for u in instance.ground_units)
    return unit_week_changes(ground, previous, plan, range(from_week, instance.horizon_weeks + 1))


def _found(result: SolveResult, objective: float) -> _Found:
    assert result.plan is not None and result.evaluation is not None
    if result.status == SolveStatus.OPTIMAL:
        slack = 0.0
    elif result.bound is not None:
        slack = max(0.0, result.bound - objective)
    else:
        slack = math.inf
    return _Found(result.plan, result.evaluation, objective, result.status, slack)


def default_min_difference(plan: Plan, from_week: int) -> int:
    """max(2, ⌈10 % of the plan's presence unit-weeks from `from_week` on⌉)."""
    presence = sum(1 for a in plan.assignments if a.task == "presence" and a.week >= from_week)
    return max(2, math.ceil(0.1 * presence - 1e-9))


def warm_start(f: ReplanFormulation, candidates: list[Plan]) -> Plan | None:
    """The first candidate the model takes as it is (every row holds), or None. The
    previous plan carried over is the natural start; records the updated scenario no longer
    allows are dropped from it first."""
    for plan in candidates:
        kept = _admissible(f, plan)
        try:
            values = f.model.complete(f.primary_values(kept))
        except KeyError:
            continue
        if not f.model.violated_rows(values):
            return kept
    return None


def _admissible(f: ReplanFormulation, plan: Plan) -> Plan:
    """The plan without the records of weeks ≥ from_week the model has no variable for."""
    t0 = f.from_week
    assignments = [a for a in plan.assignments if a.week < t0 or (
        (a.unit, a.hotspot, a.week) in f.n if a.task == "presence"
        else (a.unit, a.mission, a.week) in f.e)]
    sorties = [s for s in plan.sorties if s.week < t0 or (s.unit, s.hotspot, s.week) in f.y]
    missions = [ms for ms in plan.missions if (ms.priority, ms.start_week) in f.w]
    return Plan(assignments=assignments, sorties=sorties, missions=missions)


def _ranked(instance: Instance, found: list[_Found]) -> tuple[RankedPlan, ...]:
    """By objective, ranks 1..K; neighbours tie when their objectives differ by less than
    either one's slack."""
    order = sorted(found, key=lambda x: -x.objective)
    best = order[0]
    best_counts = presence_counts(instance, best.plan)
    out = []
    for j, x in enumerate(order):
        tie = any(abs(y.objective - x.objective) <= max(x.slack, y.slack, TIE_TOLERANCE)
                  for y in order[max(0, j - 1):j] + order[j + 1:j + 2])
        summary = (describe_difference(instance, best.plan, best.evaluation, x.plan,
                                       x.evaluation) if j else
                   "the best re-plan found (score minus change penalty)")
        out.append(RankedPlan(rank=j + 1, plan=x.plan, evaluation=x.evaluation,
                              summary=summary,
                              difference=difference(presence_counts(instance, x.plan),
                                                    best_counts),
                              tie=tie, status=x.status))
    return tuple(out)


# ====================================================================== reasons
def change_reasons(instance: Instance, previous: Plan, plan: Plan, from_week: int,
                   previous_instance: Instance | None = None) -> list[Change]:
    """Every changed unit-week from `from_week` on, with its reason where one can be given."""
    return [Change(c.unit, c.week, c.before, c.after,
                   change_reason(instance, c, plan, previous_instance, previous))
            for c in _changes(instance, previous, plan, from_week)]


def change_reason(instance: Instance, change: UnitWeekChange, plan: Plan,
                  previous_instance: Instance | None = None,
                  previous: Plan | None = None) -> str | None:
    """Why a unit-week changed, when the scenario shows it; None when the change is the
    model's choice (it gains more than the change penalty)."""
    u, t = change.unit, change.week
    unit = instance.units.get(u)
    if unit is None:
        return f"{u} is no longer in the scenario"
    if t not in unit.available:
        return f"{u} is no longer available in week {t}"
    if change.before is not None:
        h, task = change.before
        if (h, t) in instance.ground_closed:
            return f"{h} is closed to ground movement in week {t}"
        if not instance.below_threat_ceiling(u, h, t):
            return (f"the threat at {h} in week {t} is above the ceiling of {u}'s kind "
                    f"(P×I {unit.spec.max_threat})")
        if not instance.ground_ok(u, h, t):
            return f"{h} is out of {u}'s reach or forbidden to it in week {t}"
        if task == "presence" and not instance.presence_ok(u, h, t):
            return f"{u} may not be present at {h} in week {t} (partner operations)"
        if task == "escort" and not _mission_runs_at(instance, plan, h, t):
            return f"no mission at {h} needs an escort in week {t} any more"
        if change.after is None and previous is not None and _over_garrison(
                instance, previous, unit.base, t):
            return (f"base {unit.base} must keep {instance.garrison_floor(unit.base, t)} "
                    f"unit(s) home in week {t} and has fewer units to spare than before")
    if previous_instance is not None:
        return _threat_reason(instance, previous_instance, change)
    return None


def _over_garrison(instance: Instance, previous: Plan, base: str, t: int) -> bool:
    """Whether the previous plan sends out more of the base's available units in week t
    than the garrison floor now lets it spare."""
    available = set(instance.available_ground.get((base, t), ()))
    out = {a.unit for a in previous.assignments if a.week == t and a.unit in available}
    return len(out) > instance.spare_ground(base, t)


def _mission_runs_at(instance: Instance, plan: Plan, h: str, t: int) -> bool:
    return any(instance.missions[m.priority].hotspot == h
               and t in instance.missions[m.priority].running_weeks(m.start_week)
               for m in plan.missions if m.priority in instance.missions)


def _threat_reason(instance: Instance, before: Instance, change: UnitWeekChange) -> str | None:
    t = change.week
    if change.after is not None:
        h = change.after[0]
        old, new = before.total_risk.get((h, t), 0.0), instance.total_risk.get((h, t), 0.0)
        if new > old + 1e-9:
            return f"new threat at {h} in week {t} (risk {old:.1f} → {new:.1f})"
    if change.before is not None:
        h = change.before[0]
        old, new = before.total_risk.get((h, t), 0.0), instance.total_risk.get((h, t), 0.0)
        if new < old - 1e-9:
            return f"lower threat at {h} in week {t} (risk {old:.1f} → {new:.1f})"
    return None
