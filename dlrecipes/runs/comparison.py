"""Compare a recipe's variants: same seed, same data, same budget, one table.

A comparison is data in the recipe: ``Recipe.variants`` is a tuple of
``Variant(name, overrides)``, each a set of dotted-path overrides applied on
top of the resolved recipe (profile -> config file -> ``--set`` -> seed)::

    variants=(
        Variant("sgd", {"train.optimizer": "sgd", "train.learning_rate": 0.1}),
        Variant("adam", {"train.optimizer": "adam", "train.learning_rate": 1e-3}),
    )

``compare`` resolves every variant first (a bad override fails before anything
runs), then runs each one through :func:`dlrecipes.runs.launch` -- the same code
path as ``python -m recipes run`` -- and writes::

    OUT/<recipe>/compare-<YYYYmmdd-HHMMSS>-s<seed>/
        recipe.toml               the resolved base recipe (variants included)
        compare.csv               one row per variant: every scalar metric
        compare.json              rows, overrides, per-epoch histories and series
        plots/compare_<key>.png   one overlay per curve shared by the variants
                                  (``loss``, ``val_accuracy``, ... and the
                                  experiments' ``series.json`` curves)
        <variant>/<recipe>/<timestamp>-s<seed>/   each variant's own run directory

Rows of supervised recipes hold the final model's loss and metrics on the
train, validation and test splits, all measured in inference mode (no dropout,
no augmentation, best weights restored by early stopping), ``gap`` = train
minus validation of the headline metric and ``loss_gap`` = validation minus
training loss (the loss includes any L1 / L2 penalty). Rows of ``task = "custom"`` recipes
hold the experiment's flat metrics. A variant whose loss diverges is reported
as such and the others still run.

Example::

    >>> from dlrecipes.runs import compare
    >>> result = compare("optimizers", smoke=True, only=["sgd", "adam"])  # doctest: +SKIP
    >>> print(result.table())                                             # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlrecipes.runs import directory
from dlrecipes.runs.launch import prepare, run
from dlrecipes.spec import Recipe, RecipeError, Resolved, Variant
from dlrecipes.spec.lookup import suggest_names

#: Metrics kept out of the printed table (they stay in compare.csv).
_TABLE_EXCLUDE = re.compile(r"^(precision|recall|f1|support)_|^(run_dir|status_detail)$")
_VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


@dataclass
class VariantResult:
    """One arm of a comparison.

    Attributes:
        name: the variant's name.
        overrides: the dotted-path overrides that make it.
        row: flat scalar metrics (``status``, ``train_loss``, ..., ``wall_time_s``).
        history: per-epoch curves (from the run or its ``history.csv``).
        series: other named curves from the run's ``series.json``.
        run_dir: the variant's run directory (``None`` if it failed to start).
    """

    name: str
    overrides: dict[str, Any]
    row: dict[str, Any]
    history: dict[str, list[float]] = field(default_factory=dict)
    series: dict[str, dict] = field(default_factory=dict)
    run_dir: Path | None = None


@dataclass
class CompareResult:
    """What ``compare`` produced: the directory, the base recipe and one result per variant."""

    compare_dir: Path
    recipe: Recipe
    variants: list[VariantResult]
    csv_path: Path
    plots: list[Path]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per variant (``variant`` first), as in ``compare.csv``."""
        return [{"variant": v.name, **v.row} for v in self.variants]

    def table(self) -> str:
        """The comparison as a fixed-width text table (per-class scores left out)."""
        return format_table(self.rows)


# ----------------------------------------------------------------------------- helpers


def _select(recipe: Recipe, only) -> list[Variant]:
    """The variants named in ``only`` (all when empty); names may be comma-separated."""
    if not recipe.variants:
        raise RecipeError(
            f"recipe {recipe.name!r} has no variants to compare; give it "
            "variants=(Variant(name, overrides), ...) or use 'python -m recipes run "
            f"{recipe.name}'"
        )
    names = [v.name for v in recipe.variants]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RecipeError(
            f"recipe {recipe.name!r} declares variant {duplicates[0]!r} more than once"
        )
    for name in names:
        if not _VARIANT_NAME.match(name):
            raise RecipeError(
                "a variant name must be letters, digits, '_', '.', '+' or '-' (it names a "
                f"directory). Received: {name!r} in recipe {recipe.name!r}"
            )
    wanted = [part.strip() for item in only or () for part in str(item).split(",") if part.strip()]
    for name in wanted:
        if name not in names:
            raise RecipeError(
                f"recipe {recipe.name!r} has no variant {name!r}.{suggest_names(name, names)} "
                f"Expected one of: {', '.join(names)}"
            )
    return [v for v in recipe.variants if not wanted or v.name in wanted]


