"""Built-in unit kinds and their default effects (docs/scenario-format.md).

These are planning assumptions, not facts: every report states them, and a scenario can
override any of them under `unit_types:`.
"""

from __future__ import annotations

from models.base import Domain, StrictModel, ThreatCategory, UnitKind

C = ThreatCategory

HELICOPTER_SPEED_KMH = 220.0
HELICOPTER_STATION_HOURS = 1.0
HELICOPTER_FLIGHT_HOURS_PER_WEEK = 10.0

DEFAULT_MITIGATION_CAPS: dict[ThreatCategory, float] = {c: 0.8 for c in ThreatCategory} | {
    C.TERRORIST_ATTACKS: 0.3
}
"""Cap on the fraction of a category's weekly risk that all units together remove."""


class KindSpec(StrictModel):
    """A unit kind with every parameter resolved (built-in table merged with overrides)."""

    kind: UnitKind
    """The kind's name."""
    domain: Domain
    """ground or air."""
    presence: bool
    """Whether units of this kind can hold a presence at a hotspot (ground kinds only)."""
    police: bool
    """Whether presence of this kind counts as police for the handover rule (R4)."""
    escort: bool
    """Whether the kind counts toward a civilian mission's ground escort (ground kinds), or
    flies escort sorties (air kinds always can)."""
    range_km: float
    """Great-circle radius from the unit's base within which it can operate, km."""
    effects: dict[ThreatCategory, float]
    """Fraction of a hotspot's weekly risk per category removed by one unit-week (ground)
    or one sortie (air)."""
    speed_kmh: float = HELICOPTER_SPEED_KMH
    """Cruise speed of an air kind, km/h."""
    station_hours: float = HELICOPTER_STATION_HOURS
    """Hours on station per sortie of an air kind, h."""
    flight_hours_per_week: float = HELICOPTER_FLIGHT_HOURS_PER_WEEK
    """Flight hours an air unit of this kind may fly per week, h."""
    max_threat: int | None = None
    """R17 (v2): P×I of terrorist_attacks or armed_group_conflict above which a ground unit
    of this kind may not be present or escort; None = no ceiling."""
    reserve: bool = False
    """R16 (v2): an available, unassigned ground unit of this kind is a reserve."""


def _effects(*values: float) -> dict[ThreatCategory, float]:
    return dict(zip(ThreatCategory, values, strict=True))


BUILTIN_KINDS: dict[UnitKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(kind=UnitKind.INFANTRY_COMPANY, domain=Domain.GROUND, presence=True,
                 police=False, escort=True, range_km=150,
                 effects=_effects(0.25, 0.25, 0.30, 0.05, 0.30, 0.10)),
        KindSpec(kind=UnitKind.QRF_COMPANY, domain=Domain.GROUND, presence=True,
                 police=False, escort=True, range_km=300, reserve=True,
                 effects=_effects(0.25, 0.25, 0.35, 0.05, 0.35, 0.10)),
        KindSpec(kind=UnitKind.FPU, domain=Domain.GROUND, presence=True,
                 police=True, escort=False, range_km=100,
                 effects=_effects(0.30, 0.35, 0.10, 0.05, 0.05, 0.15)),
        KindSpec(kind=UnitKind.ESCORT_TEAM, domain=Domain.GROUND, presence=False,
                 police=False, escort=True, range_km=300,
                 effects=_effects(0, 0, 0, 0, 0, 0)),
        KindSpec(kind=UnitKind.ATTACK_HELICOPTER, domain=Domain.AIR, presence=False,
                 police=False, escort=True, range_km=250,
                 effects=_effects(0.06, 0.02, 0.06, 0.01, 0.06, 0)),
        KindSpec(kind=UnitKind.UTILITY_HELICOPTER, domain=Domain.AIR, presence=False,
                 police=False, escort=True, range_km=250,
                 effects=_effects(0.02, 0.01, 0.02, 0, 0.02, 0)),
    )
}
