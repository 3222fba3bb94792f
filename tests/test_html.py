"""The HTML briefing and its figures (planner/outputs): structure, no remote resource,
escaping, byte-identical output, the CLI's html and png formats, and the page opened in a
real headless Chromium with the network shut.

The flagship briefing is rendered from a fixed plan (the staff heuristic's, plus a second
COA made from it by hand), so it needs no solver and is the same on every run.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from models.plan import Plan
from planner.domain.instance import Instance
from planner.inputs.loader import load_scenario
from planner.outputs import charts
from planner.outputs.basemap import boundary_file, clip_ring, country_outlines
from planner.outputs.documents import Outcome, PlanEntry, ScenarioInfo, outcome_from_heuristic
from planner.outputs.html import (
    CHECK_ATTRIBUTE,
    PNG_FILES,
    html_briefing,
    page,
    write_png_figures,
)
from planner.rules.evaluator import evaluate
from planner.search.heuristic import staff_heuristic
from tests.conftest import REPO, scenario_dict

SCENARIOS = REPO / "scenarios"
FLAGSHIP = SCENARIOS / "central_mali_2018.yaml"
TUTORIAL = SCENARIOS / "tutorial.yaml"
SECTIONS = ("map", "timeline", "tradeoffs", "warnings", "assumptions")
FIGURES = ("map", "gantt", "risk", "tradeoffs")


def heuristic_outcome(path: Path, name: str | None = None) -> Outcome:
    """Two COAs from a fixed plan: the staff heuristic's, and the same without the first
    unit's assignments, with the staff heuristic as reference."""
    loaded = load_scenario(path)
    scenario = loaded.scenario if name is None else loaded.scenario.model_copy(
        update={"name": name})
    instance = Instance.build(scenario)
    plan = staff_heuristic(instance)
    first = plan.assignments[0].unit
    second = Plan(assignments=[a for a in plan.assignments if a.unit != first],
                  sorties=list(plan.sorties), missions=list(plan.missions))
    info = ScenarioInfo(scenario.name, loaded.sha256, instance.horizon_weeks, path,
                        scenario.horizon.start)
    base = outcome_from_heuristic(info, instance, plan, evaluate(instance, plan), 0.1)
    entry2 = PlanEntry(2, second, evaluate(instance, second), f"keeps {first} at base",
                       difference=5)
    return replace(base, backend="highs", status="feasible", gap=0.01,
                   plans=(base.plans[0], entry2))


@pytest.fixture(scope="module")
def flagship() -> Outcome:
    return heuristic_outcome(FLAGSHIP)


@pytest.fixture(scope="module")
def flagship_html(flagship) -> str:
    return html_briefing(flagship)


# ====================================================================== unit pieces
def test_phases_split_the_horizon_longest_first():
    assert charts.phases(13, 4) == [(1, 4), (5, 7), (8, 10), (11, 13)]
    assert charts.phases(2, 4) == [(1, 1), (2, 2)]
    assert charts.phases(6) == [(1, 2), (3, 4), (5, 5), (6, 6)]


