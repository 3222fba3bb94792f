"""pocplan: ranked protection-of-civilians operation plans from the command line.

A thin layer (STYLE.md 8): parse → load and validate → plan → render. Machine output
(`--format json|csv|geojson|markdown`, `schema`) goes to stdout and nothing else does;
everything human (progress, problems, notes) goes to stderr, except the terminal report
of `plan --format table` and the summary of `validate`, which are the output.

Exit codes (README "Exit codes"): see `ExitCode`.

The what-if and priorities commands (issue 7) live in `planner/cli_whatif.py` and
`planner/cli_priorities.py`; each module's `register(app)` is called at the end of this
file when the module exists. They use this module's helpers by importing `cli` inside
`register`: `ExitCode`, `consoles`, `fail`, `guarded`, `load_or_exit`, `scenario_info`,
`solving` and `_quiet_stdout_fd` (keep these names stable).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from planner.commands.common import (  # noqa: F401 - re-exported: cli.X stays stable
    DEBUG_ENV,
    REPORT_WIDTH,
    ExitCode,
    consoles,
    fail,
    guarded,
    load_or_exit,
)
from planner.commands.events import import_app
from planner.evaluator import evaluate
from planner.files import write_atomic
from planner.instance import Instance
from planner.loader import LoadedScenario
from planner.output import (
    Outcome,
    ScenarioInfo,
    geojson_text,
    outcome_from_heuristic,
    outcome_from_ranked,
    plan_csv,
    plan_json,
)
from planner.priorities import DEFAULT_PRICE_LIMIT
from planner.report import markdown_briefing, render_plan_report, render_validation
from planner.schema import priorities_json_schema, scenario_json_schema, schema_text

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
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


class SchemaKind(StrEnum):
    scenario = "scenario"
    priorities = "priorities"


app = typer.Typer(
    name="pocplan",
    help="Protection-of-civilians operations planning: ranked joint-operation plans "
         "(courses of action) for UN peacekeeping, with what each one buys and costs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def scenario_info(loaded: LoadedScenario) -> ScenarioInfo:
    s = loaded.scenario
    return ScenarioInfo(name=s.name, sha256=loaded.sha256, weeks=s.horizon.weeks,
                        path=loaded.path, start=s.horizon.start)


class SolveProgress:
    """A status line: what is running, elapsed seconds and the best objective so far.
    Rendered afresh on every refresh of the rich status, so the clock keeps ticking."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.perf_counter()
        self.best: float | None = None

    def update(self, objective: float) -> None:
        """The SolveOptions.progress callback: an improving solution was found."""
        self.best = objective if self.best is None else max(self.best, objective)

    def __rich__(self) -> Text:
        text = f"{self.label} — {time.perf_counter() - self.started:.0f} s"
        if self.best is not None:
            text += f", best score so far {self.best:,.1f}"
        return Text(text)


@contextlib.contextmanager
def solving(err: Console, label: str) -> Iterator[SolveProgress]:
    """A rich status on stderr while a solver runs. What solver libraries print on file
    descriptor 1 themselves (the HiGHS banner) is discarded meanwhile, so stdout carries
    only pocplan's output (pocplan's own messages go to stderr)."""
    progress = SolveProgress(label)
    with _quiet_stdout_fd(), err.status(progress):
        yield progress


@contextlib.contextmanager
def _quiet_stdout_fd() -> Iterator[None]:
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, io.UnsupportedOperation):
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        _flush_c_stdio()
        os.dup2(saved, 1)
        os.close(saved)


