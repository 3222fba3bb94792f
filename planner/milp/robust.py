"""The exact robust counterpart of the planning model across threat assessments
(docs/evaluation-contract.md §9): one plan, priced under every assessment.

A plan's score is linear in the model's variables for a fixed threat table, so each
assessment a has its own objective vector c_a over one shared model:

- the model is built once on the *support* instance — its threat table is positive wherever
  any assessment's is, so it holds every auxiliary variable any assessment prices (a
  mitigation, vacuum, road-movement or engagement variable exists only where its risk is
  positive); hard rules, and so escort needs, stay those of `base`;
- c_a is read off the model built on assessment a's own instance, variable by structured
  name; a variable a does not price has coefficient 0 under a.

Every c_a has the same sign on each auxiliary variable (harm is a gain, exposures are
costs, under every threat table), so for fixed decisions one setting of the auxiliaries
is best for every assessment at once: the robust model is exact.

Objectives (all maximised; `RobustModel.value` turns the backend's objective into the
robust value, higher is better):
- `min`: τ ≤ c_a·x for every a, maximise τ — one auxiliary variable, one row per assessment;
- `mean`: maximise (1/|A|) Σ_a c_a·x;
- `regret`: r ≥ S_a − c_a·x for every a, minimise r, where S_a is the score of the best
  plan found for assessment a alone (its own solve, run first); robust value −r, written
  as the min objective on shifted rows: −r ≤ c_a·x − S_a, maximise −r.

τ and −r are written as offset + a with a ≥ 0 (every variable of the seam is
non-negative).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.domain.assessments import BASE, Pi, with_pi
from planner.domain.instance import Instance
from planner.milp.formulation import Formulation, build_formulation

ROBUST_OBJECTIVES = ("min", "mean", "regret")
"""The robust objectives of `pocplan plan --robust`."""


@dataclass
class RobustModel:
    """The shared model with its robust objective in place."""

    formulation: Formulation
    objective: str
    objectives: dict[str, dict[int, float]]
    """Assessment id → c_a over the shared model's variables."""
    offset: float = 0.0
    """Robust value = backend objective + offset."""
    aux: int | None = None
    """The auxiliary variable (min: τ − offset; regret: r − offset), None for mean."""

    def value(self, objective_value: float | None) -> float | None:
        """The robust value (higher is better) of a backend objective value or bound."""
        return None if objective_value is None else objective_value + self.offset


def support_table(instances: Mapping[str, Instance]) -> Pi:
    """A threat table positive wherever any assessment's is (the largest P×I)."""
    pi: Pi = {}
    for inst in instances.values():
        for key, value in inst.pi.items():
            if value > pi.get(key, 0):
                pi[key] = value
    return pi


def assessment_objectives(f: Formulation,
                          instances: Mapping[str, Instance]) -> dict[str, dict[int, float]]:
    """c_a for every assessment, over the variables of `f` (built on the support)."""
    index = {name: v for v, name in enumerate(f.model.names)}
    out: dict[str, dict[int, float]] = {}
    for a, inst in instances.items():
        own = build_formulation(inst).model
        c: dict[int, float] = {}
        for v, coef in sorted(own.objective.items()):
            shared = index.get(own.names[v])
            if shared is None:
                raise ValueError(f"assessment {a}: variable {own.names[v]} is missing from the "
                                 "support model (a pocplan bug: the support must hold every "
                                 "variable an assessment prices)")
            c[shared] = c.get(shared, 0.0) + coef
        out[a] = c
    return out


def _range(f: Formulation, c: Mapping[int, float]) -> tuple[float, float]:
    """Lowest and highest value c·x can take within the variables' bounds."""
    m = f.model
    lo = hi = 0.0
    for v, coef in c.items():
        ends = (coef * m.lower[v], coef * m.upper[v])
        lo += min(ends)
        hi += max(ends)
    return lo, hi


def _dot(c: Mapping[int, float], x: list[float]) -> float:
    total = 0.0
    for v, coef in sorted(c.items()):
        total += coef * x[v]
    return total


def robust_model(instances: Mapping[str, Instance], objective: str,
                 references: Mapping[str, float] | None = None) -> RobustModel:
    """The shared model of every assessment with the robust objective in place.
    `references` (assessment → S_a) are required for `regret`."""
    if objective not in ROBUST_OBJECTIVES:
        raise ValueError(f"unknown robust objective {objective!r}; choose one of "
                         f"{', '.join(ROBUST_OBJECTIVES)}")
    base = instances[BASE]
    f = build_formulation(with_pi(base, support_table(instances)))
    objectives = assessment_objectives(f, instances)
    m = f.model
    m.objective = {}
    if objective == "mean":
        for c in objectives.values():
            for v, coef in c.items():
                m.add_objective(v, coef / len(objectives))
        return RobustModel(f, objective, objectives)
    ranges = {a: _range(f, c) for a, c in objectives.items()}
    if objective == "min":
        offset = min(lo for lo, _ in ranges.values())
        top = min(hi for _, hi in ranges.values()) - offset
        aux = m.var("robust_min", 0.0, max(0.0, top), integer=False, objective=1.0,
                    define=lambda x: max(0.0, min(_dot(c, x) for c in objectives.values())
                                         - offset))
        for a, c in objectives.items():
            m.row(f"robust_min[{a}]", [*c.items(), (aux, -1.0)], lower=offset)
        return RobustModel(f, objective, objectives, offset, aux)
    if references is None or set(references) != set(objectives):
        raise ValueError("regret needs each assessment's own best score")
    # −regret = min_a (c_a·x − S_a): the min objective with each row shifted by S_a.
    offset = min(lo - references[a] for a, (lo, _) in ranges.items())
    top = min(hi - references[a] for a, (_, hi) in ranges.items()) - offset
    aux = m.var("robust_regret", 0.0, max(0.0, top), integer=False, objective=1.0,
                define=lambda x: max(0.0, min(_dot(c, x) - references[a]
                                              for a, c in objectives.items()) - offset))
    for a, c in objectives.items():
        m.row(f"robust_regret[{a}]", [*c.items(), (aux, -1.0)], lower=offset + references[a])
    return RobustModel(f, objective, objectives, offset, aux)
