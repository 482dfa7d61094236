"""Tests of PeepholeLSTMCell: the stock LSTM as a special case, a NumPy reference,
a float64 gradient check, serialisation and an XLA-compiled train step.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``
(``tests/test_backends_jax.py`` reruns the ``backends`` marker under JAX).
"""

import keras
import numpy as np
import pytest

from dlrecipes.layers.peephole_lstm_cell import PeepholeLSTMCell
from tests.helpers import (
    BACKEND,
    assert_close,
    autodiff_gradients,
    central_differences,
    check_config_round_trip,
    check_keras_file_round_trip,
    float64,
)

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference_peephole_lstm(x, kernel, recurrent_kernel, bias, peepholes):
    """The lecture's equations in NumPy: x (batch, time, features) -> h (batch, time, units)."""
    v_i, v_f, v_o = peepholes
    units = recurrent_kernel.shape[0]
    h = np.zeros((x.shape[0], units), dtype=x.dtype)
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
        i = _sigmoid(z_i + v_i * c)
        f = _sigmoid(z_f + v_f * c)
        c = f * c + i * np.tanh(z_c)
        o = _sigmoid(z_o + v_o * c)
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def _random_weights(rng, features, units, scale=0.5):
    return (
        rng.normal(0, scale, (features, 4 * units)),
        rng.normal(0, scale, (units, 4 * units)),
        rng.normal(0, scale, (4 * units,)),
        [rng.normal(0, scale, (units,)) for _ in range(3)],
    )


def _set_peephole_weights(layer, kernel, recurrent_kernel, bias, peepholes):
    cell = layer.cell
    cell.kernel.assign(kernel)
    cell.recurrent_kernel.assign(recurrent_kernel)
    cell.bias.assign(bias)
    for weight, value in zip(
        (cell.input_peephole, cell.forget_peephole, cell.output_peephole), peepholes
    ):
        weight.assign(value)


# --------------------------------------------------------------------------- equations


def test_zero_peepholes_equal_keras_lstm_cell_with_the_same_kernels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    peephole = keras.layers.RNN(PeepholeLSTMCell(5), return_sequences=True, return_state=True)
    stock = keras.layers.RNN(keras.layers.LSTMCell(5), return_sequences=True, return_state=True)
    peephole.build(x.shape)
    stock.build(x.shape)
    kernel, recurrent_kernel, bias, _ = _random_weights(rng, 3, 5)
    _set_peephole_weights(peephole, kernel, recurrent_kernel, bias, [np.zeros(5)] * 3)
    stock.cell.kernel.assign(kernel)
    stock.cell.recurrent_kernel.assign(recurrent_kernel)
    stock.cell.bias.assign(bias)
    ours = [keras.ops.convert_to_numpy(t) for t in peephole(x)]  # sequence, h_T, c_T
    theirs = [keras.ops.convert_to_numpy(t) for t in stock(x)]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_default_initialisation_is_a_plain_lstm_that_remembers():
    cell = PeepholeLSTMCell(4)
    keras.layers.RNN(cell).build((None, 3, 2))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(cell.input_peephole), 0.0)
    bias = keras.ops.convert_to_numpy(cell.bias)
    np.testing.assert_array_equal(bias[4:8], 1.0)  # unit_forget_bias: b_f = 1
    np.testing.assert_array_equal(np.delete(bias, np.s_[4:8]), 0.0)


def test_nonzero_peepholes_match_the_numpy_reference_and_differ_from_lstm():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 6, 2)).astype("float32")
    weights = _random_weights(rng, 2, 4, scale=0.8)
    layer = keras.layers.RNN(PeepholeLSTMCell(4), return_sequences=True)
    layer.build(x.shape)
    _set_peephole_weights(layer, *weights)
    ours = keras.ops.convert_to_numpy(layer(x))
    expected = reference_peephole_lstm(x.astype("float64"), *weights)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
    without = reference_peephole_lstm(x.astype("float64"), *weights[:3], [np.zeros(4)] * 3)
    assert np.abs(expected - without).max() > 1e-2  # the peepholes matter


def test_output_gate_peeks_at_the_new_cell_state():
    # One step from c_0 = 0: only the output gate can see a peephole (it reads c_1, not c_0).
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 1, 3)).astype("float32")
    kernel, recurrent_kernel, bias, _ = _random_weights(rng, 3, 2)
    layer = keras.layers.RNN(PeepholeLSTMCell(2))
    layer.build(x.shape)
    _set_peephole_weights(
        layer, kernel, recurrent_kernel, bias, [np.full(2, 5.0), np.zeros(2), np.zeros(2)]
    )
    no_output_peephole = keras.ops.convert_to_numpy(layer(x))
    _set_peephole_weights(
        layer, kernel, recurrent_kernel, bias, [np.zeros(2), np.zeros(2), np.full(2, 5.0)]
    )
    with_output_peephole = keras.ops.convert_to_numpy(layer(x))
    plain = reference_peephole_lstm(
        x.astype("float64"), kernel, recurrent_kernel, bias, [np.zeros(2)] * 3
    )
    np.testing.assert_allclose(no_output_peephole, plain[:, -1], rtol=1e-5, atol=1e-6)
    assert np.abs(with_output_peephole - plain[:, -1]).max() > 1e-3


