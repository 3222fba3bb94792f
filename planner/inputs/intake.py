"""Priority intake for heads of office (docs/scenario-format.md, issue 7).

`submit` validates a priorities file against the scenario, as the scenario would be with
the office's previous priorities replaced, and stores it where the scenario's
`priority_files` pick it up:

- **where**: `<directory of the first glob>/<office-slug>.yaml` (or the file the office
  already has there, whatever its name); refused, with how to add one, when the scenario
  has no `priority_files`;
- **what**: the submitted bytes as they are (comments kept), after a provenance header of
  comment lines (office, submitted at, SHA-256 of the submitted bytes, original name),
  which `provenance` reads back and checks;
- **replacing**: the previous version is first copied to `<dir>/.history/<slug>.<UTC
  timestamp>.<sha8>.yaml` (a hidden folder the globs do not match; never overwritten),
  then the new file replaces the old one atomically (temporary file in the same
  directory, fsync, `os.replace`, directory fsync): at every instant the office file is
  the old version or the new one, never half of either;
- **checking under the lock**: submissions to one scenario are serialised by an advisory
  lock on the scenario's folder; under it the scenario is loaded afresh (another office may
  have stored meanwhile) and the merged result, this office's previous priorities replaced
  by these, is checked in full *before* anything is written. Then the office file is
  replaced in one `os.replace`: a crash at any instant leaves the old valid state or the new
  one, and a reader never sees a scenario that does not load;
- **refusing**: a submission with any problem changes nothing (no file or folder is left
  behind) and every problem is listed with its line;
- **hostile files**: only a regular file is read (a FIFO or a device is refused unopened),
  its size checked before a byte is read; the provenance header's fields are kept on one
  line each (control characters escaped); office names are compared in Unicode NFC, so a
  decomposed `Se\u0301gou` is the same office as `Ségou`; the office folder must lie inside
  the scenario's folder (`planner.inputs.containment`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.base import is_control
from models.scenario import PrioritySubmission, normal_office
from planner.domain.files import fsync_directory, write_atomic
from planner.inputs.containment import inside, pattern_problem
from planner.inputs.loader import (
    LoadedScenario,
    Problem,
    ScenarioError,
    check_priority_submission,
    load_scenario,
    priority_file_paths,
    read_source,
)
from planner.inputs.source import read_input_bytes

HISTORY_DIR = ".history"
"""Where previous versions go, inside the office directory (hidden: globs skip it)."""

HEADER_MARK = "# pocplan submission"
"""First line of the provenance header pocplan writes above the submitted bytes."""

DEFAULT_GLOB = "offices/*.yaml"
"""What to tell a scenario without priority_files to add."""

_GLOB_CHARS = re.compile(r"[*?\[]")
_HEADER_LINE = re.compile(r"^# (?P<key>[a-z0-9_]+): (?P<value>.*)$")


class SubmissionRefused(Exception):
    """A submission was not stored; `problems` says why, one line each."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()):
        self.message = message
        self.problems = problems
        super().__init__("\n".join((message, *problems)))


@dataclass(frozen=True)
class Stored:
    """What `submit` did."""

    office: str
    path: Path
    """The office file now in force."""
    replaced: bool
    """An earlier version of the office's file existed and was replaced."""
    history: tuple[Path, ...]
    """Where the earlier versions were kept (empty for a first submission)."""
    sha256: str
    """SHA-256 of the submitted bytes."""
    submitted_at: str
    """UTC time of storage, ISO 8601 (`2018-07-02T08:00:00Z`)."""
    priorities: tuple[str, ...]
    """Ids of the office's priorities now in force."""
    warnings: tuple[Problem, ...] = ()
    """Problems that do not stop planning (a priority no unit can serve, …)."""


@dataclass(frozen=True)
class Provenance:
    """Where an office file's priorities came from, read from its provenance header."""

    path: Path
    office: str | None
    submitted_at: str | None
    """None when the file was not stored by `submit`."""
    sha256: str
    """SHA-256 of the submitted bytes (the file after its header), or of the whole file."""
    source: str | None
    verified: bool | None
    """The header's hash matches the bytes below it (None without a header)."""


