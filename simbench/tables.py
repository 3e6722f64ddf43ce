"""Render leaderboards with tabulate: Markdown, plain text, CSV or JSON."""

import csv
import io
import json

from tabulate import tabulate

from simbench.leaderboard import COLUMNS

FORMATS = ("md", "plain", "csv", "json")


def _cell(key: str, value):
    if value is None:
        return "-"
    if key in ("test_accuracy", "val_accuracy"):
        return f"{100 * value:.2f}"
    if key == "params_m":
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return value


def render(board: dict, fmt: str = "plain") -> str:
    """The leaderboard `board` (from `leaderboard.build`) as text."""
    rows = board["rows"]
    if fmt == "json":
        return json.dumps(board, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([key for key, _ in COLUMNS])
        for row in rows:
            writer.writerow([row[key] for key, _ in COLUMNS])
        return out.getvalue()
    headers = [title for _, title in COLUMNS]
    body = [[_cell(key, row[key]) for key, _ in COLUMNS] for row in rows]
    table = tabulate(body, headers=headers,
                     tablefmt="github" if fmt == "md" else "simple",
                     disable_numparse=True)
    parts = [table]
    if board["failed"]:
        failed = [[r["preset"], r["recipe"], r["seed"], r["error"]]
                  for r in board["failed"]]
        parts.append("Failed cells:\n" + tabulate(
            failed, headers=["preset", "recipe", "seed", "error"],
            tablefmt="github" if fmt == "md" else "simple"))
    if board["machines"]:
        lines = [f"- {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), "
                 f"accelerator: {m['accelerator'] or 'none'}, backend "
                 f"{m['backend']}, keras {m['keras']}, keras-hub {m['keras_hub']}"
                 for m in board["machines"]]
        parts.append("Measured on:\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"
