"""Compile and fit a model the way a recipe's ``TrainSpec`` says.

XLA and the steps per compiled call are chosen per backend, device and model by
:mod:`dlrecipes.training.compile_path` (``train.jit_compile`` / ``steps_per_execution``
``"auto"``) or forced by the recipe; the choice is kept on the model as
``model.compile_path``. Callbacks: early stopping (best weights restored), a NaN guard, a
CSV history, TensorBoard logs and, in a run directory, a backup of the whole
training state (:mod:`dlrecipes.training.backup`) from which ``--resume``
continues an interrupted run exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import keras

from dlrecipes.recipe import RecipeError
from dlrecipes.training import backup as backups
from dlrecipes.training.augmented_batches import AugmentedBatches
from dlrecipes.training.callbacks import DivergenceGuard, EpochTensorBoard, Throughput
from dlrecipes.training.compile_path import choose
from dlrecipes.training.optimizers import make_optimizer
from dlrecipes.training.seeding import set_determinism

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
    """Compile with the spec's optimizer, schedule, loss, metrics and compile path.

    The path (XLA, steps per call; :func:`dlrecipes.training.compile_path.choose`) is
    kept as ``model.compile_path``; ``model.jit_compile`` says what Keras actually
    compiled (it turns XLA off itself for layers that do not support it).
    """
    epoch_steps = steps_per_epoch(num_train_examples, train.batch_size)
    path = choose(model, train, epoch_steps)
    if "jit_compile" not in path.forced:  # forced: set_seed has set it already
        set_determinism(path.jit_compile)
    model.compile(
        optimizer=make_optimizer(train, epoch_steps * train.epochs),
        loss=resolve_loss(train.loss),
        metrics=resolve_metrics(train.metrics),
        jit_compile=path.jit_compile,
        steps_per_execution=path.steps_per_execution,
    )
    model.compile_path = path
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


def _epochs_between_backups(num_examples: int, batch_size: int) -> int:
    """Back up every epoch, but at most every MIN_STEPS_BETWEEN_BACKUPS steps: a tiny
    epoch (XOR: one step) would otherwise spend its time writing files."""
    return max(1, math.ceil(MIN_STEPS_BETWEEN_BACKUPS / steps_per_epoch(num_examples, batch_size)))


def _early_stopping(train, has_val: bool):
    if not train.early_stopping_patience:
        return None
    monitor = train.monitor if has_val or not train.monitor.startswith("val_") else "loss"
    return keras.callbacks.EarlyStopping(
        monitor=monitor, patience=train.early_stopping_patience, restore_best_weights=True
    )


def _result(history: dict, throughput: Throughput) -> FitResult:
    history = {k: [float(v) for v in values] for k, values in history.items()}
    return FitResult(
        history=history,
        epochs_run=len(next(iter(history.values()), [])),
        steps=throughput.steps,
        fit_seconds=throughput.fit_seconds,
        steps_per_second=throughput.steps_per_second(),
    )


def _training_inputs(splits, train, initial_epoch: int) -> tuple[dict, list]:
    """``model.fit``'s training-data arguments and the callbacks they need: the arrays,
    or, when the data asks for augmentation (``splits.extras["augment"]``),
    :class:`AugmentedBatches`, one pass per epoch (augmentation stays out of the model)."""
    augment = splits.extras.get("augment")
    if not augment:
        x, y = splits.x_train, splits.y_train
        return {"x": x, "y": y, "batch_size": train.batch_size, "shuffle": train.shuffle}, []
    batches = AugmentedBatches(
        splits.x_train,
        splits.y_train,
        train.batch_size,
        **augment,
        shuffle=train.shuffle,
        epoch=initial_epoch,
    )
    # Keras must not reorder the batches: the order is part of each batch's index
    return {"x": batches, "shuffle": False}, [batches.epoch_callback()]


def fit(
    model: keras.Model,
    splits,
    train,
    run_dir: Path | None = None,
    *,
    resume: bool = False,
    verbose: str | int = "auto",
    callbacks=(),
    carried: dict | None = None,
) -> FitResult:
    """Fit ``model`` on ``splits`` as ``train`` says; logs go to ``run_dir`` if given.

    With a ``run_dir`` the whole training state is backed up to ``run_dir/backup``
    (:class:`~dlrecipes.training.backup.TrainingBackup`) and ``resume=True``
    continues from it exactly: the result equals an uninterrupted fit's, and the
    history, epoch count and steps count the whole run. A backup of a fit that
    had finished is restored without training again.

    Args:
        carried: JSON values saved with every backup and restored into the same dict
            on resume (the run's latest per-epoch probe scalars).

    Raises:
        TrainingDivergedError: the loss became NaN or infinite.
    """
    throughput, guard = Throughput(), DivergenceGuard()
    stopper = _early_stopping(train, len(splits.x_val) > 0)
    all_callbacks = [guard, throughput, *callbacks, *([stopper] if stopper else [])]
    backup, saved, epochs = None, None, train.epochs
    if run_dir is not None:
        run_dir = Path(run_dir)
        saved = backups.load(run_dir / "backup") if resume else None
        if saved is not None and saved.finished:  # only evaluation was left
            backups.restore_state(model, saved, throughput=throughput)
            if carried is not None:
                carried.update(saved.data.get("carried", {}))
            return _result(saved.history, throughput)
        if resume:
            backups.restore_files(run_dir, saved)
        if saved is not None and saved.data.get("stopped"):
            epochs = saved.epoch  # early stopping had ended training: no epoch is left
        backup = backups.TrainingBackup(
            run_dir,
            every=_epochs_between_backups(len(splits.x_train), train.batch_size),
            early_stopping=stopper,
            throughput=throughput,
            carried=carried,
            restore=saved,
        )
        all_callbacks.append(
            keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=saved is not None)
        )
        if train.tensorboard:
            all_callbacks.append(
                EpochTensorBoard(str(run_dir / "tensorboard"), write_graph=False, profile_batch=0)
            )
        all_callbacks.append(backup)  # last: it keeps what the others wrote for the epoch
    verbose = verbose if verbose != "auto" else train.verbose
    verbose = verbose if verbose == "auto" else int(verbose)
    initial_epoch = saved.epoch if saved is not None else 0
    inputs, input_callbacks = _training_inputs(splits, train, initial_epoch)
    history = model.fit(
        **inputs,
        epochs=epochs,
        initial_epoch=initial_epoch,
        validation_data=(splits.x_val, splits.y_val) if len(splits.x_val) else None,
        callbacks=[*input_callbacks, *all_callbacks],
        verbose=verbose,
    )
    if guard.diverged_at is not None:
        raise TrainingDivergedError(guard.explain(train, splits))
    if backup is None:
        return _result(history.history, throughput)
    backup.save(finished=True)
    return _result(backup.history, throughput)
