"""The briefing's figures, drawn with matplotlib: map, Gantt, residual-risk heat map and
trade-offs, each as a `Figure` that `svg_text` inlines in the HTML briefing and
`png_bytes` writes for slides.

Figures are built on `matplotlib.figure.Figure` directly (no pyplot, no global backend
state). Output is deterministic: SVG ids are salted with a fixed string per figure (two
figures inlined in one page never share an id), the SVG carries no date and no metadata
block, and PNG no software tag, so the same plan gives the same bytes. Text in the SVG is
text (`svg.fonttype: none`), so the page stays small and its names searchable.

Numbers come from the evaluator: harm averted per cell (`harm_averted_by_cell`), the
score's parts (`score_parts`) and the plan's warnings; nothing here computes a metric.
Residual risk of a hotspot-week is its risk (an input, `Instance.total_risk`) minus the
harm the plan averts there.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
import textwrap
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import matplotlib
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from models.base import UnitKind
from planner.domain.instance import Instance
from planner.domain.text import week_ranges
from planner.outputs.basemap import (
    circle,
    clip_ring,
    country_outlines,
    km_per_degree_lon,
)
from planner.outputs.documents import Outcome, PlanEntry
from planner.outputs.report import unit_codes
from planner.rules.evaluator import Evaluation, harm_averted_by_cell, score_parts

RISK_CMAP = "YlOrRd"
"""Colour map of residual risk (map and heat map share it)."""

KIND_COLOUR = {
    UnitKind.QRF_COMPANY: "#b2182b", UnitKind.INFANTRY_COMPANY: "#2166ac",
    UnitKind.FPU: "#1b7837", UnitKind.ESCORT_TEAM: "#8c510a",
    UnitKind.ATTACK_HELICOPTER: "#762a83", UnitKind.UTILITY_HELICOPTER: "#c51b7d",
}
CLOSED_COLOUR, PARTNER_COLOUR, STATE_COLOUR, AIR_CLOSED_COLOUR = \
    "#1f5fbf", "#d6001c", "#2ca02c", "#d6001c"

TERM_LABEL = {
    "harm_averted": "harm averted", "priority_value": "priorities met",
    "retaliation_exposure": "retaliation (short stays)", "vacuum_exposure": "vacuums",
    "ied_exposure": "IED (road movements)", "engagement_exposure": "engagement exposure",
    "distinction_penalty": "distinction penalty",
    "attraction_exposure": "attraction (presence draws attacks)",
    "resupply_exposure": "IED (resupply convoys)", "reserve_value": "reserves ready",
}
TERM_COLOUR = {
    "harm_averted": "#4575b4", "priority_value": "#91bfdb", "retaliation_exposure": "#d73027",
    "vacuum_exposure": "#fc8d59", "ied_exposure": "#fee090",
    "engagement_exposure": "#a50026", "distinction_penalty": "#7f7f7f",
    "attraction_exposure": "#762a83", "resupply_exposure": "#e6c229",
    "reserve_value": "#1a9850",
}

STYLE = {"font.family": ["DejaVu Sans"], "font.size": 8, "axes.titlesize": 9,
         "axes.titleweight": "bold", "svg.fonttype": "none"}
"""rcParams for every figure (a local context: pocplan never changes global state)."""

PNG_DPI = 150


# ====================================================================== deterministic output
def svg_text(fig: Figure, salt: str) -> str:
    """The figure as an inline `<svg>` element: no XML prolog or DOCTYPE (a page inlines
    it), no metadata block, ids salted with `salt` so figures in one page never collide."""
    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE | {"svg.hashsalt": f"pocplan-{salt}"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)
    # matplotlib names elements figure_1, axes_1, …: prefix every id and every reference
    # to one, so that several figures can share a page.
    text = re.sub(r'(\sid="|href="#|url\(#)', lambda m: f"{m.group(1)}{salt}-", text)
    return text.strip() + "\n"


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


F = TypeVar("F", bound=Callable[..., Figure])


def _styled(fn: F) -> F:
    """Build the figure under STYLE (fonts and sizes are fixed when artists are made)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def _plain(text: str) -> str:
    """Scenario text as matplotlib shows it literally (no mathtext between dollar signs)."""
    return text.replace("$", r"\$")


