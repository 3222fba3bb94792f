"""Monte Carlo robustness of ranked COAs (`pocplan robustness`, docs/evaluation-contract.md
§9): how each plan fares when the threat levels are off by a level.

Per sample, every threat's probability and impact are drawn independently: one level down
with probability `spread.down`, one level up with `spread.up`, else as assessed (kept
within 1–5). The COAs are planned once, on the scenario as given; each sample re-scores
every COA with the evaluator (hard rules stay judged under the scenario's own threats, as
for assessments). Reported per COA: P5, median and P95 of its score and harm averted, and
how often it is the best of the set; per hotspot, how much its uncertainty alone moves
the ranking. Optionally `resolve` samples are re-optimised, to measure COA 1's regret.

Reproducibility: sample i draws from its own generator, seeded by (seed, i), so a sample
is the same whatever task or worker evaluates it; samples are evaluated in chunks through
`planner.search.executor` and merged in sample order.

Which hotspot moves the ranking: a hotspot's *flip share* is how often its draw alone (the
other hotspots as assessed) changes the best COA, its *swing* the mean change its draw
alone makes to the score gaps between COAs. Under contract v1 every score term belongs to
one hotspot and depends on that hotspot's threats only, so perturbing hotspot h alone gives
exactly base + (change of h's points), read off the sample's pricing. The v2 reserve value
(R16) belongs to no hotspot: it takes the largest alerts in a reserve's reach, whichever
hotspot raises them, so with `reserve_factor` > 0 each hotspot's draw alone is priced
exactly, once per hotspot and sample (slower, by the number of hotspots).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from models.plan import Plan
from planner.domain.assessments import with_pi
from planner.domain.instance import Instance, window_weeks
from planner.rules.assessments import priced_view
from planner.rules.evaluator import PlanView
from planner.search.executor import Executor, InProcess, Task
from planner.search.solve import SolveOptions, solve

CHUNK = 25
"""Fewest samples per executor task."""
DEFAULT_SAMPLES = 200
PERCENTILES = (5, 50, 95)


@dataclass(frozen=True)
class Spread:
    """Probabilities that a level is drawn one lower (`down`) or one higher (`up`)."""

    down: float = 0.25
    up: float = 0.25

    def __post_init__(self) -> None:
        if not (0 <= self.down <= 1 and 0 <= self.up <= 1 and self.down + self.up <= 1):
            raise ValueError(f"spread {self.down:g}:{self.up:g}: each probability 0–1, "
                             "together at most 1")

    @classmethod
    def parse(cls, text: str) -> Spread:
        """`DOWN:UP`, e.g. `0.2:0.3`; one number `P` means `P:P`."""
        parts = text.split(":")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"spread '{text}': expected DOWN:UP, e.g. 0.25:0.25") from None
        if len(values) == 1:
            values *= 2
        if len(values) != 2 or not all(math.isfinite(v) for v in values):
            raise ValueError(f"spread '{text}': expected DOWN:UP, e.g. 0.25:0.25")
        return cls(values[0], values[1])


def _step(rng: random.Random, level: int, spread: Spread) -> int:
    u = rng.random()
    if u < spread.down:
        level -= 1
    elif u < spread.down + spread.up:
        level += 1
    return min(5, max(1, level))


def sample_table(instance: Instance, seed: int, index: int, spread: Spread) -> dict:
    """Sample `index`'s threat table: every threat of every hotspot (file order), its
    probability then its impact drawn from the generator seeded by (seed, index)."""
    rng = random.Random(f"pocplan-robustness:{seed}:{index}")
    T = instance.horizon_weeks
    pi: dict = {}
    for h in instance.scenario.hotspots:
        for threat in h.threats:
            p = _step(rng, threat.probability, spread)
            i = _step(rng, threat.impact, spread)
            for t in window_weeks(threat.weeks, T):
                pi[h.id, threat.category, t] = p * i
    return pi


@dataclass(frozen=True)
class Priced:
    """One COA under one threat table."""

    score: float
    harm_averted: float
    by_hotspot: dict[str, float]
    alone: dict[str, float] | None = None
    """Hotspot → the score with only that hotspot's threats as sampled, when its points
    alone do not tell it (terms that belong to no hotspot: the v2 reserve value)."""


def priced_alone(instance: Instance) -> bool:
    """Whether a hotspot's draw alone must be priced whole (see the module docstring)."""
    return instance.scenario.policy.reserve_factor > 0


