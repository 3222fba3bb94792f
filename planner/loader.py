"""Safe loading of scenario and priority files: bytes → YAML events → plain data with
marks → strict models → cross checks (DESIGN.md §3, §3.1).

Every way a file can be wrong ends in one `ScenarioError` that lists every problem found,
each with file:line:column, the key path, the offending id and how to fix it. Key paths
read `hotspots[KORO].threats[0].probability`: a list item is named by its id when it has
a unique one, otherwise by its 0-based index.

Nothing a file says is ever executed. The Python objects are built here, in one pass
without recursion, from the event stream of the safe YAML parser (libyaml when present),
resolving plain scalars as YAML 1.1 and the safe loader do: only the plain YAML types are
accepted (any other tag is refused), duplicate keys are errors, merge keys (`<<: *a`)
work, timestamps stay text, and there are limits on file size (`MAX_FILE_BYTES`, checked
before parsing), keys and values written (`MAX_NODES`), nesting depth (`MAX_DEPTH`) and
the nodes built through anchors and aliases (`MAX_ALIAS_NODES`, against expansion bombs).
"""

from __future__ import annotations

import difflib
import functools
import glob
import hashlib
import itertools
import json
import math
import re
import types
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from models.scenario import PrioritySubmission, Scenario
from planner.checks import run_checks
from planner.instance import Instance

MAX_FILE_BYTES = 1_000_000
"""Largest scenario or priority file accepted, bytes (scenarios are tens of KB)."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings accepted (the format itself needs 6)."""
MAX_ALIAS_NODES = 100_000
"""Most nodes built through YAML aliases and merge keys, against expansion bombs."""
MAX_NODES = 100_000
"""Most keys and values (scalars, lists, mappings) written in one file; a large scenario
has a few thousand, and this bounds the time spent on a megabyte of tiny values."""

KeyPath = tuple[str | int, ...]
Position = tuple[int, int]
Severity = Literal["error", "warning"]
ModelT = TypeVar("ModelT", bound=BaseModel)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML = "tag:yaml.org,2002:"
_MERGE_TAG = _YAML + "merge"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SCALAR_TAGS.add(_YAML + "value")  # the plain '=' of YAML 1.1, read as text
_DESIGN = "see DESIGN.md §3 for the format"


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
        counts = _plural(len(self.errors), "error")
        if self.warnings:
            counts += ", " + _plural(len(self.warnings), "warning")
        return "\n".join([f"{counts} in {files}:"] + [f"  - {p}" for p in self.problems])


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    """Problems deduplicated, in file order (first seen first), then by line and column."""
    unique = list(dict.fromkeys(problems))
    rank = {f: i for i, f in enumerate(dict.fromkeys(p.file for p in unique))}
    return sorted(unique, key=lambda p: (rank[p.file], p.line or 0, p.column or 0))


def _fail(file: str, message: str, fix: str, position: Position | None = None,
          where: str = "") -> ScenarioError:
    line, column = position if position else (None, None)
    return ScenarioError([Problem(file, line, column, where, None, message, fix)])


# ---------------------------------------------------------------------------- marks
class MarkIndex(Mapping[KeyPath, Position]):
    """Where each value of a parsed file starts, by key path: (line, column), both 1-based.

    Also keeps where each mapping key starts and the source text of scalars that YAML read
    as something other than text (`0505`, `yes`), so messages can quote what was written.
    """

    def __init__(self) -> None:
        self._values: dict[KeyPath, Position] = {}
        self._keys: dict[KeyPath, Position] = {}
        self._texts: dict[KeyPath, str] = {}

    def __getitem__(self, path: KeyPath) -> Position:
        return self._values[path]

    def __iter__(self) -> Iterator[KeyPath]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def key(self, path: KeyPath) -> Position | None:
        """Where the key naming `path` starts (None for list items and the root)."""
        return self._keys.get(path)

    def text(self, path: KeyPath) -> str | None:
        """The source text of a scalar YAML did not read as text."""
        return self._texts.get(path)

    def locate(self, path: KeyPath, *, key: bool = False) -> Position | None:
        """The position of `path`, or of its nearest ancestor present in the file."""
        if key and path in self._keys:
            return self._keys[path]
        while path not in self._values:
            if not path:
                return None
            path = path[:-1]
        return self._values[path]


def render_where(path: KeyPath, data: Any,
                 id_counts: dict[int, Counter[str | None]] | None = None) -> str:
    """`hotspots[KORO].threats[0].weeks`: list items by unique id, else by 0-based index.

    `id_counts` caches how often each id occurs in each list of `data`, for callers that
    render many paths of the same data."""
    text, node = "", data
    counts_of = {} if id_counts is None else id_counts
    for seg in path:
        if isinstance(seg, int):
            item = node[seg] if isinstance(node, list) and 0 <= seg < len(node) else None
            ident = _item_id(item)
            if ident is not None and id(node) not in counts_of:
                counts_of[id(node)] = Counter(_item_id(x) for x in node)
            unique = ident is not None and counts_of[id(node)][ident] == 1
            text += f"[{ident if unique else seg}]"
            node = item
        else:
            text += f".{seg}" if text else str(seg)
            node = node.get(seg) if isinstance(node, dict) else None
    return text or "(top level)"


