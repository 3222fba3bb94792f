"""The ACLED and HDX HAPI readers (planner.inputs.events): good rows, every kind of bad row
with its line, column and reason, and the format detected from the header."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from models.events import ActorType
from planner.inputs.events import (
    ACLED_COLUMNS,
    HDX_COLUMNS,
    EventFileError,
    EventFormat,
    parse_interaction,
    read_events,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "events"
ACLED_FILE = FIXTURES / "acled_central_mali_2018.csv"
HDX_FILE = FIXTURES / "hdx_mali_conflict_events_2018.csv"

GOOD = {
    "event_id_cnty": "MLI1", "event_date": "2018-07-03", "year": "2018", "time_precision": "1",
    "disorder_type": "Political violence", "event_type": "Violence against civilians",
    "sub_event_type": "Attack", "actor1": "Dan Na Ambassagou", "assoc_actor_1": "",
    "inter1": "Identity militia", "actor2": "Civilians (Mali)", "assoc_actor_2": "",
    "inter2": "Civilians", "interaction": "Identity militia-Civilians",
    "civilian_targeting": "Civilian targeting", "iso": "466", "region": "Western Africa",
    "country": "Mali", "admin1": "Mopti", "admin2": "Koro", "admin3": "Koro",
    "location": "Koro", "latitude": "14.07", "longitude": "-3.07", "geo_precision": "1",
    "source": "test", "source_scale": "Local", "notes": "", "fatalities": "2", "tags": "",
    "timestamp": "1546300800",
}


def _csv(cells: list[str]) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' if ("," in c or '"' in c) else c
                    for c in cells)


def acled_file(tmp_path: Path, *rows: dict[str, str], name: str = "acled.csv") -> Path:
    lines = [",".join(ACLED_COLUMNS)]
    for i, row in enumerate(rows, start=1):
        cells = GOOD | {"event_id_cnty": f"MLI{i}"} | row
        lines.append(_csv([cells[c] for c in ACLED_COLUMNS]))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def only_skip(path: Path):
    result = read_events(path)
    assert not result.records and len(result.skipped) == 1
    return result.skipped[0]


# ---------------------------------------------------------------------------- ACLED good
def test_the_acled_fixture_is_read_row_by_row_and_every_row_is_accounted_for():
    result = read_events(ACLED_FILE)
    assert result.format is EventFormat.ACLED
    assert result.read == 16 and len(result.records) == 11
    assert dict(result.skipped_by_reason()) == {
        "bad date": 1, "blank line": 1, "missing coordinates": 1,
        "non-numeric fatalities": 1, "unknown event type": 1}
    first = result.records[0]
    assert first.ref == "MLI9001" and first.line == 2  # the BOM does not hide the header
    assert first.actor1 is ActorType.IDENTITY_MILITIA and first.actor2 is ActorType.CIVILIANS
    assert first.civilian_targeting and first.fatalities == 12
    # a quoted note with a newline spans two lines: the next record starts at line 4
    assert result.records[1].line == 4


def test_both_date_forms_are_read(tmp_path):
    path = acled_file(tmp_path, {"event_date": "2018-06-23"}, {"event_date": "23 June 2018"},
                      {"event_date": "3 Jul 2018"})
    assert [r.start for r in read_events(path).records] == [
        dt.date(2018, 6, 23), dt.date(2018, 6, 23), dt.date(2018, 7, 3)]


@pytest.mark.parametrize(("inter1", "inter2", "actors"), [
    ("1", "7", (ActorType.STATE_FORCES, ActorType.CIVILIANS)),
    ("State forces", "Civilians", (ActorType.STATE_FORCES, ActorType.CIVILIANS)),
    ("Rebel Groups", "0", (ActorType.REBEL_GROUP, None)),  # older plural text, no actor2
    ("8", "", (ActorType.EXTERNAL_FORCES, None)),
])
def test_actor_types_as_integer_codes_or_text(tmp_path, inter1, inter2, actors):
    record, = read_events(acled_file(tmp_path, {"inter1": inter1, "inter2": inter2})).records
    assert (record.actor1, record.actor2) == actors


@pytest.mark.parametrize(("text", "pair"), [
    ("17", (ActorType.STATE_FORCES, ActorType.CIVILIANS)),
    ("10", (ActorType.STATE_FORCES, None)),
    ("44", (ActorType.IDENTITY_MILITIA, ActorType.IDENTITY_MILITIA)),
    ("State forces-Civilians", (ActorType.STATE_FORCES, ActorType.CIVILIANS)),
    ("Rebel group only", (ActorType.REBEL_GROUP, None)),
    ("External/Other forces-Political militia",
     (ActorType.EXTERNAL_FORCES, ActorType.POLITICAL_MILITIA)),
    ("", None),
])
def test_interaction_as_two_digit_code_or_text(text, pair):
    assert parse_interaction(text) == pair


def test_an_empty_inter1_falls_back_on_the_interaction(tmp_path):
    record, = read_events(acled_file(tmp_path, {"inter1": "", "inter2": "",
                                                 "interaction": "37"})).records
    assert (record.actor1, record.actor2) == (ActorType.POLITICAL_MILITIA, ActorType.CIVILIANS)


# ---------------------------------------------------------------------------- ACLED bad rows
@pytest.mark.parametrize(("change", "reason", "column", "words"), [
    ({"event_date": "31 Junly 2018"}, "bad date", "event_date (column 2)", "is not a date"),
    ({"event_date": "2018-02-30"}, "bad date", "event_date (column 2)", "day is out of range"),
    ({"event_date": ""}, "bad date", "event_date (column 2)", "empty"),
    ({"latitude": ""}, "missing coordinates", "latitude (column 23)", "empty"),
    ({"longitude": "200"}, "missing coordinates", "longitude (column 24)", "-180 to 180"),
    ({"fatalities": "several"}, "non-numeric fatalities", "fatalities (column 29)",
     "'several' is not a whole number"),
    ({"fatalities": "-1"}, "bad fatalities", "fatalities (column 29)", "0 or more"),
    ({"event_type": "Alien landing"}, "unknown event type", "event_type (column 6)",
     "unknown event type 'Alien landing'"),
    ({"inter1": "9"}, "unknown actor type", "inter1 (column 10)", "not an ACLED actor type"),
    ({"interaction": "99"}, "unknown actor type", "interaction (column 14)",
     "not an ACLED interaction"),
    ({"geo_precision": "4"}, "bad geo_precision", "geo_precision (column 25)", "from 1 to 3"),
    ({"civilian_targeting": "maybe"}, "bad flag", "civilian_targeting (column 15)",
     "neither 'Civilian targeting' nor empty"),
    ({"event_id_cnty": ""}, "missing value", "event_id_cnty (column 1)", "empty"),
])
def test_each_bad_row_is_skipped_with_its_line_column_and_reason(tmp_path, change, reason,
                                                                 column, words):
    path = acled_file(tmp_path, change)
    skip = only_skip(path)
    assert (skip.line, skip.reason) == (2, reason)
    assert skip.detail.startswith(column + ": ") and words in skip.detail
    assert read_events(path).problem_lines() == [f"{path}:2: {skip.detail}"]


def test_blank_lines_wrong_widths_and_duplicate_ids_are_skipped(tmp_path):
    path = acled_file(tmp_path, {}, {})
    text = path.read_text().splitlines()
    duplicate = text[1]
    path.write_text("\n".join([text[0], text[1], "", "a,b,c", duplicate]) + "\n")
    result = read_events(path)
    assert [(s.line, s.reason) for s in result.skipped] == [
        (3, "blank line"), (4, "wrong number of cells"), (5, "duplicate event id")]
    assert "already read at line 2" in result.skipped[2].detail
    assert "3 cells where the header has 31" in result.skipped[1].detail


def test_a_byte_order_mark_and_crlf_line_ends_are_read(tmp_path):
    path = acled_file(tmp_path, {})
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    record, = read_events(path).records
    assert record.ref == "MLI1" and record.fatalities == 2


# ---------------------------------------------------------------------------- whole files
def test_an_unknown_header_names_the_missing_columns(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("event_id_cnty,event_date,event_type,latitude\nX,2018-01-01,Battles,1\n")
    with pytest.raises(EventFileError) as caught:
        read_events(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:1: unknown header")
    assert "ACLED export, which lacks the column(s) sub_event_type, actor1" in message
    assert "longitude" in message and "fatalities" in message


def test_a_header_closer_to_hdx_is_named_as_such(tmp_path):
    path = tmp_path / "hapi.csv"
    path.write_text(",".join(c for c in HDX_COLUMNS if c != "events") + "\n")
    with pytest.raises(EventFileError, match=r"HDX HAPI conflict events, which lacks the "
                                             r"column\(s\) events\."):
        read_events(path)


@pytest.mark.parametrize(("content", "words"), [
    (None, "file not found"),
    (b"", "the file is empty"),
    (b"event_id_cnty\n\xff\xfe\n", ":2: not UTF-8 text: byte 0xff"),
])
def test_unreadable_files_say_why(tmp_path, content, words):
    path = tmp_path / "events.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(EventFileError, match=words):
        read_events(path)


def test_the_line_of_a_bad_byte_far_into_the_file_is_exact(tmp_path):
    path = acled_file(tmp_path, *[{} for _ in range(200)])
    lines = path.read_bytes().split(b"\n")
    lines[150] = lines[150].replace(b"Koro", b"K\xe9ro", 1)
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(EventFileError, match=":151: not UTF-8"):
        read_events(path)


# ---------------------------------------------------------------------------- HDX
def test_the_hdx_fixture_skips_its_hxl_row_and_bad_rows():
    result = read_events(HDX_FILE)
    assert result.format is EventFormat.HDX
    assert result.read == 14 and len(result.records) == 9
    assert dict(result.skipped_by_reason()) == {
        "HXL tag row": 1, "bad date": 1, "blank line": 1, "non-numeric events": 1,
        "unknown event type": 1}
    assert result.skipped[0].line == 2  # the tag row under the header
    first = result.records[0]
    assert (first.pcode, first.events, first.fatalities, first.civilian_targeting) == (
        "ML0505", 4, 30, True)
    assert (first.start, first.end) == (dt.date(2018, 7, 1), dt.date(2018, 7, 31))


def test_hdx_rows_take_the_code_of_their_admin_level(tmp_path):
    path = tmp_path / "hapi.csv"
    path.write_text(
        ",".join(HDX_COLUMNS) + "\n"
        "MLI,ML05,Mopti,,,1,political_violence,20,50,2018-07-01,2018-07-31\n"
        "MLI,ML05,Mopti,ML0505,Koro,2,demonstration,3,,2018-07-01T00:00:00,2018-07-31T23:59:59\n"
        "MLI,ML05,Mopti,,,2,political_violence,1,0,2018-07-01,2018-07-31\n"
        "MLI,ML05,Mopti,ML0505,Koro,2,political_violence,1,0,2018-07-31,2018-07-01\n")
    result = read_events(path)
    assert [(r.pcode, r.fatalities) for r in result.records] == [("ML05", 50), ("ML0505", 0)]
    assert [(s.line, s.detail) for s in result.skipped] == [
        (4, "admin2_code (column 4): empty, but admin_level is 2; row skipped"),
        (5, "reference_period_end (column 11): 2018-07-01 is before the start 2018-07-31; "
            "row skipped")]
