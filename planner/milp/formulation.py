"""The exact planning model of docs/evaluation-contract.md as a mixed-integer linear program.

Build recipe, top to bottom: decision variables (`define_decisions`), then one function
per rule, registered once in `RULES`, each adding rows and objective terms to a
`LinearModel`. For any integer solution, the objective at optimality equals the
evaluator's score of the plan it encodes; `Formulation.plan_from_values` decodes it.

Two modelling choices make the model strong as well as exact:
- **Unit classes.** Ground units of one kind, base and availability with no pin are
  interchangeable: the model counts them (`n[k,h,t]` units of class k present at h in t)
  instead of naming them, removing the symmetry between identical companies. Their
  road movements are Σ max(0, N[t] − N[t−1]) per hotspot, and decoding sends back to
  each hotspot the units that were there, which realises exactly that many movements.
- **Stays as a flow.** Each hotspot's presence is a path through states "in week k of
  an episode" (k up to min_stay_weeks), so a short stay's retaliation cost sits on one
  variable instead of a chain of week-by-week implications, at O(T·L) variables
  (`short_stay_retaliation`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from models.base import ThreatCategory
from models.plan import Assignment, MissionStart, Plan, Sortie
from models.scenario import DistinctionMode
from planner.domain.instance import Instance, UnitInfo
from planner.milp.linear import LinearModel

TA = ThreatCategory.TERRORIST_ATTACKS


@dataclass(frozen=True)
class UnitClass:
    """Interchangeable ground units: one kind, one base, one availability, no pin."""

    id: str
    members: tuple[str, ...]
    info: UnitInfo

    @property
    def size(self) -> int:
        return len(self.members)


def ground_classes(instance: Instance) -> tuple[UnitClass, ...]:
    pinned = {c.unit for c in instance.scenario.commitments}
    groups: dict[tuple, list[UnitInfo]] = defaultdict(list)
    for u in sorted(instance.ground_units, key=lambda u: u.id):
        key = (u.id,) if u.id in pinned else (u.spec.kind, u.base, tuple(sorted(u.available)))
        groups[key].append(u)
    return tuple(UnitClass(id=members[0].id if len(members) == 1 else
                           f"{members[0].spec.kind}@{members[0].base}:{members[0].id}",
                           members=tuple(m.id for m in members), info=members[0])
                 for members in groups.values())


def _key(*parts: object) -> str:
    return "|".join(f"w{p}" if isinstance(p, int) else str(p) for p in parts)


@dataclass
class Formulation:
    """The model under construction, with every variable family indexed by its key."""

    instance: Instance
    model: LinearModel = field(default_factory=LinearModel)
    classes: tuple[UnitClass, ...] = ()
    n: dict[tuple[str, str, int], int] = field(default_factory=dict)       # class, hotspot, week
    e: dict[tuple[str, str, int], int] = field(default_factory=dict)       # class, mission, week
    y: dict[tuple[str, str, int], int] = field(default_factory=dict)       # air unit, hotspot, week
    w: dict[tuple[str, int], int] = field(default_factory=dict)            # mission, start week
    z: dict[tuple[str, int], int] = field(default_factory=dict)            # hotspot, week
    mil: dict[tuple[str, int], int] = field(default_factory=dict)
    pol: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def weights(self):  # noqa: ANN201
        return self.instance.policy.weights

    def class_of(self, k: str) -> UnitClass:
        return self._class_by_id[k]

    def __post_init__(self) -> None:
        self.classes = ground_classes(self.instance)
        self._class_by_id = {k.id: k for k in self.classes}

    # ------------------------------------------------------------------ helpers
    def presence_terms(self, h: str, t: int, keep: Callable[[UnitClass], bool] = lambda k: True):
        return [(v, 1.0) for (k, hh, tt), v in self._n_at[h, t] if keep(self.class_of(k))]

    def assigned_count(self, k: str, h: str, t: int) -> list[int]:
        """Variables whose sum is N[k,h,t]: class k's units at h in t, any task."""
        out = [self.n[k, h, t]] if (k, h, t) in self.n else []
        out += [self.e[k, m, t] for m in self._missions_at[h] if (k, m, t) in self.e]
        return out

    def index(self) -> None:
        """Indexes of the decision variables by hotspot-week, built once after decisions."""
        self._n_at: dict[tuple[str, int], list] = defaultdict(list)
        for key, v in self.n.items():
            self._n_at[key[1], key[2]].append((key, v))
        self._e_of: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
        for (k, mission, t), v in self.e.items():
            self._e_of[mission, t].append((k, v))
        self._y_at: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
        for (a, h, t), v in self.y.items():
            self._y_at[h, t].append((a, v))
        self._missions_at: dict[str, list[str]] = defaultdict(list)
        for m in sorted(self.instance.missions.values(), key=lambda m: m.id):
            self._missions_at[m.hotspot].append(m.id)

    def running(self, m: str, t: int) -> list[tuple[int, float]]:
        """Terms of run[m,t] = Σ of start variables whose mission runs in week t."""
        d = self.instance.missions[m].duration
        return [(v, 1.0) for (mm, s), v in self._w_of[m] if s <= t < s + d]

    # ------------------------------------------------------------------ decoding
    def plan_from_values(self, values: list[float]) -> Plan:
        """The named plan a solution encodes (see the module docstring on classes)."""
        inst = self.instance
        missions = [MissionStart(priority=m, start_week=s)
                    for (m, s), v in sorted(self.w.items()) if values[v] > 0.5]
        assignments: list[Assignment] = []
        for k in self.classes:
            where: dict[str, str | None] = {u: None for u in k.members}
            for t in inst.weeks:
                slots: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
                for h in inst.hotspot_ids:
                    for m in self._missions_at[h]:
                        v = self.e.get((k.id, m, t))
                        if v is not None:
                            slots[h] += [("escort", m)] * round(values[v])
                    v = self.n.get((k.id, h, t))
                    if v is not None:
                        slots[h] += [("presence", None)] * round(values[v])
                free = [u for u in k.members]
                placed: dict[str, str | None] = {u: None for u in k.members}
                for h in sorted(slots):
                    stayers = [u for u in k.members if where[u] == h][: len(slots[h])]
                    for u in stayers:
                        placed[u] = h
                        free.remove(u)
                for h in sorted(slots):
                    holders = [u for u in k.members if placed[u] == h]
                    while len(holders) < len(slots[h]):
                        # Beyond the class's capacity only for a solution that breaks the
                        # model; double-book a unit so the verifier reports it, loudly.
                        u = free.pop(0) if free else k.members[len(holders) % k.size]
                        placed[u] = h
                        holders.append(u)
                    for u, (task, m) in zip(sorted(holders), slots[h], strict=True):
                        assignments.append(Assignment(unit=u, hotspot=h, week=t, task=task,
                                                      mission=m))
                where = placed
        return Plan(assignments=assignments, sorties=self._sorties(values, missions),
                    missions=missions).canonical()

    def _sorties(self, values: list[float], missions: list[MissionStart]) -> list[Sortie]:
        inst = self.instance
        air_need: dict[tuple[str, int], tuple[int, str]] = {}
        for ms in missions:
            info = inst.missions[ms.priority]
            for t in info.running_weeks(ms.start_week):
                need = (info.need_air[t], info.id)
                if need[0] > 0 and (info.hotspot, t) not in air_need or (
                        need[0] > air_need.get((info.hotspot, t), (0, ""))[0]):
                    air_need[info.hotspot, t] = need
        sorties: list[Sortie] = []
        still_needed = {key: need for key, (need, _) in air_need.items()}
        for (a, h, t), v in sorted(self.y.items()):
            count = round(values[v])
            if count <= 0:
                continue
            escort = min(count, still_needed.get((h, t), 0))
            if escort:
                still_needed[h, t] -= escort
                sorties.append(Sortie(unit=a, hotspot=h, week=t, count=escort, task="escort",
                                      mission=air_need[h, t][1]))
            if count - escort:
                sorties.append(Sortie(unit=a, hotspot=h, week=t, count=count - escort,
                                      task="show_of_force"))
        return sorties

    def primary_values(self, plan: Plan) -> dict[int, float]:
        """Decision-variable values of a plan (the inverse of `plan_from_values`)."""
        class_of_unit = {u: k.id for k in self.classes for u in k.members}
        values: dict[int, float] = defaultdict(float)
        for a in plan.assignments:
            k = class_of_unit.get(a.unit)
            key = (k, a.hotspot, a.week) if a.task == "presence" else (k, a.mission, a.week)
            var = (self.n if a.task == "presence" else self.e).get(key)
            if var is None:
                raise KeyError(f"plan assignment {a} has no variable in the model")
            values[var] += 1
        for s in plan.sorties:
            var = self.y.get((s.unit, s.hotspot, s.week))
            if var is None:
                raise KeyError(f"plan sortie {s} has no variable in the model")
            values[var] += s.count
        for ms in plan.missions:
            values[self.w[ms.priority, ms.start_week]] = 1
        return dict(values)


