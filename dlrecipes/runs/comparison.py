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

One seed is one draw, so a one-seed table cannot say which arm is better.
``compare(..., seeds="0-4")`` (:func:`compare_seeds`, ``python -m recipes compare
NAME --seeds 0-4``) runs every arm with every seed (``jobs`` at a time) and
writes ``OUT/<recipe>/compare-seeds-<timestamp>/``: per arm the mean and 95%
confidence interval of every metric, and each arm against the *reference arm*
(:func:`reference_variant`: the variant that restates the recipe's defaults, or
the recipe module's ``REFERENCE_VARIANT``) with a paired t test over seeds
(same seed = same data split and initial weights where the arms allow it),
Holm-corrected across the arms, and a verdict in plain words respecting the
metric's direction: "better", "worse" or "no difference at this budget".
Its overlay plots show each arm's mean curve with a 95% band.

Example::

    >>> from dlrecipes.runs import compare
    >>> result = compare("optimizers", smoke=True, only=["sgd", "adam"])  # doctest: +SKIP
    >>> print(result.table())                                             # doctest: +SKIP
    >>> over = compare("optimizers", seeds="0-4", jobs=2)                  # doctest: +SKIP
    >>> over.verdicts()                          # doctest: +SKIP
    {'sgd': 'no difference at this budget', ..., 'adam': 'reference'}
"""

from __future__ import annotations

import csv
import json
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlrecipes import stats
from dlrecipes.runs import directory
from dlrecipes.runs.launch import prepare, run
from dlrecipes.runs.seeds import (
    SeedRun,
    Task,
    execute,
    headline_key,
    metric_row,
    new_group,
    parse_seeds,
    plan_tasks,
    previous_wall,
    read_history,
    resume_group,
    summarize_runs,
    task_resolved,
    threads_per_job,
    write_curves,
    write_report,
    write_summary,
)
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
    report: Path | None = None

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


def _read_series(run_dir: Path) -> dict[str, dict]:
    path = run_dir / "series.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict) and "values" in v}


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
    row = {"status": "completed", **metric_row(result.metrics, arm.recipe)}
    history = result.history or read_history(result.run_dir)
    say(f"  {variant.name}: done in {row.get('wall_time_s') or 0:.1f} s -> {result.run_dir}")
    return VariantResult(
        variant.name, overrides, row, history, _read_series(result.run_dir), result.run_dir
    )


def _check_data_sources(arms) -> None:
    """Every arm's ``data.source`` names a known source (a misspelt one fails here,
    before the first arm runs and before the comparison's directory exists)."""
    from dlrecipes import data

    for arm in arms:
        if arm.recipe.data.source:
            data.check_source_name(arm.recipe.data.source)


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
    seeds: str | int | Sequence[int] | None = None,
    jobs: int = 1,
    reference: str | None = None,
    resume: str | Path | None = None,
    report: bool = True,
) -> CompareResult | SeedsComparison:
    """Run a recipe's variants with the same seed, data and budget; write one table and plots.

    With ``seeds`` (or ``resume``) every variant runs with every seed and the result
    is :func:`compare_seeds`'s: intervals, paired tests and verdicts.

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
        seeds, jobs, reference, resume, report: over seeds, see :func:`compare_seeds`.

    Returns:
        A :class:`CompareResult` (one seed), or a :class:`SeedsComparison`.

    Raises:
        RecipeError: the recipe has no variants, an unknown name in ``only``, or a
            variant whose overrides do not resolve (nothing is run or written).
    """
    if seeds is not None or resume is not None:
        if seed is not None:
            raise RecipeError("give either --seed or --seeds, not both")
        return compare_seeds(
            recipe,
            seeds=seeds,
            jobs=jobs,
            reference=reference,
            profile=profile,
            smoke=smoke,
            config=config,
            overrides=overrides,
            out=out,
            only=only,
            resume=resume,
            verbose=verbose,
            quiet=quiet,
            report=report,
        )
    if jobs != 1 or reference is not None:
        raise RecipeError("--jobs and --reference need --seeds (one seed runs each arm once)")
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
    _check_data_sources(arm for _, arm in arms)
    compare_dir = directory.create(out, base, prefix="compare-", lock=False)
    say = (lambda *a: None) if quiet else (lambda text: print(text, flush=True))
    try:
        results = [
            _run_arm(variant, arm, index, len(arms), compare_dir, verbose, say)
            for index, (variant, arm) in enumerate(arms, start=1)
        ]
    except RecipeError:
        # the first arm could not start (its data is missing, say): leave nothing behind
        # (a folder holding an arm's run is kept)
        directory.discard_if_unused(compare_dir)
        raise
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
    if report:
        outcome.report = write_report(compare_dir)
    say("")
    say(outcome.table())
    say(f"\ncompare directory: {compare_dir}")
    if outcome.report is not None:
        say(f"report: {outcome.report}")
    return outcome


