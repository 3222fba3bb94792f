"""Readers for conflict-event data (docs/event-import.md): the ACLED export CSV and the HDX HAPI
conflict-events table, detected from the header.

Both become `EventRecord`s: one ACLED row is one event with a place and coordinates; one
HDX row is a count of events (and fatalities) in one administrative area, named by its
P-code, over a reference period. A row that cannot be used is skipped with a `Skip` saying
its line, the column and why; the file is read to the end and every row is accounted for
(read = used + skipped). A file that cannot be read at all (missing, not UTF-8, an unknown
header) raises `EventFileError`.

The stdlib `csv` module reads the files: streaming, exact about quoting and embedded
newlines (ACLED `notes` carry them), and no type guessing we would have to undo. Line
numbers are those of the file, the header being line 1; a record spanning several lines
is reported at its first line.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from models.events import AcledEventType, ActorType, HdxEventType


class EventFormat(StrEnum):
    ACLED = "acled"
    HDX = "hdx"


FORMAT_NAMES = {EventFormat.ACLED: "ACLED export", EventFormat.HDX: "HDX HAPI conflict events"}

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp")
"""The 31 columns of an ACLED export, in its order."""
ACLED_REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1",
                  "inter1", "actor2", "inter2", "interaction", "civilian_targeting",
                  "admin1", "admin2", "admin3", "location", "latitude", "longitude",
                  "geo_precision", "fatalities")
"""The ACLED columns the import reads; the others may be absent."""
HDX_COLUMNS = ("location_code", "admin1_code", "admin1_name", "admin2_code", "admin2_name",
               "admin_level", "event_type", "events", "fatalities",
               "reference_period_start", "reference_period_end")
"""The HDX HAPI conflict-event columns the import reads (HAPI adds others; they are ignored)."""
HDX_REQUIRED = tuple(c for c in HDX_COLUMNS if c not in ("admin1_name", "admin2_name"))

_MONTHS = {name.lower(): i for i, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), start=1)}
_MONTHS |= {name[:3]: i for name, i in list(_MONTHS.items())}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.Z+-]*)?\Z")
_TEXT_DATE = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})\Z")

INTER_CODES = {1: ActorType.STATE_FORCES, 2: ActorType.REBEL_GROUP,
               3: ActorType.POLITICAL_MILITIA, 4: ActorType.IDENTITY_MILITIA,
               5: ActorType.RIOTERS, 6: ActorType.PROTESTERS, 7: ActorType.CIVILIANS,
               8: ActorType.EXTERNAL_FORCES}
"""ACLED's older integer actor-type codes (codebook "Actor type"); 0 = no second actor."""
_INTER_WORDS = {
    "state forces": ActorType.STATE_FORCES, "rebel group": ActorType.REBEL_GROUP,
    "rebel groups": ActorType.REBEL_GROUP, "political militia": ActorType.POLITICAL_MILITIA,
    "political militias": ActorType.POLITICAL_MILITIA,
    "identity militia": ActorType.IDENTITY_MILITIA,
    "identity militias": ActorType.IDENTITY_MILITIA, "rioters": ActorType.RIOTERS,
    "protesters": ActorType.PROTESTERS, "civilians": ActorType.CIVILIANS,
    "external/other forces": ActorType.EXTERNAL_FORCES,
    "external/other force": ActorType.EXTERNAL_FORCES,
}
"""ACLED's actor types as text, current (singular) and older (plural) spellings."""
_TRUE = {"civilian targeting", "yes", "true", "1"}
_FALSE = {"", "no", "false", "0"}


@dataclass(frozen=True)
class EventRecord:
    """One usable row: an ACLED event (`events` 1) or an HDX count of events in an area."""

    format: EventFormat
    line: int
    """Line of the file where the row starts (header = 1)."""
    ref: str
    """What the row is called in messages: the ACLED event id, or HDX's P-code and period."""
    start: dt.date
    """Event date (ACLED) or first day of the reference period (HDX)."""
    end: dt.date
    """Event date (ACLED) or last day of the reference period (HDX)."""
    event_type: str
    """ACLED event type, or HDX event_type (civilian_targeting, political_violence, ...)."""
    sub_event_type: str = ""
    actor1: ActorType | None = None
    actor2: ActorType | None = None
    civilian_targeting: bool = False
    """ACLED's civilian_targeting flag; for HDX, true for civilian_targeting rows."""
    place: str = ""
    """Location name (ACLED) or admin area name (HDX), for the summary of unmatched rows."""
    lat: float | None = None
    lon: float | None = None
    geo_precision: int | None = None
    """ACLED's 1 (town), 2 (near a town / small part of a region), 3 (region only)."""
    pcode: str | None = None
    """HDX: the P-code of the row's area (admin2_code, else admin1_code); ACLED: none."""
    events: int = 1
    fatalities: int = 0


