"""`pocplan replan`: re-plan the weeks from T0 on, keeping what was executed before it and
moving only what is worth more than the change penalty (docs/ranking-and-comparisons.md
§10). Thin: parse → load the scenario and the plan files → re-plan
(`planner.analysis.replan`) → render as `pocplan plan` does.

Exit codes as `pocplan plan`: 2 bad arguments (a --from-week outside the horizon), 3 an
invalid scenario or plan file, 4 no plan satisfies the hard rules from T0 on, 5 no plan in
time.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from planner.commands.common import (
    MAX_TIME_LIMIT,
    SOLVER_HELP,
    ExitCode,
    SolverChoice,
    check_output,
    check_output_dir,
    fail,
    finite_seconds,
    guarded,
    load_or_exit,
    scenario_info,
    solver_missing,
    solving,
)
from planner.commands.plan import Format, _exit_for, _render
from planner.domain.instance import Instance
from planner.inputs.plan_file import PlanFile, PlanFileError, read_plan_file
from planner.outputs.documents import Outcome, outcome_from_ranked
from planner.outputs.terminal import consoles, print_line, print_warnings

REPLAN_HELP = ("Re-plan from week T0: the weeks before it are fixed to the executed plan "
               "(checked against the possibly updated scenario, never repaired), the rest "
               "is re-optimised, and each unit-week from T0 on that differs from the previous "
               "plan costs --change-penalty points.")


def register(app: typer.Typer) -> None:
    """Add `replan` to the pocplan app."""
    app.command(help=REPLAN_HELP)(guarded(replan))


def read_or_exit(path: Path, instance: Instance, rank: int) -> PlanFile:
    """The plan of `rank` in a plan file, or every problem on stderr and exit code 3."""
    try:
        return read_plan_file(path, instance, rank)
    except PlanFileError as exc:
        raise fail(ExitCode.INVALID_INPUT, f"{path}: {len(exc.problems)} problem(s); nothing "
                   "was planned", [str(p) for p in exc.problems]) from None


def replan(
    scenario: Annotated[Path, typer.Argument(
        help="Scenario file (YAML), as it stands now: units gone, hotspots closed, new "
             "threats.", show_default=False)],
    executed: Annotated[Path, typer.Option(
        "--executed", help="The plan that was executed: a `pocplan plan --format json` "
                           "document.", show_default=False)],
    from_week: Annotated[int, typer.Option(
        "--from-week", min=1, help="T0: the first week to re-plan; weeks before it are "
                                   "executed.", show_default=False)],
    rank: Annotated[int, typer.Option(min=1, help="Which plan of --executed was "
                                                  "executed.")] = 1,
    previous: Annotated[Path | None, typer.Option(
        "--previous", help="The plan changes are counted against (rank 1 of this file); "
                           "default: the executed plan.", show_default=False)] = None,
    previous_scenario: Annotated[Path | None, typer.Option(
        "--previous-scenario", help="The scenario file the previous plan was made from: "
                                    "the reasons for changes then also name new and lower "
                                    "threats.", show_default=False)] = None,
    change_penalty: Annotated[float, typer.Option(
        "--change-penalty", min=0.0, help="Score points per unit-week from T0 on that "
                                          "differs from the previous plan.")] = 0.0,
    plans: Annotated[int, typer.Option("--plans", "-k", min=1, max=20,
                                       help="How many ranked COAs.")] = 5,
    solver: Annotated[SolverChoice, typer.Option(help=SOLVER_HELP)] = SolverChoice.auto,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, max=MAX_TIME_LIMIT, callback=finite_seconds,
        help="Seconds for all plans together.")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="Solver random seed.")] = 0,
    min_difference: Annotated[int | None, typer.Option(
        "--min-difference", min=1, show_default=False,
        help="Least difference D between any two COAs, in unit-weeks of presence; default: "
             "10 % of plan 1's presence unit-weeks from T0 on, at least 2.")] = None,
    show: Annotated[int, typer.Option(min=1, help="Which COA to detail.")] = 1,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the output to this file (atomically) instead of "
                               "stdout; with --format png, the directory for the PNG "
                               "figures.", show_default=False)] = None,
    assumptions: Annotated[bool, typer.Option(
        "--assumptions", help="Show the effects, caps and policy in force.")] = False,
) -> None:
    """Re-plan from an executed past, with least change."""
    from planner.analysis.replan import replan as run_replan
    from planner.milp.backends import SolverMissing
    from planner.search.solve import SolveOptions

    if show > plans:
        raise typer.BadParameter(f"--show {show} is beyond --plans {plans}",
                                 param_hint="--show")
    check_output_dir(output) if fmt is Format.png else check_output(
        output, {"scenario": scenario, "executed plan": executed, "previous plan": previous,
                 "previous scenario": previous_scenario})
    out, err = consoles()
    loaded = load_or_exit(scenario)
    print_warnings(err, loaded.warnings)
    instance = Instance.build(loaded.scenario)
    T = instance.horizon_weeks
    if from_week > T:
        raise typer.BadParameter(f"week {from_week} is beyond the scenario's {T}-week "
                                 f"horizon: choose 1–{T}", param_hint="--from-week")
    done = read_or_exit(executed, instance, rank)
    earlier = (Instance.build(load_or_exit(previous_scenario).scenario)
               if previous_scenario is not None else None)
    before = read_or_exit(previous, instance, 1).plan if previous is not None else None
    if done.scenario_sha256 and done.scenario_sha256 != loaded.sha256:
        print_line(err, f"note: {executed} was planned from another version of the scenario "
                        "(its sha256 differs); its executed weeks are checked against this one")
    with solving(err, f"Re-planning weeks {from_week}–{T} with {solver.value} "
                      f"(limit {time_limit:g} s)") as progress:
        options = SolveOptions(solver=solver.value, time_limit=time_limit, seed=seed,
                               progress=progress.update)
        try:
            result = run_replan(instance, executed=done.plan, from_week=from_week,
                                previous=before, change_penalty=change_penalty,
                                options=options, k=plans, min_difference=min_difference,
                                executed_sha256=done.sha256, previous_instance=earlier)
        except SolverMissing as exc:
            raise solver_missing(solver.value, exc) from None
    outcome: Outcome = replace(outcome_from_ranked(scenario_info(loaded), instance,
                                                   result.ranked), replan=result)
    if outcome.plans and show > len(outcome.plans):
        print_line(err, f"note: only {len(outcome.plans)} COA(s); showing COA "
                        f"{len(outcome.plans)}")
    if outcome.plans or fmt is Format.json:
        _render(outcome, fmt, show=min(show, max(1, len(outcome.plans))),
                assumptions=assumptions, output=output, out=out, err=err)
    code = _exit_for(outcome, err)
    if code is not ExitCode.OK:
        raise typer.Exit(int(code))
