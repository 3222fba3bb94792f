"""The executor seam (planner/search/executor.py): in-process and on a real Dask
LocalCluster (2 worker processes), the same results in task order, retries reported,
failures raised, Ctrl-C cancelling; and the analyses that use it — marginal values,
`pocplan robustness`, `pocplan sweep` — giving the same answers whatever runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from cli import ExitCode
from models.scenario import Scenario
from planner.analysis.robustness import Spread, percentile, robustness, sample_table
from planner.analysis.sweep import load_sweep
from planner.analysis.whatif import marginal_values
from planner.domain.instance import Instance
from planner.inputs.loader import ScenarioError, load_scenario
from planner.rules.evaluator import evaluate
from planner.search.executor import (
    DaskExecutor,
    InProcess,
    Task,
    TasksFailed,
    make_executor,
)
from planner.search.ranking import rank_plans
from planner.search.solve import SolveOptions

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "scenarios" / "tutorial.yaml"
SWEEP = REPO / "scenarios" / "sweeps" / "tutorial_sweep.yaml"
ENV = {"COLUMNS": "140", "NO_COLOR": "1", "POCPLAN_DEBUG": None}


def run(*args: object):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV)


def square(x: int) -> int:
    return x * x


def fails_once(marker: str, x: int) -> int:
    """Raises the first time it runs for `marker` (a file), then succeeds."""
    if not os.path.exists(marker):
        Path(marker).write_text("ran")
        raise RuntimeError("lost on the first attempt")
    return x


def always_fails(x: int) -> int:
    raise ValueError(f"bad input {x}")


@pytest.fixture(scope="module")
def tutorial() -> Instance:
    return Instance.build(load_scenario(TUTORIAL).scenario)


# ---------------------------------------------------------------------- in process
def test_in_process_runs_in_task_order_and_reports_progress():
    seen = []
    results = InProcess().run([Task(f"t{i}", square, (i,)) for i in range(5)],
                              on_done=lambda i, r: seen.append((i, r)))
    assert results == [0, 1, 4, 9, 16]
    assert seen == [(i, i * i) for i in range(5)]


def test_a_failed_task_is_retried_and_reported(tmp_path):
    ex = InProcess()
    assert ex.run([Task("flaky", fails_once, (str(tmp_path / "m"), 7))]) == [7]
    assert ex.retried == [("flaky", "RuntimeError: lost on the first attempt")]


def test_a_task_failing_every_retry_raises_naming_it():
    ex = InProcess(retries=1)
    with pytest.raises(TasksFailed) as caught:
        ex.run([Task("ok", square, (2,)), Task("bad-3", always_fails, (3,))])
    assert caught.value.failures == (("bad-3", "ValueError: bad input 3"),)
    assert ex.retried == [("bad-3", "ValueError: bad input 3")]


def test_a_failed_task_is_not_reported_done_in_process_as_on_dask():
    """A progress callback sees only results; the failure surfaces as TasksFailed (which
    the commands turn into a message), never as the callback's own TypeError on None."""
    seen = []
    with pytest.raises(TasksFailed):
        InProcess(retries=0).run([Task("ok", square, (3,)), Task("bad-1", always_fails, (1,))],
                                 on_done=lambda i, r: seen.append(len(str(r + 0))))
    assert seen == [1]


def test_a_sweep_point_is_compared_by_the_one_interval_rule():
    """Sweep differences are docs/ranking-and-comparisons.md §11's, as in what-if: the same
    pair of solves is decided, or not, whichever command compares them."""
    from planner.analysis.sweep import PointResult, difference
    from planner.domain.intervals import difference as interval

    def point(score, bound):
        return PointResult("p", (), "feasible", score, bound, 0.0, True)

    for (sa, ba), (sb, bb) in [((10.0, 10.0), (9.999999, 9.999999)), ((5.0, 7.0), (6.0, None)),
                               ((8.0, 7.9999), (3.0, 4.0)), ((2.0, None), (2.0, 2.0))]:
        assert difference(point(sa, ba), point(sb, bb)) == interval(sa, ba, sb, bb).as_dict()
    # 1e-6 apart, both proven: decided (a relative tolerance of 1e-6 used to call it a tie)
    assert difference(point(10.0, 10.0), point(9.99999, 9.99999))["decided"]


def test_one_worker_is_the_in_process_path():
    assert isinstance(make_executor(1), InProcess)


