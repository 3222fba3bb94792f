"""`pocplan whatif`: a changed force side by side with the original (issue 7).

Registered on cli.py's app by `register(app)`. Thin, like the rest of the CLI: parse the
changes → load the scenario → apply and cross-check the changes (refused before anything
is solved) → solve both → render. The changes and comparison live in `planner.analysis.whatif`;
this module only renders them (terminal table, or JSON of two §7 documents).

Exit codes as `pocplan plan`: 2 malformed change syntax, 3 invalid scenario or a change
that does not make sense for it, 4 the changed scenario is infeasible, 5 no plan in time.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from planner.analysis.whatif import (
    AddUnit,
    ChangeRefused,
    ChangeSyntaxError,
    Comparison,
    MarginalReport,
    MarginalValue,
    MetricDelta,
    MovedAssignment,
    apply_changes,
    change_document,
    compare,
    marginal_values,
    parse_changes,
)
from planner.domain.instance import Instance
from planner.outputs.documents import Outcome, PlanEntry, ScenarioInfo, plan_document, with_accounts
from planner.search.solve import SolveOptions, SolveResult

if TYPE_CHECKING:
    from planner.inputs.loader import LoadedScenario


class WhatIfSolver(StrEnum):
    auto = "auto"
    highs = "highs"
    cbc = "cbc"
    cpsat = "cpsat"


class WhatIfFormat(StrEnum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add `whatif` to the pocplan app (called by cli.py once its helpers exist)."""
    import cli

    app.command(name="whatif", help=WHATIF_HELP)(cli.guarded(whatif))


WHATIF_HELP = (
    "Solve a scenario as given and as changed (same seed and limits; each gets half the time "
    "limit) and show them side by side: score and every metric with deltas, and the "
    "assignments that changed. With --marginal: what one more unit of each kind at each "
    "base, and each existing unit, is worth. A change that does not make sense (unknown "
    "unit, base or kind, a window outside the horizon, an impossible pin) is refused before "
    "anything is solved (exit code 3).")

_Many = list[str] | None


def whatif(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML, DESIGN.md §3).",
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
    solver: Annotated[WhatIfSolver, typer.Option(
        help="auto (HiGHS if installed), highs, cbc or cpsat.")] = WhatIfSolver.auto,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, help="Seconds for all solves together.")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="Solver random seed.")] = 0,
    fmt: Annotated[WhatIfFormat, typer.Option("--format", "-f", help="Output format.")
                   ] = WhatIfFormat.table,
) -> None:
    """What-if: the scenario as changed, side by side with the original."""
    import cli

    written = {"add_units": add_unit or [], "remove_units": remove_unit or [],
               "garrisons": garrison or [], "requires": require or [], "forbids": forbid or [],
               "weights": weight or [], "policies": policy or []}
    _whatif(cli, scenario, written, marginal,
            SolveOptions(solver=solver.value, time_limit=time_limit, seed=seed), fmt)


def _whatif(cli: Any, path: Path, written: dict[str, list[str]], marginal: bool,
            options: SolveOptions, fmt: WhatIfFormat) -> None:
    out, err = cli.consoles()
    try:
        changes = parse_changes(**written)
    except ChangeSyntaxError as exc:
        raise cli.fail(cli.ExitCode.USAGE, "malformed change(s); nothing was solved",
                       list(exc.problems)) from None
    if not changes and not marginal:
        raise cli.fail(cli.ExitCode.USAGE, "nothing to compare: give at least one change "
                       "(--add-unit, --remove-unit, --garrison, --require, --forbid, --weight, "
                       "--policy) or --marginal")
    loaded = cli.load_or_exit(path)
    for warning in loaded.warnings:
        err.print(Text(f"warning: {warning}", style="yellow"), highlight=False)
    try:
        variant = apply_changes(loaded.scenario, changes) if changes else None
    except ChangeRefused as exc:
        raise cli.fail(cli.ExitCode.INVALID_INPUT, "the what-if changes are refused; nothing "
                       "was solved", list(exc.problems)) from None
    for note in variant.notes if variant else ():
        err.print(Text(f"note: {note}", style="yellow"), highlight=False)
    info = cli.scenario_info(loaded)
    if marginal:
        scenario = variant.scenario if variant else loaded.scenario
        report = _run_marginal(cli, scenario, options, err)
        _emit_marginal(out, info, scenario, report, changes, options, fmt)
        _exit_for(cli, report.baseline, "the scenario")
        return
    assert variant is not None
    comparison = _run_compare(cli, loaded, variant, options, err)
    _emit_comparison(out, info, comparison, fmt)
    _exit_for(cli, comparison.baseline, "the scenario as given")
    _exit_for(cli, comparison.result, "the changed scenario")


def _solver_missing(cli: Any, options: SolveOptions, exc: Exception) -> typer.Exit:
    return cli.fail(cli.ExitCode.INTERNAL, f"solver {options.solver!r} is not available: "
                    f"{exc}. Choose another with --solver (auto picks what is installed).")


