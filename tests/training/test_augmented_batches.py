"""AugmentedBatches: every batch is a function of (seed, epoch, step) only, so a fit resumed at
epoch k reads exactly the batches the uninterrupted fit read; Keras reads it as one sequence."""

import keras
import numpy as np

from dlrecipes.training.augmented_batches import AugmentedBatches


def _data(n=10):
    rng = np.random.default_rng(0)
    return rng.uniform(size=(n, 6, 6, 1)).astype("float32"), np.arange(n)


def _batches(first_epoch=0, epochs=3, **kwargs):
    x, y = _data()
    options = {"shift": 0.1, "rotation": 0.03, "seed": 5, **kwargs}
    return AugmentedBatches(x, y, 4, first_epoch=first_epoch, epochs=epochs, **options)


def test_batches_cover_each_epoch_in_a_new_order():
    batches = _batches()
    assert batches.steps_per_epoch == 3 and len(batches) == 9
    epoch_labels = [np.concatenate([batches[e * 3 + s][1] for s in range(3)]) for e in range(3)]
    for labels in epoch_labels:
        assert sorted(labels) == list(range(10))
    assert not np.array_equal(epoch_labels[0], epoch_labels[1])
    unshuffled = _batches(shuffle=False)
    np.testing.assert_array_equal(unshuffled[0][1], [0, 1, 2, 3])


def test_a_resumed_sequence_sees_the_same_batches():
    full, resumed = _batches(), _batches(first_epoch=2)
    assert len(resumed) == 3
    for step in range(3):
        for a, b in zip(full[2 * 3 + step], resumed[step], strict=True):
            np.testing.assert_array_equal(a, b)
    other_seed = _batches(seed=6)
    assert not np.array_equal(other_seed[0][0], full[0][0])


def test_keras_reads_one_sequence_across_epochs():
    batches = _batches()
    read = []

    class Recording(AugmentedBatches):
        def __getitem__(self, index):
            read.append(index)
            return super().__getitem__(index)

    x, y = _data()
    recording = Recording(x, y.astype("float32"), 4, shift=0.1, rotation=0.0, seed=5, epochs=3)
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    model.fit(recording, epochs=3, steps_per_epoch=3, shuffle=False, verbose=0)
    assert read[-9:] == list(range(9)) and batches.steps_per_epoch == 3
