"""Leaderboard rows from stored results (no printing, no Keras)."""

from typing import List, Optional

COLUMNS = (
    ("preset", "preset"),
    ("recipe", "recipe"),
    ("seed", "seed"),
    ("pretrained", "pretrained"),
    ("params_m", "params (M)"),
    ("test_accuracy", "test acc"),
    ("val_accuracy", "val acc"),
    ("train_step_ms", "train step ms"),
    ("train_samples_per_s", "train samples/s"),
    ("infer_samples_per_s", "infer samples/s"),
    ("peak_host_mib", "peak mem (MiB)"),
    ("wall_time_s", "wall time (s)"),
)


def _get(mapping: Optional[dict], *keys):
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def row(result: dict) -> dict:
    """One leaderboard row (plain values; formatting is `tables`' job)."""
    metrics = result.get("metrics", {})
    pretrained = _get(result, "preset", "pretrained")
    total = _get(result, "params", "total")
    return {
        "preset": _get(result, "preset", "name") or _get(result, "config", "preset"),
        "recipe": _get(result, "recipe", "name"),
        "seed": _get(result, "config", "seed"),
        "pretrained": {True: "yes", False: "no (scratch)"}.get(pretrained, "?"),
        "params_m": total / 1e6 if total else None,
        "test_accuracy": metrics.get("test_accuracy"),
        "val_accuracy": metrics.get("val_accuracy"),
        "train_step_ms": _get(result, "timing", "train", "step_ms", "median"),
        "train_samples_per_s": metrics.get("train_samples_per_s"),
        "infer_samples_per_s": metrics.get("infer_samples_per_s"),
        "peak_host_mib": metrics.get("peak_host_mib"),
        "wall_time_s": _get(result, "timing", "wall_s", "total"),
        "status": result.get("status"),
        "error": result.get("error"),
        "path": result.get("_path"),
    }


def build(results: List[dict]) -> dict:
    """Finished rows sorted by test accuracy (best first), failed rows, and
    the machines the results came from."""
    ok = [row(r) for r in results if r.get("status") == "ok"]
    ok.sort(key=lambda r: -(r["test_accuracy"] or 0.0))
    failed = [row(r) for r in results if r.get("status") != "ok"]
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
    return {"rows": ok, "failed": failed, "machines": list(machines.values())}
