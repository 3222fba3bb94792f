"""Problems with input files: one located problem, and the error that carries them all.

Every way a file can be wrong ends in one `ScenarioError` that lists every problem found,
each with file:line:column, the key path, the offending id and how to fix it. Key paths
read `hotspots[KORO].threats[0].probability`: a list item is named by its id when it has
a unique one, otherwise by its 0-based index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar

from pydantic import BaseModel

KeyPath = tuple[str | int, ...]
Position = tuple[int, int]
Severity = Literal["error", "warning"]
ModelT = TypeVar("ModelT", bound=BaseModel)


# ---------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located and with a fix a planning officer can act on."""

    file: str
    line: int | None
    column: int | None
    where: str
    id: str | None
    message: str
    fix: str
    severity: Severity = "error"

    def __str__(self) -> str:
        location = self.file
        if self.line is not None:
            location += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        label = self.where
        if self.id and f"[{self.id}]" not in label:
            label = f"{label} ({self.id})" if label else f"({self.id})"
        text = location + ": " + ("warning: " if self.severity == "warning" else "")
        text += (f"{label}: " if label else "") + self.message.rstrip(".")
        return text + (f". Fix: {self.fix}" if self.fix else "")


class ScenarioError(Exception):
    """An input file is unusable; `problems` holds every error found, in file and line order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def __str__(self) -> str:
        files = ", ".join(dict.fromkeys(p.file for p in self.problems))
        counts = plural(len(self.errors), "error")
        if self.warnings:
            counts += ", " + plural(len(self.warnings), "warning")
        return "\n".join([f"{counts} in {files}:"] + [f"  - {p}" for p in self.problems])


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems deduplicated, in file order (first seen first), then by line and column."""
    unique = list(dict.fromkeys(problems))
    rank = {f: i for i, f in enumerate(dict.fromkeys(p.file for p in unique))}
    return sorted(unique, key=lambda p: (rank[p.file], p.line or 0, p.column or 0))


def failure(file: str, message: str, fix: str, position: Position | None = None,
          where: str = "") -> ScenarioError:
    line, column = position if position else (None, None)
    return ScenarioError([Problem(file, line, column, where, None, message, fix)])
