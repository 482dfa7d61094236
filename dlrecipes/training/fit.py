"""Compile and fit a model the way a recipe's ``TrainSpec`` says.

``jit_compile=True`` is passed explicitly: under TensorFlow ``"auto"`` means no
XLA on a CPU. Callbacks: early stopping (best weights restored), a NaN guard,
BackupAndRestore in the run directory (so ``--resume`` continues an interrupted
run), a CSV history and TensorBoard logs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import keras

from dlrecipes.recipe import RecipeError
from dlrecipes.training.callbacks import DivergenceGuard, Throughput
from dlrecipes.training.optimizers import make_optimizer

MIN_STEPS_BETWEEN_BACKUPS = 25
CUSTOM_LOSSES = {"rbf_map": ("dlrecipes.losses", "RBFMAPLoss")}
CUSTOM_METRICS = {"rbf_accuracy": ("dlrecipes.metrics", "RBFAccuracy")}


class TrainingDivergedError(RecipeError):
    """The loss became NaN or infinite."""


def _custom(table: dict, name: str):
    import importlib

    module, attribute = table[name]
    return getattr(importlib.import_module(module), attribute)()


def resolve_loss(name: str):
    """A loss object or Keras name; unknown names are a one-line error."""
    if name in CUSTOM_LOSSES:
        return _custom(CUSTOM_LOSSES, name)
    try:
        keras.losses.get(name)
    except (ValueError, TypeError):
        raise RecipeError(
            f"unknown loss {name!r}. Expected a keras.losses name (e.g. "
            "sparse_categorical_crossentropy, binary_crossentropy, mse, hinge) or "
            f"{', '.join(CUSTOM_LOSSES)}"
        ) from None
    return name


def resolve_metrics(names) -> list:
    """Metric objects or Keras names (``accuracy`` adapts to the loss)."""
    return [_custom(CUSTOM_METRICS, name) if name in CUSTOM_METRICS else name for name in names]


def steps_per_epoch(num_examples: int, batch_size: int) -> int:
    """ceil(N / batch_size)."""
    return max(1, math.ceil(num_examples / batch_size))


def compile_model(model: keras.Model, train, num_train_examples: int) -> keras.Model:
    """Compile with the spec's optimizer, schedule, loss, metrics, XLA and steps/execution."""
    total_steps = steps_per_epoch(num_train_examples, train.batch_size) * train.epochs
    model.compile(
        optimizer=make_optimizer(train, total_steps),
        loss=resolve_loss(train.loss),
        metrics=resolve_metrics(train.metrics),
        jit_compile=train.jit_compile,
        steps_per_execution=train.steps_per_execution,
    )
    # Creating the optimizer's slots now spares a second trace of the train step.
    model.optimizer.build(model.trainable_variables)
    return model


@dataclass
class FitResult:
    """What ``fit`` returns: the Keras history and the throughput measured."""

    history: dict[str, list[float]]
    epochs_run: int
    steps: int
    fit_seconds: float
    steps_per_second: float


def fit(
    model: keras.Model,
    splits,
    train,
    run_dir: Path | None = None,
    *,
    resume: bool = False,
    verbose: str | int = "auto",
    callbacks=(),
) -> FitResult:
    """Fit ``model`` on ``splits`` as ``train`` says; logs go to ``run_dir`` if given.

    Raises:
        TrainingDivergedError: the loss became NaN or infinite.
    """
    throughput, guard = Throughput(), DivergenceGuard()
    all_callbacks = [guard, throughput, *callbacks]
    has_val = len(splits.x_val) > 0
    if train.early_stopping_patience:
        monitor = train.monitor if has_val or not train.monitor.startswith("val_") else "loss"
        all_callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor,
                patience=train.early_stopping_patience,
                restore_best_weights=True,
            )
        )
    if run_dir is not None:
        run_dir = Path(run_dir)
        # Back up every epoch, but at most every MIN_STEPS_BETWEEN_BACKUPS steps: a
        # tiny epoch (XOR: one step) would otherwise spend its time writing files.
        epoch_steps = steps_per_epoch(len(splits.x_train), train.batch_size)
        save_freq = (
            "epoch" if epoch_steps >= MIN_STEPS_BETWEEN_BACKUPS else MIN_STEPS_BETWEEN_BACKUPS
        )
        all_callbacks += [
            keras.callbacks.BackupAndRestore(str(run_dir / "backup"), save_freq=save_freq),
            keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=resume),
        ]
        if train.tensorboard:
            all_callbacks.append(
                keras.callbacks.TensorBoard(
                    str(run_dir / "tensorboard"), write_graph=False, profile_batch=0
                )
            )
    verbose = verbose if verbose != "auto" else train.verbose
    verbose = verbose if verbose == "auto" else int(verbose)
    history = model.fit(
        splits.x_train,
        splits.y_train,
        batch_size=train.batch_size,
        epochs=train.epochs,
        validation_data=(splits.x_val, splits.y_val) if has_val else None,
        callbacks=all_callbacks,
        verbose=verbose,
        shuffle=train.shuffle,
    )
    if guard.diverged_at is not None:
        epoch, batch = guard.diverged_at
        raise TrainingDivergedError(
            f"the loss became NaN or infinite at epoch {epoch}, batch {batch} "
            f"(train.learning_rate={train.learning_rate}, optimizer={train.optimizer}); "
            "expected a finite loss: lower train.learning_rate or set train.clipnorm"
        )
    history_dict = {k: [float(v) for v in values] for k, values in history.history.items()}
    epochs_run = len(next(iter(history_dict.values()), []))
    return FitResult(
        history=history_dict,
        epochs_run=epochs_run,
        steps=throughput.steps,
        fit_seconds=throughput.fit_seconds,
        steps_per_second=throughput.steps_per_second(),
    )