# ====================================================================== decisions
def define_decisions(f: Formulation) -> None:
    """Decision variables, created only where every unit-level hard rule allows them:
    availability, range, ground/air closure, forbid pins, presence/escort capability,
    distinction: forbid, the police threat ceiling of R17 (v2) (these rules therefore need
    no rows)."""
    inst, m = f.instance, f.model
    for k in f.classes:
        rep = k.info.id
        for t in sorted(k.info.available):
            if k.info.spec.presence:
                for h in inst.hotspot_ids:
                    if inst.presence_ok(rep, h, t):
                        f.n[k.id, h, t] = m.var(f"present[{_key(k.id, h, t)}]", 0, k.size)
            if k.info.spec.escort:
                for mission in sorted(inst.missions.values(), key=lambda x: x.id):
                    if t in mission.window and inst.ground_ok(rep, mission.hotspot, t):
                        f.e[k.id, mission.id, t] = m.var(
                            f"escort[{_key(k.id, mission.id, t)}]", 0, k.size)
    for a in sorted(inst.air_units, key=lambda u: u.id):
        for t in sorted(a.available):
            for h in inst.hotspot_ids:
                if inst.air_ok(a.id, h, t):
                    most = inst.max_sorties(a.id, h)
                    f.y[a.id, h, t] = m.var(f"sorties[{_key(a.id, h, t)}]", 0, most)
    f._w_of = defaultdict(list)
    for mission in sorted(inst.missions.values(), key=lambda x: x.id):
        value = f.weights.priorities * inst.policy.priority_value * mission.weight
        for s in mission.starts:
            f.w[mission.id, s] = m.var(f"mission_start[{_key(mission.id, s)}]",
                                       objective=value)
            f._w_of[mission.id].append(((mission.id, s), f.w[mission.id, s]))
    f.index()


