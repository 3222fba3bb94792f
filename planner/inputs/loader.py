"""Safe loading of scenario and priority files: bytes → YAML events → plain data with
marks → strict models → cross checks (docs/scenario-format.md docs/scenario-format.md,
docs/scenario-format.md).

Reading and parsing live in `planner.inputs.source`, the translation of validation errors
in `planner.inputs.messages`, the problem types in `planner.inputs.problems`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.scenario import PrioritySubmission, Scenario
from planner.inputs.checks import run_checks
from planner.inputs.containment import Refusal, match_priority_files
from planner.inputs.context import CheckContext
from planner.inputs.messages import validate_model
from planner.inputs.problems import (
    KeyPath,
    Position,
    Problem,
    ScenarioError,
    Severity,
    plural,
    sorted_problems,
)
from planner.inputs.source import (
    MarkIndex,
    Source,
    parse_yaml_file,
    read_source,
    source_from_bytes,
)

__all__ = ["CheckContext", "KeyPath", "LoadedScenario", "MarkIndex", "Position", "Problem",
           "ScenarioError", "Severity", "Source", "load_scenario", "parse_yaml_file",
           "plural", "read_source", "validate_model"]

# ---------------------------------------------------------------------------- loading
@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the priorities of its office files merged in."""

    path: Path
    sha256: str
    """Hex sha256 of the scenario file's bytes."""
    scenario: Scenario
    """The scenario, priorities from `priority_files` merged in (their `office` set)."""
    warnings: tuple[Problem, ...]
    """Problems that do not stop planning, to show the user."""
    priority_sources: dict[str, Path]
    """Priority id → the file it came from (the scenario or an office file)."""
    context: CheckContext | None = field(default=None, repr=False, compare=False)
    """Where every object came from, for re-checking a priority submission against it."""


def load_scenario(path: str | Path) -> LoadedScenario:
    """Load, validate and cross-check a scenario and its priority files.

    Raises ScenarioError with every error when anything is wrong, and never any other
    exception for bad input. Warnings come back in `LoadedScenario.warnings`; they are not
    raised alongside errors, since what they judge (reach, serviceability) is unreliable
    until the errors are fixed.
    """
    path = Path(path)
    main = read_source(path, "scenario")
    scenario, problems = validate_model(Scenario, main)
    patterns = scenario.priority_files if scenario else _raw_patterns(main.data)
    offices, office_problems = _load_office_files(path, patterns, main)
    problems += office_problems
    _raise_errors(problems)
    assert scenario is not None  # no errors, so it validated
    ctx = _merged_context(scenario, main, offices)
    problems = sorted_problems(problems + run_checks(ctx))
    _raise_errors(problems)
    sources = {p.id: source.path for p, (source, _) in
               zip(ctx.scenario.priorities, ctx.priority_origins, strict=True)}
    return LoadedScenario(path, main.sha256, ctx.scenario, tuple(problems), sources, ctx)


