"""Ranked joint-operation plans (courses of action), docs/ranking-and-comparisons.md.

Plan 1 is the best plan found. Each later plan is the best plan found whose difference
D — units present counted by kind, hotspot and week, so that swapping two identical
companies is no difference — from every earlier plan is at least `min_difference`.
One model is built once and grows one difference constraint per plan found. The time
budget covers all K plans. Every plan any solve meets goes into the run's plan pool
(planner.search.pool), and the K plans are drawn from the pool: plan 1 is its best, each
later plan the best in it at D ≥ min_difference from every plan drawn before.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, replace

from models.plan import Assignment, Plan
from planner.domain.instance import Instance
from planner.domain.intervals import Difference
from planner.domain.intervals import difference as interval
from planner.domain.text import weeks_phrase
from planner.milp.formulation import build_formulation, require_difference
from planner.milp.status import SolveStatus
from planner.rules.evaluator import Evaluation, evaluate
from planner.search.pool import PlanPool, PoolEntry
from planner.search.solve import SolveOptions, SolveResult, gap_of, solve

PresenceCounts = dict[tuple[str, str, int], int]
TIE_TOLERANCE = 1e-9
ALTERNATIVE_SHARE = 0.6
"""An alternative gets at most this share of plan 1's time when plan 1 was proven optimal."""
ALTERNATIVE_MIN_SECONDS = 1.0


@dataclass(frozen=True)
class RankedPlan:
    rank: int
    plan: Plan
    evaluation: Evaluation
    summary: str
    """How the plan differs from plan 1, in a sentence."""
    difference: int
    """D from plan 1."""
    tie: bool
    """Its score is within the optimality gap of a neighbour's: the order is not proven."""
    status: SolveStatus
    """optimal | feasible: the status of the solve that produced it."""
    versus_first: Difference | None = None
    """Its score minus plan 1's, with the interval the two solves' bounds prove
    (docs/ranking-and-comparisons.md §11); None for plan 1."""
    source: str = ""
    """What in the run produced it (planner.search.pool.PoolEntry.source)."""
    bound: float | None = None
    """Best score the solve that produced it proved possible (None: no bound known)."""


@dataclass(frozen=True)
class RankedPlans:
    plans: tuple[RankedPlan, ...]
    first: SolveResult
    requested: int
    min_difference: int
    seconds: float
    shortfall: str | None
    """Why fewer plans than requested came back, or None."""
    heuristic: Plan | None
    heuristic_evaluation: Evaluation | None
    reproducible: bool = True
    """False when any of the K solves was cut by the wall clock (SolveResult.reproducible)."""
    pool: PlanPool | None = None
    """The run's plan pool the plans were drawn from (later parts of the run add to it)."""
    given_min_difference: int | None = None
    """--min-difference as given (None: the default, from plan 1)."""
    solved_first: SolveResult | None = None
    """The first solve as it came back, before the pool's best became plan 1."""


@dataclass(frozen=True)
class Found:
    """A plan one solve produced, with how much better that solve's plan might be."""

    plan: Plan
    evaluation: Evaluation
    status: SolveStatus
    slack: float
    """bound − score in score points: 0 when proven optimal, ∞ when no bound is known."""
    source: str = ""

    @property
    def bound(self) -> float | None:
        return None if math.isinf(self.slack) else self.evaluation.score + self.slack

    @classmethod
    def of_entry(cls, entry: PoolEntry, main_bound: float | None) -> Found:
        """A pool entry, judged by the bound of the solve that produced it (the main
        solve's, valid for every plan, when that solve had none)."""
        if entry.proven:
            slack = 0.0
        else:
            bound = entry.bound if entry.bound is not None else main_bound
            slack = math.inf if bound is None else max(0.0, bound - entry.score)
        status = SolveStatus.OPTIMAL if entry.proven else SolveStatus.FEASIBLE
        return cls(entry.plan, entry.evaluation, status, slack, entry.source)

    @classmethod
    def of(cls, result: SolveResult) -> Found:
        assert result.plan is not None and result.evaluation is not None
        if result.status == SolveStatus.OPTIMAL:
            slack = 0.0
        elif result.bound is not None:
            slack = max(0.0, result.bound - result.evaluation.score)
        else:
            slack = math.inf
        return cls(result.plan, result.evaluation, result.status, slack)


def presence_counts(instance: Instance, plan: Plan) -> PresenceCounts:
    """n[kind, h, t]: the units of each kind present at h in week t."""
    counts: PresenceCounts = defaultdict(int)
    for a in plan.assignments:
        if a.task == "presence" and a.unit in instance.units:
            counts[instance.units[a.unit].spec.kind, a.hotspot, a.week] += 1
    return dict(counts)


