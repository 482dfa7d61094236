"""dlrecipes.bptt: backpropagation through time by hand == autodiff == finite differences,
and the lecture's product of U^T diag(f') factors, measured.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import numpy as np
import pytest

from dlrecipes import bptt

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def _batch(seed=0, n=4, steps=6, features=2, outputs=1, scale=1.0):
    rng = np.random.default_rng(seed)
    return scale * rng.normal(size=(n, steps, features)), rng.normal(size=(n, outputs))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_bptt_by_hand_agrees_with_finite_differences_in_float64(activation):
    params = bptt.init_params(2, 3, 2, seed=1)
    x, t = _batch(outputs=2)
    by_hand = bptt.backward(params, x, t, activation)
    numeric = bptt.finite_difference_gradients(params, x, t, activation)
    for name in bptt.PARAMETERS:
        assert bptt.relative_error(by_hand[name], numeric[name]) < 1e-7, name


def test_bptt_by_hand_agrees_with_keras_autodiff_of_a_simple_rnn():
    params = bptt.init_params(2, 3, 1, seed=0)
    x, t = _batch()
    errors = bptt.check(params, x, t)
    # float64 under TensorFlow; float32 under JAX (see bptt.autodiff_dtype)
    limit = 1e-10 if bptt.autodiff_dtype() == "float64" else 1e-5
    assert errors["bptt_vs_autodiff"] < limit
    assert errors["bptt_vs_finite_differences"] < 1e-7


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_the_error_reaching_step_t_scales_as_gamma_to_the_power_t_minus_t(gamma):
    """With U = gamma * (orthogonal) and inputs so small that f' = 1 - tanh^2 ~ 1, each step
    back multiplies ||dJ/dh|| by exactly ||U^T v|| / ||v|| = gamma: vanishing below 1,
    exploding above (the lecture's gamma < 1 and gamma > 1 cases)."""
    steps = 12
    params = bptt.init_params(1, 8, 1, seed=2, recurrent_scale=gamma)
    x, t = _batch(steps=steps, features=1, scale=1e-6)
    _, measured = bptt.backward(params, x, t, return_steps=True)
    norms = measured["state_gradient_norm"]  # ||dJ/dh_t||, t = 1 .. T
    ratios = norms[:-1] / norms[1:]
    np.testing.assert_allclose(ratios, gamma, rtol=1e-4)
    assert (norms[0] / norms[-1]) == pytest.approx(gamma ** (steps - 1), rel=1e-3)


def test_bad_input_names_the_value():
    params = bptt.init_params(2, 3, 1)
    with pytest.raises(ValueError, match=r"Received: shape \(4, 2\)"):
        bptt.forward(params, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="Received: activation='swish'"):
        bptt.backward(params, np.zeros((1, 2, 2)), np.zeros((1, 1)), "swish")
