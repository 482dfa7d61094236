"""Linear, logistic and softmax regression: exact parameter counts and probabilities.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.models import linear_regression, logistic_regression, softmax_regression

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_softmax_regression_counts_and_probabilities():
    model = softmax_regression(input_shape=(8, 8, 1), num_classes=10)
    assert model.count_params() == 650
    out = model.predict(np.random.default_rng(0).random((3, 8, 8, 1)), verbose=0)
    assert out.shape == (3, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_linear_and_logistic_regression_counts():
    assert linear_regression(input_shape=(3,), num_outputs=1).count_params() == 4
    assert logistic_regression(input_shape=(2,)).count_params() == 3
