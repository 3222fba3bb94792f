"""The tables and JSON of `pocplan robustness` (planner.analysis.robustness): per COA the
distribution of its score and harm averted over the samples and how often it is best, the
hotspots whose uncertainty moves the ranking most, and COA 1's regret when samples were
re-optimised. No clock time appears in either form: the same seed gives the same bytes."""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from planner.analysis.robustness import Distribution, RobustnessReport
from planner.outputs.documents import ScenarioInfo

TOP_HOTSPOTS = 10
"""Hotspots listed in the terminal table (the JSON lists all)."""


def _dist(d: Distribution) -> dict[str, float]:
    return {"p5": d.p5, "median": d.median, "p95": d.p95}


def robustness_document(info: ScenarioInfo, report: RobustnessReport) -> dict[str, Any]:
    """The JSON form: samples, seed, spread, each COA's distributions and best share, every
    hotspot's influence, COA 1's regret over re-optimised samples (or null)."""
    regret = report.regret
    return {
        "scenario": {"name": info.name, "sha256": info.sha256, "weeks": info.weeks},
        "samples": report.samples, "seed": report.seed,
        "spread": {"down": report.spread.down, "up": report.spread.up},
        "reproducible": report.coas_reproducible,
        "coas": [{"rank": c.rank, "base_score": c.base_score, "score": _dist(c.score),
                  "harm_averted": _dist(c.harm_averted), "best_share": c.best_share}
                 for c in report.coas],
        "hotspots": [{"hotspot": h.hotspot, "flip_share": h.flip_share, "swing": h.swing}
                     for h in report.hotspots],
        "regret": None if regret is None else {
            "samples": regret.samples, "regret": _dist(regret.regret), "worst": regret.worst,
            "worst_bound": regret.worst_bound, "reproducible": regret.reproducible},
    }


def robustness_json(info: ScenarioInfo, report: RobustnessReport) -> str:
    return json.dumps(robustness_document(info, report), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def render_robustness(console: Console, info: ScenarioInfo, report: RobustnessReport) -> None:
    s = report.spread
    console.rule(f"[bold]pocplan — robustness of the COAs: {info.name}[/bold]")
    console.print(f"{report.samples} samples, seed {report.seed}: each threat's probability "
                  f"and impact one level lower with probability {s.down:g}, one higher with "
                  f"{s.up:g} (within 1–5). Hard rules stay judged under the scenario's threats.")
    table = Table(title="Score and harm averted over the samples (P5 / median / P95)",
                  title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("COA", "Score as given", "Score P5", "median", "P95", "Harm P5", "median",
                 "P95", "Best in"):
        table.add_column(name, justify="left" if name == "COA" else "right", no_wrap=True)
    for c in report.coas:
        table.add_row(str(c.rank), f"{c.base_score:,.1f}", f"{c.score.p5:,.1f}",
                      f"{c.score.median:,.1f}", f"{c.score.p95:,.1f}",
                      f"{c.harm_averted.p5:,.1f}", f"{c.harm_averted.median:,.1f}",
                      f"{c.harm_averted.p95:,.1f}", f"{c.best_share:.0%}")
    console.print(table)
    hot = Table(title="Hotspots whose uncertainty moves the ranking most",
                title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("Hotspot", "Changes the best COA alone in", "Mean swing of the gaps"):
        hot.add_column(name, justify="left" if name == "Hotspot" else "right", no_wrap=True)
    for h in report.hotspots[:TOP_HOTSPOTS]:
        hot.add_row(h.hotspot, f"{h.flip_share:.0%} of samples", f"{h.swing:,.1f}")
    console.print(hot)
    if report.regret is not None:
        r = report.regret
        bound = "" if r.worst_bound is None else f" (at most {r.worst_bound:,.1f} by the bounds)"
        console.print(f"COA 1's regret over {r.samples} re-optimised sample(s): P5 "
                      f"{r.regret.p5:,.1f}, median {r.regret.median:,.1f}, P95 "
                      f"{r.regret.p95:,.1f}, worst {r.worst:,.1f}{bound}."
                      + ("" if r.reproducible else " Some re-solves stopped at the wall "
                         "clock: another run may differ."))
