"""The staff heuristic: what a planning officer does by hand, used as warm start and comparator.

In order, deterministically (ties broken by id, then by week):
1. Place the `require` pins. If that alone breaks a hard rule, no plan can be valid:
   raise `InfeasibleScenario` with the evaluator's sentences. (v2) A pinned post the
   small-post rule (R15) finds too small is completed with the nearest spare units, and
   the weeks a single unit may not hold are held by groups of small_post.min_units.
2. Hold hotspots, highest total risk over the horizon first: send the nearest
   presence-capable ground unit that can stay (among equally near ones, the one that would
   stay longest without moving, pinned weeks included), for the longest run of weeks it can
   (availability, range, closures, forbid pins, distinction: forbid and the garrison floor
   checked every week; v2: the police ceiling, no lone unit under the small-post rule, a
   reserve stays home when it is worth more there than its effects at the hotspot, and a
   lone post is held only where its effects outweigh the attacks it draws and its convoys,
   or a secure area wants it),
   skipping runs that would make a stay shorter than min_stay_weeks
   (unless the stay covers the whole horizon). Pass over the hotspots again while units
   are left, filling their uncovered weeks. Escort teams are kept free for escorts: here
   the garrison floor is met without counting them as kept home.
3. Schedule civilian missions, highest weight first, at the earliest start whose escort can
   be met every running week: escort-capable units present at the hotspot, then spare
   escort-capable ground units on task escort (escort teams before companies, nearest
   first), then escort sorties within flight hours (pinned sorties there become escorts).
4. Hold hotspots again (as 2) with the units the missions left, escort teams counted.
5. Spend the helicopters' remaining hours on show-of-force sorties, highest-risk reachable
   hotspot first, each week.

The returned plan is checked with `evaluate`; an invalid one is a bug (`HeuristicBug`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from models.plan import Assignment, MissionStart, Plan, Sortie
from planner.domain.instance import Instance, MissionInfo
from planner.rules.evaluator import evaluate

HOURS_SLACK = 1e-10
"""Flight hours the heuristic lets itself exceed a limit by (the evaluator allows 1e-9)."""


class InfeasibleScenario(Exception):
    """The scenario's pins and hard rules (garrison floors, reach, …) admit no valid plan."""


class HeuristicBug(RuntimeError):
    """The staff heuristic produced a plan the evaluator rejects: a bug, not an input error."""


@dataclass
class _Draft:
    """A plan under construction, with the bookkeeping the rules need."""

    instance: Instance
    ground: dict[tuple[str, int], Assignment] = field(default_factory=dict)
    """(unit, week) → its assignment."""
    sorties: dict[tuple[str, str, int, str], int] = field(default_factory=lambda: defaultdict(int))
    """(unit, hotspot, week, task) → sorties."""
    missions: dict[str, int] = field(default_factory=dict)

    def snapshot(self) -> tuple:
        return dict(self.ground), defaultdict(int, self.sorties), dict(self.missions)

    def restore(self, snapshot: tuple) -> None:
        self.ground, self.sorties, self.missions = snapshot

    # -------------------------------------------------------------- queries
    def present(self, h: str, t: int) -> list[str]:
        return sorted(a.unit for (u, w), a in self.ground.items()
                      if w == t and a.hotspot == h and a.task == "presence")

    def spare(self, u: str, t: int, keep_escorts: bool = False) -> bool:
        """u is free in week t and its base can let one more unit go that week; with
        keep_escorts, free escort teams (escort, no presence) do not count as kept home,
        so that holding hotspots never uses up the floor they would need to leave."""
        if (u, t) in self.ground:
            return False
        base = self.instance.units[u].base
        kept = [self.instance.units[g] for g in self.instance.available_ground[base, t]
                if (g, t) not in self.ground]
        counted = len(kept) - (sum(1 for g in kept if g.spec.escort and not g.spec.presence)
                               if keep_escorts else 0)
        return counted - 1 >= self.instance.garrison_floor(base, t)

    def hours(self, u: str, t: int) -> float:
        return sum(n * self.instance.sortie_hours(u, h)
                   for (v, h, w, _), n in sorted(self.sorties.items()) if v == u and w == t)

    def fits(self, u: str, h: str, t: int, extra: int = 1) -> bool:
        """One more (or `extra` more) sortie of u to h in t stays within its hours."""
        flown = self.hours(u, t) + extra * self.instance.sortie_hours(u, h)
        return flown <= self.instance.units[u].flight_hours_per_week + HOURS_SLACK

    def room(self, u: str, h: str, t: int, wanted: int) -> int:
        """How many of `wanted` more sorties of u to h in t fit its hours: found from the
        hours left in one step, not by adding sorties one at a time (a unit with 168 h
        and short sorties would take thousands of steps)."""
        left = (self.instance.units[u].flight_hours_per_week + HOURS_SLACK
                - self.hours(u, t))
        n = max(0, min(wanted, math.floor(left / self.instance.sortie_hours(u, h))))
        while n > 0 and not self.fits(u, h, t, extra=n):  # float edges: a step or two
            n -= 1
        while n < wanted and self.fits(u, h, t, extra=n + 1):
            n += 1
        return n

    # -------------------------------------------------------------- edits
    def assign(self, u: str, h: str, t: int, mission: str | None = None) -> None:
        task = "presence" if mission is None else "escort"
        self.ground[u, t] = Assignment(unit=u, hotspot=h, week=t, task=task, mission=mission)

    def to_plan(self) -> Plan:
        return Plan(
            assignments=list(self.ground.values()),
            sorties=[Sortie(unit=u, hotspot=h, week=t, count=n, task=task)
                     for (u, h, t, task), n in self.sorties.items() if n > 0],
            missions=[MissionStart(priority=m, start_week=s) for m, s in self.missions.items()],
        ).canonical()


