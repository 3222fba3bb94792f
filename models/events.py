"""Conflict-event import (docs/event-import.md): ACLED's and HAPI's vocabularies, and the mapping
file that overrides the default table and thresholds (docs/event-import.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from models.base import ThreatCategory
from models.scenario import InputModel


class AcledEventType(StrEnum):
    """ACLED's six event types (codebook, "Event types")."""

    BATTLES = "Battles"
    EXPLOSIONS = "Explosions/Remote violence"
    VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians"
    PROTESTS = "Protests"
    RIOTS = "Riots"
    STRATEGIC_DEVELOPMENTS = "Strategic developments"


class ActorType(StrEnum):
    """ACLED's actor types (codebook "Actor type"; the older inter codes 1–8)."""

    STATE_FORCES = "state_forces"
    REBEL_GROUP = "rebel_group"
    POLITICAL_MILITIA = "political_militia"
    IDENTITY_MILITIA = "identity_militia"
    RIOTERS = "rioters"
    PROTESTERS = "protesters"
    CIVILIANS = "civilians"
    EXTERNAL_FORCES = "external_forces"


class HdxEventType(StrEnum):
    """HDX HAPI's conflict event types (aggregated from ACLED)."""

    CIVILIAN_TARGETING = "civilian_targeting"
    POLITICAL_VIOLENCE = "political_violence"
    DEMONSTRATION = "demonstration"


Target = ThreatCategory | Literal["ignore"]
"""A threat category, or `ignore`: the events are not counted as any threat."""


class AcledRule(InputModel):
    """One row of the ACLED mapping table: events matching every condition given get
    `category`. Rules are tried in order; the first that matches wins."""

    event_type: AcledEventType
    """ACLED event type, exactly as the codebook writes it."""
    sub_event_type: list[str] | None = None
    """ACLED sub-event types (any of them); default any."""
    actor1: list[ActorType] | None = None
    """Actor types of actor1 (any of them); default any."""
    actor2: list[ActorType] | None = None
    """Actor types of actor2 (any of them); default any."""
    civilian_targeting: bool | None = None
    """true: only events ACLED flags as civilian targeting; false: only the others."""
    category: Target
    """The threat category the events count toward, or ignore."""
    reason: str = ""
    """Why (shown in docs/event-import.md)."""


class Thresholds(InputModel):
    """Levels from counts over the import window; a partial map keeps the defaults."""

    probability_events_per_week: tuple[float, float, float, float] = (0.25, 0.5, 1.0, 2.0)
    """Events per week at or above which probability is 2, 3, 4, 5 (below the first: 1)."""
    impact_fatalities_per_event: tuple[float, float, float, float] = (0.5, 1.0, 3.0, 10.0)
    """Fatalities per event at or above which impact is 2, 3, 4, 5 (below the first: 1)."""
    civilian_share: Annotated[float, Field(gt=0, le=1)] = 0.5
    """Impact one level higher (at most 5) when at least this share of the events targets
    civilians."""

    @model_validator(mode="after")
    def _increasing(self) -> Thresholds:
        for name in ("probability_events_per_week", "impact_fatalities_per_event"):
            edges = getattr(self, name)
            if edges[0] < 0 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
                raise ValueError(f"{name} must be four increasing numbers of 0 or more")
        return self


class MappingFile(InputModel):
    """`--mapping FILE`: rules tried before the default table, HAPI types remapped,
    thresholds changed (docs/event-import.md)."""

    acled: list[AcledRule] = []
    """Rules tried before the default ACLED table (first match wins)."""
    hdx: dict[HdxEventType, Target] = {}
    """HAPI event type → category (or ignore); types not named keep the default."""
    thresholds: Thresholds = Thresholds()
    """Probability and impact thresholds."""
