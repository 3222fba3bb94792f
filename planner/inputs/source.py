"""Reading an input file safely: bytes → YAML events → plain data with marks.

Nothing a file says is ever executed. The Python objects are built here, in one pass
without recursion, from the event stream of the safe YAML parser (libyaml when present),
resolving plain scalars as YAML 1.1 and the safe loader do: only the plain YAML types are
accepted (any other tag is refused), duplicate keys are errors, merge keys (`<<: *a`)
work, timestamps stay text, and there are limits on file size (`MAX_FILE_BYTES`, checked
before parsing), keys and values written (`MAX_NODES`), nesting depth (`MAX_DEPTH`) and
the nodes built through anchors and aliases (`MAX_ALIAS_NODES`, against expansion bombs)."""
from __future__ import annotations

import functools
import hashlib
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from planner.inputs.problems import (
    KeyPath,
    Position,
    Problem,
    ScenarioError,
    Severity,
    failure,
    sorted_problems,
)

MAX_FILE_BYTES = 1_000_000
"""Largest scenario or priority file accepted, bytes (scenarios are tens of KB)."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings accepted (the format itself needs 6)."""
MAX_ALIAS_NODES = 100_000
"""Most nodes built through YAML aliases and merge keys, against expansion bombs."""
MAX_NODES = 100_000
"""Most keys and values (scalars, lists, mappings) written in one file; a large scenario
has a few thousand, and this bounds the time spent on a megabyte of tiny values."""

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML = "tag:yaml.org,2002:"
_MERGE_TAG = _YAML + "merge"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SCALAR_TAGS.add(_YAML + "value")  # the plain '=' of YAML 1.1, read as text
FORMAT_DOC = "see docs/scenario-format.md for the format"


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


def data_at(data: Any, path: KeyPath) -> Any:
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
    "scenario": "a scenario: name, horizon, bases, units, hotspots (docs/scenario-format.md)",
    "priorities": "a priorities file: office and priorities (docs/scenario-format.md)",
    "mapping": "an event mapping: acled, hdx, thresholds (docs/event-import.md)",
    "sweep": "a sweep: variants and/or grid (README, When one machine is not enough)",
}


def parse_yaml_file(path: str | Path) -> tuple[Any, MarkIndex]:
    """Safely parse a YAML file into plain data (dict, list, str, int, float, bool, None)
    and the index of where each key path starts; raise ScenarioError when it cannot."""
    source = read_source(Path(path), "scenario")
    return source.data, source.marks


def read_source(path: Path,
                what: Literal["scenario", "priorities", "mapping", "sweep"]) -> Source:
    """Read, decode and parse one input file, refusing anything hostile or broken."""
    file = str(path)
    raw = _read_bytes(path, file)
    text = _decode(raw, file, what)
    data, marks = _parse(text, file, what)
    return Source(path, file, hashlib.sha256(raw).hexdigest(), data, marks)


def _read_bytes(path: Path, file: str) -> bytes:
    try:
        if not path.exists():
            raise failure(file, "file not found", "check the path; a relative path starts from "
                        "the current directory")
        if path.is_dir():
            raise failure(file, "this is a directory, not a file", "give the path of a .yaml file")
        if not path.is_file():
            raise failure(file, "not a regular file", "give the path of a .yaml file")
        size = path.stat().st_size
        if size <= MAX_FILE_BYTES:
            with path.open("rb") as stream:  # read no more than the limit, whatever stat said
                raw = stream.read(MAX_FILE_BYTES + 1)
            size = len(raw)
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL byte
        reason = getattr(exc, "strerror", None) or str(exc)
        raise failure(file, f"cannot read the file: {reason}",
                    "check the path and the file's permissions") from None
    if size > MAX_FILE_BYTES:
        raise failure(file, f"the file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} "
                    "bytes (MAX_FILE_BYTES)",
                    "scenario and priority files are tens of KB: check this is the right file")
    return raw


def _decode(raw: bytes, file: str, what: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise failure(file, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded",
                    "save the file with UTF-8 encoding", (line, column)) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise failure(file, "the file is empty", f"write {_WHAT[what]}")
    return text


def _parse(text: str, file: str, what: str) -> tuple[Any, MarkIndex]:
    builder = _Builder(file)
    try:
        data = builder.build(text)
    except yaml.YAMLError as exc:
        raise ScenarioError([_syntax_problem(exc, text, file)]) from None
    if builder.problems:
        raise ScenarioError(sorted_problems(builder.problems))
    if builder.documents == 0:
        raise failure(file, "the file is empty (only comments)", f"write {_WHAT[what]}")
    if not isinstance(data, dict):
        raise failure(file, f"the top level must be a mapping of keys, got {kind_of(data)}",
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


def kind_of(value: Any) -> str:
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