def test_parameter_count_and_weight_names():
    layer = keras.layers.RNN(PeepholeLSTMCell(8))
    layer.build((None, 5, 3))
    assert layer.count_params() == 4 * (3 * 8 + 8 * 8 + 8) + 3 * 8  # 408
    assert [w.name for w in layer.weights] == [
        "kernel",
        "recurrent_kernel",
        "bias",
        "input_peephole",
        "forget_peephole",
        "output_peephole",
    ]
    no_bias = keras.layers.RNN(PeepholeLSTMCell(8, use_bias=False))
    no_bias.build((None, 5, 3))
    assert no_bias.count_params() == 408 - 4 * 8


@pytest.mark.parametrize("units", [0, -3, 2.5, True])
def test_bad_units_fail_with_the_value(units):
    with pytest.raises(ValueError, match=f"units=({units!r}|{units})"):
        PeepholeLSTMCell(units)


# --------------------------------------------------------------------------- gradients


def test_float64_gradients_match_central_differences():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3))
    kernel, recurrent_kernel, bias, peepholes = _random_weights(rng, 3, 2, scale=0.7)
    projection = rng.normal(size=(2, 4, 2))  # a random linear read-out of every h_t
    # Keras' JAX backend computes ops.tanh of float64 inputs in float32 (dtype promotion
    # with a weak Python float; keras-team/keras#23223), so under JAX the cell gets the
    # same function written through ops.sigmoid, which keeps float64: tanh(a) = 2 s(2a) - 1.
    activation = "tanh" if BACKEND != "jax" else lambda a: 2.0 * keras.ops.sigmoid(2.0 * a) - 1.0
    with float64():
        layer = keras.layers.RNN(
            PeepholeLSTMCell(2, activation=activation, dtype="float64"),
            return_sequences=True,
            dtype="float64",
        )
        layer.build(x.shape)
        _set_peephole_weights(layer, kernel, recurrent_kernel, bias, peepholes)
        # The layer's forward equals the NumPy reference in float64 ...
        # (JAX's sigmoid of float64 still rounds through float32 internally: ~1e-7.)
        tolerance = 1e-12 if BACKEND != "jax" else 1e-6
        assert_close(
            layer(x),
            reference_peephole_lstm(x, kernel, recurrent_kernel, bias, peepholes),
            rtol=tolerance,
            atol=tolerance,
        )
        automatic = autodiff_gradients(layer, x, projection)

    # ... so central differences of the reference check the layer's autodiff gradients.
    def objective(values):
        x_, k_, r_, b_, p_i, p_f, p_o = values
        return float((reference_peephole_lstm(x_, k_, r_, b_, [p_i, p_f, p_o]) * projection).sum())

    numerical = central_differences(objective, [x, kernel, recurrent_kernel, bias, *peepholes])
    names = ["x", "kernel", "recurrent_kernel", "bias", "input_peephole", "forget_peephole"]
    for name, a, n in zip([*names, "output_peephole"], automatic, numerical):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8, err_msg=name)


# --------------------------------------------------------------------------- serialisation


def test_get_config_round_trip():
    cell = PeepholeLSTMCell(
        6,
        activation="relu",
        use_bias=False,
        peephole_initializer="ones",
        unit_forget_bias=False,
        kernel_regularizer="l2",
        name="cell",
    )
    config = cell.get_config()
    check_config_round_trip(cell)
    assert config["units"] == 6 and config["use_bias"] is False
    rebuilt = keras.layers.deserialize(keras.layers.serialize(keras.layers.RNN(cell)))
    assert isinstance(rebuilt.cell, PeepholeLSTMCell)
    assert rebuilt.cell.get_config() == config


def test_keras_file_round_trip_gives_identical_outputs(tmp_path):
    rng = np.random.default_rng(4)
    inputs = keras.Input((5, 3))
    hidden = keras.layers.RNN(PeepholeLSTMCell(4, peephole_initializer="random_normal"))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    x = rng.normal(size=(3, 5, 3)).astype("float32")
    loaded = check_keras_file_round_trip(model, x, tmp_path, "peephole.keras")
    assert isinstance(loaded.layers[1].cell, PeepholeLSTMCell)


def test_xla_compiled_train_step_updates_every_weight():
    rng = np.random.default_rng(5)
    inputs = keras.Input((6, 2))
    hidden = keras.layers.RNN(PeepholeLSTMCell(3))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", jit_compile=True)
    assert model.jit_compile is True
    x = rng.normal(size=(16, 6, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    before = [keras.ops.convert_to_numpy(w).copy() for w in model.trainable_weights]
    losses = [float(model.train_on_batch(x, y)) for _ in range(5)]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
    after = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    for weight, old, new in zip(model.trainable_weights, before, after):
        assert np.abs(new - old).max() > 0, weight.path  # peepholes included