def test_clip_ring_keeps_the_part_inside_the_box():
    square = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
    clipped = clip_ring(square, (0.0, 0.0, 2.0, 2.0))
    assert sorted(clipped) == [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    assert clip_ring(square, (5.0, 5.0, 6.0, 6.0)) == []


def test_boundaries_ship_inside_an_installed_package():
    assert boundary_file().is_file()
    box = (-5.5, 13.5, -1.5, 15.5)
    outlines = country_outlines(box)
    assert {"Mali", "Burkina Faso"} <= {o.name for o in outlines}
    for outline in outlines:                 # only the rings that meet the box (France's
        for ring in outline.rings:           # overseas parts are not read for the Sahel)
            assert min(x for x, _ in ring) <= box[2] and max(x for x, _ in ring) >= box[0]


def test_residual_risk_is_risk_minus_the_evaluators_harm_averted(flagship):
    instance, entry = flagship.instance, flagship.plans[0]
    residual = charts.residual_risk(instance, entry)
    assert sum(instance.total_risk.values()) - sum(residual.values()) == pytest.approx(
        entry.evaluation.metrics.harm_averted, rel=1e-9)


def test_tradeoff_intervals_hook_draws_an_error_bar(flagship):
    columns = charts.tradeoff_columns(flagship)
    assert [c.label for c in columns] == ["COA 1", "COA 2", "staff heuristic"]
    plain = charts.tradeoff_figure(columns)
    score = columns[0].evaluation.score
    with_bar = charts.tradeoff_figure(columns, {"COA 1": (score - 50, score + 20)})
    assert len(with_bar.axes[0].collections) > len(plain.axes[0].collections)


# ====================================================================== the flagship page
@pytest.mark.slow
def test_flagship_briefing_structure(flagship, flagship_html):
    doc = flagship_html
    assert doc.startswith("<!DOCTYPE html>")
    for section in SECTIONS:
        assert doc.count(f'<section id="{section}">') == 1, section
    assert doc.count("<svg") == len(FIGURES)
    for name in FIGURES:
        block = doc.split(f'<figure id="fig-{name}">', 1)[1].split("</figure>", 1)[0]
        assert block.count("<svg") == 1 and "<figcaption>" in block, name
    instance = flagship.instance
    for unit in instance.units:
        assert unit in doc, unit
    for h in instance.scenario.hotspots:
        assert h.id in doc and charts_escape(h.name or h.id) in doc, h.id
    assert flagship.scenario.sha256 in doc
    assert "02 Jul 2018 – 30 Sep 2018 (13 weeks)" in doc
    assert "@page { size: A4 landscape" in doc
    assert "km</text>" in doc                              # the scale bars
    for office in {p.office for p in instance.scenario.priorities if p.office}:
        assert f"{charts_escape(office)}:" in doc, office  # per-office account
    for rule in {w.rule for w in flagship.plans[0].evaluation.warnings}:
        assert f"<strong>{rule}:</strong>" in doc


def charts_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


NAMESPACE = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')


@pytest.mark.slow
def test_flagship_briefing_references_no_remote_resource(flagship_html):
    # xmlns="http://www.w3.org/2000/svg" names a namespace; nothing is fetched from it.
    # Strip those declarations, then no URL with a scheme may remain anywhere.
    body = NAMESPACE.sub("", flagship_html)
    assert "http://" not in body and "https://" not in body and "//cdn" not in body
    for attribute in re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', body):
        assert attribute.startswith(("#", "data:image/png;base64,")), attribute[:40]
    for target in re.findall(r"url\(([^)]*)\)", body):
        assert target.strip("'\"").startswith("#"), target
    assert "<img" not in body and "<link" not in body and "@import" not in body
    assert "default-src 'none'" in body


@pytest.mark.slow
def test_flagship_briefing_ids_are_unique(flagship_html):
    ids = Counter(re.findall(r'\sid="([^"]+)"', flagship_html))
    assert [i for i, n in ids.items() if n > 1] == []
    for ref in set(re.findall(r'href="#([^"]+)"', flagship_html)):
        assert ref in ids, ref


# ====================================================================== escaping, determinism
HOSTILE = '<script>alert("x")</script> & $5 "market"'


@pytest.mark.slow
def test_every_scenario_string_is_escaped(tmp_path):
    import yaml

    data = scenario_dict(TUTORIAL.read_text(encoding="utf-8"))
    data["name"] = HOSTILE
    data["hotspots"][0]["name"] = HOSTILE
    for p in data.get("priorities", []):
        p["office"] = "<b>office</b>"
    data.pop("priority_files", None)
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    doc = html_briefing(heuristic_outcome(path))
    assert "<script>alert" not in doc and "<b>office" not in doc
    assert doc.count("<script>") == 1                       # the page's own check script
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; $5" in doc
    assert "&lt;script&gt;alert(" in doc.split('<figure id="fig-risk">')[1]  # in the SVG


@pytest.mark.slow
def test_same_outcome_gives_byte_identical_html_and_png(tmp_path):
    import yaml

    path = tmp_path / "tiny.yaml"     # the TINY fixture: no start date, 4 weeks, 2 hotspots
    path.write_text(yaml.safe_dump(scenario_dict()), encoding="utf-8")
    outcome = heuristic_outcome(path)
    assert html_briefing(outcome) == html_briefing(outcome)
    first = write_png_figures(outcome, tmp_path / "a")
    second = write_png_figures(outcome, tmp_path / "b")
    assert [p.name for p in first] == list(PNG_FILES)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


# ====================================================================== through the CLI
@pytest.mark.slow
def test_cli_plan_html_and_png(tmp_path):
    runner = CliRunner()
    out = tmp_path / "briefing.html"
    result = runner.invoke(cli.app, ["plan", str(TUTORIAL), "--solver", "heuristic",
                                     "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("<svg") == len(FIGURES)
    result = runner.invoke(cli.app, ["plan", str(TUTORIAL), "--solver", "heuristic",
                                     "--format", "png", "--output", str(tmp_path / "slides")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "slides").iterdir()) == sorted(PNG_FILES)


def test_cli_png_needs_an_output_directory(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli.app, ["plan", str(TUTORIAL), "--solver", "heuristic",
                                     "--format", "png"])
    assert result.exit_code == 2
    file = tmp_path / "file.txt"
    file.write_text("x")
    result = runner.invoke(cli.app, ["plan", str(TUTORIAL), "--solver", "heuristic",
                                     "--format", "png", "--output", str(file)])
    assert result.exit_code == 2


@pytest.mark.slow
def test_cli_whatif_html(tmp_path):
    out = tmp_path / "whatif.html"
    result = CliRunner().invoke(cli.app, ["whatif", str(TUTORIAL), "--remove-unit", "INF-1",
                                          "--time-limit", "4", "--format", "html",
                                          "--output", str(out)])
    assert result.exit_code == 0, result.output
    doc = out.read_text(encoding="utf-8")
    assert '<section id="whatif">' in doc and "removes INF-1" in doc
    assert doc.count("<svg") == len(FIGURES)
    assert ">as given<" in doc and ">as changed<" in doc   # trade-off chart columns


# ====================================================================== in a real browser
CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and
                 Path(p).exists()), None)
NO_NETWORK = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync",
              "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
              "--proxy-bypass-list=<-loopback>", "--hide-scrollbars"]
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium found (Debian: apt-get install chromium; .ci/run "
                             "installs it)")


