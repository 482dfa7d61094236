"""``RecipeHyperModel``: a recipe's search space as a ``keras_tuner.HyperModel``."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import keras_tuner

from dlrecipes.spec import Hyperparameter, Recipe, RecipeError, resolve
from dlrecipes.tuning.space import current_value, declare


class RecipeHyperModel(keras_tuner.HyperModel):
    """Builds and trains one trial of a recipe through the same code as ``run``.

    ``build(hp)`` declares each hyperparameter of the search space on ``hp`` (named
    by its dotted path, e.g. ``train.learning_rate``), resolves the recipe with
    those values as overrides (the engine's own validation), then calls
    :func:`dlrecipes.models.build.build_model` and :func:`dlrecipes.training.compile_model`.
    ``fit(hp, model)`` calls :func:`dlrecipes.training.fit` with the trial's batch
    size and epochs, so batch size and epochs are tunable like any other field.
    There is no second training path: a trial with given values trains exactly
    as ``python -m recipes run NAME --set path=value ...`` does.

    The score of a trial follows Keras Tuner's convention: every logged quantity
    at the epoch where the objective was best (with early stopping that is the
    epoch whose weights are restored), plus ``best_epoch`` (1-based),
    ``epochs_run``, ``fit_seconds`` and ``steps_per_second``.

    Args:
        recipe: the resolved recipe whose ``search.params`` span the space.
        splits: the data (:class:`dlrecipes.data.Splits`), loaded once for all
            trials; loaded from ``recipe.data`` on first use when ``None``.
        params: search these instead of ``recipe.search.params``.
        verbose: Keras progress output inside a trial (0 = silent).

    Example:
        >>> import keras_tuner
        >>> from dlrecipes import registry
        >>> hypermodel = RecipeHyperModel(registry.get("mlp"))
        >>> hp = keras_tuner.HyperParameters()
        >>> hypermodel.values(hp)["train.batch_size"]   # the recipe's own value
        32
    """

    def __init__(
        self,
        recipe: Recipe,
        splits=None,
        params: Sequence[Hyperparameter] | None = None,
        verbose: int = 0,
    ):
        super().__init__(name=recipe.name)
        self.recipe = recipe
        self.params = tuple(recipe.search.params if params is None else params)
        self.defaults = {p.path: current_value(recipe, p.path) for p in self.params}
        self.objective = recipe.search.objective
        self.direction = recipe.search.direction
        self.verbose = verbose
        self._splits = splits

    @property
    def splits(self):
        """The data every trial trains on (loaded on first use), with targets in the form
        the recipe's loss expects (:func:`dlrecipes.training.targets.targets_for_loss`)."""
        from dlrecipes.training.targets import targets_for_loss

        if self._splits is None:
            from dlrecipes import data

            self._splits = data.load(self.recipe.data, seed=self.recipe.seed)
        self._splits = targets_for_loss(self._splits, self.recipe.train.loss)
        return self._splits

    def values(self, hp) -> dict[str, Any]:
        """The trial's recipe values ``{path: value}``, declaring them on ``hp``."""
        return {p.path: declare(hp, p, self.defaults[p.path]) for p in self.params}

    def trial_recipe(self, hp) -> Recipe:
        """The recipe with the trial's values applied (validated like ``--set``)."""
        return resolve(self.recipe, overrides=self.values(hp))

    def build(self, hp):
        """The trial's compiled model (after ``set_seed``: trials differ only by ``hp``)."""
        return self.build_recipe(self.trial_recipe(hp))

    def fit(
        self, hp, model, *args, callbacks=(), verbose=None, epochs=None, initial_epoch=0, **kwargs
    ) -> dict[str, float]:
        """Train the trial's model; ``epochs`` / ``initial_epoch`` come from Hyperband."""
        if args or kwargs:
            raise TypeError(
                "RecipeHyperModel.fit takes the data from the recipe; "
                f"Received: extra arguments {list(kwargs) or len(args)}"
            )
        recipe = self.trial_recipe(hp)
        if epochs is not None:
            # Hyperband continues a trial from `initial_epoch` to `epochs` (cumulative).
            train = dataclasses.replace(recipe.train, epochs=max(1, epochs - initial_epoch))
            recipe = dataclasses.replace(recipe, train=train)
        metrics = self.fit_recipe(recipe, model, callbacks=callbacks, verbose=verbose)
        if initial_epoch:  # count epochs from the start of the trial's lineage
            metrics["best_epoch"] += initial_epoch
            metrics["epochs_run"] += initial_epoch
        return metrics

    # ------------------------------------------------------------- shared with baselines

    def build_recipe(self, recipe: Recipe):
        """Seed, build and compile ``recipe``'s model exactly as the runner does."""
        from dlrecipes.models.build import build_model
        from dlrecipes.training import compile_model, precision_policy, set_seed

        set_seed(recipe.seed, recipe.train.jit_compile)
        with precision_policy(recipe.train.mixed_precision):
            model = build_model(recipe, self.splits)
            compile_model(model, recipe.train, len(self.splits.x_train))
        return model

    def fit_recipe(self, recipe: Recipe, model, callbacks=(), verbose=None) -> dict[str, float]:
        """Fit ``model`` as ``recipe.train`` says; the metrics at the objective's best epoch.

        Raises:
            keras_tuner.errors.FailedTrialError: the loss diverged (NaN or inf); the
                trial is recorded as failed and the search goes on.
        """
        from dlrecipes.training import TrainingDivergedError, fit

        try:
            result = fit(
                model,
                self.splits,
                recipe.train,
                None,
                verbose=self.verbose if verbose is None else verbose,
                callbacks=list(callbacks),
            )
        except TrainingDivergedError as error:
            raise keras_tuner.errors.FailedTrialError(str(error)) from None
        return metrics_at_best_epoch(
            result.history,
            self.objective,
            self.direction,
            extra={
                "epochs_run": float(result.epochs_run),
                "fit_seconds": float(result.fit_seconds),
                "steps_per_second": float(result.steps_per_second),
            },
        )


def metrics_at_best_epoch(
    history: dict[str, list[float]], objective: str, direction: str, extra=None
) -> dict[str, float]:
    """Every logged quantity at the epoch where ``objective`` is best.

    Args:
        history: per-epoch values, e.g. ``{"val_accuracy": [0.8, 0.9, 0.88]}``.
        objective: the quantity optimised.
        direction: ``max`` or ``min``.
        extra: more entries for the result.

    Returns:
        ``{name: value, ..., "best_epoch": e}`` with ``e`` counted from 1.

    Raises:
        RecipeError: the objective was not logged or never finite.
    """
    values = history.get(objective)
    if not values:
        raise RecipeError(
            f"the search objective {objective!r} was not logged. "
            f"Received quantities: {', '.join(history) or 'none'}"
        )
    finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite:
        raise keras_tuner.errors.FailedTrialError(
            f"the objective {objective} was never finite. Received: {values}"
        )
    best = (max if direction == "max" else min)(finite, key=lambda pair: pair[0])[1]
    metrics = {name: float(v[best]) for name, v in history.items() if len(v) > best}
    metrics["best_epoch"] = float(best + 1)
    metrics.update(extra or {})
    return metrics
