"""The mlp builder: exact parameter counts (Dense, batch norm, maxout), heads and errors.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.layers.maxout import Maxout
from dlrecipes.models import mlp
from tests.helpers import count_weights, to_numpy

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_mlp_parameter_counts():
    assert mlp(input_shape=(64,), num_classes=10, hidden_units=(256, 128)).count_params() == 50826
    assert mlp(input_shape=(2,), num_classes=2, hidden_units=(2,), binary=True).count_params() == 9
    assert (
        mlp(input_shape=(1,), num_classes=0, num_outputs=1, hidden_units=(10,)).count_params() == 31
    )
    assert mlp(input_shape=(4,), num_layers=3, units=5, num_classes=2).count_params() == (
        4 * 5 + 5 + 2 * (5 * 5 + 5) + 5 * 2 + 2
    )
    batch_norm = mlp(input_shape=(4,), hidden_units=(8,), num_classes=3, batch_norm=True)
    trainable = count_weights(batch_norm.trainable_weights)
    assert trainable == 4 * 8 + 8 + 16 + 8 * 3 + 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(hidden_units=(0,)),
            "hidden_units must be a positive integer. Received: hidden_units=0",
        ),
        (dict(dropout=1.5), "dropout must be in \\[0, 1\\). Received: dropout=1.5"),
        (dict(input_shape=(0,)), "input_shape must be a tuple of positive integers"),
        (dict(num_classes=0, num_outputs=0), "needs num_classes > 0"),
        (dict(binary=True, num_classes=3), "binary=True needs num_classes=2"),
    ],
)
def test_mlp_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mlp(**{"input_shape": (4,), "num_classes": 3, **kwargs})


def test_mlp_maxout_golden_count_and_heads():
    model = mlp(input_shape=(64,), num_classes=10, hidden_units=(32, 32), activation="maxout")
    # 2 pieces: (64 + 1) * 32 * 2 + (32 + 1) * 32 * 2 + (32 + 1) * 10
    assert model.count_params() == 4160 + 2112 + 330
    assert isinstance(model.get_layer("hidden_1"), Maxout)
    scores = mlp(input_shape=(4,), num_classes=3, hidden_units=(5,), output_activation="linear")
    x = np.ones((2, 4), "float32")
    assert not np.allclose(to_numpy(scores(x)).sum(axis=-1), 1.0)  # not a softmax
    zero = mlp(input_shape=(4,), num_classes=3, hidden_units=(5,), output_initializer="zeros")
    assert np.all(zero.get_layer("output").get_weights()[0] == 0)


def test_mlp_rejects_maxout_with_batch_norm():
    with pytest.raises(ValueError, match="batch_norm"):
        mlp(activation="maxout", batch_norm=True)


def test_mlp_is_the_lectures_sequential_stack():
    """``mlp`` is a ``keras.Sequential``: the same function as the stack written by hand."""
    import keras

    model = mlp(input_shape=(8, 8, 1), num_classes=3, hidden_units=(5, 4), dropout=0.2)
    assert isinstance(model, keras.Sequential)
    assert [layer.name for layer in model.layers] == [
        "flatten", "hidden_1", "dropout_1", "hidden_2", "dropout_2", "output",
    ]  # fmt: skip
    by_hand = keras.Sequential()
    by_hand.add(keras.Input(shape=(8, 8, 1)))
    by_hand.add(keras.layers.Flatten())
    for units in (5, 4):
        by_hand.add(keras.layers.Dense(units, activation="relu"))
        by_hand.add(keras.layers.Dropout(0.2))
    by_hand.add(keras.layers.Dense(3, activation="softmax"))
    by_hand.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(6, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(to_numpy(by_hand(x)), to_numpy(model(x)), rtol=0, atol=0)