def difference(a: PresenceCounts, b: PresenceCounts) -> int:
    """D(A, B) = Σ_{kind,h,t} |n_A − n_B|."""
    return sum(abs(a.get(cell, 0) - b.get(cell, 0)) for cell in set(a) | set(b))


def default_min_difference(instance: Instance, plan: Plan) -> int:
    """max(2, ⌈10 % of plan 1's presence unit-weeks⌉)."""
    presence = sum(1 for a in plan.assignments if a.task == "presence")
    return max(2, math.ceil(0.1 * presence - 1e-9))


def rank_plans(instance: Instance, k: int = 5, min_difference: int | None = None,
               options: SolveOptions | None = None,
               pool: PlanPool | None = None) -> RankedPlans:
    """K plans, each at least `min_difference` from every earlier one, ranked by score,
    drawn from the run's plan pool (a new one unless given)."""
    options = options or SolveOptions()
    pool = pool if pool is not None else PlanPool(instance)
    started = time.perf_counter()
    budget = options.time_limit
    first_share = budget if k == 1 else budget / 2
    first = solve(instance, replace(options, time_limit=first_share), pool=pool)
    if first.plan is None or first.evaluation is None:
        return RankedPlans((), first, k, min_difference or 0, time.perf_counter() - started,
                           f"no plan: {first.status}", first.heuristic,
                           first.heuristic_evaluation, first.reproducible, pool,
                           min_difference, first)
    m = min_difference if min_difference is not None else default_min_difference(
        instance, first.plan)
    found: list[Found] = [Found.of(first)]
    shortfall = None
    reproducible = first.reproducible
    f = build_formulation(instance) if k > 1 else None
    for i in range(2, k + 1):
        left = budget - (time.perf_counter() - started)
        if left <= 0.05:
            shortfall = (f"the time limit ({budget:g} s) was spent after {len(found)} "
                         f"plan(s); raise --time-limit for more")
            break
        counts = presence_counts(instance, found[-1].plan)
        require_difference(f, counts, m, label=f"plan{i - 1}")
        start = distinct_start(instance, [x.plan for x in found], m, first.heuristic)
        result = solve(instance, replace(options, time_limit=alternative_seconds(
                           left, k - i + 1, first)), formulation=f,
                       warm_start=start or False, fallback=False, pool=pool,
                       source=f"alternative {i}")
        if result.status == SolveStatus.INFEASIBLE:
            shortfall = (f"only {len(found)} plan(s) differ from one another by at least "
                         f"{m} unit-weeks of presence (D, docs/ranking-and-comparisons.md): "
                         "no other plan "
                         "satisfies the hard rules")
            break
        if result.plan is None or result.evaluation is None:
            shortfall = (f"no further plan differing by at least {m} unit-weeks was found "
                         f"within the time limit ({result.status})")
            break
        found.append(Found.of(result))
        reproducible = reproducible and result.reproducible
    ranked = RankedPlans((), first, k, m, 0.0, shortfall, first.heuristic,
                         first.heuristic_evaluation, reproducible, pool, min_difference, first)
    return replace(from_pool(instance, ranked), seconds=time.perf_counter() - started)


def from_pool(instance: Instance, ranked: RankedPlans) -> RankedPlans:
    """The K plans drawn afresh from the run's pool: plan 1 its best, each later plan the
    best at D ≥ min_difference from every plan drawn before; `first` then carries plan 1
    with the main solve's bound (valid for every plan of the instance), so `solver.gap`
    is plan 1's. Called again after pricing, whose re-solves may have found a better plan."""
    pool, solved = ranked.pool, ranked.solved_first or ranked.first
    best = pool.best() if pool is not None else None
    if best is None:
        return ranked
    m = (ranked.given_min_difference if ranked.given_min_difference is not None
         else default_min_difference(instance, best.plan))
    drawn: list[PoolEntry] = []
    drawn_counts: list[PresenceCounts] = []
    for entry in pool.entries():
        if len(drawn) == ranked.requested:
            break
        counts = presence_counts(instance, entry.plan)
        if all(difference(counts, c) >= m for c in drawn_counts):
            drawn.append(entry)
            drawn_counts.append(counts)
    shortfall = ranked.shortfall if len(drawn) < ranked.requested else None
    if len(drawn) < ranked.requested and shortfall is None:
        shortfall = (f"only {len(drawn)} of the plans this run found differ from one another "
                     f"by at least {m} unit-weeks of presence (D)")
    found = [Found.of_entry(e, solved.bound) for e in drawn]
    first = solved
    if best.plan != (solved.plan.canonical() if solved.plan is not None else None):
        proven = solved.bound is not None and solved.bound - best.score <= TIE_TOLERANCE
        first = replace(solved, plan=best.plan, evaluation=best.evaluation,
                        gap=gap_of(solved.bound, best.score),
                        status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
                        from_heuristic=best.source == "heuristic",
                        message=f"plan 1 comes from the run's plan pool ({best.source})")
        # Plan 1 is judged by the main solve's bound, whatever solve found it (a pricing
        # re-solve's proof holds only for plans meeting its priority).
        slack = (0.0 if proven else math.inf if solved.bound is None
                 else max(0.0, solved.bound - best.score))
        found[0] = replace(found[0], status=first.status, slack=slack)
    else:
        found[0] = replace(Found.of(solved), plan=found[0].plan, source=found[0].source)
    return replace(ranked, plans=_ranked(instance, found), first=first, min_difference=m,
                   shortfall=shortfall)


