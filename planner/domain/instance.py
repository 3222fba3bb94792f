"""The compiled scenario: every derived quantity the evaluator, heuristic and solvers share.

Built once from a validated `Scenario` (priorities from office files already merged in).
Nothing here judges a plan; it only answers questions such as "what is the risk at KORO
in week 7", "can INF-1 reach KORO", "what escort does mission P2 need in week 4".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from models.base import Domain, ThreatCategory
from models.kinds import BUILTIN_KINDS, DEFAULT_MITIGATION_CAPS, KindSpec
from models.scenario import (
    DEFAULT_ESCORT_TIERS,
    DistinctionMode,
    EscortTier,
    Location,
    Priority,
    PriorityKind,
    Scenario,
    StateHandover,
    Unit,
)

EARTH_RADIUS_KM = 6371.0
RETALIATION_CATEGORIES = (ThreatCategory.TERRORIST_ATTACKS, ThreatCategory.ARMED_GROUP_ABUSE)
"""R[h,t] sums these categories: the risk to those left behind (docs/evaluation-contract.md)."""
SMALL_POST_CATEGORIES = (ThreatCategory.TERRORIST_ATTACKS, ThreatCategory.ARMED_GROUP_ABUSE)
"""R15: the asymmetric threats under which small posts are barred."""
CEILING_CATEGORIES = (ThreatCategory.TERRORIST_ATTACKS, ThreatCategory.ARMED_GROUP_CONFLICT)
"""R17: the threats a kind's max_threat is measured against."""


def great_circle_km(a: Location, b: Location) -> float:
    """Haversine distance, km (R = 6371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def weeks_of(windows: list[tuple[int, int]] | None, horizon_weeks: int) -> frozenset[int]:
    """The weeks covered by a list of windows; None means the whole horizon."""
    if windows is None:
        return frozenset(range(1, horizon_weeks + 1))
    return frozenset(t for a, b in windows for t in range(a, b + 1) if 1 <= t <= horizon_weeks)


def window_weeks(window: tuple[int, int] | None, horizon_weeks: int) -> tuple[int, ...]:
    """The weeks of one window (None: the whole horizon), in order."""
    a, b = window if window is not None else (1, horizon_weeks)
    return tuple(range(max(1, a), min(b, horizon_weeks) + 1))


def escort_need_by_threat(max_pi: int,
                          tiers: list[EscortTier] | None = None) -> tuple[int, int]:
    """Default escort (ground units, air sorties) by the highest P×I that week
    (docs/evaluation-contract.md): the first tier [max_pi, ground, air] whose max_pi ≥ the
    week's highest P×I, the last tier above every max_pi. The default tiers are v1's table
    (≤ 8 → 1 ground; 9–15 → 2 ground; ≥ 16 → 2 ground and 2 sorties)."""
    tiers = DEFAULT_ESCORT_TIERS if tiers is None else tiers
    for limit, ground, air in tiers:
        if max_pi <= limit:
            return ground, air
    return tiers[-1][1], tiers[-1][2]


@dataclass(frozen=True)
class UnitInfo:
    """A unit with its kind resolved."""

    id: str
    base: str
    spec: KindSpec
    available: frozenset[int]
    flight_hours_per_week: float

    @property
    def is_ground(self) -> bool:
        return self.spec.domain is Domain.GROUND

    @property
    def is_air(self) -> bool:
        return self.spec.domain is Domain.AIR


@dataclass(frozen=True)
class MissionInfo:
    """A civilian_mission priority, with when it can start and what escort it needs."""

    id: str
    hotspot: str
    weight: float
    window: tuple[int, ...]
    duration: int
    need_ground: dict[int, int]
    need_air: dict[int, int]
    effects: tuple[tuple[ThreatCategory, float], ...] = ()
    """R18 (v2): (category, fraction) the mission removes after it ends, in category order."""
    effect_weeks: int = 0
    """R18 (v2): weeks after its last running week that the effects last."""

    @property
    def starts(self) -> tuple[int, ...]:
        """Start weeks that keep the whole mission inside its window."""
        return tuple(s for s in self.window if s + self.duration - 1 <= self.window[-1])

    def running_weeks(self, start: int) -> tuple[int, ...]:
        return tuple(range(start, start + self.duration))

    def effect_weeks_after(self, start: int, horizon_weeks: int) -> tuple[int, ...]:
        """R18: the weeks (inside the horizon) its civilian effects last when started in
        `start`: the effect_weeks weeks after its last running week."""
        last = start + self.duration - 1
        return tuple(t for t in range(last + 1, last + 1 + self.effect_weeks)
                     if t <= horizon_weeks)


@dataclass(frozen=True)
class SecureAreaInfo:
    """A secure_area priority: presence wanted in `required` weeks of its window."""

    id: str
    hotspot: str
    weight: float
    window: tuple[int, ...]
    required: int


def resolve_kinds(scenario: Scenario) -> dict[str, KindSpec]:
    """The built-in kind table with the scenario's `unit_types` overrides merged in."""
    specs: dict[str, KindSpec] = {}
    for kind, builtin in BUILTIN_KINDS.items():
        override = scenario.unit_types.get(kind)
        if override is None:
            specs[kind] = builtin
            continue
        changes = {k: v for k, v in override.model_dump(exclude={"effects", "escort"}).items()
                   if v is not None}
        if override.escort is not None:
            changes["escort"] = bool(override.escort)
        changes["effects"] = builtin.effects | dict(override.effects)
        specs[kind] = builtin.model_copy(update=changes)
    return specs