# ----------------------------------------------------------------------------- over seeds

#: What a declared reference arm is called in a recipe module (``REFERENCE_VARIANT = "glorot"``).
REFERENCE_ATTRIBUTE = "REFERENCE_VARIANT"


def reference_variant(
    resolved: Resolved, variants: Sequence[Variant], explicit: str | None = None
) -> str:
    """The arm every other arm is tested against.

    In order: ``explicit`` (``--reference NAME``); the recipe module's
    ``REFERENCE_VARIANT`` (for a recipe whose defaults no variant restates, such as
    ``initializers``: Glorot); the variant that changes nothing in the resolved
    recipe (``adam`` in ``optimizers``: the recipe's defaults); the first variant.

    Raises:
        RecipeError: ``explicit`` is not one of ``variants``.
    """
    names = [v.name for v in variants]
    if explicit is not None:
        if explicit not in names:
            raise RecipeError(
                f"--reference {explicit!r} is not a compared variant of recipe "
                f"{resolved.recipe.name!r}.{suggest_names(explicit, names)} "
                f"Expected one of: {', '.join(names)}"
            )
        return explicit
    declared = _declared_reference(resolved.base.name)
    if declared in names:
        return declared
    for variant in variants:
        if resolved.with_overrides(variant.overrides).recipe == resolved.recipe:
            return variant.name
    return names[0]


def _declared_reference(name: str) -> str | None:
    import importlib

    from dlrecipes import registry

    if name not in registry.names():
        return None
    return getattr(importlib.import_module(f"{registry.PACKAGE}.{name}"), REFERENCE_ATTRIBUTE, None)


def paired_verdicts(
    values: dict[str, dict[int, float]],
    reference: str,
    higher_is_better: bool | None,
    alpha: float = stats.ALPHA,
) -> dict[str, dict[str, Any]]:
    """Every arm's values summarised, and each one tested against ``reference``.

    Each arm is paired with the reference on the seeds both completed (the same
    seed: the same data split and, where shapes allow, the same initial weights);
    the p-values of the arms are Holm-adjusted together (:func:`dlrecipes.stats.holm`)
    and turned into a verdict respecting the metric's direction.

    Args:
        values: ``{arm: {seed: value}}`` (completed seeds only).
        reference: the arm the others are tested against.
        higher_is_better: the metric's direction; ``None`` gives no verdict.
        alpha: the significance level.

    Returns:
        ``{arm: {"summary", "values", "test", "p_holm", "verdict"}}`` (the reference's
        verdict is ``"reference"``; JSON-ready: NaN written as ``None``).
    """
    base = values.get(reference, {})
    tests: dict[str, stats.PairedTest | None] = {}
    for name, by_seed in values.items():
        if name == reference:
            continue
        shared = [s for s in by_seed if s in base]
        tests[name] = (
            stats.paired_t_test([by_seed[s] for s in shared], [base[s] for s in shared])
            if shared
            else None
        )
    adjusted = dict(zip(tests, stats.holm([t.p_value if t else math.nan for t in tests.values()])))
    out: dict[str, dict[str, Any]] = {}
    for name, by_seed in values.items():
        numbers = list(by_seed.values())
        entry: dict[str, Any] = {
            "summary": stats.summarize(numbers).to_json() if numbers else {"n": 0},
            "values": {str(s): v for s, v in by_seed.items()},
        }
        if name == reference:
            entry["verdict"] = "reference"
        else:
            test, p_holm = tests[name], adjusted[name]
            entry["test"] = test.to_json() if test else None
            entry["p_holm"] = None if math.isnan(p_holm) else p_holm
            if higher_is_better is None:
                entry["verdict"] = "-"
            else:
                difference = test.mean_difference if test else 0.0
                entry["verdict"] = stats.verdict(difference, p_holm, higher_is_better, alpha)
        out[name] = entry
    return out


