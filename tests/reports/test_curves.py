"""dlrecipes.reports.curves: learning curves, confusion matrix, overlays."""

from __future__ import annotations

import numpy as np

from dlrecipes.reports import curves
from tests.helpers import assert_png


def test_learning_curves_write_a_png(tmp_path):
    history = {
        "loss": [1.0, 0.6, 0.4],
        "accuracy": [0.5, 0.7, 0.8],
        "val_loss": [1.1, 0.7, 0.6],
        "val_accuracy": [0.4, 0.6, 0.7],
        "learning_rate": [0.1, 0.1, 0.05],
    }
    curves.learning_curves(history, tmp_path / "plots" / "learning_curves.png", title="unit")
    assert_png(tmp_path / "plots" / "learning_curves.png")


def test_confusion_matrix_writes_a_png(tmp_path):
    matrix = np.array([[5, 1, 0], [0, 6, 2], [1, 0, 7]])
    curves.confusion_matrix(matrix, ("a", "b", "c"), tmp_path / "confusion.png")
    assert_png(tmp_path / "confusion.png")


def test_overlay_on_a_log_axis_writes_a_png(tmp_path):
    curves.overlay(
        {"sgd": [1.0, 0.5, 0.2], "adam": [1.0, 0.1]},
        tmp_path / "overlay.png",
        ylabel="loss",
        log_y=True,
    )
    assert_png(tmp_path / "overlay.png")
