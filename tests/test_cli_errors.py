"""Bad input: one clear line, a non-zero exit, no traceback, no lost results."""

import pytest
from click.testing import CliRunner

from conftest import TINY_PRESET
from simbench import results
from simbench.cli import cli


def _run(*args):
    return CliRunner().invoke(cli, ["run", *args])


def _assert_user_error(outcome, *needles):
    assert outcome.exit_code in (1, 2), outcome.output  # not a crash
    assert isinstance(outcome.exception, SystemExit)
    assert "Traceback" not in outcome.output
    for needle in needles:
        assert needle in outcome.output, outcome.output


def test_unknown_preset_suggests_close_matches(cli_plugins):
    outcome = _run("--preset", "minilm_l6_h348_uncased")
    _assert_user_error(outcome, "minilm_l6_h348_uncased", "minilm_l6_h384_uncased")


def test_unknown_recipe_suggests_close_matches(cli_plugins):
    outcome = _run("--recipe", "adam_5e5")
    _assert_user_error(outcome, "adam_5e-5")


@pytest.mark.parametrize("option, value", [
    ("--train-fraction", "1.5"), ("--train-fraction", "0"),
    ("--epochs", "-1"), ("--batch-size", "0"), ("--limit", "0"),
    ("--epochs", "three"), ("--seed", "-1"),
])
def test_invalid_numbers_are_refused(cli_plugins, option, value):
    outcome = _run(option, value)
    _assert_user_error(outcome, option)


def _finished(folder):
    path = folder / "kept.json"
    results.write_result(path, {
        "schema_version": results.SCHEMA_VERSION, "cell_id": "kept",
        "status": "ok", "config": {}, "preset": {"name": "p"},
        "recipe": {"name": "r"}, "metrics": {"test_accuracy": 0.5},
        "environment": {},
    })
    return path, path.read_bytes()


def test_missing_data_folder_keeps_finished_results(cli_plugins, tmp_path):
    path, before = _finished(tmp_path)
    outcome = _run("--preset", TINY_PRESET, "--data-dir",
                   str(tmp_path / "nowhere"), "--output", str(tmp_path))
    _assert_user_error(outcome, "nowhere")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()
            if not p.name.startswith(".")] == ["kept.json"]


def test_unwritable_output_says_what_to_pass(cli_plugins, tmp_path, snli_dir):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    outcome = _run("--preset", TINY_PRESET, "--data-dir", snli_dir,
                   "--output", str(blocker / "results"))
    _assert_user_error(outcome, "--output")


def test_report_skips_a_corrupt_file_with_a_warning(tmp_path):
    _finished(tmp_path)
    (tmp_path / "torn.json").write_text('{"schema_version": 1, "cell')
    outcome = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    assert "torn.json" in outcome.stderr and "corrupt JSON" in outcome.stderr


def test_predict_needs_pairs(tmp_path):
    model = tmp_path / "m.keras"
    model.write_text("")
    outcome = CliRunner().invoke(cli, ["predict", str(model), "-p", "a", "-p",
                                       "b", "-h", "c"])
    _assert_user_error(outcome, "pairs")


def test_backend_without_its_package_says_what_to_install(cli_plugins,
                                                          monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    outcome = _run("--backend", "torch")
    _assert_user_error(outcome, "pip install torch")


def _cli(*args, **env):
    import os
    import subprocess
    import sys
    from pathlib import Path

    tests = str(Path(__file__).parent)
    environment = dict(os.environ, PYTHONPATH=tests, **env)
    return subprocess.run(
        [sys.executable, "-c", "from simbench.cli import main; main()", *args],
        capture_output=True, text=True, env=environment, timeout=120)


def test_plugin_that_fails_to_load_is_shown_and_others_still_load():
    env = {"SIMBENCH_PLUGINS": "plugins_for_tests:RaisesAtImport,no_such_plugin"}
    shown = _cli("plugins", **env)
    assert shown.returncode == 0, shown.stderr
    assert "failed" in shown.stdout and "not installed" in shown.stdout
    assert "No module named 'no_such_plugin'" in shown.stdout
    listed = _cli("list", "recipes", **env)
    assert listed.returncode == 0 and "adam_5e-5" in listed.stdout


def test_duplicate_name_from_a_plugin_names_both_plugins():
    listed = _cli("list", SIMBENCH_PLUGINS="plugins_for_tests:DuplicateRecipe")
    assert listed.returncode != 0
    assert "Traceback" not in listed.stderr
    assert "adam_5e-5" in listed.stderr and "recipes" in listed.stderr
    assert "plugins_for_tests:DuplicateRecipe" in listed.stderr


def _snli_folder(tmp_path, snli_dir, train_lines):
    import shutil

    folder = tmp_path / "snli"
    folder.mkdir()
    for split in ("dev", "test"):
        name = f"snli_1.0_{split}.jsonl.gz"
        shutil.copy(f"{snli_dir}/{name}", folder / name)
    (folder / "snli_1.0_train.jsonl").write_text("\n".join(train_lines) + "\n")
    return folder


GOOD_ROW = ('{"sentence1": "A man sleeps.", "sentence2": "A person rests.", '
            '"gold_label": "entailment"}')


@pytest.mark.parametrize("bad_line, message", [
    ('{"sentence1": "A man', "line 2"),
    (GOOD_ROW.replace("entailment", "maybe"), "maybe"),
], ids=["malformed-json", "unknown-label"])
def test_bad_data_line_is_named_and_results_are_kept(cli_plugins, tmp_path,
                                                     snli_dir, bad_line, message):
    folder = _snli_folder(tmp_path, snli_dir, [GOOD_ROW, bad_line])
    out = tmp_path / "out"
    out.mkdir()
    path, before = _finished(out)
    outcome = _run("--preset", TINY_PRESET, "--data-dir", str(folder),
                   "--output", str(out), "--limit", "16")
    _assert_user_error(outcome, "snli_1.0_train.jsonl", message)
    assert path.read_bytes() == before


def test_empty_data_folder_names_the_missing_file(cli_plugins, tmp_path):
    (tmp_path / "empty").mkdir()
    outcome = _run("--preset", TINY_PRESET, "--data-dir", str(tmp_path / "empty"),
                   "--output", str(tmp_path / "out"))
    _assert_user_error(outcome, "snli_1.0_train.jsonl")
