"""ConnectionTableConv2D (LeNet-5's C3): Table I, the 1,516 parameters, a NumPy reference,
the full table equal to ``Conv2D``, config, ``.keras`` file, XLA step and float64 gradients.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
Only the autodiff half of the gradient checks dispatches on the backend.
"""

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.layers.connection_table_conv2d import LENET5_C3_TABLE, ConnectionTableConv2D
from dlrecipes.layers.scaled_tanh import scaled_tanh
from tests.helpers import (
    assert_close,
    check_config_round_trip,
    check_gradients,
    check_save_reload,
    check_xla_training_step,
)

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def _reference_connection_table_conv(x, kernels, bias, table):
    """Naive loops: y[b, i, j, k] = bias[k] + sum over table[k] of 2D cross-correlations."""
    batch, height, width, _ = x.shape
    kernel_height, kernel_width = kernels[0].shape[:2]
    out_height, out_width = height - kernel_height + 1, width - kernel_width + 1
    y = np.zeros((batch, out_height, out_width, len(table)))
    for k, inputs in enumerate(table):
        for position, m in enumerate(inputs):
            for i in range(out_height):
                for j in range(out_width):
                    patch = x[:, i : i + kernel_height, j : j + kernel_width, m]
                    y[:, i, j, k] += np.sum(patch * kernels[k][:, :, position, 0], axis=(1, 2))
        y[..., k] += bias[k]
    return y


def test_default_table_is_lecun_table_i():
    table = ConnectionTableConv2D().connection_table
    assert table == LENET5_C3_TABLE
    assert [len(inputs) for inputs in table] == [3] * 6 + [4] * 9 + [6]
    # Maps 0-5 read 3 consecutive maps, 6-11 read 4 consecutive maps (cyclically).
    for k in range(6):
        assert set(table[k]) == {(k + d) % 6 for d in range(3)}
    for k in range(6, 12):
        assert set(table[k]) == {(k - 6 + d) % 6 for d in range(4)}
    assert table[12:15] == ((0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5))
    assert table[15] == tuple(range(6))
    # Each S2 map feeds exactly 10 of the 16 C3 maps (the rows of Table I).
    assert [sum(m in inputs for inputs in table) for m in range(6)] == [10] * 6


def test_connection_table_parameter_count_is_lenet5_c3():
    layer = ConnectionTableConv2D(kernel_size=5)
    outputs = layer(np.zeros((2, 14, 14, 6), dtype="float32"))
    assert tuple(outputs.shape) == (2, 10, 10, 16)
    assert layer.count_params() == 60 * 25 + 16 == 1516
    assert layer.total_connections == 60
    no_bias = ConnectionTableConv2D(kernel_size=5, use_bias=False)
    no_bias.build((None, 14, 14, 6))
    assert no_bias.count_params() == 1500


def test_connection_table_kernels_start_different():
    layer = ConnectionTableConv2D(kernel_initializer=keras.initializers.GlorotUniform(seed=1))
    layer.build((None, 14, 14, 6))
    kernels = [ops.convert_to_numpy(w) for w in layer.kernels]
    assert not np.allclose(kernels[0], kernels[1])  # same shape, different values