def _flush_c_stdio() -> None:
    """Flush C-level stdio buffers (a library's printf) while fd 1 is still redirected."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).fflush(None)


def emit(text: str, output: Path | None, err: Console) -> None:
    """Machine output: to `output` atomically, else to stdout (UTF-8), nothing else."""
    if output is not None:
        write_atomic(output, text)
        err.print(f"wrote {output}", highlight=False)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


# ====================================================================== validate / schema
@app.command(help="Check a scenario and its priority files and summarise it: horizon, "
                  "units by kind, baseline risk by threat category, top hotspots, warnings. "
                  "Exit code 3 when the input is invalid.")
@guarded
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML, DESIGN.md §3).",
                                             show_default=False)],
) -> None:
    """Check a scenario and its priority files; summarise it."""
    out, _ = consoles()
    loaded = load_or_exit(scenario)
    instance = Instance.build(loaded.scenario)
    render_validation(out, path=str(scenario), sha256=loaded.sha256, instance=instance,
                      warnings=loaded.warnings)


@app.command()
@guarded
def schema(
    kind: Annotated[SchemaKind, typer.Argument(help="Which file format.")] = SchemaKind.scenario,
) -> None:
    """Print the JSON Schema of a scenario file (default) or of a priorities file."""
    body = scenario_json_schema() if kind is SchemaKind.scenario else priorities_json_schema()
    sys.stdout.write(schema_text(body))
    sys.stdout.flush()


# ====================================================================== plan
def _check_output(output: Path | None) -> None:
    if output is None:
        return
    parent = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise typer.BadParameter(f"{output} is a directory", param_hint="--output")
    if not parent.is_dir():
        raise typer.BadParameter(f"directory {parent} does not exist", param_hint="--output")


def _plan_with_solver(loaded: LoadedScenario, instance: Instance, err: Console, *, plans: int,
                      solver: str, time_limit: float, seed: int,
                      min_difference: int | None, price_limit: int) -> Outcome:
    from planner.backends import SolverMissing
    from planner.ranking import rank_plans
    from planner.solve import SolveOptions

    with solving(err, f"Planning {plans} COA(s) with {solver} "
                      f"(limit {time_limit:g} s)") as progress:
        options = SolveOptions(solver=solver, time_limit=time_limit, seed=seed,
                               progress=progress.update)
        try:
            ranked = rank_plans(instance, k=plans, min_difference=min_difference,
                                options=options)
        except SolverMissing as exc:
            raise fail(ExitCode.INTERNAL, f"solver {solver!r} is not available: {exc}. "
                       "Choose another with --solver (auto picks what is installed).") from None
        accounts = _priority_accounts(instance, ranked, options, price_limit, progress)
    return outcome_from_ranked(scenario_info(loaded), instance, ranked, accounts)


PRICING_SHARE = 0.25
"""Pricing the priorities a plan does not meet (one re-solve each) may take this share of
--time-limit on top of it (at least 1 s)."""


def _priority_accounts(instance: Instance, ranked: Any, options: Any, price_limit: int,
                       progress: SolveProgress) -> dict | None:
    """Every priority met / partial / unmet with its reason, and a price (the score lost
    when the plan must meet it) for up to `price_limit` of those not met (issue 7)."""
    from planner.priorities import account_priorities

    if not ranked.plans:
        return None
    if price_limit:
        progress.label = "Pricing the civilian priorities not met"
    budget = max(1.0, PRICING_SHARE * options.time_limit)
    return account_priorities(instance, ranked, options=replace(options, time_limit=budget),
                              price_limit=price_limit)


def _plan_with_heuristic(loaded: LoadedScenario, instance: Instance, err: Console,
                         plans: int) -> Outcome:
    from planner.heuristic import InfeasibleScenario, staff_heuristic

    started = time.perf_counter()
    with solving(err, "Running the staff heuristic"):
        try:
            plan = staff_heuristic(instance)
        except InfeasibleScenario as exc:
            raise fail(ExitCode.INFEASIBLE, "no plan satisfies the hard rules "
                       "(staff heuristic)", [str(exc)]) from None
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
    elif output is not None:
        buffer = Console(file=io.StringIO(), width=max(REPORT_WIDTH, out.width),
                         color_system=None)
        render_plan_report(buffer, outcome, show=show, show_assumptions=assumptions)
        emit(buffer.file.getvalue(), output, err)  # type: ignore[attr-defined]
    else:
        render_plan_report(out, outcome, show=show, show_assumptions=assumptions)


def _exit_for(outcome: Outcome, err: Console) -> ExitCode:
    if outcome.plans:
        return ExitCode.OK
    if outcome.status == "infeasible":
        raise fail(ExitCode.INFEASIBLE, "no plan satisfies the hard rules; the conflicting "
                   "rules are:", list(outcome.conflicts) or ["(not isolated)"])
    if outcome.status == "no_solution":
        raise fail(ExitCode.NO_PLAN, "no plan was found within the time limit; raise "
                   "--time-limit" + (f" ({outcome.message})" if outcome.message else ""))
    raise fail(ExitCode.INTERNAL, f"the solver failed ({outcome.status}): "
               f"{outcome.message or 'no details'}")


@app.command(help="Ranked joint-operation plans (COAs) with their trade-offs, the staff "
                  "heuristic as reference, and the detail of one COA.")
@guarded
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
        "--time-limit", min=0.1, help="Seconds for all plans together.")] = 60.0,
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
                               "stdout.", show_default=False)] = None,
    assumptions: Annotated[bool, typer.Option(
        "--assumptions", help="Show the effects, caps and policy in force.")] = False,
) -> None:
    """Plan: ranked COAs, rendered in the chosen format."""
    if show > plans:
        raise typer.BadParameter(f"--show {show} is beyond --plans {plans}",
                                 param_hint="--show")
    _check_output(output)
    out, err = consoles()
    path = scenario if scenario is not None else FLAGSHIP
    loaded = load_or_exit(path)
    for warning in loaded.warnings:
        err.print(Text(f"warning: {warning}", style="yellow"), highlight=False)
    instance = Instance.build(loaded.scenario)
    if solver is Solver.heuristic:
        outcome = _plan_with_heuristic(loaded, instance, err, plans)
    else:
        outcome = _plan_with_solver(loaded, instance, err, plans=plans, solver=solver.value,
                                    time_limit=time_limit, seed=seed,
                                    min_difference=min_difference, price_limit=price_limit)
    if outcome.plans and show > len(outcome.plans):
        err.print(f"note: only {len(outcome.plans)} COA(s); showing COA {len(outcome.plans)}",
                  highlight=False)
    if outcome.plans or fmt is Format.json:
        _render(outcome, fmt, show=min(show, max(1, len(outcome.plans))),
                assumptions=assumptions, output=output, out=out, err=err)
    code = _exit_for(outcome, err)
    if code is not ExitCode.OK:
        raise typer.Exit(int(code))


# ====================================================================== extensions
def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version
        try:
            typer.echo(f"pocplan {version('pocplan')}")
        except PackageNotFoundError:
            typer.echo("pocplan (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """pocplan: decision support for protection-of-civilians operations planning."""


EXTENSIONS = ("planner.cli_whatif", "planner.cli_priorities")
"""Modules adding sub-commands (issue 7); each defines `register(app: typer.Typer)`."""


def _register_extensions() -> None:
    for name in EXTENSIONS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)


_register_extensions()
app.add_typer(import_app, name="import")  # pocplan import events (issue 16)


def main() -> None:
    """Console-script entry point (`pocplan = "cli:main"`)."""
    app()


if __name__ == "__main__":
    main()
