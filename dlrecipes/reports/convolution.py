"""Figures of the ``conv_demo`` experiment's by-number part (1-D padding, why CNNs, invariance).

Each function draws one figure through the library's matplotlib set-up
(:mod:`dlrecipes.reports.figures`) and returns the path it wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from dlrecipes.reports.figures import pyplot, save


def plot_padding_1d(
    signal: Sequence[float], kernel: Sequence[float], outputs: Mapping[str, np.ndarray], path
) -> Path:
    """The signal and its narrow / same / wide convolutions, each at its output positions.

    Output ``i`` of a convolution with ``p`` left zeros is centred on input
    position ``i - p + (k - 1) / 2``, so the three outputs line up with the signal.
    """
    plt = pyplot()
    n, k = len(signal), len(kernel)
    left = {"valid": 0, "same": k // 2, "full": k - 1}
    fig, axes = plt.subplots(
        len(outputs) + 1, 1, figsize=(7, 1.5 * (len(outputs) + 1)), sharex=True
    )
    axes[0].stem(range(n), signal)
    axes[0].set_ylabel(f"x (n={n})", fontsize=8)
    shown = ", ".join(f"{value:g}" for value in kernel)
    axes[0].set_title(f"1-D convolution with k = [{shown}]: narrow (valid), same, wide (full)")
    for axis, (mode, values) in zip(axes[1:], outputs.items(), strict=True):
        centres = np.arange(len(values)) - left[mode] + (k - 1) / 2
        axis.stem(centres, values)
        axis.set_ylabel(f"{mode}\n{len(values)} outputs", fontsize=8)
    axes[-1].set_xlabel("input position")
    return save(fig, path)


def plot_why_cnn(rows: Sequence[Mapping], matrix: np.ndarray, path, title: str = "") -> Path:
    """Left: a convolution as a sparse weight-tied matrix; right: the 1000x1000 parameter counts."""
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), width_ratios=(1.4, 1))
    shown = np.where(matrix == 0, np.nan, matrix)
    left.imshow(shown, cmap="coolwarm", aspect="auto")
    left.set_title(
        f"{title or 'a convolution as a dense layer'}:\nW is {matrix.shape[0]}x{matrix.shape[1]}, "
        f"{np.count_nonzero(matrix)} non-zeros, {len(np.unique(matrix[matrix != 0]))} distinct",
        fontsize=9,
    )
    left.set_xlabel("input pixel")
    left.set_ylabel("output position")
    names = [row["layer"] for row in rows]
    counts = [row["parameters"] for row in rows]
    right.barh(names, np.log10(counts), color=["tab:red", "tab:orange", "tab:green"])
    for position, count in enumerate(counts):
        right.text(np.log10(count), position, f" 10^{np.log10(count):.0f}", va="center")
    right.invert_yaxis()
    right.set_xlabel("log10(parameters)")
    right.set_xlim(0, 14)
    right.set_title("one layer on a 1000x1000 image", fontsize=9)
    return save(fig, path)


def plot_translation(changes: Mapping[str, float], path, title: str = "") -> Path:
    """Bars of the relative change of each representation under a one-pixel shift."""
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6, 3.4))
    names, values = list(changes), list(changes.values())
    axis.bar(names, values, color="tab:blue")
    for position, value in enumerate(values):
        axis.text(position, value, f"{value:.2f}", ha="center", va="bottom")
    axis.set_ylabel("||f(shifted x) - f(x)|| / ||f(x)||")
    axis.set_title(title or "a one-pixel shift changes the pooled maps less", fontsize=9)
    axis.tick_params(axis="x", labelsize=8)
    return save(fig, path)


def plot_gradient_maps(results: Mapping[str, Mapping], path) -> Path:
    """One row per layer: input, upstream gradient, NumPy dL/dx and autodiff's (first map)."""
    plt = pyplot()
    columns = ("inputs", "delta", "numpy", "autodiff")
    titles = ("input x", "upstream dL/dy", "dL/dx by hand", "dL/dx autodiff")
    fig, axes = plt.subplots(len(results), 4, figsize=(9, 2.2 * len(results)), squeeze=False)
    for row, (name, result) in zip(axes, results.items(), strict=True):
        for axis, column, title in zip(row, columns, titles, strict=True):
            values = result[column]
            values = values[0] if column in ("numpy", "autodiff") else values
            image = axis.imshow(values[:, :, 0], cmap="coolwarm")
            fig.colorbar(image, ax=axis, fraction=0.046)
            axis.set_xticks([])
            axis.set_yticks([])
            axis.set_title(title, fontsize=8)
        error = result["errors"]["numpy_vs_autodiff"]
        row[0].set_ylabel(f"{name}\nrel. error {error:.1e}", fontsize=8)
    fig.suptitle("backpropagation through CNN layers (map 0): hand formulas == autodiff")
    return save(fig, path)
