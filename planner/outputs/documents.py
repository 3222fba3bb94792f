"""The machine outputs of `pocplan plan` (docs/output-contract.md) and the numbers every report
shares.

One `Outcome` holds what a planning run produced (the ranked plans, or the staff
heuristic's plan alone, with the solver's status); everything else here turns it into:

- `plan_document` / `plan_json`: exactly the docs/output-contract.md document (`schema_version`,
`scenario`,
  `solver`, `plans`, then the optional top-level `heuristic`), keys in docs/output-contract.md's
  order,
  assignments and sorties in `Plan.canonical()` order, floats as Python's repr, so the
  same input and seed give the same `plans` bytes;
- `plan_csv`: one row per assignment and sortie of every plan;
- `plan_geojson`: a FeatureCollection of hotspots (Points, [lon, lat]) with plan 1's
  attributes;
- `tradeoff`: the trade-off row of docs/ranking-and-comparisons.md (terminal and Markdown tables);
- `priority_accounts`: per plan, every priority met / partial / unmet with a reason and,
  when `planner.analysis.pricing` priced it, a price;
- `assumptions`: the effects, caps and policy in force;

Nothing here recomputes a metric: every number comes from the evaluator's `Evaluation`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from models.base import ThreatCategory
from models.plan import Plan
from planner.domain.instance import Instance
from planner.domain.intervals import Difference
from planner.milp.status import SolveStatus
from planner.rules.accounts import (
    MET,
    PARTIAL,
    UNMET,
    PriorityAccount,
    derive_accounts,
    priority_weighted_share,
    status_of,
)
from planner.rules.assessments import assessment_scores
from planner.rules.evaluator import Evaluation, harm_averted_by_cell

SCHEMA_VERSION = 1
"""`schema_version` of the docs/output-contract.md document."""

CSV_COLUMNS = ("plan", "type", "unit", "hotspot", "week", "task", "mission", "count")
"""Columns of `--format csv`: one row per assignment (type assignment, count 1) or sortie."""

__all__ = ["MET", "PARTIAL", "UNMET", "PriorityAccount", "derive_accounts", "status_of"]


# ====================================================================== what a run produced
@dataclass(frozen=True)
class ScenarioInfo:
    """The docs/output-contract.md `scenario` object, plus what the reports show about the file."""

    name: str
    sha256: str
    """SHA-256 of the scenario file's bytes, hex."""
    weeks: int
    path: Path | None = None
    start: dt.date | None = None
    """Date of week 1, when the scenario gives one."""

    def week_start(self, week: int) -> dt.date | None:
        return None if self.start is None else self.start + dt.timedelta(weeks=week - 1)

    @property
    def end(self) -> dt.date | None:
        """Last day of the horizon."""
        return None if self.start is None else self.start + dt.timedelta(days=7 * self.weeks - 1)


@dataclass(frozen=True)
class PlanEntry:
    """One ranked plan, whatever produced it (ranking, or the staff heuristic alone)."""

    rank: int
    plan: Plan
    evaluation: Evaluation
    summary: str
    """How the plan differs from plan 1, in a sentence (docs/ranking-and-comparisons.md)."""
    difference: int = 0
    """D from plan 1, unit-weeks of presence by kind, hotspot and week."""
    tie: bool = False
    """Its score is within the optimality gap of a neighbour's: the order is not proven."""
    status: SolveStatus = SolveStatus.FEASIBLE
    assessments: dict[str, float] = field(default_factory=dict)
    """Assessment id (`base` first) → the plan's score under it; empty without
    `assessments:` in the scenario (docs/evaluation-contract.md §9)."""
    versus_first: Difference | None = None
    """Its score minus plan 1's with the interval the solves' bounds prove (§11)."""


