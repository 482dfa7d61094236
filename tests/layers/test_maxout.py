"""Maxout: a NumPy reference, Glorot fans, k times the parameters of ``Dense``, one piece equal
to ``Dense``, a zero piece equal to ReLU, config and ``.keras`` file, errors with the value.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest

from dlrecipes.layers.maxout import Maxout
from tests.helpers import assert_close, check_config_round_trip, check_save_reload, to_numpy

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def _maxout_reference(x, kernel, bias, units, pieces):
    """h_i = max_j (x . W[:, i k + j] + b[i k + j]), written with explicit loops."""
    out = np.empty((x.shape[0], units))
    for n in range(x.shape[0]):
        for i in range(units):
            columns = [i * pieces + j for j in range(pieces)]
            out[n, i] = max(x[n] @ kernel[:, c] + bias[c] for c in columns)
    return out


def test_maxout_matches_numpy_reference():
    rng = np.random.default_rng(0)
    layer = Maxout(units=4, num_pieces=3, bias_initializer="random_normal")
    x = rng.normal(size=(5, 6)).astype("float32")
    y = to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (6, 12) and bias.shape == (12,)
    np.testing.assert_allclose(y, _maxout_reference(x, kernel, bias, 4, 3), rtol=1e-5, atol=1e-5)


def test_maxout_glorot_uses_the_fans_of_the_affine_map():
    """fan-in = input_dim, fan-out = units * k: the limit is sqrt(6 / (64 + 128))."""
    layer = Maxout(units=64, num_pieces=2)
    layer.build((None, 64))
    kernel = layer.get_weights()[0]
    assert np.abs(kernel).max() <= np.sqrt(6 / (64 + 128))
    assert np.abs(kernel).max() > 0.9 * np.sqrt(6 / (64 + 128))


def test_maxout_parameter_count_is_k_times_dense():
    layer = Maxout(units=4, num_pieces=3)
    layer.build((None, 5))
    assert layer.count_params() == 3 * (5 + 1) * 4 == 72


def test_maxout_with_one_piece_equals_dense():
    x = np.random.default_rng(1).normal(size=(7, 3)).astype("float32")
    maxout, dense = Maxout(units=2, num_pieces=1), keras.layers.Dense(2)
    maxout.build((None, 3))
    dense.build((None, 3))
    kernel, bias = maxout.get_weights()  # (3, 2), (2,): one piece per unit
    dense.set_weights([kernel, bias])
    assert_close(maxout(x), to_numpy(dense(x)), rtol=1e-6, atol=1e-6)


def test_maxout_with_a_zero_piece_equals_relu_dense():
    """max(w.x + b, 0): a second piece fixed at zero turns maxout into a ReLU unit."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(9, 3)).astype("float32")
    layer = Maxout(units=2, num_pieces=2)
    layer.build((None, 3))
    kernel = np.zeros((3, 4), "float32")  # columns: unit 0 piece 0, unit 0 piece 1, ...
    kernel[:, 0::2] = rng.normal(size=(3, 2))  # piece 0 of each unit; piece 1 stays 0
    bias = np.array([0.3, 0.0, -0.2, 0.0], "float32")
    layer.set_weights([kernel, bias])
    expected = np.maximum(x @ kernel[:, 0::2] + bias[0::2], 0.0)
    assert_close(layer(x), expected, rtol=1e-6, atol=1e-6)


def test_maxout_config_round_trip_and_keras_file(tmp_path):
    layer = Maxout(units=3, num_pieces=4, kernel_regularizer="l2", name="maxout")
    config = layer.get_config()
    assert (config["units"], config["num_pieces"]) == (3, 4)
    x = np.random.default_rng(3).normal(size=(2, 5)).astype("float32")
    check_config_round_trip(layer, x)
    restored = check_save_reload(layer, x, tmp_path)
    assert isinstance(restored.layers[-1], Maxout)


@pytest.mark.parametrize("kwargs", [{"units": 0}, {"units": 3, "num_pieces": -1}, {"units": 2.5}])
def test_maxout_rejects_bad_sizes_with_the_value(kwargs):
    with pytest.raises(ValueError, match="Received"):
        Maxout(**kwargs)
