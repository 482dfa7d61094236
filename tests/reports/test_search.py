"""dlrecipes.reports.search: the plot of a hyperparameter search."""

from __future__ import annotations

import pytest

from dlrecipes.reports.search import plot_search
from tests.helpers import assert_png


def test_plot_search_writes_a_png_with_failed_trials(tmp_path):
    rows = [
        {"trial": "0", "status": "COMPLETED", "val_accuracy": 0.8},
        {"trial": "1", "status": "FAILED", "val_accuracy": None},
        {"trial": "2", "status": "COMPLETED", "val_accuracy": float("nan")},
        {"trial": "3", "status": "COMPLETED", "val_accuracy": 0.9},
    ]
    path = plot_search(
        rows, "val_accuracy", "max", tmp_path / "plots" / "search.png", "unit", default=0.85
    )
    assert path == tmp_path / "plots" / "search.png"
    assert_png(path)


def test_plot_search_names_a_wrong_direction(tmp_path):
    with pytest.raises(ValueError, match="Received: direction='up'"):
        plot_search([], "loss", "up", tmp_path / "search.png")