def alternative_seconds(left: float, still_wanted: int, first: SolveResult) -> float:
    """Time for one alternative: its share of what is left of the budget, and — when plan
    1 was proven optimal — at most ALTERNATIVE_SHARE of plan 1's time (at least
    ALTERNATIVE_MIN_SECONDS), so K plans cost about K × that share, not K × the budget.
    Alternatives start from a distinct valid plan with the search beside HiGHS, so a
    capped one is still a good plan, labelled with its own status."""
    share = left / still_wanted
    if first.status == SolveStatus.OPTIMAL:
        share = min(share, max(ALTERNATIVE_MIN_SECONDS, ALTERNATIVE_SHARE * first.seconds))
    return share


def distinct_start(instance: Instance, earlier: list[Plan], m: int,
                   heuristic: Plan | None) -> Plan | None:
    """A valid plan at least `m` from every earlier plan, to warm-start an alternative:
    plan 1 thinned — presence assignments removed in the order of the score each costs
    alone, skipping any whose removal breaks a hard rule — or the staff heuristic's plan
    when it is already distinct and scores higher."""
    earlier_counts = [presence_counts(instance, p) for p in earlier]

    def distinct(plan: Plan) -> bool:
        counts = presence_counts(instance, plan)
        return all(difference(counts, c) >= m for c in earlier_counts)

    candidates: list[tuple[float, Plan]] = []
    for plan in (heuristic if heuristic is not None and distinct(heuristic) else None,
                 _thinned(instance, earlier[0], distinct)):
        if plan is not None and (evaluation := evaluate(instance, plan)).valid:
            candidates.append((evaluation.score, plan))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


def _thinned(instance: Instance, plan: Plan, distinct) -> Plan | None:  # noqa: ANN001
    """Plan 1 without the presence it misses least, removed one unit-week at a time until
    it is distinct. Removing presence can only break a hard rule where it escorts a running
    mission (pins are never removed; garrisons, hours and distinction only gain), so only
    those removals are re-verified; each is ranked by the harm that unit-week averts alone."""
    pinned = instance.required_pins
    running = {(instance.missions[m.priority].hotspot, t)
               for m in plan.missions
               for t in instance.missions[m.priority].running_weeks(m.start_week)}
    removable = [a for a in plan.assignments
                 if a.task == "presence" and (a.unit, a.hotspot, a.week) not in pinned]

    def harm(a: Assignment) -> float:
        effects = instance.units[a.unit].spec.effects
        return sum(instance.risk(a.hotspot, c, a.week) * e for c, e in effects.items())

    kept = list(plan.assignments)
    for a in sorted(removable, key=lambda a: (harm(a), a.unit, a.week, a.hotspot)):
        trial = plan.model_copy(update={"assignments": [x for x in kept if x is not a]})
        escorting = instance.units[a.unit].spec.escort and (a.hotspot, a.week) in running
        if escorting and not evaluate(instance, trial).valid:
            continue
        kept = trial.assignments
        if distinct(trial):
            return trial
    return None


def _ranked(instance: Instance, found: list[Found]) -> tuple[RankedPlan, ...]:
    """Sorted by score, ranks 1..K; two neighbours tie when their scores differ by less
    than either one's slack (what its solve may have left on the table)."""
    order = sorted(found, key=lambda x: -x.evaluation.score)  # stable: earlier first
    best = order[0]
    best_bound = best.bound
    best_counts = presence_counts(instance, best.plan)
    ranked = []
    for j, x in enumerate(order):
        tie = any(abs(y.evaluation.score - x.evaluation.score)
                  <= max(x.slack, y.slack, TIE_TOLERANCE)
                  for y in order[max(0, j - 1):j] + order[j + 1:j + 2])
        ranked.append(RankedPlan(
            rank=j + 1, plan=x.plan, evaluation=x.evaluation,
            summary=describe_difference(instance, best.plan, best.evaluation, x.plan,
                                        x.evaluation) if j else "the best plan found",
            difference=difference(presence_counts(instance, x.plan), best_counts),
            tie=tie, status=x.status, source=x.source, bound=x.bound,
            versus_first=interval(x.evaluation.score, x.bound, best.evaluation.score,
                                  best_bound) if j else None))
    return tuple(ranked)


