"""`pocplan validate`, `pocplan schema` and `pocplan plan`: check a scenario, print the
format's JSON Schema, and plan ranked COAs (parse → load and validate → plan → render)."""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from planner import SCENARIOS_DIR
from planner.analysis.pricing import DEFAULT_PRICE_LIMIT
from planner.commands.common import (
    MAX_TIME_LIMIT,
    ExitCode,
    check_output,
    check_output_dir,
    emit,
    fail,
    finite_seconds,
    guarded,
    load_or_exit,
    scenario_info,
    solver_missing,
    solving,
)
from planner.domain.instance import Instance
from planner.inputs.loader import LoadedScenario
from planner.inputs.schema import priorities_json_schema, scenario_json_schema, schema_text
from planner.milp.status import SolveStatus
from planner.outputs.documents import (
    Outcome,
    geojson_text,
    outcome_from_heuristic,
    outcome_from_ranked,
    plan_csv,
    plan_json,
)
from planner.outputs.report import markdown_briefing, render_plan_report, render_validation
from planner.outputs.terminal import (
    Console,
    SolveProgress,
    consoles,
    print_line,
    print_warnings,
    rendered_text,
)
from planner.rules.evaluator import evaluate

FLAGSHIP = SCENARIOS_DIR / "central_mali_2018.yaml"
"""The scenario `pocplan plan` plans when none is given."""

class Solver(StrEnum):
    auto = "auto"
    highs = "highs"
    cbc = "cbc"
    cpsat = "cpsat"
    heuristic = "heuristic"


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
    geojson = "geojson"
    html = "html"
    png = "png"


class Robust(StrEnum):
    """Robust objectives across threat assessments (docs/evaluation-contract.md §9)."""

    min = "min"
    mean = "mean"
    regret = "regret"


class SchemaKind(StrEnum):
    scenario = "scenario"
    priorities = "priorities"


def register(app: typer.Typer) -> None:
    """Add `validate`, `schema` and `plan` to the pocplan app."""
    app.command(help=VALIDATE_HELP)(guarded(validate))
    app.command()(guarded(schema))
    app.command(help=PLAN_HELP)(guarded(plan))


VALIDATE_HELP = ("Check a scenario and its priority files and summarise it: horizon, units by "
                 "kind, baseline risk by threat category, top hotspots, warnings. Exit code 3 "
                 "when the input is invalid.")
PLAN_HELP = ("Ranked joint-operation plans (COAs) with their trade-offs, the staff heuristic "
             "as reference, and the detail of one COA.")


def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML, docs/scenario-format.md).",
                                             show_default=False)],
) -> None:
    """Check a scenario and its priority files; summarise it."""
    out, _ = consoles()
    loaded = load_or_exit(scenario)
    instance = Instance.build(loaded.scenario)
    render_validation(out, path=str(scenario), sha256=loaded.sha256, instance=instance,
                      warnings=loaded.warnings)


def schema(
    kind: Annotated[SchemaKind, typer.Argument(help="Which file format.")] = SchemaKind.scenario,
) -> None:
    """Print the JSON Schema of a scenario file (default) or of a priorities file."""
    body = scenario_json_schema() if kind is SchemaKind.scenario else priorities_json_schema()
    sys.stdout.write(schema_text(body))
    sys.stdout.flush()


def _plan_with_solver(loaded: LoadedScenario, instance: Instance, err: Console, *, plans: int,
                      solver: str, time_limit: float, seed: int,
                      min_difference: int | None, price_limit: int,
                      robust: Robust | None = None) -> Outcome:
    """Ranked COAs and their priority accounts, all within --time-limit
    (planner.analysis.coas: the split, and the run's one plan pool)."""
    from planner.analysis.coas import plan_coas
    from planner.milp.backends import SolverMissing
    from planner.search.robust import RobustUnavailable
    from planner.search.solve import SolveOptions

    objective = f", robust: {robust.value}" if robust is not None else ""
    with solving(err, f"Planning {plans} COA(s) with {solver} "
                      f"(limit {time_limit:g} s{objective})") as progress:
        options = SolveOptions(solver=solver, time_limit=time_limit, seed=seed,
                               progress=progress.update)
        try:
            run = plan_coas(instance, plans, min_difference, options, price_limit=price_limit,
                            on_pricing=lambda: _pricing_label(progress),
                            robust=robust.value if robust is not None else None)
        except SolverMissing as exc:
            raise solver_missing(solver, exc) from None
        except RobustUnavailable as exc:
            raise fail(ExitCode.USAGE, f"{loaded.path}: --robust {robust}: {exc}",
                       ["Fix: add threat assessments under `assessments:` "
                        "(docs/scenario-format.md §9), or leave out --robust"]) from None
    return outcome_from_ranked(scenario_info(loaded), instance, run.ranked, run.accounts,
                               robust=run.robust)


def _pricing_label(progress: SolveProgress) -> None:
    progress.label = "Pricing the civilian priorities not met"


def _plan_with_heuristic(loaded: LoadedScenario, instance: Instance, err: Console,
                         plans: int) -> Outcome:
    from planner.search.heuristic import InfeasibleScenario, staff_heuristic

    started = time.perf_counter()
    with solving(err, "Running the staff heuristic"):
        try:
            plan = staff_heuristic(instance)
        except InfeasibleScenario as exc:
            # Like an infeasible solve: the JSON document is still written, then exit 4.
            return Outcome(scenario=scenario_info(loaded), instance=instance,
                           backend="heuristic", status=SolveStatus.INFEASIBLE, gap=None,
                           seconds=time.perf_counter() - started, plans=(), requested=plans,
                           message="the staff heuristic found no valid plan",
                           conflicts=(str(exc),))
        evaluation = evaluate(instance, plan)
    return outcome_from_heuristic(scenario_info(loaded), instance, plan, evaluation,
                                  time.perf_counter() - started, requested=plans)


