"""The scenario file, format v1 (docs/scenario-format.md), and the priority submission file
(docs/scenario-format.md).

Only what one object can check about itself is checked here; everything that needs the
whole scenario (references, windows inside the horizon, reach) lives in
`planner.inputs.checks`, which reports problems with the file, line and fix.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from models.base import (
    Identifier,
    NonNegative,  # noqa: F401 - the plain non-negative number, for fields without a range
    Number,
    OneLine,
    PlainText,
    StrictModel,
    ThreatCategory,
    UnitKind,
    Window,
)

# Plausible ranges (docs/scenario-format.md, "Plausible ranges"): far beyond any real
# scenario, and small enough that no score, risk or solver coefficient overflows.
MAX_WEIGHT = 100.0
"""Largest weight of a score term or of a priority."""
MAX_FACTOR = 100.0
"""Largest exposure factor (retaliation, vacuum, IED, engagement)."""
MAX_POINTS = 1000.0
"""Largest number of score points per priority weight point or per co-located unit-week."""
MAX_POPULATION = 10_000_000.0
"""Most people at one hotspot, and the largest population_unit."""
HOURS_PER_WEEK = 168.0
"""Flight hours cannot exceed the hours of a week."""
MAX_RANGE_KM = 2000.0
"""Largest operating radius, km (the width of Mali)."""
MAX_SPEED_KMH = 1000.0
"""Fastest cruise speed of an air kind, km/h."""
MAX_UNITS = 100
"""Most units named by one count (a garrison floor, a ground escort)."""
MAX_SORTIES = 200
"""Most escort sorties a mission may need in one week."""


class InputModel(StrictModel):
    """StrictModel for what users write: numbers must be finite, so neither `.inf` nor a
    quoted "nan" can reach a risk or a distance."""

    model_config = ConfigDict(allow_inf_nan=False)


LEVEL_WORDS = {"very_low": 1, "low": 2, "medium": 3, "high": 4, "very_high": 5}


def _level_from_word(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in LEVEL_WORDS:
        return LEVEL_WORDS[value.strip().lower()]
    return value


Level = Annotated[
    int,
    BeforeValidator(_level_from_word),
    Field(ge=1, le=5, strict=True),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 5},
                              {"enum": list(LEVEL_WORDS)}]}),
]
"""A probability or impact: an integer 1–5 or very_low, low, medium, high, very_high."""


class Location(InputModel):
    lat: Number = Field(ge=-90, le=90)
    """Latitude, decimal degrees (WGS 84)."""
    lon: Number = Field(ge=-180, le=180)
    """Longitude, decimal degrees (WGS 84)."""


class Horizon(InputModel):
    start: dt.date | None = Field(default=None, ge=dt.date(1900, 1, 1),
                                  le=dt.date(2200, 12, 31))
    """Date of the first day of week 1 (optional; used for display only)."""
    weeks: int = Field(ge=1, le=52, strict=True)
    """Length of the planning horizon, weeks."""


class DistinctionMode(StrEnum):
    """How UN presence alongside partner counterterrorism operations is treated (R11)."""

    FLAG = "flag"
    PENALIZE = "penalize"
    FORBID = "forbid"


class Weights(InputModel):
    """Weights of the score's terms (docs/evaluation-contract.md); a partial map keeps the other
    defaults."""

    harm: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of harm averted."""
    priorities: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of the value of civilian priorities met."""
    retaliation: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of retaliation exposure from short stays (R3)."""
    vacuum: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of security-vacuum exposure after military departures (R4)."""
    ied: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of IED exposure from road movements (R5)."""
    engagement: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of engagement exposure after civilian missions (R6)."""
    distinction: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of the distinction penalty (R11, mode penalize)."""
    attraction: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of attraction exposure: presence drawing attacks (R13, v2)."""
    resupply: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of resupply exposure: sustainment convoys drawing IEDs (R14, v2)."""
    reserve: Number = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    """Weight of the value of reserves kept ready at base (R16, v2)."""


class StateHandover(StrEnum):
    """Whether host-state forces' presence counts as a handover that prevents a vacuum (R17)."""

    COUNTS = "counts"
    DOES_NOT_COUNT = "does_not_count"


class SmallPost(InputModel):
    """R15 (v2): where the asymmetric threat is high, a post is strong enough or absent; a
    partial map keeps the other field's default."""

    threat: int = Field(default=16, ge=1, le=25, strict=True)
    """P×I of terrorist_attacks or armed_group_abuse from which small posts are barred."""
    min_units: int = Field(default=1, ge=1, le=MAX_UNITS, strict=True)
    """Fewest distinct units present (task presence) at such a hotspot, units; 1 = off."""


