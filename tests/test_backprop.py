"""dlrecipes.backprop: hand-written gradients against autodiff and finite differences (float64).

Backend-neutral (TensorFlow and JAX); float64 under JAX runs in ``jax.enable_x64``.
"""

import keras
import numpy as np
import pytest

from dlrecipes import backprop as bp

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


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
