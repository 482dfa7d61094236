"""A supervised run, as small steps: validate -> data -> model -> probes at
initialisation -> fit -> evaluate -> save, plots, reports and probes at the end
-> ``metrics.json``.

Mixed precision is scoped to the run (:func:`dlrecipes.training.precision_policy`).
A resumed run repeats the steps before ``fit`` (the same data, model and probes at
initialisation, by the same seed), continues ``fit`` from the run's backup
(:mod:`dlrecipes.training.backup`) and then evaluates and saves as an uninterrupted
run does; the backup is removed once ``metrics.json`` is written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dlrecipes import atomic
from dlrecipes.runs import directory
from dlrecipes.runs.result import RunResult
from dlrecipes.spec import Recipe, Resolved


def _tracker(recipe: Recipe, run_dir: Path):
    """The run's experiment tracker (``train.track``), started, or ``None``."""
    if not recipe.train.track:
        return None
    from dlrecipes.tracking import Tracker

    return Tracker(recipe, run_dir).start()


def _check_names(recipe: Recipe) -> None:
    """Unknown report or probe names fail before anything is trained or written."""
    from dlrecipes import reports

    reports.validate(recipe.reports)
    if recipe.probes:
        from dlrecipes.reports import probes

        probes.validate_probes(recipe.probes)


def _probes(recipe: Recipe, stage: str, model, splits, run_dir: Path) -> dict[str, float]:
    if not recipe.probes:
        return {}
    from dlrecipes.reports import probes

    return probes.run_probes(recipe.probes, stage, model, splits, recipe, run_dir)


def _epoch_probes(recipe: Recipe, model, splits, run_dir: Path, probed: dict) -> list:
    """A Keras callback running the probes of stage ``epoch`` after every epoch (none if no
    probe of the recipe runs per epoch); their latest scalars land in ``probed``."""
    if not recipe.probes:
        return []
    import keras

    from dlrecipes.reports import probes

    if not probes.runs_at(recipe.probes, "epoch"):
        return []

    def on_epoch_end(epoch, logs=None):
        probed.update(probes.run_probes(recipe.probes, "epoch", model, splits, recipe, run_dir))

    return [keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)]


def _plots(recipe: Recipe, history: dict, report: dict | None, splits, run_dir: Path) -> None:
    import numpy as np

    from dlrecipes.reports import curves

    (run_dir / "plots").mkdir(exist_ok=True)
    curves.learning_curves(history, run_dir / "plots" / "learning_curves.png", title=recipe.name)
    if report is not None:
        curves.confusion_matrix(
            np.array(report["confusion_matrix"]),
            splits.class_names,
            run_dir / "plots" / "confusion_matrix.png",
            title=f"{recipe.name}: confusion matrix (test)",
        )


def _data_summary(splits) -> dict[str, Any]:
    return {
        "source": splits.source,
        "train": len(splits.x_train),
        "val": len(splits.x_val),
        "test": len(splits.x_test),
        "input_shape": list(splits.input_shape),
        "image_size": splits.extras.get("image_size"),
    }


def seconds_since_process_start() -> float | None:
    """Wall seconds since this process started (Linux: ``/proc/self/stat``'s start time
    against ``/proc/uptime``), or ``None`` where the system does not say."""
    import os

    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started_ticks = int(fields[19])  # field 22 of proc(5): starttime, in clock ticks
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - started_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


class Phases:
    """Seconds spent in each step of a run (``metrics.json["phases_s"]``).

    ``import`` is, for the first run of a process (``python -m recipes run``), the time
    from the process's start to the first step: Python, Keras and the backend loading
    (about 7 s of TensorFlow on a 2-core CPU) and the recipe's resolution. Later runs
    of the same process (a comparison's worker, a notebook) and systems that do not
    give a process's start count it from ``started``, when the run was asked for. The
    rest are the steps themselves.
    """

    _first_in_process = True

    def __init__(self, started: float):
        self.seconds: dict[str, float] = {}
        since_start = seconds_since_process_start() if Phases._first_in_process else None
        Phases._first_in_process = False
        self._last = time.perf_counter() - since_start if since_start is not None else started
        self.mark("import")

    def mark(self, phase: str) -> None:
        """The time since the previous mark is ``phase``'s."""
        now = time.perf_counter()
        self.seconds[phase] = round(self.seconds.get(phase, 0.0) + now - self._last, 3)
        self._last = now


