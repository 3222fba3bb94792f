"""`pocplan priorities submit|list`: priority intake for heads of office (issue 7).

- `submit FILE --scenario SCENARIO`: `planner.inputs.intake.submit` (docs/scenario-format.md
  docs/scenario-format.md). A refused submission changes nothing and lists every problem on stderr
  (exit 3).
- `list SCENARIO`: every priority by office, with where it came from (file, submitted at,
  content hash) and its status in the best plan found within `--time-limit`: met, partial
  (satisfaction) or unmet, with the reason, and prices for up to `--price-limit` of them.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from planner.analysis.pricing import PriorityAccount, account_priorities
from planner.commands.common import (
    MAX_TIME_LIMIT,
    SOLVER_HELP,
    ExitCode,
    SolverChoice,
    TableOrJson,
    fail,
    finite_seconds,
    guarded,
    load_or_exit,
    solver_missing,
    solving,
)
from planner.domain.instance import Instance
from planner.inputs.intake import SubmissionRefused, listed_priorities, submit
from planner.milp.backends import SolverMissing
from planner.milp.status import SolveStatus
from planner.outputs.documents import PlanEntry
from planner.outputs.priorities_report import list_json, render_list, render_stored
from planner.outputs.terminal import consoles, print_warnings
from planner.search.solve import SolveOptions, solve

priorities_app = typer.Typer(
    name="priorities", no_args_is_help=True, rich_markup_mode="rich",
    help="Priority intake for heads of office: submit a priorities file, list every "
         "priority with its provenance and its status in the best plan.")


def register(app: typer.Typer) -> None:
    """Add the `priorities` command group to the pocplan app."""
    priorities_app.command(name="submit", help=SUBMIT_HELP)(guarded(submit_command))
    priorities_app.command(name="list", help=LIST_HELP)(guarded(list_command))
    app.add_typer(priorities_app, name="priorities")


SUBMIT_HELP = (
    "Validate an office's priorities file against the scenario (hotspots exist, windows "
    "inside the horizon, ids unique across all priorities except the office's previous "
    "ones) and store it where the scenario's priority_files pick it up. A re-submission "
    "replaces the office's previous file, which is kept under .history/; a refused "
    "submission changes nothing (exit code 3).")
LIST_HELP = (
    "Every priority by office, with its file, when it was submitted and its content hash, "
    "and its status in the best plan: met, partial or unmet, and why.")


def submit_command(
    file: Annotated[Path, typer.Argument(help="The office's priorities file (YAML, "
                                              "docs/scenario-format.md).", show_default=False)],
    scenario: Annotated[Path, typer.Option("--scenario", "-s", help="The scenario file.",
                                           show_default=False)],
) -> None:
    """Submit an office's priorities."""
    out, err = consoles()
    try:
        stored = submit(file, scenario)
    except SubmissionRefused as exc:
        raise fail(ExitCode.INVALID_INPUT, exc.message, list(exc.problems)) from None
    render_stored(out, stored, scenario)
    print_warnings(err, stored.warnings)


def list_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, max=MAX_TIME_LIMIT, callback=finite_seconds,
        help="Seconds for the best plan (and, with --price-limit, "
                                      "as long again for the prices).")] = 30.0,
    price_limit: Annotated[int, typer.Option(
        "--price-limit", min=0, help="Price up to this many priorities not met (highest "
                                     "weight first), each by a re-solve.")] = 0,
    solver: Annotated[SolverChoice, typer.Option(help=SOLVER_HELP)] = SolverChoice.auto,
    seed: Annotated[int, typer.Option(min=0, help="Solver random seed.")] = 0,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")
                   ] = TableOrJson.table,
) -> None:
    """List every priority by office with provenance and status in the best plan."""
    out, err = consoles()
    loaded = load_or_exit(scenario)
    instance = Instance.build(loaded.scenario)
    listed = listed_priorities(loaded)
    options = SolveOptions(solver=solver.value, time_limit=time_limit, seed=seed)
    with solving(err, f"Finding the best plan (limit {time_limit:g} s)") as progress:
        try:
            result = solve(instance, replace(options, progress=progress.update))
            accounts: tuple[PriorityAccount, ...] = ()
            if result.plan is not None and result.evaluation is not None:
                progress.label = "Accounting for the priorities"
                entry = PlanEntry(1, result.plan, result.evaluation, "the best plan found")
                accounts = account_priorities(instance, [entry], options,
                                              price_limit=price_limit)[1]
        except SolverMissing as exc:
            raise solver_missing(solver.value, exc) from None
    if fmt is TableOrJson.json:
        sys.stdout.write(list_json(loaded, listed, result, accounts))
        sys.stdout.flush()
    else:
        render_list(out, loaded, listed, result, accounts)
    if result.plan is None:
        code = {SolveStatus.INFEASIBLE: ExitCode.INFEASIBLE,
                SolveStatus.NO_SOLUTION: ExitCode.NO_PLAN}
        raise fail(code.get(result.status, ExitCode.INTERNAL),
                       f"no plan ({result.status}): the statuses above are unknown",
                       list(result.conflicts))
