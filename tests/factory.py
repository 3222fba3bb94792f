"""Seeded random small scenarios for solver tests (parity, brute force, metamorphic)."""

from __future__ import annotations

import random
from typing import Any

from models.scenario import Scenario
from planner.domain.instance import Instance

CATEGORIES = ["intercommunal", "banditry", "armed_group_abuse", "terrorist_attacks",
              "armed_group_conflict", "state_violations"]


def random_scenario(seed: int, *, hotspots: int = 3, weeks: int = 4,
                    kinds: tuple[str, ...] = ("infantry_company", "fpu", "qrf_company",
                                              "attack_helicopter"),
                    missions: int = 1, areas: int = 1, v2: bool = False) -> dict[str, Any]:
    """A small valid scenario: one base at (14.5, -4.1), hotspots within 0–1.5 degrees.
    With v2, every contract v2 addition is turned on with seeded values (`with_v2`)."""
    rng = random.Random(seed)
    spots = []
    for i in range(hotspots):
        threats = []
        for c in rng.sample(CATEGORIES, rng.randint(1, 3)):
            threat: dict[str, Any] = {"category": c, "probability": rng.randint(1, 5),
                                      "impact": rng.randint(1, 5)}
            if rng.random() < 0.3:
                a = rng.randint(1, weeks)
                threat["weeks"] = [a, rng.randint(a, weeks)]
            threats.append(threat)
        spot: dict[str, Any] = {
            "id": f"H{i + 1}",
            "location": {"lat": round(14.5 - rng.uniform(0, 1.5), 3),
                         "lon": round(-4.1 + rng.uniform(-0.5, 0.5), 3)},
            "population": rng.choice([5000, 10000, 20000, 40000]),
            "threats": threats,
        }
        if rng.random() < 0.3:
            a = rng.randint(1, weeks)
            spot["ground_closed_weeks"] = [[a, min(weeks, a + rng.randint(0, 1))]]
        if rng.random() < 0.3:
            a = rng.randint(2, weeks) if weeks > 1 else 1
            spot["state_presence_weeks"] = [[a, weeks]]
        if rng.random() < 0.3:
            spot["partner_operations"] = [{"force": "FAMa", "weeks": [1, rng.randint(1, weeks)]}]
        spots.append(spot)
    units = []
    for j, kind in enumerate(kinds):
        unit: dict[str, Any] = {"id": f"U{j + 1}", "kind": kind, "base": "B"}
        if kind.endswith("helicopter"):
            unit["flight_hours_per_week"] = rng.choice([2, 3, 5])
        elif rng.random() < 0.3:
            unit["available"] = [[1, rng.randint(max(1, weeks - 2), weeks)]]
        units.append(unit)
    priorities = []
    for p in range(missions):
        priorities.append({"id": f"M{p + 1}", "office": "O", "kind": "civilian_mission",
                           "hotspot": rng.choice(spots)["id"], "weight": rng.choice([0.5, 1, 2]),
                           "duration_weeks": rng.choice([1, 1, 2])})
    for p in range(areas):
        priorities.append({"id": f"A{p + 1}", "office": "O", "kind": "secure_area",
                           "hotspot": rng.choice(spots)["id"], "weight": rng.choice([0.5, 1]),
                           "required_weeks": rng.randint(1, weeks)})
    data = {
        "name": f"random {seed}",
        "horizon": {"weeks": weeks},
        "policy": {"distinction": rng.choice(["flag", "penalize", "forbid"]),
                   "min_stay_weeks": rng.choice([2, 3])},
        "bases": [{"id": "B", "location": {"lat": 14.5, "lon": -4.1},
                   "min_garrison": rng.choice([0, 1])}],
        "units": units,
        "hotspots": spots,
        "priorities": priorities,
    }
    return with_v2(data, seed) if v2 else data


def with_v2(data: dict[str, Any], seed: int) -> dict[str, Any]:
    """Every v2 addition on, values drawn from their own seeded stream (so the v1 part of
    the scenario is the same as without v2): attraction, resupply convoys, small posts,
    reserves (QRF by default, sometimes the FPU too), an FPU threat ceiling, handover
    quality, escort tiers and civilian effects on every mission."""
    rng = random.Random(10_000 + seed)
    data["policy"] |= {
        "attraction_factor": rng.choice([0.5, 1.0, 2.0]),
        "resupply_weeks": rng.choice([1, 2, 3]),
        "small_post": {"threat": rng.choice([6, 9, 12]), "min_units": 2},
        "reserve_factor": rng.choice([0.3, 0.6, 1.0]),
        "state_handover": rng.choice(["counts", "does_not_count"]),
        "escort_tiers": rng.choice([[[6, 1, 0], [25, 1, 1]], [[8, 1, 0], [15, 2, 0], [25, 2, 2]],
                                    [[10, 0, 0], [25, 1, 0]]]),
        "weights": {"resupply": rng.choice([0.5, 1.0, 3.0]), "ied": rng.choice([0.0, 1.0])},
    }
    data["unit_types"] = {"fpu": {"max_threat": rng.choice([6, 9, 12]),
                                  "reserve": rng.random() < 0.5}}
    for p in data["priorities"]:
        if p["kind"] == "civilian_mission":
            p["effects"] = {rng.choice(CATEGORIES): rng.choice([0.1, 0.3, 0.6])}
            p["effect_weeks"] = rng.choice([1, 2])
    return data


def instance_of(data: dict[str, Any]) -> Instance:
    return Instance.build(Scenario.model_validate(data))
