"""What every pocplan command shares: exit codes, failing with a message, the guard that
turns a bug into one line, loading a scenario or exiting 3, the solve status line with the
solver libraries' own stdout silenced, and machine output to stdout or a file.

Exit codes are documented in the README ("Exit codes"): see `ExitCode`.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import math
import os
import sys
from collections.abc import Callable, Iterator
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any, TypeVar

import typer
from typer.exceptions import TyperException

from planner.domain.files import write_atomic
from planner.inputs.loader import LoadedScenario, ScenarioError, load_scenario
from planner.outputs.documents import ScenarioInfo
from planner.outputs.terminal import Console, SolveProgress, print_error, print_line, status_line

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
    ENVIRONMENT = 74
    """The output could not be written: a read-only folder, a full disk, a closed standard
    output, an encoding that cannot show it (sysexits' EX_IOERR). The old file is kept."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C), by the shell's convention."""


class SolverChoice(StrEnum):
    """`--solver` of the commands that need the MILP (`plan` adds `heuristic`)."""

    auto = "auto"
    highs = "highs"
    cbc = "cbc"
    cpsat = "cpsat"


SOLVER_HELP = "auto (HiGHS if installed), highs, cbc or cpsat."


class TableOrJson(StrEnum):
    """`--format` of the commands that print a table or write JSON."""

    table = "table"
    json = "json"


MAX_TIME_LIMIT = 86_400.0
"""Longest --time-limit accepted, seconds (a day): `inf` is a usage error, not a hang."""


def finite_seconds(value: float | None) -> float | None:
    """--time-limit: a finite number of seconds (`nan` passes click's range check)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of seconds", param_hint="--time-limit")
    return value


def fail(code: ExitCode, message: str, details: list[str] | tuple[str, ...] = ()) -> typer.Exit:
    """Print an error and its details on stderr; return the Exit to raise."""
    print_error(message, details)
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
        except (OSError, UnicodeEncodeError) as exc:
            if os.environ.get(DEBUG_ENV) == "1":
                raise
            raise environment_failure(exc) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get(DEBUG_ENV) == "1":
                raise
            raise fail(ExitCode.INTERNAL,
                       f"internal error ({type(exc).__name__}: {exc}). This is a pocplan "
                       f"bug; run again with {DEBUG_ENV}=1 for the traceback and report "
                       "it.") from None
    return wrapper  # type: ignore[return-value]


_ENVIRONMENT_FIXES = {
    errno.EROFS: "the folder is on a read-only file system: write somewhere else with --output",
    errno.EACCES: "you may not write there: choose another --output path or fix the folder's "
                  "permissions",
    errno.EPERM: "you may not write there: choose another --output path or fix the folder's "
                 "permissions",
    errno.ENOSPC: "the disk is full: free some space, or write elsewhere with --output",
    errno.EDQUOT: "your disk quota is used up: free some space, or write elsewhere with --output",
    errno.EPIPE: "whatever reads pocplan's standard output stopped reading: write to a file "
                 "with --output",
    errno.EBADF: "standard output is closed: write to a file with --output",
    errno.EIO: "the device failed: write elsewhere with --output",
}


def environment_failure(exc: OSError | UnicodeEncodeError) -> typer.Exit:
    """What the machine would not do (write a file, print a character), where, and what to
    do, with exit code 74: not a pocplan bug."""
    if isinstance(exc, UnicodeEncodeError):
        encoding = getattr(sys.stdout, "encoding", None) or exc.encoding
        char = exc.object[exc.start:exc.start + 1] if isinstance(exc.object, str) else "?"
        return fail(ExitCode.ENVIRONMENT,
                    f"standard output uses the {encoding} encoding, which cannot show "
                    f"{char!r}; nothing more was printed",
                    ["set PYTHONIOENCODING=utf-8 (or a UTF-8 locale), or write to a file "
                     "with --output (always UTF-8)"])
    if exc.errno == errno.EPIPE:
        _silence_stdout()
    fix = _ENVIRONMENT_FIXES.get(exc.errno or 0, "check the path, the disk and the "
                                 "permissions, then run again")
    if exc.filename:
        return fail(ExitCode.ENVIRONMENT, f"cannot write {exc.filename}: "
                    f"{exc.strerror or exc}; the file there before, if any, is kept as it was",
                    [fix])
    return fail(ExitCode.ENVIRONMENT, f"cannot write to standard output: "
                f"{exc.strerror or exc}", [fix])


class ClosedOutput(io.TextIOBase):
    """Standard output when pocplan was started with it closed (`>&-`): writing fails with
    EBADF, so a command that prints reports it (exit 74) while `--output` still works."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's last flush does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)


def load_or_exit(path: Path) -> LoadedScenario:
    """The validated scenario, or every problem on stderr and exit code 3."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        errors = exc.errors
        raise fail(ExitCode.INVALID_INPUT,
                   f"{path}: {len(errors)} problem(s); nothing was planned",
                   [str(p) for p in exc.problems]) from None


def scenario_info(loaded: LoadedScenario) -> ScenarioInfo:
    s = loaded.scenario
    return ScenarioInfo(name=s.name, sha256=loaded.sha256, weeks=s.horizon.weeks,
                        path=loaded.path, start=s.horizon.start)


def solver_missing(solver: str, exc: Exception) -> typer.Exit:
    """The chosen solver library is not installed: exit 1 with what to do."""
    return fail(ExitCode.INTERNAL, f"solver {solver!r} is not available: {exc}. "
                "Choose another with --solver (auto picks what is installed).")


@contextlib.contextmanager
def solving(err: Console, label: str) -> Iterator[SolveProgress]:
    """A status line on stderr while a solver runs. What solver libraries print on file
    descriptor 1 themselves (the HiGHS banner) is discarded meanwhile, so stdout carries
    only pocplan's output (pocplan's own messages go to stderr)."""
    with quiet_stdout_fd(), status_line(err, label) as progress:
        yield progress


@contextlib.contextmanager
def quiet_stdout_fd() -> Iterator[None]:
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
    """Machine output: to `output` atomically, else to stdout (UTF-8 whatever the locale
    says), nothing else."""
    if output is not None:
        write_atomic(output, text)
        print_line(err, f"wrote {output}")
        return
    if sys.stdout is None:  # started with fd 1 closed
        raise OSError(errno.EBADF, "standard output is closed")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    sys.stdout.flush()


def check_output_dir(output: Path | None) -> None:
    """--output of a format that writes several files: a directory, or a new one whose
    parent exists."""
    if output is None:
        raise typer.BadParameter("this format writes files: give --output DIR",
                                 param_hint="--output")
    if output.exists() and not output.is_dir():
        raise typer.BadParameter(f"{output} is not a directory", param_hint="--output")
    parent = output.parent if str(output.parent) else Path(".")
    if not output.exists() and not parent.is_dir():
        raise typer.BadParameter(f"directory {parent} does not exist", param_hint="--output")


def check_output(output: Path | None, inputs: dict[str, Path | None] | None = None) -> None:
    """--output of a format that writes one file: a new file, or a regular file to replace
    atomically; never a symlink (the link itself would be replaced), a FIFO or a device,
    and never one of the command's `inputs` (what → path; None: not given)."""
    if output is None:
        return
    parent = output.parent if str(output.parent) else Path(".")
    if output.is_symlink():
        raise typer.BadParameter(f"{output} is a symbolic link, which pocplan would replace "
                                 "by a file; give the path of the file itself",
                                 param_hint="--output")
    if output.is_dir():
        raise typer.BadParameter(f"{output} is a directory", param_hint="--output")
    if output.exists() and not output.is_file():
        raise typer.BadParameter(f"{output} is not a regular file (a FIFO, a device or a "
                                 "socket); write to a file, or leave out --output for "
                                 "standard output", param_hint="--output")
    for what, path in (inputs or {}).items():
        with contextlib.suppress(OSError):
            if path is not None and output.exists() and path.exists() \
                    and output.samefile(path):
                raise typer.BadParameter(f"{output} is the {what}; pocplan never overwrites "
                                         "its inputs: write to another file",
                                         param_hint="--output")
    if not parent.is_dir():
        raise typer.BadParameter(f"directory {parent} does not exist", param_hint="--output")
