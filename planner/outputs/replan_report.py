"""The re-planning section of the plan report (terminal and Markdown), for `pocplan replan`
and `pocplan whatif --change-penalty`: from which week the plan was re-made, what the
executed weeks break under the updated scenario, the change penalty, each COA's changed
unit-weeks, and every change of the COA shown with its reason.

Every number comes from `planner.analysis.replan.ReplanResult` (the evaluator's scores and
the change distance of `planner.domain.changes`); nothing is recomputed here.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

CHANGE_CHOICE = "its own choice: worth more than the change penalty"
"""The reason shown when the scenario gives none (the model moved the unit because the
move gains more than it costs)."""


def slot_text(slot: tuple[str, str] | None) -> str:
    if slot is None:
        return "home"
    hotspot, task = slot
    return hotspot if task == "presence" else f"escort at {hotspot}"


def headline(result: Any) -> list[str]:
    """The lines that say what was re-planned and what the executed weeks break."""
    sha = result.executed_sha256
    lines = [f"Re-planned from week {result.from_week}: weeks 1–{result.from_week - 1} are "
             "executed facts (shown as executed), weeks from "
             f"{result.from_week} on are re-optimised." if result.from_week > 1 else
             "Re-planned over the whole horizon against the previous plan.",
             f"Change penalty {result.change_penalty:g} points per changed unit-week; COA 1 "
             f"changes {result.changed_unit_weeks(1)} unit-week(s) of the previous plan."]
    if sha:
        lines.append(f"Executed plan file sha256 {sha[:12]}…")
    if result.executed_score is not None and result.from_week > 1:
        lines.append(f"Score points dated in the executed weeks: {result.executed_score:,.1f}.")
    if result.executed_violations:
        lines.append(f"The executed weeks break {len(result.executed_violations)} rule(s) of "
                     "the scenario as it now stands (reported, not repaired):")
        lines += [f"  • week {v.week}: {v.text}" for v in result.executed_violations]
    return lines


def coa_rows(outcome: Any) -> list[list[str]]:
    result = outcome.replan
    return [[str(e.rank), f"{result.objective[e.rank]:,.1f}", f"{e.evaluation.score:,.1f}",
             str(result.changed_unit_weeks(e.rank))] for e in outcome.plans]


COA_COLUMNS = ("COA", "Score − change penalty", "Score", "Changed unit-weeks")


def change_rows(outcome: Any, rank: int) -> list[list[str]]:
    return [[c.unit, f"w{c.week}", slot_text(c.before), slot_text(c.after),
             c.reason or CHANGE_CHOICE] for c in outcome.replan.changes.get(rank, ())]


CHANGE_COLUMNS = ("Unit", "Week", "Previous plan", "This plan", "Reason")


def replan_renderable(outcome: Any, rank: int) -> RenderableType:
    """The terminal section."""
    parts: list[RenderableType] = [Text("\n".join(headline(outcome.replan)))]
    coas = Table(title="Re-plan: change against the previous plan", title_justify="left",
                 header_style="bold")
    for i, name in enumerate(COA_COLUMNS):
        coas.add_column(name, justify="left" if i == 0 else "right")
    for row in coa_rows(outcome):
        coas.add_row(*row)
    parts.append(coas)
    rows = change_rows(outcome, rank)
    if rows:
        changes = Table(title=f"Changes of COA {rank} against the previous plan",
                        title_justify="left", header_style="bold")
        for name in CHANGE_COLUMNS:
            changes.add_column(name)
        for row in rows:
            changes.add_row(*row)
        parts.append(changes)
    else:
        parts.append(Text(f"COA {rank} changes nothing of the previous plan from week "
                          f"{outcome.replan.from_week} on."))
    return Group(*parts)


def _md_table(header: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]


def replan_markdown(outcome: Any, rank: int) -> list[str]:
    """The Markdown section."""
    md = ["## Re-plan", ""]
    md += [line.replace("  • ", "  - ") if line.startswith("  •") else f"- {line}"
           for line in headline(outcome.replan)]
    md += ["", *_md_table(COA_COLUMNS, coa_rows(outcome)), ""]
    rows = change_rows(outcome, rank)
    md += [f"### Changes of COA {rank}", ""]
    md += _md_table(CHANGE_COLUMNS, rows) if rows else ["None."]
    return md + [""]


def least_change_renderable(result: Any) -> RenderableType:
    """The what-if's least-change section: the penalty, the changed unit-weeks of the
    variant's plan against the baseline plan, and each change with its reason."""
    head = Text(f"Least change: {result.change_penalty:g} points per unit-week that differs "
                f"from the baseline plan; the variant changes {result.changed_unit_weeks(1)} "
                "unit-week(s).")
    changes = result.changes.get(1, ())
    if not changes:
        return head
    table = Table(title="Changes against the baseline plan", title_justify="left",
                  header_style="bold")
    for name in CHANGE_COLUMNS:
        table.add_column(name)
    for c in changes:
        table.add_row(c.unit, f"w{c.week}", slot_text(c.before), slot_text(c.after),
                      c.reason or CHANGE_CHOICE)
    return Group(head, table)
