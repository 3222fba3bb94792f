"""Shared fixtures: instances from inline YAML, plans from short tuples, the shared contracts.

The tiny fixture (`TINY`) follows STYLE.md: one base, two hotspots, three units, four weeks,
numbers chosen so every expected value can be worked out by hand:

- CAMP at (0, 0); NEAR on the camp's doorstep (0 km); FAR one degree of latitude south,
  `KM_PER_DEGREE` = 6371 × π/180 = 111.195 km away (beyond the FPU's 100 km range).
- Exposure 1 at both (population 10,000). NEAR: intercommunal 2×5 = 10, terrorist_attacks
  1×2 = 2 (R = 2, Σ risk 12, highest P×I 10). FAR: armed_group_abuse 4×5 = 20,
  terrorist_attacks 3×4 = 12 (R = Σ risk = 32, highest P×I 20). baseline_risk 4×12 + 4×32 = 176.
- INF-1 infantry (escort 1, police no), FPU-1 (escort 0, police yes), HEL-1 attack helicopter
  with 2 flight hours a week: a NEAR sortie costs 1.0 h, a FAR sortie 2×111.195/220 + 1 =
  2.01 h (out of reach of its hours).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.plan import Plan
from models.scenario import Scenario
from planner.domain.instance import Instance

REPO = Path(__file__).resolve().parents[1]
CONTRACTS = REPO / "docs" / "contract"
"""The output contract's schema and the worked examples, kept in the repository."""

KM_PER_DEGREE = 6371 * math.pi / 180
"""Great-circle length of one degree of latitude, km (FAR's distance from CAMP)."""

TINY = """
name: two-hotspot test fixture
horizon: {weeks: 4}
bases:
  - {id: CAMP, location: {lat: 0.0, lon: 0.0}}
units:
  - {id: INF-1, kind: infantry_company, base: CAMP}
  - {id: FPU-1, kind: fpu, base: CAMP}
  - {id: HEL-1, kind: attack_helicopter, base: CAMP, flight_hours_per_week: 2}
hotspots:
  - id: NEAR
    location: {lat: 0.0, lon: 0.0}
    population: 10000
    threats:
      - {category: intercommunal, probability: 2, impact: 5}
      - {category: terrorist_attacks, probability: 1, impact: 2}
  - id: FAR
    location: {lat: -1.0, lon: 0.0}
    population: 10000
    threats:
      - {category: armed_group_abuse, probability: 4, impact: 5}
      - {category: terrorist_attacks, probability: 3, impact: 4}
"""


def scenario_dict(source: str | dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """A scenario as a dict: `source` (YAML text or dict; default TINY) with top-level keys
    replaced by `top`, e.g. `policy={"min_stay_weeks": 2}` or `units=[...]`."""
    data = yaml.safe_load(TINY if source is None else source) if not isinstance(source, dict) \
        else copy.deepcopy(source)
    data.update(copy.deepcopy(top))
    return data


def build_instance(source: str | dict[str, Any] | None = None, **top: Any) -> Instance:
    """An Instance from inline YAML or a dict (see `scenario_dict`)."""
    return Instance.build(Scenario.model_validate(scenario_dict(source, **top)))


def build_plan(assign: Iterable[tuple] = (), sorties: Iterable[tuple] = (),
               missions: dict[str, int] | Iterable[tuple[str, int]] = ()) -> Plan:
    """A Plan from tuples: assign (unit, hotspot, week[, task[, mission]]), sorties
    (unit, hotspot, week[, count[, task[, mission]]]), missions {priority: start_week} or
    (priority, start_week) pairs (a list can schedule one mission twice)."""
    if isinstance(missions, dict):
        missions = missions.items()
    a_keys, s_keys = ("unit", "hotspot", "week", "task", "mission"), \
        ("unit", "hotspot", "week", "count", "task", "mission")
    return Plan.model_validate({
        "assignments": [{"task": "presence"} | dict(zip(a_keys, a, strict=False))
                        for a in assign],
        "sorties": [{"count": 1, "task": "show_of_force"} | dict(zip(s_keys, s, strict=False))
                    for s in sorties],
        "missions": [{"priority": p, "start_week": w} for p, w in missions],
    })


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture
def make_instance() -> Callable[..., Instance]:
    return build_instance


@pytest.fixture
def make_plan() -> Callable[..., Plan]:
    return build_plan


@pytest.fixture
def tiny() -> Instance:
    """The TINY fixture, defaults everywhere."""
    return build_instance()


@pytest.fixture(scope="session")
def contracts_dir() -> Path:
    return CONTRACTS


@pytest.fixture(scope="session")
def tiny_hand() -> Instance:
    """contracts/examples/tiny_hand.yaml, the hand-derived worked example of
    docs/evaluation-contract.md."""
    return Instance.build(Scenario.model_validate(
        load_yaml(CONTRACTS / "examples" / "tiny_hand.yaml")))


def undeclared_keys(doc: Any, schema: dict[str, Any]) -> set[str]:
    """Paths of the keys of `doc` that the output schema does not declare (it allows extra
    keys, so validation alone would not notice a key written but never documented)."""
    defs = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[-1]]
        return node

    found: set[str] = set()

    def walk(value: Any, node: Any, path: str) -> None:
        node = resolve(node)
        if not isinstance(node, dict):
            return
        if isinstance(value, dict) and "properties" in node:
            for key, item in value.items():
                if key in node["properties"]:
                    walk(item, node["properties"][key], f"{path}.{key}")
                else:
                    found.add(f"{path}.{key}")
        elif isinstance(value, list) and "items" in node:
            for item in value:
                walk(item, node["items"], f"{path}[]")

    walk(doc, schema, "")
    return found