@dataclass(frozen=True)
class Outcome:
    """Everything a `pocplan plan` run produced, ready to render."""

    scenario: ScenarioInfo
    instance: Instance
    backend: str
    status: SolveStatus
    """optimal | feasible | infeasible | no_solution | error (docs/output-contract.md
    `solver.status`)."""
    gap: float | None
    seconds: float
    """Wall-clock seconds of the whole run (all K plans)."""
    plans: tuple[PlanEntry, ...]
    heuristic: Plan | None = None
    heuristic_evaluation: Evaluation | None = None
    requested: int = 1
    min_difference: int | None = None
    shortfall: str | None = None
    """Why fewer plans than requested came back, or None."""
    message: str = ""
    conflicts: tuple[str, ...] = ()
    """For infeasible scenarios: the conflicting hard rules, one sentence each."""
    accounts: dict[int, tuple[PriorityAccount, ...]] = field(default_factory=dict)
    """Plan rank → the account of every priority of the scenario."""
    bound: float | None = None
    """Best bound on plan 1's score (score points), when the solver proved one."""
    reproducible: bool = True
    """False when a solve was cut by the wall clock: the same seed may give other plans."""
    heuristic_assessments: dict[str, float] = field(default_factory=dict)
    """The staff heuristic's plan's score under each assessment (empty without them)."""
    robust: Any = None
    """`planner.search.robust.RobustRanking` of a `--robust` run (objective, each plan's
    robust value, regret references), else None."""
    replan: Any = None
    """A `planner.analysis.replan.ReplanResult` when the run re-planned from an executed
    past (`pocplan replan`): weeks before its `from_week` are shown as executed."""

    def executed(self, week: int) -> bool:
        """Whether `week` was executed (a re-plan's weeks before its from_week)."""
        return self.replan is not None and week < self.replan.from_week

    def plan(self, rank: int) -> PlanEntry | None:
        return next((p for p in self.plans if p.rank == rank), None)

    def account(self, rank: int) -> tuple[PriorityAccount, ...]:
        if rank in self.accounts:
            return self.accounts[rank]
        entry = self.plan(rank)
        return derive_accounts(self.instance, entry.evaluation) if entry else ()


def outcome_from_ranked(scenario: ScenarioInfo, instance: Instance, ranked: Any,
                        accounts: dict[int, Iterable[Any]] | None = None,
                        robust: Any = None) -> Outcome:
    """An Outcome from `planner.search.ranking.RankedPlans` (its solver block comes from
    `ranked.first`, its time from `ranked.seconds`); `robust` is the RobustRanking of a
    `--robust` run."""
    first = ranked.first
    plans = tuple(PlanEntry(rank=p.rank, plan=p.plan, evaluation=p.evaluation,
                            summary=p.summary, difference=p.difference, tie=p.tie,
                            status=p.status, assessments=assessment_scores(instance, p.plan),
                            versus_first=getattr(p, "versus_first", None))
                  for p in ranked.plans)
    outcome = Outcome(
        scenario=scenario, instance=instance, backend=first.backend, status=first.status,
        gap=first.gap, seconds=ranked.seconds, plans=plans, heuristic=ranked.heuristic,
        heuristic_evaluation=ranked.heuristic_evaluation, requested=ranked.requested,
        min_difference=ranked.min_difference or None, shortfall=ranked.shortfall,
        message=first.message, conflicts=tuple(first.conflicts), bound=first.bound,
        reproducible=ranked.reproducible, robust=robust,
        heuristic_assessments=(assessment_scores(instance, ranked.heuristic)
                               if ranked.heuristic is not None else {}))
    return with_accounts(outcome, accounts)


def outcome_from_heuristic(scenario: ScenarioInfo, instance: Instance, plan: Plan,
                           evaluation: Evaluation, seconds: float, requested: int = 1) -> Outcome:
    """An Outcome for `--solver heuristic`: the staff heuristic's plan alone, unproven."""
    entry = PlanEntry(rank=1, plan=plan, evaluation=evaluation,
                      summary="the staff heuristic's plan (what a staff would do by hand)",
                      assessments=assessment_scores(instance, plan))
    shortfall = None
    if requested > 1:
        shortfall = "the staff heuristic gives one plan; use a solver for ranked alternatives"
    return with_accounts(Outcome(
        scenario=scenario, instance=instance, backend="heuristic",
        status=SolveStatus.FEASIBLE, gap=None,
        seconds=seconds, plans=(entry,), heuristic=plan, heuristic_evaluation=evaluation,
        requested=requested, shortfall=shortfall,
        heuristic_assessments=entry.assessments))


