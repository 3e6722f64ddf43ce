"""`simbench report` from stored results, without running any model."""

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from simbench import results
from simbench.cli import cli

GOLDEN = Path(__file__).parent / "data" / "leaderboard.md"
MACHINE = {"cpu": "Test CPU 3000", "cores": 2, "memory_gib": 24.0}


def _result(preset, recipe, pretrained, accuracy, total_params, step_ms):
    return {
        "schema_version": results.SCHEMA_VERSION,
        "cell_id": f"{preset}__{recipe}__snli__seed0__0",
        "status": "ok",
        "config": {"preset": preset, "seed": 0},
        "preset": {"name": preset, "pretrained": pretrained},
        "recipe": {"name": recipe},
        "params": {"total": total_params},
        "dataset": {"splits": {"test": {"n_selected": 9824}}},
        "metrics": {"test_accuracy": accuracy, "val_accuracy": accuracy + 0.01,
                    "train_samples_per_s": 16000 / step_ms,
                    "infer_samples_per_s": 300.25, "peak_host_mib": 2048.0},
        "timing": {"train": {"step_ms": {"median": step_ms}},
                   "wall_s": {"total": 641.5}},
        "environment": {"machine": MACHINE, "accelerator": None,
                        "backend": "jax",
                        "packages": {"keras": "3.15.1", "keras-hub": "0.32.0"}},
    }


def store(folder):
    """Three finished cells, one failed cell and a foreign JSON file."""
    cells = [
        _result("bert_tiny_scratch", "adam_5e-5", False, 0.55, 4_400_000, 90.0),
        _result("minilm_l6_h384_uncased", "adam_5e-5", True, 0.7925,
                22_700_000, 272.5),
        _result("minilm_l6_h384_uncased", "adamw_triangular", True, 0.8150,
                22_700_000, 270.0),
    ]
    failed = {**_result("roberta_base_en", "adam_5e-5", True, 0, 1, 1),
              "status": "failed", "metrics": {},
              "error": "PresetUnavailableError: offline"}
    for result in cells + [failed]:
        results.write_result(folder / f"{result['cell_id']}.json", result)
    (folder / "notes.json").write_text("[1, 2]")  # foreign: skipped
    return folder


@pytest.fixture
def stored(tmp_path):
    return store(tmp_path)


def _report(folder, *args):
    return CliRunner().invoke(cli, ["report", str(folder), *args])


def test_markdown_leaderboard_matches_golden(stored):
    outcome = _report(stored, "--format", "md")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == GOLDEN.read_text()
    assert "skipped" in outcome.stderr and "notes.json" in outcome.stderr


def test_rows_are_sorted_by_test_accuracy(stored):
    outcome = _report(stored, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(outcome.stdout)))
    assert [r["recipe"] for r in rows] == ["adamw_triangular", "adam_5e-5",
                                           "adam_5e-5"]
    assert rows[-1]["pretrained"] == "no (scratch)"


def test_json_report_keeps_failed_cells_and_machines(stored):
    board = json.loads(_report(stored, "--format", "json").stdout)
    assert len(board["rows"]) == 3
    assert board["failed"][0]["error"].startswith("PresetUnavailableError")
    assert board["machines"][0]["cpu"] == "Test CPU 3000"


def test_report_writes_output_file(stored, tmp_path):
    target = tmp_path / "board.md"
    outcome = _report(stored, "--format", "md", "--output", str(target))
    assert outcome.exit_code == 0
    assert target.read_text() == outcome.stdout


def test_report_on_empty_folder_says_what_to_run(tmp_path):
    outcome = _report(tmp_path)
    assert outcome.exit_code != 0
    assert "simbench run" in outcome.output
    assert "Traceback" not in outcome.output


def _seeded(preset, seed, accuracy, history):
    result = _result(preset, "adam_5e-5", True, accuracy, 1_000_000, 100.0)
    result["config"]["seed"] = seed
    result["cell_id"] += f"-{seed}"
    result["history"] = [{"epoch": i + 1, "val_accuracy": v, "seconds": 10.0}
                         for i, v in enumerate(history)]
    return result


