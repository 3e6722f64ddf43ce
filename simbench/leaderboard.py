"""Leaderboard rows from stored results (no printing, no Keras).

Results that differ only in their seed are one row: the mean over seeds and
a 95 % interval (Student t across seeds; with a single seed, the Wilson
interval of the test accuracy, i.e. the noise of the test set alone). Rows
share a rank unless their intervals separate them.
"""

from typing import List, Optional

import numpy as np

from simbench import stats

COLUMNS = (
    ("rank", "rank"),
    ("preset", "preset"),
    ("recipe", "recipe"),
    ("seeds", "seeds"),
    ("pretrained", "pretrained"),
    ("params_m", "params (M)"),
    ("test_accuracy", "test acc"),
    ("test_interval", "95% interval"),
    ("val_accuracy", "val acc"),
    ("train_step_ms", "train step ms"),
    ("train_samples_per_s", "train samples/s"),
    ("infer_samples_per_s", "infer samples/s"),
    ("peak_host_mib", "peak mem (MiB)"),
    ("wall_time_s", "wall time (s)"),
    ("pareto", "Pareto"),
)
TIME_TO_ACCURACY = ("time_to_accuracy_s", "time to {target:.0%} val (s)")


def _get(mapping: Optional[dict], *keys):
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def time_to_accuracy(result: dict, target: float) -> Optional[float]:
    """Train wall time until validation accuracy first reached `target`.

    Limitation: validation runs once per epoch, so this is resolved to whole
    epochs; a cell that crosses the target mid-epoch is charged the epoch.
    """
    elapsed = 0.0
    for epoch in result.get("history") or []:
        elapsed += epoch.get("seconds") or 0.0
        if (epoch.get("val_accuracy") or 0.0) >= target:
            return elapsed
    return None


def _variant(result: dict) -> tuple:
    """What, besides preset, recipe name and seed, decides the numbers:
    the limit, the data source and every recipe field (overrides)."""
    config = result.get("config", {})
    recipe = config.get("recipe") if isinstance(config.get("recipe"), dict) \
        else result.get("recipe", {})
    fields = tuple(sorted((k, v) for k, v in recipe.items()
                          if k not in ("name", "description", "plugin",
                                       "plugin_version")))
    return (("limit", config.get("limit")),
            ("data_source", config.get("data_source"))) + fields


def _group_key(result: dict) -> tuple:
    config = result.get("config", {})
    return (_get(result, "preset", "name") or config.get("preset"),
            _get(result, "recipe", "name"), config.get("dataset"),
            _variant(result))


def _label_variants(groups: dict, rows: List[dict]) -> None:
    """Rows that share preset and recipe name but not their settings get the
    differing settings appended to the recipe, e.g. "adam_5e-5 [limit=200]"."""
    by_name = {}
    for key, row in zip(groups, rows):
        by_name.setdefault(key[:3], []).append((dict(key[3]), row))
    for variants in by_name.values():
        if len(variants) < 2:
            continue
        differing = sorted(k for k in variants[0][0]
                           if len({repr(v.get(k)) for v, _ in variants}) > 1)
        for settings, row in variants:
            shown = ", ".join(f"{k}={settings.get(k)}" for k in differing)
            row["recipe"] = f"{row['recipe']} [{shown}]"


def _mean(values) -> Optional[float]:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def _interval(cells: List[dict]) -> Optional[tuple]:
    accuracies = [c["metrics"]["test_accuracy"] for c in cells]
    if len(cells) > 1:
        low, high = stats.mean_interval(accuracies)[1]
        return max(0.0, low), min(1.0, high)  # an accuracy stays in [0, 1]
    n = _get(cells[0], "dataset", "splits", "test", "n_selected")
    if not n:
        return None
    return stats.proportion_interval(round(accuracies[0] * n), n)


