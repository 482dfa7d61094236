"""Hyperparameter search over a recipe's declared space, with Keras Tuner.

The lectures close with hyperparameter optimisation. The hyperparameters
(learning rate, batch size, epochs, units, layers, activation, dropout,
optimizer, ...) are not learned by gradient descent; they are chosen by
training many models and keeping the one that scores best on the *validation*
split. The test split stays untouched until the very end.

**Random search** (Bergstra & Bengio, "Random Search for Hyper-Parameter
Optimization", JMLR 2012) draws every hyperparameter independently. When only
a few of them matter (low effective dimensionality), a grid of ``k^d`` points
tries only ``k`` distinct values of each important one, while ``n`` random trials
try ``n`` distinct values of each: for the same budget random search finds
better configurations. ``bench/tuning.py`` shows it on digits. Bayesian
optimisation and Hyperband (Li et al. 2018) are available as well.

A recipe declares its space as data::

    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 1e-4, 1e-2),
            choice("train.batch_size", 16, 32, 64, 128),
            int_range("model.options.num_layers", 1, 3),
            uniform("model.options.dropout", 0.0, 0.5),
        ),
        objective="val_accuracy",
    )

and one command searches it (the same from Python)::

    python -m recipes tune mlp --trials 20                  # random search
    python -m recipes tune mlp --tuner bayesian --set train.epochs=20
    python -m recipes tune mlp --retrain-best               # then train + val -> test

    >>> from dlrecipes import tuning
    >>> result = tuning.tune("mlp", trials=20)              # doctest: +SKIP
    >>> result.best_values, result.best_score               # doctest: +SKIP

Each trial runs through the runner's own builder and training code
(:class:`RecipeHyperModel`), after ``keras.backend.clear_session()``. Progress
is one line per trial: ``trial i/N``, its score, the best so far and an ETA.

**Memory**: ``clear_session()`` and ``gc.collect()`` run between trials and
the search keeps nothing of a finished trial. TensorFlow itself keeps a few MiB
per trained model that nothing in Python releases (measured with a plain loop of
``build_model`` / ``compile_model`` / ``fit`` / ``clear_session``: 8 MiB per model
for softmax regression with XLA, 2.6 MiB without; about 38 and 15 MiB for a
3 x 512 MLP); ``log.jsonl`` and ``results.csv`` record the RSS after every trial.
For very long searches, ``--workers`` spreads that over several processes.

**Outputs** in ``OUT/<recipe>/search-<tuner>/``: ``results.csv`` (every trial's
hyperparameters, metrics, duration, worker and memory), ``plots/search.png``
(objective per trial and best so far), ``best.json``, ``log.jsonl`` (one line
per trial run), ``tensorboard/`` (HParams dashboard), and Keras Tuner's own
``oracle.json`` and ``trial_*/``.

**Resume**: run the same command again. Keras Tuner reloads the oracle; the
finished trials are kept and none is repeated; an interrupted trial runs
again. ``--fresh`` starts over. A directory refuses to resume a search of a
different recipe or space.

**Distributed**: Keras Tuner's chief/worker mode. ``--workers K`` starts a
chief and K workers on this machine (loopback, a free port), all sharing the
search directory. On several machines sharing a file system, start the same
command on each with the environment variables set (the chief first)::

    # machine A (chief: holds the oracle, runs no trials)
    KERASTUNER_TUNER_ID=chief KERASTUNER_ORACLE_IP=0.0.0.0 KERASTUNER_ORACLE_PORT=8000 \\
        python -m recipes tune mlp --trials 100 --out /shared/runs
    # machines B, C, ... (workers; each id unique)
    KERASTUNER_TUNER_ID=tuner0 KERASTUNER_ORACLE_IP=<address of A> KERASTUNER_ORACLE_PORT=8000 \\
        python -m recipes tune mlp --trials 100 --out /shared/runs

The chief writes ``results.csv`` and the plot when the last trial is done.

Keras Tuner's chief does not survive a worker that dies mid-trial: the trial stays
``RUNNING``, the chief waits for it for ever, and ``--workers`` stops the search
(run the command again to resume; the lost trial restarts from epoch 0). See
``bench/tune_kill_worker.py``.

**Optuna** (``--engine optuna``, the ``search`` extra): the same space and trial
code in a chief-less study whose state lives in a storage (a journal file by
default, PostgreSQL for many machines with heartbeats); a dead worker's trial is
failed and rerun once, exactly ``N`` trials end, samplers ``random`` / ``tpe`` /
``gp`` / ``cmaes`` and pruners ``median`` / ``hyperband`` (a per-epoch Keras
callback). See :mod:`dlrecipes.tuning.optuna_engine`::

    python -m recipes tune mlp --engine optuna --sampler tpe --pruner median --workers 2
    python -m recipes tune mlp --engine optuna --storage postgresql://user@host/db

**Errors before any trial**: low > high, a log range with low <= 0, an empty
or repeated choice, an unknown field or builder option, a value the recipe
rejects (e.g. ``train.epochs`` 0), an objective the training does not log.
"""

from dlrecipes.tuning.search import (
    TuneResult,
    retrain,
    retrain_overrides,
    search_dir_for,
    tune,
)
from dlrecipes.tuning.space import TUNERS, declare, grid_space, validate_space

__all__ = [
    "TUNERS",
    "RecipeHyperModel",
    "TuneResult",
    "declare",
    "grid_space",
    "retrain",
    "retrain_overrides",
    "search_dir_for",
    "tune",
    "validate_space",
]


def __getattr__(name):
    # Keras Tuner imports Keras and TensorFlow: load it only when it is used.
    if name == "RecipeHyperModel":
        from dlrecipes.tuning.recipe_hypermodel import RecipeHyperModel

        return RecipeHyperModel
    raise AttributeError(f"module 'dlrecipes.tuning' has no attribute {name!r}")
