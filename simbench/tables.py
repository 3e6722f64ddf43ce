"""Render leaderboards with tabulate: Markdown, plain text, CSV or JSON."""

import csv
import io
import json

from tabulate import tabulate

FORMATS = ("md", "plain", "csv", "json", "html")


def _cell(key: str, value):
    if value is None or value == "":
        return "-"
    if key in ("test_accuracy", "val_accuracy"):
        return f"{100 * value:.2f}"
    if key == "test_interval":
        return f"{100 * value[0]:.2f}-{100 * value[1]:.2f}"
    if key == "params_m":
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return value


def _csv_value(key: str, value):
    if key == "test_interval":
        return "" if value is None else f"{value[0]:.6f}-{value[1]:.6f}"
    return "" if value is None else value


NOTES = (
    "test acc: mean over seeds. 95% interval: Student t across seeds; with "
    "one seed, the Wilson interval of the test accuracy (test-set noise "
    "only). rank: 1 + the rows whose interval lies wholly above this row's, "
    "so rows the data cannot separate share a rank. Pareto: no other row is "
    "both more accurate and faster to train (train) or to run (infer). "
    "Timings exclude compilation steps."
)


def render(board: dict, fmt: str = "plain") -> str:
    """The leaderboard `board` (from `leaderboard.build`) as text."""
    rows, columns = board["rows"], board["columns"]
    if fmt == "json":
        return json.dumps(board, indent=1) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([key for key, _ in columns])
        for row in rows:
            writer.writerow([_csv_value(key, row[key]) for key, _ in columns])
        return out.getvalue()
    tablefmt = {"md": "github", "html": "html"}.get(fmt, "simple")
    headers = [title for _, title in columns]
    body = [[_cell(key, row[key]) for key, _ in columns] for row in rows]
    parts = [tabulate(body, headers=headers, tablefmt=tablefmt,
                      disable_numparse=True)]
    if fmt != "html":
        parts.append(NOTES)
    if board["failed"]:
        failed = [[r["preset"], r["recipe"], r["seed"], r["error"]]
                  for r in board["failed"]]
        parts.append("Failed cells:\n" + tabulate(
            failed, headers=["preset", "recipe", "seed", "error"],
            tablefmt=tablefmt))
    if board["machines"] and fmt != "html":
        parts.append("Measured on:\n" + "\n".join(
            machine_line(m) for m in board["machines"]))
    return "\n\n".join(parts) + "\n"


def machine_line(machine: dict) -> str:
    return (f"- {machine['cpu']} ({machine['cores']} cores, "
            f"{machine['memory_gib']} GiB), accelerator: "
            f"{machine['accelerator'] or 'none'}, backend {machine['backend']}, "
            f"keras {machine['keras']}, keras-hub {machine['keras_hub']}")


COMPARISON_COLUMNS = ("cell", "metric", "baseline", "candidate", "change",
                      "p_value", "verdict", "note")


def _compared(row, key):
    value = getattr(row, key)
    if value is None:
        return "-"
    if key in ("baseline", "candidate") and row.metric == "test accuracy":
        return f"{100 * value:.2f}"
    if key == "p_value":
        return f"{value:.3g}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return value


def render_comparison(comparison: dict, fmt: str = "plain") -> str:
    """A comparison (from `compare.compare`) as text."""
    rows = comparison["rows"]
    if fmt == "json":
        return json.dumps({**comparison, "rows": [vars(r) for r in rows]},
                          indent=1) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COMPARISON_COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, key) for key in COMPARISON_COLUMNS])
        return out.getvalue()
    body = [[_compared(row, key) for key in COMPARISON_COLUMNS] for row in rows]
    table = tabulate(body, headers=[c.replace("_", "-") for c in
                                    COMPARISON_COLUMNS],
                     tablefmt="github" if fmt == "md" else "simple",
                     disable_numparse=True)
    parts = [table]
    if comparison["notes"]:
        parts.append("Notes:\n" + "\n".join(f"- {n}" for n in comparison["notes"]))
    worse = comparison["regressions"]
    parts.append(f"{worse} regression(s)." if worse else "No regressions.")
    return "\n\n".join(parts) + "\n"
