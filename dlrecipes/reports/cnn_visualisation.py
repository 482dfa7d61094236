"""Figures of the ``cnn_visualisation`` experiment: maximised inputs, dreams, texture."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from dlrecipes.reports.figures import pyplot, save


def _show(axis, image, label: str = "") -> None:
    axis.imshow(np.asarray(image).squeeze(), cmap="gray")
    axis.set_xticks([])
    axis.set_yticks([])
    if label:
        axis.set_title(label, fontsize=7)


def plot_maximised(images: Mapping[str, np.ndarray], path, title: str = "") -> Path:
    """One row per layer (its maps) plus one for the classes; each image on its own scale."""
    plt = pyplot()
    columns = max(len(v) for v in images.values())
    fig, axes = plt.subplots(
        len(images), columns, figsize=(0.8 * columns + 1, 0.95 * len(images) + 0.8), squeeze=False
    )
    for row, (name, batch) in zip(axes, images.items(), strict=True):
        for index, axis in enumerate(row):
            if index >= len(batch):
                axis.axis("off")
                continue
            _show(axis, batch[index], str(index))
        row[0].set_ylabel(name, fontsize=8)
    fig.suptitle(title, fontsize=9)
    return save(fig, path)


def plot_dreams(dreams: Mapping[str, tuple[np.ndarray, np.ndarray]], path) -> Path:
    """For each network two rows: test digits, and the same digits after dreaming."""
    plt = pyplot()
    columns = max(len(before) for before, _ in dreams.values())
    fig, axes = plt.subplots(
        2 * len(dreams),
        columns,
        figsize=(0.9 * columns + 1, 1.9 * len(dreams) + 0.6),
        squeeze=False,
    )
    for index, (net, (before, after)) in enumerate(dreams.items()):
        for column in range(columns):
            _show(axes[2 * index, column], before[column])
            _show(axes[2 * index + 1, column], after[column])
        axes[2 * index, 0].set_ylabel(f"{net}\ndigit", fontsize=8)
        axes[2 * index + 1, 0].set_ylabel(f"{net}\ndreamed", fontsize=8)
    fig.suptitle("dreaming: gradient ascent on mean(a^2) of the second conv layer", fontsize=9)
    return save(fig, path)


def plot_texture(
    target: np.ndarray, other: np.ndarray, synthesised: np.ndarray, losses: Sequence[float], path
) -> Path:
    """Target, a second patch of the same texture, the synthesis from noise, and the loss."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.2))
    _show(axes[0], target, "target (china.jpg foliage)")
    _show(axes[1], other, "another patch of the foliage")
    _show(axes[2], synthesised, "synthesised from noise")
    axes[3].plot(losses)
    axes[3].set_yscale("log")
    axes[3].set_xlabel("Adam step")
    axes[3].set_ylabel("Gram-matrix loss")
    axes[3].set_title("random filters, 4 sizes x 32", fontsize=7)
    fig.suptitle(
        "texture synthesis from Gram matrices of random filters (Ustyuzhaninov et al. 2016)",
        fontsize=9,
    )
    return save(fig, path)
