"""dlrecipes.reports.regression: the predict-the-mean baseline."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlrecipes.data import load
from dlrecipes.reports.regression import baseline
from dlrecipes.spec import DataSpec


def test_baseline_report_compares_the_model_with_predicting_the_mean(tmp_path):
    splits = load(DataSpec(source="adding:6", options={"num_samples": 300}), seed=0)
    inputs = keras.Input(splits.input_shape)
    constant = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer="ones")
    model = keras.Model(inputs, constant(keras.layers.Flatten()(inputs)))  # always predicts 1.0
    report = baseline(model, splits, None, tmp_path)
    assert report["model_mse"] == pytest.approx(float(np.mean((splits.y_test - 1.0) ** 2)))
    assert report["predict_mean_mse"] == pytest.approx(report["model_mse"], abs=0.01)
    assert 0.1 < report["predict_mean_mse"] < 0.25  # Var(u1 + u2) = 1/6


def test_baseline_report_needs_a_regression_task(tmp_path):
    splits = load(DataSpec(source="xor"), seed=0)
    with pytest.raises(ValueError, match="needs a regression task. Received: 'classification'"):
        baseline(None, splits, None, tmp_path)
