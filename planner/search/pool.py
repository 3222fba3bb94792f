"""One plan pool per run (docs/ranking-and-comparisons.md, "One plan pool").

Every valid plan any part of a run meets — the staff heuristic's, the main solve's (its
HiGHS and its neighbourhood-search plan), ranked alternatives, pricing re-solves, what-if
variants whose plan is also valid here — is offered to the pool of the instance it is
valid for. The pool re-scores each one with the evaluator, keeps it only when it passes
every hard rule, and remembers what stands behind it (`bound`: the best score the solve
that produced it could prove for its kind of plan). COA 1 is always the pool's best.

The pool is deterministic: plans are kept in the order they were offered (duplicates
ignored), and ordered by score then by that order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from models.plan import Plan
from planner.domain.instance import Instance
from planner.rules.evaluator import Evaluation, evaluate


@dataclass(frozen=True)
class PoolEntry:
    plan: Plan
    evaluation: Evaluation
    source: str
    """What produced it: `heuristic`, `main`, `search`, `alternative 2`, `pricing P3`, …"""
    order: int
    bound: float | None = None
    """Best score the producing solve proved possible for plans like it (its own model's
    dual bound; for the main solve, the bound on every plan); None when unknown."""
    proven: bool = False
    """The producing solve proved this plan optimal for its model."""

    @property
    def score(self) -> float:
        return self.evaluation.score


class PlanPool:
    """The valid plans of one instance met during a run, each scored by the evaluator."""

    def __init__(self, instance: Instance):
        self.instance = instance
        self._entries: dict[str, PoolEntry] = {}
        self._lock = threading.Lock()

    def offer(self, plan: Plan | None, source: str, evaluation: Evaluation | None = None, *,
              bound: float | None = None, proven: bool = False) -> PoolEntry | None:
        """Add `plan` if it is valid here (re-scored unless `evaluation` is this instance's);
        return its entry, or None when invalid. A plan already in the pool keeps its first
        entry, gaining a bound or a proof the new offer brings."""
        if plan is None:
            return None
        plan = plan.canonical()
        key = plan.model_dump_json()
        with self._lock:
            known = self._entries.get(key)
        if known is not None:
            if proven and not known.proven or (bound is not None and known.bound is None):
                known = PoolEntry(known.plan, known.evaluation, known.source, known.order,
                                  bound if known.bound is None else known.bound,
                                  known.proven or proven)
                with self._lock:
                    self._entries[key] = known
            return known
        evaluation = evaluation or evaluate(self.instance, plan)
        if not evaluation.valid:
            return None
        with self._lock:
            entry = PoolEntry(plan, evaluation, source, len(self._entries), bound, proven)
            self._entries.setdefault(key, entry)
            return self._entries[key]

    def entries(self) -> list[PoolEntry]:
        """Best first; among equal scores, the first offered first."""
        with self._lock:
            found = list(self._entries.values())
        return sorted(found, key=lambda e: (-e.score, e.order))

    def best(self) -> PoolEntry | None:
        found = self.entries()
        return found[0] if found else None

    def __len__(self) -> int:
        return len(self._entries)
