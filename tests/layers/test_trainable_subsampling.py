"""TrainableSubsampling2D (LeNet-5's S2 and S4): 12 and 32 parameters, a quarter coefficient
equal to ``AveragePooling2D``, a NumPy reference, config, ``.keras`` file, XLA step, float64
gradients.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.layers.scaled_tanh import scaled_tanh
from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D
from tests.helpers import (
    assert_close,
    check_config_round_trip,
    check_gradients,
    check_save_reload,
    check_xla_training_step,
)

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_subsampling_parameter_counts_are_lenet5_s2_s4():
    s2 = TrainableSubsampling2D(2)
    assert tuple(s2(np.zeros((1, 28, 28, 6), dtype="float32")).shape) == (1, 14, 14, 6)
    assert s2.count_params() == 12
    s4 = TrainableSubsampling2D(2)
    assert tuple(s4(np.zeros((1, 10, 10, 16), dtype="float32")).shape) == (1, 5, 5, 16)
    assert s4.count_params() == 32


@pytest.mark.parametrize("explicit", [False, True])
def test_subsampling_with_quarter_coefficient_equals_average_pooling(explicit):
    x = np.random.default_rng(6).normal(size=(2, 7, 9, 3)).astype("float32")  # odd sizes
    kwargs = {"coefficient_initializer": keras.initializers.Constant(0.25)} if explicit else {}
    layer = TrainableSubsampling2D(2, **kwargs)
    expected = ops.convert_to_numpy(keras.layers.AveragePooling2D(2)(x))
    outputs = ops.convert_to_numpy(layer(x))
    assert outputs.shape == (2, 3, 4, 3)
    np.testing.assert_allclose(outputs, expected, rtol=1e-6, atol=1e-6)


def test_subsampling_matches_numpy_reference():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 6, 9, 2)).astype("float32")
    layer = TrainableSubsampling2D((2, 3), activation="tanh")
    layer.build(x.shape)
    coefficient = np.array([0.7, -1.3], dtype="float32")
    bias = np.array([0.2, -0.4], dtype="float32")
    layer.set_weights([coefficient, bias])
    window_sums = x.reshape(2, 3, 2, 3, 3, 2).sum(axis=(2, 4))  # (2, 3, 3, 2)
    expected = np.tanh(coefficient * window_sums + bias)
    assert_close(layer(x), expected, rtol=1e-5, atol=1e-6)


def test_subsampling_rejects_bad_pool_size():
    with pytest.raises(ValueError, match=r"Received: pool_size=\(2, 0\)"):
        TrainableSubsampling2D((2, 0))


def test_subsampling_config_round_trip():
    layer = TrainableSubsampling2D(
        (2, 3), activation=scaled_tanh, coefficient_initializer="glorot_uniform"
    )
    x = np.random.default_rng(8).normal(size=(2, 4, 6, 3)).astype("float32")
    check_config_round_trip(layer, x)


def test_subsampling_save_reload(tmp_path):
    x = np.random.default_rng(9).normal(size=(2, 8, 8, 6)).astype("float32")
    layer = TrainableSubsampling2D(2, activation=scaled_tanh)
    layer.build(x.shape)
    layer.set_weights([np.linspace(0.1, 0.6, 6, dtype="float32"), np.ones(6, dtype="float32")])
    check_save_reload(layer, x, tmp_path)


def test_subsampling_xla_training_step():
    rng = np.random.default_rng(10)
    x = rng.normal(size=(4, 4, 4, 2)).astype("float32")
    y = rng.normal(size=(4, 2, 2, 2)).astype("float32")
    check_xla_training_step(TrainableSubsampling2D(2, activation="tanh"), x, y)


def test_subsampling_gradients_float64():
    check_gradients(
        lambda: TrainableSubsampling2D(2, dtype="float64"),
        input_shape=(2, 4, 5, 2),
    )