def staff_heuristic(instance: Instance) -> Plan:
    """A valid plan as a planning officer would draw it by hand (see the module docstring).

    Raises InfeasibleScenario when the `require` pins alone break a hard rule (e.g. they
    take more units out of a base than its garrison floor allows): every valid plan contains
    the pins, and adding to a plan never mends those rules, so no plan is valid."""
    draft = _Draft(instance)
    _place_pins(draft)
    _complete_posts(draft)
    _hold_strong_posts(draft)
    _hold_hotspots(draft, keep_escorts=True)
    _schedule_missions(draft)
    _hold_hotspots(draft, keep_escorts=False)
    _show_of_force(draft)
    plan = draft.to_plan()
    evaluation = evaluate(instance, plan)
    if not evaluation.valid:
        raise HeuristicBug("the staff heuristic drew an invalid plan:\n"
                           + "\n".join(f"- {v.text}" for v in evaluation.violations))
    return plan


# ---------------------------------------------------------------- 1. pins
def _place_pins(draft: _Draft) -> None:
    instance = draft.instance
    ground, air = [], []
    for u, h, t in sorted(instance.required_pins):
        info = instance.units.get(u)
        if info is not None and info.is_air:
            air.append(Sortie(unit=u, hotspot=h, week=t, count=1, task="show_of_force"))
        else:
            ground.append(Assignment(unit=u, hotspot=h, week=t, task="presence"))
    # A pinned unit alone under the small-post rule (R15) is completed next, not an error.
    violations = [v for v in evaluate(instance, Plan(assignments=ground, sorties=air)).violations
                  if v.rule != "small_posts"]
    if violations:
        raise InfeasibleScenario("the commitments cannot all be honoured:\n"
                                 + "\n".join(f"- {v.text}" for v in violations))
    for a in ground:
        draft.ground[a.unit, a.week] = a
    for s in air:
        draft.sorties[s.unit, s.hotspot, s.week, s.task] += 1


# ---------------------------------------------------------------- 2. presence
def _hold_hotspots(draft: _Draft, keep_escorts: bool) -> None:
    instance = draft.instance
    ranked = sorted(instance.hotspot_ids,
                    key=lambda h: (-sum(instance.total_risk[h, t] for t in instance.weeks), h))
    while any([_send_unit(draft, h, keep_escorts) for h in ranked]):
        pass


def _send_unit(draft: _Draft, h: str, keep_escorts: bool) -> bool:
    """Send the nearest presence-capable unit that can stay to h's uncovered weeks; among
    equally near units (all units of one base), the one whose own stay there is longest
    (its pinned or earlier weeks at h included), then by id."""
    instance = draft.instance
    covered = {t for (_, t), a in draft.ground.items()  # one pass, not one per week
               if a.hotspot == h and a.task == "presence"}
    best: tuple[tuple[float, int, str], list[int]] | None = None
    for unit in instance.ground_units:
        if not (unit.spec.presence and instance.in_range(unit.id, h)):
            continue
        free = [t for t in instance.weeks if t not in covered
                and instance.presence_ok(unit.id, h, t)
                and instance.small_post_min(h, t) == 1
                and draft.spare(unit.id, t, keep_escorts)
                and not _reserve_worth_more(draft, unit.id, h, t)
                and _post_pays(instance, unit.id, h, t)]
        run = _longest_stay(instance, free, covered)
        if run:
            key = (instance.distance(unit.id, h), -_own_stay(draft, unit.id, h, run), unit.id)
            if best is None or key < best[0]:
                best = key, run
    if best is None:
        return False
    for t in best[1]:
        draft.assign(best[0][2], h, t)
    return True


