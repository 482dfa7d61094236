"""Tests of AdditiveCell: a NumPy reference, the LSTM with open gates as a special case,
a float64 gradient check, parameter counts and serialisation.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``
(``tests/test_backends_jax.py`` reruns the ``backends`` marker under JAX).
"""

import keras
import numpy as np
import pytest

from dlrecipes.layers.additive_cell import AdditiveCell
from tests.helpers import (
    BACKEND,
    assert_close,
    autodiff_gradients,
    central_differences,
    check_config_round_trip,
    check_keras_file_round_trip,
    check_xla_training_step,
    float64,
)

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def reference_additive_cell(x, kernel, recurrent_kernel, bias, write_kernel, tanh=np.tanh):
    """The notes' c_t = c_{t-1} + W tanh(V x_t + U h_{t-1} + b), h_t = tanh(c_t), in NumPy."""
    units = recurrent_kernel.shape[0]
    h = np.zeros((x.shape[0], units), dtype=x.dtype)
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        c = c + tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias) @ write_kernel
        h = tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def _random_weights(rng, features, units, scale=0.5):
    return (
        rng.normal(0, scale, (features, units)),
        rng.normal(0, scale, (units, units)),
        rng.normal(0, scale, (units,)),
        rng.normal(0, scale, (units, units)),
    )


def _layer_with(weights, units, **options):
    layer = keras.layers.RNN(
        AdditiveCell(units, **options), return_sequences=True, return_state=True
    )
    layer.build((None, None, weights[0].shape[0]))
    cell = layer.cell
    for weight, value in zip(
        (cell.kernel, cell.recurrent_kernel, cell.bias, cell.write_kernel), weights, strict=True
    ):
        weight.assign(value)
    return layer


def test_matches_the_numpy_reference():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 7, 2)).astype("float32")
    weights = _random_weights(rng, 2, 4)
    sequence, h_last, c_last = (keras.ops.convert_to_numpy(t) for t in _layer_with(weights, 4)(x))
    expected = reference_additive_cell(x.astype("float64"), *weights)
    np.testing.assert_allclose(sequence, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h_last, np.tanh(c_last), rtol=1e-5, atol=1e-6)  # h = tanh(c)


def test_with_identity_write_it_is_an_lstm_whose_gates_are_always_open():
    # LSTMCell with i = f = o = 1 (gate kernels 0, gate biases +30: s(30) = 1 in float32)
    # and candidate kernels V, U, b computes c_t = c_{t-1} + tanh(V x + U h + b), h = tanh(c).
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    kernel, recurrent_kernel, bias, _ = _random_weights(rng, 3, 5)
    ours = _layer_with((kernel, recurrent_kernel, bias, np.eye(5)), 5)
    lstm = keras.layers.RNN(keras.layers.LSTMCell(5), return_sequences=True, return_state=True)
    lstm.build(x.shape)
    zeros_in, zeros_rec, open_gate = np.zeros((3, 5)), np.zeros((5, 5)), np.full(5, 30.0)
    lstm.cell.kernel.assign(np.concatenate([zeros_in, zeros_in, kernel, zeros_in], axis=1))
    lstm.cell.recurrent_kernel.assign(
        np.concatenate([zeros_rec, zeros_rec, recurrent_kernel, zeros_rec], axis=1)
    )
    lstm.cell.bias.assign(np.concatenate([open_gate, open_gate, bias, open_gate]))
    for a, b in zip(ours(x), lstm(x), strict=True):  # sequence, h_T, c_T
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6
        )


def test_parameter_count_and_weight_names():
    layer = keras.layers.RNN(AdditiveCell(8))
    layer.build((None, 5, 3))
    assert layer.count_params() == 3 * 8 + 2 * 8 * 8 + 8  # 160
    assert [w.name for w in layer.weights] == [
        "kernel",
        "recurrent_kernel",
        "bias",
        "write_kernel",
    ]
    no_bias = keras.layers.RNN(AdditiveCell(8, use_bias=False))
    no_bias.build((None, 5, 3))
    assert no_bias.count_params() == 160 - 8


@pytest.mark.parametrize("units", [0, -3, 2.5, True])
def test_bad_units_fail_with_the_value(units):
    with pytest.raises(ValueError, match=f"units=({units!r}|{units})"):
        AdditiveCell(units)


def test_float64_gradients_match_central_differences():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3))
    weights = _random_weights(rng, 3, 2, scale=0.7)
    projection = rng.normal(size=(2, 4, 2))  # a random linear read-out of every h_t
    # Keras' JAX backend computes ops.tanh of float64 inputs in float32 (see
    # test_peephole_lstm_cell.py), so under JAX tanh is written through ops.sigmoid.
    activation = "tanh" if BACKEND != "jax" else lambda a: 2.0 * keras.ops.sigmoid(2.0 * a) - 1.0
    with float64():
        layer = keras.layers.RNN(
            AdditiveCell(2, activation=activation, dtype="float64"),
            return_sequences=True,
            dtype="float64",
        )
        layer.build(x.shape)
        cell = layer.cell
        for weight, value in zip(
            (cell.kernel, cell.recurrent_kernel, cell.bias, cell.write_kernel), weights
        ):
            weight.assign(value)
        tolerance = 1e-12 if BACKEND != "jax" else 1e-6
        assert_close(layer(x), reference_additive_cell(x, *weights), rtol=tolerance, atol=tolerance)
        automatic = autodiff_gradients(layer, x, projection)

    def objective(values):
        return float((reference_additive_cell(*values) * projection).sum())

    numerical = central_differences(objective, [x, *weights])
    names = ["x", "kernel", "recurrent_kernel", "bias", "write_kernel"]
    for name, a, n in zip(names, automatic, numerical):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8, err_msg=name)


def test_get_config_round_trip():
    cell = AdditiveCell(
        6, activation="relu", use_bias=False, write_initializer="identity", name="cell"
    )
    config = cell.get_config()
    check_config_round_trip(cell)
    assert config["units"] == 6 and config["write_initializer"]["class_name"] == "Identity"
    rebuilt = keras.layers.deserialize(keras.layers.serialize(keras.layers.RNN(cell)))
    assert isinstance(rebuilt.cell, AdditiveCell)
    assert rebuilt.cell.get_config() == config


def test_keras_file_round_trip_gives_identical_outputs(tmp_path):
    rng = np.random.default_rng(4)
    inputs = keras.Input((5, 3))
    hidden = keras.layers.RNN(AdditiveCell(4))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    x = rng.normal(size=(3, 5, 3)).astype("float32")
    loaded = check_keras_file_round_trip(model, x, tmp_path, "additive_cell.keras")
    assert isinstance(loaded.layers[1].cell, AdditiveCell)


def test_xla_compiled_train_step():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 6, 2)).astype("float32")
    y = rng.normal(size=(8, 3)).astype("float32")
    check_xla_training_step(keras.layers.RNN(AdditiveCell(3)), x, y)
