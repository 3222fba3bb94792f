"""The account each plan owes the offices that submitted priorities (docs/rules.md (R10),
docs/output-contract.md).

For every plan and every priority: its satisfaction and status (met | partial | unmet),
and for each one not fully met, why:

- **structurally impossible** — the scenario itself rules it out, whatever the plan: no
  presence-capable unit can be at the hotspot in enough weeks of the window (ground
  closures, range, availability, forbid pins, garrison floors, distinction: forbid), or a
  mission's escort need exceeds what can reach the hotspot in every start week (escort
  units out of range or unavailable, no helicopter in range, flights closed, sortie hours).
  These are found by counting (`structural_obstacle`), with no re-solve;
- **outweighed** — a plan could meet it, at a price: the score lost when the plan is
  required to meet it. `price_priority` re-solves with one extra row
  (`require_priority[ID]`, built by `require_priority`) and the price is
  max(0, plan score − constrained score), with the main moves it would take.

Pricing is bounded: at most `price_limit` priorities (highest weight first), each
re-solve within an even share of the time budget, with the same seed. One re-solve per
priority serves every plan: the constrained optimum does not depend on which plan is
priced against it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from models.plan import Assignment, MissionStart, Plan, Sortie
from planner.domain.instance import Instance, MissionInfo
from planner.domain.intervals import UNDECIDED_ADVICE, Difference, difference, span_words
from planner.milp.formulation import Formulation
from planner.milp.status import SolveStatus
from planner.rules.accounts import (
    IMPOSSIBLE,
    MET,
    OUTWEIGHED,
    Basis,
    derive_accounts,
    ground_spare,
    shortfall,
    structural_obstacle,
)
from planner.rules.accounts import PriorityAccount as BaseAccount
from planner.rules.evaluator import Evaluation, evaluate
from planner.search.heuristic import staff_heuristic
from planner.search.pool import PlanPool
from planner.search.ranking import PlanMoves, moves_parts, plan_moves
from planner.search.solve import SolveOptions, SolveResult, solve

DEFAULT_PRICE_LIMIT = 5
"""How many priorities are priced by default (highest weight first)."""

MIN_RESOLVE_SECONDS = 0.5
"""No pricing re-solve gets less than this, however many share the budget."""


@dataclass(frozen=True)
class PriorityAccount(BaseAccount):
    """A docs/output-contract.md `plans[].priorities[]` entry with what pricing found (when it
    ran)."""

    moves: str | None = None
    """The main moves meeting it would take, from this plan (a sentence)."""
    constrained_score: float | None = None
    """Score of the best plan found that meets it."""
    constrained_plan: Plan | None = field(default=None, repr=False, compare=False)
    """That plan."""

    @property
    def structural(self) -> bool:
        """The reason is structural: no plan can meet it."""
        return self.basis is Basis.STRUCTURAL


# ====================================================================== the extra row
def require_priority(f: Formulation, priority_id: str) -> None:
    """Pricing row `require_priority[ID]`: the plan must meet the priority fully.

    secure_area: Σ_{t ∈ window} z[h,t] ≥ required_weeks (weeks where no unit can be
    present have no z and count 0, so too few of them make the row impossible);
    civilian_mission: Σ_s w[m,s] = 1 (scheduled once, in a start week that fits).
    """
    inst = f.instance
    name = f"require_priority[{priority_id}]"
    if priority_id in inst.secure_areas:
        area = inst.secure_areas[priority_id]
        terms = [(f.z[area.hotspot, t], 1.0) for t in area.window if (area.hotspot, t) in f.z]
        f.model.row(name, terms, lower=area.required)
    else:
        starts = [(v, 1.0) for (m, _), v in f.w.items() if m == priority_id]
        f.model.row(name, starts, lower=1, upper=1)


# ====================================================================== pricing
@dataclass(frozen=True)
class Pricing:
    """One constrained re-solve: the best plan found that meets the priority."""

    priority_id: str
    result: SolveResult

    @property
    def evaluation(self) -> Evaluation | None:
        return self.result.evaluation

    @property
    def hit_limit(self) -> bool:
        return self.result.status != SolveStatus.OPTIMAL


def price_priority(instance: Instance, priority_id: str, options: SolveOptions,
                   known: Sequence[tuple[Plan, Evaluation]] = (),
                   pool: PlanPool | None = None) -> Pricing:
    """Re-solve with the priority required (`require_priority[ID]`), same seed, within
    `options.time_limit`; no fallback to the staff heuristic (its plan may not meet it).

    `known` are plans already evaluated (the ranked plans, earlier re-solves): the best of
    them that fully meets the priority warm-starts the re-solve and is kept if the
    re-solve stops below it, so a time limit never inflates a price beyond what a known
    plan shows. Every plan met goes to `pool` (the run's plan pool): one that beats plan 1
    becomes plan 1 (planner.analysis.coas)."""
    candidates = [*known, *priority_first_plan(instance, priority_id)]
    for plan, _ in known[:3]:  # the ranked plans come first
        mended = repaired_plan(instance, plan, priority_id)
        if mended is not None:
            candidates.append((mended, evaluate(instance, mended)))
    meeting = [(plan, ev) for plan, ev in candidates
               if ev.valid and ev.satisfaction.get(priority_id, 0.0) >= 1 - 1e-9]
    seed = max(meeting, key=lambda pe: pe[1].score, default=None)
    result = solve(instance, options, customise=lambda f: require_priority(f, priority_id),
                   warm_start=seed[0] if seed else True, fallback=False, pool=pool,
                   source=f"pricing {priority_id}")
    if pool is not None and seed is not None:
        pool.offer(seed[0], f"pricing {priority_id} (start)", seed[1])
    if seed is not None and (result.evaluation is None
                             or result.evaluation.score < seed[1].score - 1e-9):
        result = replace(result, plan=seed[0], evaluation=seed[1], status=SolveStatus.FEASIBLE,
                         message="the re-solve stopped below a known plan meeting it")
    return Pricing(priority_id, result)


class _Repair:
    """A plan being mended greedily to meet one priority (a warm start, judged afterwards
    by the evaluator like any plan)."""

    def __init__(self, instance: Instance, plan: Plan):
        self.inst = instance
        self.ground = {(a.unit, a.week): a for a in plan.assignments}
        self.sorties: dict[tuple[str, str, int, str, str | None], int] = defaultdict(int)
        for x in plan.sorties:
            self.sorties[x.unit, x.hotspot, x.week, x.task, x.mission] += x.count
        self.missions = {m.priority: m.start_week for m in plan.missions}
        self.spare = ground_spare(instance)

    def out(self, base: str, t: int) -> int:
        return sum(1 for (u, w) in self.ground if w == t and self.inst.units[u].base == base)

    def present(self, h: str, t: int) -> list[str]:
        return [u for (u, w), a in self.ground.items()
                if w == t and a.hotspot == h and a.task == "presence"]

    def take(self, u: str, h: str, t: int) -> bool:
        """Free u for h in week t: a unit at home if its base can spare one more, else a
        unit holding presence elsewhere that no pin keeps there."""
        a = self.ground.get((u, t))
        if a is None:
            return self.out(self.inst.units[u].base, t) < self.spare[self.inst.units[u].base, t]
        return (a.task == "presence" and a.hotspot != h
                and (u, a.hotspot, t) not in self.inst.required_pins)

    def hold(self, h: str, t: int) -> bool:
        holders = sorted((u for u in self.inst.ground_units if u.spec.presence
                          and self.inst.presence_ok(u.id, h, t)),
                         key=lambda u: ((u.id, t) in self.ground, u.id))
        for u in holders:
            if self.take(u.id, h, t):
                self.ground[u.id, t] = Assignment(unit=u.id, hotspot=h, week=t, task="presence")
                return True
        return False

    def escort(self, mission: MissionInfo, t: int) -> bool:
        h = mission.hotspot
        have = sum(1 for u in self.present(h, t) if self.inst.units[u].spec.escort)
        have += sum(1 for a in self.ground.values()
                    if a.week == t and a.task == "escort" and a.mission == mission.id)
        for u in sorted(self.inst.ground_units, key=lambda u: ((u.id, t) in self.ground, u.id)):
            if have >= mission.need_ground[t]:
                break
            if u.spec.escort and self.inst.ground_ok(u.id, h, t) and self.take(u.id, h, t):
                self.ground[u.id, t] = Assignment(unit=u.id, hotspot=h, week=t, task="escort",
                                                  mission=mission.id)
                have += 1
        return have >= mission.need_ground[t] and self.fly(mission, t)

    def fly(self, mission: MissionInfo, t: int) -> bool:
        h = mission.hotspot
        flown = sum(n for (_, hh, w, task, _), n in self.sorties.items()
                    if hh == h and w == t and task == "escort")
        for key, n in sorted(self.sorties.items()):
            if flown >= mission.need_air[t]:
                break
            a, hh, w, task, _ = key
            if (hh, w, task) == (h, t, "show_of_force") and n > 0:
                moved = min(n, mission.need_air[t] - flown)
                self.sorties[key] -= moved
                self.sorties[a, h, t, "escort", mission.id] += moved
                flown += moved
        for a in sorted(self.inst.air_units, key=lambda u: u.id):
            if not self.inst.air_ok(a.id, h, t):
                continue
            while flown < mission.need_air[t]:
                if self.hours(a.id, t) + self.inst.sortie_hours(a.id, h) \
                        > a.flight_hours_per_week + 1e-10 and not self.ground_sortie(a.id, t):
                    break
                if self.hours(a.id, t) + self.inst.sortie_hours(a.id, h) \
                        <= a.flight_hours_per_week + 1e-10:
                    self.sorties[a.id, h, t, "escort", mission.id] += 1
                    flown += 1
        return flown >= mission.need_air[t]

    def ground_sortie(self, a: str, t: int) -> bool:
        """Cancel one show-of-force sortie of `a` in week t (never a pinned one's last)."""
        for key, n in sorted(self.sorties.items()):
            u, h, w, task, _ = key
            pinned = 1 if (u, h, t) in self.inst.required_pins else 0
            if (u, w, task) == (a, t, "show_of_force") and n > pinned:
                self.sorties[key] -= 1
                return True
        return False

    def hours(self, a: str, t: int) -> float:
        return sum(n * self.inst.sortie_hours(a, h)
                   for (u, h, w, _, _), n in self.sorties.items() if u == a and w == t)

    def plan(self) -> Plan:
        return Plan(assignments=list(self.ground.values()),
                    sorties=[Sortie(unit=u, hotspot=h, week=t, count=n, task=task,
                                    mission=m)
                             for (u, h, t, task, m), n in self.sorties.items() if n > 0],
                    missions=[MissionStart(priority=m, start_week=w)
                              for m, w in self.missions.items()]).canonical()


def repaired_plan(instance: Instance, plan: Plan, priority_id: str) -> Plan | None:
    """`plan` mended greedily to meet the priority: a secure area held in the missing
    weeks nearest to the weeks already held (free units first, then units moved from
    elsewhere); a mission at its earliest start whose escorts can be found. None when the
    greedy mending finds no way."""
    if priority_id in instance.secure_areas:
        area = instance.secure_areas[priority_id]
        repair = _Repair(instance, plan)
        held = {t for t in area.window if repair.present(area.hotspot, t)}
        missing = sorted((t for t in area.window if t not in held),
                         key=lambda t: (min((abs(t - w) for w in held), default=0), t))
        for t in missing:
            if len(held) >= area.required:
                break
            if repair.hold(area.hotspot, t):
                held.add(t)
        return repair.plan() if len(held) >= area.required else None
    mission = instance.missions[priority_id]
    for start in mission.starts:
        repair = _Repair(instance, plan)
        if all(repair.escort(mission, t) for t in mission.running_weeks(start)):
            repair.missions[mission.id] = start
            return repair.plan()
    return None


def priority_first_plan(instance: Instance,
                        priority_id: str) -> list[tuple[Plan, Evaluation]]:
    """The staff heuristic's plan with this priority put first — a mission given an
    overriding weight (missions go by weight), or a secure area's hotspot an overriding
    population (hotspots go by risk) — as a warm start for its pricing re-solve: hard
    rules do not depend on weights or populations, so the plan is judged by the original
    scenario and kept only when it is valid there and meets the priority."""
    s = instance.scenario
    if priority_id in instance.secure_areas:
        h = instance.secure_areas[priority_id].hotspot
        most = max(x.population for x in s.hotspots)
        update = {"hotspots": [x.model_copy(update={"population": 1000 * (most + 1)})
                               if x.id == h else x for x in s.hotspots]}
    else:
        heaviest = max(p.weight for p in s.priorities)
        update = {"priorities": [p.model_copy(update={"weight": 1000 * (heaviest + 1)})
                                 if p.id == priority_id else p for p in s.priorities]}
    try:
        plan = staff_heuristic(Instance.build(s.model_copy(update=update)))
    except Exception:  # noqa: BLE001 - only a warm start: without it the re-solve starts cold
        return []
    evaluation = evaluate(instance, plan)
    return [(plan, evaluation)] if evaluation.valid else []


def moves_sentence(instance: Instance, plan: Plan, constrained: Plan, most: int = 4) -> str:
    """The main moves from `plan` to the plan meeting the priority, at most `most` parts:
    the three longest unit moves, then the mission changes, then how many more (the price
    says the score)."""
    moves = plan_moves(plan, constrained, instance.weeks)
    shown = moves_parts(instance, PlanMoves(moves.units[:3], moves.missions), most=3)
    more = max(0, len(moves.units) - 3) + max(0, len(shown) - most)
    parts = shown[:most] + ([f"{more} more change(s)"] if more else [])
    return "; ".join(parts) if parts else "same presence as this plan with other escorts or sorties"


def _priced_account(instance: Instance, base: BaseAccount, plan: Plan,
                    evaluation: Evaluation, pricing: Pricing, seconds: float,
                    bound: float | None = None) -> PriorityAccount:
    result = pricing.result
    short = shortfall(instance, base.id, base.satisfaction).split(";")[0]
    if result.status == SolveStatus.INFEASIBLE:
        conflicts = "; ".join(result.conflicts) or "the hard rules conflict"
        return PriorityAccount(**vars(base) | {
            "reason": f"{IMPOSSIBLE} under the hard rules together: no plan meeting it "
                      f"satisfies them ({conflicts})", "basis": Basis.STRUCTURAL})
    if result.plan is None or result.evaluation is None:
        return PriorityAccount(**vars(base) | {
            "reason": f"{OUTWEIGHED}: {short}; not priced: no plan meeting it was found "
                      f"within {seconds:.1f} s", "basis": Basis.NO_PLAN_FOUND})
    constrained = result.evaluation.score
    price = max(0.0, evaluation.score - constrained)
    moves = moves_sentence(instance, plan, result.plan)
    # This plan against the best plan meeting it: what the two solves' bounds prove
    # (docs/ranking-and-comparisons.md §11); a proven re-solve has bound = score.
    interval = difference(evaluation.score, bound, constrained,
                          constrained if not pricing.hit_limit else result.bound)
    cost = price_words(interval, price)
    if price <= 1e-9:
        reason = (f"not met, though meeting it costs nothing against this plan: the best plan "
                  f"found that meets it scores {constrained:,.1f} ({moves})")
    else:
        costs = "the cost of meeting it is" if cost.startswith("not decided") else \
            "meeting it costs"
        reason = f"{OUTWEIGHED}: {short}; {costs} {cost}; it takes: {moves}" \
            if not interval.proven else f"{OUTWEIGHED}: {short}; meeting it costs {cost}: {moves}"
    return PriorityAccount(**vars(base) | {
        "reason": reason, "price": price, "moves": moves, "constrained_score": constrained,
        "constrained_plan": result.plan, "price_interval": interval,
        "basis": Basis.FREE if price <= 1e-9 else Basis.PRICED})


def price_words(interval: Difference, price: float) -> str:
    """The price in words, never a bare number when the interval does not decide it."""
    if interval.proven:
        return f"{price:,.1f} points"
    span = span_words(interval)
    if interval.decided:
        return f"{price:,.1f} points found ({span}: a solve stopped at its time limit)"
    return f"not decided at this time limit ({price:,.1f} points found, {span}): {UNDECIDED_ADVICE}"


def _entries(plans: Any) -> list[Any]:
    """Plans to account for: a RankedPlans, an Outcome, or entries with rank, plan and
    evaluation."""
    entries = getattr(plans, "plans", plans)
    return [e for e in entries if getattr(e, "evaluation", None) is not None]


def account_priorities(instance: Instance, plans: Any, options: SolveOptions | None = None,
                       *, price_limit: int = DEFAULT_PRICE_LIMIT, pool: PlanPool | None = None,
                       pricings: dict[str, tuple[Pricing, float]] | None = None,
                       unpriced: str | None = None
                       ) -> dict[int, tuple[PriorityAccount, ...]]:
    """Per plan rank, the account of every priority of the scenario, in scenario order.

    Priorities not fully met in some plan get a structural reason (no re-solve) or are
    priced: at most `price_limit` of them, highest weight first, each by one re-solve
    within an even share of `options.time_limit` (the whole pricing budget), with
    `options.seed`. The others say "not priced (limit N)". A price is never negative.
    Re-solve plans go to `pool`; `pricings` (from `price_unmet`) are used instead of
    re-solving; `unpriced` says why the others were not priced when it is not the limit.
    """
    options = options or SolveOptions()
    entries = _entries(plans)
    base = {e.rank: derive_accounts(instance, e.evaluation) for e in entries}
    structural, priced_ids, known = _to_price(instance, plans, entries, base, price_limit)
    if pricings is None:
        pricings = _price_all(instance, priced_ids, options, known, pool)
    table = {}
    for e in entries:
        accounts = []
        for a in base[e.rank]:
            if a.status == MET:
                accounts.append(PriorityAccount(**vars(a) | {"reason": None, "basis": None}))
            elif a.id in structural:
                accounts.append(PriorityAccount(**vars(a) | {"reason": structural[a.id],
                                                              "basis": Basis.STRUCTURAL}))
            elif a.id in pricings:
                pricing, seconds = pricings[a.id]
                accounts.append(_priced_account(instance, a, e.plan, e.evaluation, pricing,
                                                seconds, _plan_bound(e)))
            else:
                why = unpriced or (OUT_OF_TIME if a.id in priced_ids
                                   else f"not priced (limit {price_limit})")
                reason = f"{OUTWEIGHED}: {shortfall(instance, a.id, a.satisfaction)}; {why}"
                accounts.append(PriorityAccount(**vars(a) | {"reason": reason,
                                                              "basis": Basis.NOT_PRICED}))
        table[e.rank] = tuple(accounts)
    return table


OUT_OF_TIME = "not priced: the time limit ran out before its re-solve; raise --time-limit"
"""Why a priority within the price limit has no price: pricing stopped part-way."""


def _plan_bound(entry: Any) -> float | None:
    """The bound behind a plan's side of its prices: the bound of the solve that found it
    (a ranked plan; None: unknown), or its own score for a plan given as it stands."""
    return entry.bound if hasattr(entry, "bound") else entry.evaluation.score


def price_unmet(instance: Instance, plans: Any, options: SolveOptions, *,
                price_limit: int = DEFAULT_PRICE_LIMIT,
                pool: PlanPool | None = None) -> dict[str, tuple[Pricing, float]]:
    """The re-solves `account_priorities` runs, alone (pass them back as `pricings=`)."""
    entries = _entries(plans)
    base = {e.rank: derive_accounts(instance, e.evaluation) for e in entries}
    _, priced_ids, known = _to_price(instance, plans, entries, base, price_limit)
    return _price_all(instance, priced_ids, options, known, pool)


def _to_price(instance: Instance, plans: Any, entries: list[Any],
              base: dict[int, tuple[BaseAccount, ...]], price_limit: int
              ) -> tuple[dict[str, str], list[str], list[tuple[Plan, Evaluation]]]:
    """The structural reasons by priority id, the ids to price (highest weight first, at
    most `price_limit`), and the plans already known (warm starts for the re-solves)."""
    spare = ground_spare(instance)
    short = [p for p in instance.scenario.priorities
             if any(a.id == p.id and a.status != MET for acc in base.values() for a in acc)]
    structural = {p.id: r for p in short
                  if (r := structural_obstacle(instance, p.id, spare)) is not None}
    candidates = sorted((p for p in short if p.id not in structural),
                        key=lambda p: -p.weight)  # stable: scenario order among equals
    priced_ids = [p.id for p in candidates[:max(0, price_limit)]]
    known = [(e.plan, e.evaluation) for e in entries]
    heuristic = getattr(plans, "heuristic", None)
    heuristic_eval = getattr(plans, "heuristic_evaluation", None)
    if heuristic is not None and heuristic_eval is not None:
        known.append((heuristic, heuristic_eval))
    return structural, priced_ids, known


def _price_all(instance: Instance, priority_ids: Iterable[str], options: SolveOptions,
               known: list[tuple[Plan, Evaluation]],
               pool: PlanPool | None = None) -> dict[str, tuple[Pricing, float]]:
    """One re-solve per priority, each within an even share of what is left of the budget;
    each plan found joins `known` (it may meet the next priority too)."""
    ids = list(priority_ids)
    started = time.perf_counter()
    found = {}
    for i, pid in enumerate(ids):
        left = options.time_limit - (time.perf_counter() - started)
        if i and left < MIN_RESOLVE_SECONDS:
            break  # the budget is the command's: what is left unpriced says so
        share = max(MIN_RESOLVE_SECONDS, left / (len(ids) - i))
        pricing = price_priority(instance, pid, replace(options, time_limit=share), known,
                                 pool)
        found[pid] = (pricing, share)
        if pricing.result.plan is not None and pricing.result.evaluation is not None:
            known.append((pricing.result.plan, pricing.result.evaluation))
    return found


def unpriced_count(accounts: dict[int, tuple[PriorityAccount, ...]]) -> int:
    """How many distinct priorities were left unpriced for lack of the price limit."""
    return len({a.id for acc in accounts.values() for a in acc
                 if a.basis is Basis.NOT_PRICED})
