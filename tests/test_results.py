import json
import os

import pytest

from simbench import results
from simbench.errors import ResultError


def _result(**changes):
    result = {
        "schema_version": results.SCHEMA_VERSION, "cell_id": "c", "status": "ok",
        "config": {}, "preset": {"name": "p"}, "recipe": {"name": "r"},
        "metrics": {"test_accuracy": 0.5}, "environment": {},
    }
    result.update(changes)
    return result


def test_round_trip_leaves_no_temporary_files(tmp_path):
    path = results.write_result(tmp_path / "a" / "c.json", _result())
    assert results.load_result(path)["metrics"]["test_accuracy"] == 0.5
    assert [p.name for p in path.parent.iterdir()] == ["c.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask, \
        "a result gets the permissions of any file this user writes"


def test_corrupt_file_is_named(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"schema_version": 1, ')
    with pytest.raises(ResultError, match="broken.json: corrupt JSON"):
        results.load_result(path)


def test_foreign_json_is_rejected(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(ResultError, match="not a simbench result"):
        results.load_result(path)


def test_newer_schema_asks_for_an_upgrade(tmp_path):
    path = results.write_result(tmp_path / "new.json",
                                _result(schema_version=99))
    with pytest.raises(ResultError, match="Upgrade simbench"):
        results.load_result(path)


def test_load_results_skips_bad_files_and_superseded(tmp_path):
    results.write_result(tmp_path / "good.json", _result())
    (tmp_path / "bad.json").write_text("not json")
    results.write_result(tmp_path / "old.json", _result())
    results.supersede(tmp_path / "old.json")
    found, skipped = results.load_results(tmp_path)
    assert [r["_path"].split("/")[-1] for r in found] == ["good.json"]
    assert len(skipped) == 1 and "bad.json" in skipped[0]
    assert len(list((tmp_path / "superseded").iterdir())) == 1


def test_missing_results_folder_says_what_to_run(tmp_path):
    with pytest.raises(ResultError, match="simbench run"):
        results.load_results(tmp_path / "none")


@pytest.mark.parametrize("changes, message", [
    ({"status": "done"}, "unknown status"),
    ({"metrics": {"test_accuracy": 1.5}}, "test_accuracy in"),
    ({"metrics": {}}, "test_accuracy in"),
    ({"config_hash": "0" * 64}, "edited by hand"),
], ids=["status", "accuracy-out-of-range", "accuracy-missing", "hash"])
def test_malformed_results_are_named_with_what_to_do(tmp_path, changes, message):
    path = results.write_result(tmp_path / "r.json", _result(**changes))
    with pytest.raises(ResultError, match=message):
        results.load_result(path)


def test_a_matching_config_hash_is_accepted(tmp_path):
    config = {"preset": "p", "seed": 0}
    path = results.write_result(tmp_path / "r.json", _result(
        config=config, config_hash=results.config_hash(config)))
    assert results.load_result(path)["config"] == config


def test_accuracy_that_disagrees_with_the_predictions_is_refused(tmp_path):
    predictions = {"test": "0120", "test_labels": "0121"}  # 3 of 4 right
    good = _result(metrics={"test_accuracy": 0.75}, predictions=predictions)
    assert results.load_result(results.write_result(tmp_path / "a.json", good))
    bad = _result(metrics={"test_accuracy": 0.99}, predictions=predictions)
    with pytest.raises(ResultError, match="does not match its predictions"):
        results.load_result(results.write_result(tmp_path / "b.json", bad))


def test_secrets_in_look_alike_variables_are_not_recorded(monkeypatch):
    from simbench import environment

    monkeypatch.setenv("TF_VAR_db_password", "hunter2")
    monkeypatch.setenv("TF_TOKEN_app_terraform_io", "secret")
    monkeypatch.setenv("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.5")
    recorded = environment.recorded_env()
    assert "TF_VAR_db_password" not in recorded
    assert "TF_TOKEN_app_terraform_io" not in recorded
    assert recorded["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.5"
