"""One entry point for every recipe: ``run(recipe) -> RunResult``.

Everything ``python -m recipes run`` does is this call::

    >>> import dlrecipes
    >>> result = dlrecipes.run("mlp", profile="smoke", overrides=["train.epochs=2"])
    >>> result.metrics["test"]["accuracy"], result.run_dir

The flow is one-way: resolve the recipe (once) -> load data -> build the model
-> probes at initialisation -> compile and fit -> evaluate every split ->
save ``model.keras``, plots, probes at the end and ``metrics.json``.
Everything a user can get wrong (recipe keys, data source, builder options,
report and probe names) is checked *before* the run directory is created, so a
failed start leaves nothing behind; ``metrics.json`` is written last and only
on success. :func:`run` dispatches on ``recipe.task`` through :data:`TASKS`.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dlrecipes import registry  # noqa: E402
from dlrecipes.runs import directory  # noqa: E402
from dlrecipes.runs.result import RunResult  # noqa: E402
from dlrecipes.spec import (  # noqa: E402
    Recipe,
    RecipeError,
    Resolved,
    flatten,
    recipe_from_toml,
    recipe_to_toml,
    resolve,
    resolve_run,
    to_dict,
)


def prepare(
    recipe: str | Path | Recipe,
    *,
    profile: str | None = None,
    smoke: bool = False,
    config: str | Path | dict | None = None,
    overrides=(),
    seed: int | None = None,
) -> Resolved:
    """Find and resolve a recipe once: defaults -> profile -> config -> overrides -> seed."""
    return resolve_run(
        registry.find(recipe),
        profile="smoke" if smoke else profile,
        config=config,
        overrides=overrides,
        seed=seed,
    )


def prepare_recipe(recipe, **kwargs) -> Recipe:
    """:func:`prepare`'s resolved :class:`Recipe` alone."""
    return prepare(recipe, **kwargs).recipe


#: Settings that change how a run reports, not what it computes: the only ones
#: ``--set`` may change on ``--resume`` (the new value is written to ``recipe.toml``).
RUNTIME_SETTINGS = ("train.verbose", "agent.options.progress_every")


def _changed_paths(before: Recipe, after: Recipe) -> list[str]:
    """The dotted paths whose values differ between two recipes."""
    old, new = dict(flatten(to_dict(before))), dict(flatten(to_dict(after)))
    return sorted(path for path in old.keys() | new.keys() if old.get(path) != new.get(path))


def _check_resume_arguments(run_dir: Path, saved: Recipe, recipe, given: dict) -> None:
    """``--resume`` continues the run its ``recipe.toml`` describes; anything that would
    make it another run is a one-line error."""
    extra = [name for name, value in given.items() if value not in (None, False)]
    if extra:
        received = ", ".join(f"--{name} ({name}={given[name]!r})" for name in extra)
        raise RecipeError(
            f"--resume continues {str(run_dir)!r} as its recipe.toml says and takes no "
            f"--profile, --smoke, --config or --seed. Received: {received}; "
            "start a new run to change them"
        )
    if recipe is None:
        return
    name = recipe.recipe.name if isinstance(recipe, Resolved) else registry.find(recipe).name
    if name != saved.name:
        raise RecipeError(
            f"--resume {str(run_dir)!r} is a run of recipe {saved.name!r}. "
            f"Received: recipe {name!r}"
        )


def _resumed(run_dir: Path, recipe, overrides, given: dict) -> tuple[Resolved, bool]:
    """The run directory's recipe, with ``--set`` allowed only on :data:`RUNTIME_SETTINGS`,
    and whether ``--set`` changed it (then ``recipe.toml`` is to be rewritten).

    Any other change (a learning rate, more epochs, another seed) would make a run that
    is neither the saved recipe nor the new one, with a backup made by the old one:
    it is refused rather than silently mixing two runs in one directory.
    """
    if not (run_dir / "recipe.toml").is_file():
        raise RecipeError(
            f"--resume expects a run directory holding recipe.toml. Received: {str(run_dir)!r}"
        )
    saved = recipe_from_toml(run_dir / "recipe.toml")
    _check_resume_arguments(run_dir, saved, recipe, given)
    updated = resolve(saved, overrides=overrides)
    changed = _changed_paths(saved, updated)
    refused = [path for path in changed if path not in RUNTIME_SETTINGS]
    if refused:
        raise RecipeError(
            f"--set on --resume may change only {', '.join(RUNTIME_SETTINGS)} (the rest would "
            f"mix two runs in one directory). Received changes to: {', '.join(refused)}; "
            "start a new run instead"
        )
    return Resolved(updated, updated, None, resumed=True), bool(changed)