# ====================================================================== shared data
def phases(weeks: int, count: int = 4) -> list[tuple[int, int]]:
    """The horizon cut into `count` phases of near-equal length, longer ones first:
    13 weeks → 1–4, 5–7, 8–10, 11–13."""
    count = max(1, min(count, weeks))
    size, extra = divmod(weeks, count)
    out, start = [], 1
    for i in range(count):
        n = size + (1 if i < extra else 0)
        out.append((start, start + n - 1))
        start += n
    return out


def residual_risk(instance: Instance, entry: PlanEntry) -> dict[tuple[str, int], float]:
    """(hotspot, week) → risk left after the plan: total risk − harm averted there."""
    averted = harm_averted_by_cell(instance, entry.plan)
    return {(h, t): max(0.0, instance.total_risk[h, t] - averted.get((h, t), 0.0))
            for h in instance.hotspot_ids for t in instance.weeks}


@dataclass(frozen=True)
class CellPlan:
    """What a plan puts in each (hotspot, week), by unit id."""

    present: dict[tuple[str, int], list[str]]
    escorts: dict[tuple[str, int], list[str]]
    sorties: dict[tuple[str, int], int]

    @classmethod
    def of(cls, entry: PlanEntry) -> CellPlan:
        present: dict[tuple[str, int], list[str]] = defaultdict(list)
        escorts: dict[tuple[str, int], list[str]] = defaultdict(list)
        sorties: dict[tuple[str, int], int] = defaultdict(int)
        plan = entry.plan.canonical()
        for a in plan.assignments:
            (present if a.task == "presence" else escorts)[a.hotspot, a.week].append(a.unit)
        for s in plan.sorties:
            sorties[s.hotspot, s.week] += s.count
        return cls(dict(present), dict(escorts), dict(sorties))


def _week_label(outcome: Outcome, t: int) -> str:
    start = outcome.scenario.week_start(t)
    label = f"w{t}" if start is None else f"w{t}\n{start:%d %b}"
    return label + ("\nexec." if outcome.executed(t) else "")


def _phase_title(outcome: Outcome, a: int, b: int) -> str:
    weeks = f"Week {a}" if a == b else f"Weeks {a}–{b}"
    start, end = outcome.scenario.week_start(a), outcome.scenario.week_start(b)
    if start is None or end is None:
        return weeks
    return f"{weeks} ({start:%d %b} – {end + _SIX_DAYS:%d %b %Y})"


_SIX_DAYS = dt.timedelta(days=6)


# ====================================================================== map
def _extent(instance: Instance) -> tuple[float, float, float, float]:
    lons = [x.location.lon for x in (*instance.scenario.bases, *instance.scenario.hotspots)]
    lats = [x.location.lat for x in (*instance.scenario.bases, *instance.scenario.hotspots)]
    pad = max(0.3, 0.12 * max(max(lons) - min(lons), max(lats) - min(lats)))
    return min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad


def _nice_km(span_km: float) -> float:
    for km in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000):
        if km >= span_km / 5:
            return km
    return 5000


def _scale_bar(ax, extent: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = extent
    lat = y0 + 0.06 * (y1 - y0)
    per_degree = km_per_degree_lon(lat)
    km = _nice_km((x1 - x0) * per_degree)
    start = x0 + 0.04 * (x1 - x0)
    end = start + km / per_degree
    ax.plot([start, end], [lat, lat], color="black", linewidth=2.5, solid_capstyle="butt",
            zorder=6)
    ax.plot([start, start, end, end], [lat + 0.02 * (y1 - y0), lat, lat,
                                       lat + 0.02 * (y1 - y0)],
            color="black", linewidth=0.8, zorder=6)
    ax.text((start + end) / 2, lat + 0.025 * (y1 - y0), f"{km:g} km", ha="center",
            va="bottom", fontsize=7, zorder=6)


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):.1f}°{positive if value >= 0 else negative}"


