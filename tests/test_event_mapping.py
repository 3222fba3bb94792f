"""Events to threat categories and counts to levels (planner.inputs.event_mapping): each row
of the default table, the HAPI defaults, the mapping file and the threshold boundaries."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from models.base import ThreatCategory as C
from models.events import ActorType as A
from models.events import MappingFile, Thresholds
from planner.inputs.event_mapping import (
    DEFAULT_ACLED_RULES,
    DEFAULT_HDX,
    HDX_REASONS,
    Window,
    categorise,
    draft_threats,
    impact_level,
    load_mapping,
    net_hdx,
    probability_level,
)
from planner.inputs.event_matching import Matches
from planner.inputs.events import EventFormat, EventRecord
from planner.inputs.problems import ScenarioError

DAY = dt.date(2018, 7, 3)
DOC = Path(__file__).resolve().parents[1] / "docs" / "event-import.md"
DEFAULTS = MappingFile()


def acled(event_type: str, sub: str = "", a1: A | None = None, a2: A | None = None,
          civ: bool = False, fatalities: int = 0) -> EventRecord:
    return EventRecord(EventFormat.ACLED, 2, "E1", DAY, DAY, event_type, sub, a1, a2, civ,
                       lat=0.0, lon=0.0, geo_precision=1, fatalities=fatalities)


VAC, ERV, BAT = "Violence against civilians", "Explosions/Remote violence", "Battles"
SD, RIOT, PROT = "Strategic developments", "Riots", "Protests"
LOOT = "Looting/property destruction"

# One event per default rule, written from the codebook's categories, not from the rules.
CASES = [
    (1, acled(VAC, "Attack", A.STATE_FORCES, A.CIVILIANS, True), C.STATE_VIOLATIONS),
    (2, acled(VAC, "Attack", A.EXTERNAL_FORCES, A.CIVILIANS, True), C.STATE_VIOLATIONS),
    (3, acled(VAC, "Attack", A.IDENTITY_MILITIA, A.CIVILIANS, True), C.INTERCOMMUNAL),
    (4, acled(VAC, "Abduction/forced disappearance", A.REBEL_GROUP, A.CIVILIANS, True),
     C.ARMED_GROUP_ABUSE),
    (4, acled(VAC, "Sexual violence", A.POLITICAL_MILITIA, A.CIVILIANS, True),
     C.ARMED_GROUP_ABUSE),
    (5, acled(VAC, "Attack", A.RIOTERS, A.CIVILIANS, True), C.INTERCOMMUNAL),
    (6, acled(ERV, "Air/drone strike", A.STATE_FORCES, A.CIVILIANS, True), C.STATE_VIOLATIONS),
    (7, acled(ERV, "Air/drone strike", A.EXTERNAL_FORCES, A.REBEL_GROUP), C.ARMED_GROUP_CONFLICT),
    (8, acled(ERV, "Remote explosive/landmine/IED", A.REBEL_GROUP, A.STATE_FORCES),
     C.TERRORIST_ATTACKS),
    (8, acled(ERV, "Suicide bomb", A.POLITICAL_MILITIA, A.CIVILIANS, True), C.TERRORIST_ATTACKS),
    (9, acled(BAT, "Armed clash", A.IDENTITY_MILITIA, A.IDENTITY_MILITIA), C.INTERCOMMUNAL),
    (10, acled(BAT, "Armed clash", A.IDENTITY_MILITIA, A.REBEL_GROUP), C.ARMED_GROUP_CONFLICT),
    (10, acled(BAT, "Non-state actor overtakes territory", A.REBEL_GROUP, A.STATE_FORCES),
     C.ARMED_GROUP_CONFLICT),
    (11, acled(SD, LOOT, A.STATE_FORCES, A.CIVILIANS), C.STATE_VIOLATIONS),
    (12, acled(SD, LOOT, A.IDENTITY_MILITIA, A.CIVILIANS), C.INTERCOMMUNAL),
    (13, acled(SD, LOOT, A.POLITICAL_MILITIA, A.CIVILIANS), C.BANDITRY),
    (14, acled(RIOT, "Mob violence", A.RIOTERS, A.CIVILIANS, True), C.INTERCOMMUNAL),
    (15, acled(RIOT, "Violent demonstration", A.RIOTERS, A.STATE_FORCES), "ignore"),
    (16, acled(PROT, "Excessive force against protesters", A.STATE_FORCES, A.PROTESTERS, True),
     C.STATE_VIOLATIONS),
    (17, acled(PROT, "Peaceful protest", A.PROTESTERS), "ignore"),
    (18, acled(SD, "Arrests", A.STATE_FORCES, A.CIVILIANS), "ignore"),
]


@pytest.mark.parametrize(("rule", "record", "category"), CASES)
def test_each_default_rule(rule, record, category):
    assert categorise(record, DEFAULTS) == (category, f"default: rule {rule}")


def test_every_default_rule_has_a_case():
    assert {rule for rule, _, _ in CASES} == set(range(1, len(DEFAULT_ACLED_RULES) + 1))


def test_every_default_row_and_threshold_is_in_the_docs_with_its_reason():
    doc = DOC.read_text("utf-8")
    acled_table = doc[doc.index("### ACLED (default table)"):doc.index("### HDX HAPI")]
    rows = re.findall(r"^\| (\d+) \|(.*)\|$", acled_table, re.M)
    by_number = {int(n): cells for n, cells in rows}
    assert set(by_number) == set(range(1, len(DEFAULT_ACLED_RULES) + 1))
    for i, rule in enumerate(DEFAULT_ACLED_RULES, start=1):
        cells = [c.strip() for c in by_number[i].split("|")]
        assert cells[0] == rule.event_type.value
        assert cells[-2] == (rule.category if rule.category == "ignore"
                             else rule.category.value)
        assert cells[-1] == rule.reason
    for kind, target in DEFAULT_HDX.items():
        assert f"| {kind.value} | {target} | {HDX_REASONS[kind]} |" in doc
    t = Thresholds()
    probability = doc[doc.index("**Probability** from"):doc.index("**Impact** from")]
    impact = doc[doc.index("**Impact** from"):doc.index("## 6.")]
    for level, edge in enumerate(t.probability_events_per_week, start=2):
        assert f"| {level} | {edge:g} |" in probability
    for level, edge in enumerate(t.impact_fatalities_per_event, start=2):
        assert f"| {level} | {edge:g} |" in impact
    assert t.civilian_share == 0.5 and "at least half the events" in impact


@pytest.mark.parametrize(("kind", "category"), [
    ("civilian_targeting", C.ARMED_GROUP_ABUSE), ("political_violence", C.ARMED_GROUP_CONFLICT),
    ("demonstration", "ignore")])
def test_hapi_event_types_by_default(kind, category):
    record = EventRecord(EventFormat.HDX, 2, "X", DAY, DAY, kind, pcode="ML0505")
    assert categorise(record, DEFAULTS) == (category, f"default: hdx {kind}")


def test_political_violence_is_counted_net_of_the_civilian_targeting_it_includes():
    def row(kind, events, deaths, pcode="ML0505", start=DAY):
        return EventRecord(EventFormat.HDX, 2, "X", start, start, kind, pcode=pcode,
                           events=events, fatalities=deaths)
    records = [row("civilian_targeting", 4, 30), row("political_violence", 6, 34),
               row("political_violence", 3, 3, pcode="ML0502"),
               row("political_violence", 1, 1, start=DAY + dt.timedelta(days=31)),
               row("civilian_targeting", 5, 9, pcode="ML0501"),
               row("political_violence", 2, 2, pcode="ML0501")]
    assert [(r.events, r.fatalities) for r in net_hdx(records)] == [
        (4, 30), (2, 4), (3, 3), (1, 1), (5, 9), (0, 0)]


# ---------------------------------------------------------------------------- thresholds
@pytest.mark.parametrize(("per_week", "level"), [
    (0.0, 1), (0.2499, 1), (0.25, 2), (0.4999, 2), (0.5, 3), (0.999, 3), (1.0, 4),
    (1.999, 4), (2.0, 5), (50.0, 5)])
def test_probability_thresholds_at_their_boundaries(per_week, level):
    assert probability_level(per_week, Thresholds()) == level


@pytest.mark.parametrize(("per_event", "share", "level"), [
    (0.0, 0.0, 1), (0.4999, 0.0, 1), (0.5, 0.0, 2), (1.0, 0.0, 3), (2.999, 0.0, 3),
    (3.0, 0.0, 4), (9.999, 0.49, 4), (10.0, 0.0, 5),
    (0.0, 0.5, 2), (3.0, 0.5, 5), (10.0, 1.0, 5)])
def test_impact_thresholds_and_the_civilian_targeting_step(per_event, share, level):
    assert impact_level(per_event, share, Thresholds()) == level


def test_a_draft_sums_each_category_over_the_window():
    window = Window(dt.date(2018, 7, 2), dt.date(2018, 7, 15))  # 2 weeks
    events = [acled(VAC, "Attack", A.IDENTITY_MILITIA, A.CIVILIANS, True, fatalities=7),
              acled(BAT, "Armed clash", A.IDENTITY_MILITIA, A.IDENTITY_MILITIA, fatalities=0),
              acled(PROT, "Peaceful protest", A.PROTESTERS)]
    matches = Matches(by_hotspot={"KORO": events, "BANKASS": []})
    draft = draft_threats(matches, DEFAULTS, window, ["KORO", "BANKASS"])
    threat, = draft.threats["KORO"]
    assert (threat.category, threat.events, threat.fatalities, threat.civilian_events) == (
        C.INTERCOMMUNAL, 2, 7, 1)
    # 1 a week -> 4; 3.5 deaths an event -> 4, half target civilians -> 5
    assert (threat.probability, threat.impact) == (4, 5)
    assert "BANKASS" not in draft.threats
    assert draft.ignored == {"default: rule 17": 1}


# ---------------------------------------------------------------------------- mapping file
def test_a_mapping_file_puts_its_rules_first_and_remaps_hapi_and_thresholds(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "acled:\n"
        "  - {event_type: Battles, actor1: [identity_militia], category: intercommunal,\n"
        "     reason: in this sector every militia clash is communal}\n"
        "  - {event_type: Protests, category: armed_group_abuse}\n"
        "hdx: {civilian_targeting: intercommunal}\n"
        "thresholds: {probability_events_per_week: [1, 2, 3, 4]}\n")
    mapping = load_mapping(path)
    clash = acled(BAT, "Armed clash", A.IDENTITY_MILITIA, A.REBEL_GROUP)
    assert categorise(clash, mapping) == (C.INTERCOMMUNAL, "mapping file: acled rule 1")
    assert categorise(acled(PROT), mapping) == (C.ARMED_GROUP_ABUSE,
                                                "mapping file: acled rule 2")
    assert categorise(acled(RIOT, "Mob violence", A.RIOTERS, A.CIVILIANS, True),
                      mapping) == (C.INTERCOMMUNAL, "default: rule 14")
    targeting = EventRecord(EventFormat.HDX, 2, "X", DAY, DAY, "civilian_targeting")
    assert categorise(targeting, mapping)[0] == C.INTERCOMMUNAL
    assert probability_level(1.5, mapping.thresholds) == 2
    assert mapping.thresholds.impact_fatalities_per_event == (0.5, 1.0, 3.0, 10.0)


@pytest.mark.parametrize(("text", "where"), [
    ("acled:\n  - {event_type: Battles, category: intercommunal, colour: red}\n",
     ":2:52: acled[0]: unknown key 'colour'"),
    ("acled:\n  - event_type: Battles\n    category: murder\n", ":3:15: acled[0].category"),
    ("acled:\n  - {event_type: Battle, category: banditry}\n", ":2:18: acled[0].event_type"),
    ("acled:\n  - {event_type: Battles, actor1: [militia], category: banditry}\n",
     "acled[0].actor1[0]"),
    ("thresholds:\n  probability_events_per_week: [1, 1, 2, 3]\n", ":2:"),
    ("hdx: {riots: banditry}\n", ":1:7: hdx"),
    ("# nothing but a comment\n", "the file is empty (only comments). Fix: write an event "
                                   "mapping: acled, hdx, thresholds"),
    ("- a list\n", "the top level must be a mapping"),
])
def test_a_bad_mapping_file_is_refused_with_file_line_and_column(tmp_path, text, where):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_mapping(path)
    assert any(where in str(p) and str(p).startswith(str(path)) for p in caught.value.problems)
