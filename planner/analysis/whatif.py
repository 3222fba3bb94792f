"""What-if analysis for sector commanders (docs/rules.md, issue 7).

A what-if is a list of typed changes to a validated scenario: add or remove a unit,
change a base's garrison floor, pin a unit (require or forbid), change a score weight or
a policy value. The pipeline reads top to bottom:

1. `parse_changes`: the command-line strings into change objects; malformed syntax is
   refused with every problem at once (`ChangeSyntaxError`).
2. `apply_changes`: the changes applied to the scenario (`model_copy(update=…)` with every
   new piece validated), then the loader's cross checks (`planner.inputs.checks`) re-run on the
   result, so an unknown id, a window outside the horizon or an impossible pin is refused
   before anything is solved (`ChangeRefused`, every problem at once).
3. `compare`: the baseline and the variant solved with the same seed, each with half of
   the time limit, and what moved: every metric with its delta and the assignments that
   changed, by unit and runs of weeks.
4. `marginal_values`: "what is the next helicopter worth?" — one more unit of each kind at
   each base, and each existing unit taken away, each re-solved within a share of the
   budget.

Readings where the issue is silent (each repeated where it is applied):
- `--remove-unit` also drops the unit's commitments (a pin of a unit that is gone means
  nothing); the variant's description says so.
- Changes apply in this order whatever the command line's order: removals, additions,
  garrison floors, pins, weights, policy. So `--remove-unit INF-1 --add-unit INF-1:fpu@SEV`
  replaces a company by an FPU under the same id. A later value for the same base, weight
  or policy key wins.
- A variant whose baseline plan is still valid (only relaxations: more units, lower
  floors, …) is warm-started from it and never reported worse than it, so a time-limited
  solve cannot make adding a unit look harmful.
"""

from __future__ import annotations

import difflib
import math
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from models.base import UnitKind
from models.plan import Assignment, Plan, Sortie
from models.scenario import Commitment, Policy, Scenario, Unit, Weights
from planner.analysis.repair import repaired_for
from planner.analysis.replan import least_change
from planner.domain.instance import Instance
from planner.domain.intervals import Difference, difference
from planner.domain.text import weeks_phrase
from planner.inputs.checks import run_checks
from planner.inputs.loader import CheckContext, MarkIndex, Problem, Source
from planner.milp.status import SolveStatus
from planner.rules.evaluator import Evaluation, evaluate
from planner.search.executor import Executor, Task
from planner.search.pool import PlanPool
from planner.search.ranking import mission_changes
from planner.search.solve import SolveOptions, SolveResult, gap_of, solve

ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
"""Ids as docs/scenario-format.md allows them."""

METRIC_LABELS = {
    "harm_averted": "Harm averted", "priority_value": "Priority value",
    "retaliation_exposure": "Retaliation exposure", "vacuum_exposure": "Vacuum exposure",
    "ied_exposure": "IED exposure", "engagement_exposure": "Engagement exposure",
    "distinction_penalty": "Distinction penalty", "colocation_weeks": "Co-located unit-weeks",
    "baseline_risk": "Baseline risk", "unit_weeks": "Unit-weeks", "sorties": "Sorties",
    "attraction_exposure": "Attraction exposure", "resupply_exposure": "Resupply exposure",
    "reserve_value": "Reserve value",
}
"""The docs/output-contract.md metrics in order, as the side-by-side table names them."""

LOWER_IS_BETTER = frozenset({"retaliation_exposure", "vacuum_exposure", "ied_exposure",
                             "engagement_exposure", "distinction_penalty", "colocation_weeks"})
"""Metrics whose increase makes a plan worse (the exposures and the penalty)."""


# ====================================================================== change objects
@dataclass(frozen=True)
class AddUnit:
    """One more unit of a kind at a base, available the whole horizon."""

    id: str
    kind: str
    base: str
    raw: str = ""
    option = "--add-unit"

    def text(self) -> str:
        return f"adds {self.id} ({self.kind}) at {self.base}"

    def as_dict(self) -> dict[str, Any]:
        return {"change": "add_unit", "unit": self.id, "kind": self.kind, "base": self.base}


@dataclass(frozen=True)
class RemoveUnit:
    """A unit taken away, with its commitments."""

    id: str
    raw: str = ""
    option = "--remove-unit"

    def text(self) -> str:
        return f"removes {self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {"change": "remove_unit", "unit": self.id}


@dataclass(frozen=True)
class SetGarrison:
    """A base's min_garrison set to `count` ground units."""

    base: str
    count: int
    raw: str = ""
    option = "--garrison"

    def text(self) -> str:
        return f"sets {self.base}'s garrison floor to {self.count}"

    def as_dict(self) -> dict[str, Any]:
        return {"change": "garrison", "base": self.base, "min_garrison": self.count}


@dataclass(frozen=True)
class Pin:
    """A planner's commitment: `require` the unit at the hotspot in those weeks, or `forbid` it."""

    mode: Literal["require", "forbid"]
    unit: str
    hotspot: str
    weeks: tuple[int, int] | None
    """Inclusive window; None: the whole horizon."""
    raw: str = ""

    @property
    def option(self) -> str:
        return f"--{self.mode}"

    def text(self) -> str:
        span = "every week" if self.weeks is None else weeks_phrase(range(self.weeks[0],
                                                                        self.weeks[1] + 1))
        verb = "requires" if self.mode == "require" else "forbids"
        return f"{verb} {self.unit} at {self.hotspot} in {span}"

    def as_dict(self) -> dict[str, Any]:
        return {"change": self.mode, "unit": self.unit, "hotspot": self.hotspot,
                "weeks": list(self.weeks) if self.weeks else None}


