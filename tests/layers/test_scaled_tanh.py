"""scaled_tanh and ScaledTanh: f(a) = 1.7159 tanh(2a/3) against NumPy, registration and
serialisation, float64 gradients.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.layers.scaled_tanh import ScaledTanh, scaled_tanh
from tests.helpers import BACKEND, assert_close, check_gradients, check_save_reload

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_scaled_tanh_matches_numpy_reference():
    x = np.linspace(-4.0, 4.0, 17).astype("float32")
    expected = 1.7159 * np.tanh(2.0 * x / 3.0)
    assert_close(scaled_tanh(x), expected, rtol=1e-6)
    assert_close(ScaledTanh()(x), expected, rtol=1e-6)
    assert float(ops.convert_to_numpy(scaled_tanh(np.float32(1.0)))) == pytest.approx(1.0, abs=1e-4)


def test_scaled_tanh_is_registered_and_serializes_in_layers(tmp_path):
    assert keras.saving.get_registered_name(scaled_tanh) == "dlrecipes>scaled_tanh"
    dense = keras.layers.Dense(3, activation=scaled_tanh)
    assert keras.layers.Dense.from_config(dense.get_config()).activation is scaled_tanh
    # Keras resolves activation *strings* among its built-ins only.
    with pytest.raises(ValueError):
        keras.layers.Dense(3, activation="scaled_tanh")
    x = np.random.default_rng(18).normal(size=(2, 4)).astype("float32")
    check_save_reload(ScaledTanh(), x, tmp_path)
    check_save_reload(keras.layers.Dense(3, activation=scaled_tanh), x, tmp_path)


@pytest.mark.skipif(
    BACKEND == "jax",
    reason="Keras' JAX backend computes ops.tanh of float64 inputs in float32 (dtype promotion "
    "with a weak Python float), so there is no float64 path to check.",
)
def test_scaled_tanh_gradients_float64():
    check_gradients(lambda: ScaledTanh(dtype="float64"), input_shape=(2, 3))