@dataclass(frozen=True)
class Skip:
    """A row left out, with its line, the reason (a short key, for the counts) and details."""

    line: int
    reason: str
    detail: str = ""


@dataclass
class EventFile:
    """Everything read from one events file."""

    path: Path
    format: EventFormat
    records: list[EventRecord] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    @property
    def read(self) -> int:
        return len(self.records) + len(self.skipped)

    def skipped_by_reason(self) -> list[tuple[str, int]]:
        counts = Counter(s.reason for s in self.skipped)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def problem_lines(self) -> list[str]:
        """`FILE:LINE: detail` for every skipped row that had a detail, in line order."""
        return [f"{self.path}:{s.line}: {s.detail}" for s in self.skipped if s.detail]


class EventFileError(Exception):
    """The events file cannot be read at all; the message names the file and why."""


class _BadValue(Exception):
    def __init__(self, column: str, message: str, reason: str):
        super().__init__(message)
        self.column, self.message, self.reason = column, message, reason


# ---------------------------------------------------------------------------- reading
def read_events(path: str | Path) -> EventFile:
    """Read an ACLED export or an HDX HAPI conflict-events CSV, whichever the header says."""
    path = Path(path)
    rows = _rows(path)
    header_line, header = next(rows, (1, None))
    if header is None:
        raise EventFileError(f"{path}: the file is empty; expected a CSV with a header row "
                             "(ACLED export or HDX HAPI conflict events)")
    columns = [c.strip().lower() for c in header]
    fmt = detect_format(columns, path)
    index = {name: i for i, name in reversed(list(enumerate(columns)))}
    result = EventFile(path, fmt)
    parse = _acled_record if fmt is EventFormat.ACLED else _hdx_record
    seen: dict[str, int] = {}
    for line, row in rows:
        skip = _structural_skip(line, row, len(columns), first=line == header_line + 1)
        if skip is not None:
            result.skipped.append(skip)
            continue
        cells = {name: row[i].strip() for name, i in index.items() if i < len(row)}
        try:
            record = parse(line, cells)
        except _BadValue as bad:
            position = columns.index(bad.column) + 1
            result.skipped.append(Skip(line, bad.reason, f"{bad.column} (column {position}): "
                                                         f"{bad.message}; row skipped"))
            continue
        if fmt is EventFormat.ACLED:
            if record.ref in seen:
                result.skipped.append(Skip(
                    line, "duplicate event id",
                    f"event_id_cnty (column {index['event_id_cnty'] + 1}): {record.ref!r} "
                    f"was already read at line {seen[record.ref]}; row skipped"))
                continue
            seen[record.ref] = line
        result.records.append(record)
    return result


def detect_format(columns: Sequence[str], path: Path) -> EventFormat:
    """ACLED when the header has every column the ACLED reader needs, HDX likewise; an
    unknown header is an error naming what the closer of the two formats lacks."""
    present = set(columns)
    missing = {fmt: [c for c in required if c not in present]
               for fmt, required in ((EventFormat.ACLED, ACLED_REQUIRED),
                                     (EventFormat.HDX, HDX_REQUIRED))}
    for fmt, lacking in missing.items():
        if not lacking:
            return fmt
    closer = min(missing, key=lambda f: (len(missing[f]) / len(_required(f)), f.value))
    raise EventFileError(
        f"{path}:1: unknown header: neither an ACLED export nor an HDX HAPI conflict-events "
        f"table. Closest is the {FORMAT_NAMES[closer]}, which lacks the column(s) "
        f"{', '.join(missing[closer])}. Fix: export the file again with its standard columns "
        "(docs/event-import.md lists them)")