def price_chunk(instance: Instance, plans: Sequence[Plan], seed: int, indices: Sequence[int],
                spread: Spread) -> list[list[Priced]]:
    """Every COA priced under each sample of `indices` (a task of the executor)."""
    views = [PlanView.build(instance, p) for p in plans]
    whole = priced_alone(instance)
    out = []
    for s in indices:
        table = sample_table(instance, seed, s, spread)
        sampled = with_pi(instance, table)
        row = [Priced(*priced_view(sampled, view)) for view in views]
        if whole:
            alone = {h: with_pi(instance, instance.pi | {k: v for k, v in table.items()
                                                          if k[0] == h})
                     for h in instance.hotspot_ids}
            row = [replace(p, alone={h: priced_view(inst, view)[0]
                                     for h, inst in alone.items()})
                   for p, view in zip(row, views, strict=True)]
        out.append(row)
    return out


def resolve_sample(instance: Instance, seed: int, index: int, spread: Spread,
                   options: SolveOptions, coa1: Plan) -> tuple[float, float | None, float, bool]:
    """Sample `index` re-optimised: (best score found, its bound, COA 1's score there,
    reproducible). The solve gets the run's seed and its own fixed time limit."""
    sampled = with_pi(instance, sample_table(instance, seed, index, spread))
    result = solve(sampled, options, warm_start=coa1)
    coa_score = priced_view(sampled, PlanView.build(sampled, coa1))[0]
    best = result.evaluation.score if result.evaluation is not None else -math.inf
    # COA 1 is valid under every sample (hard rules are judged under base): never below it
    return max(best, coa_score), result.bound, coa_score, result.reproducible


@dataclass(frozen=True)
class Distribution:
    p5: float
    median: float
    p95: float


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def distribution(values: Sequence[float]) -> Distribution:
    return Distribution(*(percentile(values, q) for q in PERCENTILES))


@dataclass(frozen=True)
class CoaRobustness:
    rank: int
    base_score: float
    score: Distribution
    harm_averted: Distribution
    best_share: float
    """Share of samples in which this COA scores highest of the set (ties: lower rank)."""


@dataclass(frozen=True)
class HotspotInfluence:
    hotspot: str
    flip_share: float
    """Share of samples in which this hotspot's draw alone changes the best COA."""
    swing: float
    """Mean |change| its draw alone makes to the score gap between each COA and COA 1."""


@dataclass(frozen=True)
class Regret:
    """COA 1's regret over the re-optimised samples: best found − COA 1's score."""

    samples: int
    regret: Distribution
    worst: float
    worst_bound: float | None
    """Largest bound − COA 1's score: what the regret may be at most (None: no bound)."""
    reproducible: bool


@dataclass(frozen=True)
class RobustnessReport:
    samples: int
    seed: int
    spread: Spread
    coas: tuple[CoaRobustness, ...]
    hotspots: tuple[HotspotInfluence, ...]
    """Most influential first."""
    regret: Regret | None
    retried: tuple[tuple[str, str], ...] = ()
    coas_reproducible: bool = True
    """The COAs themselves repeat for the same seed (no solve was cut by the wall clock)."""


TIE = 1e-9
"""Relative score difference below which two COAs tie (rounding of equal plans)."""


def _best(scores: Sequence[float]) -> int:
    """Index of the highest score; the lower rank on a tie (within TIE)."""
    best = 0
    for j, s in enumerate(scores):
        if s > scores[best] + TIE * max(1.0, abs(scores[best])):
            best = j
    return best


