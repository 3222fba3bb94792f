"""A seeded, structure-aware mutation fuzzer over the bundled scenarios (issue 18).

Each case takes a bundled scenario, applies one to three mutations (a key deleted or
added, a value replaced by a hostile one, a list item duplicated or emptied, the text cut
or a byte inserted) and runs `pocplan validate` through the real entry point: 60 cases in
the fast suite, 300 more under the slow mark. Whatever the mutant, only documented exit
codes come back (0 valid, 3 invalid), never a traceback or an "internal error", and
validation ends within VALIDATE_SECONDS. Under the slow mark, `plan --time-limit 2` on
valid mutants ends within its limit plus pricing's share plus PLAN_SLACK_SECONDS, with
exit code 0, 4 or 5.

Case `n` is always the same mutant: a failure names the seed to reproduce it with
`mutant(n)`.
"""

from __future__ import annotations

import copy
import random
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import cli

REPO = Path(__file__).resolve().parents[1]
BASES = {name: (REPO / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
         for name in ("tutorial", "northern_sector", "central_mali_2018")}
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "POCPLAN_DEBUG": None}
VALIDATE_SECONDS = 5.0
"""The issue's bound on `validate` for any input (it takes well under one)."""
PLAN_SLACK_SECONDS = 15.0
"""Allowed beyond `--time-limit` and pricing's share: loading, the staff heuristic, the
model build and the report, on a busy shared machine (README, Development)."""
FAST_CASES = 60
SLOW_CASES = 300

HOSTILE: list[Any] = [
    1e308, -1e308, -1, 0, 0.5, 1e-300, 99999999999999999999, True, False, "yes", None, "",
    "x" * 2000, [], {}, [1, 2], {"a": 1}, "nan", ".inf", "2018-13-45", "9999-12-27",
    "/etc/passwd", "../../../../*", "/**/*.yaml", "\x1b]0;pwned\x07\x1b[2J", "Se\u0301gou",
    "KORO", "SEV", "a\nb", 52, 53, 168, 169, [1, 99], [5, 2], "offices/*.yaml",
]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of the data, containers included."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, prefix + (i,))
    return found


def _parent(data: Any, path: tuple) -> tuple[Any, Any]:
    node = data
    for seg in path[:-1]:
        node = node[seg]
    return node, path[-1]


def _mutate_data(data: dict, rng: random.Random) -> None:
    paths = [p for p in _paths(data) if p]
    path = rng.choice(paths)
    parent, last = _parent(data, path)
    op = rng.randrange(6)
    if op == 0:  # delete
        del parent[last]
    elif op == 1:  # hostile value
        parent[last] = copy.deepcopy(rng.choice(HOSTILE))
    elif op == 2 and isinstance(parent[last], list) and parent[last]:  # duplicate an item
        parent[last].append(copy.deepcopy(rng.choice(parent[last])))
    elif op == 3 and isinstance(parent[last], list):  # empty a list
        parent[last] = []
    elif op == 4 and isinstance(parent, dict):  # an unknown key
        parent[rng.choice(["populaton", "extra", "\x1b[2J", "weeks", "id"])] = 1
    else:  # another value of the same file in its place
        other = rng.choice(paths)
        source, key = _parent(data, other)
        parent[last] = copy.deepcopy(source[key])


def mutant(n: int) -> str:
    """Case `n`'s scenario text: the same for the same `n`, always."""
    rng = random.Random(n)
    text = BASES[sorted(BASES)[n % len(BASES)]]
    if rng.random() < 0.15:  # text-level: cut it, or insert a byte
        at = rng.randrange(len(text))
        inserted = rng.choice(["\t", ":", "\x00", "&a ", "*a", "!!python/object:os.system",
                               "{", "\ufeff"])
        return text[:at] if rng.random() < 0.5 else text[:at] + inserted + text[at:]
    data = yaml.safe_load(text)
    for _ in range(rng.randint(1, 3)):
        _mutate_data(data, rng)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def run(*args: str):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV)


def check_validate(n: int, tmp_path: Path) -> bool:
    """Validate case n; True when the mutant is valid."""
    path = tmp_path / f"case{n}" / "scenario.yaml"
    path.parent.mkdir()
    path.write_text(mutant(n), encoding="utf-8")
    started = time.perf_counter()
    result = run("validate", path)
    seconds = time.perf_counter() - started
    context = f"case {n} (reproduce with tests.test_fuzz.mutant({n})):\n{result.output[-2000:]}"
    assert result.exit_code in (0, 3), context
    assert result.exception is None or isinstance(result.exception, SystemExit), context
    assert "Traceback" not in result.output and "internal error" not in result.output, context
    assert seconds < VALIDATE_SECONDS, context
    return result.exit_code == 0


def test_mutants_validate_with_documented_codes_only(tmp_path):
    valid = sum(check_validate(n, tmp_path) for n in range(FAST_CASES))
    assert 0 < valid < FAST_CASES  # the mutations reach both sides


@pytest.mark.slow
def test_more_mutants_validate_and_the_valid_ones_plan_within_their_limit(tmp_path):
    valid = [n for n in range(FAST_CASES, FAST_CASES + SLOW_CASES)
             if check_validate(n, tmp_path)]
    assert valid
    for n in valid[:3]:
        path = tmp_path / f"case{n}" / "scenario.yaml"
        started = time.perf_counter()
        result = run("plan", path, "--time-limit", "2", "--plans", "2", "--format", "json")
        seconds = time.perf_counter() - started
        context = f"case {n}: {result.output[-2000:]}"
        assert result.exit_code in (0, 4, 5), context
        assert "internal error" not in result.output, context
        assert seconds < 2 + max(1.0, 0.25 * 2) + PLAN_SLACK_SECONDS, context
