"""The YAML a planner reviews after `pocplan import events` (docs/event-import.md and
docs/scenario-format.md §9): a `threats:`
map per hotspot, or one `assessments:` entry of the shape of docs/scenario-format.md §9, each
threat under a comment
citing the counts behind its levels. Plain text, written by hand so that the comments sit
where they belong and the same import gives the same bytes."""

from __future__ import annotations

import json
import re

from planner.inputs.event_mapping import Draft, DraftedThreat

_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def yaml_scalar(text: str) -> str:
    """`text` as a YAML scalar that reads back as the same string."""
    if _PLAIN_KEY.match(text) and text.lower() not in _YAML11_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def threshold_lines(draft: Draft) -> list[str]:
    """The thresholds in force, as sentences (they are assumptions)."""
    t = draft.thresholds
    p = "/".join(f"{e:g}" for e in t.probability_events_per_week)
    i = "/".join(f"{e:g}" for e in t.impact_fatalities_per_event)
    return [f"probability 2/3/4/5 from {p} events per week (below: 1)",
            f"impact 2/3/4/5 from {i} fatalities per event (below: 1), one level more (at "
            f"most 5) when at least {t.civilian_share:.0%} of the events target civilians"]


def fragment_text(draft: Draft, *, source_name: str, format_name: str,
                  unnamed: list[str], assessment: str | None = None) -> str:
    """The fragment: `threats: {HOTSPOT: [...]}`, or `assessments: [{id, source, threats}]`."""
    source = f"{format_name} {source_name}, {draft.window}"
    lines = [f"# Threats drafted by `pocplan import events` from the {source}",
             f"# ({draft.window.days} days = {draft.window.weeks:.1f} weeks).",
             "# A draft for review, not an assessment: reported events only, levels by these",
             "# thresholds (assumptions, docs/event-import.md):"]
    lines += [f"#   {line}" for line in threshold_lines(draft)]
    lines.append("# Each hotspot named here has its threats replaced by these; "
                 + ("no hotspot is named." if not draft.threats else "the others keep theirs."))
    if unnamed:
        lines.append(f"# Not named (no events counted): {', '.join(unnamed)}")
    if assessment is None:
        lines += _threats_block(draft, indent="")
    else:
        lines += ["assessments:",
                  f"  - id: {yaml_scalar(assessment)}",
                  f"    source: {json.dumps(source, ensure_ascii=False)}"]
        lines += _threats_block(draft, indent="    ")
    return "\n".join(lines) + "\n"


def _threats_block(draft: Draft, indent: str) -> list[str]:
    if not draft.threats:
        return [f"{indent}threats: {{}}"]
    lines = [f"{indent}threats:"]
    for hotspot, threats in draft.threats.items():
        lines.append(f"{indent}  {yaml_scalar(hotspot)}:")
        for threat in threats:
            lines.append(f"{indent}    # {threat.category.value}: {threat.basis()}")
            lines.append(f"{indent}    - {threat_flow(threat)}")
    return lines


def threat_flow(threat: DraftedThreat) -> str:
    return (f"{{category: {threat.category.value}, probability: {threat.probability}, "
            f"impact: {threat.impact}}}")
