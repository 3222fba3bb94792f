"""Cross checks of a scenario that no single object can make about itself (docs/scenario-format.md,
docs/evaluation-contract.md).

Each check is one function taking the `CheckContext` (the merged scenario, its compiled
instance and a way to locate key paths) and yielding `Problem`s: errors stop loading,
warnings are shown and planning goes on. All checks are registered once, in order, in
`CHECKS`; `run_checks` runs them all so that every problem is reported at once.

Checks guard against each other's findings: an object whose references do not resolve or
whose window is malformed is skipped by the later checks rather than reported twice.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from models.base import Domain
from models.kinds import BUILTIN_KINDS
from models.scenario import Commitment, DistinctionMode, PriorityKind, Scenario
from planner.domain.instance import Instance, UnitInfo, window_weeks
from planner.domain.text import weeks_phrase

if TYPE_CHECKING:
    from planner.inputs.context import CheckContext
    from planner.inputs.problems import KeyPath, Problem

Check = Callable[["CheckContext"], Iterable["Problem"]]
Pin = tuple[int, Commitment, tuple[int, ...]]
"""A commitment with its index in the scenario and its weeks."""


# ---------------------------------------------------------------------------- helpers
def _window_ok(window: tuple[int, int] | None, horizon_weeks: int) -> bool:
    return window is None or window[0] <= window[1] <= horizon_weeks


def _one_of(value: str, choices: Iterable[str], noun: str) -> str:
    names = list(dict.fromkeys(choices))
    # difflib is quadratic-ish; past a few hundred names only a case-insensitive match is sought
    close = (difflib.get_close_matches(value, names, n=1, cutoff=0.6) if len(names) <= 300
             else [n for n in names if n.lower() == value.lower()][:1])
    listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return (f"did you mean '{close[0]}'? The" if close else "the") + f" {noun} are: {listed}"


def _ids(items: Iterable[object]) -> list[str]:
    """The ids of `items`, in file order, without repeats."""
    return list(dict.fromkeys(item.id for item in items))  # type: ignore[attr-defined]


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _pins(ctx: CheckContext, mode: str) -> Iterator[Pin]:
    """Commitments of one mode whose unit and hotspot resolve and whose window is valid,
    with their weeks."""
    s = ctx.scenario
    units, hotspots, bases = set(_ids(s.units)), set(_ids(s.hotspots)), set(_ids(s.bases))
    base_of = {u.id: u.base for u in s.units}
    for i, c in enumerate(s.commitments):
        if (c.mode == mode and c.unit in units and c.hotspot in hotspots
                and base_of[c.unit] in bases and _window_ok(c.weeks, s.horizon.weeks)):
            yield i, c, window_weeks(c.weeks, s.horizon.weeks)


def _units_by_base(ctx: CheckContext) -> dict[str, list[UnitInfo]]:
    """Units of each base (compiled), computed once per context."""
    if "units_by_base" not in ctx.memo:
        grouped: dict[str, list[UnitInfo]] = defaultdict(list)
        for info in ctx.instance.units.values():
            grouped[info.base].append(info)
        ctx.memo["units_by_base"] = grouped
    return ctx.memo["units_by_base"]


def _in_range(ctx: CheckContext, h: str) -> list[UnitInfo]:
    """Units whose base resolves and whose kind's range reaches h, computed once per hotspot
    by (base, kind) group, so that large scenarios stay fast."""
    cache = ctx.memo.setdefault("in_range", {})
    if h not in cache:
        inst, groups = ctx.instance, ctx.memo.get("reach_groups")
        if groups is None:
            bases = set(_ids(ctx.scenario.bases))
            groups = defaultdict(list)
            for info in inst.units.values():
                if info.base in bases:
                    groups[info.base, info.spec.kind].append(info)
            ctx.memo["reach_groups"] = groups
        cache[h] = [u for (b, kind), units in groups.items()
                    if inst.dist_km[b, h] <= inst.kinds[kind].range_km + 1e-9 for u in units]
    return cache[h]


def _sortie_capacity(inst: Instance, info: UnitInfo, h: str) -> int:
    """Sorties one air unit can fly to h in a week on its own hours."""
    return inst.max_sorties(info.id, h)


# ---------------------------------------------------------------------------- errors
def unique_ids(ctx: CheckContext) -> Iterator[Problem]:
    """Error: ids are unique among bases, among units and among hotspots; priority ids
    are unique across the scenario and every priority file (docs/scenario-format.md)."""
    for section, noun in (("bases", "base"), ("units", "unit"), ("hotspots", "hotspot"),
                          ("priorities", "priority")):
        first: dict[str, int] = {}
        for i, item in enumerate(getattr(ctx.scenario, section)):
            if item.id not in first:
                first[item.id] = i
                continue
            yield ctx.error((section, i, "id"),
                            f"duplicate {noun} id '{item.id}', already used at "
                            f"{ctx.position((section, first[item.id], 'id'), (section, i))}",
                            f"give each {noun} its own id", id=item.id)


def references_resolve(ctx: CheckContext) -> Iterator[Problem]:
    """Error: every reference names an existing object: a unit's base, a priority's
    hotspot, a commitment's unit and hotspot (docs/scenario-format.md)."""
    s = ctx.scenario
    bases, units, hotspots = _ids(s.bases), _ids(s.units), _ids(s.hotspots)
    for i, u in enumerate(s.units):
        if u.base not in bases:
            yield ctx.error(("units", i, "base"), f"unknown base '{u.base}'",
                            _one_of(u.base, bases, "bases"), id=u.id)
    for i, p in enumerate(s.priorities):
        if p.hotspot not in hotspots:
            yield ctx.error(("priorities", i, "hotspot"), f"unknown hotspot '{p.hotspot}'",
                            _one_of(p.hotspot, hotspots, "hotspots"), id=p.id)
    for i, c in enumerate(s.commitments):
        if c.unit not in units:
            yield ctx.error(("commitments", i, "unit"), f"unknown unit '{c.unit}'",
                            _one_of(c.unit, units, "units"), id=c.unit)
        if c.hotspot not in hotspots:
            yield ctx.error(("commitments", i, "hotspot"), f"unknown hotspot '{c.hotspot}'",
                            _one_of(c.hotspot, hotspots, "hotspots"), id=c.unit)


