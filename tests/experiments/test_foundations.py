"""The Foundations experiments' helpers: least squares, Novikoff's quantities and gradient
norms at initialisation.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import numpy as np
import pytest

from dlrecipes.experiments.foundations import least_squares, novikoff_bound

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


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
