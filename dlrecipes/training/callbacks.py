"""Callbacks: throughput meter and the divergence guard."""

from __future__ import annotations

import math
import time

import keras


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


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training when the loss becomes NaN or infinite and remembers where."""

    def __init__(self):
        super().__init__()
        self.diverged_at: tuple[int, int] | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged_at = (self._epoch + 1, batch + 1)
            self.model.stop_training = True