def _row(cells: List[dict], target: Optional[float]) -> dict:
    first = cells[0]
    pretrained = _get(first, "preset", "pretrained")
    total = _get(first, "params", "total")
    metric = lambda key: _mean(c["metrics"].get(key) for c in cells)  # noqa
    row = {
        "preset": _get(first, "preset", "name")
        or _get(first, "config", "preset"),
        "recipe": _get(first, "recipe", "name"),
        "seeds": len(cells),
        "seed_list": sorted(_get(c, "config", "seed") for c in cells),
        "pretrained": {True: "yes", False: "no (scratch)"}.get(pretrained, "?"),
        "params_m": total / 1e6 if total else None,
        "test_accuracy": metric("test_accuracy"),
        "test_interval": _interval(cells),
        "val_accuracy": metric("val_accuracy"),
        "train_step_ms": _mean(_get(c, "timing", "train", "step_ms", "median")
                               for c in cells),
        "train_samples_per_s": metric("train_samples_per_s"),
        "infer_samples_per_s": metric("infer_samples_per_s"),
        "peak_host_mib": metric("peak_host_mib"),
        "wall_time_s": _mean(_get(c, "timing", "wall_s", "total") for c in cells),
        "paths": [c.get("_path") for c in cells],
    }
    if target is not None:
        times = [time_to_accuracy(c, target) for c in cells]
        row["time_to_accuracy_s"] = (None if None in times
                                     else float(np.mean(times)))
    return row


def _ranks(rows: List[dict]) -> None:
    """Rank = 1 + rows whose interval lies wholly above this row's."""
    for row in rows:
        low_high = row["test_interval"]
        upper = low_high[1] if low_high else row["test_accuracy"]
        row["rank"] = 1 + sum(
            1 for other in rows
            if other is not row and (other["test_interval"] or
                                     (other["test_accuracy"],) * 2)[0] > upper)


def _pareto(rows: List[dict]) -> None:
    """Mark rows no other row beats on accuracy and throughput at once."""
    for row in rows:
        marks = []
        for cost, label in (("train_samples_per_s", "train"),
                            ("infer_samples_per_s", "infer")):
            if row[cost] is None:  # not measured: cannot be on the frontier
                continue
            mine = (row["test_accuracy"] or 0.0, row[cost] or 0.0)
            dominated = any(
                (o["test_accuracy"] or 0.0) >= mine[0] and (o[cost] or 0.0) >= mine[1]
                and ((o["test_accuracy"] or 0.0), (o[cost] or 0.0)) != mine
                for o in rows if o is not row)
            if not dominated:
                marks.append(label)
        row["pareto"] = "+".join(marks)


def build(results: List[dict], target: Optional[float] = None) -> dict:
    """Rows (one per cell over its seeds) sorted by mean test accuracy, the
    failed cells, and the machines the results came from."""
    groups = {}
    for result in results:
        if result.get("status") == "ok":
            groups.setdefault(_group_key(result), []).append(result)
    rows = [_row(cells, target) for cells in groups.values()]
    _label_variants(groups, rows)
    rows.sort(key=lambda r: -(r["test_accuracy"] or 0.0))
    _ranks(rows)
    _pareto(rows)
    failed = [{"preset": _get(r, "preset", "name") or _get(r, "config", "preset"),
               "recipe": _get(r, "recipe", "name"),
               "seed": _get(r, "config", "seed"), "error": r.get("error"),
               "path": r.get("_path")}
              for r in results if r.get("status") != "ok"]
    machines = {}
    for result in results:
        machine = _get(result, "environment", "machine") or {}
        env = result.get("environment", {})
        key = (machine.get("cpu"), machine.get("cores"), env.get("accelerator"))
        machines[key] = {
            "cpu": machine.get("cpu"),
            "cores": machine.get("cores"),
            "memory_gib": machine.get("memory_gib"),
            "accelerator": env.get("accelerator"),
            "backend": env.get("backend"),
            "keras": _get(env, "packages", "keras"),
            "keras_hub": _get(env, "packages", "keras-hub"),
        }
    columns = list(COLUMNS)
    if target is not None:
        columns.append((TIME_TO_ACCURACY[0],
                        TIME_TO_ACCURACY[1].format(target=target)))
    return {"rows": rows, "failed": failed, "machines": list(machines.values()),
            "columns": columns, "target": target}
