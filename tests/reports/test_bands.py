"""Bands over seeds: the numbers under the figure, by hand, and the figure itself."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlrecipes.reports.bands import band_overlay, band_points, common_grid, stack


def test_stack_pads_shorter_curves_with_nan():
    values = stack([[1.0, 2.0, 3.0], [4.0]])
    assert values.shape == (2, 3)
    assert values[1, 0] == 4.0 and np.isnan(values[1, 1:]).all()


def test_mean_band_is_the_t_interval_at_each_point():
    # point 1: 1, 3 -> mean 2, sd sqrt 2, half = 12.7062 * sqrt 2 / sqrt 2 = 12.7062
    # point 2: only one seed left (early stopping) -> its value, no band
    middle, low, high, count = band_points([[1.0, 5.0], [3.0]])
    assert middle.tolist() == [2.0, 5.0] and count.tolist() == [2, 1]
    assert (low[0], high[0]) == pytest.approx((2 - 12.7062, 2 + 12.7062), abs=1e-4)
    assert math.isnan(low[1]) and math.isnan(high[1])


def test_iqm_band_on_a_fixed_column():
    # 5 seeds 0, 10, 20, 30, 1000 at one point: IQM = mean(10, 20, 30) = 20 (the outlier cut)
    middle, low, high, _ = band_points([[0.0], [10.0], [20.0], [30.0], [1000.0]], center="iqm")
    assert middle[0] == 20.0 and low[0] <= 20.0 <= high[0]
    with pytest.raises(ValueError, match="center must be 'mean' or 'iqm'. Received"):
        band_points([[1.0]], center="median")


def test_common_grid_interpolates_and_holds_the_last_value():
    grid, curves = common_grid([[0, 10], [0, 5]], [[0.0, 10.0], [0.0, 50.0]], points=3)
    assert grid.tolist() == [0.0, 5.0, 10.0]
    assert curves[0].tolist() == [0.0, 5.0, 10.0]
    assert curves[1].tolist() == [0.0, 50.0, 50.0]  # stopped at step 5: held there


def test_band_overlay_writes_a_png(tmp_path):
    path = band_overlay(
        {"a": [[1.0, 0.5, 0.2], [1.2, 0.6, 0.3]], "b": [[2.0, 1.0]]},
        tmp_path / "plots" / "bands.png",
        ylabel="loss",
        title="t",
        log_y=True,
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