# ---------------------------------------------------------------------- Monte Carlo
def test_samples_are_seeded_per_index_and_move_one_level_at_most(tutorial):
    spread = Spread(0.3, 0.3)
    a = sample_table(tutorial, 5, 17, spread)
    assert a == sample_table(tutorial, 5, 17, spread)
    assert a != sample_table(tutorial, 6, 17, spread) or a != sample_table(tutorial, 5, 18,
                                                                           spread)
    assert set(a) == set(tutorial.pi)
    for h in tutorial.scenario.hotspots:
        for threat in h.threats:
            key = next(k for k in a if k[0] == h.id and k[1] == threat.category)
            allowed = {p * i for p in range(max(1, threat.probability - 1),
                                            min(5, threat.probability + 1) + 1)
                       for i in range(max(1, threat.impact - 1), min(5, threat.impact + 1) + 1)}
            assert a[key] in allowed
    assert sample_table(tutorial, 0, 3, Spread(0, 0)) == tutorial.pi


def test_spread_parsing_and_percentiles():
    assert Spread.parse("0.1:0.2") == Spread(0.1, 0.2)
    assert Spread.parse("0.3") == Spread(0.3, 0.3)
    for bad in ("x", "0.6:0.6", "1:2:3", "-0.1:0"):
        with pytest.raises(ValueError):
            Spread.parse(bad)
    values = list(range(1, 101))
    assert [percentile(values, q) for q in (5, 50, 95)] == [5, 50, 95]


def test_robustness_rescored_by_the_evaluator(tutorial):
    plans = [p.plan for p in rank_plans(tutorial, 2, options=SolveOptions(time_limit=8)).plans]
    report = robustness(tutorial, plans, samples=40, seed=3, spread=Spread(0, 0))
    for coa, plan in zip(report.coas, plans, strict=True):
        score = evaluate(tutorial, plan).score  # no spread: every sample is the scenario
        assert coa.score.p5 == coa.score.median == coa.score.p95 == coa.base_score == score
    assert sum(c.best_share for c in report.coas) == pytest.approx(1.0)
    assert all(h.flip_share == 0 and h.swing == 0 for h in report.hotspots)
    wide = robustness(tutorial, plans, samples=40, seed=3, spread=Spread(0.4, 0.4))
    assert wide.coas[0].score.p5 < wide.coas[0].base_score < wide.coas[0].score.p95
    assert sum(c.best_share for c in wide.coas) == pytest.approx(1.0)


def test_a_hotspots_draw_alone_is_priced_whole_when_reserves_count():
    """The v2 reserve value belongs to no hotspot (it takes the largest alerts in reach):
    each hotspot's influence is then its draw alone priced whole, checked here by brute
    force on the v2 worked example."""
    from planner.analysis.robustness import _best, price_chunk, sample_table
    from planner.domain.assessments import with_pi

    v2 = Instance.build(load_scenario(REPO / "docs/contract/examples/tiny_v2.yaml").scenario)
    assert v2.scenario.policy.reserve_factor > 0
    plans = [p.plan for p in rank_plans(v2, 3, options=SolveOptions(time_limit=8)).plans]
    spread = Spread(0.4, 0.4)
    report = robustness(v2, plans, samples=30, seed=5, spread=spread)
    base = [evaluate(v2, p).score for p in plans]
    for h in v2.hotspot_ids:
        flips = 0
        for s in range(30):
            table = sample_table(v2, 5, s, spread)
            alone = with_pi(v2, v2.pi | {k: v for k, v in table.items() if k[0] == h})
            flips += _best([evaluate(alone, p).score for p in plans]) != _best(base)
        (got,) = [x for x in report.hotspots if x.hotspot == h]
        assert got.flip_share == pytest.approx(flips / 30)
    row = price_chunk(v2, plans, 5, [0], spread)[0]
    assert all(p.alone is not None and set(p.alone) == set(v2.hotspot_ids) for p in row)


@pytest.mark.parametrize(("status", "code"), [("error", ExitCode.INTERNAL),
                                            ("infeasible", ExitCode.INFEASIBLE),
                                            ("no_solution", ExitCode.NO_PLAN)])
def test_robustness_without_a_coa_exits_as_plan_does(monkeypatch, status, code):
    """No COA to assess: the exit code of `pocplan plan` for the same solver status."""
    from types import SimpleNamespace

    from planner.commands import robustness as command
    from planner.milp.status import SolveStatus

    first = SimpleNamespace(status=SolveStatus(status), conflicts=(), message="it broke")
    monkeypatch.setattr(command, "rank_plans",
                        lambda *a, **k: SimpleNamespace(plans=(), first=first))
    result = run("robustness", TUTORIAL, "--samples", "5", "--workers", "1")
    assert result.exit_code == code and "no COA to assess" in result.stderr