def with_accounts(outcome: Outcome,
                  accounts: dict[int, Iterable[Any]] | None = None) -> Outcome:
    """The outcome with a priority account for every plan: the given accounts (from
    `planner.analysis.pricing.account_priorities`, which prices unmet priorities) where present,
    else `derive_accounts` (no prices)."""
    given = accounts or {}
    table: dict[int, tuple[PriorityAccount, ...]] = {}
    for entry in outcome.plans:
        derived = derive_accounts(outcome.instance, entry.evaluation)
        by_id = {a.id: _as_account(a) for a in given.get(entry.rank, ())}
        table[entry.rank] = tuple(_merge(d, by_id.get(d.id)) for d in derived)
    return replace(outcome, accounts=table)


def _as_account(item: Any) -> PriorityAccount:
    return PriorityAccount(id=item.id, office=getattr(item, "office", None),
                           satisfaction=item.satisfaction, status=item.status,
                           reason=getattr(item, "reason", None),
                           price=getattr(item, "price", None), basis=getattr(item, "basis", None),
                           price_interval=getattr(item, "price_interval", None))


def _merge(derived: PriorityAccount, given: PriorityAccount | None) -> PriorityAccount:
    """The evaluator's satisfaction is authoritative; reasons and prices come from the
    priorities module when it has them and agrees on the status."""
    if given is None or given.status != derived.status:
        return derived
    return PriorityAccount(id=derived.id, office=given.office or derived.office,
                           satisfaction=derived.satisfaction, status=derived.status,
                           reason=given.reason if given.reason is not None else derived.reason,
                           price=given.price, basis=given.basis or derived.basis,
                           price_interval=given.price_interval)


# ====================================================================== trade-off rows
@dataclass(frozen=True)
class TradeOff:
    """One row of the COA trade-off table (docs/ranking-and-comparisons.md)."""

    score: float
    harm_averted: float
    baseline_share: float | None
    """harm_averted / baseline_risk."""
    priorities_met: float | None
    """Weighted share of priorities met."""
    retaliation: float
    vacuum: float
    ied: float
    engagement: float
    colocation_weeks: int
    unit_weeks: int
    sorties: int
    harm_vs_heuristic: float | None
    """(harm_averted / the staff heuristic's − 1), None without a heuristic plan."""
    attraction: float = 0.0
    """attraction_exposure (R13, v2)."""
    resupply: float = 0.0
    """resupply_exposure (R14, v2)."""
    reserve: float = 0.0
    """reserve_value (R16, v2)."""


def tradeoff(instance: Instance, evaluation: Evaluation,
             reference: Evaluation | None = None) -> TradeOff:
    m = evaluation.metrics
    vs = None
    if reference is not None and reference.metrics.harm_averted > 0:
        vs = m.harm_averted / reference.metrics.harm_averted - 1
    return TradeOff(
        score=evaluation.score, harm_averted=m.harm_averted,
        baseline_share=m.harm_averted / m.baseline_risk if m.baseline_risk else None,
        priorities_met=priority_weighted_share(instance, evaluation),
        retaliation=m.retaliation_exposure, vacuum=m.vacuum_exposure, ied=m.ied_exposure,
        engagement=m.engagement_exposure, colocation_weeks=m.colocation_weeks,
        unit_weeks=m.unit_weeks, sorties=m.sorties, harm_vs_heuristic=vs,
        attraction=m.attraction_exposure, resupply=m.resupply_exposure,
        reserve=m.reserve_value)


