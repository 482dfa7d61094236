"""The results of a search: a table of every trial (CSV and printed) and a plot.

Rows are read back from the search directory, never from one process's memory,
so the same table comes out of a single search, a resumed one and a distributed
one (Keras Tuner's ``trial_*/trial.json`` files for values, status and metrics;
``log.jsonl`` for the worker, duration and memory of each trial).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dlrecipes.recipe import Hyperparameter
from dlrecipes.tuning.search_progress import LOG_NAME
from dlrecipes.tuning.space import choice_labels

RESULTS_NAME = "results.csv"
PLOT_NAME = "plots/search.png"


def _metric_value(trial: dict, name: str) -> float | None:
    entry = (trial.get("metrics") or {}).get("metrics", {}).get(name)
    if not entry or not entry.get("observations"):
        return None
    value = entry["observations"][-1]["value"]
    value = value[0] if isinstance(value, list) else value
    return float(value)


def _decode(param: Hyperparameter, value: Any) -> Any:
    labels = choice_labels(param) if param.kind == "choice" else None
    if labels is not None and value in labels:
        return labels[value]
    return value


def read_log(search_dir: str | Path) -> dict[str, list[dict]]:
    """``log.jsonl`` grouped by trial id (a retried trial has several records)."""
    path = Path(search_dir) / LOG_NAME
    records: dict[str, list[dict]] = {}
    if not path.is_file():
        return records
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        records.setdefault(record["trial_id"], []).append(record)
    return records


def read_trials(
    search_dir: str | Path, params: Sequence[Hyperparameter], objective: str
) -> list[dict[str, Any]]:
    """One row per trial of a search directory, ordered by trial id.

    Each row holds ``trial``, ``status``, the value of every searched path, the
    objective and the other logged quantities at the best epoch, ``best_epoch``,
    ``seconds``, ``worker`` and ``rss_mb`` (from the trial's last run).
    """
    log = read_log(search_dir)
    rows = []
    for path in sorted(Path(search_dir).glob("trial_*/trial.json")):
        try:
            trial = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        trial_id = trial["trial_id"]
        values = (trial.get("hyperparameters") or {}).get("values", {})
        row: dict[str, Any] = {"trial": trial_id, "status": trial.get("status")}
        for param in params:
            row[param.path] = _decode(param, values.get(param.path))
        score = trial.get("score")
        row[objective] = None if score is None else float(score)
        metric_names = (trial.get("metrics") or {}).get("metrics", {})
        for name in sorted(metric_names):
            if name != objective:
                row[name] = _metric_value(trial, name)
        runs = log.get(trial_id, [])
        last = runs[-1] if runs else {}
        row["seconds"] = last.get("seconds")
        row["worker"] = last.get("tuner_id")
        row["rss_mb"] = last.get("rss_mb")
        row["runs"] = len(runs)
        if trial.get("status") != "COMPLETED" and trial.get("message"):
            row["message"] = trial["message"].strip().splitlines()[-1]
        rows.append(row)
    return rows


def best_row(rows: Sequence[dict], objective: str, direction: str) -> dict | None:
    """The completed trial with the best objective (the earliest on ties)."""
    done = [
        r
        for r in rows
        if r["status"] == "COMPLETED"
        and r.get(objective) is not None
        and math.isfinite(r[objective])
    ]
    if not done:
        return None
    sign = 1 if direction == "max" else -1
    return max(done, key=lambda r: (sign * r[objective], -int(r["trial"])))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (tuple, list)):
        return str(list(value))
    return str(value)


def write_csv(rows: Sequence[dict], path: str | Path) -> Path:
    """Write ``rows`` as CSV (columns in first-seen order), atomically."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(buffer.getvalue())
    tmp.replace(path)
    return path


def _short_names(paths: Sequence[str]) -> dict[str, str]:
    """``train.learning_rate`` -> ``learning_rate`` unless two paths share an ending."""
    ends = [p.split(".")[-1] for p in paths]
    return {p: (e if ends.count(e) == 1 else p) for p, e in zip(paths, ends)}


def format_table(
    rows: Sequence[dict], params: Sequence[Hyperparameter], objective: str, direction: str
) -> str:
    """The table printed after a search; the best trial is marked ``*``."""
    best = best_row(rows, objective, direction)
    names = _short_names([p.path for p in params])
    columns = ["trial", *[p.path for p in params], objective, "best_epoch", "seconds", "worker"]
    headers = ["trial", *[names[p.path] for p in params], objective, "epoch", "s", "worker"]
    table = [headers]
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if column == objective and row["status"] != "COMPLETED":
                value = row["status"]
            elif column == "best_epoch" and value is not None:
                value = int(value)
            elif column == "seconds" and value is not None:
                value = f"{value:.1f}"
            elif isinstance(value, float):
                value = f"{value:.4g}" if column != objective else f"{value:.4f}"
            cells.append(_cell(value))
        if best is not None and row is best:
            cells[0] += " *"
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
