"""dlrecipes.reports.figures: the one matplotlib set-up."""

from __future__ import annotations

import matplotlib

from dlrecipes.reports import figures
from tests.helpers import assert_png


def test_pyplot_uses_the_agg_backend():
    plt = figures.pyplot()
    assert matplotlib.get_backend().lower() == "agg"
    assert plt is figures.pyplot()


def test_save_creates_the_directory_writes_a_png_and_closes_the_figure(tmp_path):
    plt = figures.pyplot()
    fig, axis = plt.subplots(figsize=(4, 3))
    axis.plot([1, 3, 2])
    path = figures.save(fig, tmp_path / "deep" / "er" / "line.png")
    assert path == tmp_path / "deep" / "er" / "line.png"
    assert_png(path)
    assert not plt.fignum_exists(fig.number)
    width, height = matplotlib.image.imread(path).shape[1::-1]
    assert (width, height) == (4 * figures.DPI, 3 * figures.DPI)


def test_save_can_crop_to_what_is_drawn(tmp_path):
    plt = figures.pyplot()
    fig, axis = plt.subplots(figsize=(4, 3))
    axis.set_axis_off()
    axis.text(0.5, 0.5, "x")
    path = figures.save(fig, tmp_path / "cropped.png", tight_layout=False, crop=True)
    width, height = matplotlib.image.imread(path).shape[1::-1]
    assert width < 4 * figures.DPI and height < 3 * figures.DPI


def test_plots_dir_is_created_under_the_run(tmp_path):
    assert figures.plots_dir(tmp_path) == tmp_path / "plots"
    assert (tmp_path / "plots").is_dir()
