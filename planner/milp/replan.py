"""The planning model with an executed past and a change penalty (re-planning,
docs/ranking-and-comparisons.md §10).

Build recipe, on top of `planner.milp.formulation`'s rules, in their order:
- **Named units.** Every ground unit is its own class (`ReplanFormulation`): the executed
  weeks and the change distance name units, and two identical companies that swapped
  hotspots are two changed unit-weeks.
- **Executed weeks as facts** (`fix_executed`, right after the decisions): every decision of
  a week before `from_week` is fixed to what was executed, and a decision the (updated)
  scenario no longer allows — a unit now unavailable, a hotspot now closed — is created for
  the executed record and fixed too. What was done was done.
- **Hard rules judged from `from_week` on** (`judged_rule`): the rows a hard rule writes for
  an executed week are left out (the evaluator reports what those weeks break instead).
  Every soft rule and metric still spans the whole horizon, so continuity across
  `from_week` is exact: an episode running into it keeps its length, a unit present in
  week from_week − 1 makes no road movement by staying.
- **Change penalty** (`change_penalty`): `change_penalty` points per ground unit-week from
  `from_week` on whose slot (`planner.domain.changes`) differs from the previous plan.

For every integer plan whose executed weeks are the executed plan's, the objective equals
the evaluator's score of the whole horizon minus the penalty times the changed unit-weeks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from models.plan import Plan
from planner.domain.changes import compared_units, ground_slots
from planner.milp.formulation import RULES, Formulation, UnitClass, _key, define_decisions
from planner.milp.linear import LinearModel

_WEEK = re.compile(r"^w(\d+)$")


@dataclass
class ReplanFormulation(Formulation):
    """The formulation with one class per ground unit and hard rules from `from_week` on."""

    from_week: int = 1

    def __post_init__(self) -> None:
        units = sorted(self.instance.ground_units, key=lambda u: u.id)
        self.classes = tuple(UnitClass(id=u.id, members=(u.id,), info=u) for u in units)
        self._class_by_id = {k.id: k for k in self.classes}


def row_week(name: str) -> int | None:
    """The week a structured row name ends with (`garrison_floor[SEV|w3]` → 3), or None
    for a row about no single week (`mission_once[P2]`)."""
    inside = name.split("[", 1)[1].rstrip("]") if "[" in name else ""
    parts = inside.split("|")
    match = _WEEK.match(parts[-1]) if len(parts) > 1 else None
    return int(match.group(1)) if match else None


def is_hard(rule: Callable[[Formulation], None]) -> bool:
    """A rule whose docstring opens with "Hard rule:" (every rule of RULES says which)."""
    return (rule.__doc__ or "").lstrip().startswith("Hard rule")


def judged_rule(f: ReplanFormulation, rule: Callable[[Formulation], None]) -> None:
    """Run a hard rule, then take back the rows (and impossible rows) it wrote for the
    executed weeks before `from_week`."""
    m = f.model
    first, impossible = m.num_rows, len(m.impossible_rows)
    rule(f)
    kept = [(m.row_names[r], m.row_terms(r), m.row_lower[r], m.row_upper[r])
            for r in range(first, m.num_rows) if _judged(f, m.row_names[r])]
    _truncate_rows(m, first)
    for name, terms, lower, upper in kept:
        m.row(name, terms, lower=lower, upper=upper)
    m.impossible_rows[impossible:] = [n for n in m.impossible_rows[impossible:]
                                      if _judged(f, n)]


def _judged(f: ReplanFormulation, name: str) -> bool:
    week = row_week(name)
    return week is None or week >= f.from_week


def _truncate_rows(m: LinearModel, rows: int) -> None:
    nonzeros = m.row_start[rows]
    del m.row_names[rows:], m.row_lower[rows:], m.row_upper[rows:]
    del m.row_start[rows + 1:], m.row_index[nonzeros:], m.row_value[nonzeros:]


def _fix(m: LinearModel, var: int, value: float) -> None:
    m.lower[var] = m.upper[var] = float(value)


def fix_executed(f: ReplanFormulation, executed: Plan) -> None:
    """Every decision of a week before `from_week` fixed to the executed plan: assignments,
    sorties, and the start of each civilian mission started before it (a mission not
    started by then can only start later). Records the scenario no longer allows get a
    fixed variable of their own."""
    m, t0 = f.model, f.from_week
    presence: dict[tuple[str, str, int], int] = defaultdict(int)
    escort: dict[tuple[str, str, int], int] = defaultdict(int)
    for a in executed.assignments:
        if a.week < t0 and a.unit in f._class_by_id:
            if a.task == "presence":
                presence[a.unit, a.hotspot, a.week] += 1
            elif a.mission in f.instance.missions:
                escort[a.unit, a.mission, a.week] += 1
    flown: dict[tuple[str, str, int], int] = defaultdict(int)
    for s in executed.sorties:
        if s.week < t0 and s.unit in f.instance.units:
            flown[s.unit, s.hotspot, s.week] += s.count
    for family, table, done in (("present", f.n, presence), ("escort", f.e, escort),
                                ("sorties", f.y, flown)):
        for key, var in table.items():
            if key[2] < t0:
                _fix(m, var, done.pop(key, 0))
        for key, count in sorted(done.items()):
            table[key] = m.var(f"{family}[{_key(*key)}]", count, count)
    _fix_missions(f, executed)
    f.index()


def _fix_missions(f: ReplanFormulation, executed: Plan) -> None:
    m, t0, inst = f.model, f.from_week, f.instance
    started = {}
    for ms in sorted(executed.missions, key=lambda x: x.start_week):
        if ms.start_week < t0 and ms.priority in inst.missions:
            started.setdefault(ms.priority, ms.start_week)
    for (mission, s), var in f.w.items():
        if mission in started:
            _fix(m, var, 1 if s == started[mission] else 0)
        elif s < t0:
            _fix(m, var, 0)
    for mission, s in sorted(started.items()):
        if (mission, s) not in f.w:
            weight = inst.missions[mission].weight
            value = f.weights.priorities * inst.policy.priority_value * weight
            f.w[mission, s] = m.var(f"mission_start[{_key(mission, s)}]", 1, 1, objective=value)
            f._w_of[mission].append(((mission, s), f.w[mission, s]))


def change_penalty(f: ReplanFormulation, previous: Plan, penalty: float) -> None:
    """Soft rule (re-planning): "changes against the previous plan for weeks ≥ t0 can carry
    a penalty per changed unit-week". changed[u,t] ≥ 1 − [u in its previous slot in t]:
    with the previous slot at h with task presence, changed + n[u,h,t] ≥ 1; with task
    escort, changed + Σ_{m at h} e[u,m,t] ≥ 1; at home, changed ≥ Σ of u's assignments in
    t. A unit no longer in the scenario is changed wherever it was. Each costs `penalty`."""
    inst, m = f.instance, f.model
    slots = ground_slots(previous)
    units = compared_units([k.id for k in f.classes], previous)
    for u in units:
        for t in range(f.from_week, inst.horizon_weeks + 1):
            before = slots.get((u, t))
            if u not in f._class_by_id:
                if before is not None:
                    m.var(f"changed[{_key(u, t)}]", 1, 1, integer=False, objective=-penalty,
                          define=lambda x: 1.0)
                continue
            same = _slot_terms(f, u, t, before)
            if before is None:
                # changed ≥ Σ assignments of u in t
                terms = [(v, -1.0) for v in same]
                lower, define = 0.0, _home_change(same)
            else:
                terms = [(v, 1.0) for v in same]
                lower, define = 1.0, _slot_change(same)
            var = m.var(f"changed[{_key(u, t)}]", 0, 1, integer=False, objective=-penalty,
                        define=define)
            m.row(f"change_count[{_key(u, t)}]", [(var, 1.0), *terms], lower=lower)


def _slot_terms(f: ReplanFormulation, u: str, t: int, slot: tuple[str, str] | None) -> list[int]:
    """The variables whose sum is 1 when u holds `slot` in t; at home (None): every
    assignment variable of u in t."""
    if slot is None:
        return [v for (k, _, tt), v in (*f.n.items(), *f.e.items()) if k == u and tt == t]
    h, task = slot
    if task == "presence":
        return [f.n[u, h, t]] if (u, h, t) in f.n else []
    return [f.e[u, mission, t] for mission in f._missions_at[h] if (u, mission, t) in f.e]


def _home_change(vs: list[int]) -> Callable[[list[float]], float]:
    return lambda x: min(1.0, sum(x[v] for v in vs))


def _slot_change(vs: list[int]) -> Callable[[list[float]], float]:
    return lambda x: max(0.0, 1.0 - sum(x[v] for v in vs))


def build_replan_formulation(instance, *, from_week: int, executed: Plan | None,  # noqa: ANN001
                             previous: Plan | None = None,
                             penalty: float = 0.0) -> ReplanFormulation:
    """The model of a re-plan: RULES in order, the executed weeks fixed right after the
    decisions, hard rules judged from `from_week` on, then the change penalty against
    `previous` (none when `previous` is None or `penalty` is 0)."""
    f = ReplanFormulation(instance, from_week=from_week)
    for rule in RULES:
        if is_hard(rule):
            judged_rule(f, rule)
        else:
            rule(f)
        if rule is define_decisions:
            fix_executed(f, executed or Plan())
    if previous is not None and penalty > 0:
        change_penalty(f, previous, penalty)
    return f