def _windows(s: Scenario) -> Iterator[tuple[KeyPath, tuple[int, int], str | None]]:
    """Every window of the scenario: (key path, window, id of its object)."""
    for i, b in enumerate(s.bases):
        for j, w in enumerate(b.air_closed_weeks):
            yield ("bases", i, "air_closed_weeks", j), w, b.id
    for i, u in enumerate(s.units):
        for j, w in enumerate(u.available or []):
            yield ("units", i, "available", j), w, u.id
    for i, h in enumerate(s.hotspots):
        for j, threat in enumerate(h.threats):
            if threat.weeks is not None:
                yield ("hotspots", i, "threats", j, "weeks"), threat.weeks, h.id
        for name in ("ground_closed_weeks", "state_presence_weeks"):
            for j, w in enumerate(getattr(h, name)):
                yield ("hotspots", i, name, j), w, h.id
        for j, op in enumerate(h.partner_operations):
            if op.weeks is not None:
                yield ("hotspots", i, "partner_operations", j, "weeks"), op.weeks, h.id
    for i, p in enumerate(s.priorities):
        if p.weeks is not None:
            yield ("priorities", i, "weeks"), p.weeks, p.id
    for i, c in enumerate(s.commitments):
        if c.weeks is not None:
            yield ("commitments", i, "weeks"), c.weeks, c.unit


def windows_inside_horizon(ctx: CheckContext) -> Iterator[Problem]:
    """Error: every window [a, b] has a <= b and ends inside the horizon
    (docs/scenario-format.md)."""
    horizon = ctx.scenario.horizon.weeks
    for path, (a, b), ident in _windows(ctx.scenario):
        if a > b:
            yield ctx.error(path, f"window [{a}, {b}] runs backwards: its first week comes "
                            "after its last", f"write [{b}, {a}]", id=ident)
        if max(a, b) > horizon:
            yield ctx.error(path, f"window [{a}, {b}] ends after the horizon's last week "
                            f"({horizon})", f"end it by week {horizon}, or lengthen "
                            "horizon.weeks", id=ident)


