"""The account each plan owes the offices that submitted priorities (R10; output
docs/output-contract.md).

For every plan and every priority: its satisfaction and status (met | partial | unmet), and
for each one not fully met, why, by counting alone (no re-solve):

- **structurally impossible** — the scenario itself rules it out, whatever the plan: no
  presence-capable unit can be at the hotspot in enough weeks of the window (ground
  closures, range, availability, forbid pins, garrison floors, distinction: forbid), or a
  mission's escort need exceeds what can reach the hotspot in every start week (escort
  units out of range or unavailable, no helicopter in range, flights closed, sortie hours);
- **outweighed** — a plan could meet it, at a price; `planner.analysis.pricing` prices it
  by a re-solve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from models.scenario import DistinctionMode
from planner.domain.instance import Instance, MissionInfo, SecureAreaInfo, UnitInfo
from planner.domain.intervals import Difference
from planner.domain.text import weeks_phrase
from planner.rules.evaluator import Evaluation

MET, PARTIAL, UNMET = "met", "partial", "unmet"
IMPOSSIBLE = "structurally impossible"
OUTWEIGHED = "outweighed"


class Basis(StrEnum):
    """What the reason for a priority not fully met rests on."""

    STRUCTURAL = "structural"
    """No plan can meet it: the scenario (or the hard rules together) rule it out."""
    OUTWEIGHED = "outweighed"
    """A plan could meet it; not priced (no pricing was asked for)."""
    NOT_PRICED = "not_priced"
    """A plan could meet it; pricing ran but its price limit left this one out."""
    NO_PLAN_FOUND = "no_plan_found"
    """Pricing ran out of time before finding a plan that meets it."""
    PRICED = "priced"
    """A plan could meet it, and the price says at what cost."""
    FREE = "free"
    """A plan meeting it scores as well as this plan: it costs nothing."""


@dataclass(frozen=True)
class PriorityAccount:
    """What a plan owes one priority's office (docs/output-contract.md `plans[].priorities[]`)."""

    id: str
    office: str | None
    satisfaction: float
    status: str
    """met (satisfaction 1) | partial (between 0 and 1) | unmet (0)."""
    reason: str | None = None
    """Why it is not fully met: structurally impossible (what) or outweighed."""
    price: float | None = None
    """Score points lost when the plan is required to meet it; None when not priced."""
    basis: Basis | None = None
    """What the reason rests on (None when met)."""
    price_interval: Difference | None = None
    """The price as a planner.domain.intervals.Difference (this plan's score minus the
    constrained re-solve's, with what the two solves' bounds prove); None when not priced."""


# ====================================================================== priority accounts
def status_of(satisfaction: float) -> str:
    """met: 1; partial: strictly between 0 and 1; unmet: 0 (docs/output-contract.md)."""
    if satisfaction >= 1 - 1e-9:
        return MET
    return PARTIAL if satisfaction > 1e-9 else UNMET


def derive_accounts(instance: Instance, evaluation: Evaluation) -> tuple[PriorityAccount, ...]:
    """Every priority of the scenario, in scenario order, with its status and a reason for
    any not fully met. Reasons are structural where the scenario makes the priority
    impossible; otherwise it was outweighed (prices come from `planner.analysis.pricing`)."""
    out = []
    for p in instance.scenario.priorities:
        sat = evaluation.satisfaction.get(p.id, 0.0)
        status = status_of(sat)
        reason = None if status == MET else unpriced_reason(instance, p.id, sat)
        basis = None if status == MET else unpriced_basis(instance, p.id)
        out.append(PriorityAccount(id=p.id, office=p.office, satisfaction=sat, status=status,
                                   reason=reason, basis=basis))
    return tuple(out)


def priority_weighted_share(instance: Instance, evaluation: Evaluation) -> float | None:
    """Priorities met, weighted: Σ weight × satisfaction / Σ weight (None without any)."""
    total = sum(p.weight for p in instance.scenario.priorities)
    if not total:
        return None
    return sum(p.weight * evaluation.satisfaction.get(p.id, 0.0)
               for p in instance.scenario.priorities) / total


# ====================================================================== structural reasons
def ground_spare(inst: Instance) -> dict[tuple[str, int], int]:
    """Ground units each base may send out in week t: available − min(floor, available)."""
    return {(b, t): inst.spare_ground(b, t) for b in inst.base_ids for t in inst.weeks}