@dataclass(frozen=True)
class SetWeight:
    """A weight of the score's terms (policy.weights)."""

    name: str
    value: float
    raw: str = ""
    option = "--weight"

    def text(self) -> str:
        return f"sets weight {self.name} to {self.value:g}"

    def as_dict(self) -> dict[str, Any]:
        return {"change": "weight", "name": self.name, "value": self.value}


@dataclass(frozen=True)
class SetPolicy:
    """A policy value; `mitigation_caps.<category>` sets one cap."""

    key: str
    value: Any
    raw: str = ""
    option = "--policy"

    def text(self) -> str:
        return f"sets policy {self.key} to {self.value}"

    def as_dict(self) -> dict[str, Any]:
        return {"change": "policy", "key": self.key, "value": self.value}


Change = AddUnit | RemoveUnit | SetGarrison | Pin | SetWeight | SetPolicy
APPLY_ORDER = (RemoveUnit, AddUnit, SetGarrison, Pin, SetWeight, SetPolicy)
"""Changes apply in this order, whatever the command line's (module docstring)."""


def change_label(change: Change) -> str:
    """How the user wrote the change: `--add-unit 'HEL-2:attack_helicopter@SEV'`."""
    return f"{change.option} '{change.raw or _raw_of(change)}'"


def change_document(change: Change) -> dict[str, Any]:
    """The change as JSON `changes[]`: what it is, as written, and in a sentence."""
    return change.as_dict() | {"option": change.option, "value": change.raw or _raw_of(change),
                               "text": change.text()}


def _raw_of(change: Change) -> str:
    if isinstance(change, AddUnit):
        return f"{change.id}:{change.kind}@{change.base}"
    if isinstance(change, RemoveUnit):
        return change.id
    if isinstance(change, SetGarrison):
        return f"{change.base}={change.count}"
    if isinstance(change, Pin):
        window = "" if change.weeks is None else f":{change.weeks[0]}-{change.weeks[1]}"
        return f"{change.unit}@{change.hotspot}{window}"
    if isinstance(change, SetWeight):
        return f"{change.name}={change.value:g}"
    return f"{change.key}={change.value}"


