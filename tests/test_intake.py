"""Priority intake (planner/intake.py, `pocplan priorities submit|list`), docs/scenario-format.md:
a submission is validated against the scenario and stored where priority_files pick it
up; a re-submission replaces the office's file and keeps the previous version; a rejected
submission changes nothing; an interrupted write leaves the old file intact."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from planner.inputs import intake
from planner.inputs.intake import (
    SubmissionRefused,
    office_slug,
    provenance,
    split_header,
    submit,
)
from planner.inputs.loader import load_scenario

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "offices_scenario"
ENV = {"COLUMNS": "160", "NO_COLOR": "1", "POCPLAN_DEBUG": None, "FORCE_COLOR": None}

NEW_MOPTI = b"""\
# Mopti's revised list, July
office: Mopti
submitted_by: Head of Office, Mopti
priorities:
  - {id: MOP-9, kind: secure_area, hotspot: VILLAGE, weeks: [1, 3], weight: 2}  # kept
"""

BAD = b"""\
office: Mopti
priorities:
  - {id: BAN-1, kind: secure_area, hotspot: TOWNN, weeks: [1, 9], weight: 2}
  - {id: HQ-1, kind: secure_area, hotspot: TOWN, weight: 2}
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """A copy of the offices fixture: scenario.yaml with offices/mopti.yaml and bankass.yaml."""
    root = tmp_path / "scenario"
    shutil.copytree(FIXTURE, root)
    return root / "scenario.yaml"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (hidden ones too) with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def run(*args: str):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV)


# ====================================================================== storing
def test_office_slugs():
    assert office_slug("Ségou") == "segou"
    assert office_slug("Head Office (Mopti)") == "head-office-mopti"
    assert office_slug("??") == "office"


def test_a_new_office_is_stored_where_the_globs_pick_it_up(scenario, tmp_path):
    text = b"office: Douentza\npriorities:\n  - {id: DTZ-1, kind: secure_area, " \
           b"hotspot: TOWN, weight: 1}\n"
    stored = submit(write(tmp_path, "douentza.yaml", text), scenario)
    assert stored.path == scenario.parent / "offices" / "douentza.yaml"
    assert not stored.replaced and stored.history == ()
    header, body = split_header(stored.path.read_bytes())
    assert body == text  # the submitted bytes, as they were
    assert header["office"] == "Douentza" and header["source"] == "douentza.yaml"
    assert header["sha256"] == hashlib.sha256(text).hexdigest() == stored.sha256
    loaded = load_scenario(scenario)
    assert loaded.priority_sources["DTZ-1"].resolve() == stored.path.resolve()


def test_a_resubmission_replaces_the_office_file_and_keeps_the_previous_one(scenario,
                                                                           tmp_path):
    office_file = scenario.parent / "offices" / "mopti.yaml"
    old = office_file.read_bytes()
    stored = submit(write(tmp_path, "mopti-july.yaml", NEW_MOPTI), scenario)
    assert stored.replaced and stored.path == office_file
    assert stored.priorities == ("MOP-9",)
    assert split_header(office_file.read_bytes())[1] == NEW_MOPTI  # comments kept
    (kept,) = stored.history
    assert kept.parent == scenario.parent / "offices" / ".history"
    assert kept.name.startswith("mopti.") and kept.name.endswith(
        f".{hashlib.sha256(old).hexdigest()[:8]}.yaml")
    assert kept.read_bytes() == old
    ids = {p.id for p in load_scenario(scenario).scenario.priorities}
    assert ids == {"HQ-1", "BAN-1", "MOP-9"}  # MOP-1 and MOP-2 replaced, not merged


def test_every_version_is_kept_and_none_is_overwritten(scenario, tmp_path):
    first = submit(write(tmp_path, "a.yaml", NEW_MOPTI), scenario)
    second = submit(write(tmp_path, "b.yaml", NEW_MOPTI.replace(b"weight: 2", b"weight: 3")),
                    scenario)
    third = submit(write(tmp_path, "c.yaml", NEW_MOPTI), scenario)
    kept = [first.history[0], second.history[0], third.history[0]]
    assert len(set(kept)) == 3 and all(p.exists() for p in kept)
    assert split_header(kept[1].read_bytes())[1] == NEW_MOPTI
    assert sorted((scenario.parent / "offices" / ".history").iterdir()) == sorted(kept)


