"""Human reports of a planning run: rich terminal rendering and the Markdown briefing.

Everything is rendered on a `rich.console.Console` passed in (the CLI's stdout console,
or a fixed-width one writing to a string in tests), so colour follows that console
(NO_COLOR, `color_system=None`) and widths stay stable. The numbers come from
`planner.outputs.documents` (trade-off rows, priority accounts, assumptions), which takes them
from the evaluator; nothing here computes a metric.

Sections of `pocplan plan` (docs/ranking-and-comparisons.md, issue 6): header; the ranked COA
trade-off
table with the staff heuristic as reference; for the plan shown: a timeline of hotspots ×
weeks, each unit's schedule, civilian missions and their escorts, the account per office
of priorities met / partly met / unmet with reasons, warnings; assumptions on request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from models.base import ThreatCategory, UnitKind
from models.scenario import PriorityKind
from planner.domain.instance import Instance
from planner.domain.intervals import in_words
from planner.domain.text import week_ranges, weeks_phrase
from planner.outputs.documents import (
    MET,
    PARTIAL,
    Outcome,
    PlanEntry,
    PriorityAccount,
    ScenarioInfo,
    TradeOff,
    assumptions,
    tradeoff,
)
from planner.outputs.replan_report import replan_markdown, replan_renderable

KIND_LETTER = {
    UnitKind.QRF_COMPANY: "Q", UnitKind.INFANTRY_COMPANY: "I", UnitKind.FPU: "F",
    UnitKind.ESCORT_TEAM: "E", UnitKind.ATTACK_HELICOPTER: "A",
    UnitKind.UTILITY_HELICOPTER: "U",
}
"""First letter of the short unit codes used in the timeline (Q1, I2, F1, …)."""

CLOSED, PARTNER, STATE, AIR = "≋", "P", "S", "✈"
"""Timeline markers: ground-closed week, partner operations, host-state presence, sorties."""

STATUS_STYLE = {MET: "green", PARTIAL: "yellow", "unmet": "red"}
WARNING_TITLES = {
    "short_stay": "Short stays (R3: retaliation once the UN leaves)",
    "vacuum": "Security vacuums (R4: no police or host-state handover)",
    "colocation": "Co-location with partner operations (R11)",
    "hrddp": "Human-rights due diligence (HRDDP)",
    "engagement": "Engagement without protection after it (R6)",
}


# ====================================================================== small helpers
def sentence(text: str) -> str:
    """A summary as a sentence: capital first letter, final full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _pct(share: float | None, signed: bool = False) -> str:
    if share is None:
        return "–"
    return f"{100 * share:+.1f}%" if signed else f"{100 * share:.1f}%"


def unit_codes(instance: Instance) -> dict[str, str]:
    """Short codes for the timeline: the unit id when every id has at most 6 characters,
    else kind letter + number in scenario order (Q1, I1, I2, F1, …)."""
    ids = [u.id for u in instance.scenario.units]
    if all(len(u) <= 6 for u in ids):
        return {u: u for u in ids}
    counters: dict[str, int] = defaultdict(int)
    codes = {}
    for unit in instance.scenario.units:
        letter = KIND_LETTER.get(unit.kind, "X")
        counters[letter] += 1
        codes[unit.id] = f"{letter}{counters[letter]}"
    return codes


def horizon_text(scenario: ScenarioInfo) -> str:
    if scenario.start is None or scenario.end is None:
        return f"{scenario.weeks} weeks"
    return f"{scenario.start:%d %b %Y} – {scenario.end:%d %b %Y} ({scenario.weeks} weeks)"


def solver_text(outcome: Outcome) -> str:
    gap = "–" if outcome.gap is None else f"{100 * outcome.gap:.2f} %"
    return (f"{outcome.backend}, {outcome.status}, gap {gap}, "
            f"{outcome.seconds:.1f} s")


# ====================================================================== the plan report
def render_plan_report(console: Console, outcome: Outcome, *, show: int = 1,
                       show_assumptions: bool = False) -> None:
    """The whole terminal report of `pocplan plan`."""
    render_header(console, outcome)
    if not outcome.plans:
        render_no_plan(console, outcome)
        return
    console.print(tradeoff_table(outcome, console.width))
    for line in tradeoff_notes(outcome):
        console.print(line)
    entry = outcome.plan(show) or outcome.plans[-1]
    if outcome.replan is not None:
        console.print(replan_renderable(outcome, entry.rank))
    console.print()
    console.rule(f"[bold]COA {entry.rank}[/bold] — score {entry.evaluation.score:,.1f}")
    console.print(Text(sentence(entry.summary), style="italic"))
    console.print(timeline_table(outcome, entry))
    console.print(timeline_legend(outcome.instance))
    console.print(schedule_table(outcome, entry))
    reserves = reserves_table(outcome, entry)
    if reserves is not None:
        console.print(reserves)
    missions = missions_table(outcome, entry)
    if missions is not None:
        console.print(missions)
    for table in accounts_tables(outcome, entry):
        console.print(table)
    console.print(warnings_renderable(outcome.instance, entry))
    if show_assumptions:
        console.print(assumptions_renderable(outcome.instance))


