"""`pocplan whatif`: a changed force side by side with the original (issue 7).

Thin, like the rest of the CLI: parse the changes → load the scenario → apply and
cross-check the changes (refused before anything is solved) → solve both → render. The
changes and comparison live in `planner.analysis.whatif`, their rendering in
`planner.outputs.whatif_report`.

Exit codes as `pocplan plan`: 2 malformed change syntax, 3 invalid scenario or a change
that does not make sense for it, 4 the changed scenario is infeasible, 5 no plan in time.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from planner.analysis.whatif import (
    ChangeRefused,
    ChangeSyntaxError,
    Comparison,
    MarginalReport,
    apply_changes,
    compare,
    marginal_values,
    parse_changes,
)
from planner.commands.cluster import Scheduler, executor_or_exit
from planner.commands.common import (
    MAX_TIME_LIMIT,
    SOLVER_HELP,
    ExitCode,
    SolverChoice,
    check_output,
    check_output_dir,
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
from planner.inputs.loader import LoadedScenario
from planner.milp.backends import SolverMissing
from planner.milp.status import SolveStatus
from planner.outputs.terminal import (
    Console,
    consoles,
    print_line,
    print_warnings,
    progress_bar,
)
from planner.outputs.whatif_report import (
    comparison_document,
    json_text,
    marginal_document,
    render_comparison,
    render_marginal,
    single_outcome,
)
from planner.search.solve import SolveOptions, SolveResult


class WhatIfFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"
    png = "png"


def register(app: typer.Typer) -> None:
    """Add `whatif` to the pocplan app."""
    app.command(name="whatif", help=WHATIF_HELP)(guarded(whatif))


WHATIF_HELP = (
    "Solve a scenario as given and as changed (same seed and limits; each gets half the time "
    "limit) and show them side by side: score and every metric with deltas, and the "
    "assignments that changed. With --marginal: what one more unit of each kind at each "
    "base, and each existing unit, is worth. A change that does not make sense (unknown "
    "unit, base or kind, a window outside the horizon, an impossible pin) is refused before "
    "anything is solved (exit code 3).")

_Many = list[str] | None


def whatif(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML, docs/scenario-format.md).",
                                             show_default=False)],
    add_unit: Annotated[_Many, typer.Option(
        "--add-unit", metavar="ID:KIND@BASE", show_default=False,
        help="Add a unit, available the whole horizon (repeatable).")] = None,
    remove_unit: Annotated[_Many, typer.Option(
        "--remove-unit", metavar="ID", show_default=False,
        help="Remove a unit and its commitments (repeatable).")] = None,
    garrison: Annotated[_Many, typer.Option(
        "--garrison", metavar="BASE=N", show_default=False,
        help="Set a base's min_garrison (repeatable).")] = None,
    require: Annotated[_Many, typer.Option(
        "--require", metavar="UNIT@HOTSPOT:A-B", show_default=False,
        help="Require a unit at a hotspot in weeks A-B (repeatable; no weeks: all).")] = None,
    forbid: Annotated[_Many, typer.Option(
        "--forbid", metavar="UNIT@HOTSPOT:A-B", show_default=False,
        help="Forbid a unit at a hotspot in weeks A-B (repeatable; no weeks: all).")] = None,
    weight: Annotated[_Many, typer.Option(
        "--weight", metavar="NAME=VALUE", show_default=False,
        help="Set a score weight: harm, priorities, retaliation, vacuum, ied, engagement, "
             "distinction (repeatable).")] = None,
    policy: Annotated[_Many, typer.Option(
        "--policy", metavar="KEY=VALUE", show_default=False,
        help="Set a policy value, e.g. min_stay_weeks=2, distinction=forbid, "
             "mitigation_caps.terrorist_attacks=0.4 (repeatable).")] = None,
    marginal: Annotated[bool, typer.Option(
        "--marginal", help="Value one more unit of each kind at each base, and each "
                           "existing unit (of the changed scenario, if changes are given).")
    ] = False,
    solver: Annotated[SolverChoice, typer.Option(help=SOLVER_HELP)] = SolverChoice.auto,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, max=MAX_TIME_LIMIT, callback=finite_seconds,
        help="Seconds for all solves together.")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="Solver random seed.")] = 0,
    change_penalty: Annotated[float, typer.Option(
        "--change-penalty", min=0.0,
        help="Least change: score points per unit-week of the variant's plan that differs "
             "from the baseline plan, so it moves only what the change forces or what gains "
             "more (docs/ranking-and-comparisons.md §10).")] = 0.0,
    fmt: Annotated[WhatIfFormat, typer.Option("--format", "-f", help="Output format.")
                   ] = WhatIfFormat.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default=False,
        help="json, html: write to this file (atomically) instead of stdout; png: the "
             "directory for the figures.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, show_default=False,
        help="--marginal: re-solve on a local Dask cluster of this many worker processes "
             "(one solver thread each); default: one after another in this process.")] = None,
    scheduler: Scheduler = None,
) -> None:
    """What-if: the scenario as changed, side by side with the original."""
    if fmt in (WhatIfFormat.html, WhatIfFormat.png):
        if marginal:
            raise fail(ExitCode.USAGE, "--format html|png briefs a comparison, not "
                       "--marginal; use table or json")
        check_output_dir(output) if fmt is WhatIfFormat.png else check_output(
            output, {"scenario": scenario})
    elif fmt is WhatIfFormat.json:
        check_output(output, {"scenario": scenario})
    elif output is not None:
        raise fail(ExitCode.USAGE, "--output goes with --format json, html or png")
    if marginal and change_penalty:
        raise fail(ExitCode.USAGE, "--change-penalty compares a variant with the baseline "
                   "plan, not --marginal values; drop one of them")
    written = {"add_units": add_unit or [], "remove_units": remove_unit or [],
               "garrisons": garrison or [], "requires": require or [], "forbids": forbid or [],
               "weights": weight or [], "policies": policy or []}
    if (workers is not None or scheduler is not None) and not marginal:
        raise fail(ExitCode.USAGE, "--workers and --scheduler go with --marginal")
    _whatif(scenario, written, marginal,
            SolveOptions(solver=solver.value, time_limit=time_limit, seed=seed), fmt, output,
            change_penalty=change_penalty, cluster=(workers, scheduler))


def _whatif(path: Path, written: dict[str, list[str]], marginal: bool,
            options: SolveOptions, fmt: WhatIfFormat, output: Path | None = None,
            change_penalty: float = 0.0,
            cluster: tuple[int | None, str | None] = (None, None)) -> None:
    out, err = consoles()
    try:
        changes = parse_changes(**written)
    except ChangeSyntaxError as exc:
        raise fail(ExitCode.USAGE, "malformed change(s); nothing was solved",
                   list(exc.problems)) from None
    if not changes and not marginal:
        raise fail(ExitCode.USAGE, "nothing to compare: give at least one change "
                   "(--add-unit, --remove-unit, --garrison, --require, --forbid, --weight, "
                   "--policy) or --marginal")
    loaded = load_or_exit(path)
    print_warnings(err, loaded.warnings)
    try:
        variant = apply_changes(loaded.scenario, changes) if changes else None
    except ChangeRefused as exc:
        raise fail(ExitCode.INVALID_INPUT, "the what-if changes are refused; nothing "
                   "was solved", list(exc.problems)) from None
    print_warnings(err, variant.notes if variant else (), label="note")
    info = scenario_info(loaded)
    if marginal:
        scenario = variant.scenario if variant else loaded.scenario
        report = _run_marginal(scenario, options, err, cluster)
        if fmt is WhatIfFormat.json:
            emit(json_text(marginal_document(info, scenario, report, changes, options)),
                 output, err)
        else:
            render_marginal(out, info, report, changes, options)
        _exit_for(report.baseline, "the scenario")
        return
    assert variant is not None
    comparison = _run_compare(loaded, variant, options, err, change_penalty)
    if fmt is WhatIfFormat.json:
        emit(json_text(comparison_document(info, comparison)), output, err)
    elif fmt in (WhatIfFormat.html, WhatIfFormat.png):
        _briefing(info, comparison, fmt, output, err)
    else:
        render_comparison(out, info, comparison)
    _exit_for(comparison.baseline, "the scenario as given")
    _exit_for(comparison.result, "the changed scenario")


def _briefing(info: Any, comparison: Comparison, fmt: WhatIfFormat, output: Path | None,
              err: Console) -> None:
    """The what-if as an HTML briefing, or the changed plan's figures as PNG files."""
    from planner.outputs.html import whatif_briefing, whatif_columns, write_png_figures

    c = comparison
    baseline = single_outcome(info, c.baseline_instance, c.baseline, "the scenario as given")
    variant = single_outcome(info, c.variant_instance, c.result, "the scenario as changed")
    if fmt is WhatIfFormat.html:
        emit(whatif_briefing(baseline, variant, changes=[ch.text() for ch in c.variant.changes],
                             deltas=c.deltas, moved=c.moved, score_delta=c.delta),
             output, err)
    elif variant.plans:
        for path in write_png_figures(variant, output,  # type: ignore[arg-type]
                                      columns=whatif_columns(baseline, variant)):
            print_line(err, f"wrote {path}")




