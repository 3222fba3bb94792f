"""Proven intervals on differences between two solves (docs/ranking-and-comparisons.md §11).

A solve that stopped at its time limit knows its plan's score and a bound on the best
score possible; a proven optimum has bound = score. For solves a and b the true
difference of their optima, a − b, lies in

    [score_a − bound_b, bound_a − score_b]

and the difference is *decided* when that interval does not contain 0. Without a bound
(CBC, CP-SAT short of a proof) that side of the interval is unbounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

DECIDED_TOLERANCE = 1e-9
"""A side of the interval closer to 0 than this counts as touching 0."""

UNDECIDED_ADVICE = "raise --time-limit"


@dataclass(frozen=True)
class Difference:
    """a − b in score points: what was found (`value`) and what the bounds prove."""

    value: float
    """score_a − score_b: the difference of the plans found."""
    low: float
    """Least the true difference of the optima can be (−∞: no bound on b)."""
    high: float
    """Most it can be (+∞: no bound on a)."""

    @property
    def decided(self) -> bool:
        """The interval excludes 0: one side is provably better."""
        return self.low > DECIDED_TOLERANCE or self.high < -DECIDED_TOLERANCE

    @property
    def proven(self) -> bool:
        """Both solves were proven optimal: the interval is one point."""
        return self.high - self.low <= DECIDED_TOLERANCE

    def negated(self) -> Difference:
        """b − a."""
        return Difference(-self.value, -self.high, -self.low)

    def as_dict(self) -> dict[str, Any]:
        """docs/output-contract.md §11: {value, low, high, decided}; an unbounded side is null."""
        return {"value": self.value,
                "low": None if math.isinf(self.low) else self.low,
                "high": None if math.isinf(self.high) else self.high,
                "decided": self.decided}


def difference(score_a: float, bound_a: float | None, score_b: float,
               bound_b: float | None) -> Difference:
    """a − b from two solves' scores and bounds (None: no bound known). A bound below its
    own score is rounding (or a plan found after the bound was read) and is raised to it,
    so that low ≤ value ≤ high always holds."""
    top_a = math.inf if bound_a is None else max(bound_a, score_a)
    top_b = math.inf if bound_b is None else max(bound_b, score_b)
    return Difference(score_a - score_b, score_a - top_b, top_a - score_b)


def exact(value: float) -> Difference:
    """A difference between two fixed plans: no solve stands behind either side."""
    return Difference(value, value, value)


def signed(x: float, digits: int = 1) -> str:
    return f"{x:+,.{digits}f}".replace("-", "−")


def in_words(d: Difference, digits: int = 1) -> str:
    """"+412.8, between +380.1 and +455.0" when decided; otherwise never a bare number:
    "not decided at this time limit (found +12.0, between −30.1 and +55.0): raise
    --time-limit"."""
    if d.proven:
        if d.decided:
            return f"{signed(d.value, digits)} (proven)"
        return "no difference (proven)"
    span = span_words(d, digits)
    if d.decided:
        return f"{signed(d.value, digits)}, {span}"
    return (f"not decided at this time limit (found {signed(d.value, digits)}, {span}): "
            f"{UNDECIDED_ADVICE}")


def span_words(d: Difference, digits: int = 1) -> str:
    if math.isinf(d.low) and math.isinf(d.high):
        return "no bound on either side"
    if math.isinf(d.low):
        return f"at most {signed(d.high, digits)}"
    if math.isinf(d.high):
        return f"at least {signed(d.low, digits)}"
    return f"between {signed(d.low, digits)} and {signed(d.high, digits)}"


def short_words(d: Difference, digits: int = 1) -> str:
    """For table cells: "+412.8 [+380.1, +455.0]" when decided, "undecided [−30.1, +55.0]"
    otherwise."""
    lo = "−∞" if math.isinf(d.low) else signed(d.low, digits)
    hi = "+∞" if math.isinf(d.high) else signed(d.high, digits)
    if d.proven:
        return signed(d.value, digits) if d.decided else "0 (proven)"
    head = signed(d.value, digits) if d.decided else "undecided"
    return f"{head} [{lo}, {hi}]"