def _unit_obstacles(inst: Instance, u: UnitInfo, h: str, weeks: Sequence[int],
                    spare: dict[tuple[str, int], int], presence: bool) -> str | None:
    """Why ground unit u cannot be at h in any of `weeks` (None when it can in some)."""
    if not inst.in_range(u.id, h):
        return (f"{u.id} is out of range ({inst.distance(u.id, h):.0f} km from {u.base}, "
                f"range {u.spec.range_km:g} km)")
    causes = defaultdict(list)
    for t in weeks:
        if t not in u.available:
            causes["unavailable"].append(t)
        elif (u.id, h, t) in inst.forbidden_pins:
            causes["forbidden there"].append(t)
        elif spare[u.base, t] < 1:
            causes[f"kept home by {u.base}'s garrison floor"].append(t)
        elif presence and not inst.presence_ok(u.id, h, t) and (h, t) not in inst.ground_closed:
            causes["barred by distinction: forbid"].append(t)
    if sum(len(ws) for ws in causes.values()) < len(weeks):
        return None
    return f"{u.id} is " + ", ".join(f"{what} in {weeks_phrase(ws)}" for what, ws in causes.items())


def _closure_causes(inst: Instance, h: str, weeks: Sequence[int]) -> list[str]:
    causes = []
    closed = [t for t in weeks if (h, t) in inst.ground_closed]
    if closed:
        causes.append(f"{h} is closed to ground movement in {weeks_phrase(closed)}")
    if inst.policy.distinction is DistinctionMode.FORBID:
        partner = [t for t in weeks if (h, t) in inst.partner_active
                   and (h, t) not in inst.ground_closed]
        if partner:
            causes.append(f"partner operations bar UN presence at {h} in {weeks_phrase(partner)} "
                          "(distinction: forbid)")
    return causes


def _secure_area_obstacle(inst: Instance, area: SecureAreaInfo,
                          spare: dict[tuple[str, int], int]) -> str | None:
    h = area.hotspot
    holders = [u for u in inst.ground_units if u.spec.presence]
    servable = [t for t in area.window
                if any(inst.presence_ok(u.id, h, t) and spare[u.base, t] >= 1 for u in holders)]
    if len(servable) >= area.required:
        return None
    missing = [t for t in area.window if t not in servable]
    causes = _closure_causes(inst, h, missing)
    open_weeks = [t for t in missing if (h, t) not in inst.ground_closed]
    if not holders:
        causes.append("the scenario has no unit able to hold a presence")
    elif open_weeks:
        causes += [c for u in holders
                   if (c := _unit_obstacles(inst, u, h, open_weeks, spare, True)) is not None]
    head = (f"no unit able to hold a presence can be at {h} in any week of its window "
            f"({weeks_phrase(area.window)})" if not servable else
            f"a presence at {h} is possible in only {len(servable)} of the {area.required} "
            f"weeks required ({weeks_phrase(servable)})")
    return f"{IMPOSSIBLE}: {head}: " + "; ".join(causes[:5]) + ("; …" if len(causes) > 5 else "")


def _sorties_possible(inst: Instance, a: UnitInfo, h: str, t: int) -> int:
    if not inst.air_ok(a.id, h, t):
        return 0
    return inst.max_sorties(a.id, h)


def _air_obstacles(inst: Instance, h: str, weeks: Sequence[int]) -> list[str]:
    if not inst.air_units:
        return ["the scenario has no helicopter"]
    causes = []
    for a in sorted(inst.air_units, key=lambda u: u.id):
        if not inst.in_range(a.id, h):
            causes.append(f"{a.id} is out of range ({inst.distance(a.id, h):.0f} km from "
                          f"{a.base}, range {a.spec.range_km:g} km)")
            continue
        hours = inst.sortie_hours(a.id, h)
        if hours > a.flight_hours_per_week + 1e-9:
            causes.append(f"one sortie of {a.id} to {h} takes {hours:.1f} flight hours, more "
                          f"than its {a.flight_hours_per_week:g} a week")
            continue
        closed = [t for t in weeks if (a.base, t) in inst.air_closed]
        unavailable = [t for t in weeks if t not in a.available]
        if closed:
            causes.append(f"{a.base} is closed to flights in {weeks_phrase(closed)}")
        if unavailable:
            causes.append(f"{a.id} is unavailable in {weeks_phrase(unavailable)}")
    return causes