def render_header(console: Console, outcome: Outcome) -> None:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Scenario", outcome.scenario.name)
    if outcome.scenario.path is not None:
        grid.add_row("File", f"{outcome.scenario.path} (sha256 {outcome.scenario.sha256[:12]}…)")
    grid.add_row("Horizon", horizon_text(outcome.scenario))
    grid.add_row("Solver", solver_text(outcome))
    if outcome.robust is not None:
        grid.add_row("Objective", objective_text(outcome))
    if outcome.message:
        grid.add_row("Note", outcome.message)
    console.rule("[bold]pocplan — ranked joint-operation plans[/bold]")
    console.print(grid)


ROBUST_TEXT = {
    "min": "robust (min): the worst score over the threat assessments, maximised",
    "mean": "robust (mean): the mean score over the threat assessments, maximised",
    "regret": "robust (regret): the largest regret against each assessment's own optimum, "
              "minimised",
}
"""The header's sentence for each robust objective (docs/evaluation-contract.md §9)."""
ROBUST_COLUMN = {"min": "Worst case", "mean": "Mean", "regret": "Max regret"}


def objective_text(outcome: Outcome) -> str:
    """Which objective ranked the plans, with the assessments it ran over."""
    robust = outcome.robust
    names = ", ".join(outcome.plans[0].assessments) if outcome.plans else ""
    text = ROBUST_TEXT[robust.objective] + (f" ({names})" if names else "")
    if robust.references:
        refs = "; ".join(f"{a} {r.score:,.1f}" + ("" if r.status == "optimal" else
                                                  f" (bound {_num(r.bound)})")
                         for a, r in robust.references.items())
        text += f"; each assessment's own best: {refs}"
    return text


def assessment_columns(outcome: Outcome) -> tuple[list[str], list[list[str]]]:
    """Extra trade-off columns: the score under each assessment (and, in robust mode, the
    robust value), with one list of cells per row of `tradeoff_rows`; ([], []) for a
    scenario without assessments."""
    if not outcome.plans or not outcome.plans[0].assessments:
        return [], []
    ids = list(outcome.plans[0].assessments)
    names = [f"Under {a}" for a in ids]
    robust = outcome.robust
    if robust is not None:
        names.append(ROBUST_COLUMN[robust.objective])
    rows = []
    for e in outcome.plans:
        cells = [_num(e.assessments[a]) for a in ids]
        if robust is not None:
            value = robust.values[e.rank]
            cells.append(_robust_cell(robust.objective, value))
        rows.append(cells)
    if outcome.heuristic_evaluation is not None and outcome.backend != "heuristic":
        scores = outcome.heuristic_assessments
        cells = [_num(scores[a]) if a in scores else "–" for a in ids]
        if robust is not None:
            cells.append("–")
        rows.append(cells)
    return names, rows


def _robust_cell(objective: str, value) -> str:  # noqa: ANN001 - RobustValue
    if objective != "regret":
        return _num(value.value)
    text = _num(-value.value)
    if value.high - value.low > 1e-6 * max(1.0, abs(value.high)):
        text += f" (≤ {_num(-value.low)})" if value.low != float("-inf") else " (≤ ?)"
    return text


def render_no_plan(console: Console, outcome: Outcome) -> None:
    console.print(Text(f"No plan: {outcome.status}.", style="bold red"))
    for conflict in outcome.conflicts:
        console.print(f"  • {conflict}")
    if outcome.shortfall:
        console.print(outcome.shortfall)


TRADEOFF_COLUMNS = ("COA", "Score", "Harm averted", "% of baseline averted",
                    "Priorities met (weighted)", "Retaliation", "Vacuum", "IED", "Engagement",
                    "Co-located weeks", "Unit-weeks", "Sorties", "Harm vs staff heuristic")
"""Trade-off columns (docs/ranking-and-comparisons.md), as the Markdown briefing titles them."""
TRADEOFF_SHORT = ("COA", "Score", "Harm\naverted", "% of\nbaseline", "Prior.\nmet",
                  "Retal.", "Vacuum", "IED", "Engage.", "Co-loc.\nweeks", "Unit-\nweeks",
                  "Sorties", "Harm vs\nstaff")
"""The same columns, short enough for a 120-column terminal."""


V2_TRADEOFF_COLUMNS = ("Attraction", "Resupply", "Reserve value")
"""The v2 columns (R13, R14, R16), after Engagement, when the scenario uses v2."""
V2_TRADEOFF_SHORT = ("Attract.", "Resup.", "Reserve")
V2_AT = 9
"""Index in TRADEOFF_COLUMNS where the v2 columns go (after Engagement)."""


def tradeoff_columns(instance: Instance, short: bool = False) -> tuple[str, ...]:
    """The trade-off columns for this scenario: v1's, with the v2 columns when it uses v2."""
    base, extra = ((TRADEOFF_SHORT, V2_TRADEOFF_SHORT) if short
                   else (TRADEOFF_COLUMNS, V2_TRADEOFF_COLUMNS))
    if not instance.v2_active:
        return base
    return base[:V2_AT] + extra + base[V2_AT:]


