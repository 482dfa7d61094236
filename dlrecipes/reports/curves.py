"""Curves and tables a person would rather look at than numbers: learning curves,
the confusion matrix, and named curves overlaid (comparisons of variants).

Each function takes the data and a path, draws one figure and saves it with
:func:`dlrecipes.reports.figures.save`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from dlrecipes.reports.figures import pyplot, save

__all__ = ["confusion_matrix", "learning_curves", "overlay"]


def learning_curves(history: Mapping[str, Sequence[float]], path: str | Path, title: str = ""):
    """Loss and metrics per epoch, training next to validation (one panel per quantity).

    Args:
        history: Keras' ``History.history``: ``{"loss": [...], "val_loss": [...], ...}``;
            ``learning_rate`` is left out.
        path: the PNG to write.
        title: the figure title.
    """
    plt = pyplot()
    names = [k for k in history if not k.startswith("val_") and k not in ("learning_rate",)]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for axis, name in zip(axes[0], names):
        epochs = np.arange(1, len(history[name]) + 1)
        axis.plot(epochs, history[name], label="train")
        if f"val_{name}" in history:
            axis.plot(epochs, history[f"val_{name}"], label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
        axis.legend()
    fig.suptitle(title)
    save(fig, path)


def confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str | Path, title=""):
    """Rows: true class; columns: predicted class; counts written in the cells.

    Args:
        matrix: ``(K, K)`` counts, ``matrix[i, j]`` = examples of class ``i`` predicted ``j``.
        class_names: ``K`` labels for the axes.
        path: the PNG to write.
        title: the axis title (default ``"confusion matrix (test)"``).
    """
    plt = pyplot()
    size = max(3.5, 0.45 * len(class_names) + 1.5)
    fig, axis = plt.subplots(figsize=(size, size))
    axis.imshow(matrix, cmap="Blues")
    ticks = np.arange(len(class_names))
    axis.set_xticks(ticks, class_names, rotation=45 if len(class_names) > 10 else 0)
    axis.set_yticks(ticks, class_names)
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            color = "white" if matrix[i, j] > threshold else "black"
            axis.text(j, i, int(matrix[i, j]), ha="center", va="center", color=color, fontsize=8)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title or "confusion matrix (test)")
    save(fig, path)


def overlay(
    curves: Mapping[str, Sequence[float]],
    path: str | Path,
    xlabel="epoch",
    ylabel="",
    title="",
    log_y: bool = False,
):
    """Several named curves on one axis, ``x = 1, 2, ...`` (comparisons of variants).

    Args:
        curves: ``{label: values}``; curves may have different lengths.
        path: the PNG to write.
        xlabel, ylabel, title: axis labels and title.
        log_y: logarithmic y axis (values must be positive).
    """
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6.5, 4))
    for name, values in curves.items():
        axis.plot(np.arange(1, len(values) + 1), values, label=name)
    if log_y:
        axis.set_yscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    save(fig, path)