def _scalar(value: Any) -> bool:
    return isinstance(value, (int, float, str, bool)) and not isinstance(value, dict)


def _read_history(run_dir: Path) -> dict[str, list[float]]:
    path = run_dir / "history.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    history: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            if key == "epoch" or value in (None, ""):
                continue
            try:
                history.setdefault(key, []).append(float(value))
            except ValueError:
                continue
    return history


def _read_series(run_dir: Path) -> dict[str, dict]:
    path = run_dir / "series.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict) and "values" in v}


def _supervised_row(metrics: dict, recipe: Recipe) -> dict[str, Any]:
    """Final-model metrics per split (the run's own evaluation, in inference mode),
    per-class scores, gap, and the scalars of the run's probes and reports."""
    evaluation = metrics.get("evaluation") or {}
    row: dict[str, Any] = {}
    for split in ("train", "val"):
        row.update({f"{split}_{k}": v for k, v in (evaluation.get(split) or {}).items()})
    row.update({f"test_{k}": float(v) for k, v in metrics.get("test", {}).items()})
    for key in ("gap", "loss_gap"):
        if key in evaluation:
            row[key] = evaluation[key]
    row["epochs"] = metrics.get("epochs_run")
    row["parameters"] = metrics.get("parameters", {}).get("trainable")
    row.update({k: v for k, v in (metrics.get("probes") or {}).items() if _scalar(v)})
    for values in (metrics.get("reports") or {}).values():  # e.g. the paper's number beside
        row.update({k: v for k, v in (values or {}).items() if _scalar(v)})
    report = metrics.get("classification") or {}
    for name, scores in (report.get("per_class") or {}).items():
        for score in ("precision", "recall", "f1"):
            row[f"{score}_{name}"] = scores[score]
    return row


def _row(result, recipe: Recipe) -> dict[str, Any]:
    if recipe.task == "supervised":
        row = _supervised_row(result.metrics, recipe)
    else:
        row = {k: v for k, v in (result.metrics.get("test") or {}).items() if _scalar(v)}
    row["wall_time_s"] = result.metrics.get("wall_time_s")
    reached = result.metrics.get("expect", {}).get("reached")
    if reached is not None:
        row["reached"] = reached
    return row


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3e}"
        return f"{value:.4f}"
    return "" if value is None else str(value)


