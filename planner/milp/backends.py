"""Solver backends: one `LinearModel` in, one normalised `BackendResult` out.

- `highs`: HiGHS through highspy, built in one `passModel` call (linear time), with the
  warm start passed by `setSolution`, and status and dual bound read from HiGHS itself.
- `cbc`: CBC through PuLP (`PULP_CBC_CMD`), warm start through PuLP's MIP start. PuLP's
  own status says "Optimal" after a time-limit stop, so only `sol_status` is trusted.
- `cpsat`: OR-Tools CP-SAT. Continuous variables become integers at a fixed resolution
  and every row is scaled to integers, rounding toward the safe side (a CP-SAT solution
  never breaks a row of the original model). Its bound is not presented as a proof.

Determinism: every backend runs single-threaded with a fixed seed, so a solve that ends
before its time limit gives the same solution every time.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from planner.domain import interrupt
from planner.milp.linear import LinearModel
from planner.milp.status import SolveStatus

Progress = Callable[[float], None]
"""Called with the objective of each improving solution found."""

CPSAT_RESOLUTION = 10**6
"""Continuous variables and row coefficients are scaled by this before rounding (CP-SAT)."""


@dataclass(frozen=True)
class BackendResult:
    status: SolveStatus
    values: list[float] | None
    bound: float | None  # best bound on the objective (maximisation), None if unknown
    message: str = ""
    work: int = 0
    """Simplex iterations spent (HiGHS): pocplan's deterministic clock."""
    timed_out: bool = False
    """Stopped by the wall clock: its plan depends on the machine's speed that day."""


WATCHDOG_SLACK = 0.1
"""pocplan interrupts a solver that overruns its time limit by more than this share."""


_native = threading.local()


def native_seconds() -> float:
    """Seconds this thread has spent inside solver libraries' own solve calls (HiGHS run,
    CP-SAT solve, CBC), as opposed to translating models for them: what the benchmark
    reports as native solver time."""
    return getattr(_native, "seconds", 0.0)


