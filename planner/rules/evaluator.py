"""The one evaluator of docs/evaluation-contract.md, evaluation contract v1.

`evaluate(instance, plan)` judges any plan (from a solver backend, the staff heuristic or
a hand-written JSON file) from the plan alone: which hard rules it breaks, every
docs/output-contract.md metric,
the score, each priority's satisfaction, the per-contribution terms behind the soft rules,
and the warnings a briefing shows. Backends, ranking, reports and tests all go through it.

Hard rules are functions `(instance, view) -> list[Violation]`, metrics are functions
`(instance, view) -> (value, terms)`; both are registered once, in order, in `HARD_RULES`
and `METRICS`. A `PlanView` indexes the plan once so that every rule is a dictionary
look-up per unit, hotspot and week.

Readings of docs/evaluation-contract.md where it leaves a detail open (each repeated where it is
applied):
- *present* = assigned with task presence; escort-task units are never present. A police
  unit is one whose kind has police = yes; a military unit is any other present unit.
- Records that name an unknown unit or hotspot, put an air unit in `assignments` or a
  ground unit in `sorties`, or fall outside weeks 1..T break a plan-shape rule and are
  left out of every other rule and every metric (so `evaluate` never fails on a Plan).
- A civilian mission scheduled more than once breaks `mission_window`; the metrics use
  its earliest start.
- Sums run over sorted hotspot, unit and mission ids and ascending weeks, in plain floats,
  so one plan always gets the same score to the last bit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields

from models.base import ThreatCategory
from models.plan import Assignment, Plan, Sortie
from models.scenario import DistinctionMode
from planner.domain.instance import Instance, MissionInfo, window_weeks
from planner.domain.text import weeks_phrase

HOURS_TOLERANCE = 1e-9
"""Flight hours a unit may exceed its weekly limit by, h (floating-point slack only)."""

Key = tuple[str, int]
"""(hotspot, week) or (unit, week)."""


# ====================================================================== result types
@dataclass(frozen=True)
class Violation:
    """A broken hard rule: the plan is invalid and is never printed as a plan."""

    rule: str
    """Name of the hard rule broken, as registered in HARD_RULES."""
    text: str
    """A sentence naming who, where and when, and how to fix it."""
    unit: str | None = None
    hotspot: str | None = None
    base: str | None = None
    week: int | None = None
    mission: str | None = None


@dataclass(frozen=True)
class Metrics:
    """The metrics of docs/output-contract.md, in its key order."""

    harm_averted: float
    priority_value: float
    retaliation_exposure: float
    vacuum_exposure: float
    ied_exposure: float
    engagement_exposure: float
    distinction_penalty: float
    colocation_weeks: int
    baseline_risk: float
    unit_weeks: int
    sorties: int
    attraction_exposure: float = 0.0
    """R13 (v2): 0 when attraction_factor is 0."""
    resupply_exposure: float = 0.0
    """R14 (v2): 0 when resupply_weeks is 0."""
    reserve_value: float = 0.0
    """R16 (v2): 0 when reserve_factor is 0."""

    def as_dict(self) -> dict[str, float | int]:
        """The metrics as docs/output-contract.md's `plans[].metrics` object, in
        docs/output-contract.md key order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Term:
    """One contribution to the score, for explanations ("short stay at KORO ending w7: -64").

    `value` is in score points, signed and weighted: what this contribution adds to the
    score (negative for the exposures and the penalty). The terms of one metric add up to
    ± weight × that metric.
    """

    metric: str
    hotspot: str | None
    week: int | None
    value: float
    detail: str


@dataclass(frozen=True)
class PlanWarning:
    """A docs/output-contract.md `plans[].warnings[]` entry; rule is short_stay, vacuum,
    colocation, hrddp or (v2) engagement."""

    rule: str
    hotspot: str
    week: int
    text: str


@dataclass(frozen=True)
class Evaluation:
    """Everything docs/evaluation-contract.md and docs/output-contract.md say about one plan."""

    score: float
    metrics: Metrics
    violations: tuple[Violation, ...]
    terms: tuple[Term, ...]
    satisfaction: dict[str, float]
    """Every priority id of the scenario → its satisfaction in [0, 1]."""
    warnings: tuple[PlanWarning, ...]

    @property
    def valid(self) -> bool:
        """A plan is valid when it breaks no hard rule."""
        return not self.violations


# ====================================================================== the plan, indexed
@dataclass(frozen=True)
class PlanView:
    """A plan indexed once by (unit, week) and (hotspot, week) for the rules and metrics."""

    plan: Plan
    """The plan as given, malformed records included (for the plan-shape rules)."""
    assignments: tuple[Assignment, ...]
    """Well-formed assignments: a known ground unit at a known hotspot in weeks 1..T."""
    sorties: tuple[Sortie, ...]
    """Well-formed sorties: a known air unit to a known hotspot in weeks 1..T."""
    missions: dict[str, int]
    """Scheduled civilian missions (known ids) → start week (the earliest if repeated)."""
    by_unit_week: dict[Key, tuple[Assignment, ...]]
    """(unit, week) → that unit's assignments in that week."""
    present: dict[Key, tuple[str, ...]]
    """(hotspot, week) → sorted ids of the units present (task presence)."""
    military: frozenset[Key]
    """(hotspot, week) with a present unit whose kind has police = no: mil[h,t]."""
    police: frozenset[Key]
    """(hotspot, week) with a present unit whose kind has police = yes: pol[h,t]."""
    sorties_at: dict[Key, tuple[tuple[str, int], ...]]
    """(hotspot, week) → sorted (air unit, sorties of any task) flown there."""
    escort_sorties: dict[Key, int]
    """(hotspot, week) → escort-task sorties flown there, whatever their mission field."""

    @classmethod
    def build(cls, instance: Instance, plan: Plan) -> PlanView:
        assignments = tuple(a for a in plan.assignments if _well_formed(instance, a, True))
        sorties = tuple(s for s in plan.sorties if _well_formed(instance, s, False))
        by_unit_week: dict[Key, list[Assignment]] = defaultdict(list)
        present: dict[Key, set[str]] = defaultdict(set)
        for a in assignments:
            by_unit_week[a.unit, a.week].append(a)
            if a.task == "presence":
                present[a.hotspot, a.week].add(a.unit)
        counts: dict[tuple[str, str, int], int] = defaultdict(int)
        escort_sorties: dict[Key, int] = defaultdict(int)
        for s in sorties:
            counts[s.hotspot, s.week, s.unit] += s.count
            if s.task == "escort":
                escort_sorties[s.hotspot, s.week] += s.count
        sorties_at: dict[Key, list[tuple[str, int]]] = defaultdict(list)
        for (h, t, u), n in sorted(counts.items()):
            sorties_at[h, t].append((u, n))
        missions: dict[str, int] = {}
        for m in plan.missions:
            if m.priority in instance.missions:
                missions[m.priority] = min(m.start_week, missions.get(m.priority, m.start_week))
        police = frozenset(k for k, us in present.items()
                           if any(instance.units[u].spec.police for u in us))
        military = frozenset(k for k, us in present.items()
                             if any(not instance.units[u].spec.police for u in us))
        return cls(plan=plan, assignments=assignments, sorties=sorties, missions=missions,
                   by_unit_week={k: tuple(v) for k, v in by_unit_week.items()},
                   present={k: tuple(sorted(v)) for k, v in present.items()},
                   military=military, police=police,
                   sorties_at={k: tuple(v) for k, v in sorties_at.items()},
                   escort_sorties=dict(escort_sorties))

    def z(self, h: str, t: int) -> bool:
        """z[h,t]: some unit is present at h in week t."""
        return (h, t) in self.present