def format_table(rows: list[dict[str, Any]]) -> str:
    """A fixed-width text table of ``rows`` (per-class scores and paths left out)."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns and not _TABLE_EXCLUDE.search(key):
                columns.append(key)
    cells = [[_format(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths)))
    return "\n".join(lines)


def _write_csv(path: Path, rows: list[dict[str, Any]], variants: list[VariantResult]) -> None:
    columns: list[str] = []
    full = []
    for row, variant in zip(rows, variants):
        overrides = "; ".join(f"{k}={v}" for k, v in variant.overrides.items())
        record = {**row, "overrides": overrides, "run_dir": str(variant.run_dir or "")}
        full.append(record)
        for key in record:
            if key not in columns:
                columns.append(key)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for record in full:
            writer.writerow({k: record.get(k, "") for k in columns})


def _curve_order(keys: list[str], headline: str) -> list[str]:
    first = ["loss", "val_loss", headline, f"val_{headline}"]
    return [k for k in first if k in keys] + sorted(k for k in keys if k not in first)


def _write_plots(compare_dir: Path, recipe: Recipe, variants: list[VariantResult]) -> list[Path]:
    from dlrecipes.reports.curves import overlay

    plot_dir = compare_dir / "plots"
    plot_dir.mkdir(exist_ok=True)
    written = []
    ran = [v for v in variants if v.history]
    shared = set.intersection(*(set(v.history) for v in ran)) if ran else set()
    shared.discard("learning_rate")
    headline = recipe.train.metrics[0] if recipe.train.metrics else "accuracy"
    for key in _curve_order(sorted(shared), headline):
        curves = {v.name: v.history[key] for v in ran}
        values = [x for c in curves.values() for x in c]
        log_y = "loss" in key and values and min(values) > 0
        path = plot_dir / f"compare_{key}.png"
        overlay(
            curves,
            path,
            xlabel="epoch",
            ylabel=key,
            title=f"{recipe.name}: {key} per epoch (seed {recipe.seed})",
            log_y=bool(log_y),
        )
        written.append(path)
    names = sorted({s for v in variants for s in v.series})
    for name in names:
        having = [v for v in variants if name in v.series]
        meta = having[0].series[name]
        curves = {v.name: [float(x) for x in v.series[name]["values"]] for v in having}
        log_y = bool(meta.get("log_y")) and any(x > 0 for c in curves.values() for x in c)
        if log_y:  # a log axis cannot show 0 (e.g. all-zero weights): leave those points out
            curves = {
                (label if min(c) > 0 else f"{label} (<= 0 not shown)"): [
                    x if x > 0 else math.nan for x in c
                ]
                for label, c in curves.items()
            }
        path = plot_dir / f"compare_{name}.png"
        overlay(
            curves,
            path,
            xlabel=meta.get("xlabel", ""),
            ylabel=meta.get("ylabel", name),
            title=f"{recipe.name}: {name}",
            log_y=log_y,
        )
        written.append(path)
    return written


# ----------------------------------------------------------------------------- compare


def _run_arm(variant, arm: Resolved, index, count, compare_dir, verbose, say) -> VariantResult:
    """Run one arm through :func:`dlrecipes.runs.launch`; a diverged loss is a row, not a crash."""
    from dlrecipes.training import TrainingDivergedError

    described = ", ".join(f"{k}={v}" for k, v in variant.overrides.items()) or "defaults"
    say(f"[compare {arm.recipe.name}] {index}/{count} {variant.name}: {described}")
    started = time.perf_counter()
    overrides = dict(variant.overrides)
    try:
        result = run(arm, out=compare_dir / variant.name, verbose=verbose)
    except TrainingDivergedError as error:
        row = {
            "status": "diverged",
            "status_detail": str(error),
            "wall_time_s": round(time.perf_counter() - started, 3),
        }
        say(f"  {variant.name}: diverged ({error})")
        return VariantResult(variant.name, overrides, row)
    row = {"status": "completed", **_row(result, arm.recipe)}
    history = result.history or _read_history(result.run_dir)
    say(f"  {variant.name}: done in {row.get('wall_time_s') or 0:.1f} s -> {result.run_dir}")
    return VariantResult(
        variant.name, overrides, row, history, _read_series(result.run_dir), result.run_dir
    )


def compare(
    recipe: str | Path | Recipe | Resolved,
    *,
    profile: str | None = None,
    smoke: bool = False,
    config: str | Path | dict | None = None,
    overrides=(),
    seed: int | None = None,
    out: str | Path = "runs",
    only=(),
    verbose: str | int = 0,
    quiet: bool = False,
) -> CompareResult:
    """Run a recipe's variants with the same seed, data and budget; write one table and plots.

    Args:
        recipe: a built-in name, a ``.toml`` / ``.py`` path or a :class:`Recipe`.
        profile: a profile of the recipe (``smoke=True`` is ``profile="smoke"``).
        config: a TOML file (or mapping) of overrides, applied to every variant.
        overrides: ``"a.b=value"`` strings or a mapping, applied to every variant
            before the variant's own overrides.
        seed: replaces the recipe's seed (shared by all variants).
        out: the root of run directories.
        only: run only these variant names (an iterable; items may be comma-separated).
        verbose: Keras progress output of supervised variants (0 = silent).
        quiet: do not print progress lines and the table.

    Returns:
        A :class:`CompareResult`.

    Raises:
        RecipeError: the recipe has no variants, an unknown name in ``only``, or a
            variant whose overrides do not resolve (nothing is run or written).
    """
    resolved = (
        recipe
        if isinstance(recipe, Resolved)
        else prepare(
            recipe, profile=profile, smoke=smoke, config=config, overrides=overrides, seed=seed
        )
    )
    base = resolved.recipe
    profile = resolved.profile
    # Every arm is resolved once, here, so that a bad override fails before anything
    # runs or is written; run() receives the resolved arm and resolves nothing again.
    arms = [
        (
            variant,
            resolved.with_overrides(
                variant.overrides, where=f"variant {variant.name!r} of recipe {base.name!r}"
            ),
        )
        for variant in _select(base, only)
    ]
    compare_dir = directory.create(out, base, prefix="compare-")
    say = (lambda *a: None) if quiet else (lambda text: print(text, flush=True))
    results = [
        _run_arm(variant, arm, index, len(arms), compare_dir, verbose, say)
        for index, (variant, arm) in enumerate(arms, start=1)
    ]
    rows = [{"variant": v.name, **v.row} for v in results]
    csv_path = compare_dir / "compare.csv"
    _write_csv(csv_path, rows, results)
    plot_paths = _write_plots(compare_dir, base, results)
    summary = {
        "recipe": base.name,
        "profile": profile,
        "seed": base.seed,
        "rows": rows,
        "variants": [
            {
                "name": v.name,
                "overrides": v.overrides,
                "run_dir": str(v.run_dir or ""),
                "history": v.history,
                "series": v.series,
            }
            for v in results
        ],
    }
    (compare_dir / "compare.json").write_text(json.dumps(summary, indent=2, default=str))
    outcome = CompareResult(compare_dir, base, results, csv_path, plot_paths)
    say("")
    say(outcome.table())
    say(f"\ncompare directory: {compare_dir}")
    return outcome
