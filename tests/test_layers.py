"""The layout's import order, enforced: models → domain → {inputs, rules, milp} → search →
analysis → outputs → commands → cli.py. Nothing imports upward, no module imports itself
round a circle, and the third-party seams hold: only planner/outputs imports rich, only
planner/commands and cli.py import typer, only planner/milp/backends.py imports a solver
library (docs/layout.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

LAYERS = {
    "models": 0,
    "planner.domain": 1,
    "planner.inputs": 2,
    "planner.rules": 2,
    "planner.milp": 2,
    "planner.search": 3,
    "planner.analysis": 4,
    "planner.outputs": 5,
    "planner.commands": 6,
    "cli": 7,
}
"""Layer of each package: a module may import its own package, any lower layer, and its own
layer's packages only where SIDEWAYS allows."""

SIDEWAYS: dict[tuple[str, str], bool] = {}
"""Imports allowed between packages of one layer (inputs, rules and milp stay apart: the
evaluator and the formulation meet only in the tests that prove them equal)."""

SEAMS = {
    "rich": ("planner.outputs",),
    "matplotlib": ("planner.outputs.charts", "planner.outputs.html"),
    "shapefile": ("planner.outputs.basemap",),
    "typer": ("planner.commands", "cli"),
    "highspy": ("planner.milp.backends",),
    "pulp": ("planner.milp.backends",),
    "ortools": ("planner.milp.backends",),
    "dask": ("planner.search.executor",),
    "distributed": ("planner.search.executor",),
}


def package_of(module: str) -> str:
    for name in sorted(LAYERS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    raise KeyError(module)


def imports_of(source: str) -> list[str]:
    """Every module a source file imports, at any depth (function-level imports count)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            out += [f"{node.module}.{a.name}" for a in node.names]
    return out


def violations(module: str, source: str) -> list[str]:
    """What is wrong with the imports of `module` (dotted name) given its source."""
    found = []
    home = package_of(module)
    for target in imports_of(source):
        top = target.split(".")[0]
        if top in SEAMS and not any(module == s or module.startswith(s + ".")
                                    for s in SEAMS[top]):
            found.append(f"{module} imports {top}: only {', '.join(SEAMS[top])} may")
        if top not in ("models", "planner", "cli") or target in ("planner",):
            continue
        try:
            other = package_of(target)
        except KeyError:
            continue  # `from planner.outputs import documents` names a module below
        if other == home:
            continue
        if LAYERS[other] > LAYERS[home]:
            found.append(f"{module} imports {target}, a higher layer ({other})")
        elif LAYERS[other] == LAYERS[home] and not SIDEWAYS.get((home, other), False):
            found.append(f"{module} imports {target} sideways ({other})")
    return found


def project_modules() -> dict[str, Path]:
    files = [REPO / "cli.py", *sorted((REPO / "models").rglob("*.py")),
             *sorted((REPO / "planner").rglob("*.py"))]
    out = {}
    for path in files:
        rel = path.relative_to(REPO).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        if name != "planner":
            out[name] = path
    return out


def test_every_module_imports_only_downward():
    problems = [v for name, path in project_modules().items()
                for v in violations(name, path.read_text(encoding="utf-8"))]
    assert problems == []


def test_no_import_circles_between_modules():
    modules = project_modules()
    graph = {name: {t for t in imports_of(path.read_text(encoding="utf-8")) if t in modules}
             for name, path in modules.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return trail + [node, nxt]
            if nxt not in state and (cycle := visit(nxt, trail + [node])):
                return cycle
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            assert visit(name, []) is None


@pytest.mark.parametrize("module, source, expected", [
    ("planner.rules.evaluator", "from planner.search.solve import solve\n",
     "higher layer (planner.search)"),
    ("planner.domain.instance", "def f():\n    from planner.outputs import report\n",
     "higher layer (planner.outputs)"),
    ("planner.search.ranking", "import rich\n", "only planner.outputs may"),
    ("planner.rules.accounts", "import pulp\n", "only planner.milp.backends may"),
    ("planner.inputs.checks", "from planner.rules.evaluator import evaluate\n", "sideways"),
    ("planner.analysis.whatif", "import cli\n", "higher layer (cli)"),
])
def test_the_checker_catches_an_upward_import(module, source, expected):
    found = violations(module, source)
    assert found and expected in found[0]


def test_the_checker_accepts_downward_imports():
    assert violations("planner.outputs.report",
                      "from planner.rules.evaluator import evaluate\nimport rich\n") == []