@dataclass(frozen=True)
class Instance:
    """Everything a plan is judged against, precomputed from one scenario."""

    scenario: Scenario
    kinds: dict[str, KindSpec]
    units: dict[str, UnitInfo]
    dist_km: dict[tuple[str, str], float]
    pi: dict[tuple[str, ThreatCategory, int], int]
    caps: dict[ThreatCategory, float]
    missions: dict[str, MissionInfo]
    secure_areas: dict[str, SecureAreaInfo]
    ground_closed: frozenset[tuple[str, int]]
    air_closed: frozenset[tuple[str, int]]
    state_presence: frozenset[tuple[str, int]]
    partner_active: frozenset[tuple[str, int]]
    required_pins: frozenset[tuple[str, str, int]]
    forbidden_pins: frozenset[tuple[str, str, int]]
    rule_pi: dict[tuple[str, ThreatCategory, int], int] | None = None
    """The threat table the threat-dependent v2 hard rules (small posts, police ceiling)
    judge against: the scenario's own (`base`) even when `pi` is another assessment's
    (docs/evaluation-contract.md §9); None means `pi`."""

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, scenario: Scenario) -> Instance:
        T = scenario.horizon.weeks
        kinds = resolve_kinds(scenario)
        units = {u.id: _unit_info(u, kinds[u.kind], T) for u in scenario.units}
        # Only bases that hold units: a base × hotspot table of a large file with many
        # empty bases would otherwise dominate loading.
        manned = {u.base for u in scenario.units}
        dist = {(b.id, h.id): great_circle_km(b.location, h.location)
                for b in scenario.bases if b.id in manned for h in scenario.hotspots}
        pi: dict[tuple[str, ThreatCategory, int], int] = {}
        for h in scenario.hotspots:
            for threat in h.threats:
                for t in window_weeks(threat.weeks, T):
                    pi[h.id, threat.category, t] = threat.probability * threat.impact
        caps = DEFAULT_MITIGATION_CAPS | dict(scenario.policy.mitigation_caps)
        missions, areas = {}, {}
        for p in scenario.priorities:
            if p.kind is PriorityKind.CIVILIAN_MISSION:
                missions[p.id] = _mission_info(p, pi, T, list(scenario.policy.escort_tiers))
            else:
                window = window_weeks(p.weeks, T)
                areas[p.id] = SecureAreaInfo(p.id, p.hotspot, p.weight, window,
                                             p.required_weeks or len(window))
        pins: dict[str, set[tuple[str, str, int]]] = {"require": set(), "forbid": set()}
        for c in scenario.commitments:
            pins[c.mode].update((c.unit, c.hotspot, t) for t in window_weeks(c.weeks, T))
        return cls(
            scenario=scenario, kinds=kinds, units=units, dist_km=dist, pi=pi, caps=caps,
            missions=missions, secure_areas=areas,
            ground_closed=frozenset((h.id, t) for h in scenario.hotspots
                                    for t in weeks_of(h.ground_closed_weeks, T)),
            air_closed=frozenset((b.id, t) for b in scenario.bases
                                 for t in weeks_of(b.air_closed_weeks, T)),
            state_presence=frozenset((h.id, t) for h in scenario.hotspots
                                     for t in weeks_of(h.state_presence_weeks, T)),
            partner_active=frozenset((h.id, t) for h in scenario.hotspots
                                     for op in h.partner_operations
                                     for t in window_weeks(op.weeks, T)),
            required_pins=frozenset(pins["require"]),
            forbidden_pins=frozenset(pins["forbid"]),
            rule_pi=pi,
        )

    # ------------------------------------------------------------------ basic sets
    @property
    def policy(self):  # noqa: ANN201 - Policy, re-exported for brevity
        return self.scenario.policy

    @property
    def weeks(self) -> range:
        return range(1, self.scenario.horizon.weeks + 1)

    @property
    def horizon_weeks(self) -> int:
        return self.scenario.horizon.weeks

    @cached_property
    def hotspot_ids(self) -> tuple[str, ...]:
        return tuple(h.id for h in self.scenario.hotspots)

    @cached_property
    def base_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.scenario.bases)

    @cached_property
    def min_garrison(self) -> dict[str, int]:
        return {b.id: b.min_garrison for b in self.scenario.bases}

    @cached_property
    def ground_units(self) -> tuple[UnitInfo, ...]:
        return tuple(u for u in self.units.values() if u.is_ground)

    @cached_property
    def air_units(self) -> tuple[UnitInfo, ...]:
        return tuple(u for u in self.units.values() if u.is_air)

    @cached_property
    def hotspot_names(self) -> dict[str, str]:
        return {h.id: h.name or h.id for h in self.scenario.hotspots}

    @cached_property
    def priority_by_id(self) -> dict[str, Priority]:
        return {p.id: p for p in self.scenario.priorities}

    # ------------------------------------------------------------------ risk
    def risk(self, h: str, c: ThreatCategory, t: int) -> float:
        """risk[h,c,t] = P × I × population / population_unit, 0 when no threat applies."""
        return self.pi.get((h, c, t), 0) * self.exposure[h]

    @cached_property
    def exposure(self) -> dict[str, float]:
        unit = self.policy.population_unit
        return {h.id: h.population / unit for h in self.scenario.hotspots}

    @cached_property
    def total_risk(self) -> dict[tuple[str, int], float]:
        """Σ_c risk[h,c,t]."""
        return {(h, t): sum(self.risk(h, c, t) for c in ThreatCategory)
                for h in self.hotspot_ids for t in self.weeks}

    @cached_property
    def retaliation_risk(self) -> dict[tuple[str, int], float]:
        """R[h,t] = risk of terrorist_attacks + armed_group_abuse: who is exposed after we go."""
        return {(h, t): sum(self.risk(h, c, t) for c in RETALIATION_CATEGORIES)
                for h in self.hotspot_ids for t in self.weeks}

    def max_pi(self, h: str, t: int) -> int:
        return max((self.pi.get((h, c, t), 0) for c in ThreatCategory), default=0)

    # ------------------------------------------------------------------ garrison (R7)
    @cached_property
    def available_ground(self) -> dict[tuple[str, int], tuple[str, ...]]:
        """(base, week) → ids of the base's ground units available that week."""
        out: dict[tuple[str, int], list[str]] = {(b, t): [] for b in self.base_ids
                                                 for t in self.weeks}
        for u in self.ground_units:
            for t in u.available:  # a unit of an unknown base is the checks' to report
                out.setdefault((u.base, t), []).append(u.id)
        return {key: tuple(ids) for key, ids in out.items()}

    def garrison_floor(self, b: str, t: int) -> int:
        """Ground units base b must keep home in week t: min(min_garrison, available)."""
        return min(self.min_garrison[b], len(self.available_ground[b, t]))

    def spare_ground(self, b: str, t: int) -> int:
        """Ground units base b may send out in week t: available − garrison floor."""
        return len(self.available_ground[b, t]) - self.garrison_floor(b, t)

    # ------------------------------------------------------------------ stays (R3)
    def is_short_stay(self, first: int, last: int) -> bool:
        """An episode of presence from `first` to `last` is short: fewer than
        min_stay_weeks weeks, also when it reaches the last week of the horizon (a plan
        commits nothing beyond its horizon), unless it covers the whole horizon."""
        return (last - first + 1 < self.policy.min_stay_weeks
                and (first, last) != (1, self.horizon_weeks))

    # ------------------------------------------------------------------ reach
    def distance(self, u: str, h: str) -> float:
        return self.dist_km[self.units[u].base, h]

    def in_range(self, u: str, h: str) -> bool:
        return self.distance(u, h) <= self.units[u].spec.range_km + 1e-9

    def sortie_hours(self, u: str, h: str) -> float:
        """Flight hours of one sortie: 2 × distance / speed + time on station."""
        spec = self.units[u].spec
        return 2 * self.distance(u, h) / spec.speed_kmh + spec.station_hours

    def max_sorties(self, u: str, h: str) -> int:
        """Most sorties air unit u can fly to h in one week on its own flight hours."""
        return math.floor(self.units[u].flight_hours_per_week / self.sortie_hours(u, h) + 1e-9)

    def ground_ok(self, u: str, h: str, t: int) -> bool:
        """Whether ground unit u may be assigned at h in week t under every hard rule that
        concerns u, h and t alone (availability, range, ground closure, forbid pins, the
        police threat ceiling of R17; distinction: forbid applies to presence only and is
        checked separately)."""
        info = self.units[u]
        return (info.is_ground and t in info.available and self.in_range(u, h)
                and (h, t) not in self.ground_closed and (u, h, t) not in self.forbidden_pins
                and self.below_threat_ceiling(u, h, t))

    def air_ok(self, u: str, h: str, t: int) -> bool:
        """Whether air unit u may fly a sortie to h in week t (availability, range,
        air closure of its base, forbid pins, one sortie fits its weekly hours)."""
        info = self.units[u]
        return (info.is_air and t in info.available and self.in_range(u, h)
                and (info.base, t) not in self.air_closed
                and (u, h, t) not in self.forbidden_pins
                and self.sortie_hours(u, h) <= info.flight_hours_per_week + 1e-9)

    # ------------------------------------------------------------------ v2 rules (R13–R18)
    @property
    def _rule_pi(self) -> dict[tuple[str, ThreatCategory, int], int]:
        return self.pi if self.rule_pi is None else self.rule_pi

    @cached_property
    def v2_active(self) -> bool:
        """Whether the scenario uses any contract v2 key with a value other than its default
        (then the v2 warnings are listed too; a v1 scenario's output stays as it was)."""
        policy, defaults = self.policy, type(self.policy)()
        fields = ("attraction_factor", "resupply_weeks", "small_post", "reserve_factor",
                  "state_handover", "escort_tiers")
        return (any(getattr(policy, f) != getattr(defaults, f) for f in fields)
                or any(o.max_threat is not None or o.reserve is not None
                       for o in self.scenario.unit_types.values())
                or any(p.effects for p in self.scenario.priorities))

    def below_threat_ceiling(self, u: str, h: str, t: int) -> bool:
        """R17 police threat ceiling: u's kind has no max_threat, or neither
        P×I(terrorist_attacks) nor P×I(armed_group_conflict) at h in t exceeds it (under
        the base threats, `rule_pi`)."""
        ceiling = self.units[u].spec.max_threat
        return ceiling is None or all(self._rule_pi.get((h, c, t), 0) <= ceiling
                                      for c in CEILING_CATEGORIES)

    def small_post_min(self, h: str, t: int) -> int:
        """R15: fewest units present at h in t when any are (1: the rule does not bite),
        small_post.min_units where P×I(terrorist_attacks) or P×I(armed_group_abuse) ≥
        small_post.threat (under the base threats, `rule_pi`)."""
        rule = self.policy.small_post
        if rule.min_units > 1 and any(self._rule_pi.get((h, c, t), 0) >= rule.threat
                                      for c in SMALL_POST_CATEGORIES):
            return rule.min_units
        return 1

    def handover_counts(self, h: str, t: int) -> bool:
        """R4/R17: host-state presence at h in t prevents a vacuum (state_handover: counts)."""
        return ((h, t) in self.state_presence
                and self.policy.state_handover is StateHandover.COUNTS)

    def attraction_risk(self, h: str, t: int) -> float:
        """R13: risk[h, terrorist_attacks, t], what a presence at h in t draws."""
        return self.risk(h, ThreatCategory.TERRORIST_ATTACKS, t)

    def resupply_cost(self, b: str, h: str, t: int) -> float:
        """R14: resupply exposure of one unit of base b staying at h in week t (not a road
        movement): ied_factor × P×I(terrorist_attacks) × distance / 100 / resupply_weeks;
        0 with resupply_weeks 0."""
        weeks = self.policy.resupply_weeks
        if weeks < 1:
            return 0.0
        pi = self.pi.get((h, ThreatCategory.TERRORIST_ATTACKS, t), 0)
        return self.policy.ied_factor * pi * self.dist_km[b, h] / 100 / weeks

    @cached_property
    def reserve_kinds(self) -> tuple[str, ...]:
        """R16: the ground kinds with reserve = true, in kind order."""
        return tuple(k for k, spec in self.kinds.items()
                     if spec.reserve and spec.domain is Domain.GROUND)

    def reserve_units(self, b: str, kind: str, t: int) -> tuple[str, ...]:
        """R16: ids of base b's units of reserve kind `kind` available in week t."""
        return tuple(u for u in self.available_ground.get((b, t), ())
                     if self.units[u].spec.kind == kind)

    def reserve_reach(self, b: str, kind: str, t: int) -> tuple[float, ...]:
        """R16: V₁ ≥ V₂ ≥ … — Σ_c risk[h,c,t] of the hotspots within the kind's range of
        base b and not ground-closed in t, largest first (a reserve answers one alert a
        week, the largest first)."""
        reach = self.kinds[kind].range_km + 1e-9
        values = [self.total_risk[h, t] for h in self.hotspot_ids
                  if self.dist_km[b, h] <= reach and (h, t) not in self.ground_closed]
        return tuple(sorted((v for v in values if v > 0), reverse=True))

    def presence_ok(self, u: str, h: str, t: int) -> bool:
        """ground_ok for task presence: the kind holds presence, distinction: forbid honoured."""
        return (self.ground_ok(u, h, t) and self.units[u].spec.presence
                and not (self.policy.distinction is DistinctionMode.FORBID
                         and (h, t) in self.partner_active))