def _raise_errors(problems: Iterable[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ScenarioError(sorted_problems(errors))


def _raw_patterns(data: Any) -> list[str]:
    """priority_files as written, when the scenario itself did not validate."""
    patterns = data.get("priority_files") if isinstance(data, dict) else None
    return [p for p in patterns if isinstance(p, str)] if isinstance(patterns, list) else []


def priority_file_paths(scenario_path: Path, patterns: Iterable[str]) -> list[Path]:
    """Files matched by the `priority_files` globs, relative to the scenario's directory,
    sorted, without duplicates, directories or the scenario itself, and only those inside
    the scenario's folder (`planner.inputs.containment`)."""
    return match_priority_files(scenario_path, patterns).files


@dataclass(frozen=True)
class _OfficeFile:
    source: Source
    submission: PrioritySubmission


def _load_office_files(scenario_path: Path, patterns: Iterable[str],
                       main: Source) -> tuple[list[_OfficeFile], list[Problem]]:
    offices: list[_OfficeFile] = []
    matches = match_priority_files(scenario_path, patterns)
    problems = _glob_problems(main, matches.refused, matches.empty, list(patterns))
    first_file: dict[str, str] = {}
    for path in matches.files:
        try:
            source = read_source(path, "priorities")
        except ScenarioError as exc:
            problems += exc.problems
            continue
        if not isinstance(source.data, dict) or "office" not in source.data:
            problems.append(Problem(source.file, None, None, "", None,
                                    "not a pocplan priorities file (it has no 'office' key), "
                                    "so its content is not shown",
                                    "narrow priority_files to the office files, or add "
                                    "office: to this file"))
            continue
        submission, found = validate_model(PrioritySubmission, source)
        problems += found
        if submission is None:
            continue
        submission, found = _imply_office(submission, source)
        problems += found
        if submission.office in first_file:
            problems.append(source.problem(
                ("office",), f"office '{submission.office}' also submits priorities in "
                f"{first_file[submission.office]}; both files are used",
                "keep one file per office; keep old versions where priority_files do not "
                "match them", severity="warning"))
        first_file.setdefault(submission.office, source.file)
        offices.append(_OfficeFile(source, submission))
    return offices, problems


def _glob_problems(main: Source, refused: Iterable[Refusal], empty: Iterable[int],
                   patterns: list[str]) -> list[Problem]:
    """Globs refused or leading outside the scenario's folder (errors), and globs that
    match nothing (a warning: office priorities may have been left behind)."""
    problems = [main.problem(("priority_files", r.index), r.message, r.fix) for r in refused]
    problems += [main.problem(("priority_files", i), f"glob '{patterns[i]}' matches no file, "
                              "so no office priorities come from it",
                              "check that the office files were copied with the scenario and "
                              "that the scenario is opened from its own folder",
                              severity="warning")
                 for i in empty]
    return problems


def _imply_office(submission: PrioritySubmission,
                  source: Source) -> tuple[PrioritySubmission, list[Problem]]:
    """Set every priority's office from the file; an entry naming another office is an error."""
    problems = [
        source.problem(("priorities", j, "office"),
                       f"office '{p.office}' differs from the file's office '{submission.office}'",
                       "remove the entry's office (the file's applies) or move the entry to "
                       f"{p.office}'s file")
        for j, p in enumerate(submission.priorities)
        if p.office is not None and p.office != submission.office
    ]
    priorities = [p.model_copy(update={"office": submission.office})
                  for p in submission.priorities]
    return submission.model_copy(update={"priorities": priorities}), problems


def _merged_context(scenario: Scenario, main: Source,
                    offices: Iterable[_OfficeFile]) -> CheckContext:
    priorities = list(scenario.priorities)
    origins = [(main, i) for i in range(len(priorities))]
    for office in offices:
        priorities += office.submission.priorities
        origins += [(office.source, j) for j in range(len(office.submission.priorities))]
    merged = scenario.model_copy(update={"priorities": priorities})
    return CheckContext(merged, main, origins)


def load_priority_submission(path: str | Path,
                             loaded: LoadedScenario | None = None) -> PrioritySubmission:
    """Validate a priorities file (docs/scenario-format.md), and when `loaded` is given, against
    that
    scenario as it would be with this office's previous priorities replaced by these.

    Returns the submission with every priority's `office` set; raises ScenarioError with
    every problem in the file otherwise.
    """
    submission, _warnings = check_priority_submission(path, loaded)
    return submission


def check_priority_submission(
        path: str | Path, loaded: LoadedScenario | None = None, *,
        raw: bytes | None = None) -> tuple[PrioritySubmission, tuple[Problem, ...]]:
    """`load_priority_submission`, also returning the warnings about the submitted file.
    With `raw`, those bytes are checked (already read from `path`).

    Against `loaded`, every error of the merged scenario counts, wherever it is found (a
    clash may be reported on the other office's file): `loaded` itself loaded cleanly, so
    each one comes from this submission. Only warnings about the submitted file are kept."""
    source = (read_source(Path(path), "priorities") if raw is None
              else source_from_bytes(Path(path), raw, "priorities"))
    submission, problems = validate_model(PrioritySubmission, source)
    if submission is None:
        raise ScenarioError(problems)
    submission, problems = _imply_office(submission, source)
    if loaded is None:
        problems += _submission_alone(submission, source)
    elif not problems:
        ctx = _replace_office(loaded, submission, source)
        problems = [p for p in run_checks(ctx)
                    if p.file == source.file or p.severity == "error"]
    _raise_errors(problems)
    return submission, tuple(sorted_problems(problems))


def _submission_alone(submission: PrioritySubmission, source: Source) -> list[Problem]:
    """What can be checked without the scenario: ids unique in the file, windows in order."""
    problems, first = [], {}
    for j, p in enumerate(submission.priorities):
        if p.id in first:
            line = (source.marks.locate(("priorities", first[p.id], "id")) or ("?",))[0]
            problems.append(source.problem(("priorities", j, "id"), f"duplicate priority id "
                                           f"'{p.id}', already used at line {line}",
                                           "give each priority its own id"))
        first.setdefault(p.id, j)
        if p.weeks is not None and p.weeks[0] > p.weeks[1]:
            a, b = p.weeks
            problems.append(source.problem(("priorities", j, "weeks"), f"window [{a}, {b}] runs "
                                           "backwards: its first week comes after its last",
                                           f"write [{b}, {a}]"))
    return problems


def _replace_office(loaded: LoadedScenario, submission: PrioritySubmission,
                    source: Source) -> CheckContext:
    base = loaded.context
    if base is None:  # a LoadedScenario built by hand: no marks for the scenario side
        main = Source(loaded.path, str(loaded.path), loaded.sha256, None, MarkIndex())
        base = CheckContext(loaded.scenario, main,
                            [(main, i) for i in range(len(loaded.scenario.priorities))])
    kept = [(p, origin) for p, origin in
            zip(loaded.scenario.priorities, base.priority_origins, strict=True)
            if origin[0] is base.main or p.office != submission.office]
    priorities = [p for p, _ in kept] + list(submission.priorities)
    origins = [o for _, o in kept] + [(source, j) for j in range(len(submission.priorities))]
    merged = loaded.scenario.model_copy(update={"priorities": priorities})
    return CheckContext(merged, base.main, origins)
