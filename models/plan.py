"""A plan (docs/evaluation-contract.md): ground assignments, air sorties and civilian mission start
weeks.

The same model comes out of every backend, the staff heuristic, or a hand-written JSON
file; `canonical()` gives the one deterministic order used in every output.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from models.base import Identifier, StrictModel

GroundTask = Literal["presence", "escort"]
AirTask = Literal["show_of_force", "escort"]


class Assignment(StrictModel):
    unit: Identifier
    """Ground unit id."""
    hotspot: Identifier
    """Hotspot id."""
    week: int = Field(ge=1, strict=True)
    """Week of the assignment."""
    task: GroundTask
    """presence (holds the hotspot) or escort (accompanies the named mission only)."""
    mission: Identifier | None = None
    """With task escort: id of the civilian_mission priority escorted."""


class Sortie(StrictModel):
    unit: Identifier
    """Air unit id."""
    hotspot: Identifier
    """Hotspot id."""
    week: int = Field(ge=1, strict=True)
    """Week flown."""
    count: int = Field(ge=1, strict=True)
    """Number of sorties of this unit to this hotspot with this task in this week."""
    task: AirTask
    """show_of_force or escort (every sortie counts for harm averted either way)."""
    mission: Identifier | None = None
    """Informative only: the mission an escort sortie is meant for."""


class MissionStart(StrictModel):
    priority: Identifier
    """Id of the civilian_mission priority scheduled."""
    start_week: int = Field(ge=1, strict=True)
    """First week the mission runs."""


class Plan(StrictModel):
    """One joint-operation plan: who is where, what flies, which missions go when."""

    assignments: list[Assignment] = []
    """Ground unit assignments, at most one per unit and week."""
    sorties: list[Sortie] = []
    """Air sorties, grouped by unit, hotspot, week and task."""
    missions: list[MissionStart] = []
    """Scheduled civilian missions; an unscheduled mission is simply absent."""

    def canonical(self) -> Plan:
        """The same plan in the deterministic order every output uses."""
        return Plan(
            assignments=sorted(self.assignments,
                               key=lambda a: (a.unit, a.week, a.hotspot, a.task, a.mission or "")),
            sorties=sorted(self.sorties,
                           key=lambda s: (s.unit, s.week, s.hotspot, s.task, s.mission or "")),
            missions=sorted(self.missions, key=lambda m: (m.priority, m.start_week)),
        )
