"""Ctrl-C, one path for every command: exit code 130, nothing written, no traceback, no
core file, at any moment (starting up, loading, solving, pricing, writing).

- **Starting up** (`startup`, called first thing by `cli.py`, before the heavy imports):
  nothing has been done, so the handler says so and leaves at once.
- **Running** (`install`): the handler records the interrupt and asks every running solver
  to stop (`planner.domain.interrupt`); the KeyboardInterrupt is raised in Python code only,
  never inside a solver's callback, and `guarded` turns it into exit code 130. An output
  file is put in place by one rename, and a Ctrl-C before it leaves the old file.
- **Leaving** (`leave_interrupted`): after an interrupt the process ends with `os._exit`,
  so no solver thread still unwinding native code can abort it at interpreter shutdown
  (`terminate called without an active exception` and a core file, before). Core dumps are
  off unless POCPLAN_DEBUG=1.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

MESSAGE = "error: interrupted; nothing was written\n"
INTERRUPTED = 130
"""Exit code of an interrupted command (ExitCode.INTERRUPTED), by the shell's convention."""


def _write_stderr(text: str) -> None:
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass  # stderr closed: the exit code still says it


def _while_starting(_signum: int, _frame: FrameType | None) -> None:
    _write_stderr(MESSAGE)
    os._exit(INTERRUPTED)


def startup() -> None:
    """Before the heavy imports: Ctrl-C exits 130 at once (nothing has been done yet), and
    no core file is left in the working directory."""
    if threading_main():
        signal.signal(signal.SIGINT, _while_starting)
    if os.environ.get("POCPLAN_DEBUG") != "1":
        try:
            import resource

            _, hard = resource.getrlimit(resource.RLIMIT_CORE)
            resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
        except (ImportError, ValueError, OSError):
            pass  # not POSIX, or not allowed: nothing to turn off


def _while_running(_signum: int, _frame: FrameType | None) -> None:
    from planner.domain import interrupt

    if not interrupt.request():
        raise KeyboardInterrupt


def install() -> None:
    """While a command runs: one handler for Ctrl-C (module docstring)."""
    from planner.domain import interrupt

    interrupt.reset()
    if threading_main():
        signal.signal(signal.SIGINT, _while_running)


def finished() -> None:
    """The command has done its work (and written its files): a Ctrl-C from now on is
    ignored rather than turned into a traceback during interpreter shutdown."""
    if threading_main():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def interrupted() -> bool:
    from planner.domain import interrupt

    return interrupt.requested()


def print_interrupted() -> None:
    _write_stderr(MESSAGE)


def leave_interrupted() -> None:
    """End the process with code 130 now, without interpreter shutdown."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(INTERRUPTED)
