"""Statistics and `simbench compare` on stored results (no model runs)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from simbench import compare, results, stats
from simbench.cli import cli

MACHINE = {"cpu": "Test CPU 3000", "cores": 2, "memory_gib": 24.0}


def test_identical_predictions_show_no_difference():
    correct = np.random.default_rng(0).random(500) < 0.8
    paired = stats.paired_accuracy(correct, correct)
    assert (paired.only_a, paired.only_b, paired.difference) == (0, 0, 0.0)
    assert paired.p_value == 1.0
    assert (paired.ci_low, paired.ci_high) == (0.0, 0.0)


def test_exact_mcnemar_on_a_known_table():
    # 10 vs 2 disagreements: two-sided binomial p = 2 * P(X <= 2 | 12, 1/2)
    #                                             = 2 * (1 + 12 + 66) / 4096.
    p_value, exact = stats.mcnemar(10, 2)
    assert exact
    assert p_value == pytest.approx(158 / 4096)


def test_chi_square_mcnemar_for_many_disagreements():
    # (|30 - 10| - 1)^2 / 40 = 9.025 on one degree of freedom.
    p_value, exact = stats.mcnemar(30, 10)
    assert not exact
    assert p_value == pytest.approx(0.0026631, rel=1e-4)


def test_bootstrap_interval_covers_the_difference():
    rng = np.random.default_rng(1)
    a = rng.random(2000) < 0.70
    b = rng.random(2000) < 0.80
    paired = stats.paired_accuracy(a, b)
    assert paired.ci_low < paired.difference < paired.ci_high
    assert paired.ci_low > 0 and paired.p_value < 1e-6


def test_speed_change_needs_size_and_significance():
    rng = np.random.default_rng(2)
    base = 100 + rng.normal(0, 3, 200)
    assert stats.speed_change(base, base * 1.3).verdict == "slower"
    assert stats.speed_change(base, base / 1.3).verdict == "faster"
    # 5 % slower: significant, but under the 10 % threshold.
    assert stats.speed_change(base, base * 1.05).verdict == "no change"
    # Three samples a side cannot make a change significant.
    assert stats.speed_change(base[:3], base[:3] * 1.3).verdict == "no change"


def test_mean_interval_across_seeds():
    mean, (low, high) = stats.mean_interval([0.78, 0.80])
    assert mean == pytest.approx(0.79)
    # t(0.975, 1) = 12.706; standard error 0.01.
    assert high - mean == pytest.approx(0.12706, rel=1e-3)
    assert stats.mean_interval([0.5]) == (0.5, None)


def _result(preset="minilm", seed=0, correct=0.8, step_ms=100.0, n=400,
            machine=MACHINE, samples=200):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    right = rng.random(n) < correct
    predicted = np.where(right, labels, (labels + 1) % 3)
    config = {"preset": preset, "dataset": "snli", "seed": seed,
              "limit": None, "data_source": "local"}
    return {
        "schema_version": results.SCHEMA_VERSION,
        "cell_id": f"{preset}__adam_5e-5__snli__seed{seed}__0",
        "config_hash": results.config_hash(config), "status": "ok",
        "config": config,
        "preset": {"name": preset, "pretrained": True},
        "recipe": {"name": "adam_5e-5"},
        "metrics": {"test_accuracy": float((predicted == labels).mean())},
        "timing": {
            "train": {"samples_ms": (step_ms + rng.normal(0, 2, samples)).tolist()},
            "infer": {"samples_ms": (step_ms / 4 + rng.normal(0, 1, 50)).tolist()},
        },
        "predictions": {"test": "".join(map(str, predicted)),
                        "test_labels": "".join(map(str, labels))},
        "environment": {"machine": machine},
    }


def _store(folder, cells):
    folder.mkdir(parents=True, exist_ok=True)
    for cell in cells:
        results.write_result(folder / f"{cell['cell_id']}.json", cell)
    return folder


def _compare(*args):
    return CliRunner().invoke(cli, ["compare", *map(str, args)])


def test_run_compared_with_itself_passes(tmp_path):
    run = _store(tmp_path / "base", [_result(), _result("tiny", seed=1)])
    outcome = _compare(run, run)
    assert outcome.exit_code == 0, outcome.output
    assert "No regressions." in outcome.output
    assert "worse" not in outcome.output


def _slowed(result, factor):
    slow = json.loads(json.dumps(result))
    for phase in ("train", "infer"):
        slow["timing"][phase]["samples_ms"] = [
            ms * factor for ms in slow["timing"][phase]["samples_ms"]]
    return slow


def test_slowed_down_copy_is_flagged_and_exits_non_zero(tmp_path):
    base = _result()
    baseline = _store(tmp_path / "base", [base])
    candidate = _store(tmp_path / "slow", [_slowed(base, 1.25)])
    outcome = _compare(baseline, candidate, "--format", "json")
    assert outcome.exit_code == 1
    verdicts = {row["metric"]: row["verdict"]
                for row in json.loads(outcome.stdout)["rows"]}
    assert verdicts == {"test accuracy": "no change", "train step ms": "worse",
                        "infer batch ms": "worse"}


def test_less_accurate_candidate_is_a_regression(tmp_path):
    base = _result(correct=0.85)
    worse = _result(correct=0.85)
    labels = worse["predictions"]["test_labels"]
    # Get the first 60 right answers wrong.
    predicted = list(worse["predictions"]["test"])
    flipped = 0
    for i, (p, y) in enumerate(zip(predicted, labels)):
        if p == y and flipped < 60:
            predicted[i] = str((int(y) + 1) % 3)
            flipped += 1
    worse["predictions"]["test"] = "".join(predicted)
    outcome = compare.compare([base], [worse])
    accuracy = outcome["rows"][0]
    assert accuracy.verdict == compare.WORSE
    assert (accuracy.p_value < 1e-6 and "60" in accuracy.note)


def test_timing_across_machines_is_refused_unless_forced(tmp_path):
    base = _result()
    other = _slowed(base, 1.5)
    other["environment"]["machine"] = {**MACHINE, "cpu": "Other CPU"}
    refused = compare.compare([base], [other])
    timing = [r for r in refused["rows"] if r.metric != "test accuracy"]
    assert all(r.verdict == compare.NOT_COMPARABLE for r in timing)
    assert "different machines" in timing[0].note
    forced = compare.compare([base], [other], allow_different_machines=True)
    assert forced["regressions"] == 2


def test_unknown_run_name_lists_the_runs(tmp_path):
    (tmp_path / "nightly").mkdir()
    outcome = _compare("nope", "nightly", "--results-root", tmp_path)
    assert outcome.exit_code == 1
    assert "nightly" in outcome.output and "Traceback" not in outcome.output


def test_cells_in_one_run_only_are_noted(tmp_path):
    outcome = compare.compare([_result(), _result("tiny")], [_result()])
    assert any("only in the baseline" in note for note in outcome["notes"])


def test_a_cell_that_fails_in_the_candidate_is_a_regression(tmp_path):
    crashed = {**_result("tiny"), "status": "failed", "metrics": {},
               "error": "worker killed by SIGKILL"}
    base = _store(tmp_path / "base", [_result(), _result("tiny")])
    cand = _store(tmp_path / "cand", [_result(), crashed])
    outcome = _compare(base, cand)
    assert outcome.exit_code == 1, outcome.output
    assert "failed in the candidate" in outcome.output


def test_a_hand_edited_candidate_is_refused(tmp_path):
    edited = _result()
    edited["config"]["seed"] = 99  # config_hash no longer matches
    base = _store(tmp_path / "base", [_result()])
    cand = _store(tmp_path / "cand", [edited])
    outcome = _compare(base, cand)
    assert outcome.exit_code != 0
    assert "edited by hand" in outcome.output, outcome.output


def test_timings_from_another_backend_get_no_verdict(tmp_path):
    base = _result()
    slow = _slowed(base, 1.25)
    slow["environment"] = {**slow["environment"], "backend": "tensorflow"}
    base["environment"] = {**base["environment"], "backend": "jax"}
    outcome = _compare(_store(tmp_path / "base", [base]),
                       _store(tmp_path / "tf", [slow]), "--format", "json")
    assert outcome.exit_code == 0, outcome.output
    rows = {row["metric"]: row for row in json.loads(outcome.stdout)["rows"]}
    assert rows["train step ms"]["verdict"] == compare.NOT_COMPARABLE
    assert "different Keras backends" in rows["train step ms"]["note"]


def test_a_candidate_whose_only_cell_failed_is_a_regression(tmp_path):
    crashed = {**_result(), "status": "failed", "metrics": {},
               "error": "worker killed by SIGKILL"}
    outcome = _compare(_store(tmp_path / "base", [_result()]),
                       _store(tmp_path / "cand", [crashed]))
    assert outcome.exit_code == 1, outcome.output
    assert "failed in the candidate" in outcome.output, outcome.output
