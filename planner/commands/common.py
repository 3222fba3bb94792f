"""Helpers every pocplan command shares: exit codes, consoles, error exits, the guard
against tracebacks, and loading a scenario or exiting with its problems (STYLE.md 8).

Exit codes are documented in the README ("Exit codes"); see `ExitCode`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from typer.exceptions import TyperException

from planner.loader import LoadedScenario, ScenarioError, load_scenario

REPORT_WIDTH = 120
"""Width of the terminal report when it is not written to a terminal and COLUMNS is unset."""

DEBUG_ENV = "POCPLAN_DEBUG"
"""Set to 1 to see the traceback of an internal error."""


class ExitCode(IntEnum):
    """Exit codes of every pocplan command (documented in the README)."""

    OK = 0
    INTERNAL = 1
    """A bug or an environment problem (e.g. the chosen solver is not installed)."""
    USAGE = 2
    """Bad command-line arguments (typer's own code)."""
    INVALID_INPUT = 3
    """An input file (scenario, priorities, event data, mapping) is missing or invalid."""
    INFEASIBLE = 4
    """No plan satisfies the hard rules; the conflicts are printed."""
    NO_PLAN = 5
    """The solver found no plan within the time limit."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C), by the shell's convention."""


# ====================================================================== helpers
def consoles() -> tuple[Console, Console]:
    """(stdout console, stderr console), created per command so tests capture them.
    Colour follows the terminal and NO_COLOR; a report written to a pipe or file gets a
    stable width (COLUMNS, else REPORT_WIDTH)."""
    out = Console(soft_wrap=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out = Console(width=REPORT_WIDTH)
    return out, Console(stderr=True, soft_wrap=True)


def fail(code: ExitCode, message: str, details: list[str] | tuple[str, ...] = ()) -> typer.Exit:
    """Print an error and its details on stderr; return the Exit to raise."""
    err = Console(stderr=True, soft_wrap=True)
    err.print(Text.assemble(("error: ", "bold red"), message), highlight=False)
    for detail in details:
        first, *rest = str(detail).splitlines() or [""]
        err.print(Text(f"  - {first}"), highlight=False)
        for line in rest:
            err.print(Text(f"    {line}"), highlight=False)
    return typer.Exit(int(code))


F = TypeVar("F", bound=Callable[..., Any])


def guarded(fn: F) -> F:
    """Never a traceback for the user: an unexpected exception becomes a one-line message
    and exit code 1 (the traceback with POCPLAN_DEBUG=1)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException, SystemExit):
            raise  # usage errors (exit 2) and deliberate exits pass through
        except KeyboardInterrupt:
            raise fail(ExitCode.INTERRUPTED, "interrupted; nothing was written") from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get(DEBUG_ENV) == "1":
                raise
            raise fail(ExitCode.INTERNAL,
                       f"internal error ({type(exc).__name__}: {exc}). This is a pocplan "
                       f"bug; run again with {DEBUG_ENV}=1 for the traceback and report "
                       "it.") from None
    return wrapper  # type: ignore[return-value]


def load_or_exit(path: Path) -> LoadedScenario:
    """The validated scenario, or every problem on stderr and exit code 3."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        errors = exc.errors
        raise fail(ExitCode.INVALID_INPUT,
                   f"{path}: {len(errors)} problem(s); nothing was planned",
                   [str(p) for p in exc.problems]) from None
