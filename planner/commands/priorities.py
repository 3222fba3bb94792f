"""`pocplan priorities submit|list`: priority intake for heads of office (issue 7).

Registered on cli.py's app by `register(app)` as the `priorities` command group.

- `submit FILE --scenario SCENARIO`: `planner.inputs.intake.submit` (DESIGN.md §3.1). A refused
  submission changes nothing and lists every problem on stderr (exit code 3).
- `list SCENARIO`: every priority by office, with where it came from (file, submitted at,
  content hash) and its status in the best plan found within `--time-limit`: met, partial
  (satisfaction) or unmet, with the reason, and prices for up to `--price-limit` of them.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.analysis.pricing import PriorityAccount, account_priorities
from planner.domain.instance import Instance
from planner.inputs.intake import (
    ListedPriority,
    Stored,
    SubmissionRefused,
    listed_priorities,
    submit,
)
from planner.outputs.documents import PlanEntry
from planner.search.solve import SolveOptions, SolveResult, solve

STATUS_STYLE = {"met": "green", "partial": "yellow", "unmet": "red"}


class ListSolver(StrEnum):
    auto = "auto"
    highs = "highs"
    cbc = "cbc"
    cpsat = "cpsat"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


priorities_app = typer.Typer(
    name="priorities", no_args_is_help=True, rich_markup_mode="rich",
    help="Priority intake for heads of office: submit a priorities file, list every "
         "priority with its provenance and its status in the best plan.")


def register(app: typer.Typer) -> None:
    """Add the `priorities` command group to the pocplan app."""
    import cli

    priorities_app.command(name="submit", help=SUBMIT_HELP)(cli.guarded(submit_command))
    priorities_app.command(name="list", help=LIST_HELP)(cli.guarded(list_command))
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


# ====================================================================== submit
def submit_command(
    file: Annotated[Path, typer.Argument(help="The office's priorities file (YAML, DESIGN.md "
                                              "§3.1).", show_default=False)],
    scenario: Annotated[Path, typer.Option("--scenario", "-s", help="The scenario file.",
                                           show_default=False)],
) -> None:
    """Submit an office's priorities."""
    import cli

    out, err = cli.consoles()
    try:
        stored = submit(file, scenario)
    except SubmissionRefused as exc:
        raise cli.fail(cli.ExitCode.INVALID_INPUT, exc.message, list(exc.problems)) from None
    render_stored(out, stored, scenario)
    for warning in stored.warnings:
        err.print(Text(f"warning: {warning}", style="yellow"), highlight=False)


def render_stored(console: Console, stored: Stored, scenario: Path) -> None:
    verb = "replaced" if stored.replaced else "stored"
    console.print(Text.assemble((f"✓ {verb}: ", "bold green"), str(stored.path)))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Office", stored.office)
    grid.add_row("Priorities", ", ".join(stored.priorities) or "(none)")
    grid.add_row("Submitted at", stored.submitted_at)
    grid.add_row("sha256", stored.sha256)
    for path in stored.history:
        grid.add_row("Previous", f"kept as {path}")
    grid.add_row("Scenario", f"{scenario} loads with it")
    console.print(grid)


# ====================================================================== list
def list_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, help="Seconds for the best plan (and, with --price-limit, "
                                      "as long again for the prices).")] = 30.0,
    price_limit: Annotated[int, typer.Option(
        "--price-limit", min=0, help="Price up to this many priorities not met (highest "
                                     "weight first), each by a re-solve.")] = 0,
    solver: Annotated[ListSolver, typer.Option(
        help="auto (HiGHS if installed), highs, cbc or cpsat.")] = ListSolver.auto,
    seed: Annotated[int, typer.Option(min=0, help="Solver random seed.")] = 0,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")
                   ] = ListFormat.table,
) -> None:
    """List every priority by office with provenance and status in the best plan."""
    import cli
    from planner.milp.backends import SolverMissing

    out, err = cli.consoles()
    loaded = cli.load_or_exit(scenario)
    instance = Instance.build(loaded.scenario)
    listed = listed_priorities(loaded)
    options = SolveOptions(solver=solver.value, time_limit=time_limit, seed=seed)
    with cli.solving(err, f"Finding the best plan (limit {time_limit:g} s)") as progress:
        try:
            result = solve(instance, replace(options, progress=progress.update))
            accounts: tuple[PriorityAccount, ...] = ()
            if result.plan is not None and result.evaluation is not None:
                progress.label = "Accounting for the priorities"
                entry = PlanEntry(1, result.plan, result.evaluation, "the best plan found")
                accounts = account_priorities(instance, [entry], options,
                                              price_limit=price_limit)[1]
        except SolverMissing as exc:
            raise cli.fail(cli.ExitCode.INTERNAL, f"solver {solver.value!r} is not available: "
                           f"{exc}. Choose another with --solver.") from None
    if fmt is ListFormat.json:
        sys.stdout.write(json.dumps(list_document(loaded, listed, result, accounts), indent=2,
                                    ensure_ascii=False, allow_nan=False) + "\n")
        sys.stdout.flush()
    else:
        render_list(out, loaded, listed, result, accounts)
    if result.plan is None:
        code = {"infeasible": cli.ExitCode.INFEASIBLE, "no_solution": cli.ExitCode.NO_PLAN}
        raise cli.fail(code.get(result.status, cli.ExitCode.INTERNAL),
                       f"no plan ({result.status}): the statuses above are unknown",
                       list(result.conflicts))