def _unit_info(unit: Unit, spec: KindSpec, T: int) -> UnitInfo:
    hours = unit.flight_hours_per_week
    return UnitInfo(id=unit.id, base=unit.base, spec=spec,
                    available=weeks_of(unit.available, T),
                    flight_hours_per_week=spec.flight_hours_per_week if hours is None else hours)


def _mission_info(p: Priority, pi: dict[tuple[str, ThreatCategory, int], int],
                  T: int, tiers: list[EscortTier] | None = None) -> MissionInfo:
    need_ground, need_air = {}, {}
    for t in range(1, T + 1):
        max_pi = max((pi.get((p.hotspot, c, t), 0) for c in ThreatCategory), default=0)
        ground, air = escort_need_by_threat(max_pi, tiers)
        if p.escort is not None:
            ground = ground if p.escort.ground is None else p.escort.ground
            air = air if p.escort.air_sorties is None else p.escort.air_sorties
        need_ground[t], need_air[t] = ground, air
    effects = tuple((c, (p.effects or {})[c]) for c in ThreatCategory
                    if (p.effects or {}).get(c, 0.0) > 0)
    return MissionInfo(p.id, p.hotspot, p.weight, window_weeks(p.weeks, T),
                       p.duration_weeks or 1, need_ground, need_air,
                       effects=effects, effect_weeks=(p.effect_weeks or 0) if effects else 0)
