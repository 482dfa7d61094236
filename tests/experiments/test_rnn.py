"""The RNN experiments' helpers: gradient norms per input step, sampling, the stepping model,
the predict-the-mean baseline.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest

from dlrecipes.experiments.rnn import (
    edge_ratio,
    input_gradient_norms,
    sample_characters,
    stepping_model,
)
from dlrecipes.models.rnn import char_language_model, sequence_regressor
from tests.helpers import assert_close

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_input_gradient_norms_see_only_the_steps_the_output_depends_on():
    # Zero recurrent weights: h_T depends on x_T alone, so dL/dx_t = 0 for t < T.
    model = sequence_regressor((6, 2), 1, cell="simple_rnn", units=4)
    recurrent = model.get_layer("simple_rnn_1").cell.recurrent_kernel
    recurrent.assign(np.zeros(recurrent.shape))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 6, 2)).astype("float32")
    norms = input_gradient_norms(model, x, np.ones((5, 1), dtype="float32"))
    assert norms.shape == (6,)
    np.testing.assert_array_equal(norms[:-1], 0.0)
    assert norms[-1] > 0
    assert edge_ratio(norms, edge=2) == 0.0


def test_input_gradient_norms_match_a_linear_model_by_hand():
    # y_hat = sum_t w . x_t through a linear "RNN" read-out is easier with Dense on the
    # flattened sequence: dL/dx_t = 2 (y_hat - y) w for L = sum_b (y_hat_b - y_b)^2.
    inputs = keras.Input((3, 2))
    outputs = keras.layers.Dense(1, use_bias=False)(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    w = np.array([[1.0], [2.0], [0.0], [0.0], [3.0], [4.0]], dtype="float32")
    model.layers[-1].kernel.assign(w)
    x = np.ones((1, 3, 2), dtype="float32")
    y = np.zeros((1, 1), dtype="float32")
    norms = input_gradient_norms(model, x, y)  # residual 10, so |dL/dx_t| = 20 |w_t|
    np.testing.assert_allclose(norms, [20 * np.sqrt(5), 0.0, 20 * 5.0], rtol=1e-6)


def test_sample_characters_follows_a_deterministic_model():
    # A "language model" that puts all its mass on (current id + 1) mod V.
    vocabulary_size, window = 7, 4
    inputs = keras.Input((window,), dtype="int32")
    logits = keras.layers.Embedding(vocabulary_size, vocabulary_size, name="table")(inputs)
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    table = 50.0 * np.roll(np.eye(vocabulary_size), 1, axis=1)
    model.get_layer("table").embeddings.assign(table)
    generated = sample_characters(model, [0, 1, 2, 3], 6, temperatures=(0.0, 0.5, 1.0))
    expected = np.array([4, 5, 6, 0, 1, 2])
    for row in generated:
        np.testing.assert_array_equal(row, expected)
    with pytest.raises(ValueError, match="Received: 0 ids"):
        sample_characters(model, [], 3)
    with pytest.raises(ValueError, match="temperatures must be >= 0"):
        sample_characters(model, [0, 1, 2, 3], 3, temperatures=(-1.0,))


@pytest.mark.parametrize(("cell", "num_layers"), [("lstm", 2), ("gru", 1), ("peephole_lstm", 1)])
def test_stepping_model_carries_the_state_like_the_full_sequence(cell, num_layers):
    # Reading a sequence in two chunks with the state carried over gives the same
    # probabilities as reading it in one go.
    model = char_language_model(
        (12,), 9, cell=cell, units=5, embedding_dim=3, num_layers=num_layers
    )
    stepping, sizes = stepping_model(model)
    assert sizes == ([5, 5] if cell != "gru" else [5]) * num_layers  # [h, c] or [h] per layer
    ids = np.random.default_rng(0).integers(0, 9, (2, 12)).astype("int32")
    full = keras.ops.convert_to_numpy(model(ids))
    zeros = [np.zeros((2, size), dtype="float32") for size in sizes]
    first, *states = stepping([ids[:, :7], *zeros])
    second, *_ = stepping([ids[:, 7:], *[keras.ops.convert_to_numpy(s) for s in states]])
    assert_close(first, full[:, :7], rtol=1e-5, atol=1e-6)
    assert_close(second, full[:, 7:], rtol=1e-5, atol=1e-6)


def test_baseline_report_compares_the_model_with_predicting_the_mean(tmp_path):
    from dlrecipes.data import load
    from dlrecipes.experiments.rnn import baseline
    from dlrecipes.recipe import DataSpec

    splits = load(DataSpec(source="adding:6", options={"num_samples": 300}), seed=0)
    inputs = keras.Input(splits.input_shape)
    constant = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer="ones")
    model = keras.Model(inputs, constant(keras.layers.Flatten()(inputs)))  # always predicts 1.0
    report = baseline(model, splits, None, tmp_path)
    assert report["model_mse"] == pytest.approx(float(np.mean((splits.y_test - 1.0) ** 2)))
    assert report["predict_mean_mse"] == pytest.approx(report["model_mse"], abs=0.01)
    assert 0.1 < report["predict_mean_mse"] < 0.25
