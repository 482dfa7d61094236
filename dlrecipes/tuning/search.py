"""``tune(recipe)``: search a recipe's space with Keras Tuner (the CLI's ``tune`` calls it)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlrecipes.reports.search import plot_search
from dlrecipes.runs import prepare, run, summary_line
from dlrecipes.spec import Recipe, RecipeError, Resolved, recipe_to_toml, resolve, to_dict
from dlrecipes.tuning import distributed
from dlrecipes.tuning.results import (
    PLOT_NAME,
    RESULTS_NAME,
    best_row,
    format_table,
    read_trials,
    write_csv,
)
from dlrecipes.tuning.search_progress import format_seconds
from dlrecipes.tuning.space import TUNERS, validate_space

SETTINGS_NAME = "search.json"
RECIPE_NAME = "recipe.toml"
BASELINE_NAME = "baseline.json"
BEST_NAME = "best.json"


@dataclass
class TuneResult:
    """What a search produced.

    Attributes:
        search_dir: ``OUT/<recipe>/search-<tuner>/`` (Keras Tuner's project directory).
        recipe: the resolved recipe the search started from.
        objective, direction: the quantity optimised and ``max`` / ``min``.
        rows: one dict per trial (hyperparameters, metrics, duration, worker).
        best: the best completed trial's row (``None`` when none completed).
        best_values: its values ``{path: value}``; ``resolve(recipe, overrides=...)``
            rebuilds its recipe.
        default_score: the objective of the recipe's own configuration, when measured.
        retrained: the run of the best configuration on train + validation
            (a :class:`dlrecipes.runs.RunResult`), with ``--retrain-best``.
        results_csv, plot: the table and the figure in the search directory.
        wall_seconds: time this call took.
    """

    search_dir: Path
    recipe: Recipe
    objective: str
    direction: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    best: dict[str, Any] | None = None
    best_values: dict[str, Any] = field(default_factory=dict)
    default_score: float | None = None
    retrained: Any = None
    results_csv: Path | None = None
    plot: Path | None = None
    wall_seconds: float = 0.0

    @property
    def best_score(self) -> float | None:
        """The best trial's objective value."""
        return None if self.best is None else self.best[self.objective]

    @property
    def best_recipe(self) -> Recipe:
        """The recipe with the best trial's values."""
        return resolve(self.recipe, overrides=self.best_values)


def search_dir_for(out: str | Path, recipe_name: str, tuner: str) -> Path:
    """``OUT/<recipe>/search-<tuner>``: the same command finds the same directory."""
    return Path(out) / recipe_name / f"search-{tuner}"


def _settings(recipe: Recipe, tuner: str) -> dict[str, Any]:
    return {"tuner": tuner, "recipe": to_dict(recipe)}


def _check_settings(search_dir: Path, recipe: Recipe, tuner: str, write: bool) -> None:
    """A search directory resumes only the search it holds (same recipe and space)."""
    path = search_dir / SETTINGS_NAME
    settings = json.loads(json.dumps(_settings(recipe, tuner), default=str))
    if path.is_file():
        try:
            saved = json.loads(path.read_text())
        except ValueError:
            saved = None
        if saved is not None and saved != settings:
            differences = _differences(saved.get("recipe", {}), settings["recipe"])
            raise RecipeError(
                f"{search_dir} holds a search of another configuration (differs at "
                f"{', '.join(differences[:5]) or 'tuner'}); run with --fresh to start over "
                "or choose another --out"
            )
        return
    if write:
        search_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(settings, indent=2))
        tmp.replace(path)
        (search_dir / RECIPE_NAME).write_text(recipe_to_toml(recipe))


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += _differences(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else key)
        return out
    return [] if a == b else [prefix or "recipe"]


def _mark_resumable(search_dir: Path, tuner_id: str) -> None:
    """Let Keras Tuner reload the oracle whichever process resumes the search.

    Keras Tuner reloads a project only when ``<tuner_id>.json`` exists; that file
    holds no state (``{}``). A search started by ``tuner0`` and resumed by a
    ``chief`` (or the reverse) would otherwise start over in the same directory.
    """
    if (search_dir / "oracle.json").is_file() and not (search_dir / f"{tuner_id}.json").is_file():
        (search_dir / f"{tuner_id}.json").write_text("{}")


