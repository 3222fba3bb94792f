"""`pocplan sweep`: many what-if variants solved independently on the executor.

A sweep file (models/sweep.py) names variants (what-if changes) and/or a grid of score
weights and policy values; the points are the scenario as given, then every variant, each
at every grid point (grid alone: every grid point). All changes are parsed and applied —
and refused with the sweep file's line — before anything is solved. Each point is one
executor task with the same seed and time limit, so a point's result does not depend on
where it ran. A point's difference from the scenario as given comes with the interval the
two solves' bounds prove, [score_p − bound_0, bound_p − score_0], decided when it does not
contain 0 (docs/ranking-and-comparisons.md §11).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from models.scenario import Scenario
from models.sweep import SweepFile, SweepVariant
from planner.analysis.whatif import (
    ChangeRefused,
    ChangeSyntaxError,
    apply_changes,
    change_label,
    parse_changes,
)
from planner.domain import intervals
from planner.domain.instance import Instance
from planner.inputs.messages import validate_model
from planner.inputs.problems import Problem, ScenarioError
from planner.inputs.source import Source, read_source
from planner.milp.status import SolveStatus
from planner.search.executor import Executor, Task
from planner.search.solve import SolveOptions, solve

MAX_POINTS = 1000
"""More points than this is refused (a grid is a product: it grows fast)."""

_FIELDS = ("add_unit", "remove_unit", "garrison", "require", "forbid", "weight", "policy")
_PARSE_KEYS = {"add_unit": "add_units", "remove_unit": "remove_units", "garrison": "garrisons",
               "require": "requires", "forbid": "forbids", "weight": "weights",
               "policy": "policies"}


@dataclass(frozen=True)
class SweepPoint:
    """One point to solve: its name, the changes as written, and the changed scenario."""

    name: str
    changes: tuple[str, ...]
    scenario: Scenario


@dataclass(frozen=True)
class PointResult:
    name: str
    changes: tuple[str, ...]
    status: str
    score: float | None
    bound: float | None
    harm_averted: float | None
    reproducible: bool


@dataclass(frozen=True)
class SweepReport:
    points: tuple[PointResult, ...]
    """The scenario as given first, then the points in file order."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _grid_points(grid: dict[str, dict[str, list[Any]]]) -> list[dict[str, list[str]]]:
    """Every combination of the grid's axes, as `weight`/`policy` change strings."""
    axes = [(kind, key, values) for kind, keys in grid.items() for key, values in keys.items()]
    if not axes:
        return [{}]
    points = []
    for combo in itertools.product(*(values for _, _, values in axes)):
        point: dict[str, list[str]] = {}
        for (kind, key, _), value in zip(axes, combo, strict=True):
            point.setdefault(kind, []).append(f"{key}={_text(value)}")
        points.append(point)
    return points


def load_sweep(path: Path, scenario: Scenario) -> list[SweepPoint]:
    """The points of a sweep file, every change applied and cross-checked; ScenarioError
    with the file's line for anything malformed or refused."""
    source = read_source(path, "sweep")
    sweep, problems = validate_model(SweepFile, source)
    if sweep is None or problems:
        raise ScenarioError(problems)
    grid = _grid_points(sweep.grid)
    variants: list[tuple[int | None, SweepVariant | None]] = [(None, None)]
    variants += list(enumerate(sweep.variants))
    if len(variants) * len(grid) > MAX_POINTS + 1:
        raise ScenarioError([source.problem((), f"{len(variants) * len(grid)} points: more "
                                            f"than {MAX_POINTS}", "sweep fewer values")])
    points, problems = [], []
    for (i, variant), extra in itertools.product(variants, grid):
        if variant is None and not extra:
            continue  # the scenario as given is the reference, solved first anyway
        written = {f: list(getattr(variant, f)) if variant else [] for f in _FIELDS}
        for kind, changes in extra.items():
            written[kind] += changes
        at = ("variants", i) if i is not None else ("grid",)
        point = _point(source, at, variant, written, extra, scenario, problems)
        if point is not None:
            points.append(point)
    if problems:
        raise ScenarioError(problems)
    return points


def _point(source: Source, at: tuple, variant: SweepVariant | None,
           written: dict[str, list[str]], extra: dict[str, list[str]], scenario: Scenario,
           problems: list[Problem]) -> SweepPoint | None:
    label = variant.name if variant is not None else "as given"
    grid_text = ", ".join(c for cs in extra.values() for c in cs)
    name = f"{label} @ {grid_text}" if grid_text else label
    try:
        changes = parse_changes(**{_PARSE_KEYS[f]: v for f, v in written.items()})
        applied = apply_changes(scenario, changes)
    except (ChangeSyntaxError, ChangeRefused) as exc:
        for text in exc.problems:
            message, _, fix = text.partition(". Fix: ")
            problem = source.problem(at, f"{name if variant is None else label}: {message}",
                                     fix or "write the change as pocplan whatif takes it")
            if problem not in problems:  # a variant at every grid point: said once
                problems.append(problem)
        return None
    return SweepPoint(name, tuple(change_label(c) for c in changes), applied.scenario)


def solve_point(name: str, changes: tuple[str, ...], scenario: Scenario,
                options: SolveOptions) -> PointResult:
    """One point solved (an executor task): the scenario as changed, its best plan's score,
    bound, status and harm averted."""
    result = solve(Instance.build(scenario), options)
    ev = result.evaluation
    # A proven optimum is its own bound (as in what-if and marginal values).
    bound = ev.score if ev and result.status == SolveStatus.OPTIMAL else result.bound
    return PointResult(name, changes, str(result.status), ev.score if ev else None,
                       bound, ev.metrics.harm_averted if ev else None, result.reproducible)


def run_sweep(scenario: Scenario, points: list[SweepPoint], options: SolveOptions,
              executor: Executor, on_done=None) -> SweepReport:  # noqa: ANN001
    """The scenario as given and every point, one task each, results in that order."""
    options = replace(options, progress=None)
    everything = [SweepPoint("as given", (), scenario), *points]
    tasks = [Task(f"point-{i}", solve_point, (p.name, p.changes, p.scenario, options))
             for i, p in enumerate(everything)]
    results = executor.run(tasks, on_done=(lambda i, r: on_done()) if on_done else None)
    return SweepReport(tuple(results))


def difference(point: PointResult, reference: PointResult) -> dict[str, Any] | None:
    """{value, low, high, decided}: the point's score minus the reference's, with the
    interval the two solves' bounds prove (planner.domain.intervals, the one rule every
    comparison uses; a null end when a bound is unknown)."""
    if point.score is None or reference.score is None:
        return None
    return intervals.difference(point.score, point.bound, reference.score,
                                reference.bound).as_dict()
