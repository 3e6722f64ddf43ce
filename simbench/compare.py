"""Compare two runs cell by cell: accuracy with a paired test, speed with a
threshold and a rank test. No printing and no Keras here."""

import dataclasses
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from simbench import results, stats
from simbench.errors import SimbenchError

BETTER, WORSE, SAME, NOT_COMPARABLE = "better", "worse", "no change", "n/a"
ALPHA = 0.05
SPEED_THRESHOLD = 0.10


@dataclasses.dataclass
class Row:
    """One (cell, metric) line of a comparison."""

    cell: str
    metric: str
    baseline: Optional[float]
    candidate: Optional[float]
    change: Optional[str]
    p_value: Optional[float]
    verdict: str
    note: str = ""


def resolve_run(name: str, results_root: str = "results") -> Path:
    """A results folder from a path or a run name under `results_root`."""
    for candidate in (Path(name), Path(results_root) / name):
        if candidate.is_dir():
            return candidate
    runs = sorted(p.name for p in Path(results_root).glob("*") if p.is_dir())
    raise SimbenchError(
        f"No results folder or run named '{name}'. Pass a folder written by "
        f"'simbench run --output', or one of the runs in {results_root}/: "
        f"{', '.join(runs) or '(none)'}."
    )


def cell_key(result: dict) -> Tuple:
    """What makes two results the same cell, whichever run made them."""
    config = result.get("config", {})
    return (config.get("preset") or result["preset"].get("name"),
            result["recipe"].get("name"), config.get("dataset"),
            config.get("seed"), config.get("limit"), config.get("data_source"))


def _label(key: Tuple) -> str:
    preset, recipe, _, seed, limit, _ = key
    text = f"{preset} x {recipe} seed {seed}"
    return text + (f" (limit {limit})" if limit else "")


def machine_of(result: dict) -> Tuple:
    env = result.get("environment", {})
    machine = env.get("machine", {})
    return (machine.get("cpu"), machine.get("cores"), env.get("accelerator"))


def _correctness(result: dict, labels: Optional[str]) -> Optional[np.ndarray]:
    predicted = result.get("predictions", {}).get("test")
    if not predicted or not labels or len(predicted) != len(labels):
        return None
    return np.frombuffer(predicted.encode(), "u1") == np.frombuffer(
        labels.encode(), "u1")


def compare_accuracy(cell: str, a: dict, b: dict) -> Row:
    acc_a = a["metrics"].get("test_accuracy")
    acc_b = b["metrics"].get("test_accuracy")
    # Both runs score the same test pairs in the same order (see the runner);
    # results from before labels were stored borrow the other side's.
    labels_a = a.get("predictions", {}).get("test_labels")
    labels_b = b.get("predictions", {}).get("test_labels")
    if labels_a and labels_b and labels_a != labels_b:
        return Row(cell, "test accuracy", acc_a, acc_b, None, None,
                   NOT_COMPARABLE, "scored on different test pairs")
    labels = labels_a or labels_b
    correct_a, correct_b = _correctness(a, labels), _correctness(b, labels)
    if correct_a is None or correct_b is None:
        return Row(cell, "test accuracy", acc_a, acc_b, None, None,
                   NOT_COMPARABLE, "no per-example predictions to pair")
    paired = stats.paired_accuracy(correct_a, correct_b)
    verdict = SAME
    if paired.p_value < ALPHA:
        verdict = BETTER if paired.difference > 0 else WORSE
    change = (f"{100 * paired.difference:+.2f} pts "
              f"[{100 * paired.ci_low:+.2f}, {100 * paired.ci_high:+.2f}]")
    test = "exact McNemar" if paired.exact else "McNemar"
    note = f"{test}; {paired.only_a} vs {paired.only_b} disagreements"
    return Row(cell, "test accuracy", acc_a, acc_b, change, paired.p_value,
               verdict, note)


def _speed(cell: str, metric: str, samples_a, samples_b, threshold: float,
           refuse: Optional[str]) -> Row:
    if not samples_a or not samples_b:
        return Row(cell, metric, None, None, None, None, NOT_COMPARABLE,
                   "no timing samples")
    median_a, median_b = float(np.median(samples_a)), float(np.median(samples_b))
    if refuse:
        return Row(cell, metric, median_a, median_b, None, None,
                   NOT_COMPARABLE, refuse)
    change = stats.speed_change(samples_a, samples_b, threshold, ALPHA)
    verdict = {"slower": WORSE, "faster": BETTER}.get(change.verdict, SAME)
    return Row(cell, metric, median_a, median_b, f"x{change.ratio:.3f}",
               change.p_value, verdict, "Mann-Whitney U on step times")


def _timing(result: dict, phase: str):
    return result.get("timing", {}).get(phase, {}).get("samples_ms")


def compare(baseline: List[dict], candidate: List[dict],
            threshold: float = SPEED_THRESHOLD,
            allow_different_machines: bool = False) -> Dict:
    """Rows for every cell finished in both runs, plus notes on the cells
    found in only one of them."""
    old = {cell_key(r): r for r in baseline if r.get("status") == "ok"}
    new = {cell_key(r): r for r in candidate if r.get("status") == "ok"}
    failed = {cell_key(r): r for r in candidate if r.get("status") != "ok"}
    rows, notes = [], []
    for key in sorted(set(old) & set(new), key=str):
        a, b = old[key], new[key]
        cell = _label(key)
        refuse = None
        if machine_of(a) != machine_of(b) and not allow_different_machines:
            refuse = (f"measured on different machines ({machine_of(a)[0]} vs "
                      f"{machine_of(b)[0]}); --allow-different-machines to "
                      "compare anyway")
        backends = [r.get("environment", {}).get("backend") for r in (a, b)]
        if backends[0] != backends[1]:
            refuse = (f"measured on different Keras backends ({backends[0]} vs "
                      f"{backends[1]}): their step times are not comparable")
        if a.get("config_hash") != b.get("config_hash"):
            notes.append(f"{cell}: configurations differ (benchmark version "
                         "or recipe overrides); compared anyway")
        rows.append(compare_accuracy(cell, a, b))
        rows.append(_speed(cell, "train step ms", _timing(a, "train"),
                           _timing(b, "train"), threshold, refuse))
        rows.append(_speed(cell, "infer batch ms", _timing(a, "infer"),
                           _timing(b, "infer"), threshold, refuse))
    lost = 0
    for key in sorted(set(old) - set(new), key=str):
        if key in failed:  # finished before, fails now: a regression
            lost += 1
            notes.append(f"{_label(key)}: REGRESSION, finished in the "
                         f"baseline but failed in the candidate "
                         f"({failed[key].get('error') or 'no reason given'})")
        else:
            notes.append(f"{_label(key)}: only in the baseline")
    for key in sorted(set(new) - set(old), key=str):
        notes.append(f"{_label(key)}: only in the candidate")
    if not rows and not lost:
        raise SimbenchError("The two runs have no finished cell in common; "
                            "nothing to compare.")
    regressions = sum(row.verdict == WORSE for row in rows) + lost
    return {"rows": rows, "notes": notes, "regressions": regressions}


def load_run(name: str, results_root: str = "results") -> List[dict]:
    folder = resolve_run(name, results_root)
    found, skipped = results.load_results(folder)
    if skipped:
        # A run with files that do not load cannot be vouched for: a gate
        # that quietly left them out would pass a hand-edited candidate.
        raise SimbenchError(
            f"'{folder}' holds {len(skipped)} result file(s) that do not load; "
            "fix or move them before comparing:\n  " + "\n  ".join(skipped))
    if not found:
        raise SimbenchError(f"No results in '{folder}'.")
    return found