# ====================================================================== sentences
@dataclass(frozen=True)
class UnitMove:
    """One unit doing something else in a run of consecutive weeks: at `new` instead of
    `old` (None: at home)."""

    unit: str
    weeks: tuple[int, ...]
    old: str | None
    new: str | None


@dataclass(frozen=True)
class PlanMoves:
    """What changed from one plan to another: unit moves, longest first, and missions
    added, dropped or moved (priority, start before, start after; None: not scheduled)."""

    units: tuple[UnitMove, ...]
    missions: tuple[tuple[str, int | None, int | None], ...]


def plan_moves(best: Plan, plan: Plan, weeks: range) -> PlanMoves:
    """The moves from `best` to `plan`: presence runs by unit, longest first (stable by
    unit id), and every mission change."""
    moves: list[UnitMove] = []
    was, now = _where(best), _where(plan)
    for unit in sorted(set(was) | set(now)):
        for run, old, new in _runs(weeks, was.get(unit, {}), now.get(unit, {})):
            moves.append(UnitMove(unit, tuple(run), old, new))
    moves.sort(key=lambda m: -len(m.weeks))
    return PlanMoves(tuple(moves), tuple(mission_changes(best, plan)))


def moves_parts(instance: Instance, moves: PlanMoves, most: int) -> list[str]:
    """The moves as sentence parts: the `most` longest unit moves, how many more, then the
    mission changes."""
    names = _short_names(instance)
    parts = []
    for m in moves.units[:most]:
        span = weeks_phrase(m.weeks)
        if m.old is None:
            parts.append(f"adds {m.unit} at {names[m.new]} {span}")
        elif m.new is None:
            parts.append(f"keeps {m.unit} home {span} instead of at {names[m.old]}")
        else:
            parts.append(f"puts {m.unit} at {names[m.new]} {span} instead of {names[m.old]}")
    if len(moves.units) > most:
        parts.append(f"{len(moves.units) - most} more change(s)")
    for p, old, new in moves.missions:
        place = names[instance.missions[p].hotspot]
        if new is None:
            parts.append(f"drops the {place} mission {p}")
        elif old is None:
            parts.append(f"adds the {place} mission {p} in week {new}")
        else:
            parts.append(f"moves the {place} mission {p} to week {new} (from {old})")
    return parts


def describe_difference(instance: Instance, best: Plan, best_eval: Evaluation, plan: Plan,
                        evaluation: Evaluation, most: int = 3) -> str:
    """One sentence naming what really changed from plan 1: unit moves (by runs of weeks),
    missions added, dropped or moved, and the score difference."""
    parts = moves_parts(instance, plan_moves(best, plan, instance.weeks), most)
    delta = evaluation.score - best_eval.score
    head = "; ".join(parts) if parts else "same presence as plan 1 with other escorts or sorties"
    return f"{head[0].upper()}{head[1:]} (score {delta:+.1f} vs plan 1)."


def _short_names(instance: Instance) -> dict[str, str]:
    """"Koro (town and surrounding villages)" → "Koro": a sentence names places briefly."""
    return {h: name.split(" (")[0].strip() or h for h, name in instance.hotspot_names.items()}


def _where(plan: Plan) -> dict[str, dict[int, str]]:
    """unit → week → hotspot of its presence."""
    out: dict[str, dict[int, str]] = defaultdict(dict)
    for a in plan.assignments:
        if a.task == "presence":
            out[a.unit][a.week] = a.hotspot
    return out


def _runs(weeks: range, old: dict[int, str], new: dict[int, str]):
    """Maximal runs of consecutive weeks with the same (old, new) difference."""
    current: list[int] = []
    key = None
    for t in weeks:
        pair = (old.get(t), new.get(t))
        if pair[0] == pair[1]:
            if current:
                yield current, *key
            current, key = [], None
            continue
        if pair != key and current:
            yield current, *key
            current = []
        current.append(t)
        key = pair
    if current:
        yield current, *key


def mission_changes(before: Plan | None, after: Plan | None
                    ) -> list[tuple[str, int | None, int | None]]:
    """(priority, start week before, start week after) for every civilian mission added,
    dropped or moved between two plans (None: not scheduled), in id order."""
    was = {m.priority: m.start_week for m in before.missions} if before else {}
    now = {m.priority: m.start_week for m in after.missions} if after else {}
    return [(p, was.get(p), now.get(p)) for p in sorted(set(was) | set(now))
            if was.get(p) != now.get(p)]
