"""`simbench run` on a tiny in-code BERT and a few hundred real SNLI pairs."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import TINY_PRESET
from simbench import batching, results
from simbench.cli import cli
from simbench.hookspecs import hookimpl
from simbench.presets import Preset

LIMIT = 160


def _run(out, snli_dir, *extra):
    args = ["run", "--preset", TINY_PRESET, "--recipe", "adam_5e-5",
            "--data-dir", snli_dir, "--limit", str(LIMIT), "--train-fraction",
            "1.0", "--batch-size", "8", "--output", str(out), "-q", *extra]
    return CliRunner().invoke(cli, args)


def assert_valid_result(path):
    """The checks every finished result must pass."""
    result = results.load_result(path)
    assert result["status"] == "ok", result.get("error")
    metrics = result["metrics"]
    for key in ("test_accuracy", "val_accuracy"):
        assert 0.0 <= metrics[key] <= 1.0, (key, metrics[key])
    for key in ("train_samples_per_s", "infer_samples_per_s", "peak_host_mib"):
        assert metrics[key] > 0, (key, metrics[key])
    splits = result["dataset"]["splits"]
    assert {s: splits[s]["n_selected"] for s in splits} == \
        {"train": LIMIT, "validation": LIMIT, "test": LIMIT}
    assert splits["test"]["dropped"]["no_gold_label"] == 176
    assert result["dataset"]["pair_order"] == ["hypothesis", "premise"]
    assert len(result["predictions"]["test"]) == LIMIT
    assert result["params"]["total"] > result["params"]["embedding"] > 0
    step = result["timing"]["train"]["step_ms"]
    assert step["n"] > 0 and step["median"] > 0
    assert result["timing"]["train"]["warmup_steps"] >= 2
    assert len(result["history"]) == 1
    assert result["environment"]["backend"] == "jax"
    assert result["environment"]["machine"]["cores"] >= 1
    assert "not pretrained: random initial weights" in result["caveats"]
    return result


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, snli_dir):
    """One run shared by the tests below (it is the slow part)."""
    import simbench.cli
    from conftest import TinyPresetPlugin
    import simbench_keras_hub
    import simbench_recipes
    import simbench_snli
    from simbench.plugins import load_plugins

    plugins = load_plugins(extra=[simbench_keras_hub, simbench_recipes,
                                  simbench_snli, TinyPresetPlugin()],
                           entry_points=False)
    original = simbench.cli._plugins
    simbench.cli._plugins = lambda: plugins
    out = tmp_path_factory.mktemp("results")
    result = _run(out, snli_dir, "--save-models")
    simbench.cli._plugins = original
    assert result.exit_code == 0, result.output
    return out, result.output


def test_run_writes_a_valid_result(finished_run):
    out, output = finished_run
    paths = results.result_files(out)
    assert len(paths) == 1, paths
    assert_valid_result(paths[0])
    assert "1 ok, 0 failed, 0 skipped" in output
    assert str(paths[0]) in output, "the summary line names the result file"


def test_report_renders_the_run(finished_run, cli_plugins):
    out, _ = finished_run
    result = CliRunner().invoke(cli, ["report", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert "| preset" in result.output and TINY_PRESET in result.output
    assert "no (scratch)" in result.output
    assert "Measured on:" in result.output
    as_json = CliRunner().invoke(cli, ["report", str(out), "--format", "json"])
    board = json.loads(as_json.output)
    assert board["rows"][0]["preset"] == TINY_PRESET


def test_rerun_skips_finished_cells(finished_run, cli_plugins, snli_dir):
    out, _ = finished_run
    path = results.result_files(out)[0]
    before = path.read_bytes()
    result = _run(out, snli_dir)
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "0 ok" in result.output
    assert path.read_bytes() == before


def test_rerun_with_other_data_or_backend_is_refused(finished_run, cli_plugins,
                                                     snli_dir, tmp_path):
    import shutil

    out, _ = finished_run
    path = results.result_files(out)[0]
    before = path.read_bytes()
    other = shutil.copytree(snli_dir, tmp_path / "snli_copy")
    result = _run(out, str(other))
    assert result.exit_code != 0 and "Pass another --output" in result.output
    from simbench.cell import Cell
    from simbench.errors import SimbenchError
    from simbench.suite import run_suite

    recipe = cli_plugins.recipes.get("adam_5e-5").with_overrides(
        train_fraction=1.0, batch_size=8)
    cell = Cell(TINY_PRESET, recipe, "snli", 0, "local", LIMIT)
    with pytest.raises(SimbenchError, match="made with the jax backend"):
        list(run_suite(cli_plugins, [cell], out, data_dir=snli_dir,
                       backend="tensorflow", isolate=False))
    assert path.read_bytes() == before, "the finished result must be kept"


def test_saved_model_reloads_with_the_same_test_accuracy(finished_run,
                                                         plugins, snli_dir):
    from simbench.predict import load_classifier
    from simbench.runner import evaluate

    out, _ = finished_run
    result = results.load_result(results.result_files(out)[0])
    model = load_classifier(result["model_path"])
    test = plugins.datasets.get("snli").load("test", snli_dir).sample(
        1.0, LIMIT, seed=0)
    encoded = batching.encode_pairs(
        model.preprocessor, test.hypotheses, test.premises, test.labels,
        result["sequence"]["max_length"])
    scores = evaluate(model, encoded)
    assert scores["accuracy"] == pytest.approx(
        result["metrics"]["test_accuracy"], abs=1e-9)
    predicted = "".join(map(str, scores["predicted"].tolist()))
    assert predicted == result["predictions"]["test"]


def test_predict_prints_label_and_probabilities(finished_run, cli_plugins):
    out, _ = finished_run
    model_path = results.load_result(results.result_files(out)[0])["model_path"]
    result = CliRunner().invoke(cli, [
        "predict", model_path, "-p", "A man is sleeping.",
        "-h", "A person rests.", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["label"] in ("entailment", "neutral", "contradiction")
    assert sum(rows[0]["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)


class BrokenPresetPlugin:
    @hookimpl
    def simbench_register_presets(self, register):
        def load(num_classes):
            raise RuntimeError("weights are corrupt")

        register(Preset(name="broken_preset", source="-", architecture="bert",
                        pretrained=True, load=load))


def test_a_failing_cell_is_recorded_and_the_suite_goes_on(tmp_path, snli_dir,
                                                          monkeypatch, plugins):
    import simbench.cli

    plugins.pm.register(BrokenPresetPlugin())
    plugins.presets.register(
        next(iter(_collect_presets(BrokenPresetPlugin()))), plugin="broken")
    monkeypatch.setattr(simbench.cli, "_plugins", lambda: plugins)
    result = CliRunner().invoke(cli, [
        "run", "--preset", "broken_preset", "--preset", TINY_PRESET,
        "--data-dir", snli_dir, "--limit", "48", "--train-fraction", "1.0",
        "--output", str(tmp_path), "-q"])
    assert result.exit_code == 1, result.output
    assert "1 ok, 1 failed" in result.output
    found, _ = results.load_results(tmp_path)
    failed = [r for r in found if r["status"] == "failed"]
    assert len(failed) == 1 and "weights are corrupt" in failed[0]["error"]
    report = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert "Failed cells" in report.output and "broken_preset" in report.output


def _collect_presets(plugin):
    entries = []
    plugin.simbench_register_presets(entries.append)
    return entries


def test_result_predictions_are_label_digits(finished_run):
    out, _ = finished_run
    result = results.load_result(results.result_files(out)[0])
    digits = np.array(list(result["predictions"]["test"]), dtype=int)
    labels = np.array(list(result["predictions"]["test_labels"]), dtype=int)
    assert set(digits.tolist()) <= {0, 1, 2} and len(labels) == len(digits)
    assert (digits == labels).mean() == pytest.approx(
        result["metrics"]["test_accuracy"])


def test_tensorflow_backend_trains_a_cell(tmp_path, snli_dir):
    """The TensorFlow backend needs one batch shape (see the runner); a
    fresh process, since this one's Keras runs on JAX."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    command = [str(Path(sys.executable).parent / "simbench"), "run",
               "--backend", "tensorflow", "--preset", "bert_tiny_scratch",
               "--limit", "120", "--train-fraction", "1.0", "--batch-size", "8",
               "--data-dir", snli_dir, "--output", str(tmp_path), "-q"]
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    done = subprocess.run(command, capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = results.load_result(results.result_files(tmp_path)[0])
    assert result["environment"]["backend"] == "tensorflow"
    assert any("tensorflow backend" in c for c in result["caveats"])
