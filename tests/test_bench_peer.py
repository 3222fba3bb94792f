"""The benchmark's peer, the plain textbook MILP (bench/peer.py, issue 12): its plans are
judged by the evaluator, score what the model claims, and reach the optimum the
hand-derived example and pocplan prove."""

from __future__ import annotations

import pytest

from bench.generate import generate_yaml
from bench.peer import run_peer
from planner.domain.instance import Instance
from planner.inputs.loader import load_scenario
from planner.search.solve import SolveOptions, solve
from tests.conftest import REPO


def _checked(instance: Instance, seconds: float) -> dict:
    out = run_peer(instance, seconds)
    assert out["valid"] is True
    assert out["claimed"] == pytest.approx(out["score"], abs=1e-6)
    assert out["bound"] >= out["score"] - 1e-6
    return out


def test_the_peer_refuses_a_contract_v2_scenario():
    """It has none of the v2 rules: a comparison on a v2 scenario would not be fair."""
    v2 = Instance.build(load_scenario(REPO / "docs/contract/examples/tiny_v2.yaml").scenario)
    with pytest.raises(ValueError, match="contract v1 only"):
        run_peer(v2, 1)


def test_the_peer_finds_the_hand_derived_optimum(tiny_hand):
    out = _checked(tiny_hand, 10)
    assert out["status"] == "Optimal"
    assert out["score"] == pytest.approx(74.968304, abs=1e-6)


def test_the_peer_and_pocplan_prove_the_same_tutorial_optimum():
    instance = Instance.build(load_scenario(REPO / "scenarios" / "tutorial.yaml").scenario)
    out = _checked(instance, 20)
    ours = solve(instance, SolveOptions(time_limit=20))
    assert out["status"] == "Optimal" and ours.status == "optimal"
    assert out["score"] == pytest.approx(ours.score, abs=1e-6)


@pytest.mark.slow
def test_the_peer_scores_what_it_claims_on_a_generated_menaka_size_case(tmp_path):
    path = tmp_path / "xs.yaml"
    path.write_text(generate_yaml("XS", 2), encoding="utf-8")
    _checked(Instance.build(load_scenario(path).scenario), 8)
