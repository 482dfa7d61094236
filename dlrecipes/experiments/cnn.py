"""Experiments of the CNN lecture (``task = "custom"`` recipes).

| experiment   | lecture result it shows                                                   |
|--------------|---------------------------------------------------------------------------|
| ``conv_demo``| a 6x6 image and two 3x3 filters give two 4x4 feature maps (checked by hand) |
|              | and, by number: the 5x5 binary image (top-left 4), 1-D padding, flipped   |
|              | convolution vs cross-correlation, the mean filter, output sizes, why CNNs |
|              | (10^12 / 10^8 / 10^4 weights), pooling's invariance to a shift            |
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from dlrecipes.experiments import convolution as by_number
from dlrecipes.reports.cnn import plot_feature_maps
from dlrecipes.reports.convolution import plot_padding_1d, plot_translation, plot_why_cnn

#: Test images whose one-pixel shifts measure pooling's translation invariance.
TRANSLATION_IMAGES = 200


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

    By number (:mod:`dlrecipes.experiments.convolution`), each checked against
    Keras in float64 where Keras computes the same thing:

    - the lectures' 5x5 binary image with the X kernel ``[[1,0,1],[0,1,0],[1,0,1]]``:
      a 3x3 map ``[[4,3,4],[2,4,3],[2,3,4]]``; the X kernel is symmetric, so the
      true (flipped) convolution equals the cross-correlation, while for a Sobel
      kernel they differ (by up to 8 here: the flip negates it);
    - 1-D convolution of 9 samples with a 3-tap kernel: narrow 7 (= n - k + 1),
      same 9, wide 11 (= n + k - 1) outputs, equal to ``numpy.convolve`` and to
      ``Conv1D`` given the flipped kernel;
    - the 3x3 mean filter equals ``AveragePooling2D(3, strides=1)``;
    - output sizes ``floor((n + 2p - k) / s) + 1`` against Keras' shapes;
    - why CNNs: a convolution as a dense layer with a sparse, weight-tied matrix
      (equal to ``Conv1D`` / ``Conv2D``), and one layer on a 1000x1000 image:
      10^12 weights fully connected, 10^8 locally connected (10x10 windows),
      10^4 shared (100 filters of 10x10);
    - pooling's invariance: how much a one-pixel shift of test digits changes the
      ReLU conv maps, their 2x2 average / max pooled maps and their global maxima.

    Writes:
        ``plots/conv_demo.png`` (image, filters, maps annotated with their values,
        max-pooled maps), ``plots/conv_demo_digit.png`` (a real digit and its two
        maps), ``feature_maps.json`` (every array above as nested lists), and for
        the by-number part ``plots/conv_by_number.png``, ``conv_1d_padding.png``,
        ``conv_mean_filter.png``, ``why_cnn.png``, ``conv_translation.png`` and
        ``by_number.json``.

    Reads ``model.options`` (the builder's options; ``input_shape`` is set here).

    Returns:
        ``max_abs_error`` (the largest |Keras - by hand| over every check, the
        expect metric), the top-left value and the maximum of each map, the
        digit's label, and the by-number results (``binary_map_top_left``,
        ``conv1d_lengths``, the three 1000x1000 parameter counts, the
        ``shift_change_*`` relative changes).
    """
    from dlrecipes import data as data_sources
    from dlrecipes import models

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

    numbers, errors = {}, [max_abs_error]
    for step in (_binary_image_step, _padding_1d_step, _why_cnn_step):
        metrics, error = step(plots)
        numbers.update(metrics)
        errors.append(error)
    metrics, error = _mean_filter_step(digit, plots)
    numbers.update(metrics)
    errors.append(error)
    metrics, error = _output_size_step()
    numbers.update(metrics)
    errors.append(error)
    numbers.update(_translation_step(x[:TRANSLATION_IMAGES, :, :, 0], filters, plots))
    (Path(run_dir) / "by_number.json").write_text(json.dumps(numbers, indent=1))

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
    changes = numbers["translation_change"]
    return {
        "max_abs_error": float(max(errors)),
        "map_1_top_left": float(by_hand[0, 0, 0]),
        "binary_map_top_left": numbers["binary_map_top_left"],
        "sobel_flip_difference": numbers["sobel_flip_difference"],
        "conv1d_lengths": [numbers[f"conv1d_{m}_length"] for m in by_number.PADDINGS_1D],
        "fully_connected_1000x1000": numbers["why_cnn_parameters"]["fully connected"],
        "locally_connected_1000x1000": numbers["why_cnn_parameters"]["locally connected"],
        "shared_1000x1000": numbers["why_cnn_parameters"]["convolutional (shared)"],
        "shift_change_conv": changes["conv + ReLU"],
        "shift_change_max_pool": changes["2x2 max pool"],
        "shift_change_global_max_pool": changes["global max pool"],
        "map_1_max": float(by_hand[:, :, 0].max()),
        "map_2_max": float(by_hand[:, :, 1].max()),
        "digit_label": label,
    }


