"""Callbacks: throughput meter, the divergence guard (which names the data's fault first)
and TensorBoard logs flushed every epoch."""

from __future__ import annotations

import math
import time

import keras
import numpy as np


class Throughput(keras.callbacks.Callback):
    """Counts optimizer steps and time; reports overall and steady-state steps/s.

    Steady state excludes the first epoch, which pays for tracing and XLA compilation.
    """

    def __init__(self):
        super().__init__()
        self.steps = 0
        self.steady_steps = 0
        self.fit_seconds = 0.0
        self.steady_seconds = 0.0
        self._epoch_start = 0.0
        self._epoch_steps = 0
        self._epochs_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch_steps = 0

    def on_train_batch_end(self, batch, logs=None):
        # ``batch`` is the index of the last step run; with steps_per_execution > 1
        # Keras calls this once per execution, so count from the index.
        self._epoch_steps = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._epoch_start
        steps = self._epoch_steps
        self.steps += steps
        self.fit_seconds += seconds
        if self._epochs_seen > 0:
            self.steady_steps += steps
            self.steady_seconds += seconds
        self._epochs_seen += 1

    def steps_per_second(self) -> float:
        """Steady-state steps/s when more than one epoch ran, else overall."""
        if self.steady_seconds > 0:
            return self.steady_steps / self.steady_seconds
        return self.steps / self.fit_seconds if self.fit_seconds else 0.0


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """Keras' ``TensorBoard`` callback with its event files flushed at every epoch end.

    TensorFlow's summary writers flush every 2 minutes; a run killed in between lost
    the epochs since. Flushed each epoch, the events of every epoch a backup holds
    are on disk when the backup is taken (the backup callback runs after this one).
    """

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        for writer in getattr(self, "_writers", {}).values():
            writer.flush()


#: Inputs larger than this (in absolute value) overflow float32 activations easily.
LARGE_INPUT = 1e6


def data_cause(splits) -> str | None:
    """The data's share in a NaN loss, if it has one: non-finite inputs or targets, class
    labels outside ``[0, num_classes)``, or unscaled inputs of huge magnitude.

    :func:`dlrecipes.data.load` already refuses the first two, so this matters for data
    that did not come through it; the optimizer is blamed only when this finds nothing.
    """
    if splits is None:
        return None
    x, y = np.asarray(splits.x_train), np.asarray(splits.y_train)
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        return (
            f"the training inputs hold {int((~np.isfinite(x)).sum())} NaN or infinite values; "
            "expected finite inputs (clean the data, not the learning rate)"
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        return "the training targets hold NaN or infinite values; expected finite targets"
    classes = getattr(splits, "num_classes", 0)
    if classes and y.dtype.kind in "iu" and y.size and (y.min() < 0 or y.max() >= classes):
        return (
            f"the training labels range over {int(y.min())}..{int(y.max())}; expected class "
            f"labels 0..{classes - 1} for {classes} classes"
        )
    if x.dtype.kind == "f" and x.size and float(np.abs(x).max()) > LARGE_INPUT:
        return (
            f"the training inputs reach |x| = {float(np.abs(x).max()):.3g}; expected scaled "
            "inputs (data.scale = 'unit' or data.standardize = true)"
        )
    return None


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training when the loss becomes NaN or infinite and remembers where.

    :meth:`explain` phrases the failure: the data's fault when the data has one
    (:func:`data_cause`), else the optimizer's (lower the learning rate, clip).
    """

    def __init__(self):
        super().__init__()
        self.diverged_at: tuple[int, int] | None = None
        self._epoch = 0

    def explain(self, train, splits=None) -> str:
        """The one-line message of the divergence, for ``train`` (a ``TrainSpec``) on
        ``splits``: names NaN inputs or out-of-range labels before blaming the optimizer."""
        epoch, batch = self.diverged_at or (0, 0)
        where = f"the loss became NaN or infinite at epoch {epoch}, batch {batch}"
        cause = data_cause(splits)
        if cause:
            return f"{where}: {cause}"
        return (
            f"{where} (train.learning_rate={train.learning_rate}, optimizer={train.optimizer}); "
            "expected a finite loss: lower train.learning_rate or set train.clipnorm"
        )

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged_at = (self._epoch + 1, batch + 1)
            self.model.stop_training = True