def tune(
    recipe: str | Path | Recipe | Resolved,
    *,
    profile: str | None = None,
    smoke: bool = False,
    config: str | Path | dict | None = None,
    overrides=(),
    seed: int | None = None,
    trials: int | None = None,
    tuner: str = "random",
    out: str | Path = "runs",
    retrain_best: bool = False,
    workers: int = 0,
    fresh: bool = False,
    baseline: bool = False,
    verbose: int = 1,
    engine: str = "keras_tuner",
    sampler: str = "random",
    pruner: str = "none",
    storage: str | None = None,
    heartbeat_seconds: int | None = None,
) -> TuneResult:
    """Search the recipe's hyperparameter space; resume the search if it was interrupted.

    Random search is the default: each trial draws every hyperparameter
    independently from its distribution. Bergstra & Bengio (2012) showed that for
    the same budget it beats grid search, because usually only a few
    hyperparameters matter: a grid of ``k^d`` points tries just ``k`` values of each
    important one, random search tries as many values as there are trials.

    Each trial builds and trains its model with the runner's own functions (see
    :class:`~dlrecipes.tuning.RecipeHyperModel`), after
    ``keras.backend.clear_session()``. Running the same call again continues the
    search in ``OUT/<recipe>/search-<tuner>/``: finished trials are kept and none is
    repeated; a trial that was interrupted runs again.

    Args:
        recipe: a built-in name, a ``.toml`` / ``.py`` recipe file, a :class:`Recipe`, or
            a :class:`~dlrecipes.spec.Resolved` one (then leave out the next arguments).
        profile, smoke, config, overrides, seed: resolve the recipe as ``run`` does
            (once); the search space is the resolved recipe's ``search.params``.
        trials: the number of trials (default ``search.max_trials``).
        tuner: ``random``, ``bayesian``, ``hyperband`` or ``grid``.
        out: the root of search (and run) directories.
        retrain_best: train the best configuration on train + validation, evaluate
            it on test and write a normal run directory under ``out``.
        workers: run a chief and this many worker processes on this machine.
        fresh: delete the search directory and start over.
        baseline: also score the recipe's own configuration (once per directory).
        verbose: 0 silent, 1 progress lines and the table, 2 also Keras' per-epoch lines.
        engine: ``keras_tuner`` (the default; ``tuner`` chooses its algorithm) or
            ``optuna`` (see :mod:`dlrecipes.tuning.optuna_engine`): a chief-less study
            in ``storage`` that any number of workers share.
        sampler, pruner: Optuna's ``random`` / ``tpe`` / ``gp`` / ``cmaes`` and
            ``none`` / ``median`` / ``hyperband``.
        storage: Optuna's storage URL (default: a journal file in the search directory;
            ``postgresql://...`` for many machines; ``sqlite:///...`` for one worker).
        heartbeat_seconds: a database storage's heartbeat interval (grace: three times).

    Returns:
        A :class:`TuneResult`; in a worker process (and in the chief started by
        ``workers``) its ``rows`` are empty: the process that prints the table reads
        them from the search directory.

    Raises:
        RecipeError: a bad recipe, search space, objective or number of trials,
            before any trial runs.
    """
    started = time.perf_counter()
    resolved = (
        recipe
        if isinstance(recipe, Resolved)
        else prepare(
            recipe, profile=profile, smoke=smoke, config=config, overrides=overrides, seed=seed
        )
    )
    base = resolved.recipe
    if engine == "optuna":
        return _tune_optuna(
            resolved,
            trials=trials,
            sampler=sampler,
            pruner=pruner,
            storage_url=storage,
            heartbeat_seconds=heartbeat_seconds,
            workers=workers,
            fresh=fresh,
            out=Path(out),
            retrain_best=retrain_best,
            baseline=baseline,
            verbose=verbose,
            started=started,
        )
    if engine != "keras_tuner":
        raise RecipeError(f"engine must be keras_tuner or optuna. Received: {engine!r}")
    if tuner not in TUNERS:
        raise RecipeError(f"tuner must be one of {', '.join(TUNERS)}. Received: {tuner!r}")
    params = validate_space(base, tuner)
    trials = base.search.max_trials if trials is None else trials
    if trials < 1:
        raise RecipeError(f"the number of trials must be >= 1. Received: trials={trials}")
    if workers < 0:
        raise RecipeError(f"workers must be >= 0. Received: workers={workers}")
    my_role = distributed.role()
    if workers and my_role != "single":
        raise RecipeError(
            "--workers starts its own chief and workers; it cannot run inside a distributed "
            f"process. Received: workers={workers} with {distributed.ENV_TUNER_ID}="
            f"{distributed.tuner_id()}"
        )
    search_dir = search_dir_for(out, base.name, tuner)
    if fresh and my_role == "single" and search_dir.exists():
        shutil.rmtree(search_dir)
    splits = _checked_data(base)  # bad data fails here, before anything is written
    _check_settings(search_dir, base, tuner, write=my_role != "worker")

    if workers:
        distributed.run_local(
            search_dir / RECIPE_NAME,
            tuner=tuner,
            trials=trials,
            out=Path(out),
            workers=workers,
            verbose=verbose,
        )
    else:
        _search(base, params, tuner, trials, search_dir, my_role, verbose, splits)
        if my_role == "worker" or distributed.spawned():
            return TuneResult(search_dir, base, base.search.objective, base.search.direction)
    default_score = _baseline(base, params, search_dir, verbose) if baseline else None
    retrain_from = resolved if retrain_best else None
    return _finish(
        base, params, tuner, search_dir, Path(out), retrain_from, default_score, verbose, started
    )


