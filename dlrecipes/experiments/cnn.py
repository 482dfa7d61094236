"""Experiments of the CNN lecture (``task = "custom"`` recipes).

| experiment   | lecture result it shows                                                   |
|--------------|---------------------------------------------------------------------------|
| ``conv_demo``| a 6x6 image and two 3x3 filters give two 4x4 feature maps (checked by hand) |
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def cross_correlate(image: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    """Valid 2-D cross-correlation with explicit loops: the lectures' "convolution", by hand.

    ``out[i, j] = sum_{u, v} image[i * stride + u, j * stride + v] * kernel[u, v]``
    for ``i < (H - kh) // stride + 1`` and ``j < (W - kw) // stride + 1``.
    This is what ``keras.layers.Conv2D`` (and every deep-learning library)
    computes; the kernel is *not* flipped as in the mathematical convolution.

    Args:
        image: ``(H, W)``.
        kernel: ``(kh, kw)`` with ``kh <= H`` and ``kw <= W``.
        stride: step of the window, a positive integer.

    Returns:
        ``(out_height, out_width)`` float64 array.

    Example:
        >>> cross_correlate(np.eye(3), np.eye(2)).tolist()
        [[2.0, 0.0], [0.0, 2.0]]
    """
    image = np.asarray(image, dtype="float64")
    kernel = np.asarray(kernel, dtype="float64")
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"image and kernel must be 2-D. Received: image {image.shape}, kernel {kernel.shape}"
        )
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(
            f"the kernel must fit in the image. Received: image {image.shape}, "
            f"kernel {kernel.shape}"
        )
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise ValueError(f"stride must be a positive integer. Received: stride={stride!r}")
    kernel_height, kernel_width = kernel.shape
    out_height = (image.shape[0] - kernel_height) // stride + 1
    out_width = (image.shape[1] - kernel_width) // stride + 1
    out = np.zeros((out_height, out_width))
    for i in range(out_height):
        for j in range(out_width):
            window = image[
                i * stride : i * stride + kernel_height, j * stride : j * stride + kernel_width
            ]
            out[i, j] = float(np.sum(window * kernel))
    return out


def max_pool(feature_map: np.ndarray, size: int = 2) -> np.ndarray:
    """Non-overlapping ``size x size`` max pooling of a 2-D map (trailing rows/columns dropped)."""
    feature_map = np.asarray(feature_map)
    height, width = (feature_map.shape[0] // size) * size, (feature_map.shape[1] // size) * size
    blocks = feature_map[:height, :width].reshape(height // size, size, width // size, size)
    return blocks.max(axis=(1, 3))


def conv_demo(recipe, run_dir: Path) -> dict:
    """The lectures' convolution example, computed three ways and drawn.

    The 6x6 binary image :data:`dlrecipes.models.cnn.CONV_DEMO_IMAGE` and the
    two 3x3 filters :data:`~dlrecipes.models.cnn.CONV_DEMO_FILTERS` (a
    main-diagonal detector and a vertical-line detector) go through

    1. :func:`cross_correlate`, NumPy loops: the computation done by hand;
    2. the builder :func:`dlrecipes.models.cnn.conv_demo`: a ``Conv2D(2, 3)``
       holding the two filters;

    and the two must agree. Filter 1 gives, as on the slides::

        3 -1 -3 -1        2x2 max pooling:  3 0
       -3  1  0 -3                          3 1
       -3 -3  0  1
        3 -2 -2 -1

    (3 where the image holds a full diagonal stroke). Then the same two filters
    are applied to the first test image of ``data.source`` (an 8x8 digit by
    default, a 28x28 MNIST digit with the ``mnist8k`` profile), to show what
    hand-made edge detectors pick up on real handwriting.

    Writes:
        ``plots/conv_demo.png`` (image, filters, maps annotated with their values,
        max-pooled maps), ``plots/conv_demo_digit.png`` (a real digit and its two
        maps) and ``feature_maps.json`` (every array above as nested lists).

    Reads ``model.options`` (the builder's options; ``input_shape`` is set here).

    Returns:
        ``max_abs_error`` (Keras vs by hand, the expect metric), the top-left
        value and the maximum of each map, and the digit's label.
    """
    from dlrecipes import data as data_sources
    from dlrecipes import models
    from dlrecipes.reports.cnn import plot_feature_maps

    image = np.array(models.CONV_DEMO_IMAGE, dtype="float32")  # (6, 6)
    filters = [np.array(f, dtype="float32") for f in models.CONV_DEMO_FILTERS]  # 2 x (3, 3)
    by_hand = np.stack([cross_correlate(image, f) for f in filters], axis=-1)  # (4, 4, 2)

    builder = models.get(recipe.model.builder)
    options = {k: v for k, v in recipe.model.options.items() if k != "input_shape"}
    model = builder(input_shape=(*image.shape, 1), **options)
    by_keras = model.predict(image[None, :, :, None], verbose=0)[0]  # (4, 4, 2)
    max_abs_error = float(np.max(np.abs(by_keras - by_hand)))
    pooled = np.stack([max_pool(by_hand[:, :, k]) for k in range(2)], axis=-1)  # (2, 2, 2)

    plots = Path(run_dir) / "plots"
    plot_feature_maps(
        {
            "image": image,
            "filters": np.stack(filters, axis=-1),
            "feature maps": by_hand,
            "max pool 2x2": pooled,
        },
        plots / "conv_demo.png",
        title="6x6 image * two 3x3 filters -> two 4x4 feature maps -> 2x2 max pooling",
        annotate=True,
    )

    splits = data_sources.load(recipe.data, seed=recipe.seed)
    x, y = (
        (splits.x_test, splits.y_test) if len(splits.x_test) else (splits.x_train, splits.y_train)
    )
    if x.ndim != 4:
        raise ValueError(
            "conv_demo needs image data for its second figure. "
            f"Received: {recipe.data.source!r} with inputs of shape {x.shape}"
        )
    digit = x[0, :, :, 0]  # (H, W)
    label = splits.class_names[int(y[0])]
    digit_maps = np.stack([cross_correlate(digit, f) for f in filters], axis=-1)
    plot_feature_maps(
        {"digit": digit, "feature maps": digit_maps},
        plots / "conv_demo_digit.png",
        title=f"the two filters on a {digit.shape[0]}x{digit.shape[1]} digit (label {label}): "
        "diagonal, vertical",
    )

    arrays = {
        "image": image,
        "filters": np.stack(filters),
        "feature_maps": np.moveaxis(by_hand, -1, 0),  # (2, 4, 4)
        "feature_maps_keras": np.moveaxis(by_keras, -1, 0),
        "max_pooled": np.moveaxis(pooled, -1, 0),  # (2, 2, 2)
        "digit_feature_maps": np.moveaxis(digit_maps, -1, 0),
    }
    (Path(run_dir) / "feature_maps.json").write_text(
        json.dumps({k: np.asarray(v).tolist() for k, v in arrays.items()}, indent=1)
    )
    return {
        "max_abs_error": max_abs_error,
        "map_1_top_left": float(by_hand[0, 0, 0]),
        "map_1_max": float(by_hand[:, :, 0].max()),
        "map_2_max": float(by_hand[:, :, 1].max()),
        "digit_label": label,
    }
