"""The change distance of re-planning (docs/ranking-and-comparisons.md §10), written once.

A re-plan (or a least-change what-if) compares a new plan with a previous one unit by unit
and week by week. A ground unit's *slot* in a week is what it does: (hotspot, task) of its
assignment, or home (None) when it has none. A **unit-week changes** when the unit's slot
differs between the two plans: another hotspot, another task (presence or escort), or home
instead of out (or out instead of home). Escorting another mission at the same hotspot is
the same slot. Units that are in one plan but no longer in the scenario count too: every
week they held a slot in the previous plan is a change. Air units are not counted: their
sorties leave from and return to the base within the week, so a different sortie pattern
moves no unit on the ground.

The evaluator's side (`unit_week_changes`) and the model's (`planner.milp.replan`) both
read slots through `ground_slots`, so they cannot disagree on what a slot is.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.plan import Plan

Slot = tuple[str, str] | None
"""(hotspot, task) of a ground unit's assignment in a week, or None: at home."""


def ground_slots(plan: Plan, ground: set[str] | frozenset[str] | None = None
                 ) -> dict[tuple[str, int], tuple[str, str]]:
    """(unit, week) → (hotspot, task) of every ground assignment; `ground` limits it to
    those unit ids. A unit with two assignments in one week (a broken plan) keeps the first
    in canonical order."""
    slots: dict[tuple[str, int], tuple[str, str]] = {}
    for a in plan.canonical().assignments:
        if ground is None or a.unit in ground:
            slots.setdefault((a.unit, a.week), (a.hotspot, a.task))
    return slots


@dataclass(frozen=True)
class UnitWeekChange:
    """One ground unit doing something else in one week than the previous plan said."""

    unit: str
    week: int
    before: Slot
    after: Slot


def compared_units(ground_units: list[str] | tuple[str, ...], previous: Plan) -> list[str]:
    """The units a distance counts: the scenario's ground units and every unit the previous
    plan assigns (one that left the scenario counts as changed wherever it was)."""
    return sorted(set(ground_units) | {a.unit for a in previous.assignments})


def unit_week_changes(ground_units: list[str] | tuple[str, ...], previous: Plan, plan: Plan,
                      weeks: range) -> tuple[UnitWeekChange, ...]:
    """Every unit-week in `weeks` whose slot differs between `previous` and `plan`, by unit
    then week. `ground_units` are the scenario's ground unit ids."""
    before, after = ground_slots(previous), ground_slots(plan)
    out = []
    for u in compared_units(ground_units, previous):
        for t in weeks:
            was, now = before.get((u, t)), after.get((u, t))
            if was != now:
                out.append(UnitWeekChange(u, t, was, now))
    return tuple(out)
