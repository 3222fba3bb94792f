"""From matched events to drafted threats (docs/event-import.md): each event to one of the six
threat categories by a documented table, then each hotspot's category to a probability
and an impact (1–5) by documented thresholds over the import window.

Every default below is an assumption, with its reason in docs/event-import.md (a test
keeps the two in step); `--mapping FILE` puts rules before the ACLED table, remaps HAPI's
event types and changes the thresholds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from models.base import ThreatCategory
from models.events import (
    AcledEventType,
    AcledRule,
    ActorType,
    HdxEventType,
    MappingFile,
    Target,
    Thresholds,
)
from planner.inputs.event_matching import Matches
from planner.inputs.events import EventFormat, EventRecord
from planner.inputs.messages import validate_model
from planner.inputs.problems import ScenarioError
from planner.inputs.source import read_source

C = ThreatCategory
A = ActorType
E = AcledEventType
ARMED_STATE = [A.STATE_FORCES, A.EXTERNAL_FORCES]
LOOTING = ["Looting/property destruction"]

DEFAULT_ACLED_RULES: tuple[AcledRule, ...] = (
    AcledRule(event_type=E.VIOLENCE_AGAINST_CIVILIANS, actor1=[A.STATE_FORCES],
              category=C.STATE_VIOLATIONS,
              reason="violence by the host state's forces against civilians: the paper's "
                     "threats by counterterrorism actors (abuses by Malian armed forces)"),
    AcledRule(event_type=E.VIOLENCE_AGAINST_CIVILIANS, actor1=[A.EXTERNAL_FORCES],
              category=C.STATE_VIOLATIONS,
              reason="ACLED codes foreign and partner militaries as External/Other forces; "
                     "their abuses are the paper's threats by counterterrorism actors too"),
    AcledRule(event_type=E.VIOLENCE_AGAINST_CIVILIANS, actor1=[A.IDENTITY_MILITIA],
              category=C.INTERCOMMUNAL,
              reason="identity militias are ACLED's communal and ethnic militias (the "
                     "self-defense groups of central Mali): intercommunal violence"),
    AcledRule(event_type=E.VIOLENCE_AGAINST_CIVILIANS,
              actor1=[A.REBEL_GROUP, A.POLITICAL_MILITIA], category=C.ARMED_GROUP_ABUSE,
              reason="rebel groups and political militias (ACLED's coding of Islamist and "
                     "unidentified armed groups) attacking, abducting or abusing civilians"),
    AcledRule(event_type=E.VIOLENCE_AGAINST_CIVILIANS, category=C.INTERCOMMUNAL,
              reason="what is left is violence by rioters, protesters or civilians against "
                     "civilians: communal violence"),
    AcledRule(event_type=E.EXPLOSIONS, actor1=ARMED_STATE, civilian_targeting=True,
              category=C.STATE_VIOLATIONS,
              reason="air or drone strikes and shelling by state or external forces that "
                     "ACLED flags as targeting civilians"),
    AcledRule(event_type=E.EXPLOSIONS, actor1=ARMED_STATE, category=C.ARMED_GROUP_CONFLICT,
              reason="strikes and shelling by state or external forces against armed groups: "
                     "fighting between armed actors, not terrorism"),
    AcledRule(event_type=E.EXPLOSIONS, category=C.TERRORIST_ATTACKS,
              reason="IEDs, landmines, suicide bombs, grenades and shelling by non-state "
                     "groups: the modus operandi of violent extremist groups (the paper's "
                     "terrorist acts; mined roads)"),
    AcledRule(event_type=E.BATTLES, actor1=[A.IDENTITY_MILITIA], actor2=[A.IDENTITY_MILITIA],
              category=C.INTERCOMMUNAL,
              reason="armed clashes between two communal militias are intercommunal "
                     "fighting"),
    AcledRule(event_type=E.BATTLES, category=C.ARMED_GROUP_CONFLICT,
              reason="every other battle (armed clash, territory taken or regained) is "
                     "conflict between armed groups or with the state"),
    AcledRule(event_type=E.STRATEGIC_DEVELOPMENTS, sub_event_type=LOOTING, actor1=ARMED_STATE,
              category=C.STATE_VIOLATIONS,
              reason="looting or destruction of property by state or external forces"),
    AcledRule(event_type=E.STRATEGIC_DEVELOPMENTS, sub_event_type=LOOTING,
              actor1=[A.IDENTITY_MILITIA], category=C.INTERCOMMUNAL,
              reason="villages burnt and cattle taken by communal militias"),
    AcledRule(event_type=E.STRATEGIC_DEVELOPMENTS, sub_event_type=LOOTING,
              category=C.BANDITRY,
              reason="looting and property destruction by unidentified or other groups "
                     "(ACLED codes unidentified armed groups as political militias): "
                     "criminality and banditry"),
    AcledRule(event_type=E.RIOTS, civilian_targeting=True, category=C.INTERCOMMUNAL,
              reason="mob violence that ACLED flags as targeting civilians: communal violence"),
    AcledRule(event_type=E.RIOTS, category="ignore",
              reason="other riots are disorder, not one of the six threats to civilians"),
    AcledRule(event_type=E.PROTESTS, sub_event_type=["Excessive force against protesters"],
              category=C.STATE_VIOLATIONS,
              reason="lethal or excessive force used on protesters, by ACLED's definition "
                     "by state forces"),
    AcledRule(event_type=E.PROTESTS, category="ignore",
              reason="peaceful protests and protests with intervention threaten no civilian"),
    AcledRule(event_type=E.STRATEGIC_DEVELOPMENTS, category="ignore",
              reason="arrests, agreements, bases established, transfers of territory: not "
                     "violence against civilians"),
)
"""The ACLED table, tried in order; the first rule that matches an event wins."""

DEFAULT_HDX: dict[HdxEventType, Target] = {
    HdxEventType.CIVILIAN_TARGETING: C.ARMED_GROUP_ABUSE,
    HdxEventType.POLITICAL_VIOLENCE: C.ARMED_GROUP_CONFLICT,
    HdxEventType.DEMONSTRATION: "ignore",
}
"""HAPI event type → category (reasons in `HDX_REASONS`)."""

HDX_REASONS = {
    HdxEventType.CIVILIAN_TARGETING: "ACLED events flagged as targeting civilians; HAPI "
    "carries no actor, and the paper lists threats by armed and extremist groups first; where "
    "communal militias are the perpetrators, remap it to intercommunal",
    HdxEventType.POLITICAL_VIOLENCE: "battles, explosions/remote violence and violence "
    "against civilians, less the civilian-targeting events counted above",
    HdxEventType.DEMONSTRATION: "protests and riots: not one of the six threats",
}


# ---------------------------------------------------------------------------- mapping file
def load_mapping(path: str | Path | None) -> MappingFile:
    """The mapping file (strict: unknown keys and bad values are errors with file:line),
    or the defaults alone when there is none. Raises ScenarioError with every problem."""
    if path is None:
        return MappingFile()
    source = read_source(Path(path), "mapping")
    mapping, problems = validate_model(MappingFile, source)
    if mapping is None:
        raise ScenarioError(problems)
    return mapping


# ---------------------------------------------------------------------------- categories
def acled_rules(mapping: MappingFile) -> tuple[AcledRule, ...]:
    return tuple(mapping.acled) + DEFAULT_ACLED_RULES


def rule_matches(rule: AcledRule, record: EventRecord) -> bool:
    if rule.event_type != record.event_type:
        return False
    if rule.sub_event_type is not None and record.sub_event_type.lower() not in {
            s.lower() for s in rule.sub_event_type}:
        return False
    if rule.actor1 is not None and record.actor1 not in rule.actor1:
        return False
    if rule.actor2 is not None and record.actor2 not in rule.actor2:
        return False
    return rule.civilian_targeting is None or rule.civilian_targeting == record.civilian_targeting


def categorise(record: EventRecord, mapping: MappingFile) -> tuple[Target | None, str]:
    """(category or 'ignore', which rule) for one record; (None, ...) when no rule applies."""
    if record.format is EventFormat.HDX:
        kind = HdxEventType(record.event_type)
        if kind in mapping.hdx:
            return mapping.hdx[kind], f"mapping file: hdx {kind.value}"
        return DEFAULT_HDX[kind], f"default: hdx {kind.value}"
    for i, rule in enumerate(mapping.acled, start=1):
        if rule_matches(rule, record):
            return rule.category, f"mapping file: acled rule {i}"
    for i, rule in enumerate(DEFAULT_ACLED_RULES, start=1):
        if rule_matches(rule, record):
            return rule.category, f"default: rule {i}"
    return None, "no rule"


# ---------------------------------------------------------------------------- window
@dataclass(frozen=True)
class Window:
    """The import window, both days included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> float:
        return self.days / 7

    def holds(self, record: EventRecord) -> bool:
        return self.start <= record.start and record.end <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def window_for(records: Iterable[EventRecord], start: dt.date | None,
               end: dt.date | None) -> Window | None:
    """The window given, its open ends filled from the data (never past the other end);
    None when there is nothing to fill from."""
    records = list(records)
    if start is None:
        start = min((r.start for r in records), default=None)
        if start is not None and end is not None:
            start = min(start, end)
    if end is None:
        end = max((r.end for r in records), default=None)
        if end is not None and start is not None:
            end = max(end, start)
    if start is None or end is None:
        return None
    return Window(start, end)