def _ground_ranges(instance: Instance) -> dict[str, dict[UnitKind, float]]:
    """base → ground kind → range_km, for the ground units based there."""
    out: dict[str, dict[UnitKind, float]] = defaultdict(dict)
    for unit in instance.scenario.units:
        info = instance.units[unit.id]
        if info.is_ground:
            out[unit.base][unit.kind] = info.spec.range_km
    return out


def _population_size(population: float, largest: float) -> float:
    """Marker area (pt²) by population, area ∝ population."""
    return 30 + 420 * (population / largest if largest else 0.0)


@_styled
def map_figure(outcome: Outcome, entry: PlanEntry, phase_count: int = 4) -> Figure:
    """Small multiples, one map per phase of the horizon: bases and each ground kind's range
    (circles), hotspots sized by population and coloured by the residual risk of the phase
    under this plan, the units present, ground-closed (blue ring) and air-closed (red ×)
    periods, partner operations (red ▲) and host-state presence (green ◆)."""
    instance = outcome.instance
    spans = phases(instance.horizon_weeks, phase_count)
    residual = residual_risk(instance, entry)
    cells = CellPlan.of(entry)
    codes = unit_codes(instance)
    extent = _extent(instance)
    outlines = country_outlines(extent)
    by_phase = {(h, a): sum(residual[h, t] for t in range(a, b + 1))
                for a, b in spans for h in instance.hotspot_ids}
    norm = Normalize(0.0, max(by_phase.values(), default=0.0) or 1.0)
    largest = max((h.population for h in instance.scenario.hotspots), default=0.0)
    columns = 2 if len(spans) > 1 else 1
    rows = math.ceil(len(spans) / columns)
    mid_lat = (extent[1] + extent[3]) / 2
    aspect = 1 / math.cos(math.radians(mid_lat))
    panel_w = 11.4 / columns
    panel_h = panel_w * (extent[3] - extent[1]) * aspect / (extent[2] - extent[0])
    fig = _figure(12, rows * (panel_h + 0.45) + 1.9)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, (a, b) in zip(axes, spans, strict=False):
        _map_panel(ax, outcome, (a, b), extent, outlines, by_phase, norm, largest, cells,
                   codes)
        ax.set_aspect(aspect)
    for ax in axes[len(spans):]:
        ax.set_visible(False)
    fig.colorbar(ScalarMappable(norm=norm, cmap=RISK_CMAP), ax=list(axes[:len(spans)]),
                 location="bottom", shrink=0.45, aspect=50, pad=0.02,
                 label=f"residual risk at a hotspot over the phase under COA {entry.rank} "
                       "(risk points)")
    fig.legend(handles=_map_legend(instance, largest), loc="outside upper center", ncols=5,
               fontsize=7, frameon=False)
    if any(code != unit for unit, code in codes.items()):
        pairs = ", ".join(f"{code} {unit}" for unit, code in codes.items())
        fig.supxlabel(_plain("Units: " + "\n".join(textwrap.wrap(pairs, 190))), fontsize=6.5)
    return fig


