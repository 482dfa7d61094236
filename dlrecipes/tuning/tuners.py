"""Keras Tuner's tuners with dlrecipes' progress lines, trial log and memory hygiene.

Only the public hooks of ``keras_tuner.Tuner`` are extended (``on_search_begin``,
``on_trial_begin``, ``on_trial_end``); the search loop, the oracles, resuming and
the chief/worker protocol are Keras Tuner's own.
"""

from __future__ import annotations

import gc

import keras
import keras_tuner

from dlrecipes.tuning.search_progress import SearchProgress

# A diverging learning rate makes a trial fail; a search stops only when this many
# trials in a row fail (Keras Tuner's default is 3, easily reached on wide ranges).
MAX_CONSECUTIVE_FAILED_TRIALS = 5


class _Reporting:
    """Mixin: progress line and log per trial; ``clear_session`` between trials."""

    progress: SearchProgress | None = None

    def on_search_begin(self):
        super().on_search_begin()
        if self.progress is not None:
            self.progress.search_started()

    def on_trial_begin(self, trial):
        super().on_trial_begin(trial)
        if self.progress is not None:
            self.progress.trial_started(trial.trial_id)

    def on_trial_end(self, trial):
        super().on_trial_end(trial)  # reports to the oracle and saves its state
        # Nothing of a finished trial may stay in memory: free the Keras graph
        # state now (Keras Tuner clears it again before building the next model).
        keras.backend.clear_session()
        gc.collect()
        if self.progress is None:
            return
        status = trial.status
        score = None
        if status == "COMPLETED":
            ended = self.oracle.get_trial(trial.trial_id)  # scored by the oracle
            score, status = ended.score, ended.status
        best_trials = [t for t in self.oracle.get_best_trials(1) if t.status == "COMPLETED"]
        best = (best_trials[0].score, best_trials[0].trial_id) if best_trials else None
        message = (trial.message or "").strip().splitlines()
        self.progress.trial_ended(
            trial.trial_id, status, score, best, message[-1] if message else ""
        )


class RecipeRandomSearch(_Reporting, keras_tuner.RandomSearch):
    """Random search (Bergstra & Bengio 2012) with progress lines."""


class RecipeBayesianOptimization(_Reporting, keras_tuner.BayesianOptimization):
    """Gaussian-process Bayesian optimisation with progress lines."""


class RecipeHyperband(_Reporting, keras_tuner.Hyperband):
    """Hyperband (Li et al. 2018) with progress lines."""


class RecipeGridSearch(_Reporting, keras_tuner.GridSearch):
    """Grid search with progress lines."""


def make_tuner(
    kind: str,
    hypermodel,
    *,
    max_trials: int,
    seed: int,
    directory: str,
    project_name: str,
    progress: SearchProgress | None,
    max_epochs: int = 1,
):
    """A Keras Tuner tuner of ``kind`` (``random``, ``bayesian``, ``hyperband``, ``grid``).

    Args:
        kind: the search algorithm.
        hypermodel: a :class:`~dlrecipes.tuning.RecipeHyperModel`.
        max_trials: the number of trials (Hyperband: a cap on its brackets' trials).
        seed: the recipe's seed; Keras Tuner reads 0 as "no seed", so ``seed + 1`` is used.
        directory, project_name: the search directory is ``directory/project_name``.
        progress: prints and logs each trial.
        max_epochs: Hyperband's largest budget per trial (the recipe's epochs).
    """
    objective = keras_tuner.Objective(hypermodel.objective, direction=hypermodel.direction)
    common = dict(
        hypermodel=hypermodel,
        objective=objective,
        seed=seed + 1,
        directory=directory,
        project_name=project_name,
        overwrite=False,
        max_consecutive_failed_trials=MAX_CONSECUTIVE_FAILED_TRIALS,
    )
    classes = {
        "random": RecipeRandomSearch,
        "bayesian": RecipeBayesianOptimization,
        "grid": RecipeGridSearch,
    }
    if kind == "hyperband":
        tuner = RecipeHyperband(max_epochs=max(2, max_epochs), factor=3, **common)
        tuner.oracle.max_trials = max_trials
    else:
        tuner = classes[kind](max_trials=max_trials, **common)
    tuner.progress = progress
    return tuner