def _groups(listed: list[ListedPriority]) -> dict[tuple[str, Path], list[ListedPriority]]:
    """Priorities by office, then by the file they came from, in scenario order."""
    groups: dict[tuple[str, Path], list[ListedPriority]] = defaultdict(list)
    for item in listed:
        groups[item.office or "(no office)", item.file].append(item)
    return dict(sorted(groups.items(), key=lambda kv: kv[0][0]))


def _relative(path: Path, loaded: Any) -> str:
    try:
        return str(path.resolve().relative_to(loaded.path.resolve().parent))
    except ValueError:
        return str(path)


def _provenance_text(item: ListedPriority, loaded: Any) -> str:
    p = item.provenance
    where = _relative(item.file, loaded)
    if item.file == loaded.path:
        return f"{where} (in the scenario file), sha256 {p.sha256[:12]}…"
    when = f"submitted {p.submitted_at}" if p.submitted_at else "submission time not recorded"
    check = {True: ", verified", False: ", CHANGED since submission", None: ""}[p.verified]
    return f"{where}, {when}, sha256 {p.sha256[:12]}…{check}"


def render_list(console: Console, loaded: Any, listed: list[ListedPriority],
                result: SolveResult, accounts: tuple[PriorityAccount, ...]) -> None:
    by_id = {a.id: a for a in accounts}
    score = "–" if result.score is None else f"{result.score:,.1f}"
    gap = "–" if result.gap is None else f"{100 * result.gap:.2f} %"
    console.rule(f"[bold]Priorities of {loaded.scenario.name}[/bold]")
    console.print(f"Best plan: score {score} ({result.backend}, {result.status}, gap {gap}, "
                  f"{result.seconds:.1f} s)", highlight=False)
    if not listed:
        console.print("No priorities: the scenario and its priority files have none.")
    for (office, _), items in _groups(listed).items():
        table = Table(title=f"{office} — {_provenance_text(items[0], loaded)}",
                      title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
        for name in ("Priority", "Kind", "Hotspot", "Weight", "Status", "Reason", "Price"):
            table.add_column(name, no_wrap=name in ("Priority", "Kind", "Status"),
                             justify="right" if name in ("Weight", "Price") else "left")
        for item in items:
            a = by_id.get(item.id)
            status = Text("–") if a is None else Text(
                a.status + (f" ({100 * a.satisfaction:.0f} %)" if a.status == "partial" else ""),
                style=STATUS_STYLE.get(a.status, ""))
            table.add_row(item.id, item.kind, item.hotspot, f"{item.weight:g}", status,
                          (a.reason or "") if a else "",
                          "–" if a is None or a.price is None else f"{a.price:,.1f}")
        console.print(table)


def list_document(loaded: Any, listed: list[ListedPriority], result: SolveResult,
                  accounts: tuple[PriorityAccount, ...]) -> dict[str, Any]:
    by_id = {a.id: a for a in accounts}
    offices = []
    for (office, path), items in _groups(listed).items():
        p = items[0].provenance
        offices.append({
            "office": office, "file": _relative(path, loaded),
            "submitted_at": p.submitted_at, "sha256": p.sha256, "verified": p.verified,
            "priorities": [{
                "id": i.id, "kind": i.kind, "hotspot": i.hotspot, "weight": i.weight,
                "satisfaction": by_id[i.id].satisfaction if i.id in by_id else None,
                "status": by_id[i.id].status if i.id in by_id else None,
                "reason": by_id[i.id].reason if i.id in by_id else None,
                "price": by_id[i.id].price if i.id in by_id else None} for i in items]})
    return {"scenario": {"name": loaded.scenario.name, "sha256": loaded.sha256,
                         "weeks": loaded.scenario.horizon.weeks},
            "solver": {"backend": result.backend, "status": result.status, "gap": result.gap,
                       "seconds": round(result.seconds, 3)},
            "score": result.score, "offices": offices}
