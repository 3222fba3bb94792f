"""pocplan against its peer, the plain textbook MILP (bench/peer.py), side by side (issue 12).

    python bench/compare.py [--cases flagship,XS,S,M,L] [--limits 10,60] [--json PATH]

For each case and each time limit, one fresh Python process per system, one after the
other in one invocation, so that ratios hold on a noisy machine: pocplan's one plan
exactly as `pocplan plan -k 1` computes it (`planner.search.solve.solve`: staff
heuristic, warm start, HiGHS beside the neighbourhood search) and the peer (PuLP +
HiGHS, one thread, no warm start). Each side's plan is scored by the planner's evaluator;
its bound is its own HiGHS dual bound; gap = (bound − score) / max(1, |bound|). XS is the
Ménaka-size case (8 hotspots, 9 units, 13 weeks); S, M, L the generated sizes of
bench/generate.py (seed 1). Prints a Markdown table; --json keeps every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

FLAGSHIP = REPO / "tests" / "fixtures" / "central_mali_2018_v1" / "central_mali_2018.yaml"
"""The flagship as it was under contract v1: the textbook peer models v1 only, so the
bundled flagship, which turns the v2 rules on, would not be a like-for-like comparison."""


def child(job: dict[str, Any]) -> dict[str, Any]:
    from planner.domain.instance import Instance
    from planner.inputs.loader import load_scenario

    instance = Instance.build(load_scenario(Path(job["path"])).scenario)
    if job["system"] == "peer":
        from bench.peer import run_peer

        return run_peer(instance, job["limit"], seed=0)
    from planner.search.solve import SolveOptions, solve

    started = time.perf_counter()
    result = solve(instance, SolveOptions(time_limit=job["limit"], seed=0))
    return {"status": str(result.status), "seconds": round(time.perf_counter() - started, 3),
            "score": result.score, "bound": result.bound, "gap": result.gap,
            "valid": result.evaluation.valid if result.evaluation else None}


def scenario_path(case: str, tmp: Path) -> Path:
    if case == "flagship":
        return FLAGSHIP
    from bench.generate import generate_yaml

    path = tmp / f"{case}.yaml"
    path.write_text(generate_yaml(case, 1), encoding="utf-8")
    return path


def measure(case: str, path: Path, system: str, limit: float) -> dict[str, Any]:
    job = json.dumps({"path": str(path), "system": system, "limit": limit})
    proc = subprocess.run([sys.executable, __file__, "--child", job], capture_output=True,
                          text=True, cwd=REPO, timeout=limit * 3 + 120)
    last = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not last:
        return {"error": (proc.stderr or proc.stdout)[-400:]}
    return json.loads(last[-1])


def _num(x: Any, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| case | limit s | pocplan score | bound | gap % | s | peer score | bound | "
             "gap % | s | score ratio |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ours, peer = r["pocplan"], r["peer"]
        ratio = (ours["score"] / peer["score"]
                 if ours.get("score") and peer.get("score") else None)
        lines.append(
            f"| {r['case']} | {r['limit']:g} | {_num(ours.get('score'))} | "
            f"{_num(ours.get('bound'))} | {_num(100 * ours['gap'] if ours.get('gap') is not None else None, 2)} | "  # noqa: E501
            f"{_num(ours.get('seconds'))} | {_num(peer.get('score'))} | {_num(peer.get('bound'))} | "  # noqa: E501
            f"{_num(100 * peer['gap'] if peer.get('gap') is not None else None, 2)} | "
            f"{_num(peer.get('seconds'))} | {_num(ratio, 4)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="flagship,XS,S,M,L")
    parser.add_argument("--limits", default="10,60")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    rows: list[dict[str, Any]] = []
    meta = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "load_before": os.getloadavg(), "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            path = scenario_path(case, Path(tmp))
            for limit in (float(x) for x in args.limits.split(",")):
                row = {"case": case, "limit": limit}
                for system in ("pocplan", "peer"):
                    print(f"{case} {limit:g} s {system} …", file=sys.stderr, flush=True)
                    row[system] = measure(case, path, system, limit)
                rows.append(row)
                if args.json:
                    meta["load_after"] = os.getloadavg()
                    args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
