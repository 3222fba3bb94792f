"""How a solve ended: one typed status for every backend, the orchestration and the
reports (the JSON `solver.status` is its value)."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """How a solve ended, whatever the backend."""

    OPTIMAL = "optimal"
    """The plan is proven optimal (within the solver's tolerance)."""
    FEASIBLE = "feasible"
    """A valid plan was found, not proven optimal (time limit, or no proof available)."""
    INFEASIBLE = "infeasible"
    """No plan satisfies the hard rules."""
    NO_SOLUTION = "no_solution"
    """No plan was found within the time limit."""
    ERROR = "error"
    """The solver failed; its message says how."""

    @property
    def proven(self) -> bool:
        """The solve ended on a proof (optimality or infeasibility)."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE)
