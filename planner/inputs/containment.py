"""What a scenario may reach on disk: its own folder, nothing outside it.

A scenario is often received from someone else, so nothing it says may make pocplan read,
print or write a file outside the folder the scenario file is in (docs/scenario-format.md,
"What a scenario may reach on disk"):

- a `priority_files` glob is relative to that folder; an absolute glob (`/etc/*`, `~/x`,
  `C:\\x`) or one with a `..` component is refused, and not expanded at all;
- a file a glob matches is read only if its real path (symlinks resolved) is inside the
  folder; a symlink leading out is refused and not opened;
- a glob that matches no file is allowed (an office may not have submitted yet), and
  reported as a warning, since a scenario copied without its `offices/` folder would
  otherwise lose its office priorities without a word.

The folder's own name is never read as a glob: `plans [Q3 draft]/scenario.yaml` works.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

GLOB_FIX = ("write a glob relative to the scenario's folder, such as offices/*.yaml, and keep "
            "the office files inside that folder")


def pattern_problem(pattern: str) -> str | None:
    """Why a `priority_files` glob is refused before it is expanded, or None."""
    if "\x00" in pattern:
        return "a NUL character is not allowed in a file name"
    posix = PurePosixPath(pattern.replace("\\", "/"))
    if (pattern.startswith(("/", "\\", "~")) or PureWindowsPath(pattern).drive
            or posix.is_absolute()):
        return "an absolute path reaches outside the scenario's folder"
    if ".." in posix.parts:
        return "a '..' component reaches outside the scenario's folder"
    return None


def inside(root: Path, candidate: Path) -> bool:
    """Whether `candidate`, every symlink resolved, lies in `root` (resolved too)."""
    try:
        candidate.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # outside, unreadable, or a symlink loop
        return False
    return True


@dataclass(frozen=True)
class Refusal:
    """A glob, or a file it matched, that pocplan will not touch."""

    index: int
    """Which `priority_files` entry (0-based)."""
    message: str
    fix: str


@dataclass(frozen=True)
class GlobMatches:
    """What the `priority_files` globs of one scenario reach."""

    files: list[Path] = field(default_factory=list)
    """Matched files inside the scenario's folder: sorted by real path, no duplicates, no
    directories, not the scenario itself."""
    refused: list[Refusal] = field(default_factory=list)
    """Globs refused, and matches leading outside the folder (errors)."""
    empty: list[int] = field(default_factory=list)
    """Indexes of the globs that matched no file (a warning)."""


def match_priority_files(scenario_path: Path, patterns: Iterable[str]) -> GlobMatches:
    """Expand the globs in the scenario's folder, keeping only what stays inside it."""
    root = scenario_path.parent if str(scenario_path.parent) else Path(".")
    itself = scenario_path.resolve()
    result = GlobMatches()
    found: dict[Path, Path] = {}
    for index, pattern in enumerate(patterns):
        reason = pattern_problem(pattern)
        if reason is not None:
            result.refused.append(Refusal(index, f"glob '{pattern}' is refused: {reason}; "
                                          "nothing it names was read", GLOB_FIX))
            continue
        matched = False
        for candidate in _expand(root, pattern):
            if not inside(root, candidate):
                result.refused.append(Refusal(
                    index, f"glob '{pattern}' matches {candidate}, which leads outside the "
                    "scenario's folder (a symlink); it was not read",
                    "copy the file into the scenario's folder instead of linking to it"))
                continue
            if not candidate.is_file():
                continue
            matched = True
            resolved = candidate.resolve()
            if resolved != itself:
                found.setdefault(resolved, candidate)
        if not matched:
            result.empty.append(index)
    result.files.extend(found[key] for key in sorted(found))
    return result


def _expand(root: Path, pattern: str) -> list[Path]:
    try:  # root_dir is never read as a glob: brackets in the folder's name are literal
        return [root / match for match in
                sorted(glob.glob(pattern, root_dir=root, recursive=True))]
    except (OSError, ValueError):
        return []  # an unreadable directory matches nothing