def threat_assessments_do_not_overlap(ctx: CheckContext) -> Iterator[Problem]:
    """Error: a category is assessed more than once at a hotspot only for non-overlapping
    weeks (docs/scenario-format.md)."""
    horizon = ctx.scenario.horizon.weeks
    for i, h in enumerate(ctx.scenario.hotspots):
        first: dict[tuple[str, int], int] = {}  # (category, week) -> first threat assessing it
        for j, threat in enumerate(h.threats):
            if not _window_ok(threat.weeks, horizon):
                continue
            clashes: dict[int, list[int]] = defaultdict(list)
            for t in window_weeks(threat.weeks, horizon):
                k = first.setdefault((threat.category, t), j)
                if k != j:
                    clashes[k].append(t)
            for k, weeks in clashes.items():
                other_at = ctx.position(("hotspots", i, "threats", k), ("hotspots", i))
                yield ctx.error(
                    ("hotspots", i, "threats", j),
                    f"{threat.category} is assessed twice at {h.id} in {weeks_phrase(weeks)} "
                    f"(also threats[{k}], {other_at})",
                    "give each assessment of a category its own weeks, or keep one", id=h.id)


def mission_duration_fits_window(ctx: CheckContext) -> Iterator[Problem]:
    """Error: a civilian mission's duration_weeks fits inside its window
    (docs/scenario-format.md)."""
    horizon = ctx.scenario.horizon.weeks
    for i, p in enumerate(ctx.scenario.priorities):
        if p.kind is not PriorityKind.CIVILIAN_MISSION or p.duration_weeks is None \
                or not _window_ok(p.weeks, horizon):
            continue
        window = window_weeks(p.weeks, horizon)
        if p.duration_weeks > len(window):
            yield ctx.error(("priorities", i, "duration_weeks"),
                            f"duration_weeks {p.duration_weeks} does not fit the window "
                            f"({weeks_phrase(window)}, {len(window)} long)",
                            f"lower duration_weeks to at most {len(window)} or widen weeks",
                            id=p.id)


def required_weeks_fit_window(ctx: CheckContext) -> Iterator[Problem]:
    """Error: a secure_area's required_weeks is at most its window's length
    (docs/scenario-format.md)."""
    horizon = ctx.scenario.horizon.weeks
    for i, p in enumerate(ctx.scenario.priorities):
        if p.kind is not PriorityKind.SECURE_AREA or p.required_weeks is None \
                or not _window_ok(p.weeks, horizon):
            continue
        window = window_weeks(p.weeks, horizon)
        if p.required_weeks > len(window):
            yield ctx.error(("priorities", i, "required_weeks"),
                            f"required_weeks {p.required_weeks} is more than the window "
                            f"({weeks_phrase(window)}, {len(window)} long)",
                            f"lower required_weeks to at most {len(window)} or widen weeks",
                            id=p.id)


def flight_hours_only_on_air_units(ctx: CheckContext) -> Iterator[Problem]:
    """Error: a unit's own flight_hours_per_week is given only for air units
    (docs/scenario-format.md)."""
    for i, u in enumerate(ctx.scenario.units):
        if u.flight_hours_per_week is not None and BUILTIN_KINDS[u.kind].domain is Domain.GROUND:
            yield ctx.error(("units", i, "flight_hours_per_week"),
                            f"flight_hours_per_week applies to air units only, and {u.id} is "
                            f"{_a(u.kind.value)} (ground)", "remove flight_hours_per_week",
                            id=u.id, key=True)


def unit_type_overrides_fit_domain(ctx: CheckContext) -> Iterator[Problem]:
    """Error: `unit_types` overrides speed_kmh, station_hours and flight_hours_per_week
    only for air kinds, and escort only for ground kinds (docs/scenario-format.md)."""
    for kind, override in ctx.scenario.unit_types.items():
        domain = BUILTIN_KINDS[kind].domain
        if domain is Domain.GROUND:
            misplaced = ("speed_kmh", "station_hours", "flight_hours_per_week")
            reason = "applies to air kinds only"
        else:
            misplaced = ("escort",)
            reason = "applies to ground kinds only (air kinds always fly escort sorties)"
        for name in misplaced:
            if getattr(override, name) is not None:
                yield ctx.error(("unit_types", kind.value, name),
                                f"{name} {reason}, and {kind.value} is {_a(domain.value)} kind",
                                f"remove {name} from unit_types.{kind.value}", key=True)


def v2_kind_keys_fit_domain(ctx: CheckContext) -> Iterator[Problem]:
    """Error: `unit_types` max_threat (R17) and reserve (R16) apply to ground kinds only
    (docs/scenario-format.md §5.1)."""
    for kind, override in ctx.scenario.unit_types.items():
        if BUILTIN_KINDS[kind].domain is Domain.AIR:
            for name in ("max_threat", "reserve"):
                if getattr(override, name) is not None:
                    yield ctx.error(("unit_types", kind.value, name),
                                    f"{name} applies to ground kinds only, and {kind.value} "
                                    "is an air kind", f"remove {name} from "
                                    f"unit_types.{kind.value}", key=True)