def tradeoff_cells(row: TradeOff, v2: bool = False) -> list[str]:
    cells = [_num(row.score), _num(row.harm_averted), _pct(row.baseline_share),
             _pct(row.priorities_met), _num(row.retaliation), _num(row.vacuum), _num(row.ied),
             _num(row.engagement), str(row.colocation_weeks), str(row.unit_weeks),
             str(row.sorties), _pct(row.harm_vs_heuristic, signed=True)]
    if v2:
        cells[V2_AT - 1:V2_AT - 1] = [_num(row.attraction), _num(row.resupply),
                                      _num(row.reserve)]
    return cells


def tradeoff_rows(outcome: Outcome) -> list[tuple[str, TradeOff]]:
    """(label, row) for every plan, then the staff heuristic as reference."""
    ref = outcome.heuristic_evaluation if outcome.backend != "heuristic" else None
    rows = [(f"{e.rank}{' ≈' if e.tie else ''}", tradeoff(outcome.instance, e.evaluation, ref))
            for e in outcome.plans]
    if ref is not None:
        rows.append(("staff", tradeoff(outcome.instance, ref, ref)))
    return rows


WIDE_TRADEOFF_WIDTH = 112
"""Below this console width the trade-off table is transposed (one column per COA)."""
V2_EXTRA_WIDTH = 28
"""What the three v2 columns add to that width."""
ASSESSMENT_COLUMN_WIDTH = 12
"""What each column of a score under an assessment adds to that width."""


def tradeoff_table(outcome: Outcome, width: int = WIDE_TRADEOFF_WIDTH) -> Table:
    """One row per COA and the staff heuristic; on consoles narrower than
    WIDE_TRADEOFF_WIDTH, one column per COA instead, so that nothing is cropped."""
    title = "Courses of action: trade-offs (score points; higher score is better)"
    rows = tradeoff_rows(outcome)
    v2 = outcome.instance.v2_active
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    extra_names, extra = assessment_columns(outcome)
    if width < (WIDE_TRADEOFF_WIDTH + (V2_EXTRA_WIDTH if v2 else 0)
                + ASSESSMENT_COLUMN_WIDTH * len(extra_names)):
        table.add_column("", no_wrap=True)
        for label, _ in rows:
            table.add_column("COA " + label if label != "staff" else "staff",
                             justify="right", no_wrap=True)
        cells = [tradeoff_cells(row, v2) + (extra[j] if extra else [])
                 for j, (_, row) in enumerate(rows)]
        for i, name in enumerate([*tradeoff_columns(outcome.instance)[1:], *extra_names]):
            table.add_row(name, *(c[i] for c in cells))
        return table
    for i, name in enumerate([*tradeoff_columns(outcome.instance, short=True), *extra_names]):
        table.add_column(name, justify="left" if i == 0 else "right", no_wrap=True,
                         min_width=max(len(line) for line in name.split("\n")))
    for j, (label, row) in enumerate(rows):
        table.add_row(label, *tradeoff_cells(row, v2), *(extra[j] if extra else []),
                      style="dim italic" if label == "staff" else None)
    return table


def tradeoff_notes(outcome: Outcome) -> list[str]:
    """The sentences under the trade-off table: each plan's difference from plan 1, the
    comparison with the staff heuristic, ties and shortfalls."""
    lines = [f"  {e.rank}. {sentence(e.summary)}" + _versus_text(e)
             for e in outcome.plans if e.rank > 1]
    best = outcome.plans[0]
    ref = outcome.heuristic_evaluation
    if ref is not None and outcome.backend != "heuristic":
        row = tradeoff(outcome.instance, best.evaluation, ref)
        if row.harm_vs_heuristic is not None:
            lines.append(f"COA 1 averts {_pct(row.harm_vs_heuristic, signed=True)} harm vs "
                         f"the staff heuristic (score {best.evaluation.score:,.1f} vs "
                         f"{ref.score:,.1f}).")
    elif outcome.backend != "heuristic" and outcome.replan is None:
        lines.append("The staff heuristic found no plan for comparison.")
    if any(e.tie for e in outcome.plans):
        lines.append("≈ marks plans whose scores are within the optimality gap of a "
                     "neighbour's: their order is not proven.")
    if outcome.shortfall:
        lines.append(f"Only {len(outcome.plans)} of {outcome.requested} plans: "
                     f"{outcome.shortfall}.")
    return lines


# ---------------------------------------------------------------------- timeline
def _presence_by_cell(entry: PlanEntry) -> tuple[dict, dict, dict]:
    present: dict[tuple[str, int], list[str]] = defaultdict(list)
    escorts: dict[tuple[str, int], list[str]] = defaultdict(list)
    sorties: dict[tuple[str, int], int] = defaultdict(int)
    for a in entry.plan.canonical().assignments:
        (present if a.task == "presence" else escorts)[a.hotspot, a.week].append(a.unit)
    for s in entry.plan.sorties:
        sorties[s.hotspot, s.week] += s.count
    return present, escorts, sorties