# ====================================================================== hard rules
def one_task_per_week(f: Formulation) -> None:
    """Hard rule: "a ground unit has at most one assignment per week, only in its
    available weeks". Σ_h n[k,h,t] + Σ_m e[k,m,t] ≤ |k| (availability is in the domains)."""
    per: dict[tuple[str, int], list[int]] = defaultdict(list)
    for (k, _, t), v in (*f.n.items(), *f.e.items()):
        per[k, t].append(v)
    for (k, t), vs in sorted(per.items()):
        if len(vs) > 1:
            f.model.row(f"one_task_per_week[{_key(k, t)}]", ((v, 1.0) for v in vs),
                        upper=f.class_of(k).size)


def garrison_floor(f: Formulation) -> None:
    """Hard rule: "each base keeps unassigned, every week, at least min(min_garrison, its
    available ground units that week) of its available ground units".
    Σ_{k of b} (Σ_h n + Σ_m e) ≤ avail_b(t) − min(floor_b, avail_b(t))."""
    inst = f.instance
    per: dict[tuple[str, int], list[int]] = defaultdict(list)
    for (k, _, t), v in (*f.n.items(), *f.e.items()):
        per[f.class_of(k).info.base, t].append(v)
    for b in inst.base_ids:
        floor = inst.min_garrison[b]
        if floor == 0:
            continue
        for t in inst.weeks:
            if per[b, t]:
                f.model.row(f"garrison_floor[{_key(b, t)}]", ((v, 1.0) for v in per[b, t]),
                            upper=inst.spare_ground(b, t))


def flight_hours(f: Formulation) -> None:
    """Hard rule: "Σ count × sortie hours ≤ flight_hours_per_week each week" per air unit."""
    inst = f.instance
    per: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
    for (a, h, t), v in f.y.items():
        per[a, t].append((v, inst.sortie_hours(a, h)))
    for (a, t), terms in sorted(per.items()):
        if len(terms) > 1:
            f.model.row(f"flight_hours[{_key(a, t)}]", terms,
                        upper=inst.units[a].flight_hours_per_week + 1e-9)