def innermost_id(path: KeyPath, data: Any) -> str | None:
    """The id of the innermost list item along `path` that has one."""
    found, node = None, data
    for seg in path:
        if isinstance(seg, int) and isinstance(node, list) and 0 <= seg < len(node):
            node = node[seg]
            found = _item_id(node) or found
        elif isinstance(seg, str) and isinstance(node, dict):
            node = node.get(seg)
        else:
            break
    return found


def _item_id(item: Any) -> str | None:
    ident = item.get("id") if isinstance(item, dict) else None
    return ident if isinstance(ident, str) and ident else None


def _data_at(data: Any, path: KeyPath) -> Any:
    for seg in path:
        if isinstance(data, dict) and seg in data:
            data = data[seg]
        elif isinstance(data, list) and isinstance(seg, int) and 0 <= seg < len(data):
            data = data[seg]
        else:
            return None
    return data


# ---------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Source:
    """One parsed input file: what problems call it, its bytes' hash, its data and marks."""

    path: Path
    file: str
    sha256: str
    data: Any
    marks: MarkIndex
    id_counts: dict[int, Counter[str | None]] = field(default_factory=dict, repr=False,
                                                       compare=False)
    """Cache for `render_where` over this file's data."""

    def problem(self, path: KeyPath, message: str, fix: str, *, key: bool = False,
                id: str | None = None, where: KeyPath | None = None,
                severity: Severity = "error") -> Problem:
        """A problem at `path` of this file (`where` names it, default `path`)."""
        line, column = self.marks.locate(path, key=key) or (None, None)
        named = path if where is None else where
        return Problem(self.file, line, column, render_where(named, self.data, self.id_counts),
                       id if id is not None else innermost_id(named, self.data),
                       message, fix, severity)


_WHAT = {
    "scenario": "a scenario: name, horizon, bases, units, hotspots (DESIGN.md §3)",
    "priorities": "a priorities file: office and priorities (DESIGN.md §3.1)",
}


def parse_yaml_file(path: str | Path) -> tuple[Any, MarkIndex]:
    """Safely parse a YAML file into plain data (dict, list, str, int, float, bool, None)
    and the index of where each key path starts; raise ScenarioError when it cannot."""
    source = read_source(Path(path), "scenario")
    return source.data, source.marks


def read_source(path: Path, what: Literal["scenario", "priorities"]) -> Source:
    """Read, decode and parse one input file, refusing anything hostile or broken."""
    file = str(path)
    raw = _read_bytes(path, file)
    text = _decode(raw, file, what)
    data, marks = _parse(text, file, what)
    return Source(path, file, hashlib.sha256(raw).hexdigest(), data, marks)


def _read_bytes(path: Path, file: str) -> bytes:
    try:
        if not path.exists():
            raise _fail(file, "file not found", "check the path; a relative path starts from "
                        "the current directory")
        if path.is_dir():
            raise _fail(file, "this is a directory, not a file", "give the path of a .yaml file")
        if not path.is_file():
            raise _fail(file, "not a regular file", "give the path of a .yaml file")
        size = path.stat().st_size
        if size <= MAX_FILE_BYTES:
            with path.open("rb") as stream:  # read no more than the limit, whatever stat said
                raw = stream.read(MAX_FILE_BYTES + 1)
            size = len(raw)
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL byte
        reason = getattr(exc, "strerror", None) or str(exc)
        raise _fail(file, f"cannot read the file: {reason}",
                    "check the path and the file's permissions") from None
    if size > MAX_FILE_BYTES:
        raise _fail(file, f"the file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} "
                    "bytes (MAX_FILE_BYTES)",
                    "scenario and priority files are tens of KB: check this is the right file")
    return raw