def require_pins_make_strong_posts(ctx: CheckContext) -> Iterator[Problem]:
    """Error: `require` pins at a hotspot in a week where the small-post rule (R15) wants at
    least small_post.min_units units present, and neither the pins nor the other units
    that could be present there (within their bases' spare units) can make up the number
    (docs/evaluation-contract.md §5.1). A pinned unit alone is fine when others can join."""
    inst = ctx.instance
    pinned: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    busy: dict[int, set[str]] = defaultdict(set)
    for i, c, weeks in _pins(ctx, "require"):
        if inst.units[c.unit].is_ground:
            for t in weeks:
                pinned[c.hotspot, t].append((i, c.unit))
                busy[t].add(c.unit)
    short: dict[int, list[int]] = defaultdict(list)
    for (h, t), pins in sorted(pinned.items()):
        need = inst.small_post_min(h, t)
        here = {u for _, u in pins}
        if len(here) >= need:
            continue
        room: dict[str, int] = defaultdict(int)
        for u in inst.ground_units:
            if u.id not in busy[t] and inst.presence_ok(u.id, h, t):
                room[u.base] += 1
        could = sum(min(n, inst.spare_ground(b, t)
                        - sum(1 for v in busy[t] if inst.units[v].base == b))
                    for b, n in room.items())
        if len(here) + max(0, could) < need:
            short[min(i for i, _ in pins)].append(t)
    for i, weeks in sorted(short.items()):
        c = ctx.scenario.commitments[i]
        need = inst.policy.small_post.min_units
        yield ctx.error(("commitments", i, "hotspot"),
                        f"require pin of {c.unit} at {c.hotspot} is impossible: in "
                        f"{weeks_phrase(weeks)} the asymmetric threat there bars posts of "
                        f"fewer than {need} units (small_post) and no other unit can join it",
                        f"pin {need} units there together, drop those weeks from the pin, or "
                        "raise policy.small_post.threat", id=c.unit)


def hotspot_open_to_ground(ctx: CheckContext) -> Iterator[Problem]:
    """Warning: a hotspot closed to ground movement for the whole horizon: only helicopters
    (and civilian missions' air escort) can reach it, and no presence can hold it. (When no
    unit at all can reach it, `hotspot_reachable` says so instead.)"""
    inst = ctx.instance
    for i, h in enumerate(ctx.scenario.hotspots):
        flown = any(inst.air_ok(u.id, h.id, t) for u in inst.air_units for t in inst.weeks)
        if (h.ground_closed_weeks and flown
                and all((h.id, t) in inst.ground_closed for t in inst.weeks)):
            yield ctx.warning(("hotspots", i, "ground_closed_weeks"),
                              f"{h.id} is closed to ground movement in every week of the "
                              "horizon: no presence, secure area or ground escort is possible "
                              "there, only sorties",
                              "check the closure windows (a seasonal closure rarely covers a "
                              "whole quarter), or plan it by air knowingly", id=h.id)


def _pin_obstacles(inst: Instance, info: UnitInfo, h: str,
                   weeks: tuple[int, ...]) -> Iterator[tuple[str, str, str]]:
    """Why the hard rules forbid `info` at h in some of `weeks`: (key, reason, fix)."""
    u, kind = info.id, info.spec.kind.value
    if info.is_ground and not info.spec.presence:
        yield ("unit", f"{_a(kind)} cannot hold a presence, and require means present",
               "pin a unit that holds presence; escorts are assigned with their missions")
    if not inst.in_range(u, h):
        yield ("hotspot", f"{h} is {inst.distance(u, h):.0f} km from {info.base}, beyond "
               f"{u}'s range of {info.spec.range_km:g} km",
               f"pin a unit based closer, or raise unit_types.{kind}.range_km")
    unavailable = [t for t in weeks if t not in info.available]
    if unavailable:
        yield ("weeks", f"{u} is not available in {weeks_phrase(unavailable)}",
               "drop those weeks from the pin, or widen the unit's available windows")
    if info.is_ground:
        closed = [t for t in weeks if (h, t) in inst.ground_closed]
        if closed:
            yield ("weeks", f"{h} is closed to ground movement in {weeks_phrase(closed)}",
                   "drop those weeks from the pin")
        ceiling = [t for t in weeks if not inst.below_threat_ceiling(u, h, t)]
        if ceiling:
            yield ("weeks", f"the threat at {h} in {weeks_phrase(ceiling)} exceeds "
                   f"{kind}'s max_threat of P×I {info.spec.max_threat} (police threat "
                   "ceiling)", f"drop those weeks from the pin, pin a military unit, or raise "
                   f"unit_types.{kind}.max_threat")
        if inst.policy.distinction is DistinctionMode.FORBID:
            partner = [t for t in weeks if (h, t) in inst.partner_active]
            if partner:
                yield ("weeks", f"partner operations are active at {h} in "
                       f"{weeks_phrase(partner)} and policy.distinction is forbid",
                       "drop those weeks from the pin, or set policy.distinction to flag "
                       "or penalize")
        return
    closed = [t for t in weeks if (info.base, t) in inst.air_closed]
    if closed:
        yield ("weeks", f"{info.base} is closed to flights in {weeks_phrase(closed)}",
               "drop those weeks from the pin")
    hours = inst.sortie_hours(u, h)
    if hours > info.flight_hours_per_week + 1e-9:
        yield ("hotspot", f"one sortie to {h} takes {hours:.2f} flight hours, more than "
               f"{u}'s {info.flight_hours_per_week:g} per week",
               "pin a helicopter based closer, or give this one more flight_hours_per_week")