def require_pins(f: Formulation) -> None:
    """Hard rule: "require — a ground unit is present at the hotspot in each of those
    weeks, an air unit flies at least one sortie there each week". (forbid pins are in
    the variable domains.)"""
    inst = f.instance
    class_of_unit = {u: k.id for k in f.classes for u in k.members}
    for u, h, t in sorted(inst.required_pins):
        if inst.units[u].is_ground:
            var = f.n.get((class_of_unit[u], h, t))
        else:
            var = f.y.get((u, h, t))
        f.model.row(f"require_pin[{_key(u, h, t)}]", [] if var is None else [(var, 1.0)],
                    lower=1)


def mission_escort(f: Formulation) -> None:
    """Hard rule: "a scheduled mission runs inside its window, and in each week it runs:
    the units assigned to escort it plus the escort-capable units present at its hotspot
    meet its ground need, and the escort sorties at its hotspot that week meet its air
    need". At most one start per mission; escorts only while the mission runs."""
    inst, m = f.instance, f.model
    for mission in sorted(inst.missions.values(), key=lambda x: x.id):
        starts = [v for _, v in f._w_of[mission.id]]
        if len(starts) > 1:
            m.row(f"mission_once[{mission.id}]", ((v, 1.0) for v in starts), upper=1)
        h = mission.hotspot
        for t in mission.window:
            run = f.running(mission.id, t)
            if not run:
                continue
            escorts = [(v, 1.0) for _, v in f._e_of[mission.id, t]]
            for k, v in f._e_of[mission.id, t]:
                m.row(f"escort_while_running[{_key(k, mission.id, t)}]",
                      [(v, 1.0)] + [(r, -f.class_of(k).size) for r, _ in run], upper=0)
            present = f.presence_terms(h, t, keep=lambda k: k.info.spec.escort)
            need_ground, need_air = mission.need_ground[t], mission.need_air[t]
            if need_ground:
                m.row(f"ground_escort[{_key(mission.id, t)}]",
                      escorts + present + [(r, -need_ground) for r, _ in run], lower=0)
            if need_air:
                air = [(v, 1.0) for _, v in f._y_at[h, t]]
                m.row(f"air_escort[{_key(mission.id, t)}]",
                      air + [(r, -need_air) for r, _ in run], lower=0)


# ====================================================================== state of hotspots
def presence_state(f: Formulation) -> None:
    """z[h,t] = some unit present; mil = some non-police unit; pol = some police unit —
    each an exact OR: |k|·z ≥ n[k,h,t] for every class, z ≤ Σ_k n[k,h,t]."""
    inst, m = f.instance, f.model
    families = (("z", f.z, lambda k: True), ("mil", f.mil, lambda k: not k.info.spec.police),
                ("pol", f.pol, lambda k: k.info.spec.police))
    for name, target, keep in families:
        for h in inst.hotspot_ids:
            for t in inst.weeks:
                terms = [(v, key[0]) for key, v in f._n_at[h, t] if keep(f.class_of(key[0]))]
                if not terms:
                    continue
                vs = [v for v, _ in terms]
                var = m.var(f"{name}[{_key(h, t)}]",
                            define=lambda x, vs=vs: float(any(x[v] > 0.5 for v in vs)))
                target[h, t] = var
                m.row(f"{name}_upper[{_key(h, t)}]", [(var, 1.0)] + [(v, -1.0) for v in vs],
                      upper=0)
                for v, k in terms:
                    m.row(f"{name}_lower[{_key(h, k, t)}]",
                          [(var, f.class_of(k).size), (v, -1.0)], lower=0)


