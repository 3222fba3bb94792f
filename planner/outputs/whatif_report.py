"""What-if outputs: the comparison and the marginal values, as JSON documents (two
docs/output-contract.md
documents side by side) and as terminal tables."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.analysis.whatif import (
    AddUnit,
    Comparison,
    MarginalReport,
    MetricDelta,
    MovedAssignment,
    change_document,
)
from planner.domain.instance import Instance
from planner.milp.status import SolveStatus
from planner.outputs.documents import Outcome, PlanEntry, ScenarioInfo, plan_document, with_accounts
from planner.outputs.replan_report import least_change_renderable
from planner.search.solve import SolveOptions, SolveResult


def json_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


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
    """`{"baseline": docs/output-contract.md, "variant": docs/output-contract.md, "changes":
    [...]}`, and the comparison itself as
    extra keys: `deltas` (score and every metric), `moved`, `missions`, `notes`."""
    c = comparison
    return {
        "baseline": plan_document(single_outcome(info, c.baseline_instance, c.baseline,
                                                 "the scenario as given")),
        "variant": plan_document(replace(single_outcome(info, c.variant_instance, c.result,
                                                        "the scenario as changed"),
                                         replan=c.least_change)),
        "changes": [change_document(ch) for ch in c.variant.changes],
        "deltas": {d.name: {"baseline": d.baseline, "variant": d.variant, "delta": d.delta}
                   for d in c.deltas},
        "moved": [m.as_dict() for m in c.moved],
        "missions": list(c.mission_moves),
        "notes": list(c.variant.notes + c.notes),
    }


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
    if c.least_change is not None:
        console.print(least_change_renderable(c.least_change))
    for note in c.variant.notes + c.notes:
        console.print(Text(f"Note: {note}", style="yellow"))
    if c.result.status != SolveStatus.OPTIMAL or c.baseline.status != SolveStatus.OPTIMAL:
        console.print(Text("A solve stopped at its time limit: its plan is the best found, not "
                           "proven best; raise --time-limit to compare optimal plans.",
                           style="yellow"))


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
    if report.baseline.status != SolveStatus.OPTIMAL:
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


def render_marginal(out: Console, info: ScenarioInfo, report: MarginalReport,
                    changes: list[Any], options: SolveOptions) -> None:
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