def timeline_table(outcome: Outcome, entry: PlanEntry) -> Table:
    """Hotspots × weeks; each cell lists the unit codes present, (codes) of escorts,
    ✈n sorties, and markers ≋ ground closed, P partner operations, S host-state forces."""
    instance = outcome.instance
    codes = unit_codes(instance)
    present, escorts, sorties = _presence_by_cell(entry)
    table = Table(title=f"Timeline of COA {entry.rank} (units present by week)",
                  title_justify="left", header_style="bold", show_lines=True)
    table.add_column("Hotspot", no_wrap=True)
    for t in instance.weeks:
        start = outcome.scenario.week_start(t)
        label = f"w{t}" if start is None else f"w{t}\n{start:%d/%m}"
        label += "\nexec." if outcome.executed(t) else ""
        table.add_column(label, justify="center", min_width=3)
    for h in instance.hotspot_ids:
        cells: list[RenderableType] = []
        for t in instance.weeks:
            cells.append(_timeline_cell(instance, codes, h, t, present, escorts, sorties))
        table.add_row(h, *cells)
    return table


def _timeline_cell(instance: Instance, codes: dict[str, str], h: str, t: int,
                   present: dict, escorts: dict, sorties: dict) -> Text:
    text = Text()
    lines: list[Text] = [Text(codes[u], style="bold cyan") for u in present.get((h, t), ())]
    lines += [Text(f"({codes[u]})", style="cyan") for u in escorts.get((h, t), ())]
    if sorties.get((h, t)):
        lines.append(Text(f"{AIR}{sorties[h, t]}", style="magenta"))
    markers = Text()
    if (h, t) in instance.ground_closed:
        markers.append(CLOSED, style="blue")
    if (h, t) in instance.partner_active:
        markers.append(PARTNER, style="red")
    if (h, t) in instance.state_presence:
        markers.append(STATE, style="green")
    if markers:
        lines.append(markers)
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        text.append_text(line)
    return text if lines else Text("·", style="dim")


def timeline_legend(instance: Instance) -> Text:
    codes = unit_codes(instance)
    legend = Text(f"{CLOSED} ground closed  {PARTNER} partner operations  {STATE} host-state "
                  f"forces  {AIR}n sorties  (X) escort task  · nobody", style="dim")
    if any(code != unit for unit, code in codes.items()):
        pairs = ", ".join(f"{code} {unit}" for unit, code in codes.items())
        legend.append(f"\nUnits: {pairs}", style="dim")
    return legend


# ---------------------------------------------------------------------- reserves (R16)
def reserves_rows(outcome: Outcome, entry: PlanEntry) -> list[list[str]]:
    """Header, then per base and reserve kind the reserves ready each week, then the
    readiness: the reserve_value points those reserves earn each week (the alerts in reach
    they can answer). Empty unless the scenario uses v2 and has reserve units."""
    instance = outcome.instance
    if not instance.v2_active:
        return []
    groups = [(b, k) for b in sorted(instance.base_ids) for k in instance.reserve_kinds
              if any(instance.reserve_units(b, k, t) for t in instance.weeks)]
    if not groups:
        return []
    assigned = {(a.unit, a.week) for a in entry.plan.assignments}
    rows = [["Reserves", *(f"w{t}" for t in instance.weeks)]]
    for b, k in groups:
        rows.append([f"{k} at {b}", *(str(sum(1 for u in instance.reserve_units(b, k, t)
                                              if (u, t) not in assigned))
                                      for t in instance.weeks)])
    points: dict[int, float] = defaultdict(float)
    for term in entry.evaluation.terms:
        if term.metric == "reserve_value" and term.week is not None:
            points[term.week] += term.value
    rows.append(["readiness (points)", *(_num(points.get(t, 0.0)) for t in instance.weeks)])
    return rows


def reserves_table(outcome: Outcome, entry: PlanEntry) -> Table | None:
    rows = reserves_rows(outcome, entry)
    if not rows:
        return None
    table = Table(title=f"Reserves ready at base in COA {entry.rank} (R16: quick reaction)",
                  title_justify="left", header_style="bold")
    for i, name in enumerate(rows[0]):
        table.add_column(name, justify="left" if i == 0 else "right", no_wrap=True)
    for row in rows[1:]:
        table.add_row(*row, style="bold" if row[0].startswith("readiness") else None)
    return table