def _map_panel(ax, outcome: Outcome, span: tuple[int, int], extent, outlines, by_phase,
               norm, largest, cells: CellPlan, codes: dict[str, str]) -> None:
    instance = outcome.instance
    a, b = span
    weeks = range(a, b + 1)
    x0, y0, x1, y1 = extent
    ax.set_facecolor("#dfe9f2")
    for outline in outlines:
        for ring in outline.rings:
            ring = clip_ring(ring, extent)
            if len(ring) < 3:
                continue
            ax.fill([p[0] for p in ring], [p[1] for p in ring], facecolor="#f4f1ea",
                    edgecolor="#7a7a7a", linewidth=0.7, zorder=0)
        _country_label(ax, outline, extent)
    ranges = _ground_ranges(instance)
    for base in instance.scenario.bases:
        lon, lat = base.location.lon, base.location.lat
        for kind, km in sorted(ranges.get(base.id, {}).items()):
            lons, lats = circle(lon, lat, km)
            ax.plot(lons, lats, color=KIND_COLOUR.get(kind, "#555555"), linewidth=0.7,
                    linestyle="--", alpha=0.55, zorder=1)
        ax.scatter([lon], [lat], marker="s", s=45, color="black", zorder=5)
        ax.annotate(base.id, (lon, lat), xytext=(-4, -4), textcoords="offset points",
                    ha="right", va="top", fontsize=7, fontweight="bold", zorder=7)
        closed = [t for t in weeks if (base.id, t) in instance.air_closed]
        if closed:
            ax.scatter([lon], [lat], marker="x", s=140, color=AIR_CLOSED_COLOUR,
                       linewidths=1.8, zorder=6)
            ax.annotate(f"air closed w{week_ranges(closed)}", (lon, lat), xytext=(-4, 6),
                        textcoords="offset points", ha="right", fontsize=6.5,
                        color=AIR_CLOSED_COLOUR, zorder=7)
    for h in instance.scenario.hotspots:
        lon, lat = h.location.lon, h.location.lat
        size = _population_size(h.population, largest)
        ax.scatter([lon], [lat], s=size, c=[by_phase[h.id, a]], cmap=RISK_CMAP, norm=norm,
                   edgecolors="black", linewidths=0.6, zorder=3)
        if any((h.id, t) in instance.ground_closed for t in weeks):
            ax.scatter([lon], [lat], s=size * 1.9 + 60, facecolors="none",
                       edgecolors=CLOSED_COLOUR, linewidths=1.6, zorder=2)
        if any((h.id, t) in instance.partner_active for t in weeks):
            ax.scatter([lon + 0.04 * (x1 - x0) / 4], [lat + 0.04 * (y1 - y0) / 4], marker="^",
                       s=28, color=PARTNER_COLOUR, edgecolors="white", linewidths=0.4,
                       zorder=4)
        if any((h.id, t) in instance.state_presence for t in weeks):
            ax.scatter([lon - 0.04 * (x1 - x0) / 4], [lat + 0.04 * (y1 - y0) / 4], marker="D",
                       s=22, color=STATE_COLOUR, edgecolors="white", linewidths=0.4,
                       zorder=4)
        ax.annotate(_hotspot_label(instance, h.id, weeks, cells, codes), (lon, lat),
                    xytext=(6, 3), textcoords="offset points", fontsize=6.2, zorder=7,
                    va="bottom")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_title(_phase_title(outcome, a, b), loc="left")
    ax.xaxis.set_major_formatter(lambda v, _pos: _degrees(v, "E", "W"))
    ax.yaxis.set_major_formatter(lambda v, _pos: _degrees(v, "N", "S"))
    ax.tick_params(labelsize=6.5)
    _scale_bar(ax, extent)


def _country_label(ax, outline, extent) -> None:
    x0, y0, x1, y1 = extent
    inside = [p for ring in outline.rings for p in ring if x0 <= p[0] <= x1 and y0 <= p[1] <= y1]
    if len(inside) < 20:
        return
    lon = sum(p[0] for p in inside) / len(inside)
    lat = sum(p[1] for p in inside) / len(inside)
    ax.text(lon, lat, _plain(outline.name.upper()), fontsize=9, color="#9a9a9a", ha="center",
            va="center", style="italic", zorder=0.5)


def _hotspot_label(instance: Instance, h: str, weeks: range, cells: CellPlan,
                   codes: dict[str, str]) -> str:
    present = sorted({codes[u] for t in weeks for u in cells.present.get((h, t), ())})
    escorts = sorted({codes[u] for t in weeks for u in cells.escorts.get((h, t), ())})
    flown = sum(cells.sorties.get((h, t), 0) for t in weeks)
    units = " ".join(present + [f"({e})" for e in escorts] + ([f"✈{flown}"] if flown else []))
    return f"{h}\n{units}" if units else h