def _already_completed(run_dir: Path, recipe: Recipe) -> RunResult:
    """A completed run is not trained again: its recorded result, marked as such."""
    metrics = directory.read_metrics(run_dir)
    return RunResult(run_dir, recipe, metrics, already_completed=True)


def run(
    recipe: str | Path | Recipe | Resolved | None = None,
    *,
    profile: str | None = None,
    smoke: bool = False,
    config: str | Path | dict | None = None,
    overrides=(),
    seed: int | None = None,
    out: str | Path = "runs",
    resume: str | Path | None = None,
    verbose: str | int = "auto",
) -> RunResult:
    """Train, evaluate and save one recipe, or continue an interrupted run.

    Args:
        recipe: a built-in name (``"mlp"``), a path to a ``.toml`` / ``.py`` recipe, a
            :class:`Recipe`, or an already :class:`Resolved` one (then the profile,
            config, overrides and seed arguments must be left out). With ``resume``
            it may be left out; if given, it must name the run's recipe.
        profile: a profile name (``"smoke"``); ``smoke=True`` is the same as ``profile="smoke"``.
        config: a TOML file (or mapping) of overrides shaped like a recipe.
        overrides: ``"a.b=value"`` strings or a mapping of dotted paths to values.
        seed: replaces the recipe's seed.
        out: the root of run directories.
        resume: a run directory to continue from its backup or checkpoint, with the
            recipe its ``recipe.toml`` records (no profile, config or seed; overrides
            only of :data:`RUNTIME_SETTINGS`). A completed run is not retrained: its
            recorded result comes back with ``already_completed=True``.
        verbose: Keras progress output (``"auto"``, 0, 1, 2).

    Returns:
        A :class:`RunResult`.

    Raises:
        RecipeError: bad recipe, override, data source or builder option (nothing written).
    """
    started = time.perf_counter()
    if resume is not None:
        run_dir = Path(resume)
        given = {"profile": profile, "smoke": smoke, "config": config, "seed": seed}
        resolved, changed = _resumed(run_dir, recipe, overrides, given)
        if directory.status(run_dir) == "completed":
            return _already_completed(run_dir, resolved.recipe)
        directory.claim(run_dir)  # before anything is written: refused while another runs it
        if changed:  # recipe.toml stays what ran
            directory.write_text(run_dir / "recipe.toml", recipe_to_toml(resolved.recipe))
        directory.begin_attempt(run_dir)
        # what the uninterrupted run recorded in run.json (not "resumed, so it applies")
        applies = bool(directory.read_info(run_dir).get("expectation_applies", True))
    else:
        run_dir = None
        resolved = _fresh(recipe, profile, smoke, config, overrides, seed)
        applies = resolved.expectation_applies
    task = TASKS[resolved.recipe.task]
    return task(
        resolved, run_dir=run_dir, out=out, started=started, verbose=verbose, applies=applies
    )


def _fresh(recipe, profile, smoke, config, overrides, seed) -> Resolved:
    if recipe is None:
        raise RecipeError("run() needs a recipe (a name, a path or a Recipe) or resume=RUN_DIR")
    if not isinstance(recipe, Resolved):
        return prepare(
            recipe, profile=profile, smoke=smoke, config=config, overrides=overrides, seed=seed
        )
    if profile or smoke or config is not None or overrides or seed is not None:
        raise RecipeError(
            "run() of a Resolved recipe takes no profile, config, overrides or seed: "
            "they are already applied"
        )
    return recipe


def _finish(
    recipe: Recipe, run_dir: Path, results: dict, started: float, applies: bool, **extra
) -> dict:
    """``metrics.json`` for the tasks whose results are one flat dict of test metrics."""
    from dlrecipes.evaluation import expectation

    return {
        **directory.common_metrics(recipe, run_dir),
        "test": results,
        "expect": expectation(recipe, {"test": results}, applies),
        **extra,
        "wall_time_s": round(time.perf_counter() - started, 3),
    }


