"""The small seam between the planning rules and the solvers.

Rules write a `LinearModel`: variables are plain ints, rows are (name, terms, lo, hi) with
structured names such as `garrison_floor[SEV|w3]`, and the objective is a map var → coef
to maximise. Backends (`planner.milp.backends`) translate it once, in linear time, to HiGHS,
CBC (through PuLP) or CP-SAT. No rule imports a solver.

Auxiliary variables carry a `define` function that computes their value from the values
of the variables created before them, so any plan (the staff heuristic's) becomes a
complete warm start with no second copy of the rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

INF = math.inf
Terms = Iterable[tuple[int, float]]
Definition = Callable[[list[float]], float]


@dataclass
class LinearModel:
    """A mixed-integer linear model to maximise, with structured names."""

    names: list[str] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    definitions: list[Definition | None] = field(default_factory=list)
    objective: dict[int, float] = field(default_factory=dict)
    row_names: list[str] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    row_start: list[int] = field(default_factory=lambda: [0])
    row_index: list[int] = field(default_factory=list)
    row_value: list[float] = field(default_factory=list)
    impossible_rows: list[str] = field(default_factory=list)
    """Rows with no variables that cannot hold (a pin nothing can satisfy): infeasible."""

    @property
    def num_vars(self) -> int:
        return len(self.names)

    @property
    def num_rows(self) -> int:
        return len(self.row_names)

    def var(self, name: str, lower: float = 0.0, upper: float = 1.0, *, integer: bool = True,
            objective: float = 0.0, define: Definition | None = None) -> int:
        """Add a variable; `define` computes its value from earlier ones (warm starts)."""
        index = len(self.names)
        self.names.append(name)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        self.definitions.append(define)
        if objective:
            self.objective[index] = objective
        return index

    def add_objective(self, var: int, coef: float) -> None:
        if coef:
            self.objective[var] = self.objective.get(var, 0.0) + coef

    def row(self, name: str, terms: Terms, lower: float = -INF, upper: float = INF) -> int | None:
        """Add lower ≤ Σ coef·var ≤ upper; duplicate vars are merged, empty rows checked."""
        merged: dict[int, float] = {}
        for var, coef in terms:
            merged[var] = merged.get(var, 0.0) + coef
        merged = {v: c for v, c in merged.items() if c != 0.0}
        if not merged:
            if lower > 1e-9 or upper < -1e-9:
                self.impossible_rows.append(name)
            return None
        self.row_names.append(name)
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        self.row_index.extend(merged)
        self.row_value.extend(merged.values())
        self.row_start.append(len(self.row_index))
        return len(self.row_names) - 1

    def row_terms(self, row: int) -> list[tuple[int, float]]:
        a, b = self.row_start[row], self.row_start[row + 1]
        return list(zip(self.row_index[a:b], self.row_value[a:b], strict=True))

    # ------------------------------------------------------------------ values
    def complete(self, primary: dict[int, float]) -> list[float]:
        """Every variable's value: primaries as given (others 0), auxiliaries by definition."""
        values = [0.0] * self.num_vars
        for var, value in primary.items():
            values[var] = value
        for var, define in enumerate(self.definitions):
            if define is not None:
                values[var] = define(values)
        return values

    def objective_value(self, values: list[float]) -> float:
        return math.fsum(coef * values[var] for var, coef in self.objective.items())

    def violated_rows(self, values: list[float], tol: float = 1e-6) -> list[str]:
        """Names of rows the values break (used to check warm starts and solutions)."""
        broken = []
        for r, name in enumerate(self.row_names):
            total = sum(values[v] * c for v, c in self.row_terms(r))
            if total < self.row_lower[r] - tol or total > self.row_upper[r] + tol:
                broken.append(name)
        for v, name in enumerate(self.names):
            if values[v] < self.lower[v] - tol or values[v] > self.upper[v] + tol:
                broken.append(name)
        return broken


def family(name: str) -> str:
    """`garrison_floor[SEV|w3]` → `garrison_floor`."""
    return name.split("[", 1)[0]
