"""Loss functions side by side: square error, cross-entropy and hinge for one example.

With the score margin ``z`` (logit of the correct class minus the other's, so a
softmax over two classes gives ``p = sigmoid(z)``):

- cross-entropy ``-log p``, derivative ``-(1 - p)``;
- square error ``(1 - p)^2`` (Keras' mean over the two outputs), derivative
  ``-2 p (1 - p)^2``;
- hinge ``max(0, 1 - z)``, derivative ``-1[z < 1]``.

For a confidently wrong output (``z << 0``) the square error's gradient
vanishes while cross-entropy's tends to -1: square error learns slowly from
its worst mistakes (Golik, Doetsch & Ney 2013; Bishop, PRML section 5.2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlrecipes.reports.figures import plots_dir, pyplot, save


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def plot_loss_curves(path: str | Path) -> Path:
    """The lectures' "square error vs cross-entropy" plot (and the hinge) -> ``path``.

    Left: the loss of one example against the margin ``z``; right: ``|dJ/dz|``.
    """
    plt = pyplot()
    z = np.linspace(-6, 6, 400)
    p = _sigmoid(z)
    curves = {
        "cross-entropy  $-\\log p$": (np.log1p(np.exp(-z)), -(1 - p)),
        "square error  $(1-p)^2$": ((1 - p) ** 2, -2 * p * (1 - p) ** 2),
        "hinge  $\\max(0, 1-z)$": (np.maximum(0, 1 - z), -(z < 1).astype(float)),
    }
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, (value, slope) in curves.items():
        axes[0].plot(z, value, label=name)
        axes[1].plot(z, np.abs(slope), label=name)
    axes[0].set_ylim(0, 4)
    axes[0].set_ylabel("loss")
    axes[1].set_ylabel("|dJ/dz|")
    for axis in axes:
        axis.set_xlabel("margin z (score of the correct class - the other); p = sigmoid(z)")
        axis.axvline(0, color="k", linewidth=0.6)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    axes[0].set_title("Loss of one example")
    axes[1].set_title("Gradient: square error vanishes when confidently wrong")
    return save(fig, path)


def loss_curves(model, splits, recipe, run_dir: Path) -> dict:
    """Report ``loss_curves``: :func:`plot_loss_curves` -> ``plots/loss_curves.png``.

    The figure depends on no model (it is the lecture's comparison of the loss
    functions themselves); it returns no numbers.
    """
    plot_loss_curves(plots_dir(run_dir) / "loss_curves.png")
    return {}