def test_robustness_command_is_reproducible_and_checks_its_options(tmp_path):
    args = ("robustness", TUTORIAL, "--samples", "60", "--plans", "2", "--time-limit", "8",
            "--workers", "1", "--format", "json")
    first, second = run(*args, "--seed", "4"), run(*args, "--seed", "4")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    doc = json.loads(first.stdout)
    assert doc["samples"] == 60 and [c["rank"] for c in doc["coas"]] == [1, 2]
    assert doc["reproducible"] is True  # the tutorial's COAs are proven: they repeat
    assert {h["hotspot"] for h in doc["hotspots"]} == {"KORO", "BANKASS", "NOUH_BOZO"}
    assert run(*args, "--seed", "5").stdout != first.stdout
    table = run("robustness", TUTORIAL, "--samples", "30", "--plans", "1", "--time-limit", "5",
                "--workers", "1", "--resolve", "2")
    assert table.exit_code == 0, table.stderr
    assert "COA 1's regret over 2 re-optimised sample(s)" in " ".join(table.stdout.split())
    bad = run("robustness", TUTORIAL, "--spread", "0.7:0.7", "--workers", "1")
    assert bad.exit_code == ExitCode.USAGE and "together at most 1" in bad.stderr
    bad = run("robustness", TUTORIAL, "--samples", "3", "--resolve", "4", "--workers", "1")
    assert bad.exit_code == ExitCode.USAGE


# ---------------------------------------------------------------------- sweep
def test_a_sweep_file_becomes_points_in_file_order(tutorial):
    points = load_sweep(SWEEP, tutorial.scenario)
    assert [p.name for p in points] == [
        "as given @ min_stay_weeks=2", "as given @ min_stay_weeks=3",
        "second helicopter @ min_stay_weeks=2", "second helicopter @ min_stay_weeks=3",
        "without the infantry @ min_stay_weeks=2", "without the infantry @ min_stay_weeks=3"]
    assert points[2].scenario.policy.min_stay_weeks == 2
    assert "HEL-2" in {u.id for u in points[2].scenario.units}
    assert "INF-1" not in {u.id for u in points[5].scenario.units}


