"""The HTML briefing (`--format html`) and the slide figures (`--format png`).

One self-contained page: the figures are inline SVG (matplotlib, `planner.outputs.charts`),
the style sheet and a ten-line check script are inline, and a Content-Security-Policy
forbids the page any other resource, so it opens in any browser with no network and can
never reach one. Every string from the scenario is HTML-escaped here; figure text is
escaped by matplotlib's SVG writer.

The header, trade-off rows, priority accounts, warnings and assumptions are the Markdown
briefing's data (`planner.outputs.report`, `planner.outputs.documents`), laid out as HTML;
the numbers come from the evaluator. The same outcome gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from models.base import ThreatCategory
from planner.domain.files import write_atomic
from planner.domain.intervals import in_words
from planner.outputs import charts
from planner.outputs.basemap import BOUNDARY_SOURCE
from planner.outputs.documents import Outcome, PlanEntry, assumptions
from planner.outputs.replan_report import headline as replan_headline
from planner.outputs.report import (
    accounts_by_office,
    assessment_columns,
    horizon_text,
    mission_rows,
    objective_text,
    price_cell,
    sentence,
    solver_text,
    tradeoff_cells,
    tradeoff_columns,
    tradeoff_notes,
    tradeoff_rows,
    unit_codes,
    unit_schedule,
    warning_lines,
)
from planner.rules.accounts import MET, PARTIAL

CHECK_ATTRIBUTE = "data-pocplan-check"
"""Set on <html> by the page's script once loaded: `ok`, or `error: …` naming each script
error, failed resource, blocked request or empty figure (what the browser test reads)."""

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; font-src data:")
"""The page may load nothing: every resource is inline."""

PNG_FILES = ("map.png", "gantt.png", "risk.png", "tradeoffs.png")
"""What `--format png` writes into its directory, in this order."""

STYLE = """
@page { size: A4 landscape; margin: 10mm; }
html { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 10pt;
       color: #1a1a1a; background: #fff; }
body { margin: 0 auto; max-width: 1200px; padding: 12px 18px; }
h1 { font-size: 17pt; margin: 0 0 6px; }
h2 { font-size: 13pt; border-bottom: 2px solid #4575b4; padding-bottom: 2px; margin-top: 22px; }
h3 { font-size: 11pt; margin: 14px 0 6px; }
dl.header { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 0; }
dl.header dt { font-weight: bold; }
dl.header dd { margin: 0; }
.caveat { border-left: 4px solid #fc8d59; background: #fff7ec; padding: 6px 10px; }
figure { margin: 10px 0; page-break-inside: avoid; break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 8.5pt; color: #444; margin-top: 2px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 8.5pt; }
th, td { border: 1px solid #c8c8c8; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.reference td { font-style: italic; color: #555; }
.met { color: #1b7837; font-weight: bold; } .partial { color: #b35806; font-weight: bold; }
.unmet { color: #b2182b; font-weight: bold; }
code { font-size: 8.5pt; }
@media print { body { max-width: none; padding: 0; } section { break-before: page; }
               section#map { break-before: auto; } }
"""

CHECK_SCRIPT = """
(function () {
  var problems = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    problems.push(t && t !== window ? "resource " + (t.src || t.href || t.tagName)
                                     : "script " + e.message);
  }, true);
  document.addEventListener("securitypolicyviolation", function (e) {
    problems.push("blocked " + e.blockedURI);
  });
  window.addEventListener("load", function () {
    document.querySelectorAll("figure svg").forEach(function (svg, i) {
      var box = svg.getBoundingClientRect();
      if (!(box.width > 0 && box.height > 0)) { problems.push("empty figure " + (i + 1)); }
    });
    Array.prototype.forEach.call(document.images, function (img) {
      if (!img.complete || img.naturalWidth === 0) { problems.push("broken image"); }
    });
    document.documentElement.setAttribute("CHECK_ATTRIBUTE",
      problems.length ? "error: " + problems.join("; ") : "ok");
  });
})();
""".replace("CHECK_ATTRIBUTE", CHECK_ATTRIBUTE)


def esc(value: Any) -> str:
    """Any value as HTML text, quotes included (safe in elements and attributes)."""
    return html.escape(str(value), quote=True)


# ====================================================================== figures
@dataclass(frozen=True)
class Figures:
    """The briefing's figures for one plan (matplotlib Figures, not yet rendered)."""

    map: Figure
    gantt: Figure
    risk: Figure
    tradeoffs: Figure

    def named(self) -> list[tuple[str, Figure]]:
        return [("map", self.map), ("gantt", self.gantt), ("risk", self.risk),
                ("tradeoffs", self.tradeoffs)]


def briefing_figures(outcome: Outcome, entry: PlanEntry,
                     columns: Sequence[charts.Column] | None = None,
                     intervals: Mapping[str, tuple[float, float]] | None = None) -> Figures:
    """The four figures: map by phase, Gantt, residual-risk heat map, trade-offs (every
    COA and the staff heuristic unless `columns` says otherwise; `intervals` is the hook
    for docs/ranking-and-comparisons.md's proven intervals on the scores)."""
    return Figures(map=charts.map_figure(outcome, entry),
                   gantt=charts.gantt_figure(outcome, entry),
                   risk=charts.risk_heatmap_figure(outcome, entry),
                   tradeoffs=charts.tradeoff_figure(
                       list(columns) if columns is not None else
                       charts.tradeoff_columns(outcome), intervals))


def write_png_figures(outcome: Outcome, directory: Path, *, show: int = 1,
                      columns: Sequence[charts.Column] | None = None) -> list[Path]:
    """map.png, gantt.png, risk.png and tradeoffs.png in `directory` (created if missing;
    each file written atomically); returns their paths."""
    entry = outcome.plan(show) or outcome.plans[-1]
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for (_, figure), filename in zip(briefing_figures(outcome, entry, columns).named(),
                                     PNG_FILES, strict=True):
        path = directory / filename
        write_atomic(path, charts.png_bytes(figure))
        written.append(path)
    return written


# ====================================================================== building blocks
def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], *,
           numeric: Iterable[int] = (), row_class: Sequence[str | None] | None = None,
           raw: Iterable[int] = ()) -> str:
    """A table; cells escaped, except the columns in `raw` (already HTML)."""
    numeric, raw = set(numeric), set(raw)
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header)
           + "</tr></thead>", "<tbody>"]
    for i, row in enumerate(rows):
        cls = row_class[i] if row_class and i < len(row_class) else None
        cells = []
        for j, cell in enumerate(row):
            attr = ' class="num"' if j in numeric else ""
            cells.append(f"<td{attr}>{cell if j in raw else esc(cell)}</td>")
        attr = f' class="{esc(cls)}"' if cls else ""
        out.append(f"<tr{attr}>{''.join(cells)}</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _figure(name: str, figure: Figure, caption: str) -> str:
    return (f'<figure id="fig-{name}">\n{charts.svg_text(figure, name)}'
            f"<figcaption>{esc(caption)}</figcaption>\n</figure>")


def _status(status: str, satisfaction: float) -> str:
    text = f"partial ({100 * satisfaction:.0f} %)" if status == PARTIAL else status
    return f'<span class="{esc(status)}">{esc(text)}</span>'


# ====================================================================== sections
def header_html(outcome: Outcome, title: str) -> str:
    s = outcome.scenario
    items = [("Scenario", s.name), ("Horizon", horizon_text(s)),
             ("Scenario file sha256", s.sha256), ("Solver", solver_text(outcome))]
    if outcome.robust is not None:
        items.append(("Objective", objective_text(outcome)))
    if outcome.message:
        items.append(("Note", outcome.message))
    if outcome.replan is not None:
        items += [("Re-plan", line.strip()) for line in replan_headline(outcome.replan)]
    rows = "\n".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return (f"<header>\n<h1>{esc(title)}</h1>\n<dl class=\"header\">\n{rows}\n</dl>\n"
            '<p class="caveat">Decision support, not a decision: every number below follows '
            "from the stated assumptions (see <a href=\"#assumptions\">Assumptions</a>), which "
            "are planning estimates, not facts.</p>\n</header>")


def map_section(outcome: Outcome, entry: PlanEntry, figures: Figures) -> str:
    codes = unit_codes(outcome.instance)
    caption = (f"COA {entry.rank} by phase. Squares: bases, with the range of each ground "
               "kind based there (dashed circles). Discs: hotspots, area by population, colour "
               "by the residual risk over the phase. Labels: hotspot id, then the units present "
               "(codes below), (escorts) and ✈ sorties. Blue ring: ground closed in some week "
               "of the phase; red ×: a base's air access closed; red ▲: partner "
               "counterterrorism operations; green ◆: host-state forces. Borders: "
               f"{BOUNDARY_SOURCE}; longitude/latitude in degrees.")
    unit_rows = [[code, unit, str(outcome.instance.units[unit].spec.kind),
                  outcome.instance.units[unit].base] for unit, code in codes.items()]
    return ("<section id=\"map\">\n<h2>Map</h2>\n"
            + _figure("map", figures.map, caption) + "\n<h3>Unit codes</h3>\n"
            + _table(("Code", "Unit", "Kind", "Base"), unit_rows) + "\n</section>")


def timeline_section(outcome: Outcome, entry: PlanEntry, figures: Figures) -> str:
    instance = outcome.instance
    parts = ["<section id=\"timeline\">", "<h2>Timeline</h2>",
             _figure("gantt", figures.gantt,
                     "Each unit's task by week: the hotspot it holds, escorts (hatched) with "
                     "their mission, helicopter sorties by hotspot, weeks unavailable."),
             _figure("risk", figures.risk,
                     "Residual risk by hotspot and week = risk − harm averted there under "
                     f"COA {entry.rank} (the evaluator's own per-cell sums). Marked from the "
                     "plan's warnings: R where a short stay ends, V a security vacuum."),
             "<h3>Unit schedules</h3>",
             _table(("Unit", "Kind", "Base", "Schedule"),
                    [[u.id, str(u.kind), u.base, unit_schedule(instance, entry, u.id)]
                     for u in instance.scenario.units])]
    missions = mission_rows(outcome, entry)
    if missions:
        parts += ["<h3>Civilian missions</h3>",
                  _table(("Mission", "Office", "Hotspot", "Runs", "Ground escort",
                          "Escort sorties", "Need"),
                         [[r["id"], r["office"], r["hotspot"], r["weeks"], r["ground"],
                           r["air"], r["need"]] for r in missions])]
    parts.append("</section>")
    return "\n".join(parts)


INTERVALS_NOTE = ("Differences between COAs are shown as point values; the intervals the "
                  "solves' bounds prove (docs/ranking-and-comparisons.md) are not drawn yet.")


def tradeoffs_section(outcome: Outcome, entry: PlanEntry, figures: Figures,
                      intervals: Mapping[str, tuple[float, float]] | None = None) -> str:
    rows = tradeoff_rows(outcome)
    extra_names, extra = assessment_columns(outcome)
    v2 = outcome.instance.v2_active
    header = [*tradeoff_columns(outcome.instance), *extra_names]
    table = _table(header, [[label, *tradeoff_cells(row, v2), *(extra[j] if extra else [])]
                            for j, (label, row) in enumerate(rows)],
                   numeric=range(1, len(header)),
                   row_class=["reference" if label == "staff" else None for label, _ in rows])
    notes = "\n".join(f"<li>{esc(line.strip())}</li>" for line in tradeoff_notes(outcome))
    caption = ("The score's terms per COA (signed score points, evaluation contract v1): "
               "harm averted and priorities met above zero, exposures and penalties below; "
               "◆ the net score. "
               + ("Error bars: proven score intervals." if intervals else INTERVALS_NOTE))
    parts = ["<section id=\"tradeoffs\">", "<h2>Trade-offs</h2>",
             _figure("tradeoffs", figures.tradeoffs, caption), table,
             f"<ul>\n{notes}\n</ul>" if notes else "",
             f"<h3>COA {entry.rank}: priorities by office</h3>",
             f"<p>{esc(sentence(entry.summary))}</p>"]
    accounts = outcome.account(entry.rank)
    for office, items in accounts_by_office(accounts).items():
        met = sum(1 for a in items if a.status == MET)
        parts.append(f"<h3>{esc(office)}: {met} of {len(items)} met</h3>")
        parts.append(_table(
            ("Priority", "Kind", "Hotspot", "Status", "Reason", "Price"),
            [[a.id, str(outcome.instance.priority_by_id[a.id].kind),
              outcome.instance.hotspot_names[outcome.instance.priority_by_id[a.id].hotspot],
              _status(a.status, a.satisfaction), a.reason or "",
              price_cell(a)] for a in items],
            numeric=(5,), raw=(3,)))
    if not accounts:
        parts.append("<p>No civilian priorities in this scenario.</p>")
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def warnings_section(outcome: Outcome, entry: PlanEntry) -> str:
    lines = warning_lines(outcome.instance, entry)
    body = ("<ul>\n" + "\n".join(f"<li><strong>{esc(rule)}:</strong> {esc(text)}</li>"
                                 for rule, text in lines) + "\n</ul>") if lines \
        else "<p>None: no short stays, vacuums or co-location.</p>"
    return f"<section id=\"warnings\">\n<h2>Warnings (COA {entry.rank})</h2>\n{body}\n</section>"


def assumptions_section(outcome: Outcome) -> str:
    data = assumptions(outcome.instance)
    header = ["Kind", "Domain", "Range km", *(str(c) for c in ThreatCategory)]
    rows = [[kind, spec["domain"], f"{spec['range_km']:g}",
             *(f"{spec['effects'][str(c)]:g}" for c in ThreatCategory)]
            for kind, spec in data["unit_kinds"].items()]
    rows.append(["cap", "", "", *(f"{data['mitigation_caps'][str(c)]:g}"
                                  for c in ThreatCategory)])
    policy = []
    for key, value in data["policy"].items():
        if key == "mitigation_caps":
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:g}"
        policy.append(f"<li><code>{esc(key)}</code>: {esc(value)}</li>")
    return ("<section id=\"assumptions\">\n<h2>Assumptions</h2>\n"
            "<p>Effects are the fraction of a hotspot's weekly risk in a category removed by "
            "one unit-week of presence (ground) or one sortie (air), capped per category "
            "(the built-in table or the scenario's overrides); the score follows evaluation "
            "contract v1 (docs/evaluation-contract.md).</p>\n"
            + _table(header, rows, numeric=range(2, len(header)))
            + "\n<h3>Policy</h3>\n<ul>\n" + "\n".join(policy) + "\n</ul>\n</section>")


def page(title: str, body: Sequence[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n"
            f"<script>{CHECK_SCRIPT}</script>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


# ====================================================================== the briefings
def html_briefing(outcome: Outcome, *, show: int = 1,
                  intervals: Mapping[str, tuple[float, float]] | None = None) -> str:
    """The whole briefing of a planning run, one page: header, map, timeline, trade-offs
    (with the per-office account of priorities), warnings, assumptions."""
    title = f"Joint operation plan briefing: {outcome.scenario.name}"
    if not outcome.plans:
        conflicts = "".join(f"<li>{esc(c)}</li>" for c in outcome.conflicts)
        return page(title, [header_html(outcome, title),
                            f"<section id=\"no-plan\"><h2>No plan</h2><p>Status: "
                            f"<strong>{esc(outcome.status)}</strong>.</p>"
                            f"<ul>{conflicts}</ul></section>"])
    entry = outcome.plan(show) or outcome.plans[-1]
    figures = briefing_figures(outcome, entry, intervals=intervals)
    return page(title, [header_html(outcome, title), map_section(outcome, entry, figures),
                        timeline_section(outcome, entry, figures),
                        tradeoffs_section(outcome, entry, figures, intervals),
                        warnings_section(outcome, entry), assumptions_section(outcome)])


def whatif_columns(baseline: Outcome, variant: Outcome) -> list[charts.Column]:
    """The trade-off chart of a what-if: the plan as given, then as changed."""
    columns = []
    for label, outcome in (("as given", baseline), ("as changed", variant)):
        if outcome.plans:
            columns.append(charts.Column(label, outcome.instance, outcome.plans[0].evaluation))
    return columns


def whatif_briefing(baseline: Outcome, variant: Outcome, *, changes: Sequence[str],
                    deltas: Sequence[Any], moved: Sequence[Any],
                    score_delta: Any = None) -> str:
    """A what-if as one page: the changes, the score and metric deltas and the assignments
    that moved, then the changed scenario's plan briefed like `plan` (map, timeline,
    trade-offs of the plan as given beside the plan as changed, warnings, assumptions).
    `deltas` are `planner.whatif.MetricDelta`s, `moved` `MovedAssignment`s; `score_delta`
    the score's interval (§11): an undecided score change is never a bare number."""
    title = f"What-if briefing: {variant.scenario.name}"
    undecided = (score_delta is not None and not score_delta.decided
                 and not score_delta.proven)
    delta_rows = [[d.label, _number(d.baseline), _number(d.variant),
                   "–" if d.delta is None else "not decided"
                   if d.name == "score" and undecided else f"{d.delta:+,.1f}"] for d in deltas]
    moved_rows = [[m.unit, f"w{m.weeks[0]}" if len(m.weeks) == 1
                   else f"w{m.weeks[0]}–{m.weeks[-1]}",
                   m.baseline or "at base / no sorties", m.variant or "at base / no sorties"]
                  for m in moved]
    section = ["<section id=\"whatif\">", "<h2>What changed</h2>",
               "<ul>" + "".join(f"<li>{esc(c)}</li>" for c in changes) + "</ul>",
               f"<p>Plan as given: {esc(solver_text(baseline))}.</p>",
               *([f"<p>Score change: {esc(in_words(score_delta))}.</p>"]
                 if score_delta is not None else []),
               _table(("", "As given", "As changed", "Δ"), delta_rows, numeric=(1, 2, 3)),
               "<h3>Assignments that changed</h3>",
               _table(("Unit", "Weeks", "As given", "As changed"), moved_rows) if moved_rows
               else "<p>No assignment changed.</p>", "</section>"]
    if not variant.plans:
        return page(title, [header_html(variant, title), *section])
    entry = variant.plans[0]
    figures = briefing_figures(variant, entry, whatif_columns(baseline, variant))
    return page(title, [header_html(variant, title), *section,
                        map_section(variant, entry, figures),
                        timeline_section(variant, entry, figures),
                        tradeoffs_section(variant, entry, figures),
                        warnings_section(variant, entry), assumptions_section(variant)])


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"
