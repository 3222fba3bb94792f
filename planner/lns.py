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

from planner.backends import BackendResult, Progress
from planner.formulation import Formulation
from planner.linear import LinearModel

SubSolver = Callable[..., BackendResult]


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
    """A random neighbourhood: which decisions are free to change."""
    inst = f.instance
    kind = rng.choice(("weeks", "units", "hotspots"))
    if kind == "weeks":
        first = rng.randint(1, inst.horizon_weeks)
        last = first + rng.randint(2, 5)
        return f"weeks {first}-{last}", lambda d: d.family == "mission" or first <= d.week <= last
    if kind == "units":
        owners = sorted([k.id for k in f.classes] + [a.id for a in inst.air_units])
        chosen = set(rng.sample(owners, min(len(owners), 4)))
        return f"units {sorted(chosen)}", lambda d: d.family == "mission" or d.owner in chosen
    spots = set(rng.sample(sorted(inst.hotspot_ids), min(len(inst.hotspot_ids), 5)))
    return f"hotspots {sorted(spots)}", lambda d: d.hotspot in spots


def fixed_elsewhere(model: LinearModel, values: list[float], choices: dict[int, Decision],
                    free: Callable[[Decision], bool]) -> LinearModel:
    """The model with every decision outside the neighbourhood fixed to its value."""
    lower, upper = list(model.lower), list(model.upper)
    for var, decision in choices.items():
        if not free(decision):
            lower[var] = upper[var] = float(round(values[var]))
    return replace(model, lower=lower, upper=upper)


def improve(f: Formulation, start: list[float], *, seconds: float, seed: int,
            sub_solver: SubSolver, progress: Progress | None = None,
            stop: threading.Event | None = None) -> list[float]:
    """The best solution found by LNS from `start` within `seconds` (never worse); `stop`
    ends the search early (set when the full model has been solved to optimality)."""
    model = f.model
    rng = random.Random(seed)
    choices = decisions(f)
    best, best_value = start, model.objective_value(start)
    deadline = time.perf_counter() + seconds
    step_limit = max(0.5, min(3.0, seconds / 8))
    while (left := deadline - time.perf_counter()) > 0.2 and not (stop and stop.is_set()):
        _, free = neighbourhood(f, rng)
        sub = fixed_elsewhere(model, best, choices, free)
        outcome = sub_solver(sub, time_limit=min(step_limit, left), seed=rng.randrange(2**31),
                             start=best)
        if outcome.values is None:
            continue
        value = model.objective_value(outcome.values)
        if value > best_value + 1e-7:
            best, best_value = outcome.values, value
            if progress is not None:
                progress(best_value)
    return best
