"""Embedded sources: xor, linear, function1d and spirals from the seed, unknown options."""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.data import load, load_raw
from dlrecipes.recipe import DataSpec, RecipeError


def test_synthetic_sources():
    xor = load(DataSpec(source="xor"), seed=0)
    assert xor.x_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert xor.y_train.tolist() == [0, 1, 1, 0]
    linear = load_raw("linear", {"num_samples": 100, "noise": 0.0})
    w, b = np.array(linear.extras["true_weights"]), linear.extras["true_bias"]
    np.testing.assert_allclose(linear.x @ w + b, linear.y.ravel(), rtol=1e-5, atol=1e-5)
    fn = load(DataSpec(source="function1d:abs"), seed=0)
    np.testing.assert_allclose(fn.y_train, np.abs(fn.x_train), atol=1e-6)
    assert fn.task == "regression" and fn.num_outputs == 1
    spirals = load_raw("spirals", {"num_samples": 200})
    assert spirals.x.shape == (200, 2) and np.bincount(spirals.y).tolist() == [100, 100]
    with pytest.raises(RecipeError, match="has no option 'samples'"):
        load_raw("spirals", {"samples": 3})