def _run_agent(resolved: Resolved, *, run_dir, out, started, verbose, applies) -> RunResult:
    """``task = "rl"``: train an agent on its environment (:mod:`dlrecipes.rl`); a resumed
    run continues from ``run_dir/checkpoint`` (data only: no pickle)."""
    from dlrecipes import rl
    from dlrecipes.rl import checkpoint as checkpoints

    recipe = resolved.recipe
    if recipe.agent is None:
        raise RecipeError(f"recipe {recipe.name!r} has task='rl' but no agent")
    if run_dir is None:
        rl.validate(recipe)  # bad env ids and options fail before anything is written
        run_dir = directory.create(out, recipe, info=directory.run_info(resolved, applies))
    # killed before its first checkpoint: nothing to continue, and starting over is exact
    resume = resolved.resumed and checkpoints.exists(run_dir / "checkpoint")
    tracker = None
    try:
        tracker = _rl_tracker(recipe, run_dir)
        agent_metrics = rl.train_agent(recipe, run_dir, resume=resume)
        metrics = _finish(
            recipe,
            run_dir,
            agent_metrics,
            started,
            applies,
            steps_per_second=agent_metrics.get("steps_per_second"),
        )
        directory.finish(run_dir, metrics)
        if tracker:
            with open(run_dir / "episodes.csv", newline="") as handle:  # one row per episode
                tracker.log_history(csv.DictReader(handle), step_key="episode")
            tracker.finish(metrics)
    except BaseException as error:
        directory.fail(run_dir, error)
        if tracker:
            tracker.fail(error)
        raise
    return RunResult(run_dir, recipe, metrics)


def _rl_tracker(recipe: Recipe, run_dir: Path):
    """The RL run's experiment tracker (``train.track``), started, or ``None``: it logs
    the recipe now, and every episode of ``episodes.csv``, the final metrics and the
    run's files once training has finished (as for a supervised run)."""
    if not recipe.train.track:
        return None
    from dlrecipes.tracking import Tracker

    return Tracker(recipe, run_dir).start()


def _check_custom_data(recipe: Recipe) -> None:
    """Load a custom experiment's data once before its run directory exists, so a bad
    source or option fails with nothing written (the experiment loads it again)."""
    if recipe.data.source:
        from dlrecipes import data

        data.load(recipe.data, seed=recipe.seed)


def _run_custom(resolved: Resolved, *, run_dir, out, started, verbose, applies) -> RunResult:
    """``task = "custom"``: ``recipe.experiment`` names a function
    ``(recipe, run_dir) -> metrics`` in :mod:`dlrecipes.experiments`.

    An experiment keeps no backup (each is seconds to minutes long): a resumed one runs
    again from the start, with the same seed, and rewrites its outputs whole, so its
    result and ``history.csv`` are those of an uninterrupted run. A new run that fails
    before producing anything leaves no directory behind.
    """
    from dlrecipes import experiments
    from dlrecipes.training import set_seed

    recipe = resolved.recipe
    function = experiments.get(recipe.experiment)
    fresh = run_dir is None
    if fresh:
        _check_custom_data(recipe)
        run_dir = directory.create(out, recipe, info=directory.run_info(resolved, applies))
    try:
        set_seed(recipe.seed, recipe.train.jit_compile)
        (run_dir / "plots").mkdir(exist_ok=True)
        results = function(recipe, run_dir)
        metrics = _finish(recipe, run_dir, results, started, applies)
        directory.finish(run_dir, metrics)
    except BaseException as error:
        if not (fresh and isinstance(error, RecipeError) and directory.discard_if_unused(run_dir)):
            directory.fail(run_dir, error)
        raise
    return RunResult(run_dir, recipe, metrics)


def _supervised(resolved: Resolved, *, run_dir, out, started, verbose, applies) -> RunResult:
    from dlrecipes.runs.supervised import run_supervised

    return run_supervised(
        resolved, run_dir=run_dir, out=out, started=started, verbose=verbose, applies=applies
    )


#: How each ``Recipe.task`` runs.
TASKS = {"supervised": _supervised, "rl": _run_agent, "custom": _run_custom}