def _checked_data(base: Recipe):
    """The search's data, loaded once and checked against the recipe (its loss and
    metrics fit the targets, a ``val_`` objective has a validation split), so that a
    mismatch fails before the search directory exists."""
    from dlrecipes import data
    from dlrecipes.models.build import check_task

    splits = data.load(base.data, seed=base.seed)
    check_task(base, splits)
    objective = base.search.objective
    if objective.startswith("val_") and len(splits.x_val) == 0:
        raise RecipeError(
            f"search.objective {objective!r} needs a validation split; "
            f"{splits.source} has none (data.val_fraction={base.data.val_fraction})"
        )
    return splits


def _tune_optuna(
    resolved,
    *,
    trials,
    sampler,
    pruner,
    storage_url,
    heartbeat_seconds,
    workers,
    fresh,
    out,
    retrain_best,
    baseline,
    verbose,
    started,
) -> TuneResult:
    """``tune(engine="optuna")``: the parent of ``workers`` processes, a worker, or one process."""
    from dlrecipes.tuning import optuna_engine as engine

    base = resolved.recipe
    params = validate_space(base, "random")
    trials = base.search.max_trials if trials is None else trials
    if trials < 1:
        raise RecipeError(f"the number of trials must be >= 1. Received: trials={trials}")
    if workers < 0:
        raise RecipeError(f"workers must be >= 0. Received: workers={workers}")
    if sampler not in engine.SAMPLERS:
        raise RecipeError(
            f"sampler must be one of {', '.join(engine.SAMPLERS)}. Received: {sampler!r}"
        )
    if pruner not in engine.PRUNERS:
        raise RecipeError(
            f"pruner must be one of {', '.join(engine.PRUNERS)}. Received: {pruner!r}"
        )
    engine.check_storage(storage_url, workers)
    heartbeat_seconds = heartbeat_seconds or engine.HEARTBEAT_SECONDS
    if heartbeat_seconds < 1:
        raise RecipeError(f"the heartbeat must be >= 1 s. Received: {heartbeat_seconds}")
    worker_index = os.environ.get(engine.ENV_WORKER)
    if workers and worker_index is not None:
        raise RecipeError(
            f"--workers starts its own workers; it cannot run inside one ({engine.ENV_WORKER}="
            f"{worker_index})"
        )
    engine.make_sampler(sampler, None)  # a missing optional package fails here
    label = engine.search_label(sampler)
    search_dir = search_dir_for(out, base.name, label)
    if fresh and worker_index is None:
        if search_dir.exists():
            shutil.rmtree(search_dir)
        if storage_url and not storage_url.startswith("journal:"):
            engine.delete_study(engine.open_storage(storage_url, search_dir), base, sampler)
    splits = _checked_data(base)
    _check_settings(search_dir, base, f"{label}+{pruner}", write=worker_index is None)
    storage = engine.open_storage(storage_url, search_dir, heartbeat_seconds)
    index = int(worker_index or 0)
    study = engine.create_study(storage, base, sampler, pruner, base.seed + index)
    if verbose and worker_index is None:
        print(
            f"[{base.name}] optuna {sampler} search (pruner {pruner}) of {trials} trials over "
            f"{', '.join(p.path for p in params)}; objective {base.search.objective} "
            f"({base.search.direction}); {splits.summary()}; storage "
            f"{storage_url or search_dir / engine.JOURNAL_NAME}; directory {search_dir}",
            flush=True,
        )
    if workers:
        distributed.run_optuna_workers(
            search_dir / RECIPE_NAME,
            sampler=sampler,
            pruner=pruner,
            storage=storage_url,
            heartbeat_seconds=heartbeat_seconds,
            trials=trials,
            out=out,
            workers=workers,
            verbose=verbose,
        )
    else:
        with _without_retracing_warnings():
            engine.run_worker(
                base,
                params,
                splits,
                study=study,
                storage=storage,
                trials=trials,
                search_dir=search_dir,
                worker=f"worker{index}",
                verbose=verbose,
            )
        if worker_index is not None:
            return TuneResult(search_dir, base, base.search.objective, base.search.direction)
    ended, _ = engine.counts(study)
    if ended < trials:
        raise RecipeError(
            f"only {ended} of {trials} trials ended (the workers exited); run the same "
            "command again to continue the search"
        )
    rows = engine.read_study(study, params, base.search.objective)
    default_score = _baseline(base, params, search_dir, verbose) if baseline else None
    return _finish(
        base,
        params,
        label,
        search_dir,
        out,
        resolved if retrain_best else None,
        default_score,
        verbose,
        started,
        rows=rows,
    )