def _well_formed(instance: Instance, record: Assignment | Sortie, ground: bool) -> bool:
    unit = instance.units.get(record.unit)
    return (unit is not None and unit.is_ground == ground
            and record.hotspot in instance.hotspot_names
            and record.week <= instance.horizon_weeks)


def _running_weeks(instance: Instance, mission: MissionInfo, start: int) -> tuple[int, ...]:
    """The weeks a mission started in `start` runs, cut at the end of the horizon."""
    return tuple(t for t in mission.running_weeks(start) if t <= instance.horizon_weeks)


# ====================================================================== hard rules
HardRule = Callable[[Instance, PlanView], list[Violation]]


def known_ids(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule (plan shape): "A plan is: assignments of ground units (unit, hotspot, week,
    …), sorties of air units (unit, hotspot, week, count, …)" — of the scenario's units, to
    the scenario's hotspots. Every unit and hotspot id a record names must exist."""
    out = []
    for kind, records in (("assignment", view.plan.assignments), ("sortie", view.plan.sorties)):
        for r in records:
            if r.unit not in instance.units:
                out.append(Violation("known_ids", f"The {kind} of {r.unit} to {r.hotspot} in "
                                     f"week {r.week} names unit {r.unit}, which the scenario "
                                     "does not have: correct the id or remove the record.",
                                     unit=r.unit, hotspot=r.hotspot, week=r.week))
            if r.hotspot not in instance.hotspot_names:
                out.append(Violation("known_ids", f"The {kind} of {r.unit} in week {r.week} "
                                     f"names hotspot {r.hotspot}, which the scenario does not "
                                     "have: correct the id or remove the record.",
                                     unit=r.unit, hotspot=r.hotspot, week=r.week))
    return out


