"""Hand-written gradients against autodiff and finite differences (float64), least squares,
Novikoff's quantities and gradient norms at initialisation.

Backend-neutral (TensorFlow and JAX); float64 under JAX runs in ``jax.enable_x64``.
"""

import keras
import numpy as np
import pytest

from dlrecipes import backprop as bp
from dlrecipes.experiments.foundations import gradient_norms, least_squares, novikoff_bound

# Keras 3.15 under JAX computes ops.tanh of float64 in float32 (see dlrecipes.backprop).
FLOAT64_ACTIVATIONS = ["sigmoid", "relu"] + (["tanh"] if keras.backend.backend() != "jax" else [])


def _problem(sizes, num_examples=7, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(sizes[0], num_examples))  # (D, N): examples as columns
    y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], num_examples)]  # (K, N) one-hot
    params = bp.init_params(sizes, seed=seed)
    params = [(w, b + 0.1 * rng.normal(size=b.shape)) for w, b in params]
    return params, x, y


@pytest.mark.parametrize("activation", FLOAT64_ACTIVATIONS)
@pytest.mark.parametrize("sizes", [[3, 5, 4], [4, 6, 5, 3]])
def test_backprop_equals_finite_differences_and_autodiff(activation, sizes):
    params, x, y = _problem(sizes)
    l2 = 0.1
    numpy = bp.backward(params, x, y, l2, activation)
    finite = bp.finite_difference_gradients(params, x, y, l2, activation)
    autodiff = bp.keras_backprop_gradients(params, x, y, l2, activation)
    for (gw, gb), (w, b) in zip(numpy, params):
        assert gw.shape == w.shape and gb.shape == b.shape and gw.dtype == np.float64
    assert bp.max_relative_error(numpy, finite) < 1e-6
    assert bp.max_relative_error(numpy, autodiff) < 1e-10
    assert bp.max_relative_error(autodiff, finite) < 1e-6


def test_backprop_l2_term_is_lambda_w():
    """With all-zero data terms removed, dJ/dW is exactly lambda W (and dJ/db has no penalty)."""
    params, x, y = _problem([3, 4, 2])
    with_penalty = bp.backward(params, x, y, 0.5, "sigmoid")
    without = bp.backward(params, x, y, 0.0, "sigmoid")
    for (gw, gb), (hw, hb), (w, _) in zip(with_penalty, without, params):
        np.testing.assert_allclose(gw - hw, 0.5 * w, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(gb, hb)


def test_backprop_rejects_unknown_activation():
    params, x, y = _problem([2, 3, 2])
    with pytest.raises(ValueError, match="Received: activation='swish'"):
        bp.backward(params, x, y, activation="swish")


def test_least_squares_matches_numpy_lstsq():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.7 + 0.01 * rng.normal(size=50)
    expected, *_ = np.linalg.lstsq(np.hstack([x, np.ones((50, 1))]), y, rcond=None)
    np.testing.assert_allclose(least_squares(x, y), expected, rtol=1e-10)


def test_novikoff_quantities_on_a_hand_made_set():
    # Mirror images across x1 = 0: the max-margin separator is u = (1, 0, 0), gamma = 1.
    x = np.array([[1.0, 0.0], [1.0, 1.0], [-1.0, 0.0], [-1.0, 1.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    result = novikoff_bound(x, y)
    np.testing.assert_allclose(result["direction"], [1.0, 0.0, 0.0], atol=1e-3)
    assert result["margin"] == pytest.approx(1.0, rel=1e-3)
    assert result["radius"] == pytest.approx(np.sqrt(3.0))  # ||(1, 1, 1)||
    assert result["bound"] == pytest.approx(3.0, rel=1e-2)


def test_sigmoid_gradients_vanish_towards_the_input():
    """At initialisation, sigmoid layers pass back a shrinking error; ReLU layers do not."""
    from dlrecipes.data.embedded import digits
    from dlrecipes.models.mlp import mlp

    raw = digits("", {}, 0)
    x, y = raw.x[:128].reshape(128, -1) / 16.0, raw.y[:128]
    ratios = {}
    for activation in ("sigmoid", "relu"):
        keras.utils.set_random_seed(0)
        model = mlp(input_shape=(64,), hidden_units=(64,) * 6, activation=activation)
        norms = gradient_norms(model, x, y, "sparse_categorical_crossentropy")
        assert len(norms) == 7  # six hidden kernels and the output kernel
        ratios[activation] = norms[0] / norms[-2]  # first hidden layer / last hidden layer
    assert ratios["sigmoid"] < 0.05
    assert ratios["relu"] > 10 * ratios["sigmoid"]