def _values_of(arms: dict[str, list[SeedRun]], recipes: dict[str, Recipe], key: str):
    values = {}
    for name, runs in arms.items():
        by_seed = {}
        for r in runs:
            if r.completed:
                value = metric_row(r.metrics, recipes[name]).get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    if math.isfinite(value):
                        by_seed[r.seed] = float(value)
        values[name] = by_seed
    return values


def _cell(value) -> str:
    return "-" if value is None else _format(float(value))


def _interval_cell(entry: dict | None) -> str:
    if not entry or entry.get("ci_low") is None:
        return "-"
    return f"[{_format(entry['ci_low'])}, {_format(entry['ci_high'])}]"


def verdict_table(
    tested: dict[str, dict[str, Any]],
    metric: str,
    reference: str,
    extra: dict[str, dict[str, dict[str, Any]]] | None = None,
) -> dict[str, list]:
    """The printed table of a comparison over seeds: ``{"header": [...], "rows": [[...]]}``
    (cells as text), one row per arm: mean and 95% CI of ``metric``, the difference to
    the reference with its CI, the raw and Holm-adjusted p-values, the verdict, then the
    mean of each ``extra`` metric and, where it has a direction, its verdict."""
    extra = extra or {}
    judged = [
        name
        for name, values in extra.items()
        if any(e.get("verdict") not in ("-", "reference") for e in values.values())
    ]
    header = [
        "variant",
        "seeds",
        metric,
        "95% CI",
        f"minus {reference}",
        "95% CI of difference",
        "p",
        "p (Holm)",
        "verdict",
    ]
    for name in extra:
        header += [f"{name} mean"] + ([f"{name} verdict"] if name in judged else [])
    rows = []
    for name, entry in tested.items():
        summary, test = entry["summary"], entry.get("test")
        row = [
            name,
            str(summary.get("n", 0)),
            _cell(summary.get("mean")),
            _interval_cell(summary),
            _cell(test["mean_difference"]) if test else "-",
            _interval_cell(test),
            _cell(test["p_value"]) if test else "-",
            _cell(entry.get("p_holm")),
            entry["verdict"],
        ]
        for key, values in extra.items():
            row.append(_cell(values[name]["summary"].get("mean")))
            if key in judged:
                row.append(values[name]["verdict"])
        rows.append(row)
    return {"header": header, "rows": rows}


@dataclass
class SeedsComparison:
    """What :func:`compare_seeds` produced.

    Attributes:
        compare_dir: the comparison's directory.
        recipe: the resolved base recipe.
        reference: the reference arm.
        arms: ``{variant: [SeedRun per seed]}``.
        tests: ``{metric: paired_verdicts(...)}`` for every metric with a known direction.
        rows: the printed table (``{"header", "rows"}``).
        csv_path: ``compare.csv``.
        plots: figures under ``compare_dir / "plots"``.
        report: the HTML report, if written.
    """

    compare_dir: Path
    recipe: Recipe
    reference: str
    arms: dict[str, list[SeedRun]]
    tests: dict[str, dict[str, dict[str, Any]]]
    rows: dict[str, list]
    csv_path: Path
    plots: list[Path]
    report: Path | None = None
    wall_time_s: float = 0.0

    def verdicts(self, metric: str | None = None) -> dict[str, str]:
        """``{arm: verdict}`` on ``metric`` (default: the recipe's expectation metric)."""
        tested = self.tests[metric or headline_key(self.recipe)]
        return {name: entry["verdict"] for name, entry in tested.items()}

    def table(self) -> str:
        """The comparison as a fixed-width text table."""
        header = self.rows["header"]
        return format_table([dict(zip(header, row)) for row in self.rows["rows"]])


