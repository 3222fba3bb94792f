"""The peer of the benchmark: the plain textbook MILP of the same evaluation contract
(docs/evaluation-contract.md), written directly in PuLP and solved by HiGHS with one
thread and no warm start (issue 12).

It is what an operations-research analyst would write first: one binary per ground
unit, hotspot and week (presence) and per unit, mission and week (escort), one integer
per air unit, hotspot and week (sorties), one binary per mission start; presence
indicators z / mil / pol by the usual OR rows; a short stay as the enumeration of the
episodes shorter than min_stay_weeks that could end in each week; every other soft rule
as one continuous excess variable. No unit classes, no stay flow, no neighbourhood
search, no staff heuristic.

It reads the scenario through the planner's public `Instance` (reach, sortie hours,
garrison floors, escort needs are rule arithmetic, not modelling), and its plans are
judged by the planner's evaluator like any other: `run_peer` returns the evaluator's
score beside the objective the MILP claims for the same plan.

    python bench/peer.py SCENARIO.yaml [--time-limit 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import pulp  # noqa: E402

from models.base import ThreatCategory  # noqa: E402
from models.plan import Assignment, MissionStart, Plan, Sortie  # noqa: E402
from models.scenario import DistinctionMode  # noqa: E402
from planner.domain.instance import Instance  # noqa: E402

TA = ThreatCategory.TERRORIST_ATTACKS


class PeerModel:
    """The textbook model of one instance (variables by key, PuLP problem)."""

    def __init__(self, inst: Instance):
        if inst.v2_active:
            raise ValueError("the textbook peer writes evaluation contract v1 only; compare "
                             "on a v1 scenario (a contract v2 scenario would be scored on "
                             "rules its model does not have)")
        self.inst = inst
        self.prob = pulp.LpProblem("peer", pulp.LpMaximize)
        self.x: dict[tuple[str, str, int], pulp.LpVariable] = {}
        self.e: dict[tuple[str, str, int], pulp.LpVariable] = {}
        self.y: dict[tuple[str, str, int], pulp.LpVariable] = {}
        self.w: dict[tuple[str, int], pulp.LpVariable] = {}
        self.z: dict[tuple[str, int], pulp.LpVariable] = {}
        self.mil: dict[tuple[str, int], pulp.LpVariable] = {}
        self.pol: dict[tuple[str, int], pulp.LpVariable] = {}
        self.objective: list[Any] = []
        self._n = 0
        self.decisions()
        self.hard_rules()
        self.indicators()
        self.metrics()
        self.prob += pulp.lpSum(self.objective)

    def var(self, low: float = 0, high: float | None = 1, cat: str = "Binary") -> pulp.LpVariable:
        self._n += 1
        return pulp.LpVariable(f"v{self._n}", low, high, cat)

    # ------------------------------------------------------------------ variables
    def decisions(self) -> None:
        inst = self.inst
        weights = inst.policy.weights
        for u in sorted(inst.ground_units, key=lambda u: u.id):
            for t in sorted(u.available):
                if u.spec.presence:
                    for h in inst.hotspot_ids:
                        if inst.presence_ok(u.id, h, t):
                            self.x[u.id, h, t] = self.var()
                if u.spec.escort:
                    for m in sorted(inst.missions.values(), key=lambda m: m.id):
                        if t in m.window and inst.ground_ok(u.id, m.hotspot, t):
                            self.e[u.id, m.id, t] = self.var()
        for a in sorted(inst.air_units, key=lambda u: u.id):
            for t in sorted(a.available):
                for h in inst.hotspot_ids:
                    if inst.air_ok(a.id, h, t):
                        self.y[a.id, h, t] = self.var(0, inst.max_sorties(a.id, h), "Integer")
        for m in sorted(inst.missions.values(), key=lambda m: m.id):
            value = weights.priorities * inst.policy.priority_value * m.weight
            for s in m.starts:
                self.w[m.id, s] = v = self.var()
                self.objective.append(value * v)

    def running(self, m_id: str, t: int) -> list[pulp.LpVariable]:
        d = self.inst.missions[m_id].duration
        return [v for (mm, s), v in self.w.items() if mm == m_id and s <= t < s + d]

    def assigned(self, u: str, h: str, t: int) -> list[pulp.LpVariable]:
        out = [self.x[u, h, t]] if (u, h, t) in self.x else []
        return out + [v for (uu, m, tt), v in self.e.items()
                      if uu == u and tt == t and self.inst.missions[m].hotspot == h]

    # ------------------------------------------------------------------ hard rules
    def hard_rules(self) -> None:
        inst, p = self.inst, self.prob
        per_unit: dict[tuple[str, int], list] = defaultdict(list)
        for (u, _, t), v in (*self.x.items(), *self.e.items()):
            per_unit[u, t].append(v)
        for vs in per_unit.values():
            if len(vs) > 1:
                p += pulp.lpSum(vs) <= 1
        per_base: dict[tuple[str, int], list] = defaultdict(list)
        for (u, t), vs in per_unit.items():
            per_base[inst.units[u].base, t] += vs
        for (b, t), vs in per_base.items():
            if inst.min_garrison[b]:
                p += pulp.lpSum(vs) <= inst.spare_ground(b, t)
        hours: dict[tuple[str, int], list] = defaultdict(list)
        for (a, h, t), v in self.y.items():
            hours[a, t].append(inst.sortie_hours(a, h) * v)
        for (a, _t), terms in hours.items():
            p += pulp.lpSum(terms) <= inst.units[a].flight_hours_per_week + 1e-9
        for u, h, t in sorted(inst.required_pins):
            var = self.x.get((u, h, t)) if inst.units[u].is_ground else self.y.get((u, h, t))
            if var is None:
                raise ValueError(f"pin {u}@{h} w{t} has no variable")
            p += var >= 1
        for m in sorted(inst.missions.values(), key=lambda m: m.id):
            starts = [v for (mm, _), v in self.w.items() if mm == m.id]
            if len(starts) > 1:
                p += pulp.lpSum(starts) <= 1
            for t in m.window:
                run = self.running(m.id, t)
                if not run:
                    continue
                escorts = [v for (u, mm, tt), v in self.e.items() if mm == m.id and tt == t]
                for v in escorts:
                    p += v <= pulp.lpSum(run)
                present = [v for (u, h, tt), v in self.x.items()
                           if h == m.hotspot and tt == t and inst.units[u].spec.escort]
                if m.need_ground[t]:
                    p += pulp.lpSum(escorts + present) >= m.need_ground[t] * pulp.lpSum(run)
                if m.need_air[t]:
                    air = [v for (a, h, tt), v in self.y.items() if h == m.hotspot and tt == t]
                    p += pulp.lpSum(air) >= m.need_air[t] * pulp.lpSum(run)

    # ------------------------------------------------------------------ indicators
    def indicators(self) -> None:
        inst, p = self.inst, self.prob
        at: dict[tuple[str, int], list[tuple[str, Any]]] = defaultdict(list)
        for (u, h, t), v in self.x.items():
            at[h, t].append((u, v))
        families = ((self.z, lambda u: True), (self.mil, lambda u: not inst.units[u].spec.police),
                    (self.pol, lambda u: inst.units[u].spec.police))
        for target, keep in families:
            for (h, t), items in at.items():
                vs = [v for u, v in items if keep(u)]
                if not vs:
                    continue
                target[h, t] = ind = self.var()
                p += ind <= pulp.lpSum(vs)
                for v in vs:
                    p += ind >= v

    # ------------------------------------------------------------------ metrics
    def metrics(self) -> None:
        inst, p = self.inst, self.prob
        wts, pol = inst.policy.weights, inst.policy
        T, L = inst.horizon_weeks, pol.min_stay_weeks
        air_at: dict[tuple[str, int], list] = defaultdict(list)
        for (a, h, t), v in self.y.items():
            air_at[h, t].append((a, v))
        ground_at: dict[tuple[str, int], list] = defaultdict(list)
        for (u, h, t), v in self.x.items():
            ground_at[h, t].append((u, v))
        for h in inst.hotspot_ids:
            for t in inst.weeks:
                for c in ThreatCategory:
                    risk = inst.risk(h, c, t)
                    terms = [(v, inst.units[u].spec.effects[c])
                             for u, v in ground_at[h, t] + air_at[h, t]]
                    terms = [(v, eff) for v, eff in terms if eff > 0]
                    if risk <= 0 or not terms:
                        continue
                    hm = self.var(0, inst.caps[c], "Continuous")
                    p += hm <= pulp.lpSum(eff * v for v, eff in terms)
                    self.objective.append(wts.harm * risk * hm)
        for area in sorted(inst.secure_areas.values(), key=lambda a: a.id):
            zs = [self.z[area.hotspot, t] for t in area.window if (area.hotspot, t) in self.z]
            if zs:
                sat = self.var(0, 1, "Continuous")
                p += area.required * sat <= pulp.lpSum(zs)
                self.objective.append(wts.priorities * pol.priority_value * area.weight * sat)
        cost = wts.retaliation * pol.retaliation_factor
        for h in inst.hotspot_ids:
            for t in inst.weeks:
                risk = inst.retaliation_risk[h, t]
                if risk <= 0 or cost <= 0 or (h, t) not in self.z:
                    continue
                for length in range(1, min(L - 1, t) + 1):
                    first = t - length + 1
                    if not inst.is_short_stay(first, t):
                        continue
                    inside = [self.z.get((h, k)) for k in range(first, t + 1)]
                    if any(v is None for v in inside):
                        continue
                    outside = [v for v in (self.z.get((h, first - 1)), self.z.get((h, t + 1)))
                               if v is not None]
                    short = self.var(0, 1, "Continuous")
                    p += short >= pulp.lpSum(inside) - (length - 1) - pulp.lpSum(outside)
                    self.objective.append(-cost * risk * short)
        weight = wts.vacuum * pol.vacuum_factor
        for (h, t0), before in self.mil.items():
            t = t0 + 1
            risk = inst.total_risk.get((h, t), 0.0)
            if t > T or (h, t) in inst.state_presence or risk <= 0 or weight <= 0:
                continue
            stay = [v for v in (self.mil.get((h, t)), self.pol.get((h, t))) if v is not None]
            vac = self.var(0, 1, "Continuous")
            p += vac >= before - pulp.lpSum(stay)
            self.objective.append(-weight * risk * vac)
        weight = wts.ied * pol.ied_factor
        for u in sorted(inst.ground_units, key=lambda u: u.id):
            for h in inst.hotspot_ids:
                per_km = weight * inst.dist_km[u.base, h] / 100
                for t in inst.weeks:
                    move_cost = per_km * inst.pi.get((h, TA, t), 0)
                    now = self.assigned(u.id, h, t)
                    if move_cost <= 0 or not now:
                        continue
                    mv = self.var(0, 1, "Continuous")
                    p += mv >= pulp.lpSum(now) - pulp.lpSum(self.assigned(u.id, h, t - 1))
                    self.objective.append(-move_cost * mv)
        weight = wts.engagement * pol.engagement_factor
        for (m_id, s), start in self.w.items():
            m = inst.missions[m_id]
            last = s + m.duration - 1
            risk = inst.retaliation_risk[m.hotspot, last]
            if risk <= 0 or weight <= 0:
                continue
            cover = self.z.get((m.hotspot, min(last + 1, T)))
            eng = self.var(0, 1, "Continuous")
            p += eng >= start - (cover if cover is not None else 0)
            self.objective.append(-weight * risk * eng)
        if pol.distinction is DistinctionMode.PENALIZE:
            penalty = wts.distinction * pol.distinction_penalty
            for (_u, h, t), v in self.x.items():
                if (h, t) in inst.partner_active:
                    self.objective.append(-penalty * v)

    # ------------------------------------------------------------------ decoding
    def plan(self) -> Plan:
        inst = self.inst

        def on(v: pulp.LpVariable) -> int:
            return round(v.value() or 0)

        missions = [MissionStart(priority=m, start_week=s) for (m, s), v in self.w.items()
                    if on(v)]
        assignments = [Assignment(unit=u, hotspot=h, week=t, task="presence")
                       for (u, h, t), v in self.x.items() if on(v)]
        assignments += [Assignment(unit=u, hotspot=inst.missions[m].hotspot, week=t,
                                   task="escort", mission=m)
                        for (u, m, t), v in self.e.items() if on(v)]
        need: dict[tuple[str, int], list] = {}
        for ms in missions:
            info = inst.missions[ms.priority]
            for t in info.running_weeks(ms.start_week):
                if info.need_air[t] > need.get((info.hotspot, t), [0, ""])[0]:
                    need[info.hotspot, t] = [info.need_air[t], info.id]
        sorties = []
        for (a, h, t), v in sorted(self.y.items()):
            count = on(v)
            escort = min(count, need.get((h, t), [0, ""])[0])
            if escort:
                need[h, t][0] -= escort
                sorties.append(Sortie(unit=a, hotspot=h, week=t, count=escort, task="escort",
                                      mission=need[h, t][1]))
            if count - escort:
                sorties.append(Sortie(unit=a, hotspot=h, week=t, count=count - escort,
                                      task="show_of_force"))
        return Plan(assignments=assignments, sorties=sorties, missions=missions).canonical()


def run_peer(inst: Instance, time_limit: float, seed: int = 0) -> dict[str, Any]:
    """Build and solve the textbook model; the evaluator's score of its plan beside the
    objective and bound HiGHS reports."""
    from planner.rules.evaluator import evaluate

    started = time.perf_counter()
    model = PeerModel(inst)
    build = time.perf_counter() - started
    solver = pulp.HiGHS(msg=False, timeLimit=max(0.1, time_limit - build), threads=1,
                        gapRel=1e-9, gapAbs=1e-7, random_seed=seed)
    model.prob.solve(solver)
    seconds = time.perf_counter() - started
    highs = model.prob.solverModel
    info = highs.getInfo()
    status = highs.modelStatusToString(highs.getModelStatus())
    has_plan = info.primal_solution_status >= 2
    out: dict[str, Any] = {"status": status, "build_seconds": round(build, 3),
                           "seconds": round(seconds, 3), "score": None, "claimed": None,
                           "bound": info.mip_dual_bound if has_plan else None, "gap": None,
                           "valid": None}
    if not has_plan:
        return out
    plan = model.plan()
    evaluation = evaluate(inst, plan)
    claimed = pulp.value(model.prob.objective)
    # PuLP hands HiGHS a maximisation negated: read the bound back in score points.
    if out["bound"] is not None and abs(info.objective_function_value + claimed) < abs(
            info.objective_function_value - claimed):
        out["bound"] = -out["bound"]
    out.update(score=evaluation.score, claimed=claimed, valid=evaluation.valid)
    if out["bound"] is not None:
        out["gap"] = max(0.0, (out["bound"] - evaluation.score) / max(1.0, abs(out["bound"])))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from planner.inputs.loader import load_scenario

    inst = Instance.build(load_scenario(args.scenario).scenario)
    print(json.dumps(run_peer(inst, args.time_limit, args.seed), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