def test_the_history_is_not_picked_up_by_the_globs(scenario, tmp_path):
    submit(write(tmp_path, "a.yaml", NEW_MOPTI), scenario)
    loaded = load_scenario(scenario)
    assert not any(".history" in str(p) for p in loaded.priority_sources.values())
    assert [w.where for w in loaded.warnings] == ["priority_files[1]"]  # nothing_matches/


def test_the_offices_priorities_can_reuse_their_own_ids(scenario, tmp_path):
    same_ids = b"office: Mopti\npriorities:\n  - {id: MOP-1, kind: secure_area, " \
               b"hotspot: TOWN, weight: 1}\n"
    assert submit(write(tmp_path, "m.yaml", same_ids), scenario).priorities == ("MOP-1",)


def test_a_resubmitted_stored_file_does_not_stack_headers(scenario, tmp_path):
    stored = submit(write(tmp_path, "a.yaml", NEW_MOPTI), scenario)
    again = submit(write(tmp_path, "copy.yaml", stored.path.read_bytes()), scenario)
    header, body = split_header(again.path.read_bytes())
    assert body == NEW_MOPTI and header["source"] == "copy.yaml"


def test_provenance_is_read_back_and_checked(scenario, tmp_path):
    stored = submit(write(tmp_path, "a.yaml", NEW_MOPTI), scenario)
    found = provenance(stored.path)
    assert (found.office, found.submitted_at, found.sha256, found.verified) == \
        ("Mopti", stored.submitted_at, stored.sha256, True)
    stored.path.write_bytes(stored.path.read_bytes().replace(b"weight: 2", b"weight: 4"))
    assert provenance(stored.path).verified is False
    plain = provenance(scenario.parent / "offices" / "bankass.yaml")
    assert plain.submitted_at is None and plain.verified is None


# ====================================================================== refusing
def test_a_rejected_submission_changes_nothing_and_says_why_line_by_line(scenario, tmp_path):
    before = snapshot(scenario.parent)
    bad = write(tmp_path, "bad.yaml", BAD)
    with pytest.raises(SubmissionRefused) as caught:
        submit(bad, scenario)
    assert snapshot(scenario.parent) == before
    assert caught.value.message == f"{bad}: 4 problem(s); nothing was stored"
    assert caught.value.problems == (
        f"{bad}:3:10: priorities[BAN-1].id: duplicate priority id 'BAN-1', already used at "
        f"{scenario.parent / 'offices' / 'bankass.yaml'}:3. Fix: give each priority its own id",
        f"{bad}:3:45: priorities[BAN-1].hotspot: unknown hotspot 'TOWNN'. Fix: did you mean "
        "'TOWN'? The hotspots are: TOWN, VILLAGE",
        f"{bad}:3:59: priorities[BAN-1].weeks: window [1, 9] ends after the horizon's last "
        "week (4). Fix: end it by week 4, or lengthen horizon.weeks",
        f"{bad}:4:10: priorities[HQ-1].id: duplicate priority id 'HQ-1', already used at "
        f"{scenario}:12. Fix: give each priority its own id",
    )


def test_a_scenario_without_priority_files_is_refused_with_how_to_add_them(tmp_path):
    text = (FIXTURE / "scenario.yaml").read_text("utf-8")
    path = write(tmp_path, "plain.yaml",
                 text.replace("priority_files: [offices/*.yaml, nothing_matches/*.yaml]\n",
                              "").encode())
    before = snapshot(tmp_path)
    with pytest.raises(SubmissionRefused) as caught:
        submit(write(tmp_path, "m.yaml", NEW_MOPTI), path)
    assert "has no priority_files" in caught.value.message
    assert caught.value.problems == (
        f"add a line `priority_files: [offices/*.yaml]` to {path} and submit again",)
    assert set(snapshot(tmp_path)) == set(before) | {"m.yaml"}


def test_a_clash_arriving_before_the_lock_is_caught_under_it(scenario, tmp_path, monkeypatch):
    """Another office's file arriving between the first check and the lock: the merged
    result is checked again under the lock, before anything is written, and refused."""
    office_file = scenario.parent / "offices" / "mopti.yaml"
    real_load = intake.load_scenario
    calls = []

    def load(path):
        calls.append(path)
        if len(calls) == 2:  # the load under the lock
            (scenario.parent / "offices" / "rival.yaml").write_bytes(
                b"office: Rival\npriorities:\n  - {id: MOP-9, kind: secure_area, "
                b"hotspot: TOWN, weight: 1}\n")
        return real_load(path)

    monkeypatch.setattr(intake, "load_scenario", load)
    before = snapshot(scenario.parent)
    with pytest.raises(SubmissionRefused) as caught:
        submit(write(tmp_path, "a.yaml", NEW_MOPTI), scenario)
    assert caught.value.message.endswith("problem(s); nothing was stored")
    assert any("duplicate priority id 'MOP-9'" in p for p in caught.value.problems)
    after = snapshot(scenario.parent)
    after.pop("offices/rival.yaml")
    assert after == before and office_file.read_bytes() == before["offices/mopti.yaml"]