def require_pins_possible(ctx: CheckContext) -> Iterator[Problem]:
    """Error: a `require` pin the hard rules make impossible (docs/evaluation-contract.md): the
    unit is
    unavailable, out of range, the hotspot closed to ground movement or the base to
    flights, presence forbidden by distinction, the kind holds no presence, or one sortie
    exceeds the helicopter's weekly hours."""
    for i, c, weeks in _pins(ctx, "require"):
        info = ctx.instance.units[c.unit]
        for key, reason, fix in _pin_obstacles(ctx.instance, info, c.hotspot, weeks):
            yield ctx.error(("commitments", i, key),
                            f"require pin of {c.unit} at {c.hotspot} is impossible: {reason}",
                            fix, id=c.unit)


def pins_do_not_contradict(ctx: CheckContext) -> Iterator[Problem]:
    """Error: a `require` and a `forbid` pin of the same unit at the same hotspot share weeks."""
    required: dict[tuple[str, str], list[tuple[int, tuple[int, ...]]]] = defaultdict(list)
    for i, r, weeks in _pins(ctx, "require"):
        required[r.unit, r.hotspot].append((i, weeks))
    for j, f, forbidden in _pins(ctx, "forbid"):
        for i, weeks in required.get((f.unit, f.hotspot), []):
            overlap = set(weeks) & set(forbidden)
            if not overlap:
                continue
            later, other = (i, j) if i > j else (j, i)
            yield ctx.error(("commitments", later),
                            f"require and forbid pins of {f.unit} at {f.hotspot} contradict "
                            f"in {weeks_phrase(overlap)}",
                            "remove one of them (the other is at "
                            f"{ctx.position(('commitments', other), ('commitments', later))})",
                            id=f.unit)


def require_pins_compatible(ctx: CheckContext) -> Iterator[Problem]:
    """Error: `require` pins that cannot hold together: one ground unit at two hotspots in
    the same week, or one air unit at several hotspots whose sorties exceed its weekly hours."""
    inst = ctx.instance
    by_unit: dict[str, list[Pin]] = defaultdict(list)
    for pin in _pins(ctx, "require"):
        by_unit[pin[1].unit].append(pin)
    for u, pins in by_unit.items():
        info = inst.units[u]
        if info.is_ground:
            yield from _ground_pins_one_place(ctx, u, pins)
        else:
            yield from _air_pins_fit_hours(ctx, info, pins)


def _ground_pins_one_place(ctx: CheckContext, u: str, pins: list[Pin]) -> Iterator[Problem]:
    first: dict[int, tuple[int, str]] = {}  # week -> (first pin, its hotspot)
    for i, c, weeks in pins:
        clashes: dict[tuple[int, str], list[int]] = defaultdict(list)
        for t in weeks:
            k, hotspot = first.setdefault(t, (i, c.hotspot))
            if hotspot != c.hotspot:
                clashes[k, hotspot].append(t)
        for (k, hotspot), overlap in clashes.items():
            other_at = ctx.position(("commitments", k), ("commitments", i))
            yield ctx.error(("commitments", i),
                            f"{u} is required at both {hotspot} and {c.hotspot} in "
                            f"{weeks_phrase(overlap)}; a ground unit is in one place a week",
                            f"drop those weeks from one of the pins (the other is at {other_at})",
                            id=u)


