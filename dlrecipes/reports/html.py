"""One self-contained HTML page per run, group of seeds or comparison.

``python -m recipes report DIR [DIR ...]`` and the ``run`` / ``compare``
commands write it. The page needs no network and no other file: images are
embedded as base64 ``data:`` URIs, the style sheet is inline, there is no
script. It holds, for each directory:

- what it is (a run, a group of seeds, a comparison) and the recipe's name;
- the expectation and whether it was reached (per seed and on the mean for a group);
- the metrics (a group: n, mean, sd, 95% CI and IQM per metric) and, for a
  group, the per-seed table with failed seeds and their reasons;
- for a comparison, its table with the verdict column;
- the resolved recipe as TOML;
- every plot of the directory (learning curves, bands, confusion matrices ...) and,
  folded, each seed's own plots.

Given two directories it puts them side by side, after a table of what differs
in their recipes and their metrics.

Only files are read (TOML, JSON, CSV, PNG): nothing executes code from a run
directory. This module reads run directories itself and imports nothing of
:mod:`dlrecipes.runs`, which sits above it.
"""

from __future__ import annotations

import base64
import html
import json
import math
import tomllib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from dlrecipes.spec import flatten

__all__ = ["kind_of", "render_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
.plots { display: flex; flex-wrap: wrap; gap: 0.8em; align-items: flex-start; }
figure { margin: 0; max-width: 640px; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; }
.reached { color: #17602a; font-weight: 600; } .missed { color: #a11; font-weight: 600; }
.better { color: #17602a; } .worse { color: #a11; } .failed { color: #a11; }
.note { color: #555; font-size: 0.9em; }
"""

#: Metrics of a run's metrics.json shown in its table (per split).
_SPLITS = ("train", "val", "test")
#: How many seeds' own plots a group's page embeds (folded).
MAX_SEED_PLOTS = 10


# ----------------------------------------------------------------------------- reading


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def kind_of(path: Path) -> str:
    """``"seeds"``, ``"compare"`` or ``"run"``: what a directory holds.

    Raises:
        ValueError: it holds none of them (no group.json, compare.json or recipe.toml).
    """
    path = Path(path)
    if (path / "group.json").is_file():
        return _json(path / "group.json").get("kind", "seeds")
    if (path / "compare.json").is_file():
        return "compare"
    if (path / "recipe.toml").is_file():
        return "run"
    raise ValueError(
        "a report needs a run, seeds group or compare directory (holding recipe.toml, "
        f"group.json or compare.json). Received: {str(path)!r}"
    )


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = html.escape(path.stem)
    return (
        f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">'
        f"<figcaption class=note>{html.escape(path.name)}</figcaption></figure>"
    )


def _plots(directory: Path) -> list[Path]:
    plots = directory / "plots"
    return sorted(plots.glob("*.png")) if plots.is_dir() else []


def _gallery(directory: Path) -> str:
    """Every PNG under ``directory / "plots"``, embedded, in a wrapping row."""
    images = "".join(_image(p) for p in _plots(directory))
    return f'<div class="plots">{images}</div>' if images else '<p class="note">no plots</p>'


# ----------------------------------------------------------------------------- formatting


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3e}"
        return f"{value:.4f}"
    return "-" if value is None else html.escape(str(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], css: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, tuple):  # (text, css class): already-formatted cell
                cells.append(f'<td class="{value[1]}">{value[0]}</td>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<td class="num">{_number(value)}</td>')
            else:
                cells.append(f"<td>{_number(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def _interval(low, high) -> str:
    return "-" if low is None or high is None else f"[{_number(low)}, {_number(high)}]"


def _expect_text(expect: dict[str, Any]) -> str:
    sign = "&gt;=" if expect.get("higher_is_better", True) else "&lt;="
    return (
        f"{html.escape(str(expect.get('split', 'test')))} {html.escape(str(expect.get('metric')))}"
        f" {sign} {expect.get('threshold')} on {html.escape(str(expect.get('data') or 'its data'))}"
    )


def _verdict_span(reached: bool | None, text: str) -> str:
    css = "reached" if reached else "missed"
    return f'<span class="{css}">{html.escape(text)}</span>'


# ----------------------------------------------------------------------------- sections


def _recipe_section(directory: Path) -> str:
    text = (directory / "recipe.toml").read_text() if (directory / "recipe.toml").is_file() else ""
    return (
        "<details><summary>resolved recipe (recipe.toml)</summary>"
        f"<pre>{html.escape(text)}</pre></details>"
    )


def _run_expectation(metrics: dict[str, Any]) -> str:
    expect = metrics.get("expect") or {}
    if not expect:
        return ""
    value = expect.get("value")
    if not expect.get("applies", True):
        verdict = '<span class="note">not applicable: this run used other data or a profile</span>'
    elif expect.get("reached"):
        verdict = _verdict_span(True, "REACHED")
    else:
        verdict = _verdict_span(False, "NOT reached")
    return f"<p>expectation: {_expect_text(expect)}; value {_number(value)}: {verdict}</p>"


def _run_metrics(metrics: dict[str, Any]) -> str:
    evaluation = metrics.get("evaluation") or {}
    rows = []
    for split in _SPLITS:
        values = evaluation.get(split) if split != "test" else metrics.get("test")
        for name, value in (values or {}).items():
            if isinstance(value, (int, float, str, bool)):
                rows.append([split, name, value])
    for key in ("gap", "loss_gap"):
        if key in evaluation:
            rows.append(["train - val", key, evaluation[key]])
    for name, value in (metrics.get("probes") or {}).items():
        if isinstance(value, (int, float)):
            rows.append(["probe", name, value])
    for report, values in (metrics.get("reports") or {}).items():
        for name, value in (values or {}).items():
            if isinstance(value, (int, float, str)):
                rows.append([f"report {report}", name, value])
    for key in ("epochs_run", "steps", "wall_time_s", "steps_per_second", "device", "backend"):
        if key in metrics:
            rows.append(["run", key, metrics[key]])
    return "<h3>metrics</h3>" + _table(["split", "metric", "value"], rows, "metrics")


def _run_section(directory: Path, seed_plots: bool = True) -> str:
    metrics = _json(directory / "metrics.json")
    parts = []
    if metrics:
        parts += [_run_expectation(metrics), _run_metrics(metrics)]
    failed = directory / "FAILED.txt"
    if failed.is_file():
        reason = html.escape(failed.read_text().strip())
        parts.append(f'<p class="failed">FAILED: {reason}</p>')
    elif not metrics:
        parts.append('<p class="failed">no metrics.json: the run did not finish</p>')
    parts.append(_recipe_section(directory))
    if seed_plots:
        parts += ["<h3>plots</h3>", _gallery(directory)]
    return "\n".join(parts)


def _group_expectation(summary: dict[str, Any]) -> str:
    expect = summary.get("expect") or {}
    if not expect:
        return ""
    head = f"expectation: {_expect_text(expect)}"
    if not expect.get("applies"):
        return f'<p>{head}: <span class="note">not applicable (other data or a profile)</span></p>'
    if expect.get("mean") is None:
        return f'<p>{head}: <span class="failed">no seed completed</span></p>'
    k, n = expect.get("reached_seeds") or 0, expect.get("seeds")
    per_seed = _verdict_span(k == n, f"reached in {k}/{n} seeds")
    on_mean = _verdict_span(
        expect.get("reached_on_mean"),
        ("reached" if expect.get("reached_on_mean") else "NOT reached")
        + f" on the mean ({_number(expect.get('mean'))})",
    )
    return f"<p>{head}: {per_seed}; {on_mean}</p>"


def _group_metrics(summary: dict[str, Any]) -> str:
    rows = []
    for name, row in (summary.get("metrics") or {}).items():
        rows.append(
            [
                name,
                row.get("n", 0),
                row.get("mean"),
                row.get("sd"),
                _interval(row.get("ci_low"), row.get("ci_high")),
                row.get("iqm"),
                _interval(row.get("iqm_ci_low"), row.get("iqm_ci_high")),
            ]
        )
    header = ["metric", "n", "mean", "sd", "95% CI (t)", "IQM", "95% CI of IQM (bootstrap)"]
    return "<h3>metrics over seeds</h3>" + _table(header, rows, "metrics")


def _per_seed_table(summary: dict[str, Any]) -> str:
    headline = summary.get("headline", "")
    values = ((summary.get("metrics") or {}).get(headline) or {}).get("values") or {}
    failed = {str(f["seed"]): f for f in summary.get("failed") or []}
    reached = set((summary.get("expect") or {}).get("reached_in") or [])
    rows = []
    for seed in summary.get("seeds") or []:
        key = str(seed)
        if key in failed:
            status = (html.escape(failed[key]["status"]), "failed")
            reason = failed[key].get("reason", "")
        else:
            status, reason = "completed", ""
        applies = (summary.get("expect") or {}).get("applies")
        reached_text = (
            "n/a" if not applies or key in failed else ("yes" if seed in reached else "no")
        )
        run_dir = (summary.get("runs") or {}).get(key) or ""
        rows.append([seed, status, values.get(key), reached_text, reason, Path(run_dir).name])
    header = ["seed", "status", headline, "expectation reached", "reason", "run directory"]
    return "<h3>per seed</h3>" + _table(header, rows, "per-seed")


def _solved(summary: dict[str, Any]) -> str:
    solved = summary.get("solved")
    if not solved:
        return ""
    text = f"solved in {solved['solved_seeds']}/{solved['seeds']} seeds"
    steps, times = solved.get("steps_to_solve"), solved.get("time_to_solve_s")
    if steps:
        text += (
            f"; env steps to solve: mean {steps['mean']:,.0f} "
            f"{_interval(steps.get('ci_low'), steps.get('ci_high'))}, IQM {steps['iqm']:,.0f}; "
            f"training time to solve: mean {times['mean']:.1f} s"
        )
    return f"<p>{text}</p>"


def _seed_plot_sections(directory: Path, summary: dict[str, Any]) -> str:
    runs = [Path(p) for p in (summary.get("runs") or {}).values() if p]
    parts = []
    for run_dir in runs[:MAX_SEED_PLOTS]:
        if _plots(run_dir):
            parts.append(f"<details><summary>plots of {html.escape(run_dir.name)}</summary>")
            parts.append(_gallery(run_dir) + "</details>")
    return "\n".join(parts)


def _group_section(directory: Path) -> str:
    summary = _json(directory / "summary.json")
    info = _json(directory / "group.json")
    seeds = ", ".join(str(s) for s in info.get("seeds") or [])
    parts = [
        f"<p>seeds {html.escape(seeds)}; {summary.get('completed', 0)} completed; "
        f"{info.get('jobs', 1)} job(s); wall time {_number(summary.get('wall_time_s'))} s</p>",
        _group_expectation(summary),
        _solved(summary),
        _group_metrics(summary),
        _per_seed_table(summary),
        _recipe_section(directory),
        "<h3>plots over seeds</h3>",
        _gallery(directory),
        _seed_plot_sections(directory, summary),
    ]
    return "\n".join(parts)


def _compare_table(data: dict[str, Any]) -> str:
    """The comparison's table: over seeds with verdicts, or the one-seed rows."""
    table = data.get("table")
    if table:  # over seeds: rows already computed by dlrecipes.runs.comparison
        header = table["header"]
        rows = []
        for row in table["rows"]:
            cells = []
            for name, value in zip(header, row):
                if name.endswith("verdict"):
                    css = {"better": "better", "worse": "worse"}.get(value, "")
                    cells.append((html.escape(str(value)), f"verdict {css}".strip()))
                else:
                    cells.append(value)
            rows.append(cells)
        return _table(header, rows, "comparison")
    rows = data.get("rows") or []
    columns: list[str] = []
    for row in rows:
        columns += [
            k for k in row if k not in columns and not k.startswith(("precision_", "recall_"))
        ]
    columns = [c for c in columns if not c.startswith(("f1_", "support_")) and c != "run_dir"]
    return _table(columns, [[row.get(c) for c in columns] for row in rows], "comparison")


def _compare_section(directory: Path) -> str:
    data = _json(directory / "compare.json")
    seeds = data.get("seeds")
    head = (
        f"<p>seeds {', '.join(str(s) for s in seeds)}; reference arm "
        f"<b>{html.escape(str(data.get('reference')))}</b>; verdicts on "
        f"{html.escape(str(data.get('verdict_metric')))} by a paired t test over seeds, "
        f"Holm-corrected across the arms, at alpha {data.get('alpha', 0.05)}</p>"
        if seeds
        else f"<p>one seed ({data.get('seed')}): no interval and no verdict can be given</p>"
    )
    parts = [
        head,
        "<h3>comparison</h3>",
        _compare_table(data),
        _recipe_section(directory),
        "<h3>plots</h3>",
        _gallery(directory),
    ]
    return "\n".join(parts)


_SECTIONS = {"run": _run_section, "seeds": _group_section, "compare": _compare_section}


def _title(directory: Path, kind: str) -> str:
    recipe = _toml(directory / "recipe.toml").get("name") or directory.parent.name
    words = {"run": "run", "seeds": "seeds", "compare": "comparison"}[kind]
    return f"{recipe}: {words} {directory.name}"


def _section(directory: Path, heading: bool = True) -> str:
    kind = kind_of(directory)
    body = _SECTIONS[kind](directory)
    title = f"<h2>{html.escape(_title(directory, kind))}</h2>" if heading else ""
    return (
        f'<section class="{kind}">{title}'
        f'<p class="note">{html.escape(str(directory))}</p>{body}</section>'
    )


# ----------------------------------------------------------------------------- differences


def _headline_values(directory: Path) -> dict[str, Any]:
    """Scalar metrics of a directory for the side-by-side differences."""
    kind = kind_of(directory)
    if kind == "seeds":
        metrics = _json(directory / "summary.json").get("metrics") or {}
        return {f"{k} (mean)": v.get("mean") for k, v in metrics.items()}
    if kind == "compare":
        data = _json(directory / "compare.json")
        out = {}
        for row in data.get("rows") or []:
            for key, value in row.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[f"{row.get('variant')}: {key}"] = value
        return out
    metrics = _json(directory / "metrics.json")
    out = {}
    for split in _SPLITS:
        source = metrics.get("test") if split == "test" else (metrics.get("evaluation") or {})
        source = source if split == "test" else source.get(split)
        for key, value in (source or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[f"{split}_{key}"] = value
    return out


def _differences(first: Path, second: Path) -> str:
    a_recipe = dict(flatten(_toml(first / "recipe.toml")))
    b_recipe = dict(flatten(_toml(second / "recipe.toml")))
    recipe_rows = [
        [key, _show(a_recipe.get(key)), _show(b_recipe.get(key))]
        for key in sorted(set(a_recipe) | set(b_recipe))
        if a_recipe.get(key) != b_recipe.get(key)
    ]
    a_metrics, b_metrics = _headline_values(first), _headline_values(second)
    metric_rows = []
    for key in [k for k in a_metrics if k in b_metrics]:
        a, b = a_metrics[key], b_metrics[key]
        difference = b - a if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
        metric_rows.append([key, a, b, difference])
    recipe_part = (
        _table(["recipe field", "A", "B"], recipe_rows, "recipe-differences")
        if recipe_rows
        else "<p>the recipes are the same</p>"
    )
    return (
        "<h2>what differs (A = left, B = right)</h2>"
        + recipe_part
        + _table(["metric", "A", "B", "B - A"], metric_rows, "metric-differences")
    )


def _show(value: Any) -> str:
    if value is None:
        return "(not set)"
    return json.dumps(value) if not isinstance(value, str) else value


# ----------------------------------------------------------------------------- the page


def render_report(directories: Sequence[str | Path], title: str | None = None) -> str:
    """The HTML page of one directory, or of several side by side (two: with their
    differences).

    Args:
        directories: run, seeds-group or compare directories.
        title: the page title (default: from the directories).

    Returns:
        The page as text (write it with any name; it references no other file).

    Raises:
        ValueError: a directory is none of those (see :func:`kind_of`).
    """
    paths = [Path(d) for d in directories]
    if not paths:
        raise ValueError("a report needs at least one directory")
    for path in paths:
        kind_of(path)
    title = title or " vs ".join(_title(p, kind_of(p)) for p in paths)
    if len(paths) == 1:
        body = _section(paths[0], heading=False)
    else:
        differences = _differences(paths[0], paths[1]) if len(paths) == 2 else ""
        columns = "".join(f"<div>{_section(p)}</div>" for p in paths)
        style = f' style="grid-template-columns: repeat({len(paths)}, 1fr)"'
        body = f'{differences}<div class="side"{style}>{columns}</div>'
    stamp = datetime.now().isoformat(timespec="seconds")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>"
        f'<p class="note">written by dlrecipes on {stamp}; self-contained (no network, '
        "no other file)</p>"
        f"{body}</body></html>\n"
    )
