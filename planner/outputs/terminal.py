"""The terminal: consoles, error and warning lines, and the live status of a solve.

The command layer asks for these; nothing else in pocplan creates a console. Colour follows
the terminal and NO_COLOR; a report written to a pipe or file gets a stable width (COLUMNS,
else REPORT_WIDTH). Everything human goes to stderr.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable, Iterable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

REPORT_WIDTH = 120
"""Width of the terminal report when it is not written to a terminal and COLUMNS is unset."""


def consoles() -> tuple[Console, Console]:
    """(stdout console, stderr console), created per command so tests capture them."""
    out = Console(soft_wrap=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out = Console(width=REPORT_WIDTH)
    return out, Console(stderr=True, soft_wrap=True)


def print_error(message: str, details: Iterable[str] = ()) -> None:
    """`error: message` and its details, one bullet each, on stderr."""
    err = Console(stderr=True, soft_wrap=True)
    err.print(Text.assemble(("error: ", "bold red"), message), highlight=False)
    for detail in details:
        first, *rest = str(detail).splitlines() or [""]
        err.print(Text(f"  - {first}"), highlight=False)
        for line in rest:
            err.print(Text(f"    {line}"), highlight=False)


def print_warnings(err: Console, warnings: Iterable[object], label: str = "warning") -> None:
    """One yellow line per warning (or note) on stderr."""
    for warning in warnings:
        err.print(Text(f"{label}: {warning}", style="yellow"), highlight=False)


def print_line(err: Console, text: str) -> None:
    err.print(text, highlight=False)


def rendered_text(render: Callable[[Console], None], width: int) -> str:
    """What `render` prints on a colourless console of `width` columns, as text (for a
    report written to a file)."""
    buffer = Console(file=io.StringIO(), width=max(REPORT_WIDTH, width), color_system=None)
    render(buffer)
    return buffer.file.getvalue()  # type: ignore[attr-defined]


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
def status_line(err: Console, label: str) -> Iterator[SolveProgress]:
    """A live status on stderr while a solver runs."""
    progress = SolveProgress(label)
    with err.status(progress):
        yield progress


class BatchProgress:
    """Callbacks for a batch of re-solves, driving a progress bar."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task = bar.add_task("baseline", total=None)

    def start(self, label: str, i: int, n: int) -> None:
        self.bar.update(self.task, description=f"Re-solving: {label}", total=n + 1, completed=i)

    def done(self, _value: object = None) -> None:
        self.bar.advance(self.task)

    def count(self, label: str, total: int) -> None:
        """Start counting `total` items (samples, tasks) under `label`."""
        self.bar.update(self.task, description=label, total=total, completed=0)

    def add(self, n: int = 1) -> None:
        self.bar.advance(self.task, n)


@contextlib.contextmanager
def progress_bar(err: Console) -> Iterator[BatchProgress]:
    """A transient progress bar on stderr for a batch of re-solves."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        yield BatchProgress(bar)
