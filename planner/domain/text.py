"""How pocplan writes weeks in every message, report and sentence (one place, one dash)."""

from __future__ import annotations

from collections.abc import Iterable


def week_ranges(weeks: Iterable[int]) -> str:
    """Compact week ranges: [1, 2, 3, 5, 7, 8] → '1–3, 5, 7–8'."""
    runs: list[list[int]] = []
    for t in sorted(set(weeks)):
        if runs and t == runs[-1][-1] + 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def weeks_phrase(weeks: Iterable[int]) -> str:
    """'week 4' or 'weeks 1–3, 5'."""
    ordered = sorted(set(weeks))
    return f"week {ordered[0]}" if len(ordered) == 1 else f"weeks {week_ranges(ordered)}"