def test_connection_table_matches_numpy_reference():
    rng = np.random.default_rng(1)
    table = ((0, 2), (1,), (2, 0, 1))  # any order, any subset
    layer = ConnectionTableConv2D(table, kernel_size=(3, 2), activation="tanh")
    x = rng.normal(size=(2, 6, 5, 3)).astype("float32")
    layer.build(x.shape)
    weights = [rng.normal(size=tuple(w.shape)).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    assert weights[0].shape == (3, 2, 6)  # one variable: every connection's 3x2 kernel
    per_map = [ops.convert_to_numpy(k) for k in layer.kernels]
    assert [k.shape for k in per_map] == [(3, 2, 2, 1), (3, 2, 1, 1), (3, 2, 3, 1)]
    np.testing.assert_array_equal(per_map[1][..., 0], weights[0][:, :, 2:3])
    expected = np.tanh(_reference_connection_table_conv(x, per_map, weights[-1], table))
    assert_close(layer(x), expected, rtol=1e-4, atol=1e-5)


def test_full_connection_table_equals_conv2d():
    rng = np.random.default_rng(2)
    in_channels, filters = 3, 4
    x = rng.normal(size=(2, 7, 7, in_channels)).astype("float32")
    conv = keras.layers.Conv2D(filters, 3, activation="relu")
    expected = ops.convert_to_numpy(conv(x))
    kernel, bias = conv.get_weights()  # (3, 3, in_channels, filters), (filters,)
    full_table = tuple(tuple(range(in_channels)) for _ in range(filters))
    layer = ConnectionTableConv2D(full_table, kernel_size=3, activation="relu")
    layer.build(x.shape)
    layer.set_weights([np.concatenate([kernel[:, :, :, k] for k in range(filters)], 2), bias])
    assert layer.count_params() == conv.count_params()
    assert_close(layer(x), expected, rtol=1e-5, atol=1e-5)


def test_connection_table_same_padding():
    layer = ConnectionTableConv2D(((0,), (0, 1)), kernel_size=3, padding="same")
    assert tuple(layer(np.zeros((1, 5, 5, 2), dtype="float32")).shape) == (1, 5, 5, 2)
    assert layer.compute_output_shape((1, 5, 5, 2)) == (1, 5, 5, 2)


@pytest.mark.parametrize(
    "table",
    [(), ((),), ((0, 0),), ((0, -1),), "012", ((0, 1.5),), 3, ((True,),)],
)
def test_connection_table_rejects_bad_tables(table):
    with pytest.raises(ValueError, match="Received: connection_table="):
        ConnectionTableConv2D(table)


def test_connection_table_rejects_missing_input_maps_and_bad_arguments():
    layer = ConnectionTableConv2D(((0, 7),))
    with pytest.raises(ValueError, match="only 6 maps"):
        layer.build((None, 14, 14, 6))
    with pytest.raises(ValueError, match="Received: kernel_size=0"):
        ConnectionTableConv2D(kernel_size=0)
    with pytest.raises(ValueError, match="Received: padding='causal'"):
        ConnectionTableConv2D(padding="causal")


def test_connection_table_config_round_trip():
    layer = ConnectionTableConv2D(
        ((0, 1), (1, 2)), kernel_size=(2, 3), activation="tanh", use_bias=False
    )
    x = np.random.default_rng(3).normal(size=(2, 5, 5, 3)).astype("float32")
    check_config_round_trip(layer, x)


def test_connection_table_save_reload(tmp_path):
    x = np.random.default_rng(4).normal(size=(2, 14, 14, 6)).astype("float32")
    check_save_reload(ConnectionTableConv2D(activation=scaled_tanh), x, tmp_path)


def test_connection_table_xla_training_step():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 6, 6, 3)).astype("float32")
    y = rng.normal(size=(4, 4, 4, 2)).astype("float32")
    check_xla_training_step(ConnectionTableConv2D(((0, 1), (2,)), kernel_size=3), x, y)


def test_connection_table_gradients_float64():
    check_gradients(
        lambda: ConnectionTableConv2D(((0, 2), (1,), (0, 1, 2)), kernel_size=2, dtype="float64"),
        input_shape=(1, 3, 4, 3),
    )


def test_a_model_saved_with_one_kernel_per_map_still_loads(tmp_path):
    """Files written before C3 stored one variable (one kernel variable per output map)."""
    rng = np.random.default_rng(7)
    table = ((0, 2), (1,), (2, 0, 1))
    per_map = [rng.normal(size=(3, 3, len(t), 1)).astype("float32") for t in table]
    bias = rng.normal(size=(3,)).astype("float32")
    layer = ConnectionTableConv2D(table, kernel_size=3)
    layer.build((None, 6, 6, 3))
    old_store = {str(k): kernel for k, kernel in enumerate(per_map)} | {"3": bias}
    layer.load_own_variables(old_store)
    for loaded, saved in zip(layer.kernels, per_map, strict=True):
        np.testing.assert_array_equal(ops.convert_to_numpy(loaded), saved)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.bias), bias)
    x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
    assert_close(layer(x), _reference_connection_table_conv(x, per_map, bias, table), atol=1e-5)


def test_each_map_is_initialised_with_its_own_fan_in():
    layer = ConnectionTableConv2D(kernel_initializer=keras.initializers.GlorotUniform(seed=3))
    layer.build((None, 14, 14, 6))
    for k, (kernel, inputs) in enumerate(zip(layer.kernels, layer.connection_table)):
        alone = keras.initializers.GlorotUniform(seed=3 + k)((5, 5, len(inputs), 1))
        np.testing.assert_array_equal(ops.convert_to_numpy(kernel), ops.convert_to_numpy(alone))
