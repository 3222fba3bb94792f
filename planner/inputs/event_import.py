"""The event import from file to draft, in stages (docs/event-import.md): read → window → match →
map and level. Every row read is accounted for: skipped as bad, outside the window,
unmatched, ignored by the mapping, or counted."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from models.events import MappingFile
from models.scenario import Hotspot
from planner.inputs.event_mapping import Draft, Window, draft_threats, net_hdx, window_for
from planner.inputs.event_matching import Matches, match_events
from planner.inputs.events import EventFile, read_events


@dataclass
class EventImport:
    events: EventFile
    window: Window | None
    """None when no row was usable (nothing to take the window from)."""
    outside_window: int
    """Usable rows outside the window."""
    matches: Matches
    draft: Draft | None

    def stages(self) -> list[tuple[str, int]]:
        """(what happened, rows), adding up to the rows read."""
        matched_rows = len({r.line for v in self.matches.by_hotspot.values() for r in v})
        unmatched = Counter(u.reason for u in self.matches.unmatched)
        rows = [(f"skipped: {reason}", n) for reason, n in self.events.skipped_by_reason()]
        rows.append(("outside the window", self.outside_window))
        rows += [(f"unmatched: {reason}", n) for reason, n in sorted(unmatched.items())]
        rows.append(("matched to a hotspot", matched_rows))
        return rows


def run_import(path: str | Path, hotspots: list[Hotspot], mapping: MappingFile, *,
               start: dt.date | None = None, end: dt.date | None = None,
               radius_km: float) -> EventImport:
    events = read_events(path)
    window = window_for(events.records, start, end)
    inside = [r for r in events.records if window is not None and window.holds(r)]
    matches = match_events(net_hdx(inside), hotspots, radius_km)
    draft = (draft_threats(matches, mapping, window, [h.id for h in hotspots])
             if window is not None else None)
    return EventImport(events, window, len(events.records) - len(inside), matches, draft)
