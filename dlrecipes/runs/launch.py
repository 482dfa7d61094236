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
    recipe_from_toml,
    resolve,
    resolve_run,
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


def _resumed(run_dir: Path, overrides) -> Resolved:
    if not (run_dir / "recipe.toml").is_file():
        raise RecipeError(
            f"--resume expects a run directory holding recipe.toml. Received: {str(run_dir)!r}"
        )
    recipe = resolve(recipe_from_toml(run_dir / "recipe.toml"), overrides=overrides)
    return Resolved(recipe, recipe, None, resumed=True)


def run(
    recipe: str | Path | Recipe | Resolved,
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
    """Train, evaluate and save one recipe.

    Args:
        recipe: a built-in name (``"mlp"``), a path to a ``.toml`` / ``.py`` recipe, a
            :class:`Recipe`, or an already :class:`Resolved` one (then the profile,
            config, overrides and seed arguments must be left out).
        profile: a profile name (``"smoke"``); ``smoke=True`` is the same as ``profile="smoke"``.
        config: a TOML file (or mapping) of overrides shaped like a recipe.
        overrides: ``"a.b=value"`` strings or a mapping of dotted paths to values.
        seed: replaces the recipe's seed.
        out: the root of run directories.
        resume: an interrupted run directory to continue (its saved recipe is used).
        verbose: Keras progress output (``"auto"``, 0, 1, 2).

    Returns:
        A :class:`RunResult`.

    Raises:
        RecipeError: bad recipe, override, data source or builder option (nothing written).
    """
    started = time.perf_counter()
    run_dir = None
    if resume is not None:
        run_dir = Path(resume)
        resolved = _resumed(run_dir, overrides)
    elif isinstance(recipe, Resolved):
        if profile or smoke or config is not None or overrides or seed is not None:
            raise RecipeError(
                "run() of a Resolved recipe takes no profile, config, overrides or seed: "
                "they are already applied"
            )
        resolved = recipe
    else:
        resolved = prepare(
            recipe, profile=profile, smoke=smoke, config=config, overrides=overrides, seed=seed
        )
    task = TASKS[resolved.recipe.task]
    return task(resolved, run_dir=run_dir, out=out, started=started, verbose=verbose)


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


def _run_agent(resolved: Resolved, *, run_dir, out, started, verbose) -> RunResult:
    """``task = "rl"``: train an agent on its environment (:mod:`dlrecipes.rl`)."""
    from dlrecipes import rl

    recipe = resolved.recipe
    if recipe.agent is None:
        raise RecipeError(f"recipe {recipe.name!r} has task='rl' but no agent")
    if run_dir is None:
        rl.validate(recipe)  # bad env ids and options fail before anything is written
        run_dir = directory.create(out, recipe)
    try:
        agent_metrics = rl.train_agent(recipe, run_dir, resume=resolved.resumed)
        metrics = _finish(
            recipe,
            run_dir,
            agent_metrics,
            started,
            resolved.expectation_applies,
            steps_per_second=agent_metrics.get("steps_per_second"),
        )
        directory.write_json(run_dir / "metrics.json", metrics)
    except BaseException as error:
        directory.fail(run_dir, error)
        raise
    return RunResult(run_dir, recipe, metrics)


def _run_custom(resolved: Resolved, *, run_dir, out, started, verbose) -> RunResult:
    """``task = "custom"``: ``recipe.experiment`` names a function
    ``(recipe, run_dir) -> metrics`` in :mod:`dlrecipes.experiments`."""
    from dlrecipes import experiments
    from dlrecipes.training import set_seed

    recipe = resolved.recipe
    function = experiments.get(recipe.experiment)
    if run_dir is None:
        run_dir = directory.create(out, recipe)
    try:
        set_seed(recipe.seed, recipe.train.jit_compile)
        (run_dir / "plots").mkdir(exist_ok=True)
        results = function(recipe, run_dir)
        metrics = _finish(recipe, run_dir, results, started, resolved.expectation_applies)
        directory.write_json(run_dir / "metrics.json", metrics)
    except BaseException as error:
        directory.fail(run_dir, error)
        raise
    return RunResult(run_dir, recipe, metrics)


def _supervised(resolved: Resolved, *, run_dir, out, started, verbose) -> RunResult:
    from dlrecipes.runs.supervised import run_supervised

    return run_supervised(resolved, run_dir=run_dir, out=out, started=started, verbose=verbose)


#: How each ``Recipe.task`` runs.
TASKS = {"supervised": _supervised, "rl": _run_agent, "custom": _run_custom}
