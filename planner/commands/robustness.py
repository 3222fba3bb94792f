"""`pocplan robustness`: how the ranked COAs fare when the threat levels are off by a level
(Monte Carlo, planner.analysis.robustness; tables in planner.outputs.robustness_report).

Parse → load and validate → plan the COAs → price them under every sample on the executor
(`--workers`, `--scheduler`) → render. Exit codes as `pocplan plan`; 2 for a malformed
`--spread`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from planner.analysis.robustness import DEFAULT_SAMPLES, Spread, robustness
from planner.commands.cluster import Scheduler, Workers, executor_or_exit
from planner.commands.common import (
    MAX_TIME_LIMIT,
    SOLVER_HELP,
    ExitCode,
    SolverChoice,
    TableOrJson,
    check_output,
    emit,
    fail,
    finite_seconds,
    guarded,
    load_or_exit,
    quiet_stdout_fd,
    scenario_info,
    solver_missing,
    solving,
)
from planner.domain.instance import Instance
from planner.milp.backends import SolverMissing
from planner.milp.status import SolveStatus
from planner.outputs.robustness_report import render_robustness, robustness_json
from planner.outputs.terminal import (
    consoles,
    print_line,
    print_warnings,
    progress_bar,
    rendered_text,
)
from planner.search.ranking import rank_plans
from planner.search.solve import SolveOptions

HELP = ("Monte Carlo robustness of the ranked COAs: each threat's probability and impact drawn "
        "one level lower or higher per sample (seeded, reproducible), every COA re-scored "
        "under each sample; per COA the P5, median and P95 of its score and harm averted and "
        "how often it is best, and the hotspots whose uncertainty moves the ranking most. "
        "--resolve K re-optimises K samples to measure COA 1's regret.")


def register(app: typer.Typer) -> None:
    """Add `robustness` to the pocplan app."""
    app.command(name="robustness", help=HELP)(guarded(robustness_command))


def robustness_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    samples: Annotated[int, typer.Option("--samples", "-n", min=1, max=100000,
                                         help="Monte Carlo samples.")] = DEFAULT_SAMPLES,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the samples and the solver.")] = 0,
    spread: Annotated[str, typer.Option(
        "--spread", metavar="DOWN:UP",
        help="Probability that a level is drawn one lower, and one higher (within 1–5); one "
             "number P means P:P.")] = "0.25:0.25",
    plans: Annotated[int, typer.Option("--plans", "-k", min=1, max=20,
                                       help="How many ranked COAs to assess.")] = 3,
    solver: Annotated[SolverChoice, typer.Option(help=SOLVER_HELP)] = SolverChoice.auto,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, max=MAX_TIME_LIMIT, callback=finite_seconds,
        help="Seconds for planning the COAs; each re-optimised "
                                      "sample (--resolve) gets as many.")] = 60.0,
    resolve: Annotated[int, typer.Option(
        "--resolve", min=0, help="Re-optimise this many samples to measure COA 1's regret "
                                 "(one solve each, on the executor).")] = 0,
    workers: Workers = None,
    scheduler: Scheduler = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")
                   ] = TableOrJson.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default=False,
        help="Write the output to this file (atomically) instead of stdout.")] = None,
) -> None:
    """Robustness: the COAs under sampled threat levels."""
    try:
        parsed = Spread.parse(spread)
    except ValueError as exc:
        raise fail(ExitCode.USAGE, f"--spread: {exc}") from None
    if resolve > samples:
        raise fail(ExitCode.USAGE, f"--resolve {resolve} is more than --samples {samples}")
    check_output(output, {"scenario": scenario})
    out, err = consoles()
    loaded = load_or_exit(scenario)
    print_warnings(err, loaded.warnings)
    instance = Instance.build(loaded.scenario)
    options = SolveOptions(solver=solver.value, time_limit=time_limit, seed=seed)
    with solving(err, f"Planning {plans} COA(s) (limit {time_limit:g} s)") as progress:
        try:
            ranked = rank_plans(instance, k=plans,
                                options=replace(options, progress=progress.update))
        except SolverMissing as exc:
            raise solver_missing(solver.value, exc) from None
    if not ranked.plans:
        status = ranked.first.status
        code = {SolveStatus.INFEASIBLE: ExitCode.INFEASIBLE,
                SolveStatus.ERROR: ExitCode.INTERNAL}.get(status, ExitCode.NO_PLAN)
        raise fail(code, f"no COA to assess ({status})", list(ranked.first.conflicts)
                   or ([ranked.first.message] if ranked.first.message else []))
    coas = [p.plan for p in ranked.plans]
    with executor_or_exit(err, workers, scheduler) as executor:
        print_line(err, f"Pricing {len(coas)} COA(s) under {samples} sample(s) on "
                        f"{executor.description}")
        with quiet_stdout_fd(), progress_bar(err) as bar:
            bar.count("Samples" + (f" and {resolve} re-solve(s)" if resolve else ""),
                      samples + resolve)
            report = robustness(instance, coas, samples=samples, seed=seed, spread=parsed,
                                executor=executor, resolve=resolve, resolve_options=options,
                                on_done=bar.add, coas_reproducible=ranked.reproducible)
    info = scenario_info(loaded)
    if fmt is TableOrJson.json:
        emit(robustness_json(info, report), output, err)
    elif output is not None:
        emit(rendered_text(lambda console: render_robustness(console, info, report),
                           out.width), output, err)
    else:
        render_robustness(out, info, report)