def _required(fmt: EventFormat) -> tuple[str, ...]:
    return ACLED_REQUIRED if fmt is EventFormat.ACLED else HDX_REQUIRED


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, its cells), BOM removed, UTF-8 checked."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise EventFileError(f"{path}: file not found. Fix: check the path") from None
    except IsADirectoryError:
        raise EventFileError(f"{path}: this is a directory, not a CSV file") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise EventFileError(f"{path}: cannot read the file: {reason}") from None
    with handle:
        reader = csv.reader(handle, strict=True)
        start = 1
        try:
            for row in reader:
                yield start, row
                start = reader.line_num + 1
        except UnicodeDecodeError:
            raise EventFileError(_not_utf8(path)) from None
        except csv.Error as exc:
            raise EventFileError(f"{path}:{start}: not a readable CSV record ({exc}). Fix: "
                                 "check the quoting on that line") from None


def _not_utf8(path: Path) -> str:
    """Where the first undecodable byte is (the text layer decodes ahead of the reader, so
    its position is found again in the bytes)."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return (f"{path}:{line}: not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded."
                " Fix: save or export the file as UTF-8")
    return f"{path}: not UTF-8 text. Fix: save or export the file as UTF-8"


def _structural_skip(line: int, row: list[str], width: int, *, first: bool) -> Skip | None:
    if not any(cell.strip() for cell in row):
        return Skip(line, "blank line")
    if first and all(c.strip().startswith("#") for c in row if c.strip()):
        return Skip(line, "HXL tag row")
    if len(row) != width:
        return Skip(line, "wrong number of cells",
                    f"{len(row)} cells where the header has {width}; row skipped")
    return None


# ---------------------------------------------------------------------------- ACLED rows
def _acled_record(line: int, cells: dict[str, str]) -> EventRecord:
    event_id = cells["event_id_cnty"]
    if not event_id:
        raise _BadValue("event_id_cnty", "empty; every ACLED event has an id", "missing value")
    event_type = cells["event_type"]
    known = {t.value.lower(): t for t in AcledEventType}
    if event_type.lower() not in known:
        raise _BadValue("event_type", f"unknown event type {event_type!r}; ACLED's are "
                        + ", ".join(t.value for t in AcledEventType), "unknown event type")
    date = parse_date(cells["event_date"], "event_date")
    actor1 = parse_actor(cells["inter1"], "inter1")
    actor2 = parse_actor(cells["inter2"], "inter2")
    pair = parse_interaction(cells["interaction"])
    if actor1 is None and pair is not None:
        actor1, actor2 = pair  # older exports may leave inter1 empty: the pair's order
    precision = _whole(cells["geo_precision"], "geo_precision", low=1, high=3)
    lat = _coordinate(cells["latitude"], "latitude", 90.0)
    lon = _coordinate(cells["longitude"], "longitude", 180.0)
    return EventRecord(
        format=EventFormat.ACLED, line=line, ref=event_id, start=date, end=date,
        event_type=known[event_type.lower()].value, sub_event_type=cells["sub_event_type"],
        actor1=actor1, actor2=actor2,
        civilian_targeting=_flag(cells["civilian_targeting"], "civilian_targeting"),
        place=cells["location"] or cells["admin2"] or cells["admin1"],
        lat=lat, lon=lon, geo_precision=precision,
        fatalities=_whole(cells["fatalities"], "fatalities", low=0))


def parse_date(text: str, column: str) -> dt.date:
    """`2018-06-23` (time of day ignored) or `23 June 2018` / `23-Jun-2018`."""
    iso = _ISO_DATE.match(text)
    named = _TEXT_DATE.match(text)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if named and named[2].lower() in _MONTHS:
            return dt.date(int(named[3]), _MONTHS[named[2].lower()], int(named[1]))
    except ValueError as exc:
        raise _BadValue(column, f"{text!r} is not a date ({exc})", "bad date") from None
    what = "empty" if not text else f"{text!r} is not a date"
    raise _BadValue(column, f"{what}; write 2018-06-23 or 23 June 2018", "bad date")


def parse_actor(text: str, column: str) -> ActorType | None:
    """An actor type as an integer code (0 or empty: none) or as ACLED's text."""
    value = text.strip()
    if value in ("", "0"):
        return None
    if value.isdigit() and int(value) in INTER_CODES:
        return INTER_CODES[int(value)]
    if value.lower() in _INTER_WORDS:
        return _INTER_WORDS[value.lower()]
    raise _BadValue(column, f"{text!r} is not an ACLED actor type (1-8 or State forces, "
                    "Rebel group, Political militia, Identity militia, Rioters, Protesters, "
                    "Civilians, External/Other forces)", "unknown actor type")