def _map_legend(instance: Instance, largest: float) -> list:
    kinds = sorted({kind for r in _ground_ranges(instance).values() for kind in r})
    ranges = _ground_ranges(instance)
    handles: list = [Line2D([], [], marker="s", color="black", linestyle="none",
                            label="base")]
    for kind in kinds:
        km = next(r[kind] for r in ranges.values() if kind in r)
        handles.append(Line2D([], [], color=KIND_COLOUR.get(kind, "#555555"), linestyle="--",
                              label=f"{kind} range {km:g} km"))
    handles += [
        Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor=CLOSED_COLOUR,
               markeredgewidth=1.6, markersize=10, linestyle="none",
               label="ground closed in the phase"),
        Line2D([], [], marker="x", color=AIR_CLOSED_COLOUR, markersize=8, linestyle="none",
               label="air closed (base)"),
        Line2D([], [], marker="^", color=PARTNER_COLOUR, linestyle="none",
               label="partner CT operations"),
        Line2D([], [], marker="D", color=STATE_COLOUR, linestyle="none",
               label="host-state forces"),
    ]
    for population in _population_keys(largest):
        handles.append(Line2D([], [], marker="o", markerfacecolor="#cccccc",
                              markeredgecolor="black", linestyle="none",
                              markersize=math.sqrt(_population_size(population, largest)),
                              label=f"population {population:,.0f}"))
    handles.append(Line2D([], [], linestyle="none",
                          label="labels: units present (codes), (escort), ✈ sorties"))
    return handles


def _population_keys(largest: float) -> list[float]:
    if largest <= 0:
        return []
    magnitude = 10 ** math.floor(math.log10(largest))
    top = math.floor(largest / magnitude) * magnitude
    return sorted({top, top / 4 if top / 4 >= 1 else top})


# ====================================================================== Gantt
@_styled
def gantt_figure(outcome: Outcome, entry: PlanEntry) -> Figure:
    """Units × weeks: each ground unit's hotspot (one colour per hotspot), escorts hatched
    with their mission, each air unit's sorties per week, weeks unavailable greyed."""
    instance = outcome.instance
    units = [u.id for u in instance.scenario.units]
    colours = _hotspot_colours(instance)
    fig = _figure(12, 0.9 + 0.36 * len(units))
    ax = fig.subplots()
    plan = entry.plan.canonical()
    runs: dict[str, list[tuple[int, str, str | None]]] = defaultdict(list)
    for a in plan.assignments:
        runs[a.unit].append((a.week, a.hotspot, a.mission if a.task == "escort" else None))
    flights: dict[tuple[str, int], list[str]] = defaultdict(list)
    for s in plan.sorties:
        flights[s.unit, s.week].append(f"{s.hotspot}×{s.count}"
                                       + (" esc." if s.task == "escort" else ""))
    for row, unit in enumerate(units):
        info = instance.units[unit]
        for t in instance.weeks:
            if t not in info.available:
                ax.add_patch(Rectangle((t - 0.5, row - 0.4), 1, 0.8, facecolor="#eeeeee",
                                       edgecolor="#bbbbbb", hatch="xxx", linewidth=0))
        for start, end, hotspot, mission in _merge_runs(sorted(runs.get(unit, ()))):
            ax.add_patch(Rectangle((start - 0.5, row - 0.4), end - start + 1, 0.8,
                                   facecolor=colours[hotspot], edgecolor="black",
                                   linewidth=0.5, hatch="///" if mission else None))
            label = hotspot if mission is None else f"{mission}\n@ {hotspot}"
            ax.text((start + end) / 2, row, label, ha="center", va="center",
                    fontsize=6 if mission is None else 4.6, clip_on=True)
        for t in instance.weeks:
            if flights.get((unit, t)):
                ax.add_patch(Rectangle((t - 0.5, row - 0.4), 1, 0.8, facecolor="#e7d4e8",
                                       edgecolor="#762a83", linewidth=0.5))
                ax.text(t, row, "✈ " + "\n".join(flights[unit, t]), ha="center",
                        va="center", fontsize=5, clip_on=True)
    ax.set_yticks(range(len(units)),
                  [f"{u} ({instance.units[u].spec.kind}, {instance.units[u].base})"
                   for u in units], fontsize=6.5)
    ax.set_xticks(list(instance.weeks), [_week_label(outcome, t) for t in instance.weeks],
                  fontsize=6.5)
    ax.set_xlim(0.5, instance.horizon_weeks + 0.5)
    ax.set_ylim(len(units) - 0.5, -0.5)
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_title(f"COA {entry.rank}: what each unit does, week by week (blank: at base)",
                 loc="left")
    fig.legend(handles=[Patch(facecolor="white", edgecolor="black", hatch="///",
                              label="escort task (mission)"),
                        Patch(facecolor="#e7d4e8", edgecolor="#762a83",
                              label="✈ sorties: hotspot × count"),
                        Patch(facecolor="#eeeeee", edgecolor="#bbbbbb", hatch="xxx",
                              label="unavailable")],
               loc="outside lower center", ncols=3, fontsize=7, frameon=False)
    return fig