def _mission_obstacle(inst: Instance, mission: MissionInfo,
                      spare: dict[tuple[str, int], int]) -> str | None:
    h = mission.hotspot
    escorts = [u for u in inst.ground_units if u.spec.escort]
    ground: dict[int, int] = {}
    for t in mission.window:
        by_base: dict[str, int] = defaultdict(int)
        for u in escorts:
            if inst.ground_ok(u.id, h, t):
                by_base[u.base] += 1
        ground[t] = sum(min(n, spare[b, t]) for b, n in by_base.items())
    air = {t: sum(_sorties_possible(inst, a, h, t) for a in inst.air_units)
           for t in mission.window}

    def fits(capacity: dict[int, int], need: dict[int, int], s: int) -> bool:
        return all(capacity[t] >= need[t] for t in mission.running_weeks(s))

    ground_ok = {s for s in mission.starts if fits(ground, mission.need_ground, s)}
    air_ok = {s for s in mission.starts if fits(air, mission.need_air, s)}
    if ground_ok & air_ok:
        return None
    parts = []
    if not ground_ok:
        need = max(mission.need_ground[t] for t in mission.window)
        causes = _closure_causes(inst, h, mission.window)[:1]
        reach = [u.id for u in escorts if inst.in_range(u.id, h)]
        if not escorts:
            causes.append("the scenario has no escort-capable ground unit")
        elif len(reach) < need:
            causes.append(f"only {len(reach)} escort-capable ground unit(s) are within range "
                          f"of {h}" + (f" ({', '.join(sorted(reach))})" if reach else ""))
        causes += [c for u in escorts if (c := _unit_obstacles(
            inst, u, h, mission.window, spare, False)) is not None]
        most = max(ground.values())
        head = (f"no escort-capable ground unit can be at {h} in any week of its window "
                f"({weeks_phrase(mission.window)}), and it needs {need}" if most == 0 else
                f"its escort needs {need} escort-capable ground units at {h} but at most "
                f"{most} can be there in a week of its window ({weeks_phrase(mission.window)})")
        parts.append(head + (": " + "; ".join(causes[:4]) if causes else ""))
    if not air_ok:
        need = max(mission.need_air[t] for t in mission.window)
        causes = _air_obstacles(inst, h, mission.window)
        parts.append(f"it needs {need} escort sortie(s) a week at {h} but at most "
                     f"{max(air.values())} can be flown there in a week of its window"
                     + (": " + "; ".join(causes[:4]) if causes else ""))
    if not parts:
        parts.append(f"its ground and air escorts are never both possible in the same weeks "
                     f"of its window ({weeks_phrase(mission.window)})")
    return f"{IMPOSSIBLE}: " + "; ".join(parts)


def structural_obstacle(instance: Instance, priority_id: str,
                        spare: dict[tuple[str, int], int] | None = None) -> str | None:
    """Why no plan at all can fully meet the priority, naming what stands in the way; None
    when counting finds no obstacle (a re-solve may still find the hard rules together
    rule it out)."""
    spare = spare if spare is not None else ground_spare(instance)
    if priority_id in instance.secure_areas:
        return _secure_area_obstacle(instance, instance.secure_areas[priority_id], spare)
    return _mission_obstacle(instance, instance.missions[priority_id], spare)


def unpriced_reason(instance: Instance, priority_id: str, satisfaction: float,
                    spare: dict[tuple[str, int], int] | None = None) -> str:
    """The reason for a priority not fully met, without a re-solve: structural, or
    outweighed (by how much is left to pricing)."""
    obstacle = structural_obstacle(instance, priority_id, spare)
    if obstacle is not None:
        return obstacle
    return f"{OUTWEIGHED}: {shortfall(instance, priority_id, satisfaction)}"


def shortfall(instance: Instance, priority_id: str, satisfaction: float) -> str:
    if priority_id in instance.secure_areas:
        area = instance.secure_areas[priority_id]
        held = round(satisfaction * area.required)
        return (f"presence in {held} of {area.required} required weeks; the units were worth "
                "more elsewhere")
    return "not scheduled; its escort was worth more elsewhere"


def unpriced_basis(instance: Instance, priority_id: str,
                   spare: dict[tuple[str, int], int] | None = None) -> Basis:
    """STRUCTURAL when counting finds an obstacle, else OUTWEIGHED."""
    if structural_obstacle(instance, priority_id, spare) is not None:
        return Basis.STRUCTURAL
    return Basis.OUTWEIGHED
