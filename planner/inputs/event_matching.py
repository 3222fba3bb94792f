"""Which hotspot each event belongs to (docs/event-import.md): by P-code where the row carries one,
else by great-circle distance.

- A row with a P-code (HDX: admin2_code, or admin1_code for admin-1 rows) matches every
  hotspot whose `pcode` is that code: the count describes the area, and each hotspot in
  it gets the area's level. It is never matched by distance (HDX rows have no coordinates).
- A row without one (ACLED exports name their admin areas but carry no codes) matches the
  nearest hotspot within `radius_km` (haversine, R = 6371 km, the planner's own distance);
  an event is counted once, at the nearest hotspot (ties: the first in the scenario).
- An ACLED event with geo_precision 3 is located only to a region, and its coordinates are
  the region's centre; it would be counted by P-code only, and ACLED rows have none, so it
  stays unmatched with that reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from models.scenario import Hotspot, Location
from planner.domain.instance import great_circle_km
from planner.inputs.events import EventRecord

DEFAULT_RADIUS_KM = 25.0
"""Default matching radius, km: a hotspot's villages and the roads into them (Koro's
cercle neighbours are 40–60 km apart, so 25 km does not reach the next hotspot)."""


GEO_PRECISION_3 = "geo_precision 3 (region only; P-code matching only, ACLED has none)"


@dataclass(frozen=True)
class Unmatched:
    record: EventRecord
    reason: str
    nearest: str | None = None
    """Id of the nearest hotspot (distance matching), for the summary."""
    nearest_km: float | None = None


@dataclass
class Matches:
    """Each hotspot's events, and the events matched to none."""

    by_hotspot: dict[str, list[EventRecord]] = field(default_factory=dict)
    method: dict[str, str] = field(default_factory=dict)
    """Hotspot id → how its events were matched ('P-code ML0505', 'within 25 km')."""
    unmatched: list[Unmatched] = field(default_factory=list)

    def count(self, hotspot: str) -> int:
        return sum(r.events for r in self.by_hotspot.get(hotspot, []))


def match_events(records: list[EventRecord], hotspots: list[Hotspot],
                 radius_km: float = DEFAULT_RADIUS_KM) -> Matches:
    """Assign each record to its hotspots by P-code, else by distance (module docstring)."""
    by_pcode: dict[str, list[Hotspot]] = defaultdict(list)
    for hotspot in hotspots:
        if hotspot.pcode:
            by_pcode[hotspot.pcode.strip().upper()].append(hotspot)
    result = Matches(by_hotspot={h.id: [] for h in hotspots})
    for record in records:
        if record.pcode is not None:
            _by_pcode(record, by_pcode, result)
        elif record.geo_precision == 3:
            result.unmatched.append(Unmatched(
                record, GEO_PRECISION_3))
        else:
            _by_distance(record, hotspots, radius_km, result)
    return result


def _by_pcode(record: EventRecord, by_pcode: dict[str, list[Hotspot]], result: Matches) -> None:
    assert record.pcode is not None
    found = by_pcode.get(record.pcode.strip().upper(), [])
    if not found:
        result.unmatched.append(Unmatched(record, f"no hotspot has P-code {record.pcode}"))
    for hotspot in found:
        result.by_hotspot[hotspot.id].append(record)
        result.method[hotspot.id] = f"P-code {hotspot.pcode}"


def _by_distance(record: EventRecord, hotspots: list[Hotspot], radius_km: float,
                 result: Matches) -> None:
    assert record.lat is not None and record.lon is not None
    here = Location(lat=record.lat, lon=record.lon)
    distances = [(great_circle_km(here, h.location), i) for i, h in enumerate(hotspots)]
    km, i = min(distances)
    nearest = hotspots[i]
    if km <= radius_km:
        result.by_hotspot[nearest.id].append(record)
        result.method[nearest.id] = f"within {radius_km:g} km"
    else:
        result.unmatched.append(Unmatched(record, f"farther than {radius_km:g} km from every "
                                                  "hotspot", nearest.id, km))
