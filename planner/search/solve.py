"""Solve a scenario: build the exact model, warm-start it from the staff heuristic, run a
backend under pocplan's own watchdog, and return one normalised, honest result.

Honesty rules: the score is always the evaluator's; the bound is the MILP's dual bound
(CP-SAT's is never presented as a proof unless it proved optimality); the gap is computed
here in score units; a plan that fails the verifier is a bug and raises; after a
time-out the result is never worse than the staff heuristic.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from models.plan import Plan
from planner.domain.instance import Instance
from planner.milp.backends import (
    BACKENDS,
    BackendResult,
    Progress,
    SolverMissing,
    available_backends,
    native_seconds,
)
from planner.milp.formulation import Formulation, build_formulation
from planner.milp.linear import LinearModel, family
from planner.milp.status import SolveStatus
from planner.rules.evaluator import Evaluation, Violation, evaluate
from planner.search.heuristic import InfeasibleScenario, staff_heuristic
from planner.search.lns import improve

T = TypeVar("T")
SOLVER_CHOICES = ("auto", "highs", "cbc", "cpsat")
HYBRID_MIN_SECONDS = 1.0
"""Below this budget HiGHS runs alone, without neighbourhood search beside it."""
WORK_PER_SECOND = 800
"""Simplex iterations of neighbourhood search per second of --time-limit: pocplan's
deterministic clock, measured on the reference machine (README, Performance) with
HiGHS busy on the other core. Sets how far the search goes, whatever today's load."""
ELASTIC_FAMILIES = ("garrison_floor", "require_pin", "one_task_per_week", "flight_hours")
"""The hard rules that can conflict with one another (all others live in the domains)."""


PHASES = ("heuristic_seconds", "warm_start_seconds", "backend_seconds", "native_solver_seconds",
          "lns_seconds", "lns_native_seconds", "evaluate_seconds")
"""The phases `SolveResult.phases` times: the staff heuristic, the warm start, the
full-model backend (translation + native solver), the native solver alone, the
neighbourhood search (and its native sub-solves), and the evaluator."""


class _Phases(dict):
    """Seconds by phase, added up from any thread."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def add(self, phase: str, seconds: float) -> None:
        with self._lock:
            self[phase] = self.get(phase, 0.0) + seconds

    def timed(self, phase: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.add(phase, time.perf_counter() - started)


class PlanVerificationError(RuntimeError):
    """A backend returned a plan the evaluator rejects: a bug in pocplan, never shown as a plan."""


@dataclass(frozen=True)
class SolveOptions:
    solver: str = "auto"
    time_limit: float = 60.0
    """Total seconds for the solve (build excluded; the watchdog allows 10 % more)."""
    seed: int = 0
    progress: Progress | None = None


@dataclass(frozen=True)
class SolveResult:
    """What a solve produced, normalised across backends."""

    backend: str
    status: SolveStatus
    plan: Plan | None
    evaluation: Evaluation | None
    bound: float | None
    gap: float | None
    seconds: float
    build_seconds: float
    message: str = ""
    conflicts: tuple[str, ...] = ()
    """For infeasible scenarios: the conflicting rules, ids and weeks, one sentence each."""
    heuristic: Plan | None = None
    heuristic_evaluation: Evaluation | None = None
    from_heuristic: bool = False
    """True when the returned plan is the staff heuristic's (the solver found nothing better)."""
    kept_start: bool = False
    """True when the returned plan is the given warm start, kept because the re-solve
    stopped below it (what-if variants)."""
    reproducible: bool = True
    """False when the plan came from a search cut by the wall clock: the same seed may then
    give another plan on a busier or slower machine (README, Solvers and reproducibility)."""
    extras: dict = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict, compare=False)
    """Seconds by phase (`PHASES`), for the benchmark: where the solve's time went."""

    @property
    def score(self) -> float | None:
        return self.evaluation.score if self.evaluation is not None else None


def choose_backend(requested: str, instance: Instance) -> str:
    """`auto`: HiGHS when installed — the only backend here that proves optimality with a
    bound in score units, and the fastest on every benchmark instance (README) — then
    CP-SAT, then CBC."""
    if requested != "auto":
        if requested not in BACKENDS:
            raise ValueError(f"unknown solver {requested!r}; choose one of {SOLVER_CHOICES}")
        return requested
    found = available_backends()
    for name in ("highs", "cpsat", "cbc"):
        if found.get(name):
            return name
    raise SolverMissing("no solver backend is installed (highspy, ortools or PuLP's CBC)")