# ====================================================================== docs/output-contract.md
# JSON
def plan_document(outcome: Outcome, *, include_assumptions: bool = False) -> dict[str, Any]:
    """The docs/output-contract.md document. Required keys first, in docs/output-contract.md's
    order; extra keys (allowed by docs/output-contract.md)
    after them: `solver.bound`/`reproducible`, `plans[].difference`/`tie`, top-level
    `requested_plans`, `min_difference`,
    `shortfall`, `conflicts` (infeasible runs), `assumptions` (on request)."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scenario": {"name": outcome.scenario.name, "sha256": outcome.scenario.sha256,
                     "weeks": outcome.scenario.weeks},
        "solver": {"backend": outcome.backend, "status": outcome.status,
                   "gap": outcome.gap, "seconds": round(max(0.0, outcome.seconds), 3),
                   "bound": outcome.bound, "reproducible": outcome.reproducible},
        "plans": [plan_object(outcome, entry) for entry in outcome.plans],
    }
    if outcome.heuristic_evaluation is not None:
        doc["heuristic"] = {"score": outcome.heuristic_evaluation.score,
                            "metrics": outcome.heuristic_evaluation.metrics.as_dict()}
        if outcome.heuristic_assessments:
            doc["heuristic"]["assessments"] = dict(outcome.heuristic_assessments)
    if outcome.robust is not None:
        doc["robust"] = robust_object(outcome.robust)
    doc["requested_plans"] = outcome.requested
    if outcome.min_difference is not None:
        doc["min_difference"] = outcome.min_difference
    if outcome.shortfall:
        doc["shortfall"] = outcome.shortfall
    if outcome.conflicts:
        doc["conflicts"] = list(outcome.conflicts)
    if include_assumptions:
        doc["assumptions"] = assumptions(outcome.instance)
    if outcome.replan is not None:
        doc["replan"] = replan_object(outcome.replan)
    return doc


def replan_object(result: Any) -> dict[str, Any]:
    """The top-level `replan` object (docs/output-contract.md): from_week, executed_sha256,
    change_penalty and plan 1's changed_unit_weeks, then the executed weeks' broken rules
    and their score points."""
    return {"from_week": result.from_week, "executed_sha256": result.executed_sha256,
            "change_penalty": result.change_penalty,
            "changed_unit_weeks": result.changed_unit_weeks(1),
            "executed_score": result.executed_score,
            "executed_violations": [{"rule": v.rule, "week": v.week, "text": v.text}
                                    for v in result.executed_violations]}


def plan_replan_object(result: Any, rank: int) -> dict[str, Any]:
    """`plans[].replan`: the plan's re-plan objective and every changed unit-week."""
    return {"objective": result.objective.get(rank),
            "changed_unit_weeks": result.changed_unit_weeks(rank),
            "changes": [c.as_dict() for c in result.changes.get(rank, ())]}


def plan_object(outcome: Outcome, entry: PlanEntry) -> dict[str, Any]:
    """One element of docs/output-contract.md `plans`."""
    plan = entry.plan.canonical()
    return {
        "rank": entry.rank,
        "score": entry.evaluation.score,
        "metrics": entry.evaluation.metrics.as_dict(),
        "assignments": [{"unit": a.unit, "hotspot": a.hotspot, "week": a.week,
                         "task": a.task, "mission": a.mission} for a in plan.assignments],
        "sorties": [{"unit": s.unit, "hotspot": s.hotspot, "week": s.week, "count": s.count,
                     "task": s.task, "mission": s.mission} for s in plan.sorties],
        "missions": [{"priority": m.priority, "start_week": m.start_week}
                     for m in plan.missions],
        "priorities": [_priority_object(a) for a in outcome.account(entry.rank)],
        "summary": entry.summary,
        "warnings": [{"rule": w.rule, "hotspot": w.hotspot, "week": w.week, "text": w.text}
                     for w in entry.evaluation.warnings],
        "difference": entry.difference,
        "tie": entry.tie,
        **({"versus_plan1": entry.versus_first.as_dict()} if entry.versus_first else {}),
    } | ({"replan": plan_replan_object(outcome.replan, entry.rank)}
         if outcome.replan is not None else {}) | _assessment_keys(outcome, entry)