# ====================================================================== soft rules
def short_stay_retaliation(f: Formulation) -> None:
    """Soft rule (R3): "Brief visits and sporadic patrols are counterproductive, as they put
    people at risk of retaliation once UN forces leave." An episode (maximal run of
    z[h,·] = 1) shorter than min_stay_weeks, unless it covers the whole horizon, costs
    retaliation_factor × R[h, t_end].

    Only an episode's length up to L = min_stay_weeks matters, so each hotspot's presence
    is a path through states 1 … L (L = "L weeks or more"): an episode enters state 1 in
    the week it starts (start[t] ≤ 1 − z[h,t−1]); in state k in week t it goes on
    (go[t,k] → state min(k+1, L) in t+1) or stops (stop[t,k]: an episode of k weeks
    ending in t). Σ_k into[t,k] = z[h,t] and into[t,k] = go[t,k] + stop[t,k]. A stop in a
    state k < L is the short stay, priced on that one variable. The rows form a network
    matrix, so for integral z the flow is integral: exact, with the LP bound of
    enumerating every stay (q[h,s,e]) at O(T·L) instead of O(T²) variables per hotspot —
    a quarter of the nonzeros on a 26-week horizon."""
    inst, m = f.instance, f.model
    T, L = inst.horizon_weeks, inst.policy.min_stay_weeks
    cost = f.weights.retaliation * inst.policy.retaliation_factor
    for h in inst.hotspot_ids:
        if not any((h, t) in f.z for t in inst.weeks):
            continue
        z = {t: f.z.get((h, t)) for t in range(0, T + 2)}

        def on(x: list[float], t: int, z=z) -> bool:
            return z.get(t) is not None and x[z[t]] > 0.5

        def length(x: list[float], t: int, on=on) -> int:
            """Weeks the episode running in week t has lasted so far, capped at L."""
            n = 0
            while n < L and on(x, t - n):
                n += 1
            return n

        inflow: dict[tuple[int, int], list[int]] = defaultdict(list)
        for t in (t for t in inst.weeks if (h, t) in f.z):
            start = m.var(f"stay_start[{_key(h, t)}]", 0, 1, integer=False,
                          define=lambda x, t=t, on=on: float(on(x, t) and not on(x, t - 1)))
            if (h, t - 1) in f.z:
                m.row(f"stay_start_off[{_key(h, t)}]", [(start, 1.0), (f.z[h, t - 1], 1.0)],
                      upper=1)
            inflow[t, 1].append(start)
            state = [(f.z[h, t], 1.0)]
            for k in range(1, min(L, t) + 1):
                into = inflow.get((t, k), [])
                if not into:
                    continue
                short = k < L and inst.is_short_stay(t - k + 1, t)  # state k < L: exactly k weeks
                goes_on = t < T and (h, t + 1) in f.z
                stop = m.var(
                    f"stay_stop[{_key(h, t, k)}]", 0, 1, integer=False,
                    objective=-cost * inst.retaliation_risk[h, t] if short else 0.0,
                    define=lambda x, t=t, k=k, nx=goes_on, on=on, length=length:
                        float(on(x, t) and length(x, t) == k and not (nx and on(x, t + 1))))
                out = [(stop, -1.0)]
                if goes_on:
                    go = m.var(f"stay_go[{_key(h, t, k)}]", 0, 1, integer=False,
                               define=lambda x, t=t, k=k, on=on, length=length:
                                   float(on(x, t) and length(x, t) == k and on(x, t + 1)))
                    inflow[t + 1, min(k + 1, L)].append(go)
                    out.append((go, -1.0))
                m.row(f"stay_flow[{_key(h, t, k)}]", [(v, 1.0) for v in into] + out,
                      lower=0, upper=0)
                state += [(v, -1.0) for v in into]
            m.row(f"stay_state[{_key(h, t)}]", state, lower=0, upper=0)


def harm_averted(f: Formulation) -> None:
    """Metric: Σ_{h,c,t} risk × min(cap_c, Σ effects of present units + Σ sorties ×
    effect). hm[h,c,t] ≤ cap_c and hm ≤ the sum; the objective pushes hm up to the min."""
    inst, m = f.instance, f.model
    air_at = f._y_at
    for h in inst.hotspot_ids:
        for t in inst.weeks:
            for c in ThreatCategory:
                risk = inst.risk(h, c, t)
                if risk <= 0:
                    continue
                terms = [(v, f.class_of(key[0]).info.spec.effects[c]) for key, v in f._n_at[h, t]]
                terms += [(v, inst.units[a].spec.effects[c]) for a, v in air_at[h, t]]
                terms += civilian_effect_terms(f, h, c, t)
                terms = [(v, eff) for v, eff in terms if eff > 0]
                if not terms:
                    continue
                cap = inst.caps[c]
                var = m.var(f"mitigation[{_key(h, c.value, t)}]", 0, cap, integer=False,
                            objective=f.weights.harm * risk,
                            define=lambda x, terms=terms, cap=cap:
                                min(cap, sum(x[v] * eff for v, eff in terms)))
                m.row(f"mitigation_sum[{_key(h, c.value, t)}]",
                      [(var, 1.0)] + [(v, -eff) for v, eff in terms], upper=0)