EscortTier = tuple[Annotated[int, Field(ge=0, le=25, strict=True)],
                   Annotated[int, Field(ge=0, le=MAX_UNITS, strict=True)],
                   Annotated[int, Field(ge=0, le=MAX_SORTIES, strict=True)]]
"""[max_pi, ground units, air sorties]: the default escort of a mission in a week whose
highest P×I at the hotspot is at most max_pi."""

DEFAULT_ESCORT_TIERS: list[EscortTier] = [(8, 1, 0), (15, 2, 0), (25, 2, 2)]
"""v1's escort table: ≤ 8 → 1 ground; 9–15 → 2 ground; ≥ 16 → 2 ground and 2 sorties."""


class Policy(InputModel):
    """Policy parameters of the evaluation contract; every field has the default shown."""

    min_stay_weeks: int = Field(default=3, ge=1, le=52, strict=True)
    """A presence shorter than this many weeks is a short stay (R3), weeks."""
    population_unit: Number = Field(default=10000.0, ge=100, le=MAX_POPULATION)
    """Exposure = population / population_unit, people."""
    retaliation_factor: Number = Field(default=2.0, ge=0, le=MAX_FACTOR)
    """Multiplier of the risk left behind by a short stay."""
    vacuum_factor: Number = Field(default=1.0, ge=0, le=MAX_FACTOR)
    """Multiplier of the risk in a week after the military leaves without handover."""
    ied_factor: Number = Field(default=0.5, ge=0, le=MAX_FACTOR)
    """Multiplier of IED exposure per road movement (per P×I per 100 km)."""
    engagement_factor: Number = Field(default=1.0, ge=0, le=MAX_FACTOR)
    """Multiplier of the risk to people who talked to an unprotected civilian mission."""
    priority_value: Number = Field(default=40.0, ge=0, le=MAX_POINTS)
    """Score points per weight point of a fully met priority."""
    distinction: DistinctionMode = DistinctionMode.FLAG
    """flag | penalize | forbid presence where partner operations are active."""
    distinction_penalty: Number = Field(default=10.0, ge=0, le=MAX_POINTS)
    """Score points per unit-week co-located with partner operations (mode penalize)."""
    weights: Weights = Weights()
    """Weights of the score's terms."""
    mitigation_caps: dict[ThreatCategory, Annotated[Number, Field(ge=0, le=1)]] = {}
    """Cap on total mitigation per category; categories not named keep the built-in caps."""
    attraction_factor: Number = Field(default=0.0, ge=0, le=MAX_FACTOR)
    """R13 (v2): score points per risk point of terrorist_attacks at a hotspot-week with UN
    presence (presence draws attacks); 0 = off."""
    resupply_weeks: int = Field(default=0, ge=0, le=52, strict=True)
    """R14 (v2): weeks between sustainment convoys to a unit that stays, weeks; 0 = off."""
    small_post: SmallPost = SmallPost()
    """R15 (v2): no small posts under high asymmetric threat (hard rule); min_units 1 = off."""
    reserve_factor: Number = Field(default=0.0, ge=0, le=MAX_FACTOR)
    """R16 (v2): score points per risk point a reserve kept at base can answer; 0 = off."""
    state_handover: StateHandover = StateHandover.COUNTS
    """R17 (v2): counts | does_not_count — whether host-state presence prevents a vacuum."""
    escort_tiers: list[EscortTier] = Field(default=DEFAULT_ESCORT_TIERS, min_length=1)
    """R9: default escort need, [max_pi, ground units, air sorties], max_pi strictly
    increasing; the first tier whose max_pi ≥ the week's highest P×I applies (the last one
    above every max_pi)."""

    @model_validator(mode="after")
    def _tiers_increase(self) -> Policy:
        limits = [tier[0] for tier in self.escort_tiers]
        if any(b <= a for a, b in zip(limits, limits[1:], strict=False)):
            raise ValueError(f"escort_tiers: max_pi must strictly increase, got {limits}; "
                             "order the tiers by their first number")
        return self