def _assessment_keys(outcome: Outcome, entry: PlanEntry) -> dict[str, Any]:
    """`assessments` (each assessment's score) and, in robust mode, `robust` (this plan's
    robust value and its proven interval); nothing for a scenario without assessments, so
    that its `plans` keep their bytes (docs/output-contract.md §9)."""
    keys: dict[str, Any] = {}
    if entry.assessments:
        keys["assessments"] = dict(entry.assessments)
    if outcome.robust is not None and entry.rank in outcome.robust.values:
        value = outcome.robust.values[entry.rank]
        low, high = value.low, value.high
        if outcome.robust.objective == "regret":  # a regret is shown as itself: lower is better
            low, high = -value.value, -value.low
        keys["robust"] = {"objective": outcome.robust.objective, "value": low if
                          outcome.robust.objective == "regret" else value.value,
                          "low": _finite(low), "high": _finite(high)}
    return keys


def _finite(x: float) -> float | None:
    return None if x != x or x in (float("inf"), float("-inf")) else x


def robust_object(robust: Any) -> dict[str, Any]:
    """The top-level `robust` key: which objective, and for regret each assessment's own
    best score and bound (the references the regret is measured against)."""
    return {"objective": robust.objective,
            "references": {a: {"score": r.score, "bound": r.bound, "status": r.status}
                           for a, r in robust.references.items()}}


def _priority_object(a: PriorityAccount) -> dict[str, Any]:
    """`plans[].priorities[]`; `price_interval` ({value, low, high, decided}, §11) when priced."""
    out = {"id": a.id, "satisfaction": a.satisfaction, "office": a.office, "status": a.status,
           "reason": a.reason, "price": a.price}
    if a.price_interval is not None:
        out["price_interval"] = a.price_interval.as_dict()
    return out


