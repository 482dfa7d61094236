"""AugmentedBatches: every batch is a function of (seed, epoch, step) only, so a fit resumed at
epoch k reads exactly the batches the uninterrupted fit read; Keras reads one pass per epoch,
exactly the epoch's steps, whatever the steps per compiled call."""

import keras
import numpy as np
import pytest

from dlrecipes.training.augmented_batches import AugmentedBatches


def _data(n=10):
    rng = np.random.default_rng(0)
    return rng.uniform(size=(n, 6, 6, 1)).astype("float32"), np.arange(n)


def _batches(epoch=0, **kwargs):
    x, y = _data()
    options = {"shift": 0.1, "rotation": 0.03, "seed": 5, **kwargs}
    return AugmentedBatches(x, y, 4, epoch=epoch, **options)


def test_batches_cover_each_epoch_in_a_new_order():
    batches = _batches()
    assert batches.steps_per_epoch == 3 and len(batches) == 3
    epoch_labels = [np.concatenate([batches.batch(e, s)[1] for s in range(3)]) for e in range(3)]
    for labels in epoch_labels:
        assert sorted(labels) == list(range(10))
    assert not np.array_equal(epoch_labels[0], epoch_labels[1])
    unshuffled = _batches(shuffle=False)
    np.testing.assert_array_equal(unshuffled[0][1], [0, 1, 2, 3])
    with pytest.raises(IndexError, match=r"an epoch has 3 steps. Received: step=3"):
        batches.batch(0, 3)


def test_a_resumed_sequence_sees_the_same_batches():
    full, resumed = _batches(), _batches(epoch=2)
    for step in range(3):
        for a, b in zip(full.batch(2, step), resumed[step], strict=True):
            np.testing.assert_array_equal(a, b)
    other_seed = _batches(seed=6)
    assert not np.array_equal(other_seed[0][0], full[0][0])


@pytest.mark.parametrize("steps_per_execution", [1, 2, 16])
def test_keras_reads_each_epoch_s_steps_exactly_once(steps_per_execution):
    read = []

    class Recording(AugmentedBatches):
        def __getitem__(self, index):
            read.append((self.epoch, index))
            return super().__getitem__(index)

    x, y = _data()
    recording = Recording(x, y.astype("float32"), 4, shift=0.1, rotation=0.0, seed=5, epoch=1)
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
    model.fit(
        recording, epochs=4, initial_epoch=1, shuffle=False, verbose=0,
        callbacks=[recording.epoch_callback()],
    )  # fmt: skip
    # 3 steps per epoch: 2 or 16 steps per call must not read into the next epoch
    assert int(model.optimizer.iterations) == 9
    trained = [(epoch, step) for epoch in (1, 2, 3) for step in range(3)]
    assert read[-9:] == trained  # earlier reads: Keras probing the batch shapes
