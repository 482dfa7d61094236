"""Maxout, the perceptron model and the Foundations builders: NumPy references and golden counts.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest

from dlrecipes.layers.maxout import Maxout
from dlrecipes.models.foundations import deep_parameter_count, equivalent_width, matched_mlp
from dlrecipes.models.mlp import mlp
from dlrecipes.models.perceptron import Perceptron, perceptron, perceptron_pass


def _numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


# --------------------------------------------------------------------------- Maxout


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
    y = _numpy(layer(x))
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
    np.testing.assert_allclose(_numpy(maxout(x)), _numpy(dense(x)), rtol=1e-6, atol=1e-6)


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
    np.testing.assert_allclose(_numpy(layer(x)), expected, rtol=1e-6, atol=1e-6)


def test_maxout_config_round_trip_and_keras_file(tmp_path):
    layer = Maxout(units=3, num_pieces=4, kernel_regularizer="l2", name="maxout")
    config = layer.get_config()
    clone = Maxout.from_config(config)
    assert clone.get_config() == config
    assert (config["units"], config["num_pieces"]) == (3, 4)
    model = keras.Sequential([keras.Input((5,)), layer])
    x = np.random.default_rng(3).normal(size=(2, 5)).astype("float32")
    model.save(tmp_path / "maxout.keras")
    restored = keras.saving.load_model(tmp_path / "maxout.keras")
    assert isinstance(restored.layers[0], Maxout)
    np.testing.assert_allclose(_numpy(restored(x)), _numpy(model(x)), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [{"units": 0}, {"units": 3, "num_pieces": -1}, {"units": 2.5}])
def test_maxout_rejects_bad_sizes_with_the_value(kwargs):
    with pytest.raises(ValueError, match="Received"):
        Maxout(**kwargs)


def test_mlp_maxout_golden_count_and_heads():
    model = mlp(input_shape=(64,), num_classes=10, hidden_units=(32, 32), activation="maxout")
    # 2 pieces: (64 + 1) * 32 * 2 + (32 + 1) * 32 * 2 + (32 + 1) * 10
    assert model.count_params() == 4160 + 2112 + 330
    assert isinstance(model.get_layer("hidden_1"), Maxout)
    scores = mlp(input_shape=(4,), num_classes=3, hidden_units=(5,), output_activation="linear")
    x = np.ones((2, 4), "float32")
    assert not np.allclose(_numpy(scores(x)).sum(axis=-1), 1.0)  # not a softmax
    zero = mlp(input_shape=(4,), num_classes=3, hidden_units=(5,), output_initializer="zeros")
    assert np.all(zero.get_layer("output").get_weights()[0] == 0)


def test_mlp_rejects_maxout_with_batch_norm():
    with pytest.raises(ValueError, match="batch_norm"):
        mlp(activation="maxout", batch_norm=True)


# --------------------------------------------------------------------------- deep vs wide


def test_equivalent_width_reproduces_seide_2011_networks():
    # 11 frames x 39 features = 429 inputs, 9,304 senones: 1x3772 = 5x2k, 1x4634 = 7x2k.
    assert equivalent_width(429, 9304, 5, 2048) == 3772
    assert equivalent_width(429, 9304, 7, 2048) == 4634
    assert deep_parameter_count(64, 10, 2, 128) == 65 * 128 + 129 * 128 + 129 * 10


def test_matched_mlp_deep_and_wide_have_about_the_same_parameters():
    deep = matched_mlp(input_shape=(8, 8, 1), num_layers=5, units=32)
    wide = matched_mlp(input_shape=(8, 8, 1), units=32, match_layers=5)
    assert deep.count_params() == deep_parameter_count(64, 10, 5, 32)
    assert len([w for w in wide.layers if w.name.startswith("hidden_")]) == 1
    assert deep.count_params() - (64 + 1 + 10) <= wide.count_params() <= deep.count_params()
    with pytest.raises(ValueError, match="match_layers"):
        matched_mlp(match_layers=-1)


# --------------------------------------------------------------------------- perceptron


def _rule_reference(x, y):
    """The textbook online perceptron, one example after the other."""
    w, b, mistakes = np.zeros(x.shape[1]), 0.0, 0
    for x_i, y_i in zip(x, y):
        if y_i * (w @ x_i + b) <= 0:
            w, b, mistakes = w + y_i * x_i, b + y_i, mistakes + 1
    return w, b, mistakes


def test_perceptron_pass_matches_the_textbook_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(25, 3)).astype("float32")
    y = np.sign(x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype("float32")
    kernel, bias, mistakes = perceptron_pass(keras.ops.zeros((3, 1)), keras.ops.zeros((1,)), x, y)
    w, b, count = _rule_reference(x.astype("float64"), y)
    np.testing.assert_allclose(_numpy(kernel).ravel(), w, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_numpy(bias)[0], b, atol=1e-6)
    assert float(_numpy(mistakes)) == count


@pytest.mark.parametrize("seed", [0, 1])
def test_perceptron_fit_obeys_novikoff_bound(seed):
    from dlrecipes.data.embedded import separable
    from dlrecipes.experiments.foundations import novikoff_bound

    raw = separable("", {"num_samples": 80, "margin": 0.1}, seed)
    x, y = raw.x, (2 * raw.y - 1).astype("float32")
    model = perceptron(input_shape=(2,))
    model.compile()
    stop = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", logs["mistakes"] == 0)
    )
    history = model.fit(
        x, y, batch_size=len(x), epochs=60, shuffle=False, verbose=0, callbacks=[stop]
    )
    per_epoch = history.history["mistakes"]
    assert per_epoch[-1] == 0, "the rule must converge on separable data"
    mistakes = float(_numpy(model.mistakes.value))
    bound = novikoff_bound(x, y)
    assert bound["margin"] >= 0.1 / np.sqrt(2) - 1e-6  # the generator's line, bias-augmented
    assert 0 < mistakes <= bound["bound"]
    assert np.all(np.sign(_numpy(model(x))).ravel() == y)


def test_perceptron_never_converges_on_xor_and_round_trips(tmp_path):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
    y = np.array([-1, 1, 1, -1], "float32")
    model = perceptron(input_shape=(2,))
    model.compile()
    history = model.fit(x, y, batch_size=4, epochs=10, shuffle=False, verbose=0)
    assert min(history.history["mistakes"]) > 0
    model.save(tmp_path / "perceptron.keras")
    restored = keras.saving.load_model(tmp_path / "perceptron.keras")
    assert isinstance(restored, Perceptron)
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_perceptron_builder_rejects_images():
    with pytest.raises(ValueError, match="flat inputs"):
        perceptron(input_shape=(8, 8, 1))