# ---------------------------------------------------------------------- schedules
def unit_schedule(instance: Instance, entry: PlanEntry, unit: str) -> str:
    """One line: runs of weeks per (hotspot, task), e.g. 'KORO w1–4; escort P2 at BANKASS
    w3'; air units: sorties per week; then the weeks home and unavailable."""
    info = instance.units[unit]
    plan = entry.plan.canonical()
    parts: list[tuple[int, str]] = []
    busy: set[int] = set()
    if info.is_ground:
        runs: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
        for a in plan.assignments:
            if a.unit == unit:
                runs[a.hotspot, a.task, a.mission].append(a.week)
                busy.add(a.week)
        for (h, task, mission), weeks in runs.items():
            what = h if task == "presence" else f"escort {mission} at {h}"
            parts.append((min(weeks), f"{what} w{week_ranges(weeks)}"))
    else:
        by_week: dict[int, list[str]] = defaultdict(list)
        for s in plan.sorties:
            if s.unit == unit:
                task = "" if s.task == "show_of_force" else " escort"
                by_week[s.week].append(f"{s.hotspot} ×{s.count}{task}")
                busy.add(s.week)
        same: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for t in sorted(by_week):
            same[tuple(by_week[t])].append(t)
        for flights, weeks in same.items():
            parts.append((min(weeks), f"w{week_ranges(weeks)}: {', '.join(flights)}"))
    parts.sort()
    idle = [t for t in instance.weeks if t in info.available and t not in busy]
    away = [t for t in instance.weeks if t not in info.available]
    text = "; ".join(p for _, p in parts) or ("at base" if info.is_ground else "no sorties")
    if parts and idle:
        text += f"; {'at base' if info.is_ground else 'grounded'} w{week_ranges(idle)}"
    if away:
        text += f"; unavailable w{week_ranges(away)}"
    return text


def schedule_table(outcome: Outcome, entry: PlanEntry) -> Table:
    instance = outcome.instance
    codes = unit_codes(instance)
    table = Table(title="Unit schedules", title_justify="left", header_style="bold")
    for name in ("Unit", "Code", "Kind", "Base", "Schedule"):
        table.add_column(name, no_wrap=name != "Schedule")
    for unit in instance.scenario.units:
        table.add_row(unit.id, codes[unit.id], str(unit.kind), unit.base,
                      unit_schedule(instance, entry, unit.id))
    return table


# ---------------------------------------------------------------------- missions
def mission_rows(outcome: Outcome, entry: PlanEntry) -> list[dict[str, Any]]:
    """Each civilian mission: office, hotspot, weeks it runs, ground escorts (escort-task
    units naming it and escort-capable units present), escort sorties, need."""
    instance = outcome.instance
    starts = {m.priority: m.start_week for m in entry.plan.missions}
    plan = entry.plan.canonical()
    rows = []
    for p in instance.scenario.priorities:
        if p.kind is not PriorityKind.CIVILIAN_MISSION:
            continue
        info = instance.missions[p.id]
        row: dict[str, Any] = {"id": p.id, "office": p.office or "–",
                               "hotspot": info.hotspot}
        if p.id not in starts:
            rows.append(row | {"weeks": "not scheduled", "ground": "–", "air": "–",
                               "need": "–"})
            continue
        running = [t for t in info.running_weeks(starts[p.id]) if t in instance.weeks]
        ground = sorted({a.unit for a in plan.assignments if a.week in running and (
            (a.task == "escort" and a.mission == p.id)
            or (a.task == "presence" and a.hotspot == info.hotspot
                and instance.units[a.unit].spec.escort))})
        air = sum(s.count for s in plan.sorties
                  if s.task == "escort" and s.hotspot == info.hotspot and s.week in running)
        need = "; ".join(f"w{t}: {info.need_ground[t]} ground, {info.need_air[t]} air"
                         for t in running)
        rows.append(row | {"weeks": f"w{week_ranges(running)}", "ground": ", ".join(ground) or "–",
                           "air": str(air), "need": need})
    return rows


def missions_table(outcome: Outcome, entry: PlanEntry) -> Table | None:
    rows = mission_rows(outcome, entry)
    if not rows:
        return None
    table = Table(title="Civilian missions and their escorts", title_justify="left",
                  header_style="bold")
    for name in ("Mission", "Office", "Hotspot", "Runs", "Ground escort", "Escort sorties",
                 "Need"):
        table.add_column(name)
    for r in rows:
        table.add_row(r["id"], r["office"], r["hotspot"], r["weeks"], r["ground"], r["air"],
                      r["need"])
    return table


# ---------------------------------------------------------------------- priorities
def accounts_by_office(accounts: Sequence[PriorityAccount]) -> dict[str, list[PriorityAccount]]:
    grouped: dict[str, list[PriorityAccount]] = defaultdict(list)
    for a in accounts:
        grouped[a.office or "(no office)"].append(a)
    return dict(grouped)


def _status_text(account: PriorityAccount) -> str:
    if account.status == PARTIAL:
        return f"partial ({100 * account.satisfaction:.0f} %)"
    return account.status


def _versus_text(entry: PlanEntry) -> str:
    """COA k against COA 1 with what the solves' bounds prove (§11), in words."""
    if entry.versus_first is None:
        return ""
    return f" Against COA 1: {in_words(entry.versus_first)}."


def price_cell(a: PriorityAccount) -> str:
    """The price column: the price when the interval decides it, else never a bare number."""
    if a.price is None:
        return "–"
    d = a.price_interval
    if d is not None and not d.decided and not d.proven and a.price > 1e-9:
        return "not decided"
    return f"{a.price:,.1f}"