def parse_interaction(text: str) -> tuple[ActorType | None, ActorType | None] | None:
    """ACLED's interaction: a two-digit code (17: state forces and civilians; 10: state
    forces alone) or text (`State forces-Civilians`, `Rebel group only`); empty: None."""
    value = text.strip()
    if not value:
        return None
    if value.isdigit() and len(value) <= 2:
        first, second = divmod(int(value), 10)
        if first in INTER_CODES and (second == 0 or second in INTER_CODES):
            return INTER_CODES[first], INTER_CODES.get(second)
    else:
        lowered = value.lower()
        if lowered.endswith(" only") and lowered[:-5] in _INTER_WORDS:
            return _INTER_WORDS[lowered[:-5]], None
        for name, actor in _INTER_WORDS.items():
            rest = lowered.removeprefix(name + "-")
            if rest != lowered and rest in _INTER_WORDS:
                return actor, _INTER_WORDS[rest]
    raise _BadValue("interaction", f"{text!r} is not an ACLED interaction (a two-digit code "
                    "such as 17, or text such as State forces-Civilians)", "unknown actor type")


def _flag(text: str, column: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _BadValue(column, f"{text!r} is neither 'Civilian targeting' nor empty", "bad flag")


def _whole(text: str, column: str, *, low: int, high: int | None = None) -> int:
    value = text.strip()
    if not value:
        raise _BadValue(column, "empty; write a whole number", "missing value")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number):
        raise _BadValue(column, f"{text!r} is not a whole number", f"non-numeric {column}")
    if number < low or (high is not None and number > high):
        bound = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise _BadValue(column, f"{text!r} is out of range: write {bound}", f"bad {column}")
    return int(number)


def _coordinate(text: str, column: str, limit: float) -> float:
    value = text.strip()
    if not value:
        raise _BadValue(column, "empty; ACLED gives every event coordinates",
                        "missing coordinates")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise _BadValue(column, f"{text!r} is not a {column} in decimal degrees "
                        f"(-{limit:g} to {limit:g})", "missing coordinates")
    return number


# ---------------------------------------------------------------------------- HDX rows
def _hdx_record(line: int, cells: dict[str, str]) -> EventRecord:
    event_type = cells["event_type"].lower()
    if event_type not in {t.value for t in HdxEventType}:
        raise _BadValue("event_type", f"unknown event type {cells['event_type']!r}; HAPI's are "
                        + ", ".join(t.value for t in HdxEventType), "unknown event type")
    level = _whole(cells["admin_level"], "admin_level", low=0, high=2)
    code_column = {2: "admin2_code", 1: "admin1_code", 0: "location_code"}[level]
    pcode = cells[code_column]
    if not pcode:
        raise _BadValue(code_column, f"empty, but admin_level is {level}", "missing value")
    start = parse_date(cells["reference_period_start"], "reference_period_start")
    end = parse_date(cells["reference_period_end"], "reference_period_end")
    if end < start:
        raise _BadValue("reference_period_end", f"{end} is before the start {start}",
                        "bad date")
    # HAPI leaves fatalities empty where ACLED reports none (demonstrations): count 0.
    fatalities = (_whole(cells["fatalities"], "fatalities", low=0)
                  if cells["fatalities"] else 0)
    name = (cells.get("admin2_name") if level == 2 else cells.get("admin1_name")) or pcode
    return EventRecord(
        format=EventFormat.HDX, line=line, ref=f"{pcode} {start}–{end} {event_type}",
        start=start, end=end, event_type=event_type,
        civilian_targeting=event_type == HdxEventType.CIVILIAN_TARGETING,
        place=name, pcode=pcode, events=_whole(cells["events"], "events", low=0),
        fatalities=fatalities)
