"""Large-neighbourhood search on top of the exact model.

HiGHS needs several seconds of root cuts before its first plan on a mission-size
scenario, while a user (or a what-if re-solve) may give it ten. LNS keeps the staff
heuristic's plan as the incumbent and repeatedly re-optimises one neighbourhood of it
exactly — a window of weeks, a few units, or a few hotspots, every other decision fixed
to the incumbent through its bounds — accepting only improvements. Every candidate is a
solution of the same `LinearModel`, so the evaluator's score and the model's objective
agree, and the final full solve starts from the best plan found.

Neighbourhoods come from a `random.Random(seed)`: the same seed visits the same
sequence of neighbourhoods.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from planner.milp.backends import BackendResult, Progress
from planner.milp.formulation import Formulation
from planner.milp.linear import LinearModel

SubSolver = Callable[..., BackendResult]
STEP_NODE_LIMIT = 200
"""Branch-and-bound nodes per neighbourhood: a deterministic stop for each sub-problem."""
STEP_SECONDS = 10.0
"""Wall-clock safety net per neighbourhood (only a very slow machine reaches it)."""
MIN_STEP_WORK = 50
"""Work charged for a neighbourhood that presolve settles alone, so the budget always ends."""


@dataclass(frozen=True)
class Decision:
    """What a decision variable is about: its family, unit (or mission), hotspot, week."""

    family: str
    owner: str
    hotspot: str
    week: int


def decisions(f: Formulation) -> dict[int, Decision]:
    inst = f.instance
    out: dict[int, Decision] = {}
    for (k, h, t), v in f.n.items():
        out[v] = Decision("present", k, h, t)
    for (k, m, t), v in f.e.items():
        out[v] = Decision("escort", k, inst.missions[m].hotspot, t)
    for (a, h, t), v in f.y.items():
        out[v] = Decision("sorties", a, h, t)
    for (m, s), v in f.w.items():
        out[v] = Decision("mission", m, inst.missions[m].hotspot, s)
    return out


def neighbourhood(f: Formulation, rng: random.Random) -> tuple[str, Callable[[Decision], bool]]:
    """A random neighbourhood: which decisions are free to change. Kept small enough that
    HiGHS settles each one well inside its node limit (its root work has no limit)."""
    inst = f.instance
    T = inst.horizon_weeks
    kind = rng.choice(("weeks", "units", "hotspots"))
    first = rng.randint(1, T)
    last = min(T, first + (rng.randint(1, 3) if kind == "weeks" else rng.randint(3, 7)))
    if kind == "weeks":
        return f"weeks {first}-{last}", lambda d: d.family == "mission" or first <= d.week <= last
    if kind == "units":
        owners = sorted([k.id for k in f.classes] + [a.id for a in inst.air_units])
        chosen = set(rng.sample(owners, min(len(owners), 3)))
        return (f"units {sorted(chosen)} weeks {first}-{last}",
                lambda d: d.family == "mission" or d.owner in chosen and first <= d.week <= last)
    spots = set(rng.sample(sorted(inst.hotspot_ids), min(len(inst.hotspot_ids), 4)))
    return f"hotspots {sorted(spots)}", lambda d: d.hotspot in spots


def fixed_elsewhere(model: LinearModel, values: list[float], choices: dict[int, Decision],
                    free: Callable[[Decision], bool]) -> LinearModel:
    """The model with every decision outside the neighbourhood fixed to its value."""
    lower, upper = list(model.lower), list(model.upper)
    for var, decision in choices.items():
        if not free(decision):
            lower[var] = upper[var] = float(round(values[var]))
    return replace(model, lower=lower, upper=upper)


@dataclass(frozen=True)
class SearchResult:
    values: list[float]
    work: int
    """Simplex iterations spent."""
    reproducible: bool
    """True when the search ended on its work budget (or found nothing more to do), not on
    the wall clock: the same seed then gives the same plan on any machine."""


def improve(f: Formulation, start: list[float], *, seconds: float, work_budget: int,
            seed: int, sub_solver: SubSolver, progress: Progress | None = None,
            stop: threading.Event | None = None) -> SearchResult:
    """LNS from `start` (never worse). The budget is deterministic — simplex iterations,
    sub-problems node-limited — so the same seed walks the same path whatever the
    machine's load; `seconds` is only the safety net. `stop` ends the search early (set
    when the full model has been solved to optimality: its plan is used instead)."""
    model = f.model
    rng = random.Random(seed)
    choices = decisions(f)
    best, best_value = start, model.objective_value(start)
    deadline = time.perf_counter() + seconds
    work, reproducible = 0, True
    while work < work_budget and not (stop and stop.is_set()):
        left = deadline - time.perf_counter()
        if left <= 0.05:
            reproducible = False
            break
        _, free = neighbourhood(f, rng)
        sub = fixed_elsewhere(model, best, choices, free)
        outcome = sub_solver(sub, time_limit=min(STEP_SECONDS, left), seed=rng.randrange(2**31),
                             start=best, node_limit=STEP_NODE_LIMIT)
        work += max(outcome.work, MIN_STEP_WORK)
        reproducible = reproducible and not outcome.timed_out
        if outcome.values is None:
            continue
        value = model.objective_value(outcome.values)
        if value > best_value + 1e-7:
            best, best_value = outcome.values, value
            if progress is not None:
                progress(best_value)
    return SearchResult(best, work, reproducible)
