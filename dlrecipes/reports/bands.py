"""Curves over seeds: the center line of each arm with a band that shows how sure it is.

One curve per seed says little about an arm; the mean of several seeds with
its 95% confidence interval says what another run would likely do. For RL
returns the center is the interquartile mean with a percentile-bootstrap band
(Agarwal et al. 2021), since a seed that never learns would drag a mean down.

:func:`band_points` computes the center and band (tested on numbers),
:func:`band_overlay` draws them, one colour per arm, through
:mod:`dlrecipes.reports.figures`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from dlrecipes import stats
from dlrecipes.reports.figures import pyplot, save

__all__ = ["band_overlay", "band_points", "common_grid", "stack"]

#: Resamples per point of a bootstrap band (a figure needs less precision than a table).
BAND_RESAMPLES = 1_000


def stack(curves: Sequence[Sequence[float]]) -> np.ndarray:
    """Per-seed curves as one ``(seeds, steps)`` array, shorter curves padded with NaN
    (a run stopped early by early stopping or once solved has fewer points)."""
    length = max((len(c) for c in curves), default=0)
    out = np.full((len(curves), length), np.nan)
    for row, curve in enumerate(curves):
        out[row, : len(curve)] = np.asarray(curve, dtype=np.float64)
    return out


def band_points(
    curves: Sequence[Sequence[float]], center: str = "mean"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The center and the 95% band of per-seed curves, point by point.

    Args:
        curves: one sequence per seed (lengths may differ; non-finite values are skipped).
        center: ``"mean"`` (band: Student-t interval of the mean) or ``"iqm"``
            (band: percentile bootstrap of the interquartile mean, seed 0).

    Returns:
        ``(center, low, high, count)``, each of shape ``(steps,)``; ``count`` is the
        number of seeds with a value at that point. The band is NaN where fewer than
        two seeds have a value (then only the center is drawn).
    """
    if center not in ("mean", "iqm"):
        raise ValueError(f"center must be 'mean' or 'iqm'. Received: center={center!r}")
    values = stack(curves)
    steps = values.shape[1]
    middle, low, high = (np.full(steps, np.nan) for _ in range(3))
    count = np.zeros(steps, dtype=int)
    for step in range(steps):
        column = values[:, step]
        column = column[np.isfinite(column)]
        count[step] = column.size
        if column.size == 0:
            continue
        if center == "mean":
            middle[step] = column.mean()
            low[step], high[step] = stats.t_interval(column)
        else:
            middle[step] = stats.iqm(column)
            low[step], high[step] = stats.bootstrap_interval(
                column, "iqm", resamples=BAND_RESAMPLES, seed=0
            )
    return middle, low, high, count


def band_overlay(
    arms: Mapping[str, Sequence[Sequence[float]]],
    path: str | Path,
    *,
    x: Sequence[float] | None = None,
    xlabel: str = "epoch",
    ylabel: str = "",
    title: str = "",
    log_y: bool = False,
    center: str = "mean",
) -> Path:
    """One center line per arm with its shaded 95% band, on one axis.

    Args:
        arms: ``{label: [curve of seed 0, curve of seed 1, ...]}``.
        path: the PNG to write.
        x: the x value of each point (default ``1, 2, ...``), shared by all arms.
        xlabel, ylabel, title: axis labels and title.
        log_y: logarithmic y axis (points <= 0 are left out).
        center: ``"mean"`` with a t interval, or ``"iqm"`` with a bootstrap interval.

    Returns:
        ``path``.
    """
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6.5, 4))
    for label, curves in arms.items():
        middle, low, high, count = band_points(curves, center)
        xs = np.arange(1, middle.size + 1) if x is None else np.asarray(x, dtype=np.float64)
        xs = xs[: middle.size]
        hidden = ""
        if log_y:  # a log axis cannot show 0 (e.g. all-zero weights): say so in the legend
            hidden = ", <= 0 not shown" if np.any(middle <= 0) else ""
            middle, low, high = (np.where(v > 0, v, np.nan) for v in (middle, low, high))
        seeds = int(count.max()) if count.size else 0
        (line,) = axis.plot(xs, middle[: xs.size], label=f"{label} ({seeds} seeds{hidden})")
        shown = np.isfinite(low[: xs.size]) & np.isfinite(high[: xs.size])
        if shown.any():
            axis.fill_between(
                xs,
                low[: xs.size],
                high[: xs.size],
                where=shown,
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
    if log_y:
        axis.set_yscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    band = "bootstrap 95% CI of the IQM" if center == "iqm" else "95% CI of the mean"
    axis.set_title(f"{title}\n{center} over seeds, band: {band}" if title else band, fontsize=9)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return save(fig, path)


def common_grid(
    xs: Sequence[Sequence[float]],
    ys: Sequence[Sequence[float]],
    points: int = 100,
    largest: float | None = None,
    hold: bool = True,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Curves sampled at different x (RL: episodes end at different env steps) put on one
    grid of ``points`` x values from 0 to ``largest`` (default: the largest x), each
    curve interpolated linearly and, after its end, held at its last value (``hold``: a
    run stopped once solved stays solved) or left out (NaN: the band is then over the
    runs still going).

    Returns:
        ``(grid, [curve on the grid, ...])``; a curve with no points is all NaN.
    """
    if largest is None:
        largest = max((float(np.max(x)) for x in xs if len(x)), default=0.0)
    grid = np.linspace(0.0, largest, points) if largest > 0 else np.zeros(1)
    out = []
    for x, y in zip(xs, ys):
        if not len(x):
            out.append(np.full(grid.size, math.nan))
            continue
        x, y = np.asarray(x, float), np.asarray(y, float)
        curve = np.interp(grid, x, y)
        if not hold:
            curve[grid > x.max()] = math.nan
        out.append(curve)
    return grid, out