def _run_compare(loaded: LoadedScenario, variant: Any, options: SolveOptions,
                 err: Console, change_penalty: float = 0.0) -> Comparison:
    with solving(err, f"Solving the baseline and the variant (limit "
                      f"{options.time_limit:g} s)") as progress:
        try:
            return compare(loaded.scenario, variant,
                           SolveOptions(options.solver, options.time_limit, options.seed,
                                        progress.update), change_penalty=change_penalty)
        except SolverMissing as exc:
            raise solver_missing(options.solver, exc) from None


def _run_marginal(scenario: Any, options: SolveOptions, err: Console,
                  cluster: tuple[int | None, str | None] = (None, None)) -> MarginalReport:
    if cluster == (None, None):
        with quiet_stdout_fd(), progress_bar(err) as bar:
            try:
                return marginal_values(scenario, options, on_start=bar.start, on_done=bar.done)
            except SolverMissing as exc:
                raise solver_missing(options.solver, exc) from None
    with executor_or_exit(err, *cluster) as executor, quiet_stdout_fd(), \
            progress_bar(err) as bar:
        try:
            return marginal_values(scenario, options, on_start=bar.start, on_done=bar.done,
                                   executor=executor)
        except SolverMissing as exc:
            raise solver_missing(options.solver, exc) from None


def _exit_for(result: SolveResult, what: str) -> None:
    if result.plan is not None:
        return
    if result.status == SolveStatus.INFEASIBLE:
        raise fail(ExitCode.INFEASIBLE, f"no plan of {what} satisfies the hard rules; "
                   "the conflicting rules are:", list(result.conflicts) or ["(not isolated)"])
    if result.status == SolveStatus.NO_SOLUTION:
        raise fail(ExitCode.NO_PLAN, f"no plan of {what} was found within the time "
                   "limit; raise --time-limit")
    raise fail(ExitCode.INTERNAL, f"the solver failed on {what} ({result.status}): "
               f"{result.message or 'no details'}")