def compare_seeds(
    recipe: str | Path | Recipe | Resolved | None = None,
    *,
    seeds: str | int | Sequence[int] | None = None,
    jobs: int = 1,
    reference: str | None = None,
    profile: str | None = None,
    smoke: bool = False,
    config: str | Path | dict | None = None,
    overrides=(),
    out: str | Path = "runs",
    only=(),
    resume: str | Path | None = None,
    verbose: str | int = 0,
    quiet: bool = False,
    report: bool = True,
) -> SeedsComparison:
    """Run every variant with every seed; per arm mean and 95% CI, and each arm against
    the reference with a paired t test over seeds and a verdict.

    Writes ``OUT/<recipe>/compare-seeds-<timestamp>/`` holding ``group.json``,
    ``recipe.toml``, ``base.toml``, each arm's seeds under ``<variant>/`` (with the
    arm's ``summary.json`` / ``summary.csv``), ``compare.json`` (every metric per arm
    and seed, the tests and verdicts), ``compare.csv`` (the printed table),
    ``plots/compare_<key>.png`` (mean curves with 95% bands) and ``report.html``.

    Args:
        recipe: as for :func:`compare` (``None`` with ``resume``).
        seeds: ``"0-4"``, ``5``, ``"0,3,7"`` or a list (:func:`dlrecipes.runs.seeds.parse_seeds`).
        jobs: runs at a time (worker processes when > 1, each with ``cores // jobs`` threads).
        reference: the arm the others are tested against (default: :func:`reference_variant`).
        profile, smoke, config, overrides, out, only: as for :func:`compare`.
        resume: a ``compare-seeds-*`` directory to complete (only unfinished runs run;
            ``seeds`` given with it are added).
        verbose: Keras progress output of runs made in this process.
        quiet: print nothing.
        report: write ``report.html``.

    Raises:
        RecipeError: as :func:`compare`, or a bad ``seeds`` / ``jobs`` / ``reference``
            (nothing is run or written).
    """
    say = (lambda *a: None) if quiet else (lambda text: print(text, flush=True))
    threads_per_job(jobs)
    started = time.perf_counter()
    if resume is not None:
        given = {"profile": profile, "smoke": smoke, "config": config, "set": overrides}
        given.update(only=list(only or ()), reference=reference)
        compare_dir, resolved, info, wanted = resume_group(resume, seeds, "compare", recipe, given)
        names, reference = info["variants"], info["reference"]
    else:
        if seeds is None:
            raise RecipeError("compare over seeds needs seeds, e.g. seeds='0-4'")
        wanted = list(parse_seeds(seeds))
        resolved = (
            recipe
            if isinstance(recipe, Resolved)
            else prepare(recipe, profile=profile, smoke=smoke, config=config, overrides=overrides)
        )
        selected = _select(resolved.recipe, only)
        names = [v.name for v in selected]
        reference = reference_variant(resolved, selected, reference)
        for name in names:  # every arm at every seed resolves before anything is written
            for seed in wanted:
                task_resolved(resolved, Task(seed, Path(out), name))
        compare_dir, info = new_group(
            resolved,
            wanted,
            out,
            jobs,
            "compare",
            "compare-seeds-",
            variants=names,
            reference=reference,
        )
    base = resolved.recipe
    earlier = previous_wall(compare_dir / "compare.json")
    tasks, finished = [], {}
    for name in names:
        todo, done = plan_tasks(compare_dir, resolved, wanted, name)
        tasks += todo
        finished.update({(name, r.seed): r for r in done})
    say(
        f"[compare {base.name}] {len(names)} arms x {len(wanted)} seeds: {len(tasks)} runs to "
        f"do, reference {reference!r} -> {compare_dir}"
    )
    outcomes = dict(finished)
    try:
        execute(
            compare_dir,
            resolved,
            tasks,
            jobs=jobs,
            verbose=verbose,
            say=say,
            done=lambda task, outcome: outcomes.__setitem__((task.variant, task.seed), outcome),
        )
    finally:
        arms = {
            name: [outcomes.get((name, s)) or SeedRun(s, "missing") for s in wanted]
            for name in names
        }
        result = _write_comparison(
            compare_dir,
            resolved,
            arms,
            reference,
            earlier + time.perf_counter() - started,
            jobs,
        )
        directory.release(compare_dir)
    if report:
        result.report = write_report(compare_dir)
    say("")
    say(result.table())
    say(
        f"\nverdicts: paired t test over seeds against {reference!r}, Holm-corrected, "
        f"alpha {stats.ALPHA}; wall {time.perf_counter() - started:.1f} s ({jobs} job(s))"
        + (f", {result.wall_time_s:.1f} s over all attempts" if resume is not None else "")
    )
    say(f"compare directory: {compare_dir}")
    if result.report is not None:
        say(f"report: {result.report}")
    return result