def _search(base, params, tuner, trials, search_dir, my_role, verbose, splits) -> None:
    from dlrecipes.tuning.recipe_hypermodel import RecipeHyperModel
    from dlrecipes.tuning.search_progress import SearchProgress
    from dlrecipes.tuning.tuners import make_tuner

    objective = base.search.objective
    hypermodel = RecipeHyperModel(base, splits, params, verbose=2 if verbose >= 2 else 0)
    tuner_id = distributed.tuner_id()
    progress = SearchProgress(
        search_dir,
        trials,
        objective,
        base.search.direction,
        tuner_id=tuner_id,
        verbose=verbose,
    )
    if my_role != "single":
        progress.prefix = f"[{tuner_id}] "
    if my_role != "worker":
        _mark_resumable(search_dir, tuner_id)
    keras_tuner_search = make_tuner(
        tuner,
        hypermodel,
        max_trials=trials,
        seed=base.seed,
        directory=str(search_dir.parent),
        project_name=search_dir.name,
        progress=progress,
        max_epochs=base.train.epochs,
    )
    callbacks = []
    if base.train.tensorboard:
        import keras

        # Keras Tuner gives each trial its own log directory and adds its
        # hyperparameters to TensorBoard's HParams dashboard.
        callbacks.append(
            keras.callbacks.TensorBoard(
                str(search_dir / "tensorboard"), write_graph=False, profile_batch=0
            )
        )
    if verbose and my_role != "worker":
        print(
            f"[{base.name}] {tuner} search of {trials} trials over "
            f"{', '.join(p.path for p in params)}; objective {objective} "
            f"({base.search.direction}); {splits.summary()}; directory {search_dir}",
            flush=True,
        )
    if my_role == "chief" and verbose:
        print("[chief] serving the oracle; workers run the trials", flush=True)
    with _without_retracing_warnings():
        keras_tuner_search.search(callbacks=callbacks, verbose=0)


class _RetracingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _without_retracing_warnings():
    """Every trial builds a new model, so new ``tf.function``s are expected, not a bug.

    TensorFlow warns about "retracing" after a few of them; only that warning is dropped.
    """
    logger = logging.getLogger("tensorflow")
    quiet = _RetracingFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _baseline(base, params, search_dir: Path, verbose: int) -> float | None:
    """The objective of the recipe's own configuration, trained like a trial (cached)."""
    path = search_dir / BASELINE_NAME
    if path.is_file():
        return json.loads(path.read_text())["score"]
    if verbose:
        print("scoring the recipe's own configuration ...", flush=True)
    import keras

    from dlrecipes import data
    from dlrecipes.tuning.recipe_hypermodel import RecipeHyperModel

    keras.backend.clear_session()
    hypermodel = RecipeHyperModel(base, data.load(base.data, seed=base.seed), params)
    started = time.perf_counter()
    metrics = hypermodel.fit_recipe(base, hypermodel.build_recipe(base))
    score = metrics[base.search.objective]
    record = {"score": score, "metrics": metrics, "seconds": time.perf_counter() - started}
    path.write_text(json.dumps(record, indent=2))
    keras.backend.clear_session()
    return score


