"""`pocplan sweep`: what-if variants and a grid of weights and policy values from a small
YAML file, every point solved independently on the executor (planner.analysis.sweep).

Exit codes as `pocplan whatif`: 3 for an invalid scenario or sweep file (with its line),
or a change refused for the scenario; 1 when tasks failed after their retries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.analysis.sweep import load_sweep, run_sweep
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
)
from planner.inputs.loader import ScenarioError
from planner.milp.backends import SolverMissing
from planner.outputs.sweep_report import render_sweep, sweep_json
from planner.outputs.terminal import (
    consoles,
    print_line,
    print_warnings,
    progress_bar,
    rendered_text,
)
from planner.search.solve import SolveOptions

HELP = ("Solve many what-if variants at once: named variants (the changes of pocplan whatif) "
        "and/or a grid of score weights and policy values from a YAML file, each point with "
        "the same seed and time limit, on a local Dask cluster (--workers) or an existing one "
        "(--scheduler); every point against the scenario as given, with the interval the "
        "bounds prove.")


def register(app: typer.Typer) -> None:
    """Add `sweep` to the pocplan app."""
    app.command(name="sweep", help=HELP)(guarded(sweep))


def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    grid: Annotated[Path, typer.Argument(help="Sweep file (YAML): variants and/or grid.",
                                         show_default=False)],
    solver: Annotated[SolverChoice, typer.Option(help=SOLVER_HELP)] = SolverChoice.auto,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, max=MAX_TIME_LIMIT, callback=finite_seconds,
        help="Seconds for each point's solve.")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="SolverChoice random seed (every point).")] = 0,
    workers: Workers = None,
    scheduler: Scheduler = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")
                   ] = TableOrJson.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default=False,
        help="Write the output to this file (atomically) instead of stdout.")] = None,
) -> None:
    """Sweep: many variants, solved independently."""
    check_output(output, {"scenario": scenario, "sweep file": grid})
    out, err = consoles()
    loaded = load_or_exit(scenario)
    print_warnings(err, loaded.warnings)
    try:
        points = load_sweep(grid, loaded.scenario)
    except ScenarioError as exc:
        raise fail(ExitCode.INVALID_INPUT, f"{grid}: {len(exc.errors)} problem(s); nothing "
                   "was solved", [str(p) for p in exc.errors]) from None
    options = SolveOptions(solver=solver.value, time_limit=time_limit, seed=seed)
    with executor_or_exit(err, workers, scheduler) as executor:
        print_line(err, f"Solving {len(points) + 1} point(s) on {executor.description}")
        with quiet_stdout_fd(), progress_bar(err) as bar:
            bar.count("Points", len(points) + 1)
            try:
                report = run_sweep(loaded.scenario, points, options, executor, on_done=bar.add)
            except SolverMissing as exc:
                raise solver_missing(solver.value, exc) from None
    info = scenario_info(loaded)
    if fmt is TableOrJson.json:
        emit(sweep_json(info, report, seed, time_limit), output, err)
    elif output is not None:
        emit(rendered_text(lambda console: render_sweep(console, info, report), out.width),
             output, err)
    else:
        render_sweep(out, info, report)