def _decode(raw: bytes, file: str, what: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(file, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded",
                    "save the file with UTF-8 encoding", (line, column)) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise _fail(file, "the file is empty", f"write {_WHAT[what]}")
    return text


def _parse(text: str, file: str, what: str) -> tuple[Any, MarkIndex]:
    builder = _Builder(file)
    try:
        data = builder.build(text)
    except yaml.YAMLError as exc:
        raise ScenarioError([_syntax_problem(exc, text, file)]) from None
    if builder.problems:
        raise ScenarioError(_sorted(builder.problems))
    if builder.documents == 0:
        raise _fail(file, "the file is empty (only comments)", f"write {_WHAT[what]}")
    if not isinstance(data, dict):
        raise _fail(file, f"the top level must be a mapping of keys, got {_kind_of(data)}",
                    f"write {_WHAT[what]}", builder.marks.locate(()), "(top level)")
    return data, builder.marks


def _syntax_problem(exc: yaml.YAMLError, text: str, file: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        # the reader stops at the first such character; its position counts bytes in libyaml
        index = text.find(chr(char))
        index = exc.position if index < 0 else index
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        return Problem(file, line, column, "", None,
                       f"control character 0x{char:02x} is not allowed in YAML",
                       "remove it: the file must be plain UTF-8 text")
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    source_line = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
    indent = source_line[: len(source_line) - len(source_line.lstrip())]
    at_mark = source_line[column - 1:column] if column else ""
    if "\t" in indent or at_mark == "\t":
        return Problem(file, line, column, "", None, "tab character: YAML indentation must "
                       "use spaces", f"replace the tabs on line {line} with spaces")
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "nesting depth" in problem:  # libyaml's own limit, met before ours on flow collections
        return Problem(file, line, column, "", None, f"nesting deeper than {MAX_DEPTH} levels",
                       "flatten the file; the format nests at most a few levels")
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    return Problem(file, line, column, "", None, message,
                   "check the indentation, colons, quotes and brackets on this line and the "
                   "line before")


def _position(mark: yaml.Mark) -> Position:
    return mark.line + 1, mark.column + 1


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    return f"{type(value).__name__} {value!r}" if isinstance(value, int | float) else repr(value)


class _TooBig(Exception):
    """The document exceeds a limit; building stops at once."""

    def __init__(self, position: Position, message: str, fix: str):
        super().__init__(message)
        self.position, self.message, self.fix = position, message, fix


_MERGE, _DISCARD = object(), object()
"""Pending-key markers of a mapping: a merge key (<<) was read; the next value is dropped."""
_NESTING = (f"nesting deeper than {MAX_DEPTH} levels",
            "flatten the file; the format nests at most a few levels")
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_INT_TAG, _FLOAT_TAG = _YAML + "int", _YAML + "float"
_TEXT_TAGS = frozenset({_YAML + "str", _YAML + "timestamp", _YAML + "value"})
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})\Z")
_PLAIN_FLOAT = re.compile(r"[-+]?[0-9]{1,17}\.[0-9]{0,17}\Z")