def test_a_bad_sweep_file_is_refused_with_its_line(tmp_path, tutorial):
    path = tmp_path / "sweep.yaml"
    path.write_text("variants:\n  - name: typo\n    add_unit: ['H:attack_helicoptr@SEV']\n"
                    "grid:\n  policy: {min_stay_weeks: [2, 3]}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path, tutorial.scenario)
    problem, = caught.value.errors  # said once, not at every grid point
    assert problem.line == 2 and "did you mean 'attack_helicopter'" in problem.fix
    result = run("sweep", TUTORIAL, path, "--workers", "1")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"{path}:2" in result.stderr and "Traceback" not in result.stderr
    path.write_text("variants:\n  - {name: x, colour: red}\n", encoding="utf-8")
    result = run("sweep", TUTORIAL, path, "--workers", "1")
    assert result.exit_code == ExitCode.INVALID_INPUT and "unknown key 'colour'" in result.stderr
    # an axis with no values would make the grid empty and every variant vanish
    path.write_text("grid:\n  policy: {min_stay_weeks: []}\n", encoding="utf-8")
    result = run("sweep", TUTORIAL, path, "--workers", "1")
    assert result.exit_code == ExitCode.INVALID_INPUT and f"{path}:2" in result.stderr


def test_sweep_reports_each_point_against_the_scenario_as_given():
    result = run("sweep", TUTORIAL, SWEEP, "--time-limit", "5", "--workers", "1", "-f", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    first, *points = doc["points"]
    assert first["name"] == "as given" and first["difference"] is None
    for p in points:
        d = p["difference"]
        assert d["value"] == pytest.approx(p["score"] - first["score"])
        assert d["low"] <= d["value"] <= d["high"]
    helicopter = next(p for p in points if p["name"].startswith("second helicopter"))
    assert helicopter["difference"]["decided"] and helicopter["difference"]["value"] > 0


def test_scheduler_addresses_are_checked():
    result = run("sweep", TUTORIAL, SWEEP, "--scheduler", "localhost:8786")
    assert result.exit_code == ExitCode.USAGE and "tcp://HOST:8786" in result.stderr


# ---------------------------------------------------------------------- a real cluster
@pytest.fixture(scope="module")
def cluster():
    executor = DaskExecutor(workers=2)
    yield executor
    executor.close()


@pytest.mark.slow
def test_a_local_cluster_gives_the_in_process_results(cluster, tmp_path):
    tasks = [Task(f"sq{i}", square, (i,)) for i in range(20)]
    assert cluster.run(tasks) == InProcess().run(tasks)
    assert cluster.run([Task("flaky", fails_once, (str(tmp_path / "m"), 5))]) == [5]
    assert [key for key, _ in cluster.retried] == ["flaky"]
    with pytest.raises(TasksFailed) as caught:
        cluster.run([Task("bad", always_fails, (1,))])
    assert caught.value.failures[0][0] == "bad"


@pytest.mark.slow
def test_ctrl_c_cancels_the_pending_futures(cluster, monkeypatch):
    import dask.distributed

    real = dask.distributed.as_completed

    class Interrupted(real):
        def __next__(self):
            raise KeyboardInterrupt

    monkeypatch.setattr(dask.distributed, "as_completed", Interrupted)
    cancelled = []
    monkeypatch.setattr(cluster.client, "cancel", lambda futures: cancelled.extend(futures))
    with pytest.raises(KeyboardInterrupt):
        cluster.run([Task(f"sq{i}", square, (i,)) for i in range(3)])
    assert len(cancelled) == 3


@pytest.mark.slow
def test_marginal_values_on_a_cluster_equal_the_in_process_ones(cluster):
    scenario: Scenario = load_scenario(TUTORIAL).scenario
    options = SolveOptions(time_limit=20)
    here = marginal_values(scenario, options, executor=InProcess())
    there = marginal_values(scenario, options, executor=cluster)
    def values(report):
        return [(v.label, v.value, v.delta, v.status) for v in report.values]
    assert values(there) == values(here)
    assert len(here.values) == len(scenario.units) + 6 * len(scenario.bases)


@pytest.mark.slow
def test_robustness_is_byte_identical_with_one_and_two_dask_workers():
    args = ("robustness", TUTORIAL, "--samples", "80", "--seed", "11", "--plans", "2",
            "--time-limit", "8", "--resolve", "2", "--format", "json")
    one, two = run(*args, "--workers", "1"), run(*args, "--workers", "2")
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert "Dask LocalCluster, 2 worker process(es)" in two.stderr
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)["regret"]["samples"] == 2


@pytest.mark.slow
def test_sweep_is_identical_on_a_cluster():
    args = ("sweep", TUTORIAL, SWEEP, "--time-limit", "5", "-f", "json")
    one, two = run(*args, "--workers", "1"), run(*args, "--workers", "2")
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert one.stdout == two.stdout


def dies_once(marker: str, x: int) -> int:
    """Kills its worker process the first time it runs for `marker`, then succeeds."""
    if not os.path.exists(marker):
        Path(marker).write_text("died")
        os._exit(1)
    return x


@pytest.mark.slow
def test_a_task_whose_worker_dies_is_retried_and_reported(cluster, tmp_path):
    assert cluster.run([Task("doomed", dies_once, (str(tmp_path / "m"), 3)),
                        Task("fine", square, (4,))]) == [3, 16]
    key, error = cluster.retried[-1]
    assert key == "doomed" and "KilledWorker" in error


@pytest.mark.slow
def test_scheduler_runs_the_tasks_on_an_existing_cluster(cluster):
    address = cluster.cluster.scheduler_address
    here = run("sweep", TUTORIAL, SWEEP, "--time-limit", "5", "-f", "json", "--workers", "1")
    there = run("sweep", TUTORIAL, SWEEP, "--time-limit", "5", "-f", "json",
                "--scheduler", address)
    assert there.exit_code == 0, there.stderr
    assert f"Dask cluster at {address}, 2 worker(s)" in there.stderr
    assert there.stdout == here.stdout


def test_an_unreachable_scheduler_is_one_message(monkeypatch):
    import planner.search.executor as executor_module

    monkeypatch.setattr(executor_module, "CONNECT_TIMEOUT", "1s")
    result = run("sweep", TUTORIAL, SWEEP, "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == ExitCode.INTERNAL
    assert "could not start or reach tcp://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_exits_130(monkeypatch):
    import planner.commands.sweep as sweep_command

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_command, "run_sweep", interrupted)
    result = run("sweep", TUTORIAL, SWEEP, "--workers", "1")
    assert result.exit_code == ExitCode.INTERRUPTED == 130
    assert "interrupted" in result.stderr
