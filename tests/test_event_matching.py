"""Events to hotspots (planner.inputs.event_matching): by P-code where the row has one, else
the nearest hotspot within the radius; geo_precision 3 only by P-code."""

from __future__ import annotations

import datetime as dt

from models.scenario import Hotspot
from planner.inputs.event_matching import GEO_PRECISION_3, match_events
from planner.inputs.events import EventFormat, EventRecord
from tests.conftest import KM_PER_DEGREE

DAY = dt.date(2018, 7, 3)
A = Hotspot(id="A", pcode="ML0505", location={"lat": 0.0, "lon": 0.0}, population=1)
B = Hotspot(id="B", pcode="ml0505", location={"lat": 1.0, "lon": 0.0}, population=1)
C = Hotspot(id="C", location={"lat": 0.0, "lon": 1.0}, population=1)
HOTSPOTS = [A, B, C]


def acled(lat: float, lon: float, precision: int = 1, line: int = 2) -> EventRecord:
    return EventRecord(EventFormat.ACLED, line, f"E{line}", DAY, DAY, "Battles",
                       lat=lat, lon=lon, geo_precision=precision, place="here")


def hdx(pcode: str, line: int = 2) -> EventRecord:
    return EventRecord(EventFormat.HDX, line, pcode, DAY, DAY, "political_violence",
                       pcode=pcode, events=5)


def test_a_p_code_matches_every_hotspot_with_that_code_whatever_its_case():
    matches = match_events([hdx("ML0505")], HOTSPOTS, radius_km=25)
    assert [len(matches.by_hotspot[h]) for h in "ABC"] == [1, 1, 0]
    assert matches.count("A") == 5 and matches.method["B"] == "P-code ml0505"
    assert not matches.unmatched


def test_an_unknown_p_code_is_unmatched_and_never_tried_by_distance():
    matches = match_events([hdx("ML0999")], HOTSPOTS, radius_km=10_000)
    assert [u.reason for u in matches.unmatched] == ["no hotspot has P-code ML0999"]
    assert all(not v for v in matches.by_hotspot.values())


def test_an_event_without_p_code_goes_to_the_nearest_hotspot_within_the_radius():
    near_b = acled(0.9, 0.0)  # 11 km from B, 100 km from A
    matches = match_events([near_b], HOTSPOTS, radius_km=25)
    assert matches.by_hotspot["B"] == [near_b] and not matches.by_hotspot["A"]
    assert matches.method["B"] == "within 25 km"


def test_the_radius_is_inclusive_and_farther_events_say_how_far():
    edge = 10 / KM_PER_DEGREE  # exactly 10 km north of A
    inside = acled(edge, 0.0, line=2)
    outside = acled(edge * 1.01, 0.0, line=3)
    matches = match_events([inside, outside], HOTSPOTS, radius_km=10.0 + 1e-9)
    assert matches.by_hotspot["A"] == [inside]
    miss, = matches.unmatched
    assert miss.record is outside and miss.nearest == "A"
    assert abs(miss.nearest_km - 10.1) < 1e-6
    assert miss.reason == "farther than 10 km from every hotspot"


def test_an_event_midway_counts_once_at_the_first_nearest_hotspot():
    midway = acled(0.5, 0.0)  # equidistant from A and B
    matches = match_events([midway], HOTSPOTS, radius_km=100)
    assert matches.by_hotspot["A"] == [midway] and not matches.by_hotspot["B"]


def test_geo_precision_3_is_never_matched_by_distance():
    on_top = acled(0.0, 0.0, precision=3)
    matches = match_events([on_top], HOTSPOTS, radius_km=25)
    assert [u.reason for u in matches.unmatched] == [GEO_PRECISION_3]
    assert not matches.by_hotspot["A"]
