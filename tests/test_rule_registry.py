"""Meta-tests: every registered hard rule and metric is documented and tested.

Convention: a test covering rule or metric `name` is called `test_<name>` or
`test_<name>_<what>`. A hard rule needs a test with `_violated` in its name and one with
`_satisfied`; a metric needs at least two tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from planner.rules.evaluator import HARD_RULES, METRICS

TESTS = Path(__file__).resolve().parent


def _test_names() -> list[str]:
    names = []
    for path in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names += [node.name for node in ast.walk(tree)
                  if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
    return names


def _covering(name: str) -> list[str]:
    return [t for t in _test_names() if t == f"test_{name}" or t.startswith(f"test_{name}_")]


def test_registries_list_each_function_once():
    for registry in (HARD_RULES, METRICS):
        names = [fn.__name__ for fn in registry]
        assert len(names) == len(set(names)), names


@pytest.mark.parametrize("rule", HARD_RULES, ids=lambda fn: fn.__name__)
def test_hard_rule_has_docstring_and_paired_tests(rule):
    assert (rule.__doc__ or "").startswith("Hard rule"), rule.__name__
    tests = _covering(rule.__name__)
    violated = [t for t in tests if "_violated" in t]
    satisfied = [t for t in tests if "_satisfied" in t]
    assert violated and satisfied, (
        f"hard rule {rule.__name__} needs a test_{rule.__name__}_violated_… and a "
        f"test_{rule.__name__}_satisfied_… test; found {tests}")


@pytest.mark.parametrize("metric", METRICS, ids=lambda fn: fn.__name__)
def test_metric_has_docstring_and_tests(metric):
    assert (metric.__doc__ or "").startswith(("Metric:", "Soft rule:")), metric.__name__
    tests = _covering(metric.__name__)
    assert len(tests) >= 2, (
        f"metric {metric.__name__} needs at least two test_{metric.__name__}_… tests; "
        f"found {tests}")
