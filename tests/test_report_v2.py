"""Reports with contract v2 on (docs/contract/examples/tiny_v2.yaml): the trade-off table's
v2 columns, reserves and readiness per week in the detail, v2 knobs under --assumptions,
the v2 warnings; and a v1 scenario's report without any of them."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

import cli
from tests.conftest import CONTRACTS, REPO

TINY_V2 = CONTRACTS / "examples" / "tiny_v2.yaml"
ENV = {"COLUMNS": "160", "NO_COLOR": "1", "POCPLAN_DEBUG": None, "FORCE_COLOR": None}


def run(*args):
    done = CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV)
    assert done.exit_code == 0, done.output
    return done.output


def test_tradeoff_table_shows_the_v2_columns_with_their_values():
    out = run("plan", TINY_V2, "-k", "1", "--price-limit", "0")
    header = next(line for line in out.splitlines() if "Attract." in line)
    assert "Resup." in header and "Reserve" in header
    row = next(line for line in out.splitlines() if line.strip().startswith("1 "))
    assert row.split()[:2] == ["1", "89.5"] and "49.5" in row.split()


def test_detail_shows_reserves_and_readiness_per_week():
    out = run("plan", TINY_V2, "-k", "1", "--price-limit", "0")
    assert "Reserves ready at base in COA 1" in out
    ready = next(line for line in out.splitlines() if "qrf_company at CAMP" in line)
    assert ready.replace("│", " ").split()[-3:] == ["1", "1", "1"]
    readiness = next(line for line in out.splitlines() if "readiness (points)" in line)
    assert readiness.replace("│", " ").split()[-3:] == ["16.5", "16.5", "16.5"]


def test_assumptions_list_every_v2_knob_and_the_escort_tiers():
    out = run("plan", TINY_V2, "-k", "1", "--price-limit", "0", "--assumptions")
    for knob in ("attraction_factor", "resupply_weeks", "small_post", "reserve_factor",
                 "state_handover", "escort_tiers", "threat 12, min_units 2"):
        assert knob in out, knob
    assert "P×I ≤ 16: 1 ground, 0 air; P×I ≤ 25: 2 ground, 0 air" in out
    assert "Assumptions: reserves (R16)" in out
    doc = json.loads(run("plan", TINY_V2, "-k", "1", "--price-limit", "0", "--format",
                         "json", "--assumptions"))
    kinds = doc["assumptions"]["unit_kinds"]
    assert kinds["qrf_company"]["reserve"] is True and kinds["fpu"]["max_threat"] is None
    assert doc["assumptions"]["policy"]["escort_tiers"] == [[16, 1, 0], [25, 2, 0]]


def test_markdown_briefing_has_v2_columns_and_reserves(tmp_path):
    out = run("plan", TINY_V2, "-k", "1", "--price-limit", "0", "--format", "markdown")
    assert "| Attraction | Resupply | Reserve value |" in out
    assert "### Reserves ready at base (R16)" in out
    assert "| readiness (points) | 16.5 | 16.5 | 16.5 |" in out


def test_v2_warnings_in_the_report(tmp_path):
    text = TINY_V2.read_text(encoding="utf-8").replace(
        "      - {category: intercommunal, probability: 4, impact: 4}\n",
        "      - {category: intercommunal, probability: 4, impact: 4}\n"
        "    state_presence_weeks: [[2, 3]]\n", 1)
    path = tmp_path / "v2.yaml"
    path.write_text(text + "commitments:\n  - {unit: INF-1, hotspot: TOWN, weeks: [1, 1], "
                    "mode: require}\n  - {unit: INF-1, hotspot: TOWN, weeks: [2, 3], mode: "
                    "forbid}\n", encoding="utf-8")
    out = run("plan", path, "-k", "1", "--price-limit", "0")
    assert "hands over to host-state forces: HRDDP applies" in out


def test_v1_report_has_no_v2_columns_or_reserves():
    out = run("plan", REPO / "scenarios" / "tutorial.yaml", "-k", "1", "--price-limit", "0",
              "--assumptions")
    assert "Attract." not in out and "Reserves ready" not in out
    assert "reserves (R16)" not in out


def test_flagship_turns_v2_on_and_reports_reserves_and_the_new_exposures():
    flagship = REPO / "scenarios" / "central_mali_2018.yaml"
    out = run("plan", flagship, "--solver", "heuristic", "-k", "1", "--price-limit", "0")
    assert "Attract." in out and "Resup." in out and "Reserve" in out
    assert "Reserves ready at base in COA 1" in out and "qrf_company at SEV" in out
    checked = run("validate", flagship)
    # The warnings wrap with the terminal and the file's path: read them as one text.
    closed = re.findall(r"(\w+) is closed to ground movement in every week",
                        " ".join(checked.split()))
    assert closed == ["NOUH_BOZO", "YOUWAROU"]
