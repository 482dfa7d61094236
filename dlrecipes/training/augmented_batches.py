"""Training batches with sample expansion, as a pure function of (seed, epoch, step)."""

from __future__ import annotations

import math

import keras
import numpy as np

from dlrecipes.data.augment import augment_images


class AugmentedBatches(keras.utils.PyDataset):
    """The training split as shuffled, augmented batches, one epoch per pass.

    Step ``step`` of epoch ``epoch`` is :meth:`batch` ``(epoch, step)``: its order (a
    permutation drawn from ``(seed, epoch)``) and its shifts and rotations (drawn from
    ``(seed, epoch, step)``) depend on nothing else, so a resumed fit sees exactly the
    batches the uninterrupted one saw, with no random state to save. Keras reads one
    epoch per pass (``len`` is the steps of one epoch); :meth:`epoch_callback` tells the
    sequence which epoch a pass is. One pass per epoch, not one sequence over all
    epochs with ``steps_per_epoch``: with several steps per compiled call Keras would
    read past an epoch's end whenever the steps per call do not divide the epoch's
    steps (41 steps at 16 per call read 48 batches an epoch, and the data ran out).

    Args:
        x, y: the training split (``x``: images ``(N, height, width, channels)``).
        batch_size: examples per batch (the last batch of an epoch may be smaller).
        shift, rotation: see :func:`dlrecipes.data.augment.augment_images`.
        seed: the run's seed.
        shuffle: reshuffle every epoch (else the split's order).
        epoch: the epoch the first pass is (a resumed fit's ``initial_epoch``).
    """

    def __init__(self, x, y, batch_size, *, shift, rotation, seed, shuffle=True, epoch=0):
        super().__init__(workers=1, use_multiprocessing=False)
        self.x, self.y, self.batch_size = x, y, int(batch_size)
        self.shift, self.rotation, self.seed, self.shuffle = shift, rotation, seed, shuffle
        self.epoch = int(epoch)
        self.steps_per_epoch = max(1, math.ceil(len(x) / self.batch_size))
        self._order_epoch, self._order = None, None

    def __len__(self):
        return self.steps_per_epoch

    def order(self, epoch: int) -> np.ndarray:
        """The example order of ``epoch``."""
        if self._order_epoch != epoch:
            n = len(self.x)
            rng = np.random.default_rng([self.seed, epoch])
            self._order = rng.permutation(n) if self.shuffle else np.arange(n)
            self._order_epoch = epoch
        return self._order

    def batch(self, epoch: int, step: int):
        """``(images, labels)`` of step ``step`` of epoch ``epoch``."""
        if not 0 <= step < self.steps_per_epoch:
            raise IndexError(f"an epoch has {self.steps_per_epoch} steps. Received: step={step}")
        chosen = self.order(epoch)[step * self.batch_size : (step + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, epoch, step])
        images = augment_images(self.x[chosen], rng, self.shift, self.rotation)
        return images, self.y[chosen]

    def __getitem__(self, index):
        return self.batch(self.epoch, int(index))

    def epoch_callback(self) -> keras.callbacks.Callback:
        """A callback that sets :attr:`epoch` as each of ``fit``'s epochs begins (before
        Keras starts reading its pass)."""
        sequence = self

        class _SetEpoch(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                sequence.epoch = int(epoch)

        return _SetEpoch()