def _merge_runs(weeks: Sequence[tuple[int, str, str | None]]
                ) -> list[tuple[int, int, str, str | None]]:
    """Consecutive weeks at the same hotspot with the same task merged into one bar."""
    out: list[tuple[int, int, str, str | None]] = []
    for t, hotspot, mission in weeks:
        if out and out[-1][1] == t - 1 and out[-1][2:] == (hotspot, mission):
            out[-1] = (out[-1][0], t, hotspot, mission)
        else:
            out.append((t, t, hotspot, mission))
    return out


def _hotspot_colours(instance: Instance) -> dict[str, str]:
    palette = [matplotlib.colors.to_hex(c) for c in
               matplotlib.colormaps["tab20"].colors]  # type: ignore[attr-defined]
    light = palette[1::2] + palette[0::2]
    return {h: light[i % len(light)] for i, h in enumerate(instance.hotspot_ids)}


# ====================================================================== heat map
@_styled
def risk_heatmap_figure(outcome: Outcome, entry: PlanEntry) -> Figure:
    """Hotspots × weeks of residual risk under the plan, with the number of units present,
    short stays (R, at the week the stay ends) and vacuums (V) from the plan's warnings,
    and ground-closed weeks hatched."""
    instance = outcome.instance
    hotspots = list(instance.hotspot_ids)
    residual = residual_risk(instance, entry)
    cells = CellPlan.of(entry)
    grid = [[residual[h, t] for t in instance.weeks] for h in hotspots]
    fig = _figure(12, 1.2 + 0.32 * len(hotspots))
    ax = fig.subplots()
    vmax = max((v for row in grid for v in row), default=0.0) or 1.0
    image = ax.imshow(grid, cmap=RISK_CMAP, norm=Normalize(0.0, vmax), aspect="auto",
                      interpolation="nearest",
                      extent=(0.5, instance.horizon_weeks + 0.5, len(hotspots) - 0.5, -0.5))
    marks = _warning_marks(entry.evaluation)
    for i, h in enumerate(hotspots):
        for t in instance.weeks:
            if (h, t) in instance.ground_closed:
                ax.add_patch(Rectangle((t - 0.5, i - 0.5), 1, 1, facecolor="none",
                                       edgecolor=CLOSED_COLOUR, hatch="////", linewidth=0))
            n = len(cells.present.get((h, t), ()))
            text = (str(n) if n else "") + "".join(marks.get((h, t), ()))
            if text:
                ax.text(t, i, text, ha="center", va="center", fontsize=6.5,
                        fontweight="bold" if marks.get((h, t)) else "normal")
            if marks.get((h, t)):
                ax.add_patch(Rectangle((t - 0.46, i - 0.46), 0.92, 0.92, facecolor="none",
                                       edgecolor="black", linewidth=1.2))
    ax.set_yticks(range(len(hotspots)), [_plain(instance.hotspot_names[h]) for h in hotspots],
                  fontsize=6.5)
    ax.set_xticks(list(instance.weeks), [_week_label(outcome, t) for t in instance.weeks],
                  fontsize=6.5)
    ax.set_title(f"Residual risk under COA {entry.rank} (risk − harm averted), by hotspot "
                 "and week", loc="left")
    fig.colorbar(image, ax=ax, shrink=0.8, label="residual risk (risk points)")
    fig.legend(handles=[
        Line2D([], [], linestyle="none", label="n = units present"),
        Patch(facecolor="white", edgecolor="black", label="R: a short stay ends "
                                                          "(retaliation exposure)"),
        Patch(facecolor="white", edgecolor="black", label="V: security vacuum"),
        Patch(facecolor="white", edgecolor=CLOSED_COLOUR, hatch="////",
              label="ground closed")], loc="outside lower center", ncols=4, fontsize=7,
        frameon=False)
    return fig