# ====================================================================== 1. parsing
class ChangeSyntaxError(ValueError):
    """Changes written wrongly on the command line; `problems` has one line per mistake."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class ChangeRefused(ValueError):
    """Changes that do not make sense for this scenario; `problems` has one line each."""

    def __init__(self, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


_ADD = re.compile(r"^(?P<id>[^:@]+):(?P<kind>[^:@]+)@(?P<base>[^:@]+)$")
_PIN = re.compile(r"^(?P<unit>[^@:]+)@(?P<hotspot>[^@:]+)"
                  r"(?::(?P<a>[0-9]+)(?:-(?P<b>[0-9]+))?)?$")
_ASSIGN = re.compile(r"^(?P<key>[^=]+)=(?P<value>.*)$")
_SYNTAX = {
    "--add-unit": "ID:KIND@BASE, e.g. HEL-2:attack_helicopter@SEV",
    "--remove-unit": "a unit id, e.g. INF-1",
    "--garrison": "BASE=N, e.g. SEV=2",
    "--require": "UNIT@HOTSPOT:A-B, e.g. QRF-1@KORO:1-4",
    "--forbid": "UNIT@HOTSPOT:A-B, e.g. QRF-1@KORO:1-4",
    "--weight": "NAME=VALUE, e.g. harm=2",
    "--policy": "KEY=VALUE, e.g. min_stay_weeks=2",
}


def parse_changes(*, add_units: Sequence[str] = (), remove_units: Sequence[str] = (),
                  garrisons: Sequence[str] = (), requires: Sequence[str] = (),
                  forbids: Sequence[str] = (), weights: Sequence[str] = (),
                  policies: Sequence[str] = ()) -> list[Change]:
    """Typed changes from the command-line strings, in application order; raises
    ChangeSyntaxError naming every malformed one."""
    changes: list[Change] = []
    problems: list[str] = []
    groups: tuple[tuple[str, Sequence[str], Callable[[str, str], Change]], ...] = (
        ("--remove-unit", remove_units, _parse_remove), ("--add-unit", add_units, _parse_add),
        ("--garrison", garrisons, _parse_garrison), ("--require", requires, _parse_pin),
        ("--forbid", forbids, _parse_pin), ("--weight", weights, _parse_weight),
        ("--policy", policies, _parse_policy))
    for option, values, parse in groups:
        for raw in values:
            try:
                changes.append(parse(option, raw.strip()))
            except _Malformed as exc:
                problems.append(f"{option} '{raw}': {exc}")
    if problems:
        raise ChangeSyntaxError(problems)
    return changes


class _Malformed(ValueError):
    pass


def _expected(option: str) -> _Malformed:
    return _Malformed(f"expected {_SYNTAX[option]}")


def _check_id(value: str, what: str) -> str:
    if not ID_PATTERN.match(value):
        raise _Malformed(f"{what} '{value}' may use only letters, digits, '_', '.' and '-'")
    return value


def _parse_add(option: str, raw: str) -> AddUnit:
    match = _ADD.match(raw)
    if not match:
        raise _expected(option)
    return AddUnit(id=_check_id(match["id"].strip(), "unit id"), kind=match["kind"].strip(),
                   base=match["base"].strip(), raw=raw)


def _parse_remove(option: str, raw: str) -> RemoveUnit:
    if not raw:
        raise _expected(option)
    return RemoveUnit(id=_check_id(raw, "unit id"), raw=raw)


def _parse_garrison(option: str, raw: str) -> SetGarrison:
    match = _ASSIGN.match(raw)
    if not match or not match["key"].strip():
        raise _expected(option)
    count = match["value"].strip()
    if not count.isdigit():
        raise _Malformed(f"the garrison floor must be a whole number of units ≥ 0, not "
                         f"'{count}'")
    return SetGarrison(base=match["key"].strip(), count=int(count), raw=raw)


def _parse_pin(option: str, raw: str) -> Pin:
    match = _PIN.match(raw)
    if not match:
        raise _expected(option)
    weeks = None
    if match["a"] is not None:
        a = int(match["a"])
        b = int(match["b"]) if match["b"] is not None else a
        if min(a, b) < 1:
            raise _Malformed("weeks start at 1")
        weeks = (a, b)
    mode: Literal["require", "forbid"] = "require" if option == "--require" else "forbid"
    return Pin(mode=mode, unit=match["unit"].strip(), hotspot=match["hotspot"].strip(),
               weeks=weeks, raw=raw)


def _parse_weight(option: str, raw: str) -> SetWeight:
    match = _ASSIGN.match(raw)
    if not match or not match["key"].strip():
        raise _expected(option)
    text = match["value"].strip()
    try:
        value = float(text)
    except ValueError:
        raise _Malformed(f"the weight must be a number, not '{text}'") from None
    if not math.isfinite(value):
        raise _Malformed(f"the weight must be a finite number, not '{text}'")
    return SetWeight(name=match["key"].strip(), value=value, raw=raw)


def _parse_policy(option: str, raw: str) -> SetPolicy:
    match = _ASSIGN.match(raw)
    if not match or not match["key"].strip() or not match["value"].strip():
        raise _expected(option)
    text = match["value"].strip()
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    if isinstance(value, (dict, list)) or value is None:
        raise _Malformed(f"the value must be a single number or word, not '{text}'")
    return SetPolicy(key=match["key"].strip(), value=value, raw=raw)


# ====================================================================== 2. applying
@dataclass(frozen=True)
class Variant:
    """The scenario as changed, and what applying the changes did besides."""

    scenario: Scenario
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    """Side effects and new warnings (dropped pins, a hotspot no longer reachable, …)."""


def apply_changes(scenario: Scenario, changes: Sequence[Change]) -> Variant:
    """The scenario with `changes` applied and cross-checked; raises ChangeRefused naming
    every change that does not make sense (unknown unit, base, kind, hotspot, weight or
    policy key; a window outside the horizon; a pin the hard rules make impossible)."""
    ordered = sorted(changes, key=lambda c: APPLY_ORDER.index(type(c)))
    editor = _Editor(scenario)
    for change in ordered:
        editor.apply(change)
    if editor.problems:
        raise ChangeRefused(editor.problems)
    changed = editor.result()
    problems, warnings = _cross_check(scenario, changed, ordered)
    if problems:
        raise ChangeRefused(problems)
    return Variant(changed, tuple(ordered), tuple(editor.notes + warnings))


def _choices(value: str, names: Iterable[str], noun: str) -> str:
    listed = list(dict.fromkeys(names))
    close = difflib.get_close_matches(value, listed, n=1, cutoff=0.6)
    shown = ", ".join(listed[:12]) + (", ..." if len(listed) > 12 else "")
    return (f"did you mean '{close[0]}'? The" if close else "the") + f" {noun} are: {shown}"


class _Editor:
    """Applies changes one by one to plain lists, collecting every problem."""

    def __init__(self, scenario: Scenario):
        self.original = scenario
        self.units = list(scenario.units)
        self.bases = list(scenario.bases)
        self.commitments = list(scenario.commitments)
        self.policy: dict[str, Any] = scenario.policy.model_dump()
        self.hotspots = [h.id for h in scenario.hotspots]
        self.removed: set[str] = set()
        self.problems: list[str] = []
        self.notes: list[str] = []

    @property
    def horizon(self) -> int:
        return self.original.horizon.weeks

    def refuse(self, change: Change, message: str, fix: str) -> None:
        self.problems.append(f"{change_label(change)}: {message}. Fix: {fix}")

    def unit_ids(self) -> list[str]:
        return [u.id for u in self.units]

    def apply(self, change: Change) -> None:
        handler = {RemoveUnit: self.remove_unit, AddUnit: self.add_unit,
                   SetGarrison: self.garrison, Pin: self.pin, SetWeight: self.weight,
                   SetPolicy: self.set_policy}[type(change)]
        handler(change)

    def remove_unit(self, change: RemoveUnit) -> None:
        if change.id not in self.unit_ids():
            self.refuse(change, f"unknown unit '{change.id}'",
                        _choices(change.id, self.unit_ids(), "units"))
            return
        self.units = [u for u in self.units if u.id != change.id]
        self.removed.add(change.id)
        dropped = [c for c in self.commitments if c.unit == change.id]
        if dropped:
            self.commitments = [c for c in self.commitments if c.unit != change.id]
            self.notes.append(f"removing {change.id} also drops its "
                              f"{len(dropped)} commitment(s)")

    def add_unit(self, change: AddUnit) -> None:
        kinds = [k.value for k in UnitKind]
        bases = [b.id for b in self.bases]
        ok = True
        if change.kind not in kinds:
            self.refuse(change, f"unknown kind '{change.kind}'",
                        _choices(change.kind, kinds, "kinds"))
            ok = False
        if change.base not in bases:
            self.refuse(change, f"unknown base '{change.base}'",
                        _choices(change.base, bases, "bases"))
            ok = False
        if change.id in self.unit_ids():
            self.refuse(change, f"unit id '{change.id}' is already used",
                        f"choose a new id, or add --remove-unit {change.id} to replace it")
            ok = False
        if ok:
            self.units.append(Unit(id=change.id, kind=UnitKind(change.kind), base=change.base))

    def garrison(self, change: SetGarrison) -> None:
        bases = [b.id for b in self.bases]
        if change.base not in bases:
            self.refuse(change, f"unknown base '{change.base}'",
                        _choices(change.base, bases, "bases"))
            return
        self.bases = [b.model_copy(update={"min_garrison": change.count})
                      if b.id == change.base else b for b in self.bases]

    def pin(self, change: Pin) -> None:
        ok = True
        if change.unit not in self.unit_ids():
            fix = (f"it is removed by --remove-unit {change.unit}; drop one of the two"
                   if change.unit in self.removed
                   else _choices(change.unit, self.unit_ids(), "units"))
            self.refuse(change, f"unknown unit '{change.unit}'", fix)
            ok = False
        if change.hotspot not in self.hotspots:
            self.refuse(change, f"unknown hotspot '{change.hotspot}'",
                        _choices(change.hotspot, self.hotspots, "hotspots"))
            ok = False
        if change.weeks is not None:
            a, b = change.weeks
            if a > b:
                self.refuse(change, f"window {a}-{b} runs backwards: its first week comes "
                            "after its last", f"write {b}-{a}")
                ok = False
            elif b > self.horizon:
                self.refuse(change, f"window {a}-{b} ends after the horizon's last week "
                            f"({self.horizon})", f"end it by week {self.horizon}")
                ok = False
        if ok:
            self.commitments.append(Commitment(unit=change.unit, hotspot=change.hotspot,
                                               weeks=change.weeks, mode=change.mode))

    def weight(self, change: SetWeight) -> None:
        names = list(Weights.model_fields)
        if change.name not in names:
            self.refuse(change, f"unknown weight '{change.name}'",
                        _choices(change.name, names, "weights"))
            return
        if change.value < 0:
            self.refuse(change, f"weight {change.name} is {change.value:g}, below 0",
                        "weights are ≥ 0")
            return
        self.policy["weights"] = self.policy["weights"] | {change.name: change.value}

    def set_policy(self, change: SetPolicy) -> None:
        key, _, sub = change.key.partition(".")
        keys = list(Policy.model_fields)
        if key not in keys:
            self.refuse(change, f"unknown policy key '{key}'", _choices(key, keys, "keys"))
            return
        if key in ("weights", "mitigation_caps") and not sub:
            self.refuse(change, f"{key} is a map", f"set one entry: {key}.NAME=VALUE"
                        + (" (or --weight NAME=VALUE)" if key == "weights" else ""))
            return
        if sub and key not in ("weights", "mitigation_caps", "small_post"):   # v2: small_post
            self.refuse(change, f"policy key '{key}' has no entries", f"write {key}=VALUE")
            return
        if key == "weights":
            if isinstance(change.value, bool) or not isinstance(change.value, (int, float)):
                self.refuse(change, f"the weight must be a number, not '{change.value}'",
                            f"write {change.key}=NUMBER")
                return
            self.weight(SetWeight(sub, float(change.value), raw=change.raw))
            return
        update = {key: change.value} if not sub else \
            {key: self.policy[key] | {sub: change.value}}
        try:
            Policy.model_validate(self.policy | update)
        except ValidationError as exc:
            for error in exc.errors():
                self.refuse(change, _pydantic_message(error), "see docs/scenario-format.md for the "
                            "policy keys and their ranges")
            return
        self.policy |= update

    def result(self) -> Scenario:
        return self.original.model_copy(update={
            "units": self.units, "bases": self.bases, "commitments": self.commitments,
            "policy": Policy.model_validate(self.policy)})


def _pydantic_message(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()))
    message = str(error.get("msg", "invalid value"))
    message = message[0].lower() + message[1:] if message else message
    return f"{where}: {message}" if where else message


def _cross_check(original: Scenario, changed: Scenario,
                 changes: Sequence[Change]) -> tuple[list[str], list[str]]:
    """The loader's cross checks on the changed scenario: (errors, new warnings), each a
    line naming the change it comes from where one can be told."""
    before = {(p.where, p.message) for p in _checks(original)}
    errors, warnings = [], []
    for p in _checks(changed):
        if p.severity == "warning" and (p.where, p.message) in before:
            continue
        line = f"{_origin(p, changes)}: {p.message.rstrip('.')}"
        if p.severity == "error":
            errors.append(line + (f". Fix: {p.fix}" if p.fix else ""))
        else:
            warnings.append(line)
    return errors, warnings


def _checks(scenario: Scenario) -> list[Problem]:
    data = scenario.model_dump(mode="json")
    source = Source(Path("what-if"), "what-if", "", data, MarkIndex())
    ctx = CheckContext(scenario, source, [(source, i) for i in range(len(scenario.priorities))])
    return run_checks(ctx)


def _origin(problem: Problem, changes: Sequence[Change]) -> str:
    """The change a cross-check problem comes from, by the ids it names."""
    for change in reversed(changes):
        named = {getattr(change, key, None) for key in ("id", "unit", "base", "hotspot")}
        if problem.id is not None and problem.id in named:
            return change_label(change)
    return "the changed scenario: " + problem.where


# ====================================================================== 3. comparing
@dataclass(frozen=True)
class MetricDelta:
    name: str
    label: str
    baseline: float | None
    variant: float | None

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.variant is None:
            return None
        return self.variant - self.baseline

    @property
    def better(self) -> bool | None:
        """Whether the change improves the plan on this line (None: no change or unknown)."""
        d = self.delta
        if d is None or abs(d) < 1e-9 or self.name in ("baseline_risk", "unit_weeks",
                                                        "sorties"):
            return None
        return (d < 0) if self.name in LOWER_IS_BETTER else (d > 0)


@dataclass(frozen=True)
class MovedAssignment:
    """One unit's change over a run of consecutive weeks: where it was, where it is."""

    unit: str
    weeks: tuple[int, ...]
    baseline: str | None
    """`KORO`, `escort P2 at BANKASS`, `3 sorties to KORO`, or None (home / not flying)."""
    variant: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "weeks": [self.weeks[0], self.weeks[-1]],
                "baseline": self.baseline, "variant": self.variant}