def gap_of(bound: float | None, score: float) -> float | None:
    """gap = (bound − score) / max(1, |bound|), docs/ranking-and-comparisons.md; tiny negatives are
    rounding."""
    if bound is None:
        return None
    return max(0.0, (bound - score) / max(1.0, abs(bound)))


def solve(instance: Instance, options: SolveOptions = SolveOptions(), *,
          formulation: Formulation | None = None,
          customise: Callable[[Formulation], None] | None = None,
          warm_start: Plan | None | bool = True, fallback: bool = True,
          tolerate: Callable[[Violation], bool] | None = None) -> SolveResult:
    """The best plan the backend finds within the time limit.

    `customise` adds rows to the model (priority pricing); `warm_start` True uses the
    staff heuristic, a Plan uses that plan, False/None none. With `fallback`, a time-out
    returns the staff heuristic's plan when the solver has nothing better; leave it off
    when extra rows (ranked alternatives, pricing) make the heuristic's plan beside the
    point. `tolerate` names the broken hard rules a plan may keep (a re-plan's executed
    weeks, planner.analysis.replan); any other one is a pocplan bug.
    """
    backend = choose_backend(options.solver, instance)
    started = time.perf_counter()
    f = formulation or build_formulation(instance)
    if customise is not None:
        customise(f)
    build_seconds = time.perf_counter() - started

    phases = _Phases()
    heuristic, heuristic_eval = (phases.timed("heuristic_seconds", _heuristic, instance)
                                 if warm_start is True or fallback else (None, None))
    if f.model.impossible_rows:
        return SolveResult(backend, SolveStatus.INFEASIBLE, None, None, None, None,
                           time.perf_counter() - started, build_seconds,
                           "no plan satisfies the hard rules",
                           conflicts=tuple(describe_row(instance, r)
                                           for r in f.model.impossible_rows),
                           heuristic=heuristic, heuristic_evaluation=heuristic_eval)
    start_plan = heuristic if warm_start is True else (warm_start or None)
    start_values = (phases.timed("warm_start_seconds", _start_values, f, start_plan)
                    if start_plan is not None else None)

    # Build, heuristic and warm start all come out of the budget: the limit covers them.
    remaining = max(0.05, options.time_limit - (time.perf_counter() - started))
    if backend == "highs" and start_values is not None and remaining >= HYBRID_MIN_SECONDS:
        outcome = _run_hybrid(f, remaining, options, start_values, phases)
    else:
        outcome = _run(backend, f.model, remaining, options, start_values, phases)
    seconds = time.perf_counter() - started
    if outcome.status == SolveStatus.INFEASIBLE:
        return SolveResult(backend, SolveStatus.INFEASIBLE, None, None, None, None, seconds,
                           build_seconds,
                           "no plan satisfies the hard rules",
                           conflicts=explain_infeasibility(f, options),
                           heuristic=heuristic, heuristic_evaluation=heuristic_eval)
    if outcome.values is None:
        return _fallback(backend, outcome, seconds, build_seconds, heuristic, heuristic_eval,
                         fallback)
    plan = f.plan_from_values(outcome.values)
    evaluation = phases.timed("evaluate_seconds", evaluate, instance, plan)
    broken = [v for v in evaluation.violations if tolerate is None or not tolerate(v)]
    if broken:
        raise PlanVerificationError(
            f"{backend} returned a plan that breaks hard rules (a pocplan bug): "
            + "; ".join(v.text for v in broken[:5]))
    status = outcome.status
    # CP-SAT's bound is weak unless it proved optimality; CBC through PuLP reports none.
    bound = outcome.bound if backend != "cpsat" or status == SolveStatus.OPTIMAL else None
    if status == SolveStatus.OPTIMAL and bound is None:
        bound = evaluation.score
    result = SolveResult(backend, status, plan, evaluation, bound,
                         gap_of(bound, evaluation.score), seconds, build_seconds,
                         outcome.message, heuristic=heuristic,
                         heuristic_evaluation=heuristic_eval,
                         reproducible=not outcome.timed_out, phases=phases)
    if (fallback and heuristic_eval is not None
            and heuristic_eval.score > evaluation.score + 1e-9):
        # A time-out can leave the solver below the staff heuristic: never return worse.
        return replace(result, plan=heuristic, evaluation=heuristic_eval,
                       status=SolveStatus.FEASIBLE,
                       gap=gap_of(bound, heuristic_eval.score), from_heuristic=True,
                       message="the solver's best plan was below the staff heuristic's")
    return result


