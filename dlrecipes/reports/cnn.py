"""CNN reports: the learned first-layer filters and the feature maps of one input.

Two reports a CNN recipe asks for with ``reports=("filters", "feature_maps")``;
both follow the report contract of :mod:`dlrecipes.reports`,
``(model, splits, recipe, run_dir) -> dict``, and write a PNG under
``run_dir / "plots"``:

- ``filters`` -> ``plots/filters.png``: the kernels of the first convolution
  (LeNet-5's C1: six 5x5 filters), one panel per filter, on a diverging colour
  scale centred on zero (red excites, blue inhibits).
- ``feature_maps`` -> ``plots/feature_maps.png``: one test image and its maps
  after every convolution and subsampling / pooling layer, in order. For
  LeNet-5: ``input (32,32) -> C1 (28,28,6) -> S2 (14,14,6) -> C3 (10,10,16)
  -> S4 (5,5,16) -> C5 (1,1,120)``; a layer with 1x1 maps is drawn as one strip
  of its values.

The runner wraps the builder's model in an outer Functional model when the
recipe standardises or augments its inputs (``Input -> RandomTranslation ->
RandomRotation -> Normalization -> builder's model``). The reports look inside:
:func:`base_model` finds the builder's model, and :func:`base_inputs` runs the
wrapper's preprocessing in inference mode (augmentation off), so the maps are
those of the image the network really sees.

Reference: M. D. Zeiler and R. Fergus, "Visualizing and understanding
convolutional networks", ECCV 2014 (looking at filters and feature maps);
LeCun et al. 1998, Fig. 2 (LeNet-5's maps).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.reports.model_parts import base_inputs, base_model

# Keras and the library's layers are imported inside the functions: the report
# registry imports nothing heavy, so a recipe check does not import Keras.

#: At most this many maps (or filters) are drawn per layer; the rest are counted in the title.
MAX_MAPS_PER_ROW = 16


# --------------------------------------------------------------------------- model access


def convolution_layers(model) -> list:
    """The layers holding convolution kernels, in order (``Conv2D``, ``ConnectionTableConv2D``)."""
    import keras

    from dlrecipes.layers.connection_table_conv2d import ConnectionTableConv2D

    return [
        layer
        for layer in base_model(model).layers
        if isinstance(layer, (keras.layers.Conv2D, ConnectionTableConv2D))
    ]


def map_layers(model) -> list:
    """Layers whose outputs are feature maps: convolutions and subsampling / pooling, in order."""
    import keras

    from dlrecipes.layers.connection_table_conv2d import ConnectionTableConv2D
    from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D

    kinds = (
        keras.layers.Conv2D,
        ConnectionTableConv2D,
        TrainableSubsampling2D,
        keras.layers.MaxPooling2D,
        keras.layers.AveragePooling2D,
    )
    return [layer for layer in base_model(model).layers if isinstance(layer, kinds)]


def feature_maps_of(model, image: np.ndarray) -> dict[str, np.ndarray]:
    """The maps of one image after every convolution and subsampling layer.

    Args:
        model: the run's model (wrapped or not).
        image: one raw input, ``(height, width, channels)``.

    Returns:
        ``{"input": (H, W, C), layer name: (h, w, maps), ...}`` in layer order;
        ``"input"`` is the image after the wrapper's preprocessing.
    """
    import keras

    base = base_model(model)
    layers = map_layers(model)
    if not layers:
        raise ValueError(
            f"model {base.name!r} has no convolution or subsampling layer to show. "
            f"Received layers: {[layer.name for layer in base.layers]}"
        )
    x = base_inputs(model, np.asarray(image, dtype="float32")[None])  # (1, H, W, C)
    probe = keras.Model(base.inputs, [layer.output for layer in layers])
    outputs = probe.predict(x, verbose=0)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    maps = {"input": x[0]}
    for layer, output in zip(layers, outputs):
        maps[layer.name] = np.asarray(output)[0]  # (h, w, maps)
    return maps


# --------------------------------------------------------------------------- drawing


def plot_filters(kernel: np.ndarray, path: str | Path, title: str = "") -> None:
    """Draw each filter of a ``(kh, kw, in_channels, filters)`` kernel as one panel.

    Multi-channel filters show their mean over input channels. Colours are
    symmetric around zero (``bwr``: red positive, blue negative) with one scale
    for all panels, so filters can be compared.
    """
    plt = pyplot()
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(
            "kernel must have shape (kernel_height, kernel_width, in_channels, filters). "
            f"Received: shape {kernel.shape}"
        )
    panels = kernel.mean(axis=2)  # (kh, kw, filters)
    count = min(panels.shape[-1], MAX_MAPS_PER_ROW)
    columns = min(count, 8)
    rows = math.ceil(count / columns)
    limit = float(np.abs(panels).max()) or 1.0
    fig, axes = plt.subplots(
        rows, columns, figsize=(1.3 * columns + 0.8, 1.4 * rows + 0.6), squeeze=False
    )
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= count:
            continue
        image = axis.imshow(panels[:, :, index], cmap="bwr", vmin=-limit, vmax=limit)
        axis.set_title(str(index + 1), fontsize=8)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    shown = "" if count == panels.shape[-1] else f" (first {count} of {panels.shape[-1]})"
    fig.suptitle((title or "learned filters") + shown, fontsize=10)
    save(fig, path, tight_layout=False)  # the colour bar spans every panel


def _mosaic(values: np.ndarray, columns: int, cell: int) -> np.ndarray:
    """Tile ``(h, w, count)`` maps into one ``(cell, columns * (cell + 1))`` image.

    Each map is scaled to [0, 1] on its own (contrast per map), enlarged by an
    integer factor with nearest-neighbour repetition so that every row of the
    figure has cells of the same size, and centred in its cell; empty space is
    NaN (drawn blank).
    """
    height, width, count = values.shape
    factor = max(1, cell // max(height, width))
    out = np.full((cell, columns * (cell + 1)), np.nan)
    for index in range(min(count, columns)):
        single = values[:, :, index].astype("float64")
        low, high = single.min(), single.max()
        single = (single - low) / (high - low) if high > low else np.zeros_like(single)
        single = np.repeat(np.repeat(single, factor, axis=0), factor, axis=1)
        top, left = (cell - single.shape[0]) // 2, (cell - single.shape[1]) // 2
        column = index * (cell + 1)
        out[top : top + single.shape[0], column + left : column + left + single.shape[1]] = single
    return out


def plot_feature_maps(
    maps: Mapping[str, np.ndarray],
    path: str | Path,
    title: str = "",
    annotate: bool = False,
) -> None:
    """One row per layer: its maps side by side (at most :data:`MAX_MAPS_PER_ROW`).

    Each row is drawn as a single image (a mosaic of its maps, each scaled to
    its own range), so a figure of LeNet-5's 46 maps takes one axis per layer.
    A layer of 1x1 maps (LeNet-5's C5) is drawn as a strip of its values.

    Args:
        maps: ``{name: (h, w, maps)}`` (or ``(h, w)``) in order, e.g. from
            :func:`feature_maps_of`.
        path: the PNG to write.
        title: the figure title.
        annotate: one panel per map with each value written in its cell (for
            tiny maps such as the lectures' 4x4 demo; raw values, shared grey scale
            per map).
    """
    plt = pyplot()
    arrays = {}
    for name, values in maps.items():
        values = np.asarray(values)
        arrays[name] = values[:, :, None] if values.ndim == 2 else values
    if not arrays:
        raise ValueError("maps must name at least one array. Received: {}")
    columns = max(min(v.shape[-1], MAX_MAPS_PER_ROW) for v in arrays.values())
    if annotate:
        _plot_annotated(plt, arrays, columns, path, title)
        return
    cell = max(max(v.shape[0], v.shape[1]) for v in arrays.values())
    fig, axes = plt.subplots(
        len(arrays), 1, figsize=(0.9 * columns + 1.8, 0.95 * len(arrays) + 0.7), squeeze=False
    )
    cmap = plt.get_cmap("gray").with_extremes(bad="white")
    for axis, (name, values) in zip(axes[:, 0], arrays.items()):
        height, width, count = values.shape
        if height == 1 and width == 1:  # e.g. LeNet-5's C5: 120 maps of 1x1, one strip
            axis.imshow(values.reshape(1, count), cmap=cmap, aspect="auto")
            axis.set_xlabel("map", fontsize=7)
            axis.tick_params(labelsize=7)
        else:
            axis.imshow(_mosaic(values, columns, cell), cmap=cmap, vmin=0, vmax=1)
            axis.set_xticks([])
        axis.set_yticks([])
        for spine in axis.spines.values():
            spine.set_visible(False)
        shown = "" if count <= MAX_MAPS_PER_ROW or height * width == 1 else f"\n(first {columns})"
        axis.set_ylabel(
            f"{name}\n{height}x{width}x{count}{shown}",
            rotation=0,
            ha="right",
            va="center",
            fontsize=8,
        )
    fig.suptitle(title or "feature maps", fontsize=10)
    save(fig, path, tight_layout=False, crop=True)


def _plot_annotated(plt, arrays: Mapping[str, np.ndarray], columns: int, path, title: str):
    fig, axes = plt.subplots(
        len(arrays),
        columns,
        figsize=(1.6 * columns + 1.4, 1.6 * len(arrays) + 0.6),
        squeeze=False,
    )
    for row, (name, values) in enumerate(arrays.items()):
        height, width, count = values.shape
        for index, axis in enumerate(axes[row]):
            axis.set_xticks([])
            axis.set_yticks([])
            if index >= count:
                axis.axis("off")
                continue
            axis.imshow(values[:, :, index], cmap="gray")
            for i in range(height):
                for j in range(width):
                    axis.text(
                        j,
                        i,
                        f"{values[i, j, index]:g}",
                        ha="center",
                        va="center",
                        color="tab:red",
                        fontsize=8,
                    )
            if index == 0:
                axis.set_ylabel(
                    f"{name}\n{height}x{width}x{count}",
                    rotation=0,
                    ha="right",
                    va="center",
                    fontsize=8,
                )
    fig.suptitle(title or "feature maps", fontsize=10)
    save(fig, path, tight_layout=False, crop=True)


# --------------------------------------------------------------------------- reports


def filters(model, splits, recipe, run_dir: Path) -> dict:
    """Report ``filters``: the first convolution's learned kernels -> ``plots/filters.png``.

    Returns:
        ``{"layer": name, "num_filters": n, "kernel_size": [kh, kw]}`` (into metrics.json).
    """
    layers = convolution_layers(model)
    if not layers:
        raise ValueError(
            f"report 'filters' needs a convolution layer; model {base_model(model).name!r} has none"
        )
    import keras

    first = layers[0]
    if hasattr(first, "connection_table"):  # ConnectionTableConv2D: one kernel per output map
        kernel = np.concatenate(
            [keras.ops.convert_to_numpy(k).mean(axis=2, keepdims=True) for k in first.kernels],
            axis=-1,
        )  # (kh, kw, 1, filters): each map's mean over the input maps it reads
    else:
        kernel = first.get_weights()[0]  # (kh, kw, in_channels, filters)
    kernel_height, kernel_width, _, count = kernel.shape
    plot_filters(
        kernel,
        plots_dir(run_dir) / "filters.png",
        title=f"{recipe.name}: {count} learned {kernel_height}x{kernel_width} filters "
        f"of {first.name}",
    )
    return {
        "layer": first.name,
        "num_filters": int(count),
        "kernel_size": [int(kernel_height), int(kernel_width)],
    }


def feature_maps(model, splits, recipe, run_dir: Path) -> dict:
    """Report ``feature_maps``: the first test image through every conv / subsampling layer.

    Writes ``plots/feature_maps.png``.

    Returns:
        ``{"example": 0, "label": y, "shapes": {layer name: [h, w, maps], ...}}``.
    """
    x = splits.x_test if len(splits.x_test) else splits.x_train
    y = splits.y_test if len(splits.x_test) else splits.y_train
    if x.ndim != 4:
        raise ValueError(
            "report 'feature_maps' needs image inputs (batch, height, width, channels). "
            f"Received: inputs of shape {x.shape} (set data.layout='image')"
        )
    maps = feature_maps_of(model, x[0])
    label = _label_name(splits, y[0])
    plot_feature_maps(
        maps,
        plots_dir(run_dir) / "feature_maps.png",
        title=f"{recipe.name}: feature maps of test example 0 (label {label})",
    )
    return {
        "example": 0,
        "label": label,
        "shapes": {name: [int(d) for d in value.shape] for name, value in maps.items()},
    }


def _label_name(splits, label) -> str:
    names: Sequence[str] = splits.class_names
    index = int(np.asarray(label).reshape(-1)[0])
    return names[index] if 0 <= index < len(names) else str(index)