@dataclass(frozen=True)
class Comparison:
    """The baseline and the variant solved alike, and what moved between them."""

    baseline_instance: Instance
    variant_instance: Instance
    variant: Variant
    baseline: SolveResult
    result: SolveResult
    """The variant's solve."""
    deltas: tuple[MetricDelta, ...]
    moved: tuple[MovedAssignment, ...]
    mission_moves: tuple[str, ...]
    notes: tuple[str, ...] = ()
    least_change: Any = None
    """With a change penalty: the variant's `planner.analysis.replan.ReplanResult` (its
    changed unit-weeks against the baseline plan, each with its reason)."""
    delta: Difference | None = None
    """Variant score − baseline score with the interval the two solves' bounds prove
    (docs/ranking-and-comparisons.md §11); None when either has no plan."""

    @property
    def moved_unit_weeks(self) -> int:
        """How many unit-weeks of assignments or sorties changed."""
        return sum(len(m.weeks) for m in self.moved)


KEPT_BASELINE = ("the variant's re-solve stopped below the baseline plan carried over to "
                 "the changes (still valid with them): that plan is kept")


def solve_within(instance: Instance, options: SolveOptions,
                 floor_plan: Plan | None = None, pool: PlanPool | None = None) -> SolveResult:
    """`solve`, warm-started from `floor_plan` when it is valid here, and never returning
    worse than it: a time-limited solve seeded with a valid plan keeps at least its score."""
    floor_eval = evaluate(instance, floor_plan) if floor_plan is not None else None
    if floor_eval is None or not floor_eval.valid:
        return solve(instance, options, pool=pool)
    if pool is not None:
        pool.offer(floor_plan, "baseline carried over", floor_eval)
    result = solve(instance, options, warm_start=floor_plan, pool=pool)
    if result.evaluation is None or result.evaluation.score < floor_eval.score - 1e-9:
        return replace(result, plan=floor_plan, evaluation=floor_eval, status=SolveStatus.FEASIBLE,
                       from_heuristic=False, kept_start=True, message=KEPT_BASELINE)
    return result