@contextmanager
def native_call() -> Iterator[None]:
    """Count the time of one call into a solver library towards `native_seconds`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        _native.seconds = native_seconds() + time.perf_counter() - started


@contextmanager
def watchdog(time_limit: float, interrupt: Callable[[], object]) -> Iterator[None]:
    """pocplan's own guard on a solver's time limit: call `interrupt` (HiGHS cancelSolve,
    CP-SAT stop_search) if the solve is still running 10 % after its limit."""
    timer = threading.Timer(time_limit * (1 + WATCHDOG_SLACK), interrupt)
    timer.daemon = True
    timer.start()
    try:
        with native_call():
            yield
    finally:
        timer.cancel()


class SolverMissing(RuntimeError):
    """The requested solver is not installed or cannot run here."""


def available_backends() -> dict[str, bool]:
    found = {}
    for name, probe in (("highs", _probe_highs), ("cbc", _probe_cbc), ("cpsat", _probe_cpsat)):
        try:
            probe()
            found[name] = True
        except Exception:  # noqa: BLE001 - any failure means "not available"
            found[name] = False
    return found


def is_available(name: str) -> bool:
    """One backend probed alone (`available_backends` imports all three, and OR-Tools alone
    takes about a second to import: time the command's limit would pay for nothing)."""
    probe = {"highs": _probe_highs, "cbc": _probe_cbc, "cpsat": _probe_cpsat}[name]
    try:
        probe()
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
    return True


def _probe_highs() -> None:
    import highspy  # noqa: F401


def _probe_cbc() -> None:
    import pulp

    if not pulp.PULP_CBC_CMD(msg=False).available():
        raise SolverMissing("CBC binary not found")


def _probe_cpsat() -> None:
    from ortools.sat.python import cp_model  # noqa: F401


# ====================================================================== HiGHS
def solve_highs(model: LinearModel, *, time_limit: float, seed: int,
                start: list[float] | None = None, progress: Progress | None = None,
                node_limit: int | None = None) -> BackendResult:
    try:
        import highspy
        import numpy as np
    except ImportError as exc:
        raise SolverMissing(f"highspy is not installed ({exc})") from exc
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    h.setOptionValue("random_seed", int(seed) % 2147483647)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-7)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model.num_vars, model.num_rows
    inf = highspy.kHighsInf
    cost = np.zeros(model.num_vars)
    for var, coef in model.objective.items():
        cost[var] = coef
    lp.col_cost_ = cost
    lp.col_lower_ = np.array(model.lower, dtype=float)
    lp.col_upper_ = np.array([inf if math.isinf(u) else u for u in model.upper], dtype=float)
    lp.row_lower_ = np.array([-inf if math.isinf(x) else x for x in model.row_lower], dtype=float)
    lp.row_upper_ = np.array([inf if math.isinf(x) else x for x in model.row_upper], dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = model.num_vars, model.num_rows
    lp.a_matrix_.start_ = np.array(model.row_start, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(model.row_index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(model.row_value, dtype=float)
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in model.integer]
    lp.sense_ = highspy.ObjSense.kMaximize
    h.passModel(lp)
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start)
        solution.value_valid = True
        h.setSolution(solution)
    if progress is not None:
        _subscribe_progress(h, progress)
    # cancelSolve (the watchdog, Ctrl-C) only stops a run that checks for it: highspy's
    # interrupt callbacks do, and raise nothing themselves.
    h.HandleUserInterrupt = True
    with watchdog(time_limit, h.cancelSolve):
        interrupt.native(h.run, h.cancelSolve)
    status = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = list(h.getSolution().col_value) if has_solution else None
    bound = info.mip_dual_bound if has_solution or status == S.kOptimal else None
    if bound is not None and not math.isfinite(bound):
        bound = None
    work = int(info.simplex_iteration_count)
    timed_out = status in (S.kTimeLimit, S.kInterrupt, S.kHighsInterrupt)
    if status == S.kOptimal:
        return BackendResult(SolveStatus.OPTIMAL, values, bound, work=work)
    if status in (S.kInfeasible, S.kUnboundedOrInfeasible):
        return BackendResult(SolveStatus.INFEASIBLE, None, None, work=work)
    if timed_out or status in (S.kIterationLimit, S.kSolutionLimit, S.kObjectiveBound,
                               S.kObjectiveTarget):
        return BackendResult(SolveStatus.FEASIBLE if values else SolveStatus.NO_SOLUTION,
                             values, bound,
                             h.modelStatusToString(status), work=work, timed_out=timed_out)
    return BackendResult(SolveStatus.ERROR, values, bound, h.modelStatusToString(status), work=work)


def _subscribe_progress(h, progress: Progress) -> None:  # noqa: ANN001
    try:
        h.cbMipImprovingSolution.subscribe(
            lambda event: progress(event.data_out.objective_function_value))
    except Exception:  # noqa: BLE001 - progress display is optional
        pass


# ====================================================================== CBC (PuLP)
def solve_cbc(model: LinearModel, *, time_limit: float, seed: int,
              start: list[float] | None = None, progress: Progress | None = None,
              node_limit: int | None = None) -> BackendResult:
    try:
        import pulp
    except ImportError as exc:
        raise SolverMissing(f"PuLP is not installed ({exc})") from exc
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, math.ceil(time_limit)),
                               warmStart=start is not None, threads=1,
                               options=[f"randomSeed {int(seed) % 2147483647 or 1}",
                                        f"randomCbcSeed {int(seed) % 2147483647 or 1}"])
    if not solver.available():
        raise SolverMissing("the CBC binary that PuLP ships is not available here")
    prob = pulp.LpProblem("pocplan", pulp.LpMaximize)
    xs = [pulp.LpVariable(f"x{i}", lowBound=model.lower[i],
                          upBound=None if math.isinf(model.upper[i]) else model.upper[i],
                          cat=pulp.LpInteger if model.integer[i] else pulp.LpContinuous)
          for i in range(model.num_vars)]
    prob.setObjective(pulp.LpAffineExpression([(xs[v], c) for v, c in model.objective.items()]))
    for r in range(model.num_rows):
        expr = pulp.LpAffineExpression([(xs[v], c) for v, c in model.row_terms(r)])
        lo, hi = model.row_lower[r], model.row_upper[r]
        if lo == hi:
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=lo), f"r{r}")
            continue
        if not math.isinf(lo):
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=lo), f"r{r}l")
        if not math.isinf(hi):
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=hi), f"r{r}u")
    if start is not None:
        for x, value in zip(xs, start, strict=True):
            x.setInitialValue(round(value) if x.cat == pulp.LpInteger else value)
    started = time.perf_counter()
    with native_call():  # CBC is a child process: Ctrl-C reaches it from the terminal
        interrupt.native(lambda: prob.solve(solver), None)
    out_of_time = time.perf_counter() - started >= 0.95 * time_limit
    sol_status = prob.sol_status
    values = [x.varValue if x.varValue is not None else 0.0 for x in xs]
    if sol_status == pulp.LpSolutionOptimal:
        return BackendResult(SolveStatus.OPTIMAL, values, None)
    if sol_status == pulp.LpSolutionIntegerFeasible:
        return BackendResult(SolveStatus.FEASIBLE, values, None,
                             "CBC stopped before proving optimality",
                             timed_out=True)
    if sol_status == pulp.LpSolutionInfeasible:
        return BackendResult(SolveStatus.INFEASIBLE, None, None)
    if sol_status == pulp.LpSolutionNoSolutionFound:
        return BackendResult(SolveStatus.NO_SOLUTION, None, None, "CBC found no solution in time",
                             timed_out=True)
    return BackendResult(SolveStatus.ERROR, None, None, pulp.LpStatus.get(prob.status, "unknown"),
                         timed_out=out_of_time)