@functools.cache
def _resolvers(first: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(_IMPLICIT.get(first, [])) + tuple(_IMPLICIT.get(None, []))


def _resolve_plain(value: str) -> str:
    """The tag YAML 1.1 gives a plain (unquoted, untagged) scalar, as the safe loader does."""
    for tag, regexp in _resolvers(value[:1]):
        if regexp.match(value):
            return tag
    return _YAML + "str"


@dataclass(frozen=True)
class _Anchor:
    """An anchored value, and where its subtree's marks sit in the builder's log."""

    value: Any
    log_start: int
    log_end: int
    prefix_len: int
    nodes: int


@dataclass(eq=False)
class _Frame:
    """A mapping or sequence being built."""

    path: KeyPath
    value: Any
    is_map: bool
    log_start: int
    built_start: int
    anchor: str | None
    is_key: bool = False
    discard: bool = False
    key: Any = None
    merge_start: int = 0
    explicit: set[str] = field(default_factory=set)
    merges: list[tuple[Any, list[tuple[str, KeyPath, Any]]]] = field(default_factory=list)


class _Builder:
    """Builds plain Python data from the YAML event stream in one pass, without recursion,
    recording marks and refusing tags, duplicate keys, non-finite numbers, deep nesting
    and alias bombs.

    Every mark written is also logged, so that an anchor can replay its subtree's marks
    where an alias uses it, and a merge key can move them under the merging mapping.
    """

    def __init__(self, file: str):
        self.file = file
        self.marks = MarkIndex()
        self.problems: list[Problem] = []
        self.documents = 0
        self._issues: list[tuple[KeyPath | None, Position, str, str]] = []
        self._log: list[tuple[str, KeyPath, Any]] = []
        self._anchors: dict[str, _Anchor] = {}
        self._alias_nodes = 0
        self._nodes = 0
        self._built = 0  # values built, counting each alias expansion in full
        self._stack: list[_Frame] = []
        self._root: Any = None
        constructor = yaml.constructor.SafeConstructor()
        self._construct_by_tag = {_INT_TAG: constructor.construct_yaml_int,
                                  _FLOAT_TAG: constructor.construct_yaml_float,
                                  _YAML + "bool": constructor.construct_yaml_bool,
                                  _YAML + "null": constructor.construct_yaml_null}
        self._stores = {"v": self.marks._values, "k": self.marks._keys, "t": self.marks._texts}

    def build(self, text: str) -> Any:
        """The document's data; problems found land in `problems`. Syntax errors raise."""
        try:
            for event in yaml.parse(text, Loader=_LOADER):
                if not self._event(event):
                    break
        except _TooBig as big:
            self._issues.append((None, big.position, big.message, big.fix))
        data, counts = self._root, {}
        self.problems = [Problem(self.file, *pos, "" if path is None else
                                 render_where(path, data, counts), None, msg, fix)
                         for path, pos, msg, fix in self._issues]
        return data

    # -- events
    def _event(self, event: yaml.Event) -> bool:
        if isinstance(event, yaml.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        elif isinstance(event, yaml.CollectionStartEvent):
            self._start(event)
        elif isinstance(event, yaml.CollectionEndEvent):
            self._end()
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._issues.append((None, _position(event.start_mark), "the file holds more "
                                     "than one YAML document", "keep one document: remove the "
                                     "second '---' and what follows, or split the file"))
                return False
        return True

    def _slot(self, event: yaml.NodeEvent) -> tuple[KeyPath, bool]:
        """Where the next node goes, and whether it is a mapping key."""
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig(_position(event.start_mark), f"the file holds more than "
                          f"{MAX_NODES:,} keys and values (MAX_NODES)",
                          "scenario and priority files hold a few thousand: check this is the "
                          "right file")
        if not self._stack:
            return (), False
        top = self._stack[-1]
        if not top.is_map:
            return top.path + (len(top.value),), False
        if top.key is None:
            return top.path, True
        if top.key is _MERGE:
            return top.path + ("<<",), False
        if top.key is _DISCARD:
            return top.path + ("<discarded>",), False
        return top.path + (top.key,), False

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        path, is_key = self._slot(event)
        position = _position(event.start_mark)
        tag = self._tag_of(event)
        if is_key:
            self._key(event.value, tag, position)
            return
        start, built = len(self._log), self._built
        self._mark("v", path, position)
        if tag in _SCALAR_TAGS:
            value = self._construct(tag, event.value, path, position)
        else:
            self._refuse_tag(path, position, tag)
            value = None
        if event.anchor:
            self._define(event.anchor, value, start, path, built)
        self._attach(value)

    def _key(self, text: str, tag: str, position: Position) -> None:
        top = self._stack[-1]
        if tag == _MERGE_TAG:
            top.key, top.merge_start = _MERGE, len(self._log)
        elif tag not in _SCALAR_TAGS:
            self._refuse_tag(top.path, position, tag)
            top.key = _DISCARD
        elif text in top.explicit:
            first = self.marks.key(top.path + (text,))
            self._issue(top.path + (text,), position, f"duplicate key '{text}' (first at line "
                        f"{first[0] if first else '?'})",
                        "keep only one: YAML would silently use the last one")
            top.key = _DISCARD
        else:
            top.explicit.add(text)
            top.key = text
            self._mark("k", top.path + (text,), position)

    def _alias(self, event: yaml.AliasEvent) -> None:
        path, is_key = self._slot(event)
        position = _position(event.start_mark)
        if is_key:
            self._issue(self._stack[-1].path, position, "a key must be a plain word",
                        "write keys as plain words such as name: or id:")
            self._stack[-1].key = _DISCARD
            return
        record = self._anchors.get(event.anchor)
        if record is None:
            self._issue(path, position, f"alias *{event.anchor} has no anchor &{event.anchor} "
                        "before it (or points into its own collection)",
                        f"define &{event.anchor} on an earlier value, or write the value out")
            self._attach(None)
            return
        self._alias_nodes += record.nodes
        if self._alias_nodes > MAX_ALIAS_NODES:
            raise _TooBig(position, f"anchors and aliases expand to more than "
                          f"{MAX_ALIAS_NODES:,} nodes",
                          "write the data out plainly; repeated aliases can blow up a file")
        for kind, logged, data in itertools.islice(self._log, record.log_start, record.log_end):
            self._mark(kind, path + logged[record.prefix_len:], data)
        self.marks._values[path] = position
        self._attach(record.value)

    def _start(self, event: yaml.CollectionStartEvent) -> None:
        path, is_key = self._slot(event)
        position = _position(event.start_mark)
        if len(self._stack) >= MAX_DEPTH:
            raise _TooBig(position, *_NESTING)
        is_map = isinstance(event, yaml.MappingStartEvent)
        frame = _Frame(path, {} if is_map else [], is_map, len(self._log), self._built,
                       event.anchor)
        if is_key:
            self._issue(path, position, "a key must be a plain word",
                        "write keys as plain words such as name: or id:")
            frame.is_key = frame.discard = True
        elif event.tag not in (None, "!", _YAML + ("map" if is_map else "seq")):
            self._refuse_tag(path, position, event.tag)
            frame.discard = True
        self._mark("v", path, position)
        self._stack.append(frame)

    def _end(self) -> None:
        frame = self._stack.pop()
        if frame.is_key:
            self._stack[-1].key = _DISCARD  # drop the value of a key we could not read
            return
        value = None
        if not frame.discard:
            value = self._merged(frame) if frame.is_map else frame.value
        if frame.anchor:
            self._define(frame.anchor, value, frame.log_start, frame.path, frame.built_start)
        self._attach(value)

    # -- helpers
    def _attach(self, value: Any) -> None:
        if not self._stack:
            self._root = value
            return
        top = self._stack[-1]
        if not top.is_map:
            top.value.append(value)
            return
        key, top.key = top.key, None
        if key is _MERGE:
            top.merges.append((value, self._relative(top.merge_start, top.path + ("<<",))))
        elif key is not _DISCARD:
            top.value[key] = value

    def _merged(self, frame: _Frame) -> dict[str, Any]:
        """The mapping with its merge keys applied: explicit keys win over merged ones, and
        earlier merged mappings over later ones; merged values' marks move under it."""
        result = frame.value
        for value, entries in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for n, source in enumerate(sources):
                prefix: KeyPath = (n,) if isinstance(value, list) else ()
                if not isinstance(source, dict):
                    self._issue(frame.path, self.marks.locate(frame.path + ("<<",) + prefix)
                                or (0, 0), "a merge key (<<) takes a mapping or a list of "
                                "mappings", "merge an anchored mapping: <<: *defaults")
                    continue
                by_key: dict[Any, list[tuple[str, KeyPath, Any]]] = defaultdict(list)
                for kind, rel, data in entries:
                    if len(rel) > len(prefix) and rel[:len(prefix)] == prefix:
                        by_key[rel[len(prefix)]].append((kind, rel[len(prefix):], data))
                for key, item in source.items():
                    if key not in result:
                        result[key] = item
                        for kind, rel, data in by_key[key]:
                            self._mark(kind, frame.path + rel, data)
        return result

    def _define(self, name: str, value: Any, log_start: int, path: KeyPath,
                built_start: int) -> None:
        # the subtree's marks are the log entries since log_start, read only when aliased,
        # so nested anchors cost nothing until used (and then count against the alias cap)
        self._anchors[name] = _Anchor(value, log_start, len(self._log), len(path),
                                      self._built - built_start)

    def _relative(self, start: int, prefix: KeyPath) -> list[tuple[str, KeyPath, Any]]:
        n = len(prefix)
        return [(kind, path[n:], data) for kind, path, data in self._log[start:]
                if path[:n] == prefix]

    def _mark(self, kind: str, path: KeyPath, data: Any) -> None:
        self._stores[kind][path] = data
        self._built += kind == "v"
        self._log.append((kind, path, data))

    def _issue(self, path: KeyPath, position: Position, message: str, fix: str) -> None:
        self._issues.append((path, position, message, fix))

    def _refuse_tag(self, path: KeyPath, position: Position, tag: str) -> None:
        self._issue(path, position, f"tags are not allowed: '{tag.replace(_YAML, '!!')}'",
                    "remove the tag and write a plain value (nothing in a file is executed)")

    @staticmethod
    def _tag_of(event: yaml.ScalarEvent) -> str:
        if event.tag and event.tag != "!":
            return event.tag
        return _resolve_plain(event.value) if event.implicit[0] else _YAML + "str"

    def _construct(self, tag: str, text: str, path: KeyPath, position: Position) -> Any:
        if tag in _TEXT_TAGS:
            return text  # dates stay text: the models parse them, the JSON Schema wants text
        try:
            if tag == _INT_TAG and _PLAIN_INT.match(text):
                value: Any = int(text)
            elif tag == _FLOAT_TAG and _PLAIN_FLOAT.match(text):
                value = float(text)
            else:  # 0x1F, 1_000, 1:30, .inf, yes, ~ ...: the safe loader's own readings
                value = self._construct_by_tag[tag](yaml.ScalarNode(tag, text))
        except Exception:  # noqa: BLE001 - any failure here is a bad scalar, reported as such
            self._issue(path, position, f"'{text[:40]}' is not a valid {tag.removeprefix(_YAML)}",
                        "write a plain number, or quote the value if it is text")
            return None
        if text != str(value):
            self._mark("t", path, text)  # messages quote what was written (0505, yes)
        if isinstance(value, float) and not math.isfinite(value):
            self._issue(path, position, f"'{text}' is not a finite number",
                        "write an ordinary number")
            return None
        return value


# ---------------------------------------------------------------------------- validation
WINDOW_LIST_FIELDS = {"available", "ground_closed_weeks", "state_presence_weeks",
                      "air_closed_weeks"}
"""Fields holding a list of windows; every other `weeks` (bar horizon.weeks) is one window."""
LEVEL_FIELDS = {"probability", "impact"}
LEVELS_TEXT = "1-5 or very_low, low, medium, high, very_high"
_ID_PATTERN = re.compile(r"[^A-Za-z0-9_.-]+")
_FIELD_FIXES = {
    "population": "write the number of people exposed (0 or more)",
    "min_garrison": "write how many ground units stay home (0 or more)",
    "weight": "write a weight of 0 or more",
    "required_weeks": "write how many weeks of presence are wanted (1 or more)",
    "duration_weeks": "write how many weeks the mission runs (1 or more)",
    "min_stay_weeks": "write a number of weeks from 1 to 52",
}


def validate_model(model: type[ModelT], source: Source) -> tuple[ModelT | None, list[Problem]]:
    """The file's data as `model`, or None and every validation error as a Problem."""
    try:
        return model.model_validate(source.data), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    return None, _sorted(_problem_from_error(err, model, source) for err in errors)


def _problem_from_error(err: Mapping[str, Any], model: type[BaseModel],
                        source: Source) -> Problem:
    path, at_key = _data_path(err["loc"], source.data, err["type"])
    explained = _window_problem(err["type"], path, source.data)
    if explained is None:
        explained = _explain(err, path, at_key, model, source)
    target, message, fix, on_key = explained
    return source.problem(target, message, fix, key=on_key,
                          where=target[:-1] if on_key else target)


def _data_path(loc: Sequence[str | int], data: Any, err_type: str) -> tuple[KeyPath, bool]:
    """Map a pydantic `loc` onto the file's data: schema tags are skipped, a missing or
    unknown key ends the path, `[key]` marks an error about a mapping's key."""
    path: list[str | int] = []
    node = data
    for i, seg in enumerate(loc):
        last = i == len(loc) - 1
        if seg == "[key]":
            return tuple(path), True
        if isinstance(node, dict) and isinstance(seg, str) and seg in node:
            node = node[seg]
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        elif last and err_type in ("missing", "extra_forbidden"):
            node = None
        else:
            continue  # a schema tag such as 'function-after[...]', not a key of the file
        path.append(seg)
    return tuple(path), False


Explained = tuple[KeyPath, str, str, bool]
"""(where to point, message, fix, point at the key rather than the value)."""


def _field_name(path: KeyPath) -> str:
    return next((seg for seg in reversed(path) if isinstance(seg, str)), "value")


def _label(path: KeyPath) -> str:
    """The last key with any list indices after it: `weeks[0]`, `population`."""
    i = len(path)
    while i > 0 and isinstance(path[i - 1], int):
        i -= 1
    head = str(path[i - 1]) if i > 0 else "item"
    return head + "".join(f"[{seg}]" for seg in path[i:])


def _show(value: Any, text: str | None = None) -> str:
    if text is not None:
        return text
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list) and len(value) <= 6:
        rendered = json.dumps(value, default=str)
        if len(rendered) <= 40:
            return rendered
    return _kind_of(value) if isinstance(value, dict | list) or value is None else str(value)


def _window_field(path: KeyPath) -> tuple[KeyPath, bool] | None:
    """The path of the window field `path` is in, and whether it holds a list of windows."""
    for i in range(len(path) - 1, -1, -1):
        seg = path[i]
        if seg in WINDOW_LIST_FIELDS:
            return path[: i + 1], True
        if seg == "weeks" and path[:i] != ("horizon",):
            return path[: i + 1], False
        if isinstance(seg, str):
            return None
    return None


def _window_problem(err_type: str, path: KeyPath, data: Any) -> Explained | None:
    """One clear message for a window written in the wrong shape, whichever item erred."""
    if err_type not in ("tuple_type", "too_short", "too_long", "missing", "list_type",
                        "int_type", "int_parsing", "int_from_float"):
        return None
    found = _window_field(path)
    if found is None:
        return None
    field_path, is_list = found
    name = str(field_path[-1])
    value = _data_at(data, field_path)
    if is_list and _is_window(value):
        return (field_path, f"{name} is a list of windows, got one window {_show(value)}",
                f"write {name}: [{_show(value)}]", False)
    if is_list and len(path) > len(field_path):
        item_path = field_path + path[len(field_path):len(field_path) + 1]
        item = _data_at(data, item_path)
        if err_type in ("int_type", "int_parsing", "int_from_float") and not isinstance(item, list):
            return None
        return (item_path, f"{_label(item_path)} must be a window [first, last], got "
                f"{_show(item)}", "write two weeks, e.g. [1, 4]", False)
    if is_list:
        return (field_path, f"{name} must be a list of windows, got {_show(value)}",
                f"write e.g. {name}: [[1, 4]]", False)
    if isinstance(value, list) and len(value) == 1 and _is_window(value[0]):
        return (field_path, f"{name} is one window [first, last], not a list of windows",
                f"write {name}: {_show(value[0])}", False)
    if err_type in ("int_type", "int_parsing", "int_from_float") \
            and not isinstance(_data_at(data, path), list):
        return None
    example = (f"{name}: [{value}, {value}] for one week" if isinstance(value, int)
               else f"two weeks, e.g. {name}: [1, 4]")
    return (field_path, f"{name} must be a window [first, last], got {_show(value)}",
            f"write {example}", False)


def _is_window(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value))