def _render(outcome: Outcome, fmt: Format, *, show: int, assumptions: bool,
            output: Path | None, out: Console, err: Console) -> None:
    if fmt is Format.json:
        emit(plan_json(outcome, include_assumptions=assumptions), output, err)
    elif fmt is Format.csv:
        emit(plan_csv(outcome), output, err)
    elif fmt is Format.geojson:
        emit(geojson_text(outcome), output, err)
    elif fmt is Format.markdown:
        emit(markdown_briefing(outcome, show=show), output, err)
    elif fmt is Format.html:
        from planner.outputs.html import html_briefing

        emit(html_briefing(outcome, show=show), output, err)
    elif fmt is Format.png:
        from planner.outputs.html import write_png_figures

        for path in write_png_figures(outcome, output, show=show):  # type: ignore[arg-type]
            print_line(err, f"wrote {path}")
    elif output is not None:
        emit(rendered_text(lambda console: render_plan_report(
            console, outcome, show=show, show_assumptions=assumptions), out.width), output, err)
    else:
        render_plan_report(out, outcome, show=show, show_assumptions=assumptions)


def _exit_for(outcome: Outcome, err: Console) -> ExitCode:
    if outcome.plans:
        return ExitCode.OK
    if outcome.status == SolveStatus.INFEASIBLE:
        raise fail(ExitCode.INFEASIBLE, "no plan satisfies the hard rules; the conflicting "
                   "rules are:", list(outcome.conflicts) or ["(not isolated)"])
    if outcome.status == SolveStatus.NO_SOLUTION:
        raise fail(ExitCode.NO_PLAN, "no plan was found within the time limit; raise "
                   "--time-limit" + (f" ({outcome.message})" if outcome.message else ""))
    raise fail(ExitCode.INTERNAL, f"the solver failed ({outcome.status}): "
               f"{outcome.message or 'no details'}")


def plan(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario file (YAML). Default: the bundled flagship, central Mali 2018.",
        show_default=False)] = None,
    plans: Annotated[int, typer.Option("--plans", "-k", min=1, max=20,
                                       help="How many ranked COAs.")] = 5,
    solver: Annotated[Solver, typer.Option(
        help="auto (HiGHS if installed), highs, cbc, cpsat, or heuristic: the staff "
             "heuristic alone.")] = Solver.auto,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, max=MAX_TIME_LIMIT, callback=finite_seconds,
        help="Seconds for all plans together.")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="Solver random seed.")] = 0,
    min_difference: Annotated[int | None, typer.Option(
        "--min-difference", min=1, show_default=False,
        help="Least difference D between any two COAs, in unit-weeks of presence; "
             "default: 10 % of plan 1's presence unit-weeks, at least 2.")] = None,
    show: Annotated[int, typer.Option(min=1, help="Which COA to detail.")] = 1,
    price_limit: Annotated[int, typer.Option(
        "--price-limit", min=0, help="Price up to this many civilian priorities the plans "
                                     "do not meet (highest weight first), each by a "
                                     "re-solve; 0: no pricing.")] = DEFAULT_PRICE_LIMIT,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the output to this file (atomically) instead of "
                               "stdout; with --format png, the directory for the PNG "
                               "figures.", show_default=False)] = None,
    assumptions: Annotated[bool, typer.Option(
        "--assumptions", help="Show the effects, caps and policy in force.")] = False,
    robust: Annotated[Robust | None, typer.Option(
        "--robust", show_default=False,
        help="Plan for every threat assessment of the scenario at once: maximise the worst "
             "score (min), the mean score (mean), or minimise the largest regret against "
             "each assessment's own optimum (regret).")] = None,
) -> None:
    """Plan: ranked COAs, rendered in the chosen format."""
    if robust is not None and solver is Solver.heuristic:
        raise typer.BadParameter("--robust needs a solver, not the staff heuristic",
                                 param_hint="--robust")
    if show > plans:
        raise typer.BadParameter(f"--show {show} is beyond --plans {plans}",
                                 param_hint="--show")
    check_output_dir(output) if fmt is Format.png else check_output(
        output, {"scenario": scenario if scenario is not None else FLAGSHIP})
    out, err = consoles()
    path = scenario if scenario is not None else FLAGSHIP
    loaded = load_or_exit(path)
    print_warnings(err, loaded.warnings)
    instance = Instance.build(loaded.scenario)
    if solver is Solver.heuristic:
        outcome = _plan_with_heuristic(loaded, instance, err, plans)
    else:
        outcome = _plan_with_solver(loaded, instance, err, plans=plans, solver=solver.value,
                                    time_limit=time_limit, seed=seed,
                                    min_difference=min_difference, price_limit=price_limit,
                                    robust=robust)
    if outcome.plans and outcome.status == SolveStatus.ERROR:
        print_warnings(err, [f"the solver failed ({outcome.message or 'no details'}); the "
                             "plan shown is the staff heuristic's"])
    if outcome.plans and show > len(outcome.plans):
        print_line(err, f"note: only {len(outcome.plans)} COA(s); showing COA "
                        f"{len(outcome.plans)}")
    if outcome.plans or fmt is Format.json:
        _render(outcome, fmt, show=min(show, max(1, len(outcome.plans))),
                assumptions=assumptions, output=output, out=out, err=err)
    code = _exit_for(outcome, err)
    if code is not ExitCode.OK:
        raise typer.Exit(int(code))