def _run_compare(cli: Any, loaded: LoadedScenario, variant: Any, options: SolveOptions,
                 err: Console) -> Comparison:
    from planner.milp.backends import SolverMissing

    with cli.solving(err, f"Solving the baseline and the variant (limit "
                          f"{options.time_limit:g} s)") as progress:
        try:
            return compare(loaded.scenario, variant,
                           SolveOptions(options.solver, options.time_limit, options.seed,
                                        progress.update))
        except SolverMissing as exc:
            raise _solver_missing(cli, options, exc) from None


def _run_marginal(cli: Any, scenario: Any, options: SolveOptions,
                  err: Console) -> MarginalReport:
    from planner.milp.backends import SolverMissing

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with cli._quiet_stdout_fd(), Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("baseline", total=None)

        def on_start(label: str, i: int, n: int) -> None:
            bar.update(task, description=f"Re-solving: {label}", total=n + 1, completed=i)

        try:
            return marginal_values(scenario, options, on_start=on_start,
                                   on_done=lambda _v: bar.advance(task))
        except SolverMissing as exc:
            raise _solver_missing(cli, options, exc) from None


def _exit_for(cli: Any, result: SolveResult, what: str) -> None:
    if result.plan is not None:
        return
    if result.status == "infeasible":
        raise cli.fail(cli.ExitCode.INFEASIBLE, f"no plan of {what} satisfies the hard rules; "
                       "the conflicting rules are:", list(result.conflicts) or
                       ["(not isolated)"])
    if result.status == "no_solution":
        raise cli.fail(cli.ExitCode.NO_PLAN, f"no plan of {what} was found within the time "
                       "limit; raise --time-limit")
    raise cli.fail(cli.ExitCode.INTERNAL, f"the solver failed on {what} ({result.status}): "
                   f"{result.message or 'no details'}")


# ====================================================================== §7 documents
def single_outcome(info: ScenarioInfo, instance: Instance, result: SolveResult,
                   summary: str) -> Outcome:
    """An Outcome holding one solve's plan (or none), for `plan_document`."""
    plans = ()
    if result.plan is not None and result.evaluation is not None:
        plans = (PlanEntry(rank=1, plan=result.plan, evaluation=result.evaluation,
                           summary=summary, status=result.status),)
    return with_accounts(Outcome(
        scenario=info, instance=instance, backend=result.backend, status=result.status,
        gap=result.gap, seconds=result.seconds, plans=plans, heuristic=result.heuristic,
        heuristic_evaluation=result.heuristic_evaluation, requested=1,
        message=result.message, conflicts=tuple(result.conflicts)))


def comparison_document(info: ScenarioInfo, comparison: Comparison) -> dict[str, Any]:
    """`{"baseline": §7, "variant": §7, "changes": [...]}`, and the comparison itself as
    extra keys: `deltas` (score and every metric), `moved`, `missions`, `notes`."""
    c = comparison
    return {
        "baseline": plan_document(single_outcome(info, c.baseline_instance, c.baseline,
                                                 "the scenario as given")),
        "variant": plan_document(single_outcome(info, c.variant_instance, c.result,
                                                "the scenario as changed")),
        "changes": [change_document(ch) for ch in c.variant.changes],
        "deltas": {d.name: {"baseline": d.baseline, "variant": d.variant, "delta": d.delta}
                   for d in c.deltas},
        "moved": [m.as_dict() for m in c.moved],
        "missions": list(c.mission_moves),
        "notes": list(c.variant.notes + c.notes),
    }