def unit_domain(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule (plan shape): "assignments of ground units …, sorties of air units". An air
    unit never appears in `assignments`, a ground unit never in `sorties`."""
    out = []
    for a in view.plan.assignments:
        if a.unit in instance.units and instance.units[a.unit].is_air:
            out.append(Violation("unit_domain", f"{a.unit} is an air unit but has a ground "
                                 f"assignment at {a.hotspot} in week {a.week}: give it sorties "
                                 "instead.", unit=a.unit, hotspot=a.hotspot, week=a.week))
    for s in view.plan.sorties:
        if s.unit in instance.units and instance.units[s.unit].is_ground:
            out.append(Violation("unit_domain", f"{s.unit} is a ground unit but flies sorties "
                                 f"to {s.hotspot} in week {s.week}: give it an assignment "
                                 "instead.", unit=s.unit, hotspot=s.hotspot, week=s.week))
    return out


def plan_weeks(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule (plan shape): "Weeks are 1-based integers" of the horizon
    (docs/scenario-format.md). Every
    assignment and sortie falls in weeks 1..T (mission starts: see `mission_window`)."""
    T = instance.horizon_weeks
    return [Violation("plan_weeks", f"{r.unit} at {r.hotspot} in week {r.week} is beyond the "
                      f"{T}-week horizon: use weeks 1–{T}.",
                      unit=r.unit, hotspot=r.hotspot, week=r.week)
            for r in (*view.plan.assignments, *view.plan.sorties) if r.week > T]


def one_task_per_week(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "a ground unit has at most one assignment per week"."""
    out = []
    for (u, t), records in sorted(view.by_unit_week.items()):
        if len(records) > 1:
            what = ", ".join(f"{a.task} at {a.hotspot}" for a in records)
            out.append(Violation("one_task_per_week", f"{u} has {len(records)} assignments in "
                                 f"week {t} ({what}): keep one.", unit=u, week=t))
    return out


def availability(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "a ground unit has at most one assignment per week, only in its available
    weeks"; "air units fly only in their available weeks"."""
    out = []
    for kind, records in (("assigned", view.assignments), ("flies", view.sorties)):
        for r in records:
            if r.week not in instance.units[r.unit].available:
                out.append(Violation("availability", f"{r.unit} {kind} to {r.hotspot} in week "
                                     f"{r.week} but is not available that week: use another "
                                     "unit or week.", unit=r.unit, hotspot=r.hotspot,
                                     week=r.week))
    return out


def task_capability(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "task presence only for kinds with presence = yes; task escort only for
    kinds with escort = 1". A presence assignment names no mission (only escorts do)."""
    out = []
    for a in view.assignments:
        spec = instance.units[a.unit].spec
        where = dict(unit=a.unit, hotspot=a.hotspot, week=a.week, mission=a.mission)
        if a.task == "presence" and not spec.presence:
            out.append(Violation("task_capability", f"{a.unit} ({spec.kind}) cannot hold a "
                                 f"presence at {a.hotspot} in week {a.week}: its kind has "
                                 "presence = no; give it task escort or use another unit.",
                                 **where))
        if a.task == "escort" and not spec.escort:
            out.append(Violation("task_capability", f"{a.unit} ({spec.kind}) cannot escort at "
                                 f"{a.hotspot} in week {a.week}: its kind has escort = 0; use "
                                 "an escort-capable unit.", **where))
        if a.task == "presence" and a.mission is not None:
            out.append(Violation("task_capability", f"{a.unit}'s presence at {a.hotspot} in "
                                 f"week {a.week} names mission {a.mission}: only escort "
                                 "assignments name a mission; set mission to null.", **where))
    return out


def ground_range(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "ground units only at hotspots within range_km of their base"."""
    out = []
    for a in view.assignments:
        if not instance.in_range(a.unit, a.hotspot):
            info = instance.units[a.unit]
            out.append(Violation("ground_range", f"{a.hotspot} is "
                                 f"{instance.distance(a.unit, a.hotspot):.0f} km from "
                                 f"{info.base}, beyond {a.unit}'s {info.spec.range_km:.0f} km "
                                 f"range (week {a.week}): use a unit that reaches it.",
                                 unit=a.unit, hotspot=a.hotspot, base=info.base, week=a.week))
    return out


def ground_closure(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: ground units "not in ground-closed weeks" (any task)."""
    return [Violation("ground_closure", f"{a.hotspot} is closed to ground movement in week "
                      f"{a.week}, yet {a.unit} is assigned there: move the assignment to an "
                      "open week or fly instead.", unit=a.unit, hotspot=a.hotspot, week=a.week)
            for a in view.assignments if (a.hotspot, a.week) in instance.ground_closed]


def air_range(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "air units fly only … within their kind's range"."""
    out = []
    for s in view.sorties:
        if not instance.in_range(s.unit, s.hotspot):
            info = instance.units[s.unit]
            out.append(Violation("air_range", f"{s.hotspot} is "
                                 f"{instance.distance(s.unit, s.hotspot):.0f} km from "
                                 f"{info.base}, beyond {s.unit}'s {info.spec.range_km:.0f} km "
                                 f"range (week {s.week}): use an aircraft that reaches it.",
                                 unit=s.unit, hotspot=s.hotspot, base=info.base, week=s.week))
    return out


def air_closure(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: air units fly "not in their base's air-closed weeks"."""
    out = []
    for s in view.sorties:
        base = instance.units[s.unit].base
        if (base, s.week) in instance.air_closed:
            out.append(Violation("air_closure", f"{base} is closed to flights in week "
                                 f"{s.week}, yet {s.unit} flies to {s.hotspot}: move the "
                                 "sorties to another week.", unit=s.unit, hotspot=s.hotspot,
                                 base=base, week=s.week))
    return out


def flight_hours(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "Σ count × sortie hours ≤ flight_hours_per_week each week; an air unit may
    fly to several hotspots and both tasks in one week". Records with the same unit,
    hotspot, week and task add up; 1e-9 h of floating-point slack."""
    hours: dict[Key, float] = defaultdict(float)
    for s in sorted(view.sorties, key=lambda s: (s.unit, s.week, s.hotspot, s.task)):
        hours[s.unit, s.week] += s.count * instance.sortie_hours(s.unit, s.hotspot)
    out = []
    for (u, t), flown in sorted(hours.items()):
        limit = instance.units[u].flight_hours_per_week
        if flown > limit + HOURS_TOLERANCE:
            out.append(Violation("flight_hours", f"{u} flies {flown:.2f} h in week {t}, over "
                                 f"its {limit:g} h a week: cut sorties.", unit=u, week=t))
    return out


def garrison_floor(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "each base keeps unassigned, every week, at least min(min_garrison, its
    available ground units that week) of its available ground units (all ground kinds
    count; an unavailable unit does not count as kept home)".

    kept[b,t] = #{u of b: t ∈ available(u), u has no assignment in t}
    kept[b,t] ≥ min(min_garrison_b, #{u of b: t ∈ available(u)})."""
    out = []
    for b in sorted(instance.base_ids):
        for t in instance.weeks:
            available = instance.available_ground[b, t]
            kept = sum(1 for u in available if (u, t) not in view.by_unit_week)
            floor = instance.garrison_floor(b, t)
            if kept < floor:
                out.append(Violation("garrison_floor", f"{b} keeps {kept} of its "
                                     f"{len(available)} available ground units home in week "
                                     f"{t}, below its garrison floor of {floor}: bring "
                                     f"{floor - kept} back.", base=b, week=t))
    return out


def commitments(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "commitments: `require` — a ground unit is present at the hotspot in each
    of those weeks, an air unit flies at least one sortie there each week; `forbid` — no
    assignment or sortie of the unit at that hotspot in those weeks"."""
    assigned = {(a.unit, a.hotspot, a.week) for a in view.assignments}
    present = {(a.unit, a.hotspot, a.week) for a in view.assignments if a.task == "presence"}
    flown = {(s.unit, s.hotspot, s.week) for s in view.sorties}
    out = []
    for u, h, t in sorted(instance.required_pins):
        info = instance.units.get(u)
        if info is not None and info.is_air and (u, h, t) not in flown:
            out.append(Violation("commitments", f"{u} is pinned to {h} in week {t} but flies "
                                 "no sortie there: fly at least one.", unit=u, hotspot=h,
                                 week=t))
        elif (info is None or info.is_ground) and (u, h, t) not in present:
            out.append(Violation("commitments", f"{u} is pinned to {h} in week {t} but is not "
                                 "present there (task presence): assign it.", unit=u,
                                 hotspot=h, week=t))
    for u, h, t in sorted(instance.forbidden_pins):
        if (u, h, t) in assigned or (u, h, t) in flown:
            out.append(Violation("commitments", f"{u} is forbidden at {h} in week {t} but is "
                                 "sent there: remove it.", unit=u, hotspot=h, week=t))
    return out


def mission_window(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "a scheduled mission runs inside its window". A mission start names a
    civilian_mission priority, at most once, and start + duration_weeks − 1 stays inside
    the window (duration_weeks "must fit the window", docs/scenario-format.md)."""
    out = []
    seen: set[str] = set()
    for m in view.plan.missions:
        info = instance.missions.get(m.priority)
        if info is None:
            kind = ("a secure_area priority, which is never scheduled"
                    if m.priority in instance.secure_areas else "not a priority of the scenario")
            out.append(Violation("mission_window", f"Mission start {m.priority} (week "
                                 f"{m.start_week}) is {kind}: remove it.", mission=m.priority,
                                 week=m.start_week))
            continue
        if m.priority in seen:
            out.append(Violation("mission_window", f"Mission {m.priority} is scheduled more "
                                 "than once: keep one start.", mission=m.priority,
                                 hotspot=info.hotspot, week=m.start_week))
        seen.add(m.priority)
        if m.start_week not in info.starts:
            last = m.start_week + info.duration - 1
            out.append(Violation("mission_window", f"Mission {m.priority} would run weeks "
                                 f"{m.start_week}–{last}, outside its window "
                                 f"{weeks_phrase(info.window) if info.window else '(empty)'}: "
                                 f"start it in {_starts_text(info)}.", mission=m.priority,
                                 hotspot=info.hotspot, week=m.start_week))
    return out


def _starts_text(info: MissionInfo) -> str:
    if not info.starts:
        return "a window at least as long as its duration"
    return f"week {info.starts[0]}" + (f"–{info.starts[-1]}" if len(info.starts) > 1 else "")


def escort_target(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "task escort … naming a mission that runs that week at that hotspot"."""
    out = []
    for a in view.assignments:
        if a.task != "escort":
            continue
        info = instance.missions.get(a.mission or "")
        start = view.missions.get(a.mission or "")
        if info is None:
            why = "names no mission" if a.mission is None else \
                f"names {a.mission}, which is not a civilian mission of the scenario"
        elif start is None:
            why = f"names mission {a.mission}, which the plan does not schedule"
        elif info.hotspot != a.hotspot:
            why = f"is at {a.hotspot} but mission {a.mission} goes to {info.hotspot}"
        elif a.week not in info.running_weeks(start):
            why = f"names mission {a.mission}, which does not run in week {a.week}"
        else:
            continue
        out.append(Violation("escort_target", f"{a.unit}'s escort in week {a.week} {why}: "
                             "escort a mission where and when it runs.", unit=a.unit,
                             hotspot=a.hotspot, week=a.week, mission=a.mission))
    return out


def mission_escort(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "in each week it runs: the units assigned to escort it plus the
    escort-capable (escort = 1) units present at its hotspot meet its ground need, and the
    escort sorties at its hotspot that week meet its air need (present units and escort
    sorties count for every mission running at that hotspot that week; an escort-task unit
    counts only for the mission it names; a sortie's `mission` field is informative only)".

    For mission m at h running in t:
      #{escort assignments naming m at h in t} + #{u present at h in t: escort(u) = 1}
        ≥ need_ground[m,t];   Σ escort-task sortie counts at h in t ≥ need_air[m,t].
    An escort-task unit of a kind with escort = 0 (an FPU) counts for nothing."""
    escorts: dict[tuple[str, str, int], int] = defaultdict(int)
    for a in view.assignments:
        if a.task == "escort" and a.mission is not None and instance.units[a.unit].spec.escort:
            escorts[a.mission, a.hotspot, a.week] += 1
    out = []
    for m_id, start in sorted(view.missions.items()):
        info = instance.missions[m_id]
        h = info.hotspot
        for t in _running_weeks(instance, info, start):
            ground = escorts[m_id, h, t] + sum(
                1 for u in view.present.get((h, t), ()) if instance.units[u].spec.escort)
            if ground < info.need_ground[t]:
                out.append(Violation("mission_escort", f"Mission {m_id} at {h} in week {t} "
                                     f"has {ground} ground escort(s), needs "
                                     f"{info.need_ground[t]}: add escort-capable units.",
                                     hotspot=h, week=t, mission=m_id))
            air = view.escort_sorties.get((h, t), 0)
            if air < info.need_air[t]:
                out.append(Violation("mission_escort", f"Mission {m_id} at {h} in week {t} "
                                     f"has {air} escort sortie(s), needs {info.need_air[t]}: "
                                     "add escort sorties.", hotspot=h, week=t, mission=m_id))
    return out


def distinction_forbid(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: "with distinction: forbid, no unit is present where partner operations
    are active" (presence only; escorts and sorties are not presence)."""
    if instance.policy.distinction is not DistinctionMode.FORBID:
        return []
    return [Violation("distinction_forbid", f"{u} is present at {h} in week {t} while partner "
                      "operations are active there and policy forbids it: move it or pick "
                      "another week.", unit=u, hotspot=h, week=t)
            for (h, t), units in sorted(view.present.items()) if (h, t) in instance.partner_active
            for u in units]


def small_posts(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: (R15, v2) "Projecting force through numerous, small military bases …
    would not work in Mali, as these bases would be too vulnerable to asymmetric attacks."
    In a week t where P×I(terrorist_attacks, h, t) or P×I(armed_group_abuse, h, t) ≥
    small_post.threat, the distinct units present at h (task presence, police included,
    escorts not) are 0 or at least small_post.min_units (`Instance.small_post_min`)."""
    out = []
    for (h, t), units in sorted(view.present.items()):
        need = instance.small_post_min(h, t)
        if len(units) < need:
            out.append(Violation("small_posts", f"{', '.join(units)} hold(s) a post of "
                                 f"{len(units)} unit(s) at {h} in week {t}, where the "
                                 f"asymmetric threat bars posts of fewer than {need}: send "
                                 f"{need - len(units)} more or withdraw.", hotspot=h, week=t))
    return out


def police_ceiling(instance: Instance, view: PlanView) -> list[Violation]:
    """Hard rule: (R17, v2) FPUs are "mostly employed for the security of the UN": a unit
    whose kind has max_threat set is neither present nor escort at h in week t when
    P×I(terrorist_attacks, h, t) or P×I(armed_group_conflict, h, t) exceeds it
    (`Instance.below_threat_ceiling`)."""
    out = []
    for a in view.assignments:
        if not instance.below_threat_ceiling(a.unit, a.hotspot, a.week):
            spec = instance.units[a.unit].spec
            out.append(Violation("police_ceiling", f"{a.unit} ({spec.kind}) is sent to "
                                 f"{a.hotspot} in week {a.week}, where the threat exceeds its "
                                 f"kind's ceiling of P×I {spec.max_threat}: send a military "
                                 "unit instead.", unit=a.unit, hotspot=a.hotspot, week=a.week))
    return out


HARD_RULES: tuple[HardRule, ...] = (
    known_ids,
    unit_domain,
    plan_weeks,
    one_task_per_week,
    availability,
    task_capability,
    ground_range,
    ground_closure,
    air_range,
    air_closure,
    flight_hours,
    garrison_floor,
    commitments,
    mission_window,
    escort_target,
    mission_escort,
    distinction_forbid,
    small_posts,
    police_ceiling,
)
"""Every hard rule of docs/evaluation-contract.md, once, in order."""


# ====================================================================== metrics
MetricFn = Callable[[Instance, PlanView], tuple[float | int, tuple[Term, ...]]]

SCORE_TERMS: tuple[tuple[str, str, float], ...] = (
    ("harm_averted", "harm", 1.0),
    ("priority_value", "priorities", 1.0),
    ("retaliation_exposure", "retaliation", -1.0),
    ("vacuum_exposure", "vacuum", -1.0),
    ("ied_exposure", "ied", -1.0),
    ("engagement_exposure", "engagement", -1.0),
    ("distinction_penalty", "distinction", -1.0),
    ("attraction_exposure", "attraction", -1.0),
    ("resupply_exposure", "resupply", -1.0),
    ("reserve_value", "reserve", 1.0),
)
"""(metric, policy.weights field, sign) of each score term, in docs/evaluation-contract.md's
order."""
_SCORE_WEIGHT = {metric: (weight, sign) for metric, weight, sign in SCORE_TERMS}

Part = tuple[str | None, int | None, float, str]
"""(hotspot, week, amount before the factor, detail) of one contribution to a metric."""


def _scored(instance: Instance, metric: str, factor: float,
            parts: list[Part]) -> tuple[float, tuple[Term, ...]]:
    """metric = factor × Σ amounts (in the order given); each term in signed score points."""
    weight_name, sign = _SCORE_WEIGHT[metric]
    weight = getattr(instance.policy.weights, weight_name)
    total = 0.0
    for _, _, amount, _ in parts:
        total += amount
    terms = tuple(Term(metric, h, t, sign * weight * factor * amount, detail)
                  for h, t, amount, detail in parts)
    return factor * total, terms


def _metric(key: str) -> Callable[[MetricFn], MetricFn]:
    """Tag a metric function with the docs/output-contract.md key it computes."""
    def tag(fn: MetricFn) -> MetricFn:
        fn.metric = key  # type: ignore[attr-defined]
        return fn
    return tag


def _averted_parts(instance: Instance, view: PlanView) -> list[tuple[str, int, float]]:
    """(hotspot, week, harm averted in one category) for every category with risk and some
    effect, in the order harm_averted sums them: sorted hotspots, then categories, then
    weeks (the order of the reference result of tiny_hand, to the last bit)."""
    parts: list[tuple[str, int, float]] = []
    civilian = civilian_effects(instance, view)
    for h in sorted(instance.hotspot_ids):
        for c in ThreatCategory:
            cap = instance.caps[c]
            for t in instance.weeks:
                risk = instance.risk(h, c, t)
                if not risk:
                    continue
                effect = 0.0
                for u in view.present.get((h, t), ()):
                    effect += instance.units[u].spec.effects.get(c, 0.0)
                for u, n in view.sorties_at.get((h, t), ()):
                    effect += n * instance.units[u].spec.effects.get(c, 0.0)
                for fraction in civilian.get((h, c, t), ()):
                    effect += fraction
                if effect:
                    parts.append((h, t, risk * min(cap, effect)))
    return parts


def civilian_effects(instance: Instance,
                     view: PlanView) -> dict[tuple[str, ThreatCategory, int], list[float]]:
    """R18 (v2): (hotspot, category, week) → the effects of the scheduled civilian missions
    that last there that week: each of a mission's effect_weeks weeks after its last
    running week (inside the horizon), by mission id."""
    out: dict[tuple[str, ThreatCategory, int], list[float]] = defaultdict(list)
    for m_id, start in sorted(view.missions.items()):
        info = instance.missions[m_id]
        for t in info.effect_weeks_after(start, instance.horizon_weeks):
            for c, fraction in info.effects:
                out[info.hotspot, c, t].append(fraction)
    return dict(out)


def _averted_cells(parts: list[tuple[str, int, float]]) -> dict[Key, float]:
    cells: dict[Key, float] = defaultdict(float)
    for h, t, averted in parts:
        cells[h, t] += averted
    return dict(cells)


def harm_averted_by_cell(instance: Instance, plan: Plan) -> dict[Key, float]:
    """(hotspot, week) → harm averted there (unweighted risk points), for every cell where
    the plan averts some harm; the cells add up to the plan's harm_averted (the same
    contributions the metric sums). Residual risk of a cell = total_risk − this."""
    return _averted_cells(_averted_parts(instance, PlanView.build(instance, plan)))


@_metric("harm_averted")
def harm_averted(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Metric: harm_averted = Σ_{h,c,t} risk[h,c,t] × min(cap_c, Σ_{u present at h in t}
    e[u,c] + Σ_{air u} n[u,h,t] × e[u,c]) — "all sorties count, whatever their task;
    escorts do not". Summed flat in `_averted_parts` order; one term per (h, t)."""
    parts = _averted_parts(instance, view)
    total = 0.0
    for _, _, averted in parts:
        total += averted
    by_week = _averted_cells(parts)
    weight = instance.policy.weights.harm
    terms = tuple(Term("harm_averted", h, t, weight * by_week[h, t],
                       f"harm averted at {h} in week {t}") for h, t in sorted(by_week))
    return total, terms


def satisfaction(instance: Instance, view: PlanView) -> dict[str, float]:
    """Every priority's satisfaction: a secure_area's is min(1, weeks with z = 1 inside its
    window / required_weeks); a civilian_mission's is 1 when scheduled, else 0."""
    out: dict[str, float] = {}
    for p in instance.scenario.priorities:
        if p.id in instance.missions:
            out[p.id] = 1.0 if p.id in view.missions else 0.0   # any start, even invalid
        else:
            area = instance.secure_areas[p.id]
            held = sum(1 for t in area.window if view.z(area.hotspot, t))
            out[p.id] = min(1.0, held / max(1, area.required))
    return out


@_metric("priority_value")
def priority_value(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Metric: priority_value = Σ_p weight_p × policy.priority_value × satisfaction_p
    (sorted by priority id; see `satisfaction`)."""
    met = satisfaction(instance, view)
    parts: list[Part] = []
    for p in sorted(instance.scenario.priorities, key=lambda p: p.id):
        if met[p.id]:
            amount = p.weight * instance.policy.priority_value * met[p.id]
            parts.append((p.hotspot, None, amount, f"priority {p.id} {met[p.id]:.0%} met"))
    return _scored(instance, "priority_value", 1.0, parts)


def _episodes(instance: Instance, view: PlanView, h: str) -> list[tuple[int, int]]:
    """Maximal runs (first week, last week) of weeks with z[h,·] = 1."""
    runs: list[tuple[int, int]] = []
    for t in instance.weeks:
        if view.z(h, t):
            if runs and runs[-1][1] == t - 1:
                runs[-1] = (runs[-1][0], t)
            else:
                runs.append((t, t))
    return runs


def short_stays(instance: Instance, view: PlanView) -> list[tuple[str, int, int]]:
    """(hotspot, first week, last week) of every short episode, by hotspot id then week.

    Short: fewer than min_stay_weeks weeks, also when it reaches the last week of the
    horizon ("a plan commits nothing beyond its horizon"), unless it covers weeks 1..T."""
    return [(h, a, b) for h in sorted(instance.hotspot_ids)
            for a, b in _episodes(instance, view, h) if instance.is_short_stay(a, b)]


@_metric("retaliation_exposure")
def short_stay_retaliation(instance: Instance,
                           view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Soft rule: "Brief visits and sporadic patrols are counterproductive" (R3).
    retaliation_exposure = retaliation_factor × Σ_{short episodes at h ending t_end}
    R[h,t_end], R = risk of terrorist_attacks + armed_group_abuse (see `short_stays`)."""
    parts: list[Part] = [(h, b, instance.retaliation_risk[h, b],
                          f"short stay at {h} ({weeks_phrase(range(a, b + 1))}) ending w{b}")
                         for h, a, b in short_stays(instance, view)]
    return _scored(instance, "retaliation_exposure", instance.policy.retaliation_factor, parts)


def vacuum_weeks(instance: Instance, view: PlanView) -> list[tuple[str, int]]:
    """(hotspot, week t ≥ 2) where mil[h,t−1] ∧ ¬mil[h,t] ∧ ¬pol[h,t] and no host-state
    presence in t (v2: with state_handover: does_not_count, host-state presence does not
    count). A departure after the last week leaves no vacuum inside the horizon."""
    return [(h, t) for h in sorted(instance.hotspot_ids) for t in instance.weeks
            if t >= 2 and (h, t - 1) in view.military and (h, t) not in view.military
            and (h, t) not in view.police and not instance.handover_counts(h, t)]


@_metric("vacuum_exposure")
def handover_vacuum(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Soft rule: military presence "followed by the deployment of Malian or UN police
    forces to prevent a security vacuum" (R4).
    vacuum_exposure = vacuum_factor × Σ_{(h,t) in vacuum_weeks} Σ_c risk[h,c,t]."""
    parts: list[Part] = [(h, t, instance.total_risk[h, t],
                          f"military leaves {h} after w{t - 1} with no police or host-state "
                          "forces")
                         for h, t in vacuum_weeks(instance, view)]
    return _scored(instance, "vacuum_exposure", instance.policy.vacuum_factor, parts)


@_metric("ied_exposure")
def road_movement_ied(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Soft rule: "A road is more likely to be mined when blue helmets circulate on it" (R5).
    ied_exposure = ied_factor × Σ_{road movements (u,h,t)} P×I(terrorist_attacks, h, t) ×
    distance_km(base(u), h) / 100. A road movement is a ground assignment of u at h in t
    (any task) with no assignment of u at h in t − 1: week 1 always moves, leaving and
    coming back moves twice, a move between hotspots is measured from the unit's base."""
    at = {(a.unit, a.hotspot, a.week) for a in view.assignments}
    parts: list[Part] = []
    for u, h, t in sorted(at):
        if (u, h, t - 1) not in at:
            pi = instance.pi.get((h, ThreatCategory.TERRORIST_ATTACKS, t), 0)
            parts.append((h, t, pi * instance.distance(u, h) / 100,
                          f"road movement of {u} to {h} in w{t}"))
    return _scored(instance, "ied_exposure", instance.policy.ied_factor, parts)


@_metric("engagement_exposure")
def engagement_exposure(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Soft rule: "Community engagement in places without sustained protection exposes the
    people who talked to the mission to reprisals" (R6).
    engagement_exposure = engagement_factor × Σ_{scheduled missions m at h} R[h,t_last]
    when z[h,t_last+1] = 0, or, when t_last = T, when z[h,T] = 0 (t_last = start +
    duration − 1, cut at T)."""
    T = instance.horizon_weeks
    parts: list[Part] = []
    for m_id, start in sorted(view.missions.items()):
        info = instance.missions[m_id]
        running = _running_weeks(instance, info, start)
        if not running:
            continue
        last = running[-1]
        after = last + 1 if last < T else T
        if not view.z(info.hotspot, after):
            parts.append((info.hotspot, last, instance.retaliation_risk[info.hotspot, last],
                          f"mission {m_id} leaves {info.hotspot} unprotected after w{last}"))
    return _scored(instance, "engagement_exposure", instance.policy.engagement_factor, parts)


def colocations(instance: Instance, view: PlanView) -> list[tuple[str, int, tuple[str, ...]]]:
    """(hotspot, week, units present) wherever units are present and partner operations
    are active."""
    return [(h, t, units) for (h, t), units in sorted(view.present.items())
            if (h, t) in instance.partner_active]


@_metric("distinction_penalty")
def distinction_penalty(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Soft rule: "UN presence alongside them is flagged (or forbidden, or penalised, by
    policy)" (R11). distinction_penalty = policy.distinction_penalty × colocation_weeks with
    distinction: penalize, else 0 (one term per hotspot and week)."""
    if instance.policy.distinction is not DistinctionMode.PENALIZE:
        return 0.0, ()
    parts: list[Part] = [(h, t, float(len(units)),
                          f"{len(units)} unit(s) alongside partner operations at {h} in w{t}")
                         for h, t, units in colocations(instance, view)]
    return _scored(instance, "distinction_penalty", instance.policy.distinction_penalty, parts)


@_metric("colocation_weeks")
def colocation_weeks(instance: Instance, view: PlanView) -> tuple[int, tuple[Term, ...]]:
    """Metric: colocation_weeks = #{(u,h,t): u present at h in t, partner operations active
    at h in t}, reported in every distinction mode."""
    return sum(len(units) for _, _, units in colocations(instance, view)), ()


@_metric("baseline_risk")
def baseline_risk(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Metric: baseline_risk = Σ_{h,c,t} risk[h,c,t], the harm with no plan."""
    total = 0.0
    for h in sorted(instance.hotspot_ids):
        for t in instance.weeks:
            total += instance.total_risk[h, t]
    return total, ()


@_metric("unit_weeks")
def unit_weeks(instance: Instance, view: PlanView) -> tuple[int, tuple[Term, ...]]:
    """Metric: unit_weeks = number of ground assignments (presence and escort)."""
    return len(view.assignments), ()


@_metric("sorties")
def sorties(instance: Instance, view: PlanView) -> tuple[int, tuple[Term, ...]]:
    """Metric: sorties = Σ sortie counts, every task."""
    return sum(s.count for s in view.sorties), ()


@_metric("attraction_exposure")
def presence_attraction(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Soft rule: (R13, v2) "its very presence constitutes a risk rather than a deterrent …
    collateral damage when blue helmets are attacked by extremist groups".
    attraction_exposure = attraction_factor × Σ_{h,t} z[h,t] × risk[h, terrorist_attacks, t]
    (`Instance.attraction_risk`)."""
    factor = instance.policy.attraction_factor
    if not factor:
        return 0.0, ()
    parts: list[Part] = [(h, t, instance.attraction_risk(h, t),
                          f"presence at {h} in w{t} draws attacks")
                         for (h, t) in sorted(view.present)
                         if instance.attraction_risk(h, t)]
    return _scored(instance, "attraction_exposure", factor, parts)


@_metric("resupply_exposure")
def sustainment_convoys(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Soft rule: (R14, v2) a unit held at a hotspot is resupplied by road, and convoys draw
    IEDs (R5) for as long as it stays. With resupply_weeks ≥ 1,
    resupply_exposure = Σ over ground assignments (u,h,t), any task, that are not road
    movements of ied_factor × P×I(terrorist_attacks, h, t) × distance_km(base_u, h) / 100
    / resupply_weeks (`Instance.resupply_cost`); 0 with resupply_weeks 0."""
    if instance.policy.resupply_weeks < 1:
        return 0.0, ()
    at = {(a.unit, a.hotspot, a.week) for a in view.assignments}
    parts: list[Part] = []
    for u, h, t in sorted(at):
        if (u, h, t - 1) in at:
            cost = instance.resupply_cost(instance.units[u].base, h, t)
            if cost:
                parts.append((h, t, cost, f"convoy resupplying {u} at {h} in w{t}"))
    return _scored(instance, "resupply_exposure", 1.0, parts)


def reserves(instance: Instance, view: PlanView) -> list[tuple[str, str, int, int]]:
    """R16: (base, reserve kind, week, reserves) for every base, reserve kind and week with
    at least one reserve: an available ground unit of that kind with no assignment."""
    out = []
    for b in sorted(instance.base_ids):
        for kind in instance.reserve_kinds:
            for t in instance.weeks:
                free = sum(1 for u in instance.reserve_units(b, kind, t)
                           if (u, t) not in view.by_unit_week)
                if free:
                    out.append((b, kind, t, free))
    return out


@_metric("reserve_value")
def reserve_value(instance: Instance, view: PlanView) -> tuple[float, tuple[Term, ...]]:
    """Metric: (R16, v2) "Community alert networks improving early warning and quick
    reaction". reserve_value = reserve_factor × Σ_{b,k,t} Σ_{j=1..min(r(b,k,t), |reach|)}
    V_j, r the reserves of kind k at base b in week t, V₁ ≥ V₂ ≥ … the total risks of the
    hotspots in the kind's reach from b that week (`Instance.reserve_reach`)."""
    factor = instance.policy.reserve_factor
    if not factor:
        return 0.0, ()
    parts: list[Part] = []
    for b, kind, t, free in reserves(instance, view):
        reach = instance.reserve_reach(b, kind, t)[:free]
        amount = 0.0
        for v in reach:
            amount += v
        if amount:
            parts.append((None, t, amount, f"{free} {kind} reserve(s) ready at {b} in w{t}"))
    return _scored(instance, "reserve_value", factor, parts)


METRICS: tuple[MetricFn, ...] = (
    harm_averted,
    priority_value,
    short_stay_retaliation,
    handover_vacuum,
    road_movement_ied,
    engagement_exposure,
    distinction_penalty,
    colocation_weeks,
    baseline_risk,
    unit_weeks,
    sorties,
    presence_attraction,
    sustainment_convoys,
    reserve_value,
)
"""One function per docs/output-contract.md metric, once, in docs/output-contract.md's key order
(`fn.metric` is the key)."""


# ====================================================================== warnings
def _partner_forces(instance: Instance, h: str, t: int) -> str:
    hotspot = next(x for x in instance.scenario.hotspots if x.id == h)
    forces = sorted({op.force for op in hotspot.partner_operations
                     if t in window_weeks(op.weeks, instance.horizon_weeks)})
    return ", ".join(forces)


def plan_warnings(instance: Instance, view: PlanView) -> tuple[PlanWarning, ...]:
    """docs/output-contract.md warnings: each short stay, each vacuum week, and each week units are
    present
    alongside partner operations (colocation, and hrddp: the human-rights due diligence
    policy applies to any support to those forces)."""
    out = [PlanWarning("short_stay", h, b, f"Short stay at {h} ({weeks_phrase(range(a, b + 1))}): "
                       f"fewer than {instance.policy.min_stay_weeks} weeks exposes people to "
                       "retaliation once the UN leaves.")
           for h, a, b in short_stays(instance, view)]
    out += [PlanWarning("vacuum", h, t, f"Military presence at {h} ends after week {t - 1} "
                        f"with no police or host-state forces in week {t}: security vacuum.")
            for h, t in vacuum_weeks(instance, view)]
    for h, t, units in colocations(instance, view):
        forces = _partner_forces(instance, h, t)
        out.append(PlanWarning("colocation", h, t, f"{', '.join(units)} present at {h} in "
                               f"week {t} alongside partner operations ({forces}): the "
                               "population may not tell the UN from counterterrorism forces."))
        out.append(PlanWarning("hrddp", h, t, f"HRDDP applies at {h} in week {t}: any support "
                               f"to {forces} needs a human-rights due diligence risk "
                               "assessment."))
    return tuple(out) + v2_warnings(instance, view, out)


def v2_warnings(instance: Instance, view: PlanView,
                earlier: list[PlanWarning]) -> tuple[PlanWarning, ...]:
    """Contract v2 warnings (docs/evaluation-contract.md §5.1), listed when the scenario uses
    a v2 key: hrddp for escort-task units and escort sorties at a hotspot during partner
    operations (unless a co-location there already raised one) and for each handover to
    host-state forces (military presence ends, host-state forces there, whatever
    state_handover says); engagement for a civilian mission whose last week is not
    followed by presence (the condition of `engagement_exposure`)."""
    if not instance.v2_active:
        return ()
    flagged = {(w.hotspot, w.week) for w in earlier if w.rule == "hrddp"}
    escorting: dict[Key, list[str]] = defaultdict(list)
    for a in view.assignments:
        if a.task == "escort":
            escorting[a.hotspot, a.week].append(a.unit)
    for (h, t), n in view.escort_sorties.items():
        if n:
            escorting[h, t].append(f"{n} escort sortie(s)")
    out = []
    for (h, t), who in sorted(escorting.items()):
        if (h, t) in instance.partner_active and (h, t) not in flagged:
            out.append(PlanWarning("hrddp", h, t, f"HRDDP applies at {h} in week {t}: "
                                   f"escorts ({', '.join(sorted(who))}) work alongside partner "
                                   f"operations ({_partner_forces(instance, h, t)})."))
    for h in sorted(instance.hotspot_ids):
        for t in instance.weeks:
            if (t >= 2 and (h, t - 1) in view.military and (h, t) not in view.military
                    and (h, t) in instance.state_presence):
                out.append(PlanWarning("hrddp", h, t, f"Military presence at {h} ends after "
                                       f"week {t - 1} and hands over to host-state forces: "
                                       "HRDDP applies to that handover."))
    T = instance.horizon_weeks
    for m_id, start in sorted(view.missions.items()):
        info = instance.missions[m_id]
        running = _running_weeks(instance, info, start)
        if running:
            last = running[-1]
            if not view.z(info.hotspot, last + 1 if last < T else T):
                out.append(PlanWarning("engagement", info.hotspot, last, f"Mission {m_id} "
                                       f"ends at {info.hotspot} in week {last} with no "
                                       "presence after it: the people it met are exposed."))
    return tuple(out)


# ====================================================================== score
def score_parts(instance: Instance, metrics: Metrics) -> tuple[tuple[str, float], ...]:
    """(metric, signed score points) of each score term of docs/evaluation-contract.md, in
    SCORE_TERMS order:
    sign × weight × metric. The score is their sum, in this order (`evaluate`)."""
    return tuple((metric, sign * getattr(instance.policy.weights, weight_name)
                  * getattr(metrics, metric))
                 for metric, weight_name, sign in SCORE_TERMS)


# ====================================================================== evaluate
def evaluate(instance: Instance, plan: Plan) -> Evaluation:
    """Judge one plan under evaluation contract v1 (docs/evaluation-contract.md).

    score = Σ over docs/evaluation-contract.md's score terms, in order, of sign × weight × metric
    (w_harm·harm_averted + w_priorities·priority_value − w_retaliation·retaliation_exposure
    − w_vacuum·vacuum_exposure − w_ied·ied_exposure − w_engagement·engagement_exposure
    − w_distinction·distinction_penalty). Computed for invalid plans too."""
    view = PlanView.build(instance, plan)
    violations = tuple(v for rule in HARD_RULES for v in rule(instance, view))
    values: dict[str, float | int] = {}
    terms: list[Term] = []
    for fn in METRICS:
        value, fn_terms = fn(instance, view)
        values[fn.metric] = value  # type: ignore[attr-defined]
        terms.extend(fn_terms)
    metrics = Metrics(**values)  # type: ignore[arg-type]
    score = 0.0
    for _, points in score_parts(instance, metrics):
        score += points
    return Evaluation(score=score, metrics=metrics, violations=violations, terms=tuple(terms),
                      satisfaction=satisfaction(instance, view),
                      warnings=plan_warnings(instance, view))