def chromium(tmp_path: Path, page_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run([CHROMIUM, *NO_NETWORK, f"--user-data-dir={profile}", *args,
                           page_path.as_uri()], capture_output=True, text=True, timeout=120,
                          check=False)


def check_attribute(tmp_path: Path, page_path: Path) -> str:
    dom = chromium(tmp_path, page_path, "--dump-dom").stdout
    match = re.search(rf'<html[^>]*\s{CHECK_ATTRIBUTE}="([^"]*)"', dom)
    assert match, dom[:500]
    return match.group(1)


@pytest.mark.slow
@needs_chromium
def test_flagship_briefing_in_headless_chromium(tmp_path, flagship_html):
    from PIL import Image, ImageStat

    page_path = tmp_path / "briefing.html"
    page_path.write_text(flagship_html, encoding="utf-8")
    assert check_attribute(tmp_path, page_path) == "ok"
    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, page_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.exists(), result.stderr[-2000:]
    with Image.open(shot) as image:
        grey = image.convert("L")
        assert grey.size == (1280, 2000)
        assert ImageStat.Stat(grey).stddev[0] > 20          # not a blank page
        colours = image.convert("RGB").resize((320, 500)).getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 200         # figures, not just text


@pytest.mark.slow
@needs_chromium
def test_the_browser_check_catches_errors(tmp_path):
    # The same page frame with a throwing script and an image the policy blocks: the check
    # must report both, so an "ok" above means something.
    page_path = tmp_path / "broken.html"
    page_path.write_text(page("broken", ['<script>throw new Error("boom")</script>',
                                         '<img src="https://example.org/x.png" alt="x">']),
                         encoding="utf-8")
    verdict = check_attribute(tmp_path, page_path)
    assert verdict.startswith("error:") and "boom" in verdict and "blocked" in verdict
