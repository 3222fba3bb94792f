"""The table and JSON of `pocplan sweep` (planner.analysis.sweep): every point's score and
its difference from the scenario as given, with the interval the bounds prove. No clock
time appears: the same file, options and seed give the same bytes."""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from planner.analysis.sweep import SweepReport, difference
from planner.outputs.documents import ScenarioInfo


def sweep_document(info: ScenarioInfo, report: SweepReport, seed: int,
                   time_limit: float) -> dict[str, Any]:
    reference = report.points[0]
    return {
        "scenario": {"name": info.name, "sha256": info.sha256, "weeks": info.weeks},
        "seed": seed, "time_limit": time_limit,
        "points": [{"name": p.name, "changes": list(p.changes), "status": p.status,
                    "score": p.score, "bound": p.bound, "harm_averted": p.harm_averted,
                    "reproducible": p.reproducible,
                    "difference": difference(p, reference) if i else None}
                   for i, p in enumerate(report.points)],
    }


def sweep_json(info: ScenarioInfo, report: SweepReport, seed: int, time_limit: float) -> str:
    return json.dumps(sweep_document(info, report, seed, time_limit), indent=2,
                      ensure_ascii=False, allow_nan=False) + "\n"


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:+,.1f}"


def render_sweep(console: Console, info: ScenarioInfo, report: SweepReport) -> None:
    console.rule(f"[bold]pocplan — sweep: {info.name}[/bold]")
    table = Table(title="Each point against the scenario as given (score points)",
                  title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("Point", "Status", "Score", "Difference", "Proven interval", "Decided"):
        table.add_column(name, justify="left" if name in ("Point", "Status") else "right")
    reference = report.points[0]
    for i, p in enumerate(report.points):
        d = difference(p, reference) if i else None
        score = "–" if p.score is None else f"{p.score:,.1f}"
        if d is None:
            table.add_row(p.name, p.status, score, "", "", "")
            continue
        table.add_row(p.name, p.status, score, _num(d["value"]),
                      f"[{_num(d['low'])}, {_num(d['high'])}]",
                      "yes" if d["decided"] else "no")
    console.print(table)
    if not all(p.reproducible for p in report.points):
        console.print("Some solves stopped at the wall clock: another run may differ; raise "
                      "--time-limit.")