class UnitTypeOverride(InputModel):
    """Override of a built-in unit kind's parameters (docs/scenario-format.md)."""

    range_km: Number | None = Field(default=None, ge=0, le=MAX_RANGE_KM)
    """Operating radius from the base, km."""
    escort: int | None = Field(default=None, ge=0, le=1, strict=True)
    """Whether a ground kind counts toward civilian missions' ground escort (0 or 1)."""
    effects: dict[ThreatCategory, Annotated[Number, Field(ge=0, le=1)]] = {}
    """Fraction of weekly risk removed per unit-week or sortie; unnamed categories keep theirs."""
    speed_kmh: Number | None = Field(default=None, ge=10, le=MAX_SPEED_KMH)
    """Cruise speed of an air kind, km/h."""
    station_hours: Number | None = Field(default=None, ge=0.1, le=24)
    """Hours on station per sortie of an air kind, h."""
    flight_hours_per_week: Number | None = Field(default=None, ge=0, le=HOURS_PER_WEEK)
    """Weekly flight hours of an air kind, h."""
    max_threat: int | None = Field(default=None, ge=1, le=25, strict=True)
    """R17 (v2), ground kinds only: P×I of terrorist_attacks or armed_group_conflict above
    which units of this kind may not be present or escort; default no ceiling."""
    reserve: bool | None = None
    """R16 (v2), ground kinds only: whether an unassigned unit of this kind is a reserve
    ready to react; default true for qrf_company only."""


class Base(InputModel):
    id: Identifier
    """Base id, unique among bases."""
    name: PlainText | None = None
    """Display name."""
    location: Location
    """Where the base is."""
    min_garrison: int = Field(default=0, ge=0, le=MAX_UNITS, strict=True)
    """Ground units of this base kept home every week (R7), units."""
    air_closed_weeks: list[Window] = []
    """Windows in which no air unit of this base may fly (flight authorisations)."""


class Unit(InputModel):
    id: Identifier
    """Unit id, unique among units."""
    kind: UnitKind
    """One of the built-in kinds."""
    base: Identifier
    """Id of the unit's base."""
    available: list[Window] | None = None
    """Windows in which the unit is available; default the whole horizon."""
    flight_hours_per_week: Number | None = Field(default=None, ge=0, le=HOURS_PER_WEEK)
    """Weekly flight hours of this air unit, h; overrides its kind's."""


class Threat(InputModel):
    category: ThreatCategory
    """Threat sub-category."""
    probability: Level
    """Probability, 1–5."""
    impact: Level
    """Impact, 1–5."""
    weeks: Window | None = None
    """Weeks in which the assessment applies; default every week."""


class PartnerOperation(InputModel):
    force: PlainText = Field(min_length=1)
    """The partner force (e.g. G5 Sahel, Barkhane, FAMa)."""
    weeks: Window | None = None
    """Weeks of the operation; default the whole horizon."""


class Hotspot(InputModel):
    id: Identifier
    """Hotspot id, unique among hotspots."""
    name: PlainText | None = None
    """Display name."""
    pcode: OneLine | None = None
    """OCHA P-code of the administrative area."""
    location: Location
    """Where the hotspot is."""
    population: Number = Field(ge=0, le=MAX_POPULATION)
    """People exposed, persons."""
    threats: list[Threat] = []
    """Threat assessments by category."""
    ground_closed_weeks: list[Window] = []
    """Windows in which the hotspot is closed to ground movement (floods, R8)."""
    state_presence_weeks: list[Window] = []
    """Windows in which host-state forces are present (counts as handover, R4)."""
    partner_operations: list[PartnerOperation] = []
    """Partner counterterrorism operations at the hotspot (R11)."""


class PriorityKind(StrEnum):
    SECURE_AREA = "secure_area"
    CIVILIAN_MISSION = "civilian_mission"


class Escort(InputModel):
    ground: int | None = Field(default=None, ge=0, le=MAX_UNITS, strict=True)
    """Escort-capable ground units needed each running week, units; default by threat."""
    air_sorties: int | None = Field(default=None, ge=0, le=MAX_SORTIES, strict=True)
    """Escort sorties needed each running week, sorties; default by threat."""