def test_seeds_are_pooled_with_an_interval_and_shared_ranks():
    from simbench import leaderboard

    board = leaderboard.build([
        _seeded("a", 0, 0.80, [0.6, 0.81]), _seeded("a", 1, 0.82, [0.7, 0.83]),
        _seeded("b", 0, 0.79, [0.5, 0.6]), _seeded("b", 1, 0.83, [0.6, 0.82]),
        _seeded("c", 0, 0.50, [0.5]), _seeded("c", 1, 0.50, [0.5]),
    ], target=0.8)
    rows = {row["preset"]: row for row in board["rows"]}
    assert rows["a"]["seeds"] == 2 and rows["a"]["seed_list"] == [0, 1]
    assert rows["a"]["test_accuracy"] == pytest.approx(0.81)
    low, high = rows["a"]["test_interval"]
    assert low < 0.81 < high
    # a and b overlap: same rank; c is below both intervals.
    assert rows["a"]["rank"] == rows["b"]["rank"] == 1
    assert rows["c"]["rank"] == 3
    # Time to 80 % validation accuracy: a reaches it in epoch 2 on both seeds,
    # b only on one seed, c never.
    assert rows["a"]["time_to_accuracy_s"] == pytest.approx(20.0)
    assert rows["b"]["time_to_accuracy_s"] is None
    assert rows["c"]["time_to_accuracy_s"] is None


def test_pareto_frontier_marks_undominated_rows():
    from simbench import leaderboard

    fast = _result("fast", "r", True, 0.70, 1, 10.0)  # fastest, least accurate
    best = _result("best", "r", True, 0.90, 1, 100.0)  # most accurate
    dominated = _result("slow", "r", True, 0.60, 1, 200.0)
    rows = {r["preset"]: r for r in leaderboard.build([fast, best, dominated])["rows"]}
    assert rows["fast"]["pareto"] == "train"
    assert rows["best"]["pareto"] == "train+infer"
    assert rows["slow"]["pareto"] == ""


def test_html_report_and_plots_from_stored_results(stored, tmp_path):
    target = tmp_path / "out" / "report.html"
    outcome = _report(stored, "--format", "html", "--output", str(target),
                      "--time-to-accuracy", "0.5")
    assert outcome.exit_code == 0, outcome.output
    page = target.read_text()
    assert page.count("data:image/png;base64,") == 4
    assert "minilm_l6_h384_uncased" in page and "<table>" in page
    for name in ("accuracy_vs_train_speed", "validation_curves", "step_times"):
        png = target.parent / f"{name}.png"
        assert png.read_bytes()[:4] == b"\x89PNG"


def test_readme_blocks_are_filled_from_rendered_files(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "update_readme", Path(__file__).parent.parent / "benchmarks"
        / "update_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "t.md").write_text("| a |\n|---|\n| 1 |\n")
    text = ("intro\n<!-- include: t.md -->\nold numbers\n<!-- end include -->\n"
            "outro\n")
    assert module.splice(text, tmp_path) == (
        "intro\n<!-- include: t.md -->\n| a |\n|---|\n| 1 |\n"
        "<!-- end include -->\noutro\n"), "the old block must be replaced"


def test_look_alike_rows_name_the_setting_that_differs():
    from simbench import leaderboard

    full = _result("minilm", "adam_5e-5", True, 0.79, 1, 100.0)
    short = _result("minilm", "adam_5e-5", True, 0.60, 1, 100.0)
    short["config"] = {**short["config"], "limit": 200}
    recipes = sorted(row["recipe"] for row in leaderboard.build([full, short])["rows"])
    assert recipes == ["adam_5e-5 [limit=200]", "adam_5e-5 [limit=None]"], recipes


def test_seed_interval_stays_within_zero_and_one():
    from simbench import leaderboard

    cells = [_result("m", "r", True, accuracy, 1, 100.0)
             for accuracy in (0.10, 0.90)]
    for seed, cell in enumerate(cells):
        cell["config"] = {**cell["config"], "seed": seed}
    low, high = leaderboard.build(cells)["rows"][0]["test_interval"]
    assert (low, high) == (0.0, 1.0), (low, high)
