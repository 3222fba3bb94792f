"""A plan carried over to a changed scenario and mended until the evaluator accepts it
(what-if variants start from it, so the re-solve moves only what the change forces).

The mending is greedy and judged afterwards by the evaluator like any plan: records that
break a rule about one unit in one week (availability, range, closures, task, flight
hours, distinction, the police ceiling) are dropped; a base below its garrison floor calls
a unit home; a post too small for its threat (the v2 small-post rule) is withdrawn; a
`require` pin puts its unit where it is pinned; a `forbid` pin takes it away; a mission
that loses its escort is dropped with its escorts. None when that does not converge.
"""

from __future__ import annotations

from models.plan import Assignment, Plan, Sortie
from planner.domain.instance import Instance
from planner.rules.evaluator import Violation, evaluate

DROPPED_RULES = frozenset({"availability", "task_capability", "ground_range", "ground_closure",
                           "air_range", "air_closure", "flight_hours", "one_task_per_week",
                           "distinction_forbid", "escort_target", "known_ids", "unit_domain",
                           "plan_weeks", "police_ceiling"})
"""Rules broken by a unit's records in one week: those records are dropped."""


def repaired_for(instance: Instance, plan: Plan | None, rounds: int = 12) -> Plan | None:
    """`plan` mended for `instance` (see the module docstring), or None."""
    if plan is None:
        return None
    for _ in range(rounds):
        evaluation = evaluate(instance, plan)
        if evaluation.valid:
            return plan
        mended = _mend(instance, plan, evaluation.violations)
        if mended is None or mended == plan:
            return None
        plan = mended
    return plan if evaluate(instance, plan).valid else None


def _mend(instance: Instance, plan: Plan, violations: list[Violation]) -> Plan | None:
    assignments = list(plan.assignments)
    sorties = list(plan.sorties)
    lost: set[str] = set()
    for v in violations:
        if v.rule in DROPPED_RULES and v.unit is not None:
            assignments = [a for a in assignments if not _hit(a, v)]
            sorties = [s for s in sorties if not _hit(s, v)]
        elif v.rule in ("mission_escort", "mission_window") and v.mission is not None:
            lost.add(v.mission)
        elif v.rule == "garrison_floor" and v.base is not None and v.week is not None:
            home = _called_home(instance, assignments, v.base, v.week)
            if home is None:
                return None
            assignments.remove(home)
        elif v.rule == "small_posts" and v.hotspot is not None and v.week is not None:
            post = [a for a in assignments if a.task == "presence"
                    and (a.hotspot, a.week) == (v.hotspot, v.week)]
            if any((a.unit, a.hotspot, a.week) in instance.required_pins for a in post):
                return None  # a pinned unit holds it: withdrawing would break the pin
            assignments = [a for a in assignments if a not in post]
        elif v.rule == "commitments" and None not in (v.unit, v.hotspot, v.week):
            assignments, sorties = _pin(instance, assignments, sorties, v)
        else:
            return None
    assignments = [a for a in assignments if not (a.task == "escort" and a.mission in lost)]
    sorties = [s for s in sorties if not (s.task == "escort" and s.mission in lost)]
    missions = [m for m in plan.missions if m.priority not in lost]
    return Plan(assignments=assignments, sorties=sorties, missions=missions).canonical()


def _hit(record: Assignment | Sortie, v: Violation) -> bool:
    return (record.unit == v.unit and (v.week is None or record.week == v.week)
            and (v.hotspot is None or record.hotspot == v.hotspot))


def _called_home(instance: Instance, assignments: list[Assignment], base: str,
                 week: int) -> Assignment | None:
    out = [a for a in assignments if a.week == week and a.unit in instance.units
           and instance.units[a.unit].base == base
           and (a.unit, a.hotspot, week) not in instance.required_pins]
    return min(out, key=lambda a: (a.task != "presence", a.unit), default=None)


def _pin(instance: Instance, assignments: list[Assignment], sorties: list[Sortie],
         v: Violation) -> tuple[list[Assignment], list[Sortie]]:
    """A `require` pin: the unit where it is pinned (ground: presence, replacing that
    week's assignment; air: one show-of-force sortie). A `forbid` pin: its records there
    that week dropped."""
    unit, hotspot, week = v.unit, v.hotspot, v.week
    assert unit is not None and hotspot is not None and week is not None
    if (unit, hotspot, week) not in instance.required_pins:
        return ([a for a in assignments if not _hit(a, v)],
                [s for s in sorties if not _hit(s, v)])
    if instance.units[unit].is_ground:
        kept = [a for a in assignments if not (a.unit == unit and a.week == week)]
        return kept + [Assignment(unit=unit, hotspot=hotspot, week=week, task="presence")], sorties
    return assignments, sorties + [Sortie(unit=unit, hotspot=hotspot, week=week, count=1,
                                          task="show_of_force")]