def compare(scenario: Scenario, variant: Variant, options: SolveOptions,
            baseline: SolveResult | None = None, change_penalty: float = 0.0) -> Comparison:
    """Solve the scenario as given and as changed with the same seed, each within half the
    time limit (the whole limit for the variant when `baseline` is given), and compare.
    With `change_penalty` > 0 the variant is solved for least change against the baseline
    plan (`planner.analysis.replan.least_change`): each unit-week that differs costs that
    many points, so it shows what the change forces rather than a reshuffled plan."""
    started = time.perf_counter()
    base_instance = Instance.build(scenario)
    var_instance = Instance.build(variant.scenario)
    base_pool, var_pool = PlanPool(base_instance), PlanPool(var_instance)
    if baseline is None:
        baseline = solve(base_instance, replace(options, time_limit=options.time_limit / 2),
                         pool=base_pool)
    base_pool.offer(baseline.plan, "baseline", bound=baseline.bound)
    left = max(0.1, options.time_limit - (time.perf_counter() - started))
    seed = variant_seed(var_instance, baseline.plan, variant.changes)
    least = None
    if change_penalty > 0 and baseline.plan is not None:
        result, least = least_change(var_instance, base_instance, baseline.plan, change_penalty,
                                     replace(options, time_limit=left),
                                     starts=(seed,) if seed is not None else ())
        var_pool.offer(result.plan, "least change")
    else:
        result = solve_within(var_instance, replace(options, time_limit=left), seed, var_pool)
        # One pool per instance: a plan valid under both counts for both. (A least-change
        # variant keeps its own plan: the best of the pool would ignore the penalty.)
        base_pool.offer(result.plan, "variant")
        var_pool.offer(baseline.plan, "baseline")
        result = pool_best(result, var_pool)
    baseline = pool_best(baseline, base_pool)
    notes = [KEPT_BASELINE] if result.kept_start else []
    return Comparison(
        base_instance, var_instance, variant, baseline, result,
        metric_deltas(baseline.evaluation, result.evaluation),
        moved_assignments(base_instance, var_instance, baseline.plan, result.plan),
        mission_moves(baseline.plan, result.plan), tuple(notes),
        delta=solve_difference(result, baseline), least_change=least)