def _warning_marks(evaluation: Evaluation) -> dict[tuple[str, int], list[str]]:
    marks: dict[tuple[str, int], list[str]] = defaultdict(list)
    for w in evaluation.warnings:
        letter = {"short_stay": "R", "vacuum": "V"}.get(w.rule)
        if letter and letter not in marks[w.hotspot, w.week]:
            marks[w.hotspot, w.week].append(letter)
    return dict(marks)


# ====================================================================== trade-offs
@dataclass(frozen=True)
class Column:
    """One bar of the trade-off chart: a COA (or the staff heuristic) and its evaluation."""

    label: str
    instance: Instance
    evaluation: Evaluation


def tradeoff_columns(outcome: Outcome) -> list[Column]:
    """Every COA, then the staff heuristic (when the plans came from a solver)."""
    columns = [Column(f"COA {e.rank}", outcome.instance, e.evaluation) for e in outcome.plans]
    if outcome.heuristic_evaluation is not None and outcome.backend != "heuristic":
        columns.append(Column("staff heuristic", outcome.instance,
                              outcome.heuristic_evaluation))
    return columns


@_styled
def tradeoff_figure(columns: Sequence[Column],
                    intervals: Mapping[str, tuple[float, float]] | None = None) -> Figure:
    """The score's terms per column, stacked: gains above zero, exposures and penalties
    below, the net score as a diamond. `intervals` (label → (low, high) score points) is
    the hook for the proven intervals of docs/ranking-and-comparisons.md
    (docs/ranking-and-comparisons.md): each given
    one is drawn as an error bar on that column's score (none are computed yet)."""
    fig = _figure(max(6.0, 1.3 * len(columns) + 3.5), 4.6)
    ax = fig.subplots()
    terms = [metric for metric, _ in score_parts(columns[0].instance,
                                                 columns[0].evaluation.metrics)] \
        if columns else []
    for x, column in enumerate(columns):
        up = down = 0.0
        for metric, points in score_parts(column.instance, column.evaluation.metrics):
            if not points:
                continue
            bottom = up if points > 0 else down
            ax.bar(x, points, bottom=bottom, width=0.6, color=TERM_COLOUR[metric],
                   edgecolor="white", linewidth=0.5)
            if points > 0:
                up += points
            else:
                down += points
        score = column.evaluation.score
        ax.scatter([x], [score], marker="D", color="black", s=30, zorder=5)
        ax.annotate(f"{score:,.1f}", (x, score), xytext=(8, 0), textcoords="offset points",
                    va="center", fontsize=7, fontweight="bold")
        if intervals and column.label in intervals:
            low, high = intervals[column.label]
            ax.errorbar([x], [score], yerr=[[score - low], [high - score]], fmt="none",
                        ecolor="black", capsize=4, linewidth=1, zorder=6)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(columns)), [c.label for c in columns])
    ax.set_ylabel("score points")
    ax.set_title("Score by term", loc="left")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.5)
    ax.set_axisbelow(True)
    handles = [Patch(color=TERM_COLOUR[m], label=TERM_LABEL[m]) for m in terms]
    handles.append(Line2D([], [], marker="D", color="black", linestyle="none",
                          label="score (net)"))
    fig.legend(handles=handles, loc="outside right center", fontsize=7, frameon=False)
    return fig