# --------------------------------------------------------------------------- by number
# Each step computes a lecture result by hand, checks it against Keras where Keras
# computes the same thing, draws one figure and returns (metrics, max |Keras - hand|).


def _keras_conv(inputs: np.ndarray, kernel: np.ndarray, rank: int, **options) -> np.ndarray:
    """One-filter ``Conv1D`` / ``Conv2D`` (no bias) holding ``kernel``, applied to ``inputs``.

    ``inputs`` is ``(batch, n)`` or ``(batch, h, w)``; returns the same layout.
    """
    import keras

    layer_class = keras.layers.Conv1D if rank == 1 else keras.layers.Conv2D
    layer = layer_class(1, kernel.shape, use_bias=False, dtype="float64", **options)
    layer.build((None, *inputs.shape[1:], 1))
    layer.set_weights([kernel.reshape(*kernel.shape, 1, 1)])
    return np.asarray(layer(inputs[..., None].astype("float64")))[..., 0]


def _binary_image_step(plots: Path) -> tuple[dict, float]:
    """The 5x5 binary image with the X kernel (map top-left 4); flipped vs not."""
    image = np.array(by_number.BINARY_IMAGE, dtype="float64")  # (5, 5)
    kernel = np.array(by_number.X_KERNEL, dtype="float64")  # (3, 3)
    by_hand = cross_correlate(image, kernel)  # (3, 3)
    by_keras = _keras_conv(image[None], kernel, rank=2)[0]
    # An asymmetric kernel (Sobel, x-derivative): convolution = correlation with rot180(K).
    sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype="float64")
    true_convolution = by_number.convolve2d(image, sobel)
    flipped_keras = _keras_conv(image[None], np.rot90(sobel, 2), rank=2)[0]
    error = max(np.abs(by_keras - by_hand).max(), np.abs(flipped_keras - true_convolution).max())
    plot_feature_maps(
        {
            "image": image,
            "kernels": np.stack([kernel, sobel], axis=-1),
            "correlation": np.stack([by_hand, cross_correlate(image, sobel)], axis=-1),
            "convolution": np.stack([by_number.convolve2d(image, kernel), true_convolution], -1),
        },
        plots / "conv_by_number.png",
        title="5x5 image, X kernel (symmetric: conv = corr) and Sobel (flipped: conv = -corr)",
        annotate=True,
    )
    return {
        "binary_map": by_hand.tolist(),
        "binary_map_top_left": float(by_hand[0, 0]),
        "x_kernel_flip_difference": float(
            np.abs(by_number.convolve2d(image, kernel) - by_hand).max()
        ),
        "sobel_flip_difference": float(
            np.abs(true_convolution - cross_correlate(image, sobel)).max()
        ),
    }, float(error)


def _padding_1d_step(plots: Path) -> tuple[dict, float]:
    """1-D narrow / same / wide convolution by hand vs NumPy and Keras (flipped kernel)."""
    import keras

    signal = np.array([0, 1, 2, 3, 3, 3, 2, 1, 0], dtype="float64")  # n = 9
    kernel = np.array([1, 0, -1], dtype="float64")  # k = 3: a central difference
    outputs = {mode: by_number.convolve1d(signal, kernel, mode) for mode in by_number.PADDINGS_1D}
    errors = [np.abs(outputs[m] - np.convolve(signal, kernel, m)).max() for m in outputs]
    # Keras cross-correlates: give it the flipped kernel; "full" is valid after k - 1 zeros.
    flipped = kernel[::-1]
    errors.append(np.abs(_keras_conv(signal[None], flipped, 1)[0] - outputs["valid"]).max())
    same = _keras_conv(signal[None], flipped, 1, padding="same")[0]
    errors.append(np.abs(same - outputs["same"]).max())
    padded = np.asarray(keras.layers.ZeroPadding1D(len(kernel) - 1)(signal[None, :, None]))
    # (1, n + 2 (k - 1), 1)
    errors.append(np.abs(_keras_conv(padded[..., 0], flipped, 1)[0] - outputs["full"]).max())
    plot_padding_1d(signal, kernel, outputs, plots / "conv_1d_padding.png")
    metrics = {f"conv1d_{mode}_length": len(values) for mode, values in outputs.items()}
    metrics.update({f"conv1d_{mode}": values.tolist() for mode, values in outputs.items()})
    return metrics, float(max(errors))


def _mean_filter_step(digit: np.ndarray, plots: Path) -> tuple[dict, float]:
    """The 3x3 mean filter by hand equals ``AveragePooling2D(3, strides=1)``."""
    import keras

    by_hand = cross_correlate(digit, np.full((3, 3), 1 / 9))
    pool = keras.layers.AveragePooling2D(3, strides=1, dtype="float64")
    pooled = pool(digit[None, :, :, None].astype("float64"))
    error = float(np.abs(np.asarray(pooled)[0, :, :, 0] - by_hand).max())
    plot_feature_maps(
        {"digit": digit, "3x3 mean": by_hand},
        plots / "conv_mean_filter.png",
        title="the mean filter (every weight 1/9) blurs: each value is its window's average",
    )
    return {"mean_filter_max": float(by_hand.max())}, error