def pool_best(result: SolveResult, pool: PlanPool) -> SolveResult:
    """`result` with the best plan of its instance's pool when that scores higher (its
    bound still holds: it bounds every plan of the instance)."""
    best = pool.best()
    if best is None or (result.evaluation is not None
                        and best.score <= result.evaluation.score + 1e-9):
        return result
    return replace(result, plan=best.plan, evaluation=best.evaluation,
                   status=SolveStatus.FEASIBLE, gap=gap_of(result.bound, best.score),
                   kept_start=False, message=f"best plan of the run's pool ({best.source})")


def solve_difference(a: SolveResult, b: SolveResult) -> Difference | None:
    """a − b with its proven interval; None when either solve has no plan."""
    if a.score is None or b.score is None:
        return None
    return difference(a.score, _bound(a), b.score, _bound(b))


def _bound(result: SolveResult) -> float | None:
    if result.status == SolveStatus.OPTIMAL:
        return result.score
    return result.bound


def variant_seed(instance: Instance, plan: Plan | None,
                 changes: Sequence[Change]) -> Plan | None:
    """The baseline plan carried over to the variant as a warm start: removed units taken
    out (`without_unit`), added ones put to their best single use (`with_new_unit`); what
    the other changes break is mended (`planner.analysis.repair`), so the re-solve starts
    from the baseline and moves only what the change forces."""
    for change in changes:
        if plan is None:
            return None
        if isinstance(change, RemoveUnit):
            plan = without_unit(instance, plan, change.id)
        elif isinstance(change, AddUnit):
            plan = with_new_unit(instance, plan, change.id)
    # Floors, pins and policy: mend what the change breaks, keep the rest as it was.
    return repaired_for(instance, plan) or plan


def metric_deltas(baseline: Evaluation | None,
                  variant: Evaluation | None) -> tuple[MetricDelta, ...]:
    """Score first, then every docs/output-contract.md metric, with the variant's value minus the
    baseline's."""
    b = baseline.metrics.as_dict() if baseline else {}
    v = variant.metrics.as_dict() if variant else {}
    rows = [MetricDelta("score", "Score", baseline.score if baseline else None,
                        variant.score if variant else None)]
    rows += [MetricDelta(name, label, b.get(name), v.get(name))
             for name, label in METRIC_LABELS.items()]
    return tuple(rows)


def _activity(instance: Instance, plan: Plan | None) -> dict[str, dict[int, str]]:
    """unit → week → what it does: a ground unit's hotspot or escort, an air unit's sorties."""
    out: dict[str, dict[int, str]] = defaultdict(dict)
    if plan is None:
        return out
    for a in plan.assignments:
        out[a.unit][a.week] = a.hotspot if a.task == "presence" else \
            f"escort {a.mission} at {a.hotspot}"
    flights: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in plan.sorties:
        flights[s.unit, s.week][s.hotspot] += s.count
    for (unit, week), by_hotspot in flights.items():
        out[unit][week] = ", ".join(f"{n}× {h}" for h, n in sorted(by_hotspot.items()))
    return out


def moved_assignments(base_instance: Instance, var_instance: Instance, baseline: Plan | None,
                      variant: Plan | None) -> tuple[MovedAssignment, ...]:
    """Every unit whose activity differs, by maximal runs of weeks with the same change."""
    was, now = _activity(base_instance, baseline), _activity(var_instance, variant)
    order = list(dict.fromkeys([u.id for u in base_instance.scenario.units]
                               + [u.id for u in var_instance.scenario.units]))
    moved = []
    for unit in order:
        run: list[int] = []
        key: tuple[str | None, str | None] | None = None
        for t in base_instance.weeks:
            pair = (was.get(unit, {}).get(t), now.get(unit, {}).get(t))
            if pair[0] == pair[1] or pair != key:
                if run and key is not None:
                    moved.append(MovedAssignment(unit, tuple(run), *key))
                run, key = [], None
            if pair[0] != pair[1]:
                run.append(t)
                key = pair
        if run and key is not None:
            moved.append(MovedAssignment(unit, tuple(run), *key))
    return tuple(moved)


def mission_moves(baseline: Plan | None, variant: Plan | None) -> tuple[str, ...]:
    out = []
    for p, old, new in mission_changes(baseline, variant):
        if new is None:
            out.append(f"drops mission {p} (week {old})")
        elif old is None:
            out.append(f"schedules mission {p} in week {new}")
        else:
            out.append(f"moves mission {p} to week {new} (from {old})")
    return tuple(out)


# ====================================================================== 4. marginal values
@dataclass(frozen=True)
class MarginalValue:
    """What one more unit (add) or one unit fewer (remove) is worth, in score points."""

    change: AddUnit | RemoveUnit
    value: float | None
    """Score gained by the addition, or lost by the removal; ≥ 0; None when not solved."""
    delta: float | None
    """Variant score − baseline score, as found (before clamping)."""
    status: str
    hit_limit: bool
    """The re-solve stopped at its time limit: the value is not proven."""
    seconds: float
    note: str = ""
    interval: Difference | None = None
    """The value with the interval the baseline's and the re-solve's bounds prove (§11):
    decided when it excludes 0. None when not solved."""
    variant: SolveResult | None = field(default=None, repr=False, compare=False)
    variant_instance: Instance | None = field(default=None, repr=False, compare=False)

    @property
    def decided(self) -> bool:
        return self.interval is not None and self.interval.decided

    @property
    def label(self) -> str:
        if isinstance(self.change, AddUnit):
            return f"+1 {self.change.kind} at {self.change.base}"
        return f"without {self.change.id}"

    def as_dict(self) -> dict[str, Any]:
        return {"change": change_document(self.change), "label": self.label,
                "value": self.value, "delta": self.delta, "status": self.status,
                "hit_limit": self.hit_limit, "seconds": round(self.seconds, 3),
                "note": self.note or None,
                "interval": self.interval.as_dict() if self.interval is not None else None}


