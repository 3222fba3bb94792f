"""Reading a plan back from a pocplan JSON document (docs/output-contract.md), for
re-planning: the executed plan and the previous plan of `pocplan replan`.

Everything wrong with the file is collected and raised once (`PlanFileError`), each problem
naming the file, the line where JSON gives one, the key path (`plans[rank 1].assignments[3]`)
and the offending id, with a fix: a file that is not JSON, that is not a pocplan plan
document, that has no plan of the requested rank, or whose plan names units, hotspots or
missions the scenario does not have or weeks beyond its horizon.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from models.plan import Plan
from planner.domain.instance import Instance
from planner.inputs.problems import Problem


class PlanFileError(Exception):
    """A plan file is unusable; `problems` holds every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = tuple(problems)
        super().__init__(self.problems)


@dataclass(frozen=True)
class PlanFile:
    """One plan read from a pocplan JSON document."""

    path: Path
    sha256: str
    """SHA-256 (hex) of the file's bytes, as read."""
    rank: int
    plan: Plan
    scenario_name: str | None
    scenario_sha256: str | None
    """The scenario the document was planned from, as it records it."""


def read_plan_file(path: Path, instance: Instance, rank: int = 1) -> PlanFile:
    """The plan of `rank` in the document at `path`, checked against the scenario."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanFileError([_problem(name, "", f"cannot be read ({exc.strerror or exc})",
                                      "give the path of a plan written by `pocplan plan "
                                      "--format json`")]) from None
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise PlanFileError([_problem(name, "", "is not UTF-8 text",
                                      "give a JSON plan document")]) from None
    except json.JSONDecodeError as exc:
        raise PlanFileError([Problem(name, exc.lineno, exc.colno, "", None,
                                     f"is not JSON ({exc.msg})",
                                     "give a plan written by `pocplan plan --format json`")]
                            ) from None
    body = _plan_body(name, document, rank)
    where = f"plans[rank {rank}]"
    try:
        plan = Plan.model_validate({key: body.get(key, []) for key in
                                    ("assignments", "sorties", "missions")})
    except ValidationError as exc:
        raise PlanFileError([_problem(name, f"{where}." + ".".join(str(p) for p in e["loc"]),
                                      e["msg"], "write the record as docs/output-contract.md "
                                      "describes it")
                             for e in exc.errors()]) from None
    problems = check_against(name, where, plan, instance)
    if problems:
        raise PlanFileError(problems)
    scenario = document.get("scenario") if isinstance(document.get("scenario"), dict) else {}
    return PlanFile(path=path, sha256=hashlib.sha256(data).hexdigest(), rank=rank, plan=plan,
                    scenario_name=scenario.get("name"), scenario_sha256=scenario.get("sha256"))


def _problem(file: str, where: str, message: str, fix: str, id: str | None = None) -> Problem:
    return Problem(file, None, None, where, id, message, fix)


def _plan_body(name: str, document: Any, rank: int) -> dict[str, Any]:
    fix = "give a plan written by `pocplan plan --format json` (docs/output-contract.md)"
    if not isinstance(document, dict) or not isinstance(document.get("plans"), list):
        raise PlanFileError([_problem(name, "plans", "is not a pocplan plan document: it has "
                                      "no `plans` list", fix)])
    if document.get("schema_version") != 1:
        raise PlanFileError([_problem(name, "schema_version", "must be 1, found "
                                      f"{document.get('schema_version')!r}", fix)])
    plans = [p for p in document["plans"] if isinstance(p, dict)]
    found = [p for p in plans if p.get("rank") == rank]
    if not found:
        ranks = sorted(p["rank"] for p in plans if isinstance(p.get("rank"), int))
        have = f"it has ranks {', '.join(map(str, ranks))}" if ranks else "it has no plan"
        raise PlanFileError([_problem(name, "plans", f"has no plan of rank {rank}: {have}",
                                      "choose one with --rank, or plan the scenario first")])
    return found[0]


def check_against(name: str, where: str, plan: Plan, instance: Instance) -> list[Problem]:
    """Every id the plan names must be the scenario's, every week inside its horizon, and a
    ground unit holds one record per hotspot and week."""
    problems: list[Problem] = []
    T = instance.horizon_weeks
    fix_id = "use the scenario's ids (`pocplan validate SCENARIO` lists them)"
    seen: set[tuple[str, str, int]] = set()
    for i, a in enumerate(plan.assignments):
        at = f"{where}.assignments[{i}]"
        unit = instance.units.get(a.unit)
        if unit is None or not unit.is_ground:
            what = "is not a ground unit of the scenario" if unit else "is not in the scenario"
            problems.append(_problem(name, at, f"unit {a.unit} {what}", fix_id, a.unit))
        problems += _common(name, at, a.hotspot, a.week, T, instance)
        if a.task == "escort" and a.mission not in instance.missions:
            problems.append(_problem(name, at, f"escorts mission {a.mission}, which is not a "
                                     "civilian mission of the scenario", fix_id, a.mission))
        elif a.task == "escort" and instance.missions[a.mission].hotspot != a.hotspot:
            goes = instance.missions[a.mission].hotspot
            problems.append(_problem(name, at, f"escorts mission {a.mission} at {a.hotspot}, "
                                     f"but the mission goes to {goes}",
                                     f"write hotspot {goes}", a.mission))
        if (a.unit, a.hotspot, a.week) in seen:
            problems.append(_problem(name, at, f"{a.unit} is at {a.hotspot} in week {a.week} "
                                     "twice", "keep one record", a.unit))
        seen.add((a.unit, a.hotspot, a.week))
    for i, s in enumerate(plan.sorties):
        at = f"{where}.sorties[{i}]"
        unit = instance.units.get(s.unit)
        if unit is None or not unit.is_air:
            what = "is not an air unit of the scenario" if unit else "is not in the scenario"
            problems.append(_problem(name, at, f"unit {s.unit} {what}", fix_id, s.unit))
        problems += _common(name, at, s.hotspot, s.week, T, instance)
    for i, m in enumerate(plan.missions):
        if m.priority not in instance.missions:
            problems.append(_problem(name, f"{where}.missions[{i}]", f"mission {m.priority} is "
                                     "not a civilian mission of the scenario", fix_id,
                                     m.priority))
    return problems


def _common(name: str, at: str, hotspot: str, week: int, T: int,
            instance: Instance) -> list[Problem]:
    out = []
    if hotspot not in instance.hotspot_names:
        out.append(_problem(name, at, f"hotspot {hotspot} is not in the scenario",
                            "use the scenario's hotspot ids", hotspot))
    if week > T:
        out.append(_problem(name, at, f"week {week} is beyond the scenario's {T}-week horizon",
                            "re-plan with the scenario the plan was made for"))
    return out
