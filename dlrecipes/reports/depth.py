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