@dataclass(frozen=True)
class MarginalReport:
    baseline: SolveResult
    values: tuple[MarginalValue, ...]
    """Additions ranked by value, highest first, then removals likewise (unsolved last)."""
    seconds: float


def marginal_changes(scenario: Scenario) -> list[AddUnit | RemoveUnit]:
    """One more unit of every kind at every base, then every existing unit taken away."""
    used = {u.id for u in scenario.units}
    adds: list[AddUnit | RemoveUnit] = []
    for base in scenario.bases:
        for kind in UnitKind:
            ident = _fresh_id(f"NEW.{kind.value}.{base.id}", used)
            used.add(ident)
            adds.append(AddUnit(id=ident, kind=kind.value, base=base.id))
    return adds + [RemoveUnit(id=u.id) for u in scenario.units]


def _fresh_id(stem: str, used: set[str]) -> str:
    stem = stem[:60]
    ident, n = stem, 2
    while ident in used:
        ident, n = f"{stem}-{n}", n + 1
    return ident


def marginal_values(scenario: Scenario, options: SolveOptions, *,
                    on_start: Callable[[str, int, int], None] | None = None,
                    on_done: Callable[[MarginalValue], None] | None = None,
                    executor: Executor | None = None) -> MarginalReport:
    """The baseline, then each marginal change re-solved within an even share of what is
    left of the budget (the baseline gets the larger of a fair share and a fifth). Each
    addition is warm-started from the baseline plan, which stays valid with one more unit,
    so its value is never negative; a removal's value is clamped at 0 when a time-limited
    baseline was beaten without the unit (noted).

    With an `executor` (planner.search.executor) the re-solves are its tasks: each gets the
    same fixed share, whatever the number of workers, so the values do not depend on where
    they ran; more workers only finish sooner."""
    started = time.perf_counter()
    changes = marginal_changes(scenario)
    n = len(changes)
    base_instance = Instance.build(scenario)
    if on_start:
        on_start("baseline", 0, n)
    baseline_share = max(options.time_limit / (n + 1), options.time_limit / 5)
    pool = PlanPool(base_instance)
    baseline = solve(base_instance, replace(options, time_limit=baseline_share), pool=pool)
    values = []
    if executor is not None:
        values = _marginals_on(executor, scenario, baseline, changes, options, started,
                               on_start, on_done)
        for value in values:
            if value.variant is not None:
                pool.offer(value.variant.plan, f"marginal {value.label}")
    for i, change in enumerate(changes if executor is None else [], start=1):
        if on_start:
            on_start(_marginal_label(change), i, n)
        left = options.time_limit - (time.perf_counter() - started)
        share = max(0.1, left / (n - i + 1))
        value = _one_marginal(scenario, baseline, change, replace(options, time_limit=share))
        if value.variant is not None:
            pool.offer(value.variant.plan, f"marginal {value.label}")
        values.append(value)
        if on_done:
            on_done(value)
    # The baseline is the best plan the whole batch found for it; every value is then
    # measured against that one baseline, with its interval, and only decided values ranked.
    baseline = pool_best(baseline, pool)
    values = [against_baseline(v, baseline) for v in values]
    ranked = sorted(values, key=lambda v: (isinstance(v.change, RemoveUnit), not v.decided,
                                           v.value is None,
                                           -(v.value or 0.0) if v.decided else 0.0, v.label))
    return MarginalReport(baseline, tuple(ranked), time.perf_counter() - started)


def _marginals_on(executor: Executor, scenario: Scenario, baseline: SolveResult,
                  changes: Sequence[AddUnit | RemoveUnit], options: SolveOptions,
                  started: float, on_start: Callable[[str, int, int], None] | None,
                  on_done: Callable[[MarginalValue], None] | None) -> list[MarginalValue]:
    """Every marginal re-solve as one executor task with a fixed share of the budget."""
    n = len(changes)
    left = options.time_limit - (time.perf_counter() - started)
    share = replace(options, time_limit=max(0.1, left / max(1, n)), progress=None)
    if on_start:
        on_start(f"{n} change(s) on {executor.description}", 1, n)
    shipped = replace(baseline, phases={})  # timings hold a lock: they stay here
    tasks = [Task(f"marginal-{_marginal_label(c)}", _one_marginal, (scenario, shipped, c, share))
             for c in changes]
    return executor.run(tasks, on_done=(lambda i, v: on_done(v)) if on_done else None)
def against_baseline(v: MarginalValue, baseline: SolveResult) -> MarginalValue:
    """`v` measured against `baseline`: the variant keeps the baseline plan when it is
    valid there and scores higher (an addition leaves it valid), and the value gets its
    interval from both solves' bounds."""
    result, instance = v.variant, v.variant_instance
    if result is None or instance is None or result.evaluation is None \
            or baseline.evaluation is None or baseline.plan is None:
        return v
    carried = evaluate(instance, baseline.plan)
    if carried.valid and carried.score > result.evaluation.score + 1e-9:
        result = replace(result, plan=baseline.plan, evaluation=carried,
                         status=SolveStatus.FEASIBLE, gap=gap_of(result.bound, carried.score))
    adding = isinstance(v.change, AddUnit)
    interval = (solve_difference(result, baseline) if adding
                else solve_difference(baseline, result))
    assert interval is not None
    note = "re-solve stopped at its time limit: value not proven" if v.hit_limit else ""
    if interval.value < -1e-9:
        limited = "its re-solve" if adding else "the baseline solve"
        note = (f"found {interval.value:+.1f}, reported as 0: {limited} stopped at its time "
                "limit before the optimum")
    return replace(v, value=max(0.0, interval.value), delta=result.evaluation.score
                   - baseline.evaluation.score, interval=interval, variant=result, note=note)