def _metrics(recipe, run_dir, model, splits, fitted, test, evaluation, extra, started, applies):
    """``metrics.json`` of a supervised run (keys pinned by a golden test)."""
    from dlrecipes.evaluation import expectation
    from dlrecipes.models.build import parameter_counts

    last = {k: v[-1] for k, v in fitted.history.items() if v}
    val = {k[4:]: v for k, v in last.items() if k.startswith("val_")}
    return {
        **directory.common_metrics(recipe, run_dir),
        "test": test["metrics"],
        "val": val,
        "train": {k: v for k, v in last.items() if not k.startswith("val_")},
        "classification": test["report"],
        "expect": expectation(
            recipe, {"test": test["metrics"], "val": evaluation.get("val", val)}, applies
        ),
        "evaluation": evaluation,
        **extra,
        # what Keras actually compiled with (layers such as RandomRotation turn XLA off)
        "jit_compile": bool(getattr(model, "jit_compile", recipe.train.jit_compile)),
        # what was chosen and why (dlrecipes.training.compile_path)
        "compile_path": model.compile_path.as_dict(),
        "parameters": parameter_counts(model),
        "data": _data_summary(splits),
        "epochs_run": fitted.epochs_run,
        "steps": fitted.steps,
        "fit_time_s": round(fitted.fit_seconds, 3),
        "steps_per_second": round(fitted.steps_per_second, 2),
        "wall_time_s": round(time.perf_counter() - started, 3),
    }


def _evaluate_all(model, splits, recipe: Recipe, test: dict) -> dict[str, Any]:
    """Every split in inference mode, with the generalisation gap (what compare tabulates)."""
    from dlrecipes.evaluation import all_splits, generalisation_gap

    by_split = {**all_splits(model, splits, ("train", "val")), "test": test["metrics"]}
    headline = recipe.train.metrics[0] if recipe.train.metrics else "loss"
    return {**by_split, **generalisation_gap(by_split, headline)}


def run_supervised(
    resolved: Resolved, *, run_dir, out, started, verbose, applies: bool | None = None
) -> RunResult:
    """Train, evaluate and save a ``task = "supervised"`` recipe (see the module docstring).

    ``run_dir`` is the directory of a resumed run (``None``: a new one under ``out``);
    ``applies`` whether the recipe's expectation judges the run (default: ``resolved``'s).
    """
    applies = resolved.expectation_applies if applies is None else applies
    from dlrecipes import data as data_sources
    from dlrecipes import reports
    from dlrecipes.evaluation import evaluate_model
    from dlrecipes.models.build import build_model
    from dlrecipes.training import compile_model, fit, precision_policy, set_seed
    from dlrecipes.training.distribution import distribution_scope
    from dlrecipes.training.targets import targets_for_loss

    recipe = resolved.recipe
    phases = Phases(started)
    _check_names(recipe)
    set_seed(recipe.seed, recipe.train.jit_compile)
    splits = targets_for_loss(data_sources.load(recipe.data, seed=recipe.seed), recipe.train.loss)
    phases.mark("data")
    with (
        precision_policy(recipe.train.mixed_precision),
        # only a recipe that forces XLA is refused; "auto" chooses no XLA for it
        distribution_scope(recipe.train.distribution, recipe.train.jit_compile is True),
    ):
        model = build_model(recipe, splits)
        compile_model(model, recipe.train, len(splits.x_train))
        phases.mark("build")
        if run_dir is None:
            run_dir = directory.create(out, recipe, info=directory.run_info(resolved, applies))
        tracker = None
        try:
            tracker = _tracker(recipe, run_dir)
            print(f"[{recipe.name}] {splits.summary()}", flush=True)
            print(f"[{recipe.name}] {model.compile_path.line()}", flush=True)
            probed = _probes(recipe, "init", model, splits, run_dir)
            phases.mark("build")
            fitted = fit(
                model,
                splits,
                recipe.train,
                run_dir,
                resume=resolved.resumed,
                verbose=verbose,
                callbacks=[
                    *_epoch_probes(recipe, model, splits, run_dir, probed),
                    *([tracker.callback()] if tracker else []),
                ],
                carried=probed,
            )
            phases.mark("fit")
            test = evaluate_model(model, splits, recipe, "test")
            evaluation = _evaluate_all(model, splits, recipe, test)
            phases.mark("evaluate")
            atomic.save_model(model, run_dir / "model.keras")
            phases.mark("save")
            _plots(recipe, fitted.history, test["report"], splits, run_dir)
            extra = {"reports": reports.run_all(recipe.reports, model, splits, recipe, run_dir)}
            probed.update(_probes(recipe, "end", model, splits, run_dir))
            if probed:
                extra["probes"] = probed
            phases.mark("plots")
            extra["phases_s"] = phases.seconds
            metrics = _metrics(
                recipe,
                run_dir,
                model,
                splits,
                fitted,
                test,
                evaluation,
                extra,
                started,
                applies,
            )
            directory.finish(run_dir, metrics)
            if tracker:
                tracker.finish(metrics)
        except BaseException as error:
            directory.fail(run_dir, error)
            if tracker:
                tracker.fail(error)
            raise
    return RunResult(run_dir, recipe, metrics, fitted.history, model)
