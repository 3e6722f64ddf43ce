"""Plots of stored results (matplotlib, no display needed) and the
single-file HTML report that embeds them."""

import base64
import datetime
import html
from pathlib import Path
from typing import Dict, List

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PLOTS = {
    "accuracy_vs_train_speed": "Test accuracy vs train throughput",
    "accuracy_vs_infer_speed": "Test accuracy vs inference throughput",
    "validation_curves": "Validation accuracy per epoch",
    "step_times": "Train step time distribution (compilation excluded)",
}


def _name(result: dict) -> str:
    seed = result.get("config", {}).get("seed")
    return f"{result['preset'].get('name')} x {result['recipe'].get('name')} s{seed}"


def _frontier(points):
    """Pareto-optimal (throughput, accuracy) points, by rising throughput."""
    best, front = -1.0, []
    for x, y in sorted(points, key=lambda p: (-p[0], -p[1])):
        if y > best:
            front.append((x, y))
            best = y
    return sorted(front)


def accuracy_vs_speed(rows: List[dict], cost: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    points = [(r[cost], 100 * r["test_accuracy"]) for r in rows if r[cost]]
    for row in rows:
        if not row[cost]:
            continue
        marker = "o" if row["pretrained"] == "yes" else "x"
        ax.scatter(row[cost], 100 * row["test_accuracy"], marker=marker)
        ax.annotate(f"{row['preset']}\n{row['recipe']}",
                    (row[cost], 100 * row["test_accuracy"]), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    front = _frontier(points)
    if len(front) > 1:
        ax.step(*zip(*front), where="post", linestyle="--", color="grey",
                label="Pareto frontier")
        ax.legend(loc="lower left", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel(cost.replace("_", " ").replace("per s", "/ s") + " (log)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("o pretrained, x from scratch", fontsize=9)
    return _save(fig, path)


def validation_curves(results: List[dict], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for result in results:
        history = result.get("history") or []
        epochs = [h["epoch"] for h in history if h.get("val_accuracy") is not None]
        values = [100 * h["val_accuracy"] for h in history
                  if h.get("val_accuracy") is not None]
        if epochs:
            ax.plot(epochs, values, marker="o", label=_name(result))
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (%)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    return _save(fig, path)


def step_times(results: List[dict], path: Path) -> Path:
    named = [(_name(r), r["timing"]["train"].get("samples_ms") or [])
             for r in results if r.get("timing", {}).get("train")]
    named = [(name, samples) for name, samples in named if samples]
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(named) + 1.5))
    if named:
        ax.boxplot([s for _, s in named], vert=False, showfliers=False)
        ax.set_yticks(range(1, len(named) + 1), [n for n, _ in named], fontsize=7)
    ax.set_xlabel("train step time (ms)")
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_plots(board: dict, results: List[dict], folder) -> Dict[str, Path]:
    """Every plot of `PLOTS` as a PNG in `folder`; returns name -> path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ok = [r for r in results if r.get("status") == "ok"]
    rows = board["rows"]
    return {
        "accuracy_vs_train_speed": accuracy_vs_speed(
            rows, "train_samples_per_s", folder / "accuracy_vs_train_speed.png"),
        "accuracy_vs_infer_speed": accuracy_vs_speed(
            rows, "infer_samples_per_s", folder / "accuracy_vs_infer_speed.png"),
        "validation_curves": validation_curves(ok, folder / "validation_curves.png"),
        "step_times": step_times(ok, folder / "step_times.png"),
    }


def html_report(board: dict, table_html: str, images: Dict[str, Path],
                machines: List[str], notes: str) -> str:
    """One self-contained HTML page: the leaderboard and every plot inline."""
    figures = []
    for name, path in images.items():
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        figures.append(f"<figure><img alt='{html.escape(PLOTS[name])}' "
                       f"src='data:image/png;base64,{data}'><figcaption>"
                       f"{html.escape(PLOTS[name])}</figcaption></figure>")
    made = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine_items = "".join(f"<li>{html.escape(m.lstrip('- '))}</li>"
                            for m in machines)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<title>simbench report</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
        "figure{display:inline-block;margin:1em}</style></head><body>"
        f"<h1>simbench leaderboard</h1><p>Made {made}.</p>{table_html}"
        f"<p><small>{html.escape(notes)}</small></p>"
        f"<h2>Measured on</h2><ul>{machine_items}</ul>"
        f"<h2>Plots</h2>{''.join(figures)}</body></html>\n"
    )