def _air_pins_fit_hours(ctx: CheckContext, info: UnitInfo,
                        pins: list[Pin]) -> Iterator[Problem]:
    inst = ctx.instance
    over: dict[tuple[str, ...], list[int]] = defaultdict(list)
    last_pin: dict[tuple[str, ...], int] = {}
    for t in inst.weeks:
        here = [(i, c.hotspot) for i, c, weeks in pins if t in weeks]
        hotspots = tuple(sorted({h for _, h in here}))
        if len(hotspots) < 2:
            continue
        if sum(inst.sortie_hours(info.id, h) for h in hotspots) > info.flight_hours_per_week + 1e-9:
            over[hotspots].append(t)
            last_pin[hotspots] = max(i for i, _ in here)
    for hotspots, weeks in over.items():
        hours = sum(inst.sortie_hours(info.id, h) for h in hotspots)
        yield ctx.error(("commitments", last_pin[hotspots]),
                        f"require pins of {info.id} at {', '.join(hotspots)} need "
                        f"{hours:.2f} flight hours in {weeks_phrase(weeks)}, more than its "
                        f"{info.flight_hours_per_week:g} per week",
                        "drop one of the pins for those weeks, or give the unit more "
                        "flight_hours_per_week", id=info.id)


def require_pins_leave_garrison(ctx: CheckContext) -> Iterator[Problem]:
    """Error: `require` pins take so many ground units of a base out in a week that it
    cannot keep min(min_garrison, its available ground units) at home
    (docs/evaluation-contract.md)."""
    inst = ctx.instance
    out: dict[tuple[str, int], set[str]] = defaultdict(set)
    for _, c, weeks in _pins(ctx, "require"):
        info = inst.units[c.unit]
        for t in weeks:
            if info.is_ground and t in info.available:
                out[info.base, t].add(c.unit)
    for i, b in enumerate(ctx.scenario.bases):
        short: dict[tuple[int, int], list[int]] = defaultdict(list)
        for t in inst.weeks:
            floor = inst.garrison_floor(b.id, t)
            if len(out[b.id, t]) > inst.spare_ground(b.id, t):
                short[len(out[b.id, t]), floor].append(t)
        for (pinned, floor), weeks in short.items():
            yield ctx.error(("bases", i, "min_garrison"),
                            f"require pins take {_n(pinned, 'ground unit')} of {b.id} out in "
                            f"{weeks_phrase(weeks)}, but it must keep {floor} of its available "
                            "ground units at home", "drop a pin for those weeks, or lower "
                            "min_garrison", id=b.id)


# ---------------------------------------------------------------------------- warnings
def garrison_floor_reachable(ctx: CheckContext) -> Iterator[Problem]:
    """Warning: a base's min_garrison exceeds its available ground units in some week; the
    floor is then all of them (docs/evaluation-contract.md)."""
    inst = ctx.instance
    for i, b in enumerate(ctx.scenario.bases):
        if b.min_garrison == 0:
            continue
        ground = [u for u in _units_by_base(ctx).get(b.id, []) if u.is_ground]
        counts = {t: sum(t in u.available for u in ground) for t in inst.weeks}
        short = [t for t, n in counts.items() if n < b.min_garrison]
        if short:
            fewest = min(counts[t] for t in short)
            yield ctx.warning(("bases", i, "min_garrison"),
                              f"min_garrison {b.min_garrison} is more than the ground units "
                              f"available at {b.id} in {weeks_phrase(short)} (as few as "
                              f"{fewest}); the floor is then all of them, so none can leave",
                              "lower min_garrison, or add ground units to this base", id=b.id)


def hotspot_reachable(ctx: CheckContext) -> Iterator[Problem]:
    """Warning: a hotspot that no unit can reach in any week (range, availability, closures,
    forbid pins, helicopter hours)."""
    inst = ctx.instance
    for i, h in enumerate(ctx.scenario.hotspots):
        in_range = _in_range(ctx, h.id)
        if any(inst.ground_ok(u.id, h.id, t) if u.is_ground else inst.air_ok(u.id, h.id, t)
               for u in in_range for t in inst.weeks):
            continue
        if in_range:
            message = (f"no unit can reach {h.id} in any week: the units in range "
                       f"({', '.join(u.id for u in in_range)}) are unavailable, closed out, "
                       "forbidden or short of flight hours whenever they could go")
            fix = "check the closures, availability and forbid pins that cover it"
        else:
            message = _out_of_range(ctx, h.id)
            fix = "check its location, or add a unit within range"
        yield ctx.warning(("hotspots", i), message, fix, id=h.id)