def _marginal_label(change: AddUnit | RemoveUnit) -> str:
    return (f"+1 {change.kind} at {change.base}" if isinstance(change, AddUnit)
            else f"without {change.id}")


def _best_valid(instance: Instance, plans: Iterable[Plan | None]) -> Plan | None:
    scored = [(evaluate(instance, p), i, p) for i, p in enumerate(plans) if p is not None]
    valid = [(e.score, -i, p) for e, i, p in scored if e.valid]
    return max(valid, key=lambda v: (v[0], v[1]))[2] if valid else None


def with_new_unit(instance: Instance, plan: Plan, unit: str) -> Plan:
    """`plan` (valid without `unit`) with the new unit put to its best single use: the
    whole horizon at one hotspot (ground: presence wherever allowed; air: as many
    show-of-force sorties a week as its hours allow), whichever hotspot scores best —
    or `plan` itself. A warm start: the re-solve takes it from there."""
    info = instance.units[unit]
    options = [plan]
    for h in instance.hotspot_ids:
        if info.is_ground:
            extra = [Assignment(unit=unit, hotspot=h, week=t, task="presence")
                     for t in instance.weeks if instance.presence_ok(unit, h, t)]
            options.append(plan.model_copy(update={"assignments": [*plan.assignments, *extra]}))
        else:
            extra = []
            for t in instance.weeks:
                if instance.air_ok(unit, h, t):
                    n = instance.max_sorties(unit, h)
                    extra.append(Sortie(unit=unit, hotspot=h, week=t, count=n,
                                        task="show_of_force"))
            options.append(plan.model_copy(update={"sorties": [*plan.sorties, *extra]}))
    return _best_valid(instance, options) or plan


def without_unit(instance: Instance, plan: Plan, unit: str) -> Plan | None:
    """`plan` with everything `unit` did taken out, then mended: missions that lose their
    escort are dropped, and a base that falls below its garrison floor calls a unit home
    (presence before escort, by id); None when that is still not valid."""
    kept = plan.model_copy(update={
        "assignments": [a for a in plan.assignments if a.unit != unit],
        "sorties": [x for x in plan.sorties if x.unit != unit]})
    for _ in range(4 * instance.horizon_weeks):
        evaluation = evaluate(instance, kept)
        if evaluation.valid:
            return kept
        lost = {v.mission for v in evaluation.violations if v.mission is not None}
        short = sorted({(v.base, v.week) for v in evaluation.violations
                        if v.rule == "garrison_floor"})
        if any(v.mission is None and v.rule != "garrison_floor" for v in evaluation.violations):
            return None
        home = {_called_home(instance, kept, b, t) for b, t in short} - {None}
        if short and not home:
            return None
        kept = kept.model_copy(update={
            "missions": [m for m in kept.missions if m.priority not in lost],
            "assignments": [a for a in kept.assignments if a not in home
                            and not (a.task == "escort" and a.mission in lost)]})
    return None


def _called_home(instance: Instance, plan: Plan, base: str, week: int) -> Assignment | None:
    out = [a for a in plan.assignments if a.week == week and instance.units[a.unit].base == base
           and (a.unit, a.hotspot, week) not in instance.required_pins]
    return min(out, key=lambda a: (a.task != "presence", a.unit), default=None)


def _one_marginal(scenario: Scenario, baseline: SolveResult, change: AddUnit | RemoveUnit,
                  options: SolveOptions) -> MarginalValue:
    started = time.perf_counter()
    try:
        variant = apply_changes(scenario, [change])
    except ChangeRefused as exc:
        return MarginalValue(change, None, None, "refused", False, 0.0, "; ".join(exc.problems))
    instance = Instance.build(variant.scenario)
    adding = isinstance(change, AddUnit)
    seed = None
    if baseline.plan is not None:
        seed = (with_new_unit(instance, baseline.plan, change.id) if adding
                else without_unit(instance, baseline.plan, change.id))
    result = solve_within(instance, options, repaired_for(instance, seed) or seed)
    seconds = time.perf_counter() - started
    hit_limit = result.status != SolveStatus.OPTIMAL
    if result.evaluation is None or baseline.evaluation is None:
        note = "; ".join(result.conflicts) if result.status == SolveStatus.INFEASIBLE else \
            (result.message or "no plan within the time limit")
        what = "infeasible without it" if result.status == SolveStatus.INFEASIBLE else note
        return MarginalValue(change, None, None, result.status, hit_limit, seconds, what)
    delta = result.evaluation.score - baseline.evaluation.score
    raw = delta if adding else -delta
    note = ""
    if raw < -1e-9:
        limited = "its re-solve" if adding else "the baseline solve"
        note = (f"found {raw:+.1f}, reported as 0: {limited} stopped at its time limit "
                "before the optimum")
    if hit_limit and not note:
        note = "re-solve stopped at its time limit: value not proven"
    return MarginalValue(change, max(0.0, raw), delta, result.status, hit_limit, seconds, note,
                         variant=result, variant_instance=instance)