def accounts_tables(outcome: Outcome, entry: PlanEntry) -> list[Table]:
    """One table per office: each priority met / partial / unmet, with reason and price."""
    instance = outcome.instance
    tables = []
    for office, items in accounts_by_office(outcome.account(entry.rank)).items():
        met = sum(1 for a in items if a.status == MET)
        table = Table(title=f"Priorities of {office}: {met} of {len(items)} met",
                      title_justify="left", header_style="bold")
        for name in ("Priority", "Kind", "Hotspot", "Status", "Reason", "Price"):
            table.add_column(name, no_wrap=name in ("Priority", "Kind"))
        for a in items:
            p = instance.priority_by_id[a.id]
            table.add_row(a.id, str(p.kind), p.hotspot,
                          Text(_status_text(a), style=STATUS_STYLE.get(a.status, "")),
                          a.reason or "", price_cell(a))
        tables.append(table)
    return tables


# ---------------------------------------------------------------------- warnings
def warning_lines(instance: Instance, entry: PlanEntry) -> list[tuple[str, str]]:
    """(rule, sentence) per warning; co-location and HRDDP grouped by hotspot and forces."""
    out: list[tuple[str, str]] = []
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    forces = _partner_forces(instance)
    for w in entry.evaluation.warnings:
        # v2's hrddp warnings on handovers to host-state forces have no partner forces
        if w.rule == "colocation" or (w.rule == "hrddp" and forces.get((w.hotspot, w.week))):
            grouped[w.rule, w.hotspot].append(w.week)
        else:
            out.append((w.rule, w.text))
    for (rule, h), weeks in sorted(grouped.items(), key=lambda kv: (kv[0][0] != "colocation",
                                                                    kv[0][1])):
        names = ", ".join(sorted({f for t in weeks for f in forces.get((h, t), ())}))
        if rule == "colocation":
            out.append((rule, f"UN units present at {instance.hotspot_names[h]} in "
                        f"{weeks_phrase(weeks)} alongside partner operations ({names}): the "
                        "population may not tell the UN from counterterrorism forces."))
        else:
            out.append((rule, f"HRDDP applies at {instance.hotspot_names[h]} in "
                        f"{weeks_phrase(weeks)}: any support to {names} needs a human-rights "
                        "due diligence risk assessment."))
    return out


def _partner_forces(instance: Instance) -> dict[tuple[str, int], set[str]]:
    forces: dict[tuple[str, int], set[str]] = defaultdict(set)
    for h in instance.scenario.hotspots:
        for op in h.partner_operations:
            a, b = op.weeks or (1, instance.horizon_weeks)
            for t in range(a, min(b, instance.horizon_weeks) + 1):
                forces[h.id, t].add(op.force)
    return forces


def warnings_renderable(instance: Instance, entry: PlanEntry) -> RenderableType:
    lines = warning_lines(instance, entry)
    if not lines:
        return Text("Warnings: none (no short stays, vacuums or co-location).", style="green")
    parts: list[RenderableType] = [Text(f"Warnings ({len(lines)})", style="bold yellow")]
    for rule, sentence in lines:
        parts.append(Text.assemble(("  • ", "yellow"), (f"{rule}: ", "bold"), sentence))
    return Group(*parts)


# ---------------------------------------------------------------------- assumptions
def assumptions_renderable(instance: Instance) -> RenderableType:
    data = assumptions(instance)
    effects = Table(title="Assumptions: unit kinds and effects (fraction of weekly risk "
                    "removed per unit-week or sortie)", title_justify="left",
                    header_style="bold")
    effects.add_column("Kind", no_wrap=True)
    effects.add_column("Domain")
    effects.add_column("Range km", justify="right")
    for c in ThreatCategory:
        effects.add_column(str(c).replace("_", " "), justify="right")
    for kind, spec in data["unit_kinds"].items():
        effects.add_row(kind, spec["domain"], f"{spec['range_km']:g}",
                        *(f"{spec['effects'][str(c)]:g}" for c in ThreatCategory))
    effects.add_row("cap", "", "", *(f"{data['mitigation_caps'][str(c)]:g}"
                                     for c in ThreatCategory), style="bold")
    policy = Table(title="Assumptions: policy", title_justify="left", header_style="bold")
    policy.add_column("Key", no_wrap=True)
    policy.add_column("Value")
    for key, value in _policy_items(data["policy"]):
        policy.add_row(key, value)
    rows = _v2_kind_rows(data)
    if not instance.v2_active:
        return Group(effects, policy)
    kinds = Table(title="Assumptions: reserves (R16) and threat ceilings (R17) by ground kind",
                  title_justify="left", header_style="bold")
    for name in ("Kind", "Reserve", "max_threat (P×I)"):
        kinds.add_column(name, no_wrap=True)
    for row in rows:
        kinds.add_row(*row)
    return Group(effects, kinds, policy)


def _v2_kind_rows(data: dict[str, Any]) -> list[list[str]]:
    return [[kind, "yes" if spec["reserve"] else "no",
             "none" if spec["max_threat"] is None else str(spec["max_threat"])]
            for kind, spec in data["unit_kinds"].items() if "reserve" in spec]