class PriorityFields(InputModel):
    """The fields of a priority, shared by scenario priorities and office submissions."""

    id: Identifier
    """Priority id, unique across the scenario and every priority file."""
    kind: PriorityKind
    """secure_area (sustained presence, the box approach) or civilian_mission."""
    hotspot: Identifier
    """Id of the hotspot concerned."""
    weeks: Window | None = None
    """Window of the priority; default the whole horizon."""
    required_weeks: int | None = Field(default=None, ge=1, le=52, strict=True)
    """secure_area: weeks of presence wanted in the window; default its length, weeks."""
    duration_weeks: int | None = Field(default=None, ge=1, le=52, strict=True)
    """civilian_mission: how long the mission runs, weeks; default 1."""
    weight: Number = Field(ge=0, le=MAX_WEIGHT)
    """Importance; a met priority is worth weight × policy.priority_value points."""
    description: PlainText | None = None
    """What the office wants and why."""
    escort: Escort | None = None
    """civilian_mission: escort need; fields left out default by threat level."""
    effects: dict[ThreatCategory, Annotated[Number, Field(ge=0, le=1)]] | None = None
    """R18 (v2), civilian_mission: fraction of the hotspot's weekly risk per category the
    mission removes in each of the effect_weeks weeks after it ends (mediation)."""
    effect_weeks: int | None = Field(default=None, ge=1, le=52, strict=True)
    """R18 (v2), civilian_mission: weeks after its last running week that its effects last,
    weeks; required with effects."""

    @model_validator(mode="after")
    def _fields_match_kind(self) -> PriorityFields:
        if (self.effects is None) != (self.effect_weeks is None):
            raise ValueError("effects and effect_weeks go together: give both (effect_weeks "
                             "≥ 1 weeks) or neither")
        if self.kind is PriorityKind.SECURE_AREA:
            misplaced = [f for f in ("duration_weeks", "escort", "effects", "effect_weeks")
                         if getattr(self, f) is not None]
            if misplaced:
                raise ValueError(
                    f"{', '.join(misplaced)} applies to civilian_mission priorities only; "
                    "remove it or change kind")
        elif self.required_weeks is not None:
            raise ValueError("required_weeks applies to secure_area priorities only; "
                             "remove it or change kind")
        return self


def normal_office(value: Any) -> Any:
    """An office name in Unicode NFC, so `Se\u0301gou` and `Ségou` are one office."""
    return unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else value


OfficeName = Annotated[OneLine, BeforeValidator(normal_office),
                       Field(min_length=1, max_length=200)]
"""An office name: one line of text, compared in Unicode NFC."""


class Priority(PriorityFields):
    office: OfficeName | None = None
    """The office that submitted the priority."""


class Commitment(InputModel):
    unit: Identifier
    """Id of the pinned unit."""
    hotspot: Identifier
    """Id of the hotspot."""
    weeks: Window | None = None
    """Weeks of the pin; default the whole horizon."""
    mode: Literal["require", "forbid"]
    """require: the unit must be there; forbid: it must not be."""


class Assessment(InputModel):
    """Another office's view of the threats (docs/scenario-format.md §9): it replaces the
    whole threat list of each hotspot it names; the hotspots it does not name keep theirs."""

    id: Identifier
    """Assessment id, unique among assessments; not `base` (the scenario's own threats)."""
    source: PlainText | None = None
    """Who made the assessment, and when (display only)."""
    threats: dict[Identifier, list[Threat]]
    """Hotspot id → its threats under this assessment (the fields of `hotspots[].threats`)."""


class Scenario(InputModel):
    """A pocplan scenario, format v1 (docs/scenario-format.md)."""

    name: PlainText = Field(min_length=1)
    """Scenario name."""
    horizon: Horizon
    """Planning horizon."""
    policy: Policy = Policy()
    """Policy parameters; every field has a default."""
    unit_types: dict[UnitKind, UnitTypeOverride] = {}
    """Overrides of the built-in unit kinds."""
    bases: list[Base] = Field(min_length=1)
    """Bases (at least one)."""
    units: list[Unit] = Field(min_length=1)
    """Units (at least one)."""
    hotspots: list[Hotspot] = Field(min_length=1)
    """Hotspots (at least one)."""
    priorities: list[Priority] = []
    """Civilian priorities written in the scenario itself."""
    priority_files: list[str] = []
    """Globs of office priority files, relative to the scenario file."""
    commitments: list[Commitment] = []
    """Planners' pins: require or forbid a unit at a hotspot."""
    assessments: list[Assessment] = []
    """Competing threat assessments; every plan is also scored under each (§9)."""


class PrioritySubmission(InputModel):
    """A head of office's priorities file (docs/scenario-format.md)."""

    office: OfficeName
    """The submitting office."""
    submitted_by: PlainText | None = None
    """Who submitted it."""
    priorities: list[Priority] = []
    """The office's priorities; `office` is implied (if given, it must match)."""

