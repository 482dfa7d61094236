"""Training batches with sample expansion, as a pure function of (seed, epoch, step)."""

from __future__ import annotations

import math

import keras
import numpy as np

from dlrecipes.data.augment import augment_images


class AugmentedBatches(keras.utils.PyDataset):
    """The training split as shuffled, augmented batches for every remaining epoch.

    Batch ``index`` belongs to epoch ``first_epoch + index // steps_per_epoch``; its
    order (a permutation drawn from ``(seed, epoch)``) and its shifts and rotations
    (drawn from ``(seed, epoch, step)``) depend on nothing else, so a resumed fit
    (``first_epoch`` > 0) sees exactly the batches the uninterrupted one saw, with no
    random state to save. Pass ``steps_per_epoch`` to ``model.fit`` so that Keras
    reads the one sequence across epochs.

    Args:
        x, y: the training split (``x``: images ``(N, height, width, channels)``).
        batch_size: examples per batch (the last batch of an epoch may be smaller).
        shift, rotation: see :func:`dlrecipes.data.augment.augment_images`.
        seed: the run's seed.
        shuffle: reshuffle every epoch (else the split's order).
        first_epoch, epochs: the epochs ``[first_epoch, epochs)`` this fit runs.
    """

    def __init__(
        self, x, y, batch_size, *, shift, rotation, seed, shuffle=True, first_epoch=0, epochs=1
    ):
        super().__init__(workers=1, use_multiprocessing=False)
        self.x, self.y, self.batch_size = x, y, int(batch_size)
        self.shift, self.rotation, self.seed, self.shuffle = shift, rotation, seed, shuffle
        self.first_epoch, self.epochs = int(first_epoch), int(epochs)
        self.steps_per_epoch = max(1, math.ceil(len(x) / self.batch_size))
        self._order_epoch, self._order = None, None

    def __len__(self):
        return max(1, self.epochs - self.first_epoch) * self.steps_per_epoch

    def order(self, epoch: int) -> np.ndarray:
        """The example order of ``epoch``."""
        if self._order_epoch != epoch:
            n = len(self.x)
            rng = np.random.default_rng([self.seed, epoch])
            self._order = rng.permutation(n) if self.shuffle else np.arange(n)
            self._order_epoch = epoch
        return self._order

    def __getitem__(self, index):
        epoch, step = divmod(int(index), self.steps_per_epoch)
        epoch += self.first_epoch
        chosen = self.order(epoch)[step * self.batch_size : (step + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, epoch, step])
        images = augment_images(self.x[chosen], rng, self.shift, self.rotation)
        return images, self.y[chosen]
