"""Prototype: short-stay retaliation (R3) as an O(T·L) flow instead of O(T²) stays.

`planner.formulation.short_stay_retaliation` gives every hotspot one variable per possible
episode q[h,s,e] and two row families over them; on a 26-week horizon that is ~350 stays
per hotspot and 78 % of the L model's nonzeros. Only the length of an episode up to
min_stay_weeks (L) matters to the cost, so a path through states on_1 … on_L (on_L = "L or
more weeks") prices the same thing: in week t an episode is in state k; it either goes on
(go[t,k] → state min(k+1, L) in t+1) or stops (stop[t,k], an episode of k weeks ending in
t). A stop with k < L — or an episode still on in week T with k < L, unless it covers the
whole horizon — costs retaliation_factor × R[h,t]. Rows per hotspot-week: Σ_k into(t,k) =
z[h,t]; into(t,k) = go[t,k] + stop[t,k]; start[t] + z[h,t−1] ≤ 1. The matrix is a network
matrix, so for integral z the flow is integral and the LP bound equals the stays' bound
(checked: identical LP optima on the flagship, M and L). Flow variables are continuous.

    python bench/prototypes/stay_flow.py SCENARIO [--time-limit 60] [--variant flow|stays]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from planner.formulation import RULES, Formulation, _key, short_stay_retaliation  # noqa: E402
from planner.instance import Instance  # noqa: E402


def flow_retaliation(f: Formulation) -> None:
    """Soft rule (R3) as a state-expanded flow; see the module docstring."""
    inst, m = f.instance, f.model
    T, L = inst.horizon_weeks, inst.policy.min_stay_weeks
    cost = f.weights.retaliation * inst.policy.retaliation_factor
    for h in inst.hotspot_ids:
        if not any((h, t) in f.z for t in inst.weeks):
            continue
        zv = {t: f.z.get((h, t)) for t in range(0, T + 2)}

        def on(x, t, zv=zv):  # noqa: ANN001, ANN202
            v = zv.get(t)
            return v is not None and x[v] > 0.5

        def state(x, t, on=on):  # noqa: ANN001, ANN202
            n = 0
            while on(x, t - n):
                n += 1
            return min(n, L)

        inflow: dict[tuple[int, int], list[int]] = {}
        for t in (t for t in inst.weeks if (h, t) in f.z):
            start = m.var(f"stay_start[{_key(h, t)}]", 0, 1, integer=False,
                          define=lambda x, t=t, on=on: float(on(x, t) and not on(x, t - 1)))
            if (h, t - 1) in f.z:
                m.row(f"stay_start_off[{_key(h, t)}]", [(start, 1.0), (f.z[h, t - 1], 1.0)],
                      upper=1)
            inflow.setdefault((t, 1), []).append(start)
            state_row = [(f.z[h, t], 1.0)]
            for k in range(1, min(L, t) + 1):
                into = inflow.get((t, k), [])
                if not into:
                    continue
                short = k < L and not (k == T and t == T)
                going_on = t < T and (h, t + 1) in f.z
                stop = m.var(
                    f"stay_stop[{_key(h, t, k)}]", 0, 1, integer=False,
                    objective=-cost * inst.retaliation_risk[h, t] if short else 0.0,
                    define=lambda x, t=t, k=k, nx=going_on, on=on, state=state:
                        float(on(x, t) and state(x, t) == k and not (nx and on(x, t + 1))))
                out = [(stop, -1.0)]
                if going_on:
                    go = m.var(f"stay_go[{_key(h, t, k)}]", 0, 1, integer=False,
                               define=lambda x, t=t, k=k, on=on, state=state:
                                   float(on(x, t) and state(x, t) == k and on(x, t + 1)))
                    inflow.setdefault((t + 1, min(k + 1, L)), []).append(go)
                    out.append((go, -1.0))
                m.row(f"stay_flow[{_key(h, t, k)}]", [(v, 1.0) for v in into] + out,
                      lower=0, upper=0)
                state_row += [(v, -1.0) for v in into]
            m.row(f"stay_state[{_key(h, t)}]", state_row, lower=0, upper=0)


def build(instance: Instance, variant: str = "flow") -> Formulation:
    """The exact model with the flow (or, for comparison, the stays) for rule R3."""
    f = Formulation(instance)
    for rule in RULES:
        (flow_retaliation if rule is short_stay_retaliation and variant == "flow" else rule)(f)
    return f


def main() -> int:
    from bench.run import load_scenario
    from planner.solve import SolveOptions, solve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--variant", choices=("flow", "stays"), default="flow")
    args = parser.parse_args()
    instance = Instance.build(load_scenario(args.scenario))
    started = time.perf_counter()
    f = build(instance, args.variant)
    build_seconds = time.perf_counter() - started
    m = f.model
    result = solve(instance, SolveOptions(solver="highs",
                                          time_limit=args.time_limit - build_seconds),
                   formulation=f)
    print(f"{args.scenario.name} {args.variant}: vars {m.num_vars} rows {m.num_rows} "
          f"nnz {len(m.row_index)} build {build_seconds:.2f} s; {result.status} "
          f"score {result.score:.3f} bound {result.bound} gap {result.gap} "
          f"in {build_seconds + result.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