# ====================================================================== CP-SAT
def solve_cpsat(model: LinearModel, *, time_limit: float, seed: int,
                start: list[float] | None = None, progress: Progress | None = None,
                node_limit: int | None = None) -> BackendResult:
    try:
        from ortools.sat.python import cp_model
    except ImportError as exc:
        raise SolverMissing(f"OR-Tools is not installed ({exc})") from exc
    S = CPSAT_RESOLUTION
    cp = cp_model.CpModel()
    scale = [1 if model.integer[i] else S for i in range(model.num_vars)]
    xs = []
    for i in range(model.num_vars):
        lo = math.ceil(model.lower[i] * scale[i] - 1e-9)
        hi = 10**12 if math.isinf(model.upper[i]) else math.floor(model.upper[i] * scale[i] + 1e-9)
        xs.append(cp.new_int_var(lo, hi, f"x{i}"))
    for r in range(model.num_rows):
        terms = [(v, c / scale[v]) for v, c in model.row_terms(r)]
        for sense, bound in (("le", model.row_upper[r]), ("ge", model.row_lower[r])):
            if math.isinf(bound):
                continue
            coefs, rhs = _integer_row(terms, bound, sense)
            expr = sum(c * xs[v] for v, c in coefs)
            cp.add(expr <= rhs if sense == "le" else expr >= rhs)
    # An integer objective (resolution 1e-6 points): CP-SAT's float objectives come with
    # loose bounds even when it reports OPTIMAL.
    cp.maximize(sum(round(coef / scale[v] * S) * xs[v] for v, coef in model.objective.items()))
    if start is not None:
        for i, value in enumerate(start):
            cp.add_hint(xs[i], round(value * scale[i]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit))
    solver.parameters.random_seed = int(seed) % 2147483647
    solver.parameters.num_workers = 1
    solver.parameters.repair_hint = True
    callback = _CpsatProgress(progress) if progress is not None else None
    with watchdog(time_limit, solver.stop_search):
        status = interrupt.native(
            lambda: solver.solve(cp, callback) if callback else solver.solve(cp),
            solver.stop_search)
    values = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = [solver.value(x) / scale[i] for i, x in enumerate(xs)]
    if status == cp_model.OPTIMAL:
        return BackendResult(SolveStatus.OPTIMAL, values, solver.best_objective_bound / S)
    if status == cp_model.FEASIBLE:
        return BackendResult(SolveStatus.FEASIBLE, values, None,
                             "CP-SAT stopped before proving optimality",
                             timed_out=True)
    if status == cp_model.INFEASIBLE:
        return BackendResult(SolveStatus.INFEASIBLE, None, None)
    if status == cp_model.UNKNOWN:
        return BackendResult(SolveStatus.NO_SOLUTION, None, None,
                             "CP-SAT found no solution in time",
                             timed_out=True)
    return BackendResult(SolveStatus.ERROR, None, None, solver.status_name(status))


def _integer_row(terms: list[tuple[int, float]], bound: float,
                 sense: str) -> tuple[list[tuple[int, int]], int]:
    """Scale Σ c·x ≤ (≥) b to integers; inexact coefficients round so that every integer
    solution of the scaled row satisfies the original one (all variables are ≥ 0)."""
    S = CPSAT_RESOLUTION
    coefs = []
    for v, c in terms:
        scaled = c * S
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, abs(scaled)):
            coefs.append((v, round(scaled)))
        else:
            coefs.append((v, math.ceil(scaled) if sense == "le" else math.floor(scaled)))
    rhs_scaled = bound * S
    if abs(rhs_scaled - round(rhs_scaled)) < 1e-6 * max(1.0, abs(rhs_scaled)):
        rhs = round(rhs_scaled)
    else:
        rhs = math.floor(rhs_scaled) if sense == "le" else math.ceil(rhs_scaled)
    return coefs, rhs


class _CpsatProgress:
    def __new__(cls, progress: Progress):  # noqa: ANN204
        from ortools.sat.python import cp_model

        class Callback(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                progress(self.objective_value)

        return Callback()


BACKENDS: dict[str, Callable[..., BackendResult]] = {
    "highs": solve_highs,
    "cbc": solve_cbc,
    "cpsat": solve_cpsat,
}
