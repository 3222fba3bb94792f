"""A `pocplan plan` run as one whole: the ranked COAs, then the priorities they do not meet
priced, all inside the command's --time-limit and around one plan pool
(docs/ranking-and-comparisons.md, "One plan pool"; docs/solvers.md, "Time limit").

The split of the time limit S:

- with priorities to price (`price_limit` > 0 and the scenario has priorities), the
  ranked plans get (1 − PRICING_SHARE) × S (plan 1 half of it when K > 1), and pricing
  gets whatever of S is left when they are done;
- otherwise the ranked plans get all of S.

Every plan met on the way goes into the run's pool; after pricing the K plans are drawn
from the pool again, so a pricing re-solve that found a better plan than the main solve
makes that plan COA 1 (and the priority it was priced for is then met by COA 1).

Under a robust objective (`robust`, planner.search.robust) the plans are ranked by their
robust value, so they are not redrawn from the pool (which ranks by the base score); the
priorities are priced against the base score as usual.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from planner.analysis.pricing import (
    MIN_RESOLVE_SECONDS,
    Pricing,
    PriorityAccount,
    account_priorities,
    price_unmet,
)
from planner.domain.instance import Instance
from planner.search import ranking
from planner.search.pool import PlanPool
from planner.search.ranking import RankedPlans
from planner.search.robust import RobustRanking, rank_robust
from planner.search.solve import SolveOptions

PRICING_SHARE = 0.2
"""The share of --time-limit kept for pricing the priorities the plans do not meet."""


@dataclass(frozen=True)
class CoaRun:
    ranked: RankedPlans
    accounts: dict[int, tuple[PriorityAccount, ...]] | None
    """Plan rank → every priority's account (None without plans)."""
    pricings: dict[str, tuple[Pricing, float]]
    """The pricing re-solves, by priority id, with the seconds each was given."""
    promoted: str | None
    """When a plan found after the ranked solves became COA 1: what found it."""
    robust: RobustRanking | None = None
    """The robust ranking, when the plans were ranked under a robust objective."""


def ranking_seconds(instance: Instance, time_limit: float, price_limit: int) -> float:
    """The ranked plans' part of the command's time limit."""
    if price_limit and instance.scenario.priorities:
        return (1 - PRICING_SHARE) * time_limit
    return time_limit


def plan_coas(instance: Instance, k: int, min_difference: int | None, options: SolveOptions,
              *, price_limit: int, on_pricing: Callable[[], None] | None = None,
              pricing_seconds: float | None = None, robust: str | None = None) -> CoaRun:
    """K ranked plans and their priority accounts within `options.time_limit` in all.
    `pricing_seconds` overrides what pricing gets (tests; the command leaves it None);
    `robust` (min, mean or regret) ranks the plans under that robust objective."""
    started = time.perf_counter()
    pool = PlanPool(instance)
    ranking_options = replace(options, time_limit=ranking_seconds(
        instance, options.time_limit, price_limit))
    robust_ranking = None
    if robust is None:
        ranked = ranking.rank_plans(instance, k=k, min_difference=min_difference, pool=pool,
                                    options=ranking_options)
    else:
        robust_ranking = rank_robust(instance, robust, k=k, min_difference=min_difference,
                                     options=ranking_options)
        ranked = robust_ranking.ranked
    if not ranked.plans:
        return CoaRun(ranked, None, {}, None, robust_ranking)
    left = (options.time_limit - (time.perf_counter() - started)
            if pricing_seconds is None else pricing_seconds)
    pricings = {}
    unpriced = None
    if price_limit and instance.scenario.priorities and left < MIN_RESOLVE_SECONDS:
        unpriced = "not priced: the time limit was spent on the plans; raise --time-limit"
    if price_limit and left >= MIN_RESOLVE_SECONDS:
        if on_pricing is not None:
            on_pricing()
        pricings = price_unmet(instance, ranked, replace(options, time_limit=left),
                               price_limit=price_limit, pool=pool)
    promoted = None
    if robust_ranking is None:
        before = ranked.plans[0]
        ranked = ranking.from_pool(instance, ranked)
        promoted = (ranked.plans[0].source
                    if ranked.plans[0].evaluation.score > before.evaluation.score + 1e-9
                    else None)
    accounts = account_priorities(instance, ranked, options, price_limit=price_limit,
                                  pool=pool, pricings=pricings, unpriced=unpriced)
    reproducible = ranked.reproducible and all(p.result.reproducible
                                               for p, _ in pricings.values())
    ranked = replace(ranked, seconds=time.perf_counter() - started, reproducible=reproducible)
    if robust_ranking is not None:
        robust_ranking = replace(robust_ranking, ranked=ranked)
    return CoaRun(ranked, accounts, pricings, promoted, robust_ranking)