def _out_of_range(ctx: CheckContext, h: str) -> str:
    inst = ctx.instance
    groups = ctx.memo["reach_groups"]
    if not groups:
        return f"no unit can reach {h}: no unit has a known base"
    b, kind = min(groups, key=lambda g: inst.dist_km[g[0], h] - inst.kinds[g[1]].range_km)
    nearest = groups[b, kind][0]
    return (f"no unit can reach {h}: it is beyond every unit's range (closest: {nearest.id}, "
            f"{inst.dist_km[b, h]:.0f} km away with a range of {nearest.spec.range_km:g} km)")


def priority_serviceable(ctx: CheckContext) -> Iterator[Problem]:
    """Warning: a priority no unit can serve: a secure_area where no presence-capable unit
    can be in any week of its window (or in fewer weeks than required), a civilian_mission
    whose ground or air escort need cannot be met in any start week."""
    s = ctx.scenario
    hotspots = _ids(s.hotspots)
    counts: dict[str, int] = defaultdict(int)
    for p in s.priorities:
        counts[p.id] += 1
    for i, p in enumerate(s.priorities):
        if (p.hotspot not in hotspots or counts[p.id] > 1
                or not _window_ok(p.weeks, s.horizon.weeks)):
            continue
        if p.kind is PriorityKind.SECURE_AREA:
            yield from _secure_area_serviceable(ctx, i)
        else:
            yield from _mission_serviceable(ctx, i)


def _secure_area_serviceable(ctx: CheckContext, i: int) -> Iterator[Problem]:
    inst = ctx.instance
    area = inst.secure_areas[ctx.scenario.priorities[i].id]
    units = [u for u in _in_range(ctx, area.hotspot) if u.is_ground and u.spec.presence]
    servable = [t for t in area.window
                if any(inst.presence_ok(u.id, area.hotspot, t) for u in units)]
    if not servable:
        yield ctx.warning(("priorities", i),
                          f"no unit able to hold a presence can be at {area.hotspot} in any "
                          f"week of the window ({weeks_phrase(area.window)})",
                          "widen the window, or give a presence-capable unit the range, "
                          "availability and open weeks to be there", id=area.id)
    elif len(servable) < area.required:
        yield ctx.warning(("priorities", i),
                          f"a presence at {area.hotspot} is possible in only "
                          f"{len(servable)} of the {area.required} required weeks "
                          f"({weeks_phrase(servable)})",
                          f"lower required_weeks to {len(servable)}, or widen the window",
                          id=area.id)


def _mission_serviceable(ctx: CheckContext, i: int) -> Iterator[Problem]:
    inst = ctx.instance
    mission = inst.missions[ctx.scenario.priorities[i].id]
    if not mission.starts:
        return
    h = mission.hotspot
    units = _in_range(ctx, h)
    ground = {t: sum(1 for u in units if u.is_ground and u.spec.escort
                     and inst.ground_ok(u.id, h, t)) for t in mission.window}
    air = {t: sum(_sortie_capacity(inst, u, h) for u in units
                  if u.is_air and inst.air_ok(u.id, h, t)) for t in mission.window}

    def met(capacity: dict[int, int], need: dict[int, int], start: int) -> bool:
        return all(capacity[t] >= need[t] for t in mission.running_weeks(start))

    ground_starts = {s for s in mission.starts if met(ground, mission.need_ground, s)}
    air_starts = {s for s in mission.starts if met(air, mission.need_air, s)}
    if ground_starts & air_starts:
        return
    reasons = []
    if not ground_starts:
        need = max(mission.need_ground[t] for t in mission.window)
        reasons.append(f"it needs up to {need} escort-capable ground units at {h} but at most "
                       f"{max(ground.values())} can be there in a week of its window")
    if not air_starts:
        need = max(mission.need_air[t] for t in mission.window)
        reasons.append(f"it needs up to {_n(need, 'escort sortie')} at {h} but at most "
                       f"{max(air.values())} can be flown there in a week of its window")
    if not reasons:
        reasons.append("its ground and air escort needs are never met in the same weeks")
    yield ctx.warning(("priorities", i),
                      f"no start week of {mission.id} can be escorted: " + "; ".join(reasons),
                      "lower its escort need, widen its window, or make escorts able to "
                      f"reach {h}", id=mission.id)


