"""Priority intake outputs: what a submission stored, and every priority by office with
its provenance and its status in the best plan (terminal tables and JSON)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.analysis.pricing import PriorityAccount
from planner.inputs.intake import ListedPriority, Stored
from planner.outputs.report import price_cell
from planner.search.solve import SolveResult

STATUS_STYLE = {"met": "green", "partial": "yellow", "unmet": "red"}


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
                          "–" if a is None else price_cell(a))
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


def list_json(loaded: Any, listed: list[ListedPriority], result: SolveResult,
              accounts: tuple[PriorityAccount, ...]) -> str:
    return json.dumps(list_document(loaded, listed, result, accounts), indent=2,
                      ensure_ascii=False, allow_nan=False) + "\n"
