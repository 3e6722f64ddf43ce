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