# ====================================================================== crashes
@pytest.mark.parametrize("broken", ["replace", "fsync", "write"])
def test_an_interrupted_write_leaves_the_old_file_intact(scenario, tmp_path, monkeypatch,
                                                         broken):
    office_file = scenario.parent / "offices" / "mopti.yaml"
    before = snapshot(scenario.parent)
    real_fsync = os.fsync

    class Crash(OSError):
        pass

    def crash(*_args, **_kwargs):
        raise Crash("disk pulled out")

    if broken == "replace":
        monkeypatch.setattr(intake.os, "replace", crash)
    elif broken == "fsync":
        monkeypatch.setattr(intake.os, "fsync", lambda fd: crash() if os.fstat(fd).st_size
                            > len(before["offices/mopti.yaml"]) else real_fsync(fd))
    else:
        real_fdopen = os.fdopen

        def fdopen(fd, mode="r", *args, **kwargs):
            handle = real_fdopen(fd, mode, *args, **kwargs)
            if "w" in mode:
                write = handle.write

                def half(data):
                    if intake.HEADER_MARK.encode() not in data:
                        return write(data)  # the history copy goes through
                    write(data[: len(data) // 2])
                    raise Crash("power cut mid-write")

                handle.write = half
            return handle

        monkeypatch.setattr(intake.os, "fdopen", fdopen)
    with pytest.raises(Crash):
        submit(write(tmp_path, "a.yaml", NEW_MOPTI), scenario)
    assert office_file.read_bytes() == before["offices/mopti.yaml"]
    assert snapshot(scenario.parent) == before  # no temporary file, no stray history copy
    assert not (scenario.parent / "offices" / ".history").exists()


# ====================================================================== the commands
def test_submit_and_list_through_the_cli(scenario, tmp_path):
    result = run("priorities", "submit", write(tmp_path, "a.yaml", NEW_MOPTI),
                 "--scenario", scenario)
    assert result.exit_code == 0, result.stderr
    assert "✓ replaced:" in result.stdout and "kept as" in result.stdout
    listed = run("priorities", "list", scenario, "--time-limit", "5", "--price-limit", "2")
    assert listed.exit_code == 0, listed.stderr
    for expected in ("Bankass — offices/bankass.yaml, submission time not recorded",
                     "Mopti — offices/mopti.yaml, submitted", "verified",
                     "scenario.yaml (in the scenario file)", "MOP-9", "BAN-1", "HQ-1"):
        assert expected in listed.stdout, expected


def test_list_json_has_provenance_and_status(scenario, tmp_path):
    stored = submit(write(tmp_path, "a.yaml", NEW_MOPTI), scenario)
    result = run("priorities", "list", scenario, "--time-limit", "5", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    mopti = next(o for o in doc["offices"] if o["file"] == "offices/mopti.yaml")
    assert (mopti["office"], mopti["submitted_at"], mopti["sha256"], mopti["verified"]) == \
        ("Mopti", stored.submitted_at, stored.sha256, True)
    (entry,) = mopti["priorities"]
    assert entry["id"] == "MOP-9" and entry["status"] in ("met", "partial", "unmet")
    assert 0 <= entry["satisfaction"] <= 1


def test_a_refused_submission_exits_3_and_lists_every_problem(scenario, tmp_path):
    before = snapshot(scenario.parent)
    result = run("priorities", "submit", write(tmp_path, "bad.yaml", BAD), "--scenario",
                 scenario)
    assert result.exit_code == cli.ExitCode.INVALID_INPUT == 3
    assert "nothing was stored" in result.stderr
    assert result.stderr.count("  - ") == 4 and "unknown hotspot 'TOWNN'" in result.stderr
    assert result.stdout == "" and snapshot(scenario.parent) == before


def test_priorities_help_lists_both_commands():
    result = run("priorities", "--help")
    assert result.exit_code == 0
    assert "submit" in result.stdout and "list" in result.stdout