def _explain(err: Mapping[str, Any], path: KeyPath, at_key: bool, model: type[BaseModel],
             source: Source) -> Explained:
    err_type: str = err["type"]
    value = err.get("input")
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    name, label = _field_name(path), _label(path)
    shown = _show(value, source.marks.text(path))
    if err_type == "extra_forbidden":
        allowed = list(_model_fields(model, path[:-1]))
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        fix = (f"did you mean '{close[0]}'?" if close else
               "remove it; the keys allowed here are " + ", ".join(allowed))
        return path, f"unknown key '{path[-1]}'", fix, True
    if err_type == "missing":
        description = _model_fields(model, path[:-1]).get(str(path[-1]), "")
        fix = f"add {path[-1]}:" + (f" ({description.rstrip('.')})" if description else "")
        return path[:-1], f"missing required key '{path[-1]}'", fix, False
    if err_type in ("enum", "literal_error"):
        allowed = _expected(ctx.get("expected", ""))
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
        fix = ((f"did you mean '{close[0]}'? Use" if close else "use")
               + " one of " + ", ".join(allowed))
        if at_key:
            return path, f"unknown key '{value}' in {_field_name(path[:-1])}", fix, True
        if isinstance(value, str):
            return path, f"unknown {name} '{value}'", fix, False
        return path, f"{label} must be one of {', '.join(allowed)}, got {shown}", fix, False
    if name in LEVEL_FIELDS:
        return (path, f"{name} must be {LEVELS_TEXT}, got {shown}",
                "use a whole number 1-5 or one of very_low, low, medium, high, very_high", False)
    if value is None and err_type.endswith("_type"):
        return (path, f"{label} is empty", "fill in a value or remove the key", False)
    if err_type in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return path, *_bound_message(err_type, ctx, path, name, label, shown), False
    message, fix = _type_message(err_type, value, ctx, path, name, label, shown, err)
    return path, message, fix, False


