"""The ``depth`` report: how deep a run's network is and whether it has shortcuts.

He et al. (2016) counted *weighted layers* (convolutions and fully connected
layers) to name their plain and residual networks (plain-20, ResNet-56, ...). The
report counts them on the builder's model, with the number of identity
shortcuts (``Add`` layers) and the training error in inference mode, so that
``python -m recipes compare plain_vs_residual_depth`` labels every arm.

Reference: K. He, X. Zhang, S. Ren and J. Sun, "Deep residual learning for image
recognition", CVPR 2016, section 4.2 and Fig. 6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlrecipes.reports.model_parts import base_model


def weighted_layers(model) -> int:
    """Convolutions and dense layers of the builder's model (He et al.'s depth)."""
    import keras

    kinds = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Dense)
    return sum(isinstance(layer, kinds) for layer in base_model(model).layers)


def depth(model, splits, recipe, run_dir: Path) -> dict:
    """Report ``depth``: ``weighted_layers``, ``shortcuts`` and ``train_error_percent``.

    ``train_error_percent`` is 100 x (1 - accuracy) of argmax predictions on the
    training split, in inference mode (batch norm uses its moving statistics).
    """
    import keras

    shortcuts = sum(isinstance(layer, keras.layers.Add) for layer in base_model(model).layers)
    outputs = model.predict(splits.x_train, batch_size=256, verbose=0)
    labels = np.asarray(splits.y_train).reshape(-1)
    accuracy = float(np.mean(outputs.argmax(axis=-1) == labels))
    return {
        "weighted_layers": weighted_layers(model),
        "shortcuts": int(shortcuts),
        "train_error_percent": 100.0 * (1.0 - accuracy),
    }


def depth_sweep(compare_dir: str | Path) -> dict:
    """Training loss and error against depth for the arms of a ``compare --seeds`` directory.

    Reads every ``<arm>/<recipe>/<run>/metrics.json`` (each run's ``depth`` report and
    its training-split evaluation, in inference mode), groups the runs by
    (shortcuts or not, weighted layers) and writes ``plots/depth_sweep.png``: mean
    and min-max over seeds of the training loss and training error against depth,
    one line for plain and one for residual networks (He et al. 2016, Fig. 1 / 6).

    Returns:
        ``{"plain" | "residual": {depth: {"train_loss", "train_error_percent",
        "test_accuracy", "seeds"}}}`` (means over seeds).
    """
    import json

    from dlrecipes.reports.figures import pyplot, save

    compare_dir = Path(compare_dir)
    runs: dict[tuple[str, int], list[dict]] = {}
    for path in sorted(compare_dir.glob("*/*/*/metrics.json")):
        metrics = json.loads(path.read_text())
        report = (metrics.get("reports") or {}).get("depth")
        if not report:
            continue
        kind = "residual" if report["shortcuts"] else "plain"
        runs.setdefault((kind, int(report["weighted_layers"])), []).append(
            {
                "train_loss": float(metrics["evaluation"]["train"]["loss"]),
                "train_error_percent": float(report["train_error_percent"]),
                "test_accuracy": float(metrics["test"]["accuracy"]),
            }
        )
    if not runs:
        raise ValueError(
            f"no run with a 'depth' report under {str(compare_dir)!r}. Received: a directory "
            "that is not a compare --seeds directory of plain_vs_residual_depth"
        )
    table: dict[str, dict[int, dict]] = {}
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for kind, colour in (("plain", "tab:red"), ("residual", "tab:blue")):
        depths = sorted(d for k, d in runs if k == kind)
        if not depths:
            continue
        for axis, key in zip(axes, ("train_loss", "train_error_percent"), strict=True):
            values = [np.array([r[key] for r in runs[(kind, d)]]) for d in depths]
            means = [v.mean() for v in values]
            axis.plot(depths, means, "o-", color=colour, label=kind)
            axis.fill_between(
                depths,
                [v.min() for v in values],
                [v.max() for v in values],
                color=colour,
                alpha=0.2,
            )
        table[kind] = {
            d: {
                key: float(np.mean([r[key] for r in runs[(kind, d)]]))
                for key in ("train_loss", "train_error_percent", "test_accuracy")
            }
            | {"seeds": len(runs[(kind, d)])}
            for d in depths
        }
    axes[0].set_ylabel("training loss (cross-entropy)")
    axes[1].set_ylabel("training error (%)")
    for axis in axes:
        axis.set_xlabel("weighted layers")
        axis.legend()
    seeds = max(len(v) for v in runs.values())
    fig.suptitle(
        f"same budget, deeper: plain nets train worse, residual ones do not "
        f"(mean and range over {seeds} seeds)",
        fontsize=9,
    )
    save(fig, compare_dir / "plots" / "depth_sweep.png")
    return table