def secure_area_satisfaction(f: Formulation) -> None:
    """Metric: a secure_area's satisfaction = min(1, weeks with z = 1 inside its window /
    required_weeks), worth weight × priority_value."""
    inst, m = f.instance, f.model
    for area in sorted(inst.secure_areas.values(), key=lambda a: a.id):
        zs = [f.z[area.hotspot, t] for t in area.window if (area.hotspot, t) in f.z]
        if not zs:
            continue
        value = f.weights.priorities * inst.policy.priority_value * area.weight
        var = m.var(f"satisfaction[{area.id}]", 0, 1, integer=False, objective=value,
                    define=lambda x, zs=zs, req=area.required:
                        min(1.0, sum(round(x[v]) for v in zs) / req))
        m.row(f"satisfaction_weeks[{area.id}]",
              [(var, area.required)] + [(v, -1.0) for v in zs], upper=0)


def handover_vacuum(f: Formulation) -> None:
    """Soft rule (R4): for t ≥ 2, mil[h,t−1] ∧ ¬mil[h,t] ∧ ¬pol[h,t] ∧ no host-state
    presence costs vacuum_factor × Σ_c risk[h,c,t]. vac ≥ mil[t−1] − mil[t] − pol[t]."""
    inst, m = f.instance, f.model
    weight = f.weights.vacuum * inst.policy.vacuum_factor
    for (h, t_before), before in sorted(f.mil.items()):
        t = t_before + 1
        risk = inst.total_risk.get((h, t), 0.0)
        if t > inst.horizon_weeks or inst.handover_counts(h, t) or risk <= 0 or weight <= 0:
            continue
        stay = [(v, -1.0) for v in (f.mil.get((h, t)), f.pol.get((h, t))) if v is not None]
        var = m.var(f"vacuum[{_key(h, t)}]", 0, 1, integer=False, objective=-weight * risk,
                    define=lambda x, b=before, s=stay: max(0.0, x[b] + sum(x[v] * c for v, c in s)))
        m.row(f"vacuum_left[{_key(h, t)}]",
              [(var, 1.0), (before, -1.0)] + [(v, -c) for v, c in stay], lower=0)


def road_movement_ied(f: Formulation) -> None:
    """Soft rule (R5): each road movement (an assignment of u at h in t, any task, with no
    assignment of u at h in t − 1) costs ied_factor × P×I(terrorist_attacks, h, t) ×
    distance(base, h) / 100. Per class: arrivals ≥ N[k,h,t] − N[k,h,t−1]."""
    inst, m = f.instance, f.model
    weight = f.weights.ied * inst.policy.ied_factor
    for k in f.classes:
        for h in inst.hotspot_ids:
            per_km = weight * inst.dist_km[k.info.base, h] / 100
            for t in inst.weeks:
                cost = per_km * inst.pi.get((h, TA, t), 0)
                now = f.assigned_count(k.id, h, t)
                if cost <= 0 or not now:
                    continue
                before = f.assigned_count(k.id, h, t - 1)
                terms = [(v, 1.0) for v in now] + [(v, -1.0) for v in before]
                var = m.var(f"road_move[{_key(k.id, h, t)}]", 0, k.size, integer=False,
                            objective=-cost,
                            define=lambda x, terms=terms: max(0.0, sum(x[v] * c for v, c in terms)))
                m.row(f"road_move_count[{_key(k.id, h, t)}]",
                      [(var, 1.0)] + [(v, -c) for v, c in terms], lower=0)


def engagement_exposure(f: Formulation) -> None:
    """Soft rule (R6): a mission ending in t_last exposes R[h,t_last] × engagement_factor
    when z[h,t_last+1] = 0, or z[h,T] = 0 when it ends in the last week."""
    inst, m = f.instance, f.model
    weight = f.weights.engagement * inst.policy.engagement_factor
    T = inst.horizon_weeks
    for (mission_id, s), start in sorted(f.w.items()):
        mission = inst.missions[mission_id]
        last = s + mission.duration - 1
        risk = inst.retaliation_risk[mission.hotspot, last]
        if risk <= 0 or weight <= 0:
            continue
        cover = f.z.get((mission.hotspot, min(last + 1, T)))
        terms = [(start, 1.0)] + ([(cover, -1.0)] if cover is not None else [])
        var = m.var(f"engagement[{_key(mission_id, s)}]", 0, 1, integer=False,
                    objective=-weight * risk,
                    define=lambda x, terms=terms: max(0.0, sum(x[v] * c for v, c in terms)))
        m.row(f"engagement_left[{_key(mission_id, s)}]",
              [(var, 1.0)] + [(v, -c) for v, c in terms], lower=0)