def bases_have_units(ctx: CheckContext) -> Iterator[Problem]:
    """Warning: a base with no units."""
    based = {u.base for u in ctx.scenario.units}
    for i, b in enumerate(ctx.scenario.bases):
        if b.id not in based:
            yield ctx.warning(("bases", i), f"base {b.id} has no units",
                              "give it units, or remove it", id=b.id)


# ---------------------------------------------------------------------------- assessments
def assessments_well_formed(ctx: CheckContext) -> Iterator[Problem]:
    """Error: assessment ids are unique and not `base`; every hotspot an assessment names
    exists; its threats follow the rules of `hotspots[].threats` — windows inside the
    horizon, a category assessed at most once per week (docs/scenario-format.md §9)."""
    s = ctx.scenario
    horizon, hotspots = s.horizon.weeks, _ids(s.hotspots)
    first: dict[str, int] = {}
    for i, a in enumerate(s.assessments):
        if a.id == "base":
            yield ctx.error(("assessments", i, "id"), "assessment id 'base' is reserved for "
                            "the scenario's own threats", "give the assessment another id",
                            id=a.id)
        elif a.id in first:
            where = ctx.position(("assessments", first[a.id], "id"), ("assessments", i))
            yield ctx.error(("assessments", i, "id"), f"duplicate assessment id '{a.id}', "
                            f"already used at {where}",
                            "give each assessment its own id", id=a.id)
        first.setdefault(a.id, i)
        for h, threats in a.threats.items():
            at = ("assessments", i, "threats", h)
            if h not in hotspots:
                yield ctx.error(at, f"assessment {a.id} names unknown hotspot '{h}'",
                                _one_of(h, hotspots, "hotspots"), id=a.id, key=True)
            yield from _assessed_threats(ctx, a.id, at, h, threats, horizon)


def _assessed_threats(ctx: CheckContext, ident: str, at: KeyPath, h: str, threats: list,
                      horizon: int) -> Iterator[Problem]:
    seen: dict[tuple[str, int], int] = {}
    for j, threat in enumerate(threats):
        if threat.weeks is not None:
            a, b = threat.weeks
            if a > b:
                yield ctx.error((*at, j, "weeks"), f"window [{a}, {b}] runs backwards: its "
                                "first week comes after its last", f"write [{b}, {a}]", id=ident)
                continue
            if b > horizon:
                yield ctx.error((*at, j, "weeks"), f"window [{a}, {b}] ends after the "
                                f"horizon's last week ({horizon})",
                                f"end it by week {horizon}, or lengthen horizon.weeks", id=ident)
                continue
        clashes: dict[int, list[int]] = defaultdict(list)
        for t in window_weeks(threat.weeks, horizon):
            k = seen.setdefault((threat.category, t), j)
            if k != j:
                clashes[k].append(t)
        for k, weeks in clashes.items():
            yield ctx.error((*at, j), f"{threat.category} is assessed twice at {h} in "
                            f"{weeks_phrase(weeks)} by assessment {ident} (also threats[{k}], "
                            f"{ctx.position((*at, k), at)})",
                            "give each assessment of a category its own weeks, or keep one",
                            id=ident)


CHECKS: tuple[Check, ...] = (
    # errors
    unique_ids,
    references_resolve,
    windows_inside_horizon,
    threat_assessments_do_not_overlap,
    mission_duration_fits_window,
    required_weeks_fit_window,
    flight_hours_only_on_air_units,
    unit_type_overrides_fit_domain,
    v2_kind_keys_fit_domain,
    require_pins_possible,
    pins_do_not_contradict,
    require_pins_compatible,
    require_pins_leave_garrison,
    require_pins_make_strong_posts,
    assessments_well_formed,
    # warnings
    garrison_floor_reachable,
    hotspot_reachable,
    hotspot_open_to_ground,
    priority_serviceable,
    bases_have_units,
)
"""Every cross check, in the order their problems are found."""


def run_checks(ctx: CheckContext) -> list[Problem]:
    """Every problem every check finds; a check that crashes is reported, never raised."""
    problems: list[Problem] = []
    for check in CHECKS:
        try:
            problems.extend(check(ctx))
        except Exception as exc:  # noqa: BLE001 - a bug in a check must not become a traceback
            problems.append(ctx.error((), f"internal error in check {check.__name__}: {exc!r}",
                                      "this is a pocplan bug; please report it with the file"))
    return problems