# ====================================================================== names and places
def office_slug(office: str) -> str:
    """`Ségou` → `segou`, `Head Office (Mopti)` → `head-office-mopti`."""
    ascii_name = unicodedata.normalize("NFKD", office).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "office"


def office_directory(scenario_path: Path, patterns: list[str]) -> tuple[Path, str]:
    """The directory new office files go to (the first glob's fixed part) and their suffix."""
    pattern = patterns[0]
    parts = Path(pattern).parts
    fixed = []
    for part in parts[:-1]:
        if _GLOB_CHARS.search(part):
            break
        fixed.append(part)
    suffix = ".yml" if pattern.endswith(".yml") else ".yaml"
    return scenario_path.parent.joinpath(*fixed), suffix


def _matched(scenario_path: Path, patterns: list[str], candidate: Path) -> bool:
    """Whether a file at `candidate` would be picked up by the globs, with glob's rules:
    component by component, `**` for any number of directories, and wildcards never
    matching a hidden name (so `.history/` is never picked up by `offices/*.yaml`). Only
    the part below the scenario's folder is matched, so brackets or stars in the folder's
    own name (`plans [Q3 draft]/`) are taken literally."""
    root = scenario_path.parent.resolve()
    try:
        target = Path(os.path.normpath(candidate.resolve())).relative_to(root).parts
    except ValueError:
        return False  # outside the scenario's folder: never picked up
    for pattern in patterns:
        if pattern_problem(pattern) is None and _glob_match(
                Path(os.path.normpath(pattern)).parts, target):
            return True
    return False


def _glob_match(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_glob_match(rest, path[i:]) for i in range(len(path) + 1)
                   if not any(p.startswith(".") for p in path[:i]))
    if not path:
        return False
    name = path[0]
    if name.startswith(".") and not head.startswith(".") and _GLOB_CHARS.search(head):
        return False
    return fnmatch.fnmatchcase(name, head) and _glob_match(rest, path[1:])


def _office_files(scenario_path: Path, patterns: list[str], office: str) -> list[Path]:
    """Files picked up by the globs that belong to `office` (read safely; unreadable files
    are left to the loader to report)."""
    found = []
    for path in priority_file_paths(scenario_path, patterns):
        try:
            data = read_source(path, "priorities").data
        except ScenarioError:
            continue
        if isinstance(data, dict) and normal_office(data.get("office")) == office:
            found.append(path)
    return found


# ====================================================================== provenance
def provenance_header(office: str, submitted_at: str, sha256: str, source: str,
                      newline: str = "\n") -> str:
    fields = {"office": office, "submitted_at": submitted_at, "sha256": sha256,
              "source": source}
    lines = [f"{HEADER_MARK} (docs/scenario-format.md); the lines below it are as submitted"]
    lines += [f"# {key}: {one_line(value)}" for key, value in fields.items()]
    return newline.join(lines) + newline