def distinction_penalty(f: Formulation) -> None:
    """Soft rule (R11), policy penalize: distinction_penalty per unit-week present where
    partner operations are active. (forbid is in the domains; flag costs nothing.)"""
    inst = f.instance
    if inst.policy.distinction is not DistinctionMode.PENALIZE:
        return
    cost = f.weights.distinction * inst.policy.distinction_penalty
    for (_, h, t), v in f.n.items():
        if (h, t) in inst.partner_active:
            f.model.add_objective(v, -cost)


# ====================================================================== contract v2 (§5.1)
def civilian_effect_terms(f: Formulation, h: str, c: ThreatCategory,
                          t: int) -> list[tuple[int, float]]:
    """R18 (v2): (mission start variable, effect) of each start whose mission's civilian
    effects last at h in week t (its effect_weeks weeks after its last running week), for
    the mitigation sum of `harm_averted`."""
    inst = f.instance
    out = []
    for m_id in f._missions_at.get(h, ()):
        info = inst.missions[m_id]
        fraction = dict(info.effects).get(c, 0.0)
        if fraction > 0:
            out += [(v, fraction) for (_, s), v in f._w_of[m_id]
                    if t in info.effect_weeks_after(s, inst.horizon_weeks)]
    return out


def small_posts(f: Formulation) -> None:
    """Hard rule (R15, v2): where P×I(terrorist_attacks) or P×I(armed_group_abuse) at h in
    t ≥ small_post.threat, the units present are 0 or at least small_post.min_units:
    Σ_k n[k,h,t] ≥ min_units · z[h,t] (z is exact: z ≤ Σ n, so z = 0 allows none)."""
    inst = f.instance
    for (h, t), z in sorted(f.z.items()):
        need = inst.small_post_min(h, t)
        if need > 1:
            f.model.row(f"small_post[{_key(h, t)}]",
                        f.presence_terms(h, t) + [(z, -float(need))], lower=0)


def presence_attraction(f: Formulation) -> None:
    """Soft rule (R13, v2): a presence draws attacks — z[h,t] costs w_attraction ×
    attraction_factor × risk[h, terrorist_attacks, t] (on the exact z of presence_state)."""
    inst = f.instance
    weight = f.weights.attraction * inst.policy.attraction_factor
    if weight <= 0:
        return
    for (h, t), z in sorted(f.z.items()):
        f.model.add_objective(z, -weight * inst.attraction_risk(h, t))


def sustainment_convoys(f: Formulation) -> None:
    """Soft rule (R14, v2): each assignment that is not a road movement costs
    w_resupply × resupply_cost(base, h, t). Per class, the units that stay are
    min(N[k,h,t], N[k,h,t−1]) (decoding keeps stayers in place): r ≥ N[t] − road_move[t]
    when the road movement's own cost is at least as large (then road_move sits at
    max(0, N[t] − N[t−1]) and r at the minimum), else exactly through a choice bit δ:
    r ≥ N[t] − |k|·δ, r ≥ N[t−1] − |k|·(1 − δ)."""
    inst, m = f.instance, f.model
    weight = f.weights.resupply
    if inst.policy.resupply_weeks < 1 or weight <= 0:
        return
    moves = {name: i for i, name in enumerate(m.names) if name.startswith("road_move[")}
    for k in f.classes:
        for h in inst.hotspot_ids:
            for t in inst.weeks:
                cost = weight * inst.resupply_cost(k.info.base, h, t)
                now, before = f.assigned_count(k.id, h, t), f.assigned_count(k.id, h, t - 1)
                if cost <= 0 or not now or not before:
                    continue
                tag = _key(k.id, h, t)
                r = m.var(f"resupply[{tag}]", 0, k.size, integer=False, objective=-cost,
                          define=lambda x, a=now, b=before:
                              min(sum(x[v] for v in a), sum(x[v] for v in b)))
                move = moves.get(f"road_move[{tag}]")
                if move is not None and -m.objective.get(move, 0.0) >= cost - 1e-12:
                    m.row(f"resupply_stay[{tag}]",
                          [(r, 1.0), (move, 1.0)] + [(v, -1.0) for v in now], lower=0)
                    continue
                pick = m.var(f"resupply_pick[{tag}]",
                             define=lambda x, a=now, b=before:
                                 float(sum(x[v] for v in b) <= sum(x[v] for v in a)))
                m.row(f"resupply_now[{tag}]",
                      [(r, 1.0), (pick, float(k.size))] + [(v, -1.0) for v in now], lower=0)
                m.row(f"resupply_before[{tag}]",
                      [(r, 1.0), (pick, -float(k.size))] + [(v, -1.0) for v in before],
                      lower=-float(k.size))