def robustness(instance: Instance, plans: Sequence[Plan], *, samples: int = DEFAULT_SAMPLES,
               seed: int = 0, spread: Spread = Spread(), executor: Executor | None = None,
               resolve: int = 0, resolve_options: SolveOptions | None = None,
               on_done=None,  # noqa: ANN001 - progress callback
               coas_reproducible: bool = True) -> RobustnessReport:
    """The Monte Carlo of the module docstring over `plans` (the ranked COAs, in order)."""
    if not plans:
        raise ValueError("no COA to assess")
    executor = executor or InProcess()
    plans = list(plans)
    # A few tasks per worker: enough to balance, few enough that shipping the instance
    # with each stays cheap. The chunking never changes a result (samples are seeded).
    size = max(CHUNK, math.ceil(samples / (4 * max(1, executor.workers))))
    chunks = [list(range(a, min(samples, a + size))) for a in range(0, samples, size)]
    tasks = [Task(f"samples-{c[0]}", price_chunk, (instance, plans, seed, c, spread))
             for c in chunks]
    done = executor.run(tasks, on_done=(lambda i, r: on_done(len(r))) if on_done else None)
    priced = [row for chunk in done for row in chunk]
    base_views = [PlanView.build(instance, p) for p in plans]
    base = [Priced(*priced_view(instance, view)) for view in base_views]
    coas = _coas(base, priced)
    hotspots = _influence(instance, base, priced)
    regret = None
    if resolve:
        regret = _regret(instance, plans[0], seed, spread, executor, resolve,
                         resolve_options or SolveOptions(), on_done)
    return RobustnessReport(samples, seed, spread, coas, hotspots, regret,
                            tuple(executor.retried), coas_reproducible)


def _coas(base: list[Priced], priced: list[list[Priced]]) -> tuple[CoaRobustness, ...]:
    wins = [0] * len(base)
    for row in priced:
        wins[_best([p.score for p in row])] += 1
    return tuple(CoaRobustness(
        rank=j + 1, base_score=base[j].score,
        score=distribution([row[j].score for row in priced]),
        harm_averted=distribution([row[j].harm_averted for row in priced]),
        best_share=wins[j] / len(priced)) for j in range(len(base)))


def _influence(instance: Instance, base: list[Priced],
               priced: list[list[Priced]]) -> tuple[HotspotInfluence, ...]:
    base_scores = [b.score for b in base]
    winner = _best(base_scores)
    out = []
    for h in instance.hotspot_ids:
        flips, swing = 0, 0.0
        for row in priced:
            if row[0].alone is not None:
                alone = [p.alone[h] for p in row]  # type: ignore[index]
                change = [a - s for a, s in zip(alone, base_scores, strict=True)]
            else:
                change = [p.by_hotspot.get(h, 0.0) - b.by_hotspot.get(h, 0.0)
                          for p, b in zip(row, base, strict=True)]
                alone = [s + c for s, c in zip(base_scores, change, strict=True)]
            flips += _best(alone) != winner
            if len(change) > 1:
                swing += sum(abs(c - change[0]) for c in change[1:]) / (len(change) - 1)
        out.append(HotspotInfluence(h, flips / len(priced), swing / len(priced)))
    out.sort(key=lambda x: (-x.flip_share, -x.swing, x.hotspot))
    return tuple(out)


def _regret(instance: Instance, coa1: Plan, seed: int, spread: Spread, executor: Executor,
            k: int, options: SolveOptions, on_done) -> Regret:  # noqa: ANN001
    options = replace(options, progress=None)
    tasks = [Task(f"resolve-{s}", resolve_sample, (instance, seed, s, spread, options, coa1))
             for s in range(k)]
    results = executor.run(tasks, on_done=(lambda i, r: on_done(1)) if on_done else None)
    regrets = [best - coa for best, _, coa, _ in results]
    bounds = [None if bound is None else bound - coa for _, bound, coa, _ in results]
    worst_bound = None if any(b is None for b in bounds) else max(bounds)  # type: ignore[type-var]
    return Regret(k, distribution(regrets), max(regrets), worst_bound,
                  all(r for *_, r in results))