def net_hdx(records: list[EventRecord]) -> list[EventRecord]:
    """HAPI counts an area's civilian-targeting events among its political-violence events
    too; subtract them (same area and period) so that each event counts once."""
    targeting: dict[tuple, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for r in records:
        if r.format is EventFormat.HDX and r.event_type == HdxEventType.CIVILIAN_TARGETING:
            events, deaths = targeting[(r.pcode, r.start, r.end)]
            targeting[(r.pcode, r.start, r.end)] = (events + r.events, deaths + r.fatalities)
    out = []
    for r in records:
        if r.format is EventFormat.HDX and r.event_type == HdxEventType.POLITICAL_VIOLENCE:
            events, deaths = targeting.get((r.pcode, r.start, r.end), (0, 0))
            r = replace(r, events=max(0, r.events - events),
                        fatalities=max(0, r.fatalities - deaths))
        out.append(r)
    return out


# ---------------------------------------------------------------------------- levels
def probability_level(events_per_week: float, thresholds: Thresholds) -> int:
    """1 + the number of probability thresholds at or below the weekly rate."""
    return 1 + sum(events_per_week >= edge for edge in thresholds.probability_events_per_week)


def impact_level(fatalities_per_event: float, civilian_share: float,
                 thresholds: Thresholds) -> int:
    """1 + the fatality thresholds reached, one more (at most 5) when at least
    `thresholds.civilian_share` of the events target civilians."""
    level = 1 + sum(fatalities_per_event >= e for e in thresholds.impact_fatalities_per_event)
    if civilian_share >= thresholds.civilian_share:
        level += 1
    return min(5, level)


@dataclass(frozen=True)
class DraftedThreat:
    """One drafted threat and the counts behind it."""

    category: ThreatCategory
    probability: int
    impact: int
    events: int
    fatalities: int
    civilian_events: int
    weeks: float

    @property
    def per_week(self) -> float:
        return self.events / self.weeks

    @property
    def per_event(self) -> float:
        return self.fatalities / self.events

    def basis(self) -> str:
        """The counts behind the levels, for the fragment's comment."""
        return (f"{self.events} event(s) in {self.weeks:.1f} weeks = {self.per_week:.2f}/week "
                f"-> probability {self.probability}; {self.fatalities} fatalities = "
                f"{self.per_event:.2f}/event, {self.civilian_events} targeting civilians "
                f"-> impact {self.impact}")


@dataclass
class Draft:
    """Drafted threats per hotspot (only hotspots with counted events), and what was left."""

    window: Window
    thresholds: Thresholds
    threats: dict[str, list[DraftedThreat]] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)
    """Rule → events matched to a hotspot but mapped to `ignore`."""
    unmapped: int = 0
    """Matched events no rule applied to."""


