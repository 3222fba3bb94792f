"""`pocplan import events FILE --scenario SCENARIO`: threats drafted from an ACLED export
or an HDX HAPI conflict-events table (docs/event-import.md).

Thin, like every command: parse → load the scenario and the mapping → read, match, map
and level (`planner.inputs.event_import`) → render (`planner.outputs`). The result is a
YAML fragment for review, on stdout or in `--output` (written atomically); the scenario
file is never written. What every row became, the thresholds and the diff against the
scenario's threats go to stderr.

Exit codes: 0 drafted (even when no hotspot got a threat: the terminal says why);
2 bad options, including an --output that is one of the input files; 3 invalid input:
the scenario, the mapping file or the events file (unreadable, unknown header, no usable
row).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

import typer

from planner.commands.common import ExitCode, check_output, emit, fail, guarded, load_or_exit
from planner.inputs.event_import import run_import
from planner.inputs.event_mapping import load_mapping
from planner.inputs.event_matching import DEFAULT_RADIUS_KM
from planner.inputs.events import FORMAT_NAMES, EventFileError
from planner.inputs.problems import ScenarioError
from planner.outputs.event_fragment import fragment_text
from planner.outputs.event_report import render_event_import
from planner.outputs.terminal import consoles, print_warnings

_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")

import_app = typer.Typer(name="import", no_args_is_help=True, rich_markup_mode="rich",
                         help="Draft scenario inputs from outside data (never changing the "
                              "scenario itself).")


def register(app: typer.Typer) -> None:
    """Add the `import` command group (`import events`) to the pocplan app."""
    import_app.command(name="events", help=EVENTS_HELP)(guarded(events_command))
    app.add_typer(import_app, name="import")

EVENTS_HELP = (
    "Draft each hotspot's threats from an ACLED export or an HDX HAPI conflict-events CSV: "
    "events matched to hotspots by P-code or distance, mapped to the six threat categories "
    "by a documented table, levelled by documented thresholds (docs/event-import.md). "
    "Prints a YAML fragment to review (threats per hotspot, or an assessments entry); the "
    "scenario is never changed. Exit code 3 when an input is invalid.")


def events_command(
    file: Annotated[Path, typer.Argument(help="ACLED export or HDX HAPI conflict-events CSV.",
                                         show_default=False)],
    scenario: Annotated[Path, typer.Option("--scenario", "-s", help="The scenario whose "
                                           "hotspots the events are matched to.",
                                           show_default=False)],
    from_date: Annotated[dt.datetime | None, typer.Option(
        "--from", formats=["%Y-%m-%d"], show_default=False,
        help="First day of the window (default: the earliest event).")] = None,
    to_date: Annotated[dt.datetime | None, typer.Option(
        "--to", formats=["%Y-%m-%d"], show_default=False,
        help="Last day of the window, included (default: the latest event).")] = None,
    radius_km: Annotated[float, typer.Option(
        "--radius-km", min=0.001, help="Events without a P-code match the nearest hotspot "
                                       "within this distance, km.")] = DEFAULT_RADIUS_KM,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="YAML file of rules and thresholds tried before the defaults.",
        show_default=False)] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the fragment to this file (atomically) instead of "
                               "stdout; never the scenario file.", show_default=False)] = None,
    as_assessment: Annotated[str | None, typer.Option(
        "--as-assessment", metavar="ID", show_default=False,
        help="Write an assessments: entry with this id (docs/scenario-format.md §9) "
             "instead of threats:.")
    ] = None,
) -> None:
    """Draft threats from conflict-event data."""
    start = from_date.date() if from_date else None
    end = to_date.date() if to_date else None
    if start and end and end < start:
        raise fail(ExitCode.USAGE, f"--to {end} is before --from {start}")
    if as_assessment is not None and (not _ID.match(as_assessment) or as_assessment == "base"):
        raise fail(ExitCode.USAGE, f"--as-assessment {as_assessment!r}: an assessment id is "
                   "letters, digits, '_', '.', '-' (at most 64), and not 'base' (the "
                   "scenario's own threats)")
    check_output(output, {"scenario": scenario, "events file": file, "mapping file": mapping})
    _, err = consoles()
    loaded = load_or_exit(scenario)
    try:
        rules = load_mapping(mapping)
    except ScenarioError as exc:
        raise fail(ExitCode.INVALID_INPUT, f"{mapping}: {len(exc.errors)} problem(s); nothing "
                   "was drafted", [str(p) for p in exc.problems]) from None
    hotspots = list(loaded.scenario.hotspots)
    try:
        result = run_import(file, hotspots, rules, start=start, end=end, radius_km=radius_km)
    except EventFileError as exc:
        raise fail(ExitCode.INVALID_INPUT, str(exc)) from None
    render_event_import(err, result, hotspots, radius_km=radius_km)
    if result.draft is None:
        raise fail(ExitCode.INVALID_INPUT, f"{file}: no usable row; nothing was drafted")
    if not result.draft.threats:
        print_warnings(err, ["no event was counted for any hotspot; the fragment names none"])
    text = fragment_text(result.draft, source_name=file.name,
                         format_name=FORMAT_NAMES[result.events.format],
                         unnamed=[h.id for h in hotspots if h.id not in result.draft.threats],
                         assessment=as_assessment)
    emit(text, output, err)


