"""Benchmark of the executor seam (planner/search/executor.py), all in one run so that the
ratios hold on a noisy machine:

- `robustness` evaluation only: Monte Carlo samples per second (every COA re-scored by the
  evaluator under each sample), in this process and on a 2-worker LocalCluster;
- a marginal-value sweep (`whatif --marginal`: one more unit of each kind at each base,
  each unit taken away) with 1 worker (in-process) and 2 workers (LocalCluster), the same
  fixed time share per re-solve, so both compute the same values;
- the scheduling overhead per task: the round trip of a no-op task on the cluster, and the
  marginal sweep's wall time beyond its re-solves' own seconds over the workers.

    python bench/executor_bench.py [--scenario PATH] [--samples 400] [--plans 3]
                                [--marginal-time-limit 48] [--json PATH]

From the measured per-task seconds t̄, tasks n, overhead o per task and start-up s, a
cluster of N machines with w workers each would take about s + n·t̄ / (N·w) + n·o (the
tasks are independent); the script prints that estimate for a few N.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.analysis.robustness import Spread, robustness  # noqa: E402
from planner.analysis.whatif import marginal_values  # noqa: E402
from planner.domain.instance import Instance  # noqa: E402
from planner.inputs.loader import load_scenario  # noqa: E402
from planner.search.executor import DaskExecutor, InProcess, Task  # noqa: E402
from planner.search.ranking import rank_plans  # noqa: E402
from planner.search.solve import SolveOptions  # noqa: E402

FLAGSHIP = REPO / "scenarios" / "central_mali_2018.yaml"


def noop(x: int) -> int:
    return x


def machine() -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"cores": os.cpu_count(), "load_average": os.getloadavg(),
            "python": platform.python_version(), "commit": commit}


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=FLAGSHIP)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--plans", type=int, default=3)
    parser.add_argument("--plan-time-limit", type=float, default=20.0)
    parser.add_argument("--marginal-time-limit", type=float, default=48.0)
    parser.add_argument("--noops", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    loaded = load_scenario(args.scenario)
    instance = Instance.build(loaded.scenario)
    ranked = rank_plans(instance, args.plans, options=SolveOptions(time_limit=args.plan_time_limit))
    plans = [p.plan for p in ranked.plans]
    out: dict = {"scenario": str(args.scenario.relative_to(REPO)), "machine": machine(),
                 "coas": len(plans), "samples": args.samples}

    # robustness, evaluation only
    spread = Spread(0.25, 0.25)
    here, seconds_here = timed(robustness, instance, plans, samples=args.samples, seed=1,
                               spread=spread, executor=InProcess())
    cluster, start_seconds = timed(DaskExecutor, workers=2)
    cluster.run([Task("warm", noop, (0,)), Task("warm2", noop, (1,))])
    there, seconds_there = timed(robustness, instance, plans, samples=args.samples, seed=1,
                                 spread=spread, executor=cluster)
    assert here == there, "the cluster changed the Monte Carlo's result"
    out["robustness"] = {
        "in_process_samples_per_second": args.samples / seconds_here,
        "cluster_2_samples_per_second": args.samples / seconds_there,
        "in_process_seconds": seconds_here, "cluster_2_seconds": seconds_there,
        "cluster_start_seconds": start_seconds}

    # scheduling overhead: no-op round trips
    _, noop_seconds = timed(cluster.run, [Task(f"noop{i}", noop, (i,)) for i in range(args.noops)])
    out["noop_seconds_per_task"] = noop_seconds / args.noops

    # marginal sweep, 1 and 2 workers, the same fixed share per re-solve
    options = SolveOptions(time_limit=args.marginal_time_limit)
    one, one_seconds = timed(marginal_values, loaded.scenario, options, executor=InProcess())
    two, two_seconds = timed(marginal_values, loaded.scenario, options, executor=cluster)
    cluster.close()
    same = [(v.label, v.value) for v in one.values] == [(v.label, v.value) for v in two.values]
    by_label = {v.label: v.value for v in two.values}
    differing = sum(1 for v in one.values if by_label.get(v.label) != v.value)
    limited = sum(1 for v in one.values if v.hit_limit)
    task_seconds = [v.seconds for v in one.values]
    n = len(task_seconds)
    busy = sum(v.seconds for v in two.values)
    baseline_seconds = two.baseline.seconds
    overhead = max(0.0, (two_seconds - baseline_seconds - busy / 2) / n)
    out["marginal"] = {
        "re_solves": n, "values_identical": same, "values_differing": differing,
        "re_solves_at_time_limit": limited,
        "one_worker_seconds": one_seconds, "two_workers_seconds": two_seconds,
        "speed_up": one_seconds / two_seconds,
        "mean_re_solve_seconds": sum(task_seconds) / n,
        "baseline_seconds": baseline_seconds,
        "overhead_seconds_per_task": overhead}
    mean = sum(task_seconds) / n
    out["estimate"] = {str(m): start_seconds + baseline_seconds + n * mean / (2 * m)
                       + n * overhead for m in (1, 2, 4, 8)}
    report(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


def report(out: dict) -> None:
    r, m = out["robustness"], out["marginal"]
    print(f"scenario {out['scenario']}, {out['coas']} COAs, machine {out['machine']}")
    print(f"robustness (evaluation only, {out['samples']} samples): "
          f"{r['in_process_samples_per_second']:.1f} samples/s in-process "
          f"({r['in_process_seconds']:.2f} s), {r['cluster_2_samples_per_second']:.1f} samples/s "
          f"on 2 workers ({r['cluster_2_seconds']:.2f} s); cluster start "
          f"{r['cluster_start_seconds']:.2f} s")
    print(f"no-op task round trip on the cluster: {1000 * out['noop_seconds_per_task']:.1f} ms")
    print(f"marginal sweep, {m['re_solves']} re-solves ({m['re_solves_at_time_limit']} "
          f"stopped at their time limit; values differing between 1 and 2 workers: "
          f"{m['values_differing']}): 1 worker {m['one_worker_seconds']:.1f} s, 2 workers "
          f"{m['two_workers_seconds']:.1f} s (speed-up {m['speed_up']:.2f}); mean re-solve "
          f"{m['mean_re_solve_seconds']:.2f} s; overhead {m['overhead_seconds_per_task']:.3f} "
          "s per task")
    print("estimate with N machines of 2 workers: " + ", ".join(
        f"N={n}: {s:.1f} s" for n, s in out["estimate"].items()))


if __name__ == "__main__":
    main()