def _bound_message(err_type: str, ctx: Mapping[str, Any], path: KeyPath, name: str,
                   label: str, shown: str) -> tuple[str, str]:
    if name in ("lat", "lon"):
        span = "-90 to 90" if name == "lat" else "-180 to 180"
        return (f"{name} {shown} is not on Earth: {'latitude' if name == 'lat' else 'longitude'} "
                f"runs {span}", "write decimal degrees, e.g. {lat: 14.53, lon: -4.10}, and "
                "check lat and lon are not swapped")
    words = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
             "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}
    phrase, key = words[err_type]
    bound = ctx.get(key)
    bound_text = f"{bound:g}" if isinstance(bound, float) else str(bound)
    if _window_field(path) is not None or path == ("horizon", "weeks"):
        fix = "weeks are numbered from 1, and a horizon has at most 52 weeks"
    else:
        fix = _FIELD_FIXES.get(name, f"use a value {phrase} {bound_text}")
    return f"{label} must be {phrase} {bound_text}, got {shown}", fix


def _type_message(err_type: str, value: Any, ctx: Mapping[str, Any], path: KeyPath,
                  name: str, label: str, shown: str,
                  err: Mapping[str, Any]) -> tuple[str, str]:
    if err_type in ("int_type", "int_parsing", "int_from_float"):
        if isinstance(value, str):
            return f"{label} must be a whole number, got {shown}", "write it without quotes"
        example = f", e.g. {int(value)}" if isinstance(value, float) else ""
        return f"{label} must be a whole number, got {shown}", f"write a whole number{example}"
    if err_type == "finite_number":
        return f"{label} must be a finite number, got {shown}", "write an ordinary number"
    if err_type in ("float_type", "float_parsing"):
        return f"{label} must be a number, got {shown}", "write a plain number, without quotes"
    if err_type in ("bool_type", "bool_parsing"):
        return f"{label} must be true or false, got {shown}", "write true or false"
    if err_type == "string_type":
        text = shown.strip("'")
        return f"{label} must be text, got {shown}", f"put it in quotes: {name}: \"{text}\""
    if err_type in ("model_type", "model_attributes_type", "dict_type"):
        example = " {lat: 14.53, lon: -4.10}" if name == "location" else ""
        return (f"{label} must be a mapping of keys, got {_kind_of(value)}",
                f"write it as key: value pairs{example}")
    if err_type == "list_type":
        return f"{label} must be a list, got {shown}", "write a list: [a, b] or one '- item' a line"
    if err_type == "too_short" and isinstance(value, list):
        return f"{label} must not be empty", f"add at least one {name.removesuffix('s')}"
    if err_type == "string_too_short":
        return f"{label} must not be empty", f"write a {name}"
    if err_type == "string_too_long":
        return (f"{label} is longer than {ctx.get('max_length')} characters",
                "shorten it")
    if err_type == "string_pattern_mismatch":
        suggestion = _ID_PATTERN.sub("-", str(value)).strip("-") or "KORO"
        return (f"{label} {shown} may contain only letters, digits, '_', '.' and '-'",
                f"e.g. '{suggestion}'")
    if err_type.startswith(("date_", "datetime_")):
        return f"{label} must be a date, got {shown}", "write YYYY-MM-DD, e.g. 2018-07-02"
    if err_type in ("value_error", "assertion_error"):
        text = str(err.get("msg", "")).removeprefix("Value error, ")
        message, _, fix = text.partition("; ")
        return message, fix or _DESIGN
    return f"{label}: {err.get('msg', 'invalid value')}", _DESIGN


