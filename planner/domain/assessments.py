"""Competing threat assessments (docs/evaluation-contract.md §9): the instance a plan is
priced against under each assessment.

The scenario's own threats are the assessment `base`; every other assessment replaces the
whole threat list of the hotspots it names. Only the threat table `pi` changes: the hard
rules that depend on threats (escort needs) keep the base instance's values, since a plan
is one plan and the assessments only price it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from models.base import ThreatCategory
from models.scenario import Threat
from planner.domain.instance import Instance, window_weeks

BASE = "base"
"""The id of the scenario's own threats as an assessment."""

Pi = dict[tuple[str, ThreatCategory, int], int]


def threat_table(threats_by_hotspot: Mapping[str, Iterable[Threat]], weeks: int) -> Pi:
    """pi[h, c, t] = probability × impact of every threat that applies in week t."""
    pi: Pi = {}
    for h, threats in threats_by_hotspot.items():
        for threat in threats:
            for t in window_weeks(threat.weeks, weeks):
                pi[h, threat.category, t] = threat.probability * threat.impact
    return pi


def assessment_ids(instance: Instance) -> tuple[str, ...]:
    """`base` first, then the scenario's assessments in file order; () without any."""
    others = tuple(a.id for a in instance.scenario.assessments)
    return (BASE, *others) if others else ()


def with_pi(instance: Instance, pi: Pi) -> Instance:
    """The instance with another threat table; everything else (escort needs included)
    stays as compiled from the base threats."""
    return replace(instance, pi=pi)


def assessment_instances(instance: Instance) -> dict[str, Instance]:
    """Assessment id → the instance that prices plans under it (`base` is `instance`
    itself); {} when the scenario has no assessments."""
    if not instance.scenario.assessments:
        return {}
    T = instance.horizon_weeks
    own = {h.id: h.threats for h in instance.scenario.hotspots}
    out = {BASE: instance}
    for a in instance.scenario.assessments:
        out[a.id] = with_pi(instance, threat_table(own | dict(a.threats), T))
    return out
