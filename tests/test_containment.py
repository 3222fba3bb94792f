"""What a scenario may reach on disk (issue 18, item 2 and 8): nothing outside its folder.

A scenario received from someone else must not make pocplan read, print or write anything
outside the scenario's folder; a glob matching nothing is allowed but said as a warning.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from planner.inputs.containment import match_priority_files, pattern_problem
from planner.inputs.intake import SubmissionRefused, submit
from planner.inputs.loader import ScenarioError, load_scenario

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "offices_scenario"
SECRET = "root:x:0:0:secret-line-never-printed"


def scenario_in(folder: Path, globs: str) -> Path:
    """The offices fixture copied into `folder`, with its priority_files replaced."""
    shutil.copytree(FIXTURE, folder)
    path = folder / "scenario.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("priority_files: [offices/*.yaml, nothing_matches/*.yaml]",
                                 f"priority_files: {globs}"), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("pattern", ["/etc/passwd", "/etc/shadow*", "/**/*.yaml",
                                     "../../../../*", "offices/../../x/*.yaml", "~/x.yaml",
                                     "C:\\x\\*.yaml", "..\\x.yaml"])
def test_globs_reaching_outside_are_refused_before_expanding(pattern):
    assert pattern_problem(pattern) is not None


@pytest.mark.parametrize("pattern", ["offices/*.yaml", "**/*.yaml", "a..b.yaml", "x/.h/*"])
def test_globs_inside_the_folder_are_accepted(pattern):
    assert pattern_problem(pattern) is None


def test_an_absolute_glob_is_an_error_naming_the_glob_and_reads_nothing(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"{SECRET}: 1\n")
    path = scenario_in(tmp_path / "s", f'["{outside}", "../*.yaml"]')
    found = problems(path)
    assert len(found) == 2
    assert found[0].startswith(f"{path}:13:18: priority_files[0]: glob '{outside}' is "
                               "refused: an absolute path reaches outside the scenario's "
                               "folder; nothing it names was read. Fix: write a glob relative")
    assert "priority_files[1]: glob '../*.yaml' is refused: a '..' component" in found[1]
    assert not any(SECRET in p for p in found)


def test_a_symlink_leading_outside_is_refused_and_not_read(tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("office: Gao\npriorities: []\n")
    path = scenario_in(tmp_path / "s", "[offices/*.yaml]")
    os.symlink(outside, path.parent / "offices" / "gao.yaml")
    (found,) = problems(path)
    assert "matches " in found and "gao.yaml, which leads outside the scenario's folder" in found


def test_a_symlinked_office_folder_leading_outside_is_refused(tmp_path):
    path = scenario_in(tmp_path / "s", "[offices/*.yaml]")
    shutil.move(path.parent / "offices", tmp_path / "real_offices")
    os.symlink(tmp_path / "real_offices", path.parent / "offices")
    assert len(problems(path)) == 2  # mopti.yaml and bankass.yaml, both outside


def test_a_file_that_is_not_a_priorities_file_is_never_echoed(tmp_path):
    path = scenario_in(tmp_path / "s", '["*.txt"]')
    (path.parent / "notes.txt").write_text(f"{SECRET}: 1\nanother: line\n")
    (found,) = problems(path)
    assert SECRET not in found and "another" not in found
    assert found == (f"{path.parent / 'notes.txt'}: not a pocplan priorities file (it has no "
                     "'office' key), so its content is not shown. Fix: narrow priority_files "
                     "to the office files, or add office: to this file")


def test_a_glob_matching_nothing_is_a_warning(tmp_path):
    path = scenario_in(tmp_path / "s", "[offices/*.yaml]")
    shutil.rmtree(path.parent / "offices")  # copied without its offices/ folder
    (warning,) = load_scenario(path).warnings
    assert warning.severity == "warning" and warning.where == "priority_files[0]"
    assert "glob 'offices/*.yaml' matches no file" in warning.message


def test_a_scenario_opened_through_a_symlink_warns_its_offices_are_missing(tmp_path):
    path = scenario_in(tmp_path / "s", "[offices/*.yaml]")
    (tmp_path / "link").mkdir()
    os.symlink(path, tmp_path / "link" / "scenario.yaml")
    loaded = load_scenario(tmp_path / "link" / "scenario.yaml")
    assert [w.where for w in loaded.warnings] == ["priority_files[0]"]


def test_a_folder_named_with_glob_characters_is_taken_literally(tmp_path):
    path = scenario_in(tmp_path / "plans [Q3 draft]*?", "[offices/*.yaml]")
    assert len(match_priority_files(path, ["offices/*.yaml"]).files) == 2
    new = tmp_path / "douentza.yaml"
    new.write_bytes(b"office: Douentza\npriorities:\n  - {id: DTZ-1, kind: secure_area, "
                    b"hotspot: TOWN, weight: 1}\n")
    stored = submit(new, path)  # a new office's first submission
    assert stored.path == path.parent / "offices" / "douentza.yaml"
    assert "DTZ-1" in load_scenario(path).priority_sources


def test_submit_never_creates_or_writes_outside_the_folder(tmp_path):
    path = scenario_in(tmp_path / "s", '["../elsewhere/*.yaml"]')
    new = tmp_path / "gao.yaml"
    new.write_bytes(b"office: Gao\npriorities: []\n")
    with pytest.raises(SubmissionRefused) as caught:
        submit(new, path)
    assert "does not load" in caught.value.message
    assert not (tmp_path / "elsewhere").exists()


def test_submit_refuses_an_office_folder_symlinked_outside(tmp_path):
    path = scenario_in(tmp_path / "s", "[new/*.yaml, offices/*.yaml]")
    (tmp_path / "target").mkdir()
    os.symlink(tmp_path / "target", path.parent / "new")
    new = tmp_path / "gao.yaml"
    new.write_bytes(b"office: Gao\npriorities: []\n")
    with pytest.raises(SubmissionRefused) as caught:
        submit(new, path)
    assert "leads outside the scenario's folder" in caught.value.message
    assert list((tmp_path / "target").iterdir()) == []
