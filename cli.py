"""pocplan: ranked protection-of-civilians operation plans from the command line.

The entry point only: the commands live in `planner/commands/` (`plan.py`: validate,
schema, plan; `whatif.py`; `priorities.py`; `replan.py`), their shared helpers and exit codes in
`planner/commands/common.py`. Machine output goes to stdout and nothing else does;
everything human (progress, problems, notes) goes to stderr.
"""

from __future__ import annotations

from typing import Annotated

import typer

from planner.commands import events as events_commands
from planner.commands import plan as plan_commands
from planner.commands import priorities as priorities_commands
from planner.commands import replan as replan_commands
from planner.commands import robustness as robustness_commands
from planner.commands import sweep as sweep_commands
from planner.commands import whatif as whatif_commands
from planner.commands.common import ExitCode

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
    """Console-script entry point (`pocplan = "cli:main"`)."""
    app()


if __name__ == "__main__":
    main()