def _policy_items(policy: dict[str, Any]) -> list[tuple[str, str]]:
    items = []
    for key, value in policy.items():
        if key == "mitigation_caps":
            continue
        if key == "escort_tiers":
            value = "; ".join(f"P×I ≤ {p}: {g} ground, {a} air" for p, g, a in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k} {v:g}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:g}"
        items.append((key, str(value)))
    return items


# ====================================================================== validate
def render_validation(console: Console, *, path: str, sha256: str, instance: Instance,
                      warnings: Sequence[Any] = (), top: int = 5) -> None:
    """The summary of `pocplan validate`: horizon, counts by kind, baseline risk by threat
    category, the hotspots with the most risk, and the loader's warnings."""
    scenario = instance.scenario
    info = ScenarioInfo(scenario.name, sha256, scenario.horizon.weeks, None,
                        scenario.horizon.start)
    console.print(Text.assemble(("✓ valid: ", "bold green"), f"{path} — {scenario.name}"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Horizon", horizon_text(info))
    grid.add_row("sha256", sha256)
    grid.add_row("Bases", f"{len(scenario.bases)} ({', '.join(b.id for b in scenario.bases)})")
    grid.add_row("Hotspots", str(len(scenario.hotspots)))
    offices = sorted({p.office or "(no office)" for p in scenario.priorities})
    grid.add_row("Priorities", f"{len(scenario.priorities)} from {len(offices)} office(s)"
                 + (f": {', '.join(offices)}" if offices else ""))
    grid.add_row("Commitments", str(len(scenario.commitments)))
    console.print(grid)

    kinds = Table(title="Units by kind", title_justify="left", header_style="bold")
    kinds.add_column("Kind")
    kinds.add_column("Units", justify="right")
    kinds.add_column("Ids")
    by_kind: dict[str, list[str]] = defaultdict(list)
    for u in scenario.units:
        by_kind[str(u.kind)].append(u.id)
    for kind in UnitKind:
        if by_kind.get(str(kind)):
            kinds.add_row(str(kind), str(len(by_kind[str(kind)])), ", ".join(by_kind[str(kind)]))
    console.print(kinds)

    baseline = sum(instance.total_risk.values())
    risk = Table(title="Baseline risk by threat category", title_justify="left",
                 header_style="bold", show_footer=True)
    risk.add_column("Category", footer="total")
    risk.add_column("Risk", justify="right", footer=_num(baseline))
    risk.add_column("Share", justify="right", footer=_pct(1.0 if baseline else None))
    for c in ThreatCategory:
        value = sum(instance.risk(h, c, t) for h in instance.hotspot_ids for t in instance.weeks)
        if value:
            risk.add_row(str(c), _num(value), _pct(value / baseline if baseline else None))
    console.print(risk)

    by_hotspot = {h: sum(instance.total_risk[h, t] for t in instance.weeks)
                  for h in instance.hotspot_ids}
    ranked = sorted(by_hotspot.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    hot = Table(title=f"Top {len(ranked)} hotspots by baseline risk", title_justify="left",
                header_style="bold")
    hot.add_column("Hotspot", no_wrap=True)
    hot.add_column("Name")
    hot.add_column("Population", justify="right")
    hot.add_column("Risk", justify="right")
    population = {h.id: h.population for h in scenario.hotspots}
    for h, value in ranked:
        hot.add_row(h, instance.hotspot_names[h], f"{population[h]:,.0f}", _num(value))
    console.print(hot)

    if warnings:
        console.print(Text(f"Warnings ({len(warnings)})", style="bold yellow"))
        for w in warnings:
            console.print(Text.assemble(("  • ", "yellow"), str(w)))
    else:
        console.print(Text("No warnings.", style="green"))


# ====================================================================== Markdown briefing
def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]],
              align: Sequence[str] | None = None) -> list[str]:
    align = align or ["l"] * len(header)
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(_md_escape(h) for h in header) + " |",
             "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(_md_escape(str(c)) for c in row) + " |" for row in rows]
    return lines


