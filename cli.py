"""pocplan: ranked protection-of-civilians operation plans from the command line.

The entry point only: the commands live in `planner/commands/` (`plan.py`: validate,
schema, plan; `whatif.py`; `priorities.py`; `replan.py`), their shared helpers and exit codes in
`planner/commands/common.py`. Machine output goes to stdout and nothing else does;
everything human (progress, problems, notes) goes to stderr.
"""

from __future__ import annotations

from planner.commands import signals

signals.startup()  # Ctrl-C during the imports below: exit 130, no traceback

import contextlib  # noqa: E402
import sys  # noqa: E402
from typing import Annotated  # noqa: E402

import typer  # noqa: E402

from planner.commands import events as events_commands  # noqa: E402
from planner.commands import plan as plan_commands  # noqa: E402
from planner.commands import priorities as priorities_commands  # noqa: E402
from planner.commands import replan as replan_commands  # noqa: E402
from planner.commands import robustness as robustness_commands  # noqa: E402
from planner.commands import sweep as sweep_commands  # noqa: E402
from planner.commands import whatif as whatif_commands  # noqa: E402
from planner.commands.common import ClosedOutput, ExitCode  # noqa: E402

__all__ = ["ExitCode", "app", "main"]

app = typer.Typer(
    name="pocplan",
    help="Protection-of-civilians operations planning: ranked joint-operation plans "
         "(courses of action) for UN peacekeeping, with what each one buys and costs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version
        try:
            typer.echo(f"pocplan {version('pocplan')}")
        except PackageNotFoundError:
            typer.echo("pocplan (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """pocplan: decision support for protection-of-civilians operations planning."""


COMMANDS = (plan_commands, whatif_commands, priorities_commands, events_commands,
            replan_commands, robustness_commands, sweep_commands)
"""Modules adding commands; each defines `register(app: typer.Typer)`."""

for _module in COMMANDS:
    _module.register(app)


def main() -> None:
    """Console-script entry point (`pocplan = "cli:main"`). After Ctrl-C the process ends
    with code 130 without interpreter shutdown (`planner.commands.signals`)."""
    signals.install()
    if sys.stdout is None:  # started with standard output closed
        sys.stdout = ClosedOutput()
    with contextlib.suppress(AttributeError, ValueError):  # errors always printable
        sys.stderr.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        app()
    except SystemExit as exc:
        if exc.code == ExitCode.INTERRUPTED or (signals.interrupted() and exc.code):
            if exc.code != ExitCode.INTERRUPTED:  # click's own "Aborted!" (exit 1)
                signals.print_interrupted()
            signals.leave_interrupted()
        signals.finished()
        raise
    signals.finished()


if __name__ == "__main__":
    main()
