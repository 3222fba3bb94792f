"""Seeded generator of valid v1 scenarios (docs/scenario-format.md) for the benchmark (issue 8).

Sizes: S (20 hotspots, 12 units, 13 weeks), M (60, 40, 13), L (120, 80, 26). Hotspots
cluster around 2–6 base areas anchored on real MINUSMA camps inside Mali's bounding box
(lat 10–25, lon −12.5–4.5), most within an infantry company's 150 km, some only within
reach of a QRF or helicopter, so that ranges matter. Everything else follows the ranges a
planning cell would write: populations 2k–120k, 1–3 threat assessments per hotspot (P, I
1–5, some with week windows, a category assessed twice only for disjoint windows),
ground closures, host-state presence, partner operations, air-closed weeks, garrison
floors 0–2, all six unit kinds (mostly infantry), availability windows, and a few
priorities from 2–3 offices.

The same size and seed always give the same YAML text (no clock, no hash order).

    python bench/generate.py --size M --seed 1 > /tmp/m.yaml
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
from dataclasses import dataclass
from typing import Any

import yaml

LAT_RANGE = (10.0, 25.0)
LON_RANGE = (-12.5, 4.5)
EARTH_RADIUS_KM = 6371.0
CATEGORIES = ("intercommunal", "banditry", "armed_group_abuse", "terrorist_attacks",
              "armed_group_conflict", "state_violations")
PARTNER_FORCES = ("G5 Sahel", "Barkhane", "FAMa")


@dataclass(frozen=True)
class Size:
    hotspots: int
    units: int
    weeks: int
    bases: int
    offices: int
    priorities: int


SIZES: dict[str, Size] = {
    "XS": Size(hotspots=8, units=9, weeks=13, bases=2, offices=2, priorities=4),  # Ménaka-size
    "S": Size(hotspots=20, units=12, weeks=13, bases=2, offices=2, priorities=4),
    "M": Size(hotspots=60, units=40, weeks=13, bases=4, offices=3, priorities=8),
    "L": Size(hotspots=120, units=80, weeks=26, bases=6, offices=3, priorities=12),
}

BASE_ANCHORS: tuple[tuple[str, str, float, float], ...] = (
    # id, name, lat, lon: MINUSMA camps and regional towns (approximate, WGS 84)
    ("SEV", "Sévaré", 14.53, -4.10),
    ("GAO", "Gao", 16.27, -0.04),
    ("TBK", "Timbuktu", 16.77, -3.01),
    ("KDL", "Kidal", 18.44, 1.41),
    ("MNK", "Ménaka", 15.92, 2.40),
    ("DTZ", "Douentza", 15.00, -2.95),
    ("TSL", "Tessalit", 20.20, 1.01),
    ("SGU", "Ségou", 13.43, -6.26),
    ("GDM", "Goundam", 16.41, -3.67),
    ("LRE", "Léré", 15.71, -4.91),
    ("AGH", "Aguelhok", 19.46, 0.86),
)

UNIT_MIX: tuple[tuple[str, str, float], ...] = (
    # kind, id prefix, share of the units beyond one of each kind
    ("infantry_company", "INF", 0.58),
    ("qrf_company", "QRF", 0.08),
    ("fpu", "FPU", 0.14),
    ("escort_team", "ESC", 0.09),
    ("attack_helicopter", "HEL-ATK", 0.06),
    ("utility_helicopter", "HEL-UTL", 0.05),
)
AIR_KINDS = ("attack_helicopter", "utility_helicopter")

# Threat categories are not equally likely everywhere: the centre is intercommunal,
# the north armed groups and terrorism (IPI 2018); weights per region.
CATEGORY_WEIGHTS = {
    "centre": (5, 3, 3, 3, 1, 2),
    "north": (1, 3, 4, 4, 3, 1),
    "south": (2, 4, 1, 1, 1, 2),
}
LEVEL_WEIGHTS = (1, 3, 4, 3, 2)
"""Probability and impact 1..5: mostly medium, a few very high."""


def generate(size: str, seed: int) -> dict[str, Any]:
    """A scenario as a plain dict (YAML-ready), deterministic for (size, seed)."""
    spec = SIZES[size]
    rng = random.Random(f"pocplan-bench/{size}/{seed}")
    T = spec.weeks
    anchors = rng.sample(BASE_ANCHORS, spec.bases)
    bases = [_base(rng, anchor, T) for anchor in anchors]
    hotspots = _hotspots(rng, spec, anchors)
    units = _units(rng, spec, anchors, hotspots)
    _set_garrisons(rng, bases, units)
    policy: dict[str, Any] = {"distinction": rng.choice(("flag", "penalize"))}
    scenario: dict[str, Any] = {
        "name": f"Synthetic Mali, size {size}, seed {seed}",
        "horizon": {"start": dt.date(2018, 7, 2), "weeks": T},
        "policy": policy,
        "bases": bases,
        "units": units,
        "hotspots": [h for h, _ in hotspots],
    }
    _pull_in_unreachable(rng, scenario, hotspots, anchors)
    scenario["priorities"] = _priorities(rng, spec, anchors, hotspots, units)
    _make_serviceable(scenario)
    return scenario


class _Dumper(yaml.SafeDumper):
    """Records without a list of records inside (units, threats, windows) on one line."""


def _flat(data: Any) -> bool:
    if isinstance(data, dict):
        return all(_flat(v) for v in data.values())
    if isinstance(data, list):
        return all(not isinstance(v, dict) and _flat(v) for v in data)
    return True


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(),
                                    flow_style=_flat(data))


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_flat(data))


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def to_yaml(scenario: dict[str, Any], header: str = "") -> str:
    """YAML text in the style of the bundled scenarios (short records on one line)."""
    body = yaml.dump(scenario, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=200)
    return (f"# {header}\n" if header else "") + body


def generate_yaml(size: str, seed: int) -> str:
    return to_yaml(generate(size, seed),
                   header=f"generated by bench/generate.py --size {size} --seed {seed}")


# ====================================================================== geography
def _offset(lat: float, lon: float, distance_km: float, bearing: float) -> tuple[float, float]:
    """The point `distance_km` from (lat, lon) along `bearing` (radians), great circle."""
    d = distance_km / EARTH_RADIUS_KM
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1),
                         math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def _inside(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def _region(lat: float) -> str:
    return "north" if lat >= 15.8 else "centre" if lat >= 13.3 else "south"


def _distance_from_base(rng: random.Random) -> float:
    """Most hotspots within infantry reach (150 km), some only for QRF and helicopters."""
    r = rng.random()
    if r < 0.6:
        return rng.uniform(5, 140)
    if r < 0.9:
        return rng.uniform(140, 240)
    return rng.uniform(240, 290)


# ====================================================================== windows
def _window(rng: random.Random, T: int, low: int, high: int) -> list[int]:
    """One window of length low..high (clipped to the horizon), uniformly placed."""
    length = rng.randint(min(low, T), min(high, T))
    a = rng.randint(1, T - length + 1)
    return [a, a + length - 1]


def _split(rng: random.Random, T: int) -> tuple[list[int], list[int]]:
    """Two adjacent non-overlapping windows covering the horizon: [1, c], [c+1, T]."""
    c = rng.randint(max(1, T // 4), max(1, 3 * T // 4))
    return [1, c], [c + 1, T]


# ====================================================================== parts
def _base(rng: random.Random, anchor: tuple[str, str, float, float], T: int) -> dict[str, Any]:
    bid, name, lat, lon = anchor
    base: dict[str, Any] = {"id": bid, "name": f"{name} camp",
                            "location": {"lat": lat, "lon": lon}, "min_garrison": 0}
    if rng.random() < 0.35:  # flight authorisations withheld for a week or two
        base["air_closed_weeks"] = [_window(rng, T, 1, 2)]
    return base


def _hotspots(rng: random.Random, spec: Size,
              anchors: list[tuple[str, str, float, float]]) -> list[tuple[dict, str]]:
    """(hotspot, id of the base it clusters around), in id order."""
    T = spec.weeks
    shares = [rng.uniform(0.6, 1.4) for _ in anchors]
    counts = _apportion(spec.hotspots, shares)
    out = []
    for anchor, count in zip(anchors, counts, strict=True):
        bid, _, blat, blon = anchor
        for _ in range(count):
            while True:
                lat, lon = _offset(blat, blon, _distance_from_base(rng),
                                   rng.uniform(0, 2 * math.pi))
                if _inside(lat, lon):
                    break
            out.append(((round(lat, 3), round(lon, 3)), bid))
    hotspots = []
    for i, ((lat, lon), bid) in enumerate(out, start=1):
        hid = f"H{i:03d}"
        hotspot: dict[str, Any] = {
            "id": hid, "name": f"Hotspot {i} ({bid} area)",
            "location": {"lat": lat, "lon": lon},
            "population": int(round(math.exp(rng.uniform(math.log(2000), math.log(120000))),
                                    -2)),
            "threats": _threats(rng, T, _region(lat)),
        }
        if rng.random() < 0.15:  # floods, mined roads
            hotspot["ground_closed_weeks"] = [_window(rng, T, 2, max(2, T // 2))]
        if rng.random() < 0.2:
            hotspot["state_presence_weeks"] = [_window(rng, T, 3, T)]
        if rng.random() < 0.1:
            op: dict[str, Any] = {"force": rng.choice(PARTNER_FORCES)}
            if rng.random() < 0.8:
                op["weeks"] = _window(rng, T, 2, 6)
            hotspot["partner_operations"] = [op]
        hotspots.append((hotspot, bid))
    return hotspots


def _threats(rng: random.Random, T: int, region: str) -> list[dict[str, Any]]:
    count = rng.choices((1, 2, 3), weights=(3, 4, 3))[0]
    categories = _weighted_sample(rng, CATEGORIES, CATEGORY_WEIGHTS[region], count)
    threats: list[dict[str, Any]] = []
    for category in categories:
        if len(threats) < 2 and count < 3 and rng.random() < 0.15:
            # the same category assessed twice, before and after a turning point
            for window in _split(rng, T):
                threats.append({"category": category, **_levels(rng), "weeks": window})
            continue
        threat = {"category": category, **_levels(rng)}
        if rng.random() < 0.3:
            threat["weeks"] = _window(rng, T, 3, T)
        threats.append(threat)
    return threats


def _levels(rng: random.Random) -> dict[str, int]:
    return {"probability": rng.choices(range(1, 6), weights=LEVEL_WEIGHTS)[0],
            "impact": rng.choices(range(1, 6), weights=LEVEL_WEIGHTS)[0]}


def _units(rng: random.Random, spec: Size, anchors: list[tuple[str, str, float, float]],
           hotspots: list[tuple[dict, str]]) -> list[dict[str, Any]]:
    """All six kinds (one of each, the rest by UNIT_MIX); helicopters and QRFs at the
    air hubs (the first half of the bases), the rest where the hotspots are."""
    T = spec.weeks
    base_ids = [a[0] for a in anchors]
    hubs = base_ids[: max(1, math.ceil(len(base_ids) / 2))]
    load = [sum(1 for _, b in hotspots if b == bid) for bid in base_ids]
    rest = _apportion(spec.units - len(UNIT_MIX), [share for _, _, share in UNIT_MIX])
    plan: list[tuple[str, str]] = []
    for (kind, prefix, _), extra in zip(UNIT_MIX, rest, strict=True):
        plan += [(kind, prefix)] * (1 + extra)
    units: list[dict[str, Any]] = []
    serial: dict[tuple[str, str], int] = {}
    ground = [p for p in plan if p[0] not in AIR_KINDS]  # infantry first
    for i, (kind, prefix) in enumerate(ground):
        if i < 2 * len(base_ids):  # two infantry companies at every base
            bid = base_ids[i // 2]
        elif kind == "qrf_company":
            bid = rng.choice(hubs)
        else:
            bid = rng.choices(base_ids, weights=load)[0]
        units.append(_unit(rng, kind, prefix, bid, serial, T))
    for kind, prefix in (p for p in plan if p[0] in AIR_KINDS):
        units.append(_unit(rng, kind, prefix, rng.choice(hubs), serial, T))
    return units


def _unit(rng: random.Random, kind: str, prefix: str, bid: str,
          serial: dict[tuple[str, str], int], T: int) -> dict[str, Any]:
    serial[prefix, bid] = serial.get((prefix, bid), 0) + 1
    unit: dict[str, Any] = {"id": f"{prefix}-{bid}-{serial[prefix, bid]}", "kind": kind,
                            "base": bid}
    if kind in AIR_KINDS and rng.random() < 0.5:
        unit["flight_hours_per_week"] = rng.choice((8, 10, 12, 15))
    r = rng.random()
    if r < 0.08:  # rotates out
        unit["available"] = [[1, rng.randint(T // 2, T - 1)]]
    elif r < 0.16:  # relief arrives
        unit["available"] = [[rng.randint(2, T // 2), T]]
    elif r < 0.22 or (kind in AIR_KINDS and r < 0.35):  # maintenance gap
        a = rng.randint(2, T - 3)
        b = rng.randint(a + 1, min(T - 1, a + 3))
        unit["available"] = [[1, a - 1], [b + 1, T]]
    return unit


def _set_garrisons(rng: random.Random, bases: list[dict], units: list[dict]) -> None:
    """min_garrison 0–2, leaving at least two ground units of each base free to move."""
    for base in bases:
        ground = sum(1 for u in units if u["base"] == base["id"] and u["kind"] not in AIR_KINDS)
        base["min_garrison"] = min(rng.choice((0, 1, 1, 2)), max(0, ground - 2))


def _priorities(rng: random.Random, spec: Size, anchors: list[tuple[str, str, float, float]],
                hotspots: list[tuple[dict, str]], units: list[dict]) -> list[dict[str, Any]]:
    """secure_area (the box approach) and civilian_mission priorities from the offices of
    the first `spec.offices` bases, at hotspots around that base where some presence
    unit of the base can go (so that a priority is something a plan can meet)."""
    T = spec.weeks
    offices = anchors[: spec.offices]
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for i in range(spec.priorities):
        bid, office, _, _ = offices[i % len(offices)]
        near = [h for h, b in hotspots if b == bid and h["id"] not in used
                and _reachable(h, bid, anchors)]
        if not near:
            continue
        hotspot = rng.choice(near)
        used.add(hotspot["id"])
        pid = f"{bid}-P{i // len(offices) + 1}"
        weight = rng.randint(1, 5)
        if rng.random() < 0.6:
            window = [1, T] if rng.random() < 0.5 else _window(rng, T, 4, T)
            length = window[1] - window[0] + 1
            out.append({"id": pid, "office": office, "kind": "secure_area",
                        "hotspot": hotspot["id"], "weeks": window,
                        "required_weeks": rng.randint(math.ceil(length / 2), length),
                        "weight": weight,
                        "description": f"sustained engagement at {hotspot['id']} (box approach)"})
        else:
            window = _window(rng, T, 2, 6)
            length = window[1] - window[0] + 1
            priority = {"id": pid, "office": office, "kind": "civilian_mission",
                        "hotspot": hotspot["id"], "weeks": window,
                        "duration_weeks": rng.randint(1, min(2, length)), "weight": weight,
                        "description": f"civilian mission to {hotspot['id']}"}
            if rng.random() < 0.3:
                priority["escort"] = rng.choice(({"ground": 1}, {"air_sorties": 0},
                                                 {"ground": 2, "air_sorties": 1}))
            out.append(priority)
    return out


def _instance(scenario: dict[str, Any]):  # noqa: ANN202 - planner.domain.instance.Instance
    from models.scenario import Scenario
    from planner.domain.instance import Instance

    return Instance.build(Scenario.model_validate(scenario))


def _pull_in_unreachable(rng: random.Random, scenario: dict[str, Any],
                         hotspots: list[tuple[dict, str]],
                         anchors: list[tuple[str, str, float, float]]) -> None:
    """A hotspot no unit can reach in any week (the loader warns) moves within 140 km of
    its base, where the base's infantry reaches it: a planning cell lists only places it
    could act on."""
    inst = _instance(scenario)
    where = {a[0]: (a[2], a[3]) for a in anchors}
    for hotspot, bid in hotspots:
        h = hotspot["id"]
        if any(inst.ground_ok(u.id, h, t) if u.is_ground else inst.air_ok(u.id, h, t)
               for u in inst.units.values() for t in inst.weeks):
            continue
        while True:
            lat, lon = _offset(*where[bid], rng.uniform(40, 140), rng.uniform(0, 2 * math.pi))
            if _inside(lat, lon):
                break
        hotspot["location"] = {"lat": round(lat, 3), "lon": round(lon, 3)}


def _make_serviceable(scenario: dict[str, Any]) -> None:
    """Priorities a plan can meet (the loader warns otherwise): a secure_area asks for no
    more weeks than a presence is possible; a civilian mission asks for no more escort
    than can be there, and is dropped when even one escort cannot."""
    inst = _instance(scenario)
    units = list(inst.units.values())
    kept = []
    for p in scenario["priorities"]:
        h = p["hotspot"]
        if p["kind"] == "secure_area":
            area = inst.secure_areas[p["id"]]
            servable = sum(1 for t in area.window
                           if any(u.spec.presence and inst.presence_ok(u.id, h, t)
                                  for u in units if u.is_ground))
            if servable:
                p["required_weeks"] = min(p["required_weeks"], servable)
                kept.append(p)
            continue
        mission = inst.missions[p["id"]]
        ground = {t: sum(1 for u in units if u.is_ground and u.spec.escort
                         and inst.ground_ok(u.id, h, t)) for t in mission.window}
        air = {t: sum(int(u.flight_hours_per_week // inst.sortie_hours(u.id, h))
                      for u in units if u.is_air and inst.air_ok(u.id, h, t))
               for t in mission.window}
        starts = [s for s in mission.starts
                  if all(ground[t] >= mission.need_ground[t] and air[t] >= mission.need_air[t]
                         for t in mission.running_weeks(s))]
        if starts:
            kept.append(p)
            continue
        best = max(mission.starts, key=lambda s: min(ground[t] for t in mission.running_weeks(s)))
        ground_cap = min(ground[t] for t in mission.running_weeks(best))
        if ground_cap == 0:
            continue
        air_cap = min(air[t] for t in mission.running_weeks(best))
        p["escort"] = {"ground": min(ground_cap, max(mission.need_ground.values())),
                       "air_sorties": min(air_cap, max(mission.need_air.values()))}
        kept.append(p)
    scenario["priorities"] = kept


def _reachable(hotspot: dict, bid: str, anchors: list[tuple[str, str, float, float]]) -> bool:
    """Within an infantry company's 150 km of the office's base."""
    _, _, lat, lon = next(a for a in anchors if a[0] == bid)
    return _haversine(lat, lon, hotspot["location"]["lat"], hotspot["location"]["lon"]) <= 145


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# ====================================================================== helpers
def _apportion(total: int, shares: list[float]) -> list[int]:
    """Integers summing to `total`, proportional to `shares` (largest remainder)."""
    s = sum(shares)
    exact = [total * x / s for x in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _weighted_sample(rng: random.Random, items: tuple[str, ...], weights: tuple[int, ...],
                     k: int) -> list[str]:
    """k distinct items drawn with the given weights, in draw order."""
    pool, w = list(items), list(weights)
    chosen = []
    for _ in range(k):
        i = rng.choices(range(len(pool)), weights=w)[0]
        chosen.append(pool.pop(i))
        w.pop(i)
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write to this file instead of stdout")
    args = parser.parse_args(argv)
    text = generate_yaml(args.size, args.seed)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