def _heuristic(instance: Instance) -> tuple[Plan | None, Evaluation | None]:
    try:
        plan = staff_heuristic(instance)
    except InfeasibleScenario:
        return None, None
    return plan, evaluate(instance, plan)


def _start_values(f: Formulation, plan: Plan) -> list[float] | None:
    try:
        values = f.model.complete(f.primary_values(plan))
    except KeyError:
        return None  # a plan from another model (what-if): no warm start
    broken = f.model.violated_rows(values)
    if broken and not any(family(b) in ("min_difference", "require_priority") for b in broken):
        raise PlanVerificationError(
            "the staff heuristic's plan passes the evaluator but breaks model rows "
            f"{broken[:5]} (a pocplan bug: model and evaluator disagree)")
    return None if broken else values


def _run_hybrid(f: Formulation, seconds: float, options: SolveOptions,
                start: list[float], phases: _Phases) -> BackendResult:
    """HiGHS on the full model in one thread while large-neighbourhood search
    (planner.search.lns) improves the warm start in another — the machine's two cores. On a
    mission-size scenario HiGHS spends its first seconds in root cuts; LNS finds good plans
    meanwhile. The better plan wins; the bound is HiGHS's; an optimum HiGHS proves stops
    the search at once."""
    finished = threading.Event()
    box: dict[str, BackendResult] = {}
    failure: list[BaseException] = []

    def full_model() -> None:
        try:
            box["mip"] = _run("highs", f.model, seconds, options, start, phases)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            failure.append(exc)
        finally:
            finished.set()

    worker = threading.Thread(target=full_model, name="pocplan-highs", daemon=True)
    worker.start()
    native_before = native_seconds()
    search = phases.timed("lns_seconds", improve, f, start, seconds=seconds,
                          work_budget=round(WORK_PER_SECOND * seconds), seed=options.seed,
                          sub_solver=BACKENDS["highs"], progress=options.progress,
                          stop=finished)
    phases.add("lns_native_seconds", native_seconds() - native_before)
    worker.join()
    if failure:
        raise failure[0]
    mip = box["mip"]
    if mip.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE, SolveStatus.ERROR) \
            or search.values is start:
        return mip  # proven, or the search found nothing: HiGHS's result as it stands
    if mip.values is not None and (f.model.objective_value(mip.values)
                                   > f.model.objective_value(search.values) + 1e-9):
        return mip
    return BackendResult(SolveStatus.FEASIBLE, search.values, mip.bound,
                         "time limit reached: plan from neighbourhood search, bound from HiGHS",
                         work=search.work, timed_out=not search.reproducible)


def _run(backend: str, model: LinearModel, time_limit: float, options: SolveOptions,
         start: list[float] | None, phases: _Phases | None = None) -> BackendResult:
    started, native_before = time.perf_counter(), native_seconds()
    try:
        return BACKENDS[backend](model, time_limit=time_limit, seed=options.seed, start=start,
                                 progress=options.progress)
    except SolverMissing:
        raise
    except Exception as exc:  # noqa: BLE001 - a solver crash becomes a reported error status
        return BackendResult(SolveStatus.ERROR, None, None, f"{type(exc).__name__}: {exc}")
    finally:
        if phases is not None:
            phases.add("backend_seconds", time.perf_counter() - started)
            phases.add("native_solver_seconds", native_seconds() - native_before)


def _fallback(backend: str, outcome: BackendResult, seconds: float, build_seconds: float,
              heuristic: Plan | None, heuristic_eval: Evaluation | None,
              allow: bool) -> SolveResult:
    """No solver plan in time: the staff heuristic's plan, labelled feasible, if it exists."""
    if allow and heuristic is not None and heuristic_eval is not None:
        return SolveResult(backend, SolveStatus.FEASIBLE, heuristic, heuristic_eval, outcome.bound,
                           gap_of(outcome.bound, heuristic_eval.score), seconds, build_seconds,
                           f"{outcome.message or outcome.status}; returning the staff "
                           "heuristic's plan", heuristic=heuristic,
                           heuristic_evaluation=heuristic_eval, from_heuristic=True,
                           reproducible=_reproducible(outcome))
    return SolveResult(backend, outcome.status, None, None, outcome.bound, None, seconds,
                       build_seconds, outcome.message, heuristic=heuristic,
                       heuristic_evaluation=heuristic_eval, reproducible=_reproducible(outcome))