def _write_comparison(compare_dir, resolved, arms, reference, seconds, jobs) -> SeedsComparison:
    """Per-arm summaries, tests and verdicts, compare.json / compare.csv and the plots."""
    base = resolved.recipe
    seeds = [r.seed for r in next(iter(arms.values()))]
    recipes = {
        name: task_resolved(resolved, Task(seeds[0], compare_dir, name)).recipe for name in arms
    }
    summaries = {}
    for name, runs in arms.items():
        summaries[name] = summarize_runs(runs, recipes[name])
        write_summary(compare_dir / name, summaries[name])
    metric = headline_key(base)
    keys = []
    for summary in summaries.values():
        keys += [k for k in summary["metrics"] if k not in keys]
    # Arms that minimise different losses (the losses recipe) have losses in different
    # units: those are summarised per arm but not tested against each other.
    same_loss = len({r.train.loss for r in recipes.values()}) == 1
    tests = {}
    for key in keys:
        higher = base.expect.higher_is_better if key == metric else stats.direction(key)
        if key != metric and not same_loss and "loss" in key:
            continue
        if higher is not None or key == metric:
            tests[key] = paired_verdicts(_values_of(arms, recipes, key), reference, higher)
    if metric not in tests:
        tests[metric] = paired_verdicts(
            _values_of(arms, recipes, metric), reference, base.expect.higher_is_better
        )
    loss = f"{base.expect.split}_loss"
    extra = {loss: tests[loss]} if loss in tests and loss != metric else {}
    walls = paired_verdicts(_values_of(arms, recipes, "wall_time_s"), reference, None)
    rows = verdict_table(tests[metric], metric, reference, {**extra, "wall_time_s": walls})
    csv_path = compare_dir / "compare.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(rows["header"])
        writer.writerows(rows["rows"])
    plot_dir = compare_dir / "plots"
    plots = write_curves(plot_dir, base, arms, "compare_") + _series_bands(plot_dir, base, arms)
    data = {
        "recipe": base.name,
        "profile": resolved.profile,
        "seeds": seeds,
        "reference": reference,
        "verdict_metric": metric,
        "alpha": stats.ALPHA,
        "correction": "holm",
        "losses_compared": same_loss,
        "jobs": jobs,
        "wall_time_s": round(seconds, 3),
        "table": rows,
        "tests": tests,
        "arms": {
            name: {
                "overrides": next(v.overrides for v in base.variants if v.name == name),
                "summary": summaries[name],
            }
            for name in arms
        },
    }
    directory.write_json(compare_dir / "compare.json", data)
    return SeedsComparison(
        compare_dir, base, reference, arms, tests, rows, csv_path, plots, None, round(seconds, 3)
    )


def _series_bands(plot_dir: Path, recipe: Recipe, arms: dict[str, list[SeedRun]]) -> list[Path]:
    """The runs' named curves (``series.json``: probes, experiments) with bands over seeds."""
    from dlrecipes.reports.bands import band_overlay

    series = {
        name: [_read_series(r.run_dir) for r in runs if r.completed and r.run_dir]
        for name, runs in arms.items()
    }
    keys = sorted({k for found in series.values() for s in found for k in s})
    written = []
    for key in keys:
        curves, meta = {}, {}
        for name, found in series.items():
            having = [s[key] for s in found if key in s]
            if having:
                meta = having[0]
                curves[name] = [[float(x) for x in s["values"]] for s in having]
        values = [x for c in curves.values() for curve in c for x in curve]
        log_y = bool(meta.get("log_y")) and any(x > 0 for x in values)
        path = plot_dir / f"compare_{key}.png"
        band_overlay(
            curves,
            path,
            xlabel=meta.get("xlabel", ""),
            ylabel=meta.get("ylabel", key),
            title=f"{recipe.name}: {key}",
            log_y=log_y,
        )
        written.append(path)
    return written
