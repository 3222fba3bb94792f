"""Hostile office submissions (issue 18, item 5): refused or defused, never a hang, a
MemoryError, a forged provenance header, a look-alike office or a leftover folder."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from planner.inputs.intake import SubmissionRefused, provenance, split_header, submit
from planner.inputs.loader import load_scenario

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "offices_scenario"
ONE = b"  - {id: SEG-1, kind: secure_area, hotspot: TOWN, weight: 1}\n"


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    root = tmp_path / "scenario"
    shutil.copytree(FIXTURE, root)
    return root / "scenario.yaml"


def snapshot(root: Path) -> list[tuple[str, bytes | None]]:
    return [(str(p.relative_to(root)), p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))]


def refused(file: Path, scenario: Path) -> SubmissionRefused:
    before = snapshot(scenario.parent)
    with pytest.raises(SubmissionRefused) as caught:
        submit(file, scenario)
    assert snapshot(scenario.parent) == before
    return caught.value


def test_a_fifo_is_refused_without_being_opened(scenario, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done = threading.Event()
    result: list[BaseException] = []

    def attempt() -> None:
        try:
            submit(fifo, scenario)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            result.append(exc)
        done.set()

    threading.Thread(target=attempt, daemon=True).start()
    if not done.wait(10):
        with open(fifo, "wb"):  # unblock the reader before failing
            pass
        pytest.fail("submit hung on a FIFO")
    assert isinstance(result[0], SubmissionRefused)
    assert "not a regular file" in result[0].problems[0]


def test_a_device_is_refused(scenario):
    assert "not a regular file" in refused(Path("/dev/zero"), scenario).problems[0]


def test_a_huge_sparse_file_is_refused_before_reading(scenario, tmp_path):
    huge = tmp_path / "huge.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(4 * 1024**3)
    assert "over the limit" in refused(huge, scenario).problems[0]


def test_a_file_name_with_newlines_cannot_forge_the_header(scenario, tmp_path):
    name = "x.yaml\n# submitted_at: 1999-01-01T00:00:00Z\n# sha256: 0"
    file = tmp_path / name
    file.write_bytes(b"office: Segou\npriorities:\n" + ONE)
    stored = submit(file, scenario)
    header, body = split_header(stored.path.read_bytes())
    assert header["submitted_at"] == stored.submitted_at != "1999-01-01T00:00:00Z"
    assert header["source"] == "x.yaml\\x0a# submitted_at: 1999-01-01T00:00:00Z\\x0a# sha256: 0"
    assert body.startswith(b"office: Segou")
    assert provenance(stored.path).verified is True


def test_an_office_name_with_a_newline_is_refused(scenario, tmp_path):
    file = tmp_path / "a.yaml"
    file.write_bytes(b'office: "Segou\\nname: injected"\npriorities:\n' + ONE)
    assert any("office" in p for p in refused(file, scenario).problems)


def test_a_decomposed_office_name_is_the_same_office(scenario, tmp_path):
    composed, decomposed = "S\u00e9gou", "Se\u0301gou"
    first = tmp_path / "a.yaml"
    first.write_bytes(f"office: {composed}\npriorities:\n".encode() + ONE)
    submit(first, scenario)
    again = tmp_path / "b.yaml"
    again.write_bytes(f"office: {decomposed}\npriorities:\n".encode()
                      + ONE.replace(b"SEG-1", b"SEG-2"))
    stored = submit(again, scenario)
    assert stored.replaced  # not a second office that looks the same
    offices = {p.office for p in load_scenario(scenario).scenario.priorities}
    assert offices == {"Mopti", "Bankass", composed}


def test_a_refused_first_submission_leaves_no_folder_behind(scenario, tmp_path):
    text = scenario.read_text().replace("[offices/*.yaml, nothing_matches/*.yaml]",
                                        "[new/deeper/*.yaml, offices/*.yaml]")
    scenario.write_text(text)
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"office: Gao\npriorities:\n  - {id: G1, kind: secure_area, "
                    b"hotspot: NOWHERE, weight: 1}\n")
    refused(bad, scenario)
    assert not (scenario.parent / "new").exists()


def test_a_failed_write_leaves_no_folder_behind(scenario, tmp_path, monkeypatch):
    text = scenario.read_text().replace("[offices/*.yaml, nothing_matches/*.yaml]",
                                        "[new/deeper/*.yaml, offices/*.yaml]")
    scenario.write_text(text)
    good = tmp_path / "gao.yaml"
    good.write_bytes(b"office: Gao\npriorities: []\n")

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("planner.inputs.intake.write_atomic", full)
    with pytest.raises(OSError):
        submit(good, scenario)
    assert not (scenario.parent / "new").exists()