#: (n, k, stride, padding) cases of the output-size formula, with where they come from.
OUTPUT_SIZE_CASES = (
    (32, 5, 1, 0),  # LeNet-5 C1: 28
    (28, 2, 2, 0),  # LeNet-5 S2: 14
    (8, 3, 1, 1),  # "same" padding for k = 3: 8
    (7, 3, 2, 1),  # stride 2 with padding 1: 4
    (227, 11, 4, 0),  # AlexNet's first layer: 55
    (6, 3, 3, 0),  # the conv_demo image with stride 3: 2
)


def _output_size_step() -> tuple[dict, float]:
    """``floor((n + 2p - k) / s) + 1`` against the shapes Keras computes (nothing allocated)."""
    import keras

    table, mismatches = [], 0
    for n, k, stride, padding in OUTPUT_SIZE_CASES:
        formula = by_number.output_size(n, k, stride, padding)
        shape = keras.layers.ZeroPadding2D(padding).compute_output_shape((None, n, n, 1))
        shape = keras.layers.Conv2D(1, k, strides=stride).compute_output_shape(shape)
        mismatches += int(shape[1] != formula)
        table.append({"n": n, "k": k, "stride": stride, "padding": padding, "output": formula})
    return {"output_sizes": table, "output_size_mismatches": mismatches}, float(mismatches)


def _why_cnn_step(plots: Path) -> tuple[dict, float]:
    """A convolution as a sparse, weight-tied dense layer (== Conv1D / Conv2D), then 1000x1000."""
    import keras

    rng = np.random.default_rng(0)
    errors = []
    for input_shape, kernel_shape in (((10,), (3,)), ((6, 7), (3, 3))):
        kernel = rng.normal(size=kernel_shape)
        x = rng.normal(size=(4, *input_shape))
        matrix = by_number.convolution_matrix(kernel, input_shape)
        as_dense = x.reshape(4, -1) @ matrix.T  # (4, outputs)
        by_keras = _keras_conv(x, kernel, rank=len(input_shape)).reshape(4, -1)
        errors.append(np.abs(as_dense - by_keras).max())
    # Small case, counted three ways: a 4x4 image, a 3x3 kernel, 2x2 = 4 outputs.
    kernel = np.arange(1.0, 10.0).reshape(3, 3)
    matrix = by_number.convolution_matrix(kernel, (4, 4))  # (4, 16)
    dense = keras.layers.Dense(matrix.shape[0], use_bias=False)
    dense.build((None, matrix.shape[1]))
    conv = keras.layers.Conv2D(1, 3, use_bias=False)
    conv.build((None, 4, 4, 1))
    small = {
        "fully_connected": dense.count_params(),  # = matrix.size
        "locally_connected": int(np.count_nonzero(matrix)),
        "shared": conv.count_params(),  # = distinct values
    }
    consistent = small["fully_connected"] == matrix.size and small["shared"] == len(
        np.unique(matrix[matrix != 0])
    )
    rows = by_number.why_cnn_parameters()
    plot_why_cnn(
        rows,
        by_number.convolution_matrix(kernel, (5, 5)),
        plots / "why_cnn.png",
        title="3x3 kernel (1..9) on a 5x5 image as a dense layer",
    )
    return {
        "why_cnn_parameters": {row["layer"]: row["parameters"] for row in rows},
        "why_cnn_small_4x4": small,
        "conv_as_matrix_error": float(max(errors)),
    }, float(max(errors)) + (0.0 if consistent else 1.0)


def _translation_step(images: np.ndarray, filters: list, plots: Path) -> dict:
    """Relative change of ReLU conv maps, and of their pooled maps, under a one-pixel shift."""

    def represent(batch):
        maps = np.stack(
            [np.stack([cross_correlate(im, f) for f in filters], -1) for im in batch]
        )  # (n, h - 2, w - 2, filters)
        maps = np.maximum(maps, 0.0)
        n, h, w, c = maps.shape
        blocks = maps[:, : h // 2 * 2, : w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c)
        return {
            "conv + ReLU": maps,
            "2x2 average pool": blocks.mean(axis=(2, 4)),
            "2x2 max pool": blocks.max(axis=(2, 4)),
            "global max pool": maps.max(axis=(1, 2)),
        }

    before = represent(images)
    changes = {}
    for axis in (1, 2):  # down and right
        after = represent(by_number.shift(images, 1, axis=axis))
        for name in before:
            changes[name] = changes.get(name, 0.0) + 0.5 * by_number.relative_change(
                before[name], after[name]
            )
    plot_translation(
        changes,
        plots / "conv_translation.png",
        title=f"{len(images)} digits shifted by one pixel (mean of down and right):\n"
        "relative change of each representation (the two lecture filters)",
    )
    return {"translation_change": changes}
