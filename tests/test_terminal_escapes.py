"""Terminal escape injection (issue 18, item 7): nothing printed from an input file can
drive the terminal. Text fields refuse control characters at load; every message that
quotes an input (an unknown key, a bad value) writes them out."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from planner.inputs.loader import ScenarioError, load_scenario
from planner.outputs.terminal import printable

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = (REPO / "scenarios" / "tutorial.yaml").read_text(encoding="utf-8")
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "POCPLAN_DEBUG": None}
TITLE = r'"\e]0;pwned\a\e[2J"'


def scenario(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TUTORIAL
    path = tmp_path / "scenario.yaml"
    path.write_text(TUTORIAL.replace(old, new, 1), encoding="utf-8")
    return path


def test_printable_writes_out_control_characters():
    assert printable("a\x1b]0;x\x07b\u202ec\n\td") == "a\\x1b]0;x\\x07b\\u202ec\n\td"


def test_a_scenario_name_with_escapes_is_refused_and_not_echoed(tmp_path):
    name_line = next(line for line in TUTORIAL.splitlines() if line.startswith("name:"))
    path = scenario(tmp_path, name_line, f"name: {TITLE}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert "control character U+001B" in str(problem)
    result = CliRunner().invoke(cli.app, ["validate", str(path)], env=ENV)
    assert result.exit_code == 3 and "\x1b" not in result.output and "\x07" not in result.output


def test_an_unknown_key_with_escapes_is_quoted_harmlessly(tmp_path):
    name_line = next(line for line in TUTORIAL.splitlines() if line.startswith("name:"))
    path = scenario(tmp_path, name_line, f'{name_line}\n"\\e[2Jkey": 1')
    result = CliRunner().invoke(cli.app, ["validate", str(path)], env=ENV)
    assert result.exit_code == 3 and "\x1b" not in result.output
    assert "\\x1b[2Jkey" in result.output


@pytest.mark.parametrize("field", ["description", "office"])
def test_office_text_with_escapes_is_refused(tmp_path, field):
    from planner.inputs.loader import load_priority_submission

    text = {"description": 'office: Mopti\npriorities:\n  - {id: P1, kind: secure_area, '
                           f'hotspot: KORO, weight: 1, description: {TITLE}}}\n',
            "office": f"office: {TITLE}\npriorities: []\n"}[field]
    path = tmp_path / "office.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_priority_submission(path)
    assert any("control character U+001B" in str(p) for p in caught.value.problems)
