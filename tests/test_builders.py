"""Builders of the engine's first recipes: exact parameter counts, shapes, errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import dlrecipes
from dlrecipes.models import get, linear_regression, logistic_regression, mlp, softmax_regression

pytestmark = pytest.mark.backends


def test_softmax_regression_counts_and_probabilities():
    model = softmax_regression(input_shape=(8, 8, 1), num_classes=10)
    assert model.count_params() == 650
    out = model.predict(np.random.default_rng(0).random((3, 8, 8, 1)), verbose=0)
    assert out.shape == (3, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_mlp_parameter_counts():
    assert mlp(input_shape=(64,), num_classes=10, hidden_units=(256, 128)).count_params() == 50826
    assert mlp(input_shape=(2,), num_classes=2, hidden_units=(2,), binary=True).count_params() == 9
    assert (
        mlp(input_shape=(1,), num_classes=0, num_outputs=1, hidden_units=(10,)).count_params() == 31
    )
    assert mlp(input_shape=(4,), num_layers=3, units=5, num_classes=2).count_params() == (
        4 * 5 + 5 + 2 * (5 * 5 + 5) + 5 * 2 + 2
    )
    batch_norm = mlp(input_shape=(4,), hidden_units=(8,), num_classes=3, batch_norm=True)
    trainable = sum(int(np.prod(w.shape)) for w in batch_norm.trainable_weights)
    assert trainable == 4 * 8 + 8 + 16 + 8 * 3 + 3


def test_linear_and_logistic_regression_counts():
    assert linear_regression(input_shape=(3,), num_outputs=1).count_params() == 4
    assert logistic_regression(input_shape=(2,)).count_params() == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(hidden_units=(0,)),
            "hidden_units must be a positive integer. Received: hidden_units=0",
        ),
        (dict(dropout=1.5), "dropout must be in \\[0, 1\\). Received: dropout=1.5"),
        (dict(input_shape=(0,)), "input_shape must be a tuple of positive integers"),
        (dict(num_classes=0, num_outputs=0), "needs num_classes > 0"),
        (dict(binary=True, num_classes=3), "binary=True needs num_classes=2"),
    ],
)
def test_mlp_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mlp(**{"input_shape": (4,), "num_classes": 3, **kwargs})


def test_unknown_builder_suggests_a_name():
    with pytest.raises(ValueError, match="Did you mean 'mlp'"):
        get("mpl")


def test_smoke_run_on_this_backend(tmp_path):
    result = dlrecipes.run("mlp", smoke=True, out=tmp_path, verbose=0)
    assert result.metrics["backend"] == keras.backend.backend()
    assert result.metrics["test"]["accuracy"] > 0.3
    assert (result.run_dir / "model.keras").is_file()