def reserve_value(f: Formulation) -> None:
    """Metric (R16, v2): per base b, reserve kind k and week t, the r(b,k,t) unassigned
    available units answer the largest alerts in reach: slots ρ_j ∈ [0, 1] worth
    w_reserve × reserve_factor × V_j, Σ_j ρ_j + (units of k at b assigned in t) ≤ units of
    k at b available in t. V₁ ≥ V₂ ≥ …, so the LP fills the largest first: exact."""
    inst, m = f.instance, f.model
    weight = f.weights.reserve * inst.policy.reserve_factor
    if weight <= 0:
        return
    assigned: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for (k, _, t), v in (*f.n.items(), *f.e.items()):
        info = f.class_of(k).info
        assigned[info.base, info.spec.kind, t].append(v)
    for b in sorted(inst.base_ids):
        for kind in inst.reserve_kinds:
            for t in inst.weeks:
                units = inst.reserve_units(b, kind, t)
                values = inst.reserve_reach(b, kind, t)[:len(units)]
                if not values:
                    continue
                used, count = assigned[b, kind, t], len(units)
                slots = []
                for j, value in enumerate(values, start=1):
                    slots.append(m.var(
                        f"reserve[{_key(b, kind.value, t, j)}]", 0, 1, integer=False,
                        objective=weight * value,
                        define=lambda x, used=used, n=count, j=j:
                            float(n - sum(round(x[v]) for v in used) >= j)))
                m.row(f"reserve_slots[{_key(b, kind.value, t)}]",
                      [(v, 1.0) for v in slots + used], upper=count)


RULES: tuple[Callable[[Formulation], None], ...] = (
    define_decisions,
    one_task_per_week,
    garrison_floor,
    flight_hours,
    require_pins,
    mission_escort,
    presence_state,
    short_stay_retaliation,
    harm_averted,
    secure_area_satisfaction,
    handover_vacuum,
    road_movement_ied,
    engagement_exposure,
    distinction_penalty,
    small_posts,
    presence_attraction,
    sustainment_convoys,
    reserve_value,
)
"""Every rule of the model, in build order (decisions first, then hard, then soft)."""


def build_formulation(instance: Instance) -> Formulation:
    f = Formulation(instance)
    for rule in RULES:
        rule(f)
    return f


def require_difference(f: Formulation, previous: dict[tuple[str, str, int], int],
                       min_difference: int, label: str) -> None:
    """Ranked plans (docs/ranking-and-comparisons.md): D(plan, previous) = Σ_{kind,h,t} |n −
    n_prev| ≥ min_difference.
    Cells absent from `previous` contribute n itself; cells present take
    |n − c| through a direction bit δ: dev ≤ c − n + M·δ, dev ≤ n − c + M·(1 − δ)."""
    m = f.model
    by_cell: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    size: dict[tuple[str, str, int], int] = defaultdict(int)
    for (k, h, t), v in f.n.items():
        kind = f.class_of(k).info.spec.kind
        by_cell[kind, h, t].append(v)
        size[kind, h, t] += f.class_of(k).size
    terms: list[tuple[int, float]] = []
    for cell in sorted(by_cell):
        vs, c = by_cell[cell], previous.get(cell, 0)
        if c == 0:
            terms += [(v, 1.0) for v in vs]
            continue
        big = 2 * max(size[cell], c)  # ≥ 2|n − c|, so the side δ switches off never binds
        tag = _key(label, *cell)
        up = m.var(f"difference_up[{tag}]",
                   define=lambda x, vs=vs, c=c: float(sum(x[v] for v in vs) > c + 0.5))
        dev = m.var(f"difference[{tag}]", 0, big, integer=False,
                    define=lambda x, vs=vs, c=c: abs(sum(x[v] for v in vs) - c))
        m.row(f"difference_below[{tag}]", [(dev, 1.0), (up, -big)] + [(v, 1.0) for v in vs],
              upper=c)
        m.row(f"difference_above[{tag}]", [(dev, 1.0), (up, big)] + [(v, -1.0) for v in vs],
              upper=big - c)
        terms.append((dev, 1.0))
    for cell, c in previous.items():
        if cell not in by_cell:  # a cell the model cannot fill any more differs by c
            min_difference -= c
    m.row(f"min_difference[{label}]", terms, lower=min_difference)
