"""BlockMaxPooling2D and pool_blocks: equal to Keras' MaxPooling2D / AveragePooling2D in values
and gradients, on both code paths (TensorFlow's kernels outside XLA, the elementwise form under
XLA and JAX); config, ``.keras`` file, XLA training step.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest

from dlrecipes.layers.block_max_pooling2d import BlockMaxPooling2D, pool_blocks
from tests.helpers import (
    BACKEND,
    assert_close,
    autodiff_gradients,
    check_config_round_trip,
    check_save_reload,
    check_xla_training_step,
)

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py

POOL_SIZES = [2, (2, 3), 3]


def _inputs(shape=(2, 9, 11, 3), seed=0):
    """Continuous random inputs: no ties inside a window, so the max's gradient is unique."""
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("pool_size", POOL_SIZES)
def test_block_max_pooling_equals_keras_max_pooling(pool_size):
    x = _inputs()  # odd sizes: trailing rows and columns are dropped, as by Keras
    layer, stock = BlockMaxPooling2D(pool_size), keras.layers.MaxPooling2D(pool_size)
    assert_close(layer(x), keras.ops.convert_to_numpy(stock(x)), rtol=0, atol=0)
    assert layer.compute_output_shape(x.shape) == tuple(stock(x).shape)
    projection = np.random.default_rng(1).normal(size=tuple(stock(x).shape)).astype("float32")
    (ours,) = autodiff_gradients(layer, x, projection)
    (keras_grad,) = autodiff_gradients(stock, x, projection)
    np.testing.assert_array_equal(ours, keras_grad)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="the XLA branch under TensorFlow")
@pytest.mark.parametrize("pool_size", POOL_SIZES)
@pytest.mark.parametrize("reduction", ["max", "sum"])
def test_xla_branch_equals_keras_in_values_and_gradients(pool_size, reduction):
    import tensorflow as tf

    x = tf.constant(_inputs(seed=2))
    if reduction == "max":
        stock = keras.layers.MaxPooling2D(pool_size)
    else:
        size = keras.layers.MaxPooling2D(pool_size).pool_size
        average = keras.layers.AveragePooling2D(pool_size)

        def stock(t):
            return average(t) * (size[0] * size[1])

    pairs = keras.layers.MaxPooling2D(pool_size).pool_size
    projection = tf.constant(_inputs(tuple(stock(x).shape), seed=3))

    def value_and_gradient(function):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = function(x)
            objective = tf.reduce_sum(outputs * projection)
        return outputs, tape.gradient(objective, x)

    def ours():
        return value_and_gradient(lambda t: pool_blocks(t, pairs, reduction))

    values, gradient = tf.function(ours, jit_compile=True)()
    expected_values, expected_gradient = value_and_gradient(stock)
    np.testing.assert_allclose(values.numpy(), expected_values.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gradient.numpy(), expected_gradient.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow chooses between two paths")
def test_native_kernels_outside_xla_and_elementwise_form_inside():
    import tensorflow as tf

    from dlrecipes.layers.block_max_pooling2d import uses_native_pooling

    assert uses_native_pooling()
    seen = []
    tf.function(lambda: seen.append(uses_native_pooling()) or tf.constant(0))()
    tf.function(lambda: seen.append(uses_native_pooling()) or tf.constant(0), jit_compile=True)()
    assert seen == [True, False]


def test_ties_go_to_a_maximum_and_gradients_sum_to_the_upstream():
    x = np.zeros((1, 4, 4, 1), dtype="float32")  # every window is a 4-way tie
    projection = np.ones((1, 2, 2, 1), dtype="float32")
    layer = BlockMaxPooling2D(2)
    layer(x)  # built
    (gradient,) = autodiff_gradients(layer, x, projection)
    window_sums = gradient.reshape(2, 2, 2, 2).sum(axis=(1, 3))
    np.testing.assert_allclose(window_sums, np.ones((2, 2)))


def test_pool_blocks_rejects_unknown_reduction():
    with pytest.raises(ValueError, match=r"Received: reduction='mean'"):
        pool_blocks(_inputs(), (2, 2), "mean")


def test_block_max_pooling_rejects_bad_pool_size():
    with pytest.raises(ValueError, match=r"Received: pool_size=0"):
        BlockMaxPooling2D(0)


def test_block_max_pooling_refuses_what_it_does_not_compute():
    with pytest.raises(ValueError, match=r"Received: strides=1"):
        BlockMaxPooling2D(2, strides=1)
    with pytest.raises(ValueError, match=r"Received: padding='same'"):
        BlockMaxPooling2D(2, padding="same")


def test_block_max_pooling_is_a_max_pooling_layer():
    layer = BlockMaxPooling2D((2, 3))
    assert isinstance(layer, keras.layers.MaxPooling2D)
    assert tuple(layer.pool_size) == (2, 3) and tuple(layer.strides) == (2, 3)


def test_block_max_pooling_config_file_and_xla_step(tmp_path):
    x = _inputs((4, 8, 8, 2))
    layer = BlockMaxPooling2D((2, 2), name="pool")
    check_config_round_trip(layer, x)
    check_save_reload(BlockMaxPooling2D(2), x, tmp_path)
    inputs = keras.Input(shape=(8, 8, 2))
    conv = keras.layers.Conv2D(3, 3, padding="same")
    model_layer = keras.Sequential([inputs, conv, BlockMaxPooling2D(2), keras.layers.Flatten()])
    check_xla_training_step(model_layer, x, np.zeros((4, 48), dtype="float32"))