def _reproducible(outcome: BackendResult) -> bool:
    """A result comes back byte for byte unless the wall clock cut it or the solver
    failed (a crash under load need not recur)."""
    return not outcome.timed_out and outcome.status != SolveStatus.ERROR


# ====================================================================== infeasibility
def explain_infeasibility(f: Formulation, options: SolveOptions) -> tuple[str, ...]:
    """Name the conflicting rules: relax the rows that can conflict with an elastic slack
    each, minimise the total slack, and describe every row that needed some."""
    model = f.model
    elastic = LinearModel(names=list(model.names), lower=list(model.lower),
                          upper=list(model.upper), integer=list(model.integer),
                          definitions=[None] * model.num_vars)
    slacks: list[tuple[int, str]] = []
    for r, name in enumerate(model.row_names):
        terms = model.row_terms(r)
        if family(name) in ELASTIC_FAMILIES:
            slack = elastic.var(f"slack[{name}]", 0, math.inf, integer=False, objective=-1.0)
            sign = 1.0 if not math.isinf(model.row_lower[r]) else -1.0
            terms = [*terms, (slack, sign)]
            slacks.append((slack, name))
        elastic.row(name, terms, model.row_lower[r], model.row_upper[r])
    backend = choose_backend("auto", f.instance)
    outcome = _run(backend, elastic, max(5.0, options.time_limit / 4), options, None)
    if outcome.values is None:
        return ("the hard rules conflict, but pocplan could not isolate which in time",)
    relaxed = [r for r, (var, _) in zip(_elastic_rows(model), slacks, strict=True)
               if outcome.values[var] > 1e-6]
    conflict = _tight_neighbours(model, relaxed, outcome.values, hops=2)
    return tuple(describe_row(f.instance, model.row_names[r]) for r in conflict)


def _elastic_rows(model: LinearModel) -> list[int]:
    return [r for r, name in enumerate(model.row_names) if family(name) in ELASTIC_FAMILIES]


def _tight_neighbours(model: LinearModel, rows: list[int], values: list[float],
                      hops: int) -> list[int]:
    """The relaxed rows plus the conflict-family rows at their bound that share a
    variable with them (within `hops` steps): the other side of each conflict."""
    by_var: dict[int, list[int]] = {}
    for r in _elastic_rows(model):
        for v, _ in model.row_terms(r):
            by_var.setdefault(v, []).append(r)
    found, frontier = list(rows), list(rows)
    for _ in range(hops):
        nxt = []
        for r in frontier:
            for v, _ in model.row_terms(r):
                for other in by_var.get(v, ()):
                    if other not in found and _tight(model, other, values):
                        found.append(other)
                        nxt.append(other)
        frontier = nxt
    return sorted(found, key=lambda r: model.row_names[r])


def _tight(model: LinearModel, r: int, values: list[float]) -> bool:
    activity = sum(values[v] * c for v, c in model.row_terms(r))
    return any(abs(activity - bound) < 1e-6 for bound in (model.row_lower[r], model.row_upper[r])
               if not math.isinf(bound))


def describe_row(instance: Instance, name: str) -> str:
    """A sentence for a structured row name, e.g. `garrison_floor[SEV|w3]`."""
    kind = family(name)
    parts = name[len(kind) + 1:-1].split("|")
    week = parts[-1][1:] if parts and parts[-1].startswith("w") else "?"
    if kind == "garrison_floor":
        return (f"garrison_floor: base {parts[0]} must keep {instance.min_garrison[parts[0]]} "
                f"ground unit(s) home in week {week}")
    if kind == "require_pin":
        return f"require_pin: {parts[0]} is pinned at {parts[1]} in week {week}"
    if kind == "one_task_per_week":
        return f"one_task_per_week: {parts[0]} can hold one assignment in week {week}"
    if kind == "flight_hours":
        hours = instance.units[parts[0]].flight_hours_per_week
        return f"flight_hours: {parts[0]} has {hours:g} flight hours in week {week}"
    return name
