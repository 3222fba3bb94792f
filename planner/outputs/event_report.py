"""What `pocplan import events` shows on the terminal (stderr): where every row went, each
hotspot's matched count, the unmatched events summarised, the thresholds (assumptions),
and the diff of the drafted threats against the scenario's current ones."""

from __future__ import annotations

from collections import Counter, defaultdict

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from models.base import ThreatCategory
from models.scenario import Hotspot
from planner.inputs.event_import import EventImport
from planner.inputs.events import FORMAT_NAMES
from planner.outputs.event_fragment import threshold_lines

MAX_PROBLEMS = 20
"""Row problems listed one by one; the rest are counted."""
MAX_EXAMPLES = 3
"""Places named per reason in the summary of unmatched events."""


def render_event_import(err: Console, result: EventImport, hotspots: list[Hotspot], *,
                        radius_km: float) -> None:
    events = result.events
    err.print(Text.assemble(("Events: ", "bold"), f"{events.path} "
                            f"({FORMAT_NAMES[events.format]}), {events.read} row(s) read, "
                            f"{len(events.records)} usable"), highlight=False)
    problems = events.problem_lines()
    for line in problems[:MAX_PROBLEMS]:
        err.print(Text(f"  - {line}", style="yellow"), highlight=False)
    if len(problems) > MAX_PROBLEMS:
        err.print(f"  … and {len(problems) - MAX_PROBLEMS} more row problem(s)", highlight=False)
    if result.window is not None:
        err.print(Text.assemble(("Window: ", "bold"), f"{result.window} "
                                f"({result.window.weeks:.1f} weeks)"), highlight=False)
    err.print(_stages(result))
    err.print(_matched(result, hotspots, radius_km))
    _unmatched(err, result)
    if result.draft is not None:
        if result.draft.ignored or result.draft.unmapped:
            ignored = ", ".join(f"{n} by {rule}" for rule, n in result.draft.ignored.items())
            err.print(f"Not counted as a threat: {ignored or 'none'}"
                      + (f"; {result.draft.unmapped} event(s) no rule applied to"
                         if result.draft.unmapped else ""), highlight=False)
        err.print(Text("Thresholds (assumptions, docs/event-import.md):", style="bold"))
        for line in threshold_lines(result.draft):
            err.print(f"  {line}", highlight=False)
        err.print(threat_diff(result, hotspots))


def _stages(result: EventImport) -> Table:
    table = Table(title="Rows", title_justify="left", box=box.SIMPLE, header_style="bold")
    table.add_column("what happened")
    table.add_column("rows", justify="right")
    for what, n in result.stages():
        if n:
            table.add_row(what, str(n))
    table.add_row(Text("read", style="bold"), str(result.events.read))
    return table


def _matched(result: EventImport, hotspots: list[Hotspot], radius_km: float) -> Table:
    table = Table(title="Matched events by hotspot", title_justify="left", box=box.SIMPLE,
                  header_style="bold")
    table.add_column("hotspot")
    table.add_column("P-code")
    table.add_column("events", justify="right")
    table.add_column("matched by")
    for h in hotspots:
        count = result.matches.count(h.id)
        table.add_row(h.id, h.pcode or "—", str(count),
                      result.matches.method.get(h.id, "—"))
    return table


def _unmatched(err: Console, result: EventImport) -> None:
    if not result.matches.unmatched:
        return
    by_reason: dict[str, Counter[str]] = defaultdict(Counter)
    for u in result.matches.unmatched:
        label = u.record.place or u.record.ref
        if u.nearest is not None and u.nearest_km is not None:
            label += f" ({u.nearest_km:.0f} km from {u.nearest})"
        by_reason[u.reason][label] += 1
    err.print(Text("Unmatched events:", style="bold"))
    for reason, places in sorted(by_reason.items()):
        shown = ", ".join(f"{place} ×{n}" if n > 1 else place
                          for place, n in sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))
                          [:MAX_EXAMPLES])
        more = len(places) - MAX_EXAMPLES
        err.print(f"  {sum(places.values())} {reason}: {shown}"
                  + (f", and {more} other place(s)" if more > 0 else ""), highlight=False)


def threat_diff(result: EventImport, hotspots: list[Hotspot]) -> Table:
    """Current against drafted threats, for the hotspots the draft names."""
    table = Table(title="Drafted threats against the scenario's (nothing has been changed)",
                  title_justify="left", box=box.SIMPLE, header_style="bold")
    for column in ("hotspot", "category", "current P×I", "drafted P×I", "change"):
        table.add_column(column)
    assert result.draft is not None
    by_id = {h.id: h for h in hotspots}
    for hotspot_id, drafted in result.draft.threats.items():
        new = {t.category: f"{t.probability}×{t.impact}" for t in drafted}
        old: dict[ThreatCategory, list[str]] = defaultdict(list)
        for t in by_id[hotspot_id].threats:
            text = f"{t.probability}×{t.impact}"
            if t.weeks is not None:
                text += f" (weeks {t.weeks[0]}–{t.weeks[1]})"
            old[t.category].append(text)
        for category in ThreatCategory:
            if category not in new and category not in old:
                continue
            before = ", ".join(old.get(category, [])) or "—"
            after = new.get(category, "—")
            change, style = _change(before, after)
            table.add_row(hotspot_id, category.value, before, after, Text(change, style=style))
    unnamed = [h.id for h in hotspots if h.id not in result.draft.threats]
    if unnamed:
        table.caption = f"Not named, threats unchanged: {', '.join(unnamed)}"
    return table


def _change(before: str, after: str) -> tuple[str, str]:
    if before == "—":
        return "added", "green"
    if after == "—":
        return "removed", "red"
    if before == after:
        return "same", ""
    return "changed", "yellow"