def _own_stay(draft: _Draft, u: str, h: str, run: list[int]) -> int:
    """Weeks u would stay at h without moving: the run and u's own presence next to it."""
    def here(t: int) -> bool:
        a = draft.ground.get((u, t))
        return a is not None and a.hotspot == h and a.task == "presence"
    first, last = run[0], run[-1]
    while here(first - 1):
        first -= 1
    while here(last + 1):
        last += 1
    return last - first + 1


def _longest_stay(instance: Instance, free: list[int], covered: set[int]) -> list[int] | None:
    """The run of consecutive free weeks that makes the longest stay at the hotspot (joined
    with weeks already covered next to it), earliest on ties; None when every run would
    leave a stay shorter than min_stay that does not cover the whole horizon."""
    runs: list[list[int]] = []
    for t in free:
        if runs and runs[-1][-1] == t - 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    best, best_len = None, 0
    for run in runs:
        first, last = run[0], run[-1]
        while first - 1 in covered:
            first -= 1
        while last + 1 in covered:
            last += 1
        stay = last - first + 1
        if not instance.is_short_stay(first, last) and stay > best_len:
            best, best_len = run, stay
    return best


# ---------------------------------------------------------------- v2: posts and reserves
def _complete_posts(draft: _Draft) -> None:
    """R15: bring every pinned post under the small-post rule up to small_post.min_units
    with the nearest spare units that may be present there; InfeasibleScenario if none can."""
    instance = draft.instance
    for h, t in sorted({(a.hotspot, a.week) for a in draft.ground.values()}):
        need = instance.small_post_min(h, t) - len(draft.present(h, t))
        for unit in sorted(instance.ground_units, key=lambda u: (instance.distance(u.id, h)
                                                                  if instance.in_range(u.id, h)
                                                                  else 1e18, u.id)):
            if need <= 0:
                break
            if instance.presence_ok(unit.id, h, t) and draft.spare(unit.id, t):
                draft.assign(unit.id, h, t)
                need -= 1
        if need > 0:
            raise InfeasibleScenario(f"the commitments at {h} in week {t} leave a post too "
                                     f"small for the small-post rule: {need} more unit(s) "
                                     "needed and none can be spared")


def _hold_strong_posts(draft: _Draft) -> None:
    """R15: hold the weeks a single unit may not (small_post.min_units under high asymmetric
    threat) with a group: the nearest unit's longest run of free threatened weeks, joined by
    the nearest others free in every week of it; hotspots by total risk, as in step 2."""
    instance = draft.instance
    ranked = sorted(instance.hotspot_ids,
                    key=lambda h: (-sum(instance.total_risk[h, t] for t in instance.weeks), h))
    for h in ranked:
        while _send_group(draft, h):
            pass


def _send_group(draft: _Draft, h: str) -> bool:
    instance = draft.instance
    covered = {t for (_, t), a in draft.ground.items()
               if a.hotspot == h and a.task == "presence"}
    open_weeks = [t for t in instance.weeks
                  if t not in covered and instance.small_post_min(h, t) > 1]
    if not open_weeks:
        return False
    units = sorted((u for u in instance.ground_units
                    if u.spec.presence and instance.in_range(u.id, h)),
                   key=lambda u: (instance.distance(u.id, h), u.id))
    for lead in units:
        free = [t for t in open_weeks if instance.presence_ok(lead.id, h, t)
                and draft.spare(lead.id, t, keep_escorts=True)
                and not _reserve_worth_more(draft, lead.id, h, t)]
        run = _longest_stay(instance, free, covered)
        if not run:
            continue
        need = max(instance.small_post_min(h, t) for t in run)
        saved = draft.snapshot()
        group = [lead.id]
        for t in run:
            draft.assign(lead.id, h, t)
        for other in units:
            if len(group) >= need:
                break
            if other.id in group:
                continue
            if all(instance.presence_ok(other.id, h, t)
                   and draft.spare(other.id, t, keep_escorts=True)
                   and not _reserve_worth_more(draft, other.id, h, t) for t in run):
                for t in run:
                    draft.assign(other.id, h, t)
                group.append(other.id)
        if len(group) >= need:
            return True
        draft.restore(saved)
    return False


