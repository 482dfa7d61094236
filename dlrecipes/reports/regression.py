"""Regression reports: the model beside the baseline of predicting the training mean."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def baseline(model, splits, recipe, run_dir: Path) -> dict[str, float]:
    """Report ``baseline``: test MSE of predicting the training targets' mean, beside the model's.

    ``predict_mean_mse = mean((y_test - mean(y_train))^2)``, the error of a model
    that has learned nothing about its inputs. On the adding problem this is
    ``Var(u1 + u2) = 1/6 = 0.167``: a model below it has learned something; one
    at it has learned only the mean. Follows the report contract of
    :mod:`dlrecipes.reports`; a recipe asks for it with ``reports=("baseline",)``.

    Returns:
        ``{"predict_mean_mse": ..., "model_mse": ...}`` on the test split.
    """
    if splits.task != "regression":
        raise ValueError(f"the baseline report needs a regression task. Received: {splits.task!r}")
    mean = np.mean(splits.y_train, axis=0)
    predictions = np.asarray(model.predict(splits.x_test, batch_size=256, verbose=0))
    return {
        "predict_mean_mse": float(np.mean((splits.y_test - mean) ** 2)),
        "model_mse": float(np.mean((splits.y_test.reshape(predictions.shape) - predictions) ** 2)),
    }
