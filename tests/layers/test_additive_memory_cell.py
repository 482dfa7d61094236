"""Tests of AdditiveMemoryCell: a NumPy reference, the identity Jacobian through time,
a float64 gradient check, parameter counts and serialisation.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``
(``tests/test_backends_jax.py`` reruns the ``backends`` marker under JAX).
"""

import keras
import numpy as np
import pytest

from dlrecipes.layers.additive_memory_cell import AdditiveMemoryCell
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


def reference_additive_memory(x, kernel, bias, write_kernel, activation=np.tanh):
    """The notes' h_t = h_{t-1} + W g(x_t), g(x) = tanh(V x + b), in NumPy: (b, T, F) -> (b, T, U)."""
    h = np.zeros((x.shape[0], write_kernel.shape[0]), dtype=x.dtype)
    outputs = []
    for t in range(x.shape[1]):
        h = h + activation(x[:, t] @ kernel + bias) @ write_kernel
        outputs.append(h)
    return np.stack(outputs, axis=1)


def _random_weights(rng, features, units, scale=0.5):
    return (
        rng.normal(0, scale, (features, units)),
        rng.normal(0, scale, (units,)),
        rng.normal(0, scale, (units, units)),
    )


def _layer_with(weights, units, **options):
    dtype = {"dtype": options["dtype"]} if "dtype" in options else {}
    layer = keras.layers.RNN(AdditiveMemoryCell(units, **options), return_sequences=True, **dtype)
    layer.build((None, None, weights[0].shape[0]))
    for weight, value in zip(
        (layer.cell.kernel, layer.cell.bias, layer.cell.write_kernel), weights, strict=True
    ):
        weight.assign(value)
    return layer


def test_matches_the_numpy_reference():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 7, 2)).astype("float32")
    weights = _random_weights(rng, 2, 4)
    ours = keras.ops.convert_to_numpy(_layer_with(weights, 4)(x))
    np.testing.assert_allclose(
        ours, reference_additive_memory(x.astype("float64"), *weights), rtol=1e-5, atol=1e-5
    )


def test_the_state_is_the_running_sum_of_the_writes():
    # h_T = sum_t W g(x_t): the order of the inputs does not matter, only what they write.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    layer = _layer_with(_random_weights(rng, 3, 5), 5)
    last = keras.ops.convert_to_numpy(layer(x))[:, -1]
    shuffled = keras.ops.convert_to_numpy(layer(x[:, ::-1]))[:, -1]
    np.testing.assert_allclose(last, shuffled, rtol=1e-5, atol=1e-5)


def test_the_gradient_reaching_the_first_step_does_not_vanish():
    # dh_T/dh_t = I: the gradient w.r.t. x_1 of h_T equals the gradient of h_1 w.r.t. x_1,
    # for any T. With a zero read-out except at the last step, T = 50 or T = 1 agree.
    rng = np.random.default_rng(2)
    weights = _random_weights(rng, 2, 3)
    x = rng.normal(size=(1, 50, 2))
    with float64():
        layer = _layer_with(weights, 3, activation="linear", dtype="float64")
        projection_long = np.zeros((1, 50, 3))
        projection_long[:, -1] = 1.0
        projection_short = np.ones((1, 1, 3))
        long_grad = autodiff_gradients(layer, x, projection_long)[0][:, 0]
        short_grad = autodiff_gradients(layer, x[:, :1], projection_short)[0][:, 0]
    np.testing.assert_allclose(long_grad, short_grad, rtol=1e-12, atol=1e-12)
    assert np.abs(long_grad).max() > 0.1


def test_parameter_count_and_weight_names():
    layer = keras.layers.RNN(AdditiveMemoryCell(8))
    layer.build((None, 5, 3))
    assert layer.count_params() == 3 * 8 + 8 + 8 * 8  # 96
    assert [w.name for w in layer.weights] == ["kernel", "bias", "write_kernel"]
    no_bias = keras.layers.RNN(AdditiveMemoryCell(8, use_bias=False))
    no_bias.build((None, 5, 3))
    assert no_bias.count_params() == 96 - 8


@pytest.mark.parametrize("units", [0, -3, 2.5, True])
def test_bad_units_fail_with_the_value(units):
    with pytest.raises(ValueError, match=f"units=({units!r}|{units})"):
        AdditiveMemoryCell(units)


def test_float64_gradients_match_central_differences():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3))
    weights = _random_weights(rng, 3, 2, scale=0.7)
    projection = rng.normal(size=(2, 4, 2))  # a random linear read-out of every h_t
    # Keras' JAX backend computes ops.tanh of float64 inputs in float32 (see
    # test_peephole_lstm_cell.py), so under JAX tanh is written through ops.sigmoid.
    activation = "tanh" if BACKEND != "jax" else lambda a: 2.0 * keras.ops.sigmoid(2.0 * a) - 1.0
    with float64():
        layer = _layer_with(weights, 2, activation=activation, dtype="float64")
        tolerance = 1e-12 if BACKEND != "jax" else 1e-6
        assert_close(
            layer(x), reference_additive_memory(x, *weights), rtol=tolerance, atol=tolerance
        )
        automatic = autodiff_gradients(layer, x, projection)

    def objective(values):
        return float((reference_additive_memory(*values) * projection).sum())

    numerical = central_differences(objective, [x, *weights])
    for name, a, n in zip(["x", "kernel", "bias", "write_kernel"], automatic, numerical):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8, err_msg=name)


def test_get_config_round_trip():
    cell = AdditiveMemoryCell(
        6, activation="relu", use_bias=False, write_initializer="identity", name="cell"
    )
    config = cell.get_config()
    check_config_round_trip(cell)
    assert config["units"] == 6 and config["use_bias"] is False
    rebuilt = keras.layers.deserialize(keras.layers.serialize(keras.layers.RNN(cell)))
    assert isinstance(rebuilt.cell, AdditiveMemoryCell)
    assert rebuilt.cell.get_config() == config


def test_keras_file_round_trip_gives_identical_outputs(tmp_path):
    rng = np.random.default_rng(4)
    inputs = keras.Input((5, 3))
    hidden = keras.layers.RNN(AdditiveMemoryCell(4))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    x = rng.normal(size=(3, 5, 3)).astype("float32")
    loaded = check_keras_file_round_trip(model, x, tmp_path, "additive_memory.keras")
    assert isinstance(loaded.layers[1].cell, AdditiveMemoryCell)


def test_xla_compiled_train_step():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 6, 2)).astype("float32")
    y = rng.normal(size=(8, 3)).astype("float32")
    check_xla_training_step(keras.layers.RNN(AdditiveMemoryCell(3)), x, y)