def markdown_briefing(outcome: Outcome, *, show: int = 1) -> str:
    """A briefing a joint effects working group can circulate: header, trade-off table,
    per-office account, timeline, unit schedules, missions, warnings, assumptions."""
    instance = outcome.instance
    md: list[str] = [f"# Joint operation plan briefing: {outcome.scenario.name}", ""]
    md += [f"- **Horizon:** {horizon_text(outcome.scenario)}",
           f"- **Scenario file sha256:** `{outcome.scenario.sha256}`",
           f"- **Solver:** {solver_text(outcome)}"]
    if outcome.robust is not None:
        md.append(f"- **Objective:** {objective_text(outcome)}")
    if outcome.message:
        md.append(f"- **Note:** {outcome.message}")
    md += ["", "> Decision support, not a decision: every number below follows from the "
           "stated assumptions (see *Assumptions*), which are planning estimates, not facts.",
           ""]
    if not outcome.plans:
        md += ["## No plan", "", f"Status: **{outcome.status}**.", ""]
        md += [f"- {c}" for c in outcome.conflicts]
        return "\n".join(md) + "\n"

    md += ["## Courses of action", ""]
    extra_names, extra = assessment_columns(outcome)
    rows = [[label, *tradeoff_cells(row, instance.v2_active), *(extra[j] if extra else [])]
            for j, (label, row) in enumerate(tradeoff_rows(outcome))]
    header = [*tradeoff_columns(instance), *extra_names]
    md += _md_table(header, rows, ["l"] + ["r"] * (len(header) - 1))
    md.append("")
    md += [f"- {line.strip()}" for line in tradeoff_notes(outcome)]
    md.append("")

    entry = outcome.plan(show) or outcome.plans[-1]
    if outcome.replan is not None:
        md += replan_markdown(outcome, entry.rank)
    md += [f"## COA {entry.rank} in detail", "", sentence(entry.summary), ""]
    md += ["### Priorities by office", ""]
    for office, items in accounts_by_office(outcome.account(entry.rank)).items():
        met = sum(1 for a in items if a.status == MET)
        md += [f"#### {office}: {met} of {len(items)} met", ""]
        md += _md_table(("Priority", "Kind", "Hotspot", "Status", "Reason", "Price"), [
            [a.id, str(instance.priority_by_id[a.id].kind),
             instance.hotspot_names[instance.priority_by_id[a.id].hotspot], _status_text(a),
             a.reason or "", price_cell(a)] for a in items])
        md.append("")
    if not outcome.account(entry.rank):
        md += ["No civilian priorities in this scenario.", ""]

    md += ["### Timeline", "", f"Units present by hotspot and week; (X) escort task, {AIR}n "
           f"sorties, {CLOSED} ground closed, {PARTNER} partner operations, {STATE} host-state "
           "forces.", ""]
    md += _md_timeline(outcome, entry)
    md.append("")
    md += ["### Unit schedules", ""]
    md += _md_table(("Unit", "Kind", "Base", "Schedule"),
                    [[u.id, str(u.kind), u.base, unit_schedule(instance, entry, u.id)]
                     for u in instance.scenario.units])
    md.append("")
    reserve_rows = reserves_rows(outcome, entry)
    if reserve_rows:
        md += ["### Reserves ready at base (R16)", ""]
        md += _md_table(reserve_rows[0], reserve_rows[1:],
                        ["l"] + ["r"] * (len(reserve_rows[0]) - 1))
        md.append("")
    missions = mission_rows(outcome, entry)
    if missions:
        md += ["### Civilian missions", ""]
        md += _md_table(("Mission", "Office", "Hotspot", "Runs", "Ground escort",
                         "Escort sorties", "Need"),
                        [[r["id"], r["office"], r["hotspot"], r["weeks"], r["ground"], r["air"],
                          r["need"]] for r in missions])
        md.append("")
    md += ["### Warnings", ""]
    lines = warning_lines(instance, entry)
    md += [f"- **{rule}:** {sentence}" for rule, sentence in lines] or ["None."]
    md.append("")
    md += _md_assumptions(instance)
    return "\n".join(md) + "\n"


def _md_timeline(outcome: Outcome, entry: PlanEntry) -> list[str]:
    instance = outcome.instance
    codes = unit_codes(instance)
    present, escorts, sorties = _presence_by_cell(entry)
    header = ["Hotspot", *(f"w{t}" + (" (executed)" if outcome.executed(t) else "")
                           for t in instance.weeks)]
    rows = []
    for h in instance.hotspot_ids:
        row = [h]
        for t in instance.weeks:
            cell = _timeline_cell(instance, codes, h, t, present, escorts, sorties).plain
            row.append("" if cell == "·" else cell.replace("\n", " "))
        rows.append(row)
    lines = _md_table(header, rows, ["l"] + ["c"] * instance.horizon_weeks)
    if any(code != unit for unit, code in codes.items()):
        lines += ["", "Unit codes: " + ", ".join(f"{c} = {u}" for u, c in codes.items()) + "."]
    return lines


def _md_assumptions(instance: Instance) -> list[str]:
    data = assumptions(instance)
    md = ["## Assumptions", "",
          "Effects are the fraction of a hotspot's weekly risk in a category removed by one "
          "unit-week of presence (ground) or one sortie (air), capped per category "
          "(docs/scenario-format.md); the score follows evaluation contract v1 "
          "(docs/evaluation-contract.md).", ""]
    header = ["Kind", "Domain", "Range km", *(str(c) for c in ThreatCategory)]
    rows = [[kind, spec["domain"], f"{spec['range_km']:g}",
             *(f"{spec['effects'][str(c)]:g}" for c in ThreatCategory)]
            for kind, spec in data["unit_kinds"].items()]
    rows.append(["**cap**", "", "", *(f"{data['mitigation_caps'][str(c)]:g}"
                                      for c in ThreatCategory)])
    md += _md_table(header, rows, ["l", "l"] + ["r"] * (len(header) - 2))
    if instance.v2_active:
        md += ["", "Reserves (R16) and threat ceilings (R17) by ground kind:", ""]
        md += _md_table(("Kind", "Reserve", "max_threat (P×I)"), _v2_kind_rows(data))
    md += ["", "Policy:", ""]
    md += [f"- `{key}`: {value}" for key, value in _policy_items(data["policy"])]
    return md
