"""Result files: one JSON per cell, versioned, written atomically.

Layout of a result (schema_version 1); every key is always present:

    schema_version   int   bumped on incompatible changes. A newer file is
                           refused with a request to upgrade simbench; 1 is
                           the first version, so nothing older exists yet
    simbench_version str
    run_id           str   unique id of the `simbench run` that wrote it
    cell_id          str   preset__recipe__dataset__seedN__<config hash[:8]>
    config_hash      str   sha256 of `config` (what decides the numbers)
    created_at       str   ISO 8601, UTC
    status           str   "ok" or "failed"
    error            str|null  why a cell failed
    failure          str|null  "exception", "crashed" (the worker died: a
                           signal such as the OOM killer's SIGKILL) or
                           "diverged" (NaN/inf loss; training stopped)
    log_tail         str   failed cells only: the end of the cell's log
    config           dict  benchmark name/version, preset, recipe, dataset,
                           data_source, seed, limit (see `simbench.cell`)
    preset           dict  name, source, architecture, pretrained,
                           description, plugin, plugin_version
    recipe           dict  the recipe's fields after overrides, plugin
    dataset          dict  name, labels, pair_order, plugin and `splits`:
                           {split: source, n_original, n_used, dropped,
                           n_selected, truncated}
    sequence         dict  policy, max_length, bucket_width, probe_length,
                           token_cache {dir, hits, misses}
    params           dict  total, trainable, backbone, embedding
    efficiency       dict|null  method, train_step_gflops_median (model
                           FLOPs, estimated), achieved_gflops_per_s,
                           matmul_peak_gflops_per_s (measured in the same
                           process), fraction_of_peak; see `simbench.flops`
    metrics          dict  test_accuracy, test_loss, val_accuracy, val_loss,
                           train_samples_per_s, infer_samples_per_s,
                           peak_host_mib, peak_device_mib (null on CPU)
    timing           dict  train: step_ms {n, median, mean, p10, p90, iqr,
                           min, max}, steps (all run), warmup_steps,
                           warmup_ms_total,
                           samples_ms (steady-state step times);
                           infer: batch_size, seconds, samples,
                           samples_ms (time of each test batch, in the
                           split's length-sorted batch order);
                           wall_s: {phase: seconds, "total": seconds}
    history          list  per epoch: epoch, loss, accuracy, val_loss,
                           val_accuracy, seconds
    predictions      dict  test: one digit per test pair (predicted label),
                           in the split's order; test_labels: the gold
                           labels, same order (for paired comparisons)
    environment      dict  see `simbench.environment.capture`
    caveats          list  of str: anything that limits comparisons
"""

import datetime
import hashlib
import json
import logging
import os
import tempfile
import uuid
from pathlib import Path
from typing import List, Tuple

from simbench.errors import ResultError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SUPERSEDED_DIR = "superseded"
STATUSES = ("ok", "failed")
REQUIRED = {
    "schema_version": int, "cell_id": str, "status": str, "config": dict,
    "preset": dict, "recipe": dict, "metrics": dict, "environment": dict,
}


def new_run_id() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def result_path(output_dir, cell_id: str) -> Path:
    return Path(output_dir) / f"{cell_id}.json"


def write_result(path: Path, result: dict) -> Path:
    """Write `result` to `path` atomically: readers see the old file or the
    whole new one, never a torn one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-",
                                    suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(result, file, indent=1, sort_keys=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); results are meant to be
        # shared, like any file this user writes.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def supersede(path: Path) -> Path:
    """Move an earlier result aside (never delete it) before a forced rerun."""
    path = Path(path)
    target_dir = path.parent / SUPERSEDED_DIR
    target_dir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = target_dir / f"{path.stem}.{stamp}.json"
    os.replace(path, target)
    return target


def validate(result: object, source: str) -> dict:
    if not isinstance(result, dict):
        raise ResultError(f"{source}: not a simbench result (not a JSON object).")
    version = result.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise ResultError(
            f"{source}: written by a newer simbench (schema {version}, this "
            f"one reads up to {SCHEMA_VERSION}). Upgrade simbench to read it."
        )
    for key, kind in REQUIRED.items():
        if not isinstance(result.get(key), kind):
            raise ResultError(
                f"{source}: not a simbench result (missing or malformed "
                f"'{key}'). Move it out of the results folder."
            )
    if result["status"] not in STATUSES:
        raise ResultError(f"{source}: unknown status {result['status']!r} "
                          f"(expected {' or '.join(STATUSES)}).")
    if result["status"] == "ok":
        accuracy = result["metrics"].get("test_accuracy")
        if not (isinstance(accuracy, (int, float)) and 0.0 <= accuracy <= 1.0):
            raise ResultError(f"{source}: a finished result needs "
                              "metrics.test_accuracy in [0, 1]; received "
                              f"{accuracy!r}. Rerun the cell.")
        predictions = result.get("predictions") or {}
        if predictions.get("test") and predictions.get("test_labels"):
            predicted, gold = predictions["test"], predictions["test_labels"]
            scored = (sum(a == b for a, b in zip(predicted, gold))
                      / max(1, len(gold)))
            if len(predicted) != len(gold) or abs(scored - accuracy) > 1e-6:
                raise ResultError(
                    f"{source}: metrics.test_accuracy ({accuracy:.6f}) does not "
                    f"match its predictions ({scored:.6f}): edited by hand? "
                    "Rerun the cell with 'simbench run --force'.")
    stored = result.get("config_hash")
    if stored is not None and stored != config_hash(result["config"]):
        raise ResultError(
            f"{source}: config_hash does not match its config (edited by "
            "hand?). Results must come from runs: rerun the cell with "
            "'simbench run --force'.")
    return result


def config_hash(config: dict) -> str:
    """sha256 of a cell's config: what decides its numbers."""
    text = json.dumps(config, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_result(path) -> dict:
    try:
        with open(path, encoding="utf-8") as file:
            result = json.load(file)
    except json.JSONDecodeError as error:
        raise ResultError(f"{path}: corrupt JSON ({error.msg}, line "
                          f"{error.lineno}). Move it aside or delete it.") from None
    except OSError as error:
        raise ResultError(f"{path}: cannot be read ({error.strerror}).") from None
    return validate(result, str(path))


def result_files(results_dir) -> List[Path]:
    root = Path(results_dir)
    def wanted(path: Path) -> bool:
        parts = path.relative_to(root).parts  # hidden: temp files and locks
        return SUPERSEDED_DIR not in parts and not any(
            part.startswith(".") for part in parts)

    return sorted(p for p in root.rglob("*.json") if wanted(p))


def load_results(results_dir) -> Tuple[List[dict], List[str]]:
    """All valid results below `results_dir`, plus one message per file that
    was skipped (corrupt, foreign or too new)."""
    if not Path(results_dir).is_dir():
        raise ResultError(
            f"Results folder '{results_dir}' does not exist. Run 'simbench run' "
            "first, or pass the folder it wrote to."
        )
    results, skipped = [], []
    for path in result_files(results_dir):
        try:
            result = load_result(path)
        except ResultError as error:
            logger.debug("Skipping %s", error)
            skipped.append(str(error))
            continue
        result["_path"] = str(path)
        results.append(result)
    return results, skipped
