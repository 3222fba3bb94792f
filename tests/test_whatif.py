"""What-if analysis (planner/whatif.py, `pocplan whatif`): parsing changes, refusing those
that make no sense with their exact messages, the side-by-side comparison, marginal values
and the command through the real CLI entry point. Solves use the tutorial scenario (each
well under a second)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

import cli
from models.base import UnitKind
from models.plan import Plan
from planner.analysis import whatif
from planner.analysis.whatif import (
    KEPT_BASELINE,
    AddUnit,
    ChangeRefused,
    ChangeSyntaxError,
    Pin,
    RemoveUnit,
    SetGarrison,
    SetPolicy,
    SetWeight,
    apply_changes,
    compare,
    marginal_values,
    moved_assignments,
    parse_changes,
    solve_within,
)
from planner.domain.instance import Instance
from planner.inputs.loader import load_scenario
from planner.rules.evaluator import evaluate
from planner.search.solve import SolveOptions, solve
from tests.conftest import build_plan

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "scenarios" / "tutorial.yaml"
SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "contract" / "plan-output.schema.json"
ENV = {"COLUMNS": "140", "NO_COLOR": "1", "POCPLAN_DEBUG": None, "FORCE_COLOR": None}
FAST = SolveOptions(time_limit=10)


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario(TUTORIAL).scenario


def run(*args: str):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=ENV)


def refused(scenario, **written) -> list[str]:
    with pytest.raises(ChangeRefused) as caught:
        apply_changes(scenario, parse_changes(**written))
    return list(caught.value.problems)


# ====================================================================== parsing
def test_every_kind_of_change_parses_into_its_typed_object():
    changes = parse_changes(
        add_units=["HEL-2:attack_helicopter@SEV"], remove_units=["INF-1"],
        garrisons=["SEV=2"], requires=["QRF-1@KORO:1-4"], forbids=["FPU-1@BANKASS"],
        weights=["harm=2.5"], policies=["min_stay_weeks=2"])
    assert changes == [
        RemoveUnit("INF-1", raw="INF-1"),
        AddUnit("HEL-2", "attack_helicopter", "SEV", raw="HEL-2:attack_helicopter@SEV"),
        SetGarrison("SEV", 2, raw="SEV=2"),
        Pin("require", "QRF-1", "KORO", (1, 4), raw="QRF-1@KORO:1-4"),
        Pin("forbid", "FPU-1", "BANKASS", None, raw="FPU-1@BANKASS"),
        SetWeight("harm", 2.5, raw="harm=2.5"),
        SetPolicy("min_stay_weeks", 2, raw="min_stay_weeks=2"),
    ]


def test_a_single_week_pin_is_a_one_week_window():
    assert parse_changes(requires=["QRF-1@KORO:3"])[0].weeks == (3, 3)


@pytest.mark.parametrize(("written", "message"), [
    ({"add_units": ["HEL-2:attack_helicopter"]},
     "--add-unit 'HEL-2:attack_helicopter': expected ID:KIND@BASE, e.g. "
     "HEL-2:attack_helicopter@SEV"),
    ({"add_units": ["HEL 2:attack_helicopter@SEV"]},
     "--add-unit 'HEL 2:attack_helicopter@SEV': unit id 'HEL 2' may use only letters, "
     "digits, '_', '.' and '-'"),
    ({"remove_units": [""]}, "--remove-unit '': expected a unit id, e.g. INF-1"),
    ({"garrisons": ["SEV"]}, "--garrison 'SEV': expected BASE=N, e.g. SEV=2"),
    ({"garrisons": ["SEV=-1"]},
     "--garrison 'SEV=-1': the garrison floor must be a whole number of units ≥ 0, not '-1'"),
    ({"requires": ["QRF-1KORO:1-2"]},
     "--require 'QRF-1KORO:1-2': expected UNIT@HOTSPOT:A-B, e.g. QRF-1@KORO:1-4"),
    ({"forbids": ["QRF-1@KORO:1-x"]},
     "--forbid 'QRF-1@KORO:1-x': expected UNIT@HOTSPOT:A-B, e.g. QRF-1@KORO:1-4"),
    ({"requires": ["QRF-1@KORO:0-2"]}, "--require 'QRF-1@KORO:0-2': weeks start at 1"),
    ({"weights": ["harm"]}, "--weight 'harm': expected NAME=VALUE, e.g. harm=2"),
    ({"weights": ["harm=lots"]}, "--weight 'harm=lots': the weight must be a number, not 'lots'"),
    ({"weights": ["harm=nan"]},
     "--weight 'harm=nan': the weight must be a finite number, not 'nan'"),
    ({"policies": ["min_stay_weeks"]},
     "--policy 'min_stay_weeks': expected KEY=VALUE, e.g. min_stay_weeks=2"),
    ({"policies": ["min_stay_weeks=[1, 2]"]},
     "--policy 'min_stay_weeks=[1, 2]': the value must be a single number or word, not "
     "'[1, 2]'"),
])
def test_malformed_changes_are_refused_with_exact_messages(written, message):
    with pytest.raises(ChangeSyntaxError) as caught:
        parse_changes(**written)
    assert caught.value.problems == (message,)


def test_every_malformed_change_is_reported_at_once():
    with pytest.raises(ChangeSyntaxError) as caught:
        parse_changes(add_units=["X"], garrisons=["SEV"], requires=["nope"])
    assert len(caught.value.problems) == 3


# ====================================================================== refusal
@pytest.mark.parametrize(("written", "message"), [
    ({"remove_units": ["INF-9"]},
     "--remove-unit 'INF-9': unknown unit 'INF-9'. Fix: did you mean 'INF-1'? The units "
     "are: QRF-1, INF-1, FPU-1, HEL-1"),
    ({"add_units": ["HEL-2:helicopter@SEV"]},
     "--add-unit 'HEL-2:helicopter@SEV': unknown kind 'helicopter'. Fix: did you mean "
     "'attack_helicopter'? The kinds are: infantry_company, qrf_company, fpu, escort_team, "
     "attack_helicopter, utility_helicopter"),
    ({"add_units": ["HEL-2:attack_helicopter@GAO"]},
     "--add-unit 'HEL-2:attack_helicopter@GAO': unknown base 'GAO'. Fix: the bases are: SEV"),
    ({"add_units": ["QRF-1:fpu@SEV"]},
     "--add-unit 'QRF-1:fpu@SEV': unit id 'QRF-1' is already used. Fix: choose a new id, or "
     "add --remove-unit QRF-1 to replace it"),
    ({"garrisons": ["GAO=1"]},
     "--garrison 'GAO=1': unknown base 'GAO'. Fix: the bases are: SEV"),
    ({"requires": ["QRF-1@KORO:5-9"]},
     "--require 'QRF-1@KORO:5-9': window 5-9 ends after the horizon's last week (6). Fix: "
     "end it by week 6"),
    ({"forbids": ["QRF-1@KORO:4-2"]},
     "--forbid 'QRF-1@KORO:4-2': window 4-2 runs backwards: its first week comes after its "
     "last. Fix: write 2-4"),
    ({"requires": ["QRF-1@KOROO:1-2"]},
     "--require 'QRF-1@KOROO:1-2': unknown hotspot 'KOROO'. Fix: did you mean 'KORO'? The "
     "hotspots are: KORO, BANKASS, NOUH_BOZO"),
    ({"requires": ["QRF-2@KORO:1-2"]},
     "--require 'QRF-2@KORO:1-2': unknown unit 'QRF-2'. Fix: did you mean 'QRF-1'? The units "
     "are: QRF-1, INF-1, FPU-1, HEL-1"),
    ({"remove_units": ["INF-1"], "requires": ["INF-1@KORO:1-2"]},
     "--require 'INF-1@KORO:1-2': unknown unit 'INF-1'. Fix: it is removed by --remove-unit "
     "INF-1; drop one of the two"),
    ({"weights": ["harms=2"]},
     "--weight 'harms=2': unknown weight 'harms'. Fix: did you mean 'harm'? The weights are: "
     "harm, priorities, retaliation, vacuum, ied, engagement, distinction, attraction, "
     "resupply, reserve"),
    ({"weights": ["harm=-1"]}, "--weight 'harm=-1': weight harm is -1, below 0. Fix: weights "
                               "are ≥ 0"),
    ({"policies": ["min_stay=2"]},
     "--policy 'min_stay=2': unknown policy key 'min_stay'. Fix: did you mean "
     "'min_stay_weeks'? The keys are: min_stay_weeks, population_unit, retaliation_factor, "
     "vacuum_factor, ied_factor, engagement_factor, priority_value, distinction, "
     "distinction_penalty, weights, mitigation_caps, attraction_factor, ..."),
    ({"policies": ["min_stay_weeks=0"]},
     "--policy 'min_stay_weeks=0': min_stay_weeks: input should be greater than or equal to "
     "1. Fix: see docs/scenario-format.md for the policy keys and their ranges"),
    ({"policies": ["distinction=maybe"]},
     "--policy 'distinction=maybe': distinction: input should be 'flag', 'penalize' or "
     "'forbid'. Fix: see docs/scenario-format.md for the policy keys and their ranges"),
    ({"policies": ["weights=2"]},
     "--policy 'weights=2': weights is a map. Fix: set one entry: weights.NAME=VALUE (or "
     "--weight NAME=VALUE)"),
])
def test_changes_that_make_no_sense_are_refused_with_exact_messages(tutorial, written,
                                                                    message):
    assert refused(tutorial, **written) == [message]


@pytest.mark.parametrize(("pin", "message"), [
    ("FPU-1@KORO:1-2",
     "--require 'FPU-1@KORO:1-2': require pin of FPU-1 at KORO is impossible: KORO is 121 km "
     "from SEV, beyond FPU-1's range of 100 km. Fix: pin a unit based closer, or raise "
     "unit_types.fpu.range_km"),
    ("QRF-1@NOUH_BOZO:3-4",
     "--require 'QRF-1@NOUH_BOZO:3-4': require pin of QRF-1 at NOUH_BOZO is impossible: "
     "NOUH_BOZO is closed to ground movement in weeks 3–4. Fix: drop those weeks from the pin"),
    ("INF-1@BANKASS:5-6",
     "--require 'INF-1@BANKASS:5-6': require pin of INF-1 at BANKASS is impossible: INF-1 is "
     "not available in weeks 5–6. Fix: drop those weeks from the pin, or widen the unit's "
     "available windows"),
])
def test_an_impossible_pin_is_refused_by_the_loaders_cross_checks(tutorial, pin, message):
    assert refused(tutorial, requires=[pin]) == [message]


def test_pins_the_garrison_cannot_spare_are_refused(tutorial):
    problems = refused(tutorial, requires=["QRF-1@KORO:1-2", "INF-1@BANKASS:1-2"],
                       garrisons=["SEV=2"])
    assert problems == ["--garrison 'SEV=2': require pins take 2 ground units of SEV out in "
                        "weeks 1–2, but it must keep 2 of its available ground units at home. "
                        "Fix: drop a pin for those weeks, or lower min_garrison"]


def test_every_refusal_is_reported_at_once(tutorial):
    problems = refused(tutorial, remove_units=["INF-9"], requires=["QRF-1@KORO:5-9"],
                       add_units=["X:tank@SEV"])
    assert [p.split(":")[0] for p in problems] == ["--remove-unit 'INF-9'", "--add-unit 'X",
                                                    "--require 'QRF-1@KORO"]


# ====================================================================== applying
def test_changes_apply_to_a_validated_scenario(tutorial):
    variant = apply_changes(tutorial, parse_changes(
        add_units=["HEL-2:attack_helicopter@SEV"], garrisons=["SEV=0"],
        forbids=["QRF-1@KORO:1-2"], weights=["harm=2"],
        policies=["distinction=forbid", "mitigation_caps.terrorist_attacks=0.5",
                  "weights.ied=0"]))
    s = variant.scenario
    assert s.units[-1].id == "HEL-2" and s.units[-1].kind is UnitKind.ATTACK_HELICOPTER
    assert s.bases[0].min_garrison == 0
    assert (s.commitments[-1].unit, s.commitments[-1].mode, s.commitments[-1].weeks) == \
        ("QRF-1", "forbid", (1, 2))
    assert (s.policy.weights.harm, s.policy.weights.ied) == (2.0, 0.0)
    assert s.policy.distinction == "forbid"
    assert s.policy.mitigation_caps == {"terrorist_attacks": 0.5}
    assert tutorial.policy.weights.harm == 1.0  # the original is untouched
    Instance.build(s)


def test_removal_comes_first_so_a_unit_can_be_replaced_under_its_id(tutorial):
    variant = apply_changes(tutorial, parse_changes(add_units=["INF-1:fpu@SEV"],
                                                    remove_units=["INF-1"]))
    assert [(u.id, u.kind.value) for u in variant.scenario.units][-1] == ("INF-1", "fpu")


def test_removing_a_unit_drops_its_commitments_and_says_so(tutorial):
    pinned = apply_changes(tutorial, parse_changes(requires=["QRF-1@KORO:1-2"])).scenario
    variant = apply_changes(pinned, parse_changes(remove_units=["QRF-1"]))
    assert variant.scenario.commitments == []
    assert "removing QRF-1 also drops its 1 commitment(s)" in variant.notes


def test_new_warnings_of_the_changed_scenario_are_notes(tutorial):
    variant = apply_changes(tutorial, parse_changes(
        remove_units=["QRF-1", "INF-1", "FPU-1"]))
    assert any("priorities[T-KORO-BOX]: no unit able to hold a presence can be at KORO"
               in note for note in variant.notes)


# ====================================================================== comparing
def test_moved_assignments_are_runs_of_weeks_per_unit(tiny):
    baseline = build_plan([("INF-1", "NEAR", 1), ("INF-1", "NEAR", 2), ("INF-1", "NEAR", 3)],
                          sorties=[("HEL-1", "NEAR", 1, 2)])
    variant = build_plan([("INF-1", "NEAR", 1), ("INF-1", "FAR", 2), ("INF-1", "FAR", 3),
                          ("FPU-1", "NEAR", 4)])
    moved = [m.as_dict() for m in moved_assignments(tiny, tiny, baseline, variant)]
    assert moved == [
        {"unit": "INF-1", "weeks": [2, 3], "baseline": "NEAR", "variant": "FAR"},
        {"unit": "FPU-1", "weeks": [4, 4], "baseline": None, "variant": "NEAR"},
        {"unit": "HEL-1", "weeks": [1, 1], "baseline": "2× NEAR", "variant": None},
    ]


@pytest.fixture(scope="module")
def removal(tutorial):
    variant = apply_changes(tutorial, parse_changes(remove_units=["INF-1"]))
    return compare(tutorial, variant, FAST)


def test_side_by_side_deltas_are_the_evaluators_differences(removal):
    base, var = removal.baseline.evaluation, removal.result.evaluation
    assert base.score == evaluate(removal.baseline_instance, removal.baseline.plan).score
    assert var.score == evaluate(removal.variant_instance, removal.result.plan).score
    deltas = {d.name: d for d in removal.deltas}
    assert list(deltas)[0] == "score"
    assert set(deltas) == {"score"} | set(base.metrics.as_dict())
    assert deltas["score"].delta == pytest.approx(var.score - base.score)
    for name, value in var.metrics.as_dict().items():
        assert deltas[name].delta == pytest.approx(value - base.metrics.as_dict()[name])
    assert deltas["score"].delta < 0 and deltas["score"].better is False


def test_the_removed_unit_shows_as_moved_home(removal):
    assert removal.baseline.status == removal.result.status == "optimal"
    gone = [m for m in removal.moved if m.unit == "INF-1"]
    assert gone and all(m.variant is None and m.baseline is not None for m in gone)
    assert not any(a.unit == "INF-1" for a in removal.result.plan.assignments)


def test_a_variant_is_never_reported_worse_than_a_still_valid_baseline_plan(tutorial,
                                                                            monkeypatch):
    instance = Instance.build(tutorial)
    best = solve(instance, FAST)
    worse = build_plan([("QRF-1", "KORO", 1)])
    monkeypatch.setattr(whatif, "solve", lambda inst, options, **kw: solve(
        Instance.build(tutorial.model_copy(update={"units": tutorial.units[:1]})), options))
    result = solve_within(instance, FAST, best.plan)
    assert result.plan == best.plan and result.kept_start and result.message == KEPT_BASELINE
    assert result.status == "feasible"
    assert evaluate(instance, worse).score < result.evaluation.score


# ====================================================================== marginal values
@pytest.fixture(scope="module")
def marginal(tutorial):
    return marginal_values(tutorial, SolveOptions(time_limit=60))


def test_marginal_values_cover_every_kind_at_every_base_and_every_unit(marginal, tutorial):
    labels = {v.label for v in marginal.values}
    assert labels == ({f"+1 {k.value} at SEV" for k in UnitKind}
                      | {f"without {u.id}" for u in tutorial.units})
    kinds = [isinstance(v.change, AddUnit) for v in marginal.values]
    assert kinds == sorted(kinds, reverse=True)  # additions first, then removals
    for group in (True, False):
        values = [v.value for v in marginal.values if isinstance(v.change, AddUnit) == group]
        assert values == sorted(values, reverse=True)


def test_adding_a_unit_never_has_negative_value_at_the_optimum(marginal):
    assert marginal.baseline.status == "optimal"
    for v in marginal.values:
        assert v.status == "optimal" and not v.hit_limit, v
        assert v.value is not None and v.value >= 0
        if isinstance(v.change, AddUnit):
            assert v.delta >= -1e-9, v  # found, not clamped
    helicopter = next(v for v in marginal.values if v.label == "+1 attack_helicopter at SEV")
    assert helicopter.value > 0


def test_a_new_unit_starts_at_its_best_hotspot_and_a_removed_one_leaves_its_plan(tutorial):
    baseline = solve(Instance.build(tutorial), FAST).plan
    added = apply_changes(tutorial, [AddUnit("HEL-2", "attack_helicopter", "SEV")])
    instance = Instance.build(added.scenario)
    seeded = whatif.with_new_unit(instance, baseline, "HEL-2")
    assert {s.unit for s in seeded.sorties} >= {"HEL-2"}
    assert evaluate(instance, seeded).score > evaluate(instance, baseline).score
    removed = apply_changes(tutorial, [RemoveUnit("QRF-1")])
    instance = Instance.build(removed.scenario)
    kept = whatif.without_unit(instance, baseline, "QRF-1")
    assert kept is not None and evaluate(instance, kept).valid
    assert not any(a.unit == "QRF-1" for a in kept.assignments)


def test_a_removals_value_is_the_score_lost(marginal, tutorial):
    without = next(v for v in marginal.values if v.label == "without INF-1")
    variant = apply_changes(tutorial, [RemoveUnit("INF-1")])
    alone = solve(Instance.build(variant.scenario), FAST)
    assert without.value == pytest.approx(marginal.baseline.score - alone.score)


def test_a_time_limited_worse_find_is_lifted_by_the_baseline_plan_it_contains(tutorial,
                                                                             monkeypatch):
    """One pool per instance: a re-solve that stops below the baseline (here: an empty
    plan, as a badly cut solve might return) is measured with the baseline plan, which an
    addition leaves valid, so no addition is reported as harmful; the value is 0 and its
    interval still holds it."""
    real = whatif.solve_within
    empty = Plan()

    def poor(instance, options, floor_plan=None):
        if floor_plan is None:
            return real(instance, options, floor_plan)
        result = real(instance, options, None)
        plan_eval = evaluate(instance, empty)
        return result.__class__(**{**vars(result), "plan": empty, "evaluation": plan_eval,
                                   "status": "feasible"})

    monkeypatch.setattr(whatif, "solve_within", poor)
    report = marginal_values(tutorial, SolveOptions(time_limit=20))
    added = [v for v in report.values if isinstance(v.change, AddUnit)]
    assert added and all(v.value == 0 and v.delta == 0 for v in added)
    assert all(v.variant.plan == report.baseline.plan for v in added)
    assert all(v.interval.low <= v.interval.value <= v.interval.high for v in added)
    assert all(v.hit_limit for v in added)


# ====================================================================== the command
def test_whatif_table_through_the_cli():
    result = run("whatif", TUTORIAL, "--remove-unit", "INF-1", "--time-limit", "10")
    assert result.exit_code == 0, result.stderr
    for expected in ("pocplan — what-if", "removes INF-1", "Score and metrics", "Harm averted",
                     "Baseline", "Variant", "Δ", "Assignments that changed", "(removed)"):
        assert expected in result.stdout, expected
    assert "Running HiGHS" not in result.stdout


def test_whatif_json_holds_two_output_contract_documents():
    result = run("whatif", TUTORIAL, "--add-unit", "HEL-2:attack_helicopter@SEV",
                 "--time-limit", "10", "--format", "json", "--seed", "1")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8")))
    validator.validate(doc["baseline"])
    validator.validate(doc["variant"])
    assert doc["changes"] == [{"change": "add_unit", "unit": "HEL-2",
                               "kind": "attack_helicopter", "base": "SEV",
                               "option": "--add-unit", "value": "HEL-2:attack_helicopter@SEV",
                               "text": "adds HEL-2 (attack_helicopter) at SEV"}]
    assert doc["deltas"]["score"]["delta"] == pytest.approx(
        doc["variant"]["plans"][0]["score"] - doc["baseline"]["plans"][0]["score"])
    assert doc["deltas"]["score"]["delta"] >= 0
    assert any(m["unit"] == "HEL-2" for m in doc["moved"])


def test_whatif_refuses_before_solving_with_exit_3(monkeypatch):
    monkeypatch.setattr(whatif, "solve", lambda *a, **k: pytest.fail("solved"))
    result = run("whatif", TUTORIAL, "--remove-unit", "INF-9", "--require", "QRF-1@KORO:5-9",
                 "--add-unit", "H:tank@SEV")
    assert result.exit_code == cli.ExitCode.INVALID_INPUT == 3
    assert "error: the what-if changes are refused; nothing was solved" in result.stderr
    for text in ("--remove-unit 'INF-9': unknown unit 'INF-9'",
                 "--add-unit 'H:tank@SEV': unknown kind 'tank'",
                 "--require 'QRF-1@KORO:5-9': window 5-9 ends after the horizon's last week"):
        assert text in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output


@pytest.mark.parametrize("args", [("--add-unit", "X"), ()])
def test_whatif_usage_errors_exit_2(args):
    result = run("whatif", TUTORIAL, *args)
    assert result.exit_code == cli.ExitCode.USAGE == 2
    assert result.stdout == "" and "Traceback" not in result.output


def test_whatif_invalid_scenario_exits_3(tmp_path):
    result = run("whatif", tmp_path / "missing.yaml", "--remove-unit", "INF-1")
    assert result.exit_code == 3 and "file not found" in result.stderr


def test_whatif_marginal_table_through_the_cli():
    result = run("whatif", TUTORIAL, "--marginal", "--time-limit", "30")
    assert result.exit_code == 0, result.stderr
    for expected in ("pocplan — marginal values", "+1 attack_helicopter at SEV",
                     "without INF-1", "never worth less than 0"):
        assert expected in result.stdout, expected


def test_whatif_marginal_json_through_the_cli():
    result = run("whatif", TUTORIAL, "--marginal", "--time-limit", "30", "--format", "json",
                 "--garrison", "SEV=0")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["changes"][0]["change"] == "garrison"
    assert len(doc["marginal"]) == len(UnitKind) + 4
    assert all(m["value"] >= 0 for m in doc["marginal"])
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(
        doc["baseline"])


def test_v2_policy_keys_can_be_changed_including_one_small_post_field(tutorial):
    variant = apply_changes(tutorial, parse_changes(policies=[
        "reserve_factor=0.2", "state_handover=does_not_count", "small_post.min_units=2",
        "resupply_weeks=2"]))
    policy = variant.scenario.policy
    assert (policy.reserve_factor, policy.state_handover, policy.resupply_weeks) == \
        (0.2, "does_not_count", 2)
    assert (policy.small_post.threat, policy.small_post.min_units) == (16, 2)
    assert refused(tutorial, policies=["small_post.min_units=0"]) == [
        "--policy 'small_post.min_units=0': small_post.min_units: input should be greater "
        "than or equal to 1. Fix: see docs/scenario-format.md for the policy keys and their "
        "ranges"]