def _post_pays(instance: Instance, u: str, h: str, t: int) -> bool:
    """R13/R14: a lone post at h in t is worth holding when what u averts there exceeds
    the attacks its presence draws and its resupply convoy, or when a secure_area
    priority wants presence there that week (always, with both rules off)."""
    weights, policy = instance.policy.weights, instance.policy
    cost = (weights.attraction * policy.attraction_factor * instance.attraction_risk(h, t)
            + weights.resupply * instance.resupply_cost(instance.units[u].base, h, t))
    if cost <= 0 or any(a.hotspot == h and t in a.window
                        for a in instance.secure_areas.values()):
        return True
    spec = instance.units[u].spec
    gained = weights.harm * sum(instance.risk(h, c, t)
                                * min(instance.caps[c], spec.effects.get(c, 0.0))
                                for c in instance.caps)
    return gained > cost


def _reserve_worth_more(draft: _Draft, u: str, h: str, t: int) -> bool:
    """R16: keep u home in week t when, as one more reserve of its kind at its base, it is
    worth more (the next alert in reach it would answer) than its effects at h that week."""
    instance = draft.instance
    info = instance.units[u]
    factor = instance.policy.reserve_factor * instance.policy.weights.reserve
    if factor <= 0 or info.spec.kind not in instance.reserve_kinds:
        return False
    free = sum(1 for v in instance.reserve_units(info.base, info.spec.kind, t)
               if (v, t) not in draft.ground)
    reach = instance.reserve_reach(info.base, info.spec.kind, t)
    kept = factor * reach[free - 1] if 1 <= free <= len(reach) else 0.0
    weights = instance.policy.weights
    gained = weights.harm * sum(
        instance.risk(h, c, t) * min(instance.caps[c], info.spec.effects.get(c, 0.0))
        for c in instance.caps)
    # what holding the post costs besides: a share of the attraction (R13) it draws and
    # the unit's own resupply convoy (R14)
    gained -= (weights.attraction * instance.policy.attraction_factor
               * instance.attraction_risk(h, t) / instance.small_post_min(h, t))
    gained -= weights.resupply * instance.resupply_cost(info.base, h, t)
    return kept > gained


# ---------------------------------------------------------------- 3. missions
def _schedule_missions(draft: _Draft) -> None:
    instance = draft.instance
    for mission in sorted(instance.missions.values(), key=lambda m: (-m.weight, m.id)):
        for start in mission.starts:
            saved = draft.snapshot()
            if all(_escort_week(draft, mission, t) for t in mission.running_weeks(start)):
                draft.missions[mission.id] = start
                break
            draft.restore(saved)


def _escort_week(draft: _Draft, mission: MissionInfo, t: int) -> bool:
    """Meet mission's escort need in week t, adding escorts to the draft; False if it can't."""
    instance, h = draft.instance, mission.hotspot
    ground = sum(1 for u in draft.present(h, t) if instance.units[u].spec.escort)
    spares = sorted((u for u in instance.ground_units if u.spec.escort),
                    key=lambda u: (u.spec.presence, instance.distance(u.id, h), u.id))
    for unit in spares:
        if ground >= mission.need_ground[t]:
            break
        if instance.ground_ok(unit.id, h, t) and draft.spare(unit.id, t):
            draft.assign(unit.id, h, t, mission=mission.id)
            ground += 1
    if ground < mission.need_ground[t]:
        return False
    air_need = mission.need_air[t] - sum(n for (_, g, w, task), n in draft.sorties.items()
                                         if g == h and w == t and task == "escort")
    for u in sorted(u.id for u in instance.air_units):     # pinned sorties become escorts
        shown = draft.sorties.get((u, h, t, "show_of_force"), 0)
        moved = min(shown, max(0, air_need))
        if moved:
            draft.sorties[u, h, t, "show_of_force"] -= moved
            draft.sorties[u, h, t, "escort"] += moved
            air_need -= moved
    helicopters = sorted(instance.air_units, key=lambda u: (instance.sortie_hours(u.id, h), u.id))
    for unit in helicopters:
        if air_need > 0 and instance.air_ok(unit.id, h, t):
            n = draft.room(unit.id, h, t, air_need)
            draft.sorties[unit.id, h, t, "escort"] += n
            air_need -= n
    return air_need <= 0


# ---------------------------------------------------------------- 4. show of force
def _show_of_force(draft: _Draft) -> None:
    instance = draft.instance
    for unit in sorted(instance.air_units, key=lambda u: u.id):
        for t in instance.weeks:
            reachable = sorted((h for h in instance.hotspot_ids
                                if instance.air_ok(unit.id, h, t)),
                               key=lambda h: (-instance.total_risk[h, t], h))
            for h in reachable:
                n = draft.room(unit.id, h, t, instance.max_sorties(unit.id, h))
                if n:
                    draft.sorties[unit.id, h, t, "show_of_force"] += n