def _finish(
    base, params, tuner, search_dir, out, retrain_from, default_score, verbose, started, rows=None
) -> TuneResult:
    objective, direction = base.search.objective, base.search.direction
    if rows is None:
        rows = read_trials(search_dir, params, objective)
    result = TuneResult(search_dir, base, objective, direction, rows=rows)
    result.default_score = default_score
    result.results_csv = write_csv(rows, search_dir / RESULTS_NAME)
    result.plot = plot_search(
        rows,
        objective,
        direction,
        search_dir / PLOT_NAME,
        title=f"{base.name}: {tuner} search",
        default=default_score,
    )
    result.best = best_row(rows, objective, direction)
    if result.best is not None:
        result.best_values = {p.path: result.best[p.path] for p in params}
    if verbose:
        print(format_table(rows, params, objective, direction))
        done = sum(r["status"] == "COMPLETED" for r in rows)
        pruned = sum(r["status"] == "PRUNED" for r in rows)
        print(
            f"{done} of {len(rows)} trials completed"
            + (f", {pruned} pruned" if pruned else "")
            + f"; table {result.results_csv}"
        )
        if result.best is not None:
            values = ", ".join(f"{k}={_show(v)}" for k, v in result.best_values.items())
            print(
                f"best: trial {result.best['trial']}  {objective} {result.best_score:.4f}  {values}"
            )
        if default_score is not None:
            print(f"recipe default: {objective} {default_score:.4f}")
    if retrain_from is not None:
        if result.best is None:
            raise RecipeError(f"no trial of {search_dir} completed: nothing to retrain")
        result.retrained = retrain(
            result.best_values, result.best, resolved=retrain_from, out=out, verbose=verbose
        )
    best_record = {
        "trial": None if result.best is None else result.best["trial"],
        "objective": objective,
        "score": result.best_score,
        "values": {k: _json_value(v) for k, v in result.best_values.items()},
        "default_score": default_score,
        "retrained_run_dir": None if result.retrained is None else str(result.retrained.run_dir),
        "retrained_test": None if result.retrained is None else result.retrained.metrics["test"],
    }
    (search_dir / BEST_NAME).write_text(json.dumps(best_record, indent=2, default=str))
    result.wall_seconds = time.perf_counter() - started
    if verbose:
        print(f"search directory {search_dir} ({format_seconds(result.wall_seconds)})")
    return result


def _show(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def retrain_overrides(best_values: dict[str, Any], best: dict[str, Any]) -> dict[str, Any]:
    """Overrides that retrain the best configuration on training + validation data.

    ``data.val_fraction = 0`` keeps the test split (it is drawn first) and merges
    the validation examples into training. With nothing left to validate on,
    early stopping is off and the model trains for the epoch count at which the
    trial scored best.
    """
    overrides = dict(best_values)
    overrides["data.val_fraction"] = 0.0
    overrides["train.early_stopping_patience"] = 0
    if best.get("best_epoch"):
        overrides["train.epochs"] = int(best["best_epoch"])
    return overrides


def retrain(
    best_values: dict[str, Any],
    best: dict[str, Any],
    *,
    resolved: Resolved,
    out: str | Path = "runs",
    verbose: int = 1,
):
    """Train the best configuration on train + validation, evaluate on test, save a run.

    ``resolved`` is the recipe as the search resolved it (profile, config, overrides,
    seed); the best values and :func:`retrain_overrides` are applied on top, so the
    run directory's ``recipe.toml`` says exactly what was trained and the expectation
    is judged as for any run with that profile.

    Returns:
        The :class:`dlrecipes.runs.RunResult` of a normal run directory under ``out``.
    """
    extra = retrain_overrides(best_values, best)
    if verbose:
        epochs = extra.get("train.epochs")
        print(
            f"retraining the best configuration (trial {best['trial']}) on train + validation"
            + (f" for {epochs} epochs" if epochs else ""),
            flush=True,
        )
    result = run(
        resolved.with_overrides(extra, where="retraining the best trial"),
        out=out,
        verbose=2 if verbose >= 2 else 0,
    )
    if verbose:
        print(summary_line(result))
    return result
