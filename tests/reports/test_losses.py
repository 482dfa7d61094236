"""dlrecipes.reports.losses: square error vs cross-entropy vs hinge."""

from __future__ import annotations

from dlrecipes.reports.losses import loss_curves, plot_loss_curves
from tests.helpers import assert_png


def test_plot_loss_curves_writes_a_png(tmp_path):
    assert (
        plot_loss_curves(tmp_path / "a" / "loss_curves.png") == tmp_path / "a" / "loss_curves.png"
    )
    assert_png(tmp_path / "a" / "loss_curves.png")


def test_loss_curves_report_writes_into_plots_and_returns_no_numbers(tmp_path):
    assert loss_curves(None, None, None, tmp_path) == {}
    assert_png(tmp_path / "plots" / "loss_curves.png")