def plan_json(outcome: Outcome, *, include_assumptions: bool = False) -> str:
    """The docs/output-contract.md document as text: UTF-8, two-space indent, floats as Python's
    repr."""
    return json.dumps(plan_document(outcome, include_assumptions=include_assumptions),
                      indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# ====================================================================== CSV
def plan_csv(outcome: Outcome) -> str:
    """One row per assignment (count 1) and per sortie record of every plan, in rank then
    `Plan.canonical()` order; `mission` empty when none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # A re-plan adds one last column, `executed` (yes for weeks before its from_week).
    extra = (lambda week: ("yes" if outcome.executed(week) else "no",)) \
        if outcome.replan is not None else (lambda week: ())
    writer.writerow(CSV_COLUMNS + (("executed",) if outcome.replan is not None else ()))
    for entry in outcome.plans:
        plan = entry.plan.canonical()
        for a in plan.assignments:
            writer.writerow((entry.rank, "assignment", a.unit, a.hotspot, a.week, a.task,
                             a.mission or "", 1, *extra(a.week)))
        for s in plan.sorties:
            writer.writerow((entry.rank, "sortie", s.unit, s.hotspot, s.week, s.task,
                             s.mission or "", s.count, *extra(s.week)))
    return buffer.getvalue()


# ====================================================================== GeoJSON
def plan_geojson(outcome: Outcome, rank: int = 1) -> dict[str, Any]:
    """A FeatureCollection with one Point feature per hotspot ([lon, lat], RFC 7946), in
    scenario order, carrying plan `rank`'s attributes: baseline risk, harm averted (the
    evaluator's cells), the weeks and units present, sorties and the priorities there."""
    instance = outcome.instance
    entry = outcome.plan(rank)
    harm: dict[str, float] = {}
    present: dict[str, dict[int, list[str]]] = {h: {} for h in instance.hotspot_ids}
    sorties: dict[str, int] = dict.fromkeys(instance.hotspot_ids, 0)
    accounts = {a.id: a for a in outcome.account(rank)} if entry else {}
    if entry is not None:
        for (h, _), averted in sorted(harm_averted_by_cell(instance, entry.plan).items()):
            harm[h] = harm.get(h, 0.0) + averted  # the metric's own cells, whatever its weight
        for a in entry.plan.canonical().assignments:
            if a.task == "presence" and a.hotspot in present:
                present[a.hotspot].setdefault(a.week, []).append(a.unit)
        for s in entry.plan.sorties:
            if s.hotspot in sorties:
                sorties[s.hotspot] += s.count
    features = []
    for h in instance.scenario.hotspots:
        risk = sum(instance.total_risk[h.id, t] for t in instance.weeks)
        weeks = sorted(present[h.id])
        props: dict[str, Any] = {
            "id": h.id, "name": h.name or h.id, "pcode": h.pcode, "population": h.population,
            "baseline_risk": risk,
            "harm_averted": harm.get(h.id, 0.0) if entry is not None else None,
            "presence_weeks": weeks,
            "units_present": sorted({u for us in present[h.id].values() for u in us}),
            "sorties": sorties[h.id],
            "ground_closed_weeks": sorted(t for t in instance.weeks
                                          if (h.id, t) in instance.ground_closed),
            "partner_operation_weeks": sorted(t for t in instance.weeks
                                              if (h.id, t) in instance.partner_active),
            "state_presence_weeks": sorted(t for t in instance.weeks
                                           if (h.id, t) in instance.state_presence),
            "priorities": [
                {"id": p.id, "office": p.office, "kind": str(p.kind),
                 "satisfaction": accounts[p.id].satisfaction if p.id in accounts else None,
                 "status": accounts[p.id].status if p.id in accounts else None}
                for p in instance.scenario.priorities if p.hotspot == h.id],
        }
        features.append({"type": "Feature", "id": h.id,
                         "geometry": {"type": "Point",
                                      "coordinates": [h.location.lon, h.location.lat]},
                         "properties": props})
    return {"type": "FeatureCollection",
            "pocplan": {"scenario": outcome.scenario.name, "sha256": outcome.scenario.sha256,
                        "plan": rank if entry is not None else None,
                        "score": entry.evaluation.score if entry is not None else None}
                       | ({"executed_weeks": [t for t in instance.weeks if outcome.executed(t)]}
                          if outcome.replan is not None else {}),
            "features": features}


def geojson_text(outcome: Outcome, rank: int = 1) -> str:
    return json.dumps(plan_geojson(outcome, rank), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


# ====================================================================== assumptions
def assumptions(instance: Instance) -> dict[str, Any]:
    """The planning assumptions in force: each kind's parameters and effects (built-in
    table with the scenario's overrides; for ground kinds the v2 reserve and max_threat),
    the mitigation caps, and the policy (v2 knobs and escort tiers included)."""
    kinds = {}
    for name, spec in instance.kinds.items():
        entry: dict[str, Any] = {
            "domain": str(spec.domain), "presence": spec.presence, "police": spec.police,
            "escort": spec.escort, "range_km": spec.range_km,
            "effects": {str(c): spec.effects.get(c, 0.0) for c in ThreatCategory}}
        if spec.domain == "air":
            entry |= {"speed_kmh": spec.speed_kmh, "station_hours": spec.station_hours,
                      "flight_hours_per_week": spec.flight_hours_per_week}
        else:   # v2 (R16, R17)
            entry |= {"reserve": spec.reserve, "max_threat": spec.max_threat}
        kinds[str(name)] = entry
    return {"unit_kinds": kinds,
            "mitigation_caps": {str(c): instance.caps[c] for c in ThreatCategory},
            "policy": instance.policy.model_dump(mode="json")}


# ====================================================================== files