def draft_threats(matches: Matches, mapping: MappingFile, window: Window,
                  hotspot_order: list[str]) -> Draft:
    """Each hotspot's events by category → probability and impact over the window."""
    draft = Draft(window, mapping.thresholds)
    ignored: dict[str, int] = defaultdict(int)
    for hotspot in hotspot_order:
        totals: dict[ThreatCategory, list[int]] = {}
        for record in matches.by_hotspot.get(hotspot, []):
            target, rule = categorise(record, mapping)
            if target is None:
                draft.unmapped += record.events
            elif target == "ignore":
                ignored[rule] += record.events
            elif record.events:
                total = totals.setdefault(ThreatCategory(target), [0, 0, 0])
                total[0] += record.events
                total[1] += record.fatalities
                total[2] += record.events if record.civilian_targeting else 0
        if totals:
            draft.threats[hotspot] = [
                _level(category, *totals[category], window, mapping.thresholds)
                for category in ThreatCategory if category in totals]
    draft.ignored = dict(sorted(ignored.items()))
    return draft


def _level(category: ThreatCategory, events: int, fatalities: int, civilian: int,
           window: Window, thresholds: Thresholds) -> DraftedThreat:
    probability = probability_level(events / window.weeks, thresholds)
    impact = impact_level(fatalities / events, civilian / events, thresholds)
    return DraftedThreat(category, probability, impact, events, fatalities, civilian,
                         window.weeks)