def one_line(value: str) -> str:
    """A header field on one line: line breaks and other control characters escaped, so a
    file or office name can never add a header line or an uncommented YAML line."""
    return "".join((f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
                   if is_control(c, newlines=False) or unicodedata.category(c) in ("Zl", "Zp")
                   else c for c in value)


def split_header(raw: bytes) -> tuple[dict[str, str], bytes]:
    """(header fields, submitted bytes) of a stored office file; ({}, raw) without one."""
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    body = raw[len(bom):]
    if not body.startswith(HEADER_MARK.encode()):
        return {}, raw
    fields: dict[str, str] = {}
    lines = body.splitlines(keepends=True)
    taken = 0
    for i, line in enumerate(lines):
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if i == 0:
            taken = 1
            continue
        match = _HEADER_LINE.match(text)
        if not match or match["key"] not in ("office", "submitted_at", "sha256", "source"):
            break
        fields[match["key"]] = match["value"]
        taken = i + 1
    return fields, bom + b"".join(lines[taken:])


def provenance(path: Path) -> Provenance:
    raw = path.read_bytes()
    fields, body = split_header(raw)
    if not fields:
        return Provenance(path, None, None, hashlib.sha256(raw).hexdigest(), None, None)
    digest = hashlib.sha256(body).hexdigest()
    return Provenance(path, fields.get("office"), fields.get("submitted_at"),
                      fields.get("sha256", digest), fields.get("source"),
                      fields.get("sha256") == digest)


# ====================================================================== writing
def keep_history(path: Path, slug: str, stamp: str) -> Path:
    """Copy `path` to the history folder under a name never used before; return it."""
    history = path.parent / HISTORY_DIR
    history.mkdir(exist_ok=True)
    data = path.read_bytes()
    stem = f"{slug}.{stamp}.{hashlib.sha256(data).hexdigest()[:8]}"
    fd, tmp = tempfile.mkstemp(dir=history, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        n = 1
        while True:
            target = history / (f"{stem}{path.suffix}" if n == 1 else f"{stem}-{n}{path.suffix}")
            try:
                os.link(tmp, target)  # fails rather than overwrite an earlier version
                break
            except FileExistsError:
                n += 1
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_directory(history)
    return target


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An advisory lock on the office directory while a submission is stored."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# ====================================================================== submitting
def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _problem_lines(exc: ScenarioError) -> tuple[str, ...]:
    return tuple(str(p) for p in exc.problems)


def submit(file: str | Path, scenario: str | Path) -> Stored:
    """Validate `file` against `scenario` and store it (module docstring); raise
    SubmissionRefused, having changed nothing, when it cannot be stored."""
    file, scenario_path = Path(file), Path(scenario)
    loaded = _load_for_submission(scenario_path)
    patterns = list(loaded.scenario.priority_files)
    if not patterns:
        raise SubmissionRefused(
            f"the scenario {scenario_path} has no priority_files, so a stored submission "
            "would never be read; nothing was stored",
            (f"add a line `priority_files: [{DEFAULT_GLOB}]` to {scenario_path} and submit "
             "again",))
    try:  # regular files only, the size checked before a byte is read
        raw = read_input_bytes(file)
    except ScenarioError as exc:
        raise SubmissionRefused(f"{file}: cannot be submitted; nothing was stored",
                                _problem_lines(exc)) from None
    _check(file, raw, loaded)  # early, so a bad file is refused without waiting for the lock
    directory, suffix = office_directory(scenario_path, patterns)
    if not inside(scenario_path.parent, directory):
        raise SubmissionRefused(
            f"the office folder {directory} leads outside the scenario's folder; nothing was "
            "stored", ("make the first priority_files glob name a folder inside the "
                       "scenario's folder (not a symlink out of it)",))
    with _locked(scenario_path.parent if str(scenario_path.parent) else Path(".")):
        # Under the lock, against the scenario as it is now (another office may have
        # stored since): the merged result is checked before anything is written.
        loaded = _load_for_submission(scenario_path)
        submission, warnings = _check(file, raw, loaded)
        return _store(file, raw, scenario_path, patterns, directory, suffix,
                      submission.office, tuple(p.id for p in submission.priorities), warnings)


def _load_for_submission(scenario_path: Path) -> LoadedScenario:
    try:
        return load_scenario(scenario_path)
    except ScenarioError as exc:
        raise SubmissionRefused(f"the scenario {scenario_path} does not load, so nothing can "
                                "be checked against it; nothing was stored",
                                _problem_lines(exc)) from None


def _check(file: Path, raw: bytes,
           loaded: LoadedScenario) -> tuple[PrioritySubmission, tuple[Problem, ...]]:
    try:
        return check_priority_submission(file, loaded, raw=raw)
    except ScenarioError as exc:
        raise SubmissionRefused(f"{file}: {len(exc.errors)} problem(s); nothing was stored",
                                _problem_lines(exc)) from None


def _target(scenario_path: Path, patterns: list[str], directory: Path, suffix: str,
            office: str, existing: list[Path]) -> Path:
    if existing:
        return existing[0]
    slug = office_slug(office)
    candidate, n = directory / f"{slug}{suffix}", 2
    while candidate.exists():  # another office's file by that name
        candidate, n = directory / f"{slug}-{n}{suffix}", n + 1
    if not _matched(scenario_path, patterns, candidate):
        raise SubmissionRefused(
            f"the scenario's priority_files ({', '.join(patterns)}) would not pick up "
            f"{candidate}; nothing was stored",
            (f"add `{DEFAULT_GLOB}` (or a glob matching {candidate.name}) to priority_files",))
    return candidate


def _store(file: Path, raw: bytes, scenario_path: Path, patterns: list[str],
           directory: Path, suffix: str, office: str, priority_ids: tuple[str, ...],
           warnings: tuple[Problem, ...]) -> Stored:
    """Write the checked submission: history copies first, then the office's other files
    removed, then one atomic replace of its file. A crash before the replace leaves the old
    office file in force (and at most an extra history copy); after it, the new one."""
    existing = _office_files(scenario_path, patterns, office)
    target = _target(scenario_path, patterns, directory, suffix, office, existing)
    now = _utc_now()
    submitted_at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    for path in existing:
        kept = path.parent / HISTORY_DIR / f"{office_slug(office)}.{stamp}.00000000{path.suffix}"
        if _matched(scenario_path, patterns, kept):
            raise SubmissionRefused(
                f"the scenario's priority_files ({', '.join(patterns)}) also pick up "
                f"{kept.parent}, where previous versions are kept; nothing was stored",
                ("narrow the globs so that they do not match hidden folders",))
    _, body = split_header(raw)  # a re-submitted stored file: drop its old header
    digest = hashlib.sha256(body).hexdigest()
    newline = "\r\n" if b"\r\n" in body.split(b"\n", 1)[0] + b"\n" else "\n"
    bom = b"\xef\xbb\xbf" if body.startswith(b"\xef\xbb\xbf") else b""
    data = bom + provenance_header(office, submitted_at, digest, file.name,
                                   newline).encode("utf-8") + body[len(bom):]
    created = _make_directories(directory)
    old = {path: path.read_bytes() for path in existing}
    history: list[Path] = []
    try:
        history += [keep_history(path, office_slug(office), stamp) for path in existing]
        for path in existing[1:]:  # the office's other files: their versions are in history
            os.unlink(path)
        write_atomic(target, data)
    except BaseException:
        _roll_back(target, old, tuple(history), created=target not in old)
        _remove_directories(created)
        raise
    return Stored(office, target, bool(existing), tuple(history), digest, submitted_at,
                  priority_ids, warnings)


def _make_directories(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents; return those created, deepest first."""
    missing = []
    for folder in (directory, *directory.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_directories(missing)
        raise SubmissionRefused(f"cannot create {directory} ({exc.strerror or exc}); "
                                "nothing was stored") from None
    return missing


def _remove_directories(created: list[Path]) -> None:
    for folder in created:  # deepest first; only when empty
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def _roll_back(target: Path, old: dict[Path, bytes], history: tuple[Path, ...],
               created: bool) -> None:
    """Put every office file back as it was and forget the history copies just made."""
    for path, data in old.items():
        if not path.exists() or path.read_bytes() != data:
            write_atomic(path, data)
    if created:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
    for path in history:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    for folder in {path.parent for path in history}:
        with contextlib.suppress(OSError):  # only when empty: earlier versions stay
            os.rmdir(folder)


# ====================================================================== listing
@dataclass(frozen=True)
class ListedPriority:
    id: str
    office: str | None
    kind: str
    hotspot: str
    weight: float
    file: Path
    provenance: Provenance


def listed_priorities(loaded: LoadedScenario) -> list[ListedPriority]:
    """Every priority of the scenario with the file it came from and that file's
    provenance, in scenario order (the scenario's own, then each office file's)."""
    cache: dict[Path, Provenance] = {}
    out = []
    for p in loaded.scenario.priorities:
        path = loaded.priority_sources.get(p.id, loaded.path)
        if path not in cache:
            cache[path] = provenance(path) if path != loaded.path else Provenance(
                path, None, None, loaded.sha256, None, None)
        out.append(ListedPriority(p.id, p.office, str(p.kind), p.hotspot, p.weight, path,
                                  cache[path]))
    return out
