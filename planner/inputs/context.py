"""What the cross checks see of a scenario being loaded: the merged scenario, its
instance, and where each key path came from."""
from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from models.scenario import Scenario
from planner.domain.instance import Instance
from planner.inputs.problems import KeyPath, Problem
from planner.inputs.source import Source


# ---------------------------------------------------------------------------- checks context
class CheckContext:
    """What `planner.inputs.checks` sees: the merged scenario, its compiled instance, and how to
    turn a key path of the merged scenario into a located Problem in the right file."""

    def __init__(self, scenario: Scenario, main: Source,
                 priority_origins: Sequence[tuple[Source, int]]):
        self.scenario = scenario
        self.main = main
        self.priority_origins = tuple(priority_origins)
        self.memo: dict[str, Any] = {}
        """Scratch space for checks to share work computed once (reach by hotspot, ...)."""

    @cached_property
    def instance(self) -> Instance:
        return Instance.build(self.scenario)

    def error(self, path: KeyPath, message: str, fix: str, *, id: str | None = None,
              key: bool = False) -> Problem:
        source, local = self._resolve(path)
        return source.problem(local, message, fix, key=key, id=id)

    def warning(self, path: KeyPath, message: str, fix: str, *, id: str | None = None,
                key: bool = False) -> Problem:
        source, local = self._resolve(path)
        return source.problem(local, message, fix, key=key, id=id, severity="warning")

    def position(self, path: KeyPath, seen_from: KeyPath | None = None) -> str:
        """Where a key path is, for messages that point at a second place: `line 12`
        when it is in the same file as `seen_from`, else `file:12`."""
        source, local = self._resolve(path)
        found = source.marks.locate(local)
        if seen_from is not None and self._resolve(seen_from)[0] is source:
            return f"line {found[0]}" if found else "this file"
        return f"{source.file}:{found[0]}" if found else source.file

    def _resolve(self, path: KeyPath) -> tuple[Source, KeyPath]:
        if len(path) >= 2 and path[0] == "priorities" and isinstance(path[1], int) \
                and path[1] < len(self.priority_origins):
            source, index = self.priority_origins[path[1]]
            return source, ("priorities", index) + path[2:]
        return self.main, path