def _json(doc: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    sys.stdout.flush()


# ====================================================================== terminal: compare
def _number(value: float | None, name: str = "") -> str:
    if value is None:
        return "–"
    if name in ("colocation_weeks", "unit_weeks", "sorties"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _delta_text(d: MetricDelta) -> Text:
    if d.delta is None:
        return Text("–")
    if abs(d.delta) < 1e-9:
        return Text("0", style="dim")
    style = {True: "green", False: "red", None: ""}[d.better]
    digits = 0 if d.name in ("colocation_weeks", "unit_weeks", "sorties") else 1
    return Text(f"{d.delta:+,.{digits}f}", style=style)


def deltas_table(deltas: tuple[MetricDelta, ...]) -> Table:
    table = Table(title="Score and metrics (Δ green: better, red: worse)",
                  title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for name, justify in (("", "left"), ("Baseline", "right"), ("Variant", "right"),
                          ("Δ", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for d in deltas:
        table.add_row(d.label, _number(d.baseline, d.name), _number(d.variant, d.name),
                      _delta_text(d), style="bold" if d.name == "score" else None)
    return table


def _doing(comparison: Comparison, unit: str, what: str | None, variant: bool) -> str:
    instance = comparison.variant_instance if variant else comparison.baseline_instance
    if unit not in instance.units:
        return "(removed)" if variant else "(new unit)"
    if what is not None:
        return what
    return "at base" if instance.units[unit].is_ground else "no sorties"


def moved_table(comparison: Comparison) -> Table | Text:
    if not comparison.moved:
        return Text("No assignment changed.", style="green")
    table = Table(title="Assignments that changed", title_justify="left", header_style="bold",
                  box=box.SIMPLE_HEAD)
    for name in ("Unit", "Weeks", "Baseline", "Variant"):
        table.add_column(name, no_wrap=name in ("Unit", "Weeks"))
    for m in comparison.moved:
        table.add_row(m.unit, _weeks(m), _doing(comparison, m.unit, m.baseline, False),
                      _doing(comparison, m.unit, m.variant, True))
    return table


def _weeks(m: MovedAssignment) -> str:
    return f"w{m.weeks[0]}" if len(m.weeks) == 1 else f"w{m.weeks[0]}–{m.weeks[-1]}"


def _status(result: SolveResult) -> str:
    gap = "–" if result.gap is None else f"{100 * result.gap:.2f} %"
    return f"{result.backend}, {result.status}, gap {gap}, {result.seconds:.1f} s"


def render_comparison(console: Console, info: ScenarioInfo, comparison: Comparison) -> None:
    c = comparison
    console.rule("[bold]pocplan — what-if[/bold]")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Scenario", info.name)
    grid.add_row("Changes", "\n".join(ch.text() for ch in c.variant.changes))
    grid.add_row("Baseline", _status(c.baseline))
    grid.add_row("Variant", _status(c.result))
    console.print(grid)
    console.print(deltas_table(c.deltas))
    console.print(moved_table(c))
    for line in c.mission_moves:
        console.print(f"  • Mission: {line}")
    for note in c.variant.notes + c.notes:
        console.print(Text(f"Note: {note}", style="yellow"))
    if c.result.status != "optimal" or c.baseline.status != "optimal":
        console.print(Text("A solve stopped at its time limit: its plan is the best found, not "
                           "proven best; raise --time-limit to compare optimal plans.",
                           style="yellow"))


def _emit_comparison(out: Console, info: ScenarioInfo, comparison: Comparison,
                     fmt: WhatIfFormat) -> None:
    if fmt is WhatIfFormat.json:
        _json(comparison_document(info, comparison))
    else:
        render_comparison(out, info, comparison)


# ====================================================================== marginal
def marginal_table(report: MarginalReport) -> Table:
    table = Table(title="Marginal values (score points): one more unit, then one unit fewer",
                  title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for name, justify in (("#", "right"), ("Change", "left"), ("Value", "right"),
                          ("Status", "left"), ("Seconds", "right"), ("Note", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "Note")  # type: ignore[arg-type]
    for i, v in enumerate(report.values, start=1):
        if i > 1 and isinstance(v.change, AddUnit) != isinstance(report.values[i - 2].change,
                                                                   AddUnit):
            table.add_section()
        value = "–" if v.value is None else (("+" if isinstance(v.change, AddUnit) else "−")
                                             + f"{v.value:,.1f}")
        table.add_row(str(i), v.label, value, v.status + (" (limit)" if v.hit_limit else ""),
                      f"{v.seconds:.1f}", v.note)
    return table


def marginal_notes(report: MarginalReport) -> list[str]:
    limited = [v for v in report.values if v.hit_limit]
    notes = ["Value of '+1 …': score gained with one more unit of that kind at that base "
             "(available the whole horizon); of 'without …': score lost without that unit "
             "(its pins dropped). Additions start from the baseline plan, so they are never "
             "worth less than 0."]
    if report.baseline.status != "optimal":
        notes.append(f"The baseline solve stopped at its time limit ({report.baseline.status})"
                     ": every value is measured against a plan not proven best.")
    if limited:
        notes.append(f"{len(limited)} of {len(report.values)} re-solves hit their time limit "
                     f"({', '.join(v.label for v in limited)}): their values are not proven; "
                     "raise --time-limit.")
    return notes


def marginal_document(info: ScenarioInfo, scenario: Any, report: MarginalReport,
                      changes: list[Any], options: SolveOptions) -> dict[str, Any]:
    instance = Instance.build(scenario)
    return {
        "baseline": plan_document(single_outcome(info, instance, report.baseline,
                                                 "the baseline of the marginal values")),
        "changes": [change_document(ch) for ch in changes],
        "marginal": [v.as_dict() for v in report.values],
        "time_limit": options.time_limit,
        "seconds": round(report.seconds, 3),
        "notes": marginal_notes(report),
    }


def _emit_marginal(out: Console, info: ScenarioInfo, scenario: Any, report: MarginalReport,
                   changes: list[Any], options: SolveOptions, fmt: WhatIfFormat) -> None:
    if fmt is WhatIfFormat.json:
        _json(marginal_document(info, scenario, report, changes, options))
        return
    out.rule("[bold]pocplan — marginal values[/bold]")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Scenario", info.name)
    if changes:
        grid.add_row("Changes", "\n".join(ch.text() for ch in changes))
    grid.add_row("Baseline", f"score {_number(report.baseline.score)} "
                 f"({_status(report.baseline)})")
    grid.add_row("Time", f"{report.seconds:.1f} s of {options.time_limit:g} s")
    out.print(grid)
    out.print(marginal_table(report))
    for note in marginal_notes(report):
        out.print(Text(note, style="dim"))


__all__ = ["register", "single_outcome", "comparison_document", "marginal_document",
           "render_comparison", "deltas_table", "marginal_table", "MarginalValue"]