def _expected(text: str) -> list[str]:
    quoted = re.findall(r"'([^']*)'", text)
    return quoted or [part for part in re.split(r",\s*|\s+or\s+", text) if part]


def _model_fields(model: type[BaseModel], path: KeyPath) -> dict[str, str]:
    """The keys allowed at `path` (the model found there), with their descriptions."""
    found = _model_at(model, path)
    if found is None:
        return {}
    return {name: info.description or "" for name, info in found.model_fields.items()}


def _model_at(model: type[BaseModel], path: KeyPath) -> type[BaseModel] | None:
    tp: Any = model
    for seg in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(seg) if isinstance(seg, str) else None
            if info is None:
                return None
            tp = info.annotation
            continue
        origin, args = get_origin(tp), get_args(tp)
        if origin is list and args:
            tp = args[0]
        elif origin is tuple and args and isinstance(seg, int):
            tp = args[min(seg, len(args) - 1)]
        elif origin is dict and args:
            tp = args[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional around a type."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(tp) if a is not type(None)]
            if len(options) != 1:
                return tp
            tp = options[0]
        else:
            return tp


# ---------------------------------------------------------------------------- checks context
class CheckContext:
    """What `planner.checks` sees: the merged scenario, its compiled instance, and how to
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
    offices, office_problems = _load_office_files(path, patterns)
    problems += office_problems
    _raise_errors(problems)
    assert scenario is not None  # no errors, so it validated
    ctx = _merged_context(scenario, main, offices)
    problems = _sorted(problems + run_checks(ctx))
    _raise_errors(problems)
    sources = {p.id: source.path for p, (source, _) in
               zip(ctx.scenario.priorities, ctx.priority_origins, strict=True)}
    return LoadedScenario(path, main.sha256, ctx.scenario, tuple(problems), sources, ctx)


def _raise_errors(problems: Iterable[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ScenarioError(_sorted(errors))


def _raw_patterns(data: Any) -> list[str]:
    """priority_files as written, when the scenario itself did not validate."""
    patterns = data.get("priority_files") if isinstance(data, dict) else None
    return [p for p in patterns if isinstance(p, str)] if isinstance(patterns, list) else []


def priority_file_paths(scenario_path: Path, patterns: Iterable[str]) -> list[Path]:
    """Files matched by the `priority_files` globs, relative to the scenario's directory,
    sorted, without duplicates, directories or the scenario itself."""
    root = scenario_path.parent
    found: dict[Path, Path] = {}
    for pattern in patterns:
        try:
            for match in glob.glob(pattern, root_dir=root, recursive=True):
                candidate = root / match
                resolved = candidate.resolve()
                if candidate.is_file() and resolved != scenario_path.resolve():
                    found.setdefault(resolved, candidate)
        except (OSError, ValueError):
            continue  # an unreadable directory or a NUL in the pattern matches nothing
    return [found[key] for key in sorted(found)]


@dataclass(frozen=True)
class _OfficeFile:
    source: Source
    submission: PrioritySubmission


def _load_office_files(scenario_path: Path,
                       patterns: Iterable[str]) -> tuple[list[_OfficeFile], list[Problem]]:
    offices: list[_OfficeFile] = []
    problems: list[Problem] = []
    first_file: dict[str, str] = {}
    for path in priority_file_paths(scenario_path, patterns):
        try:
            source = read_source(path, "priorities")
        except ScenarioError as exc:
            problems += exc.problems
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
    """Validate a priorities file (DESIGN.md §3.1), and when `loaded` is given, against that
    scenario as it would be with this office's previous priorities replaced by these.

    Returns the submission with every priority's `office` set; raises ScenarioError with
    every problem in the file otherwise.
    """
    submission, _warnings = check_priority_submission(path, loaded)
    return submission


def check_priority_submission(
        path: str | Path,
        loaded: LoadedScenario | None = None) -> tuple[PrioritySubmission, tuple[Problem, ...]]:
    """`load_priority_submission`, also returning the warnings about the submitted file."""
    source = read_source(Path(path), "priorities")
    submission, problems = validate_model(PrioritySubmission, source)
    if submission is None:
        raise ScenarioError(problems)
    submission, problems = _imply_office(submission, source)
    if loaded is None:
        problems += _submission_alone(submission, source)
    elif not problems:
        ctx = _replace_office(loaded, submission, source)
        problems = [p for p in run_checks(ctx) if p.file == source.file]
    _raise_errors(problems)
    return submission, tuple(_sorted(problems))


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
