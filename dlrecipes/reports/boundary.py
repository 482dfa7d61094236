"""Decision boundaries in the plane: where a classifier of 2-D inputs changes its mind.

:func:`draw_boundary` shades a prediction over a grid around the points and
draws the level set ``prediction = boundary`` (``p = 0.5`` for a sigmoid
output, ``score = 0`` for a perceptron's sign); the points go on top. The
``decision_boundary`` report (:func:`decision_boundary`) draws a trained
model's boundary with the test points: for logistic regression,
``p(y = 1 | x) = sigmoid(w . x + b)``, the boundary is the line ``w . x + b = 0``.

Reference: Bishop, *Pattern Recognition and Machine Learning*, section 4.3.2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.reports.model_parts import weight_layers
from dlrecipes.spec import RecipeError

#: Grid points per axis of the shaded plane (200 x 200 predictions).
GRID_SIZE = 200
#: Margin around the points, in input units, on every side of the shaded plane.
GRID_MARGIN = 0.3
_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*")


def draw_boundary(
    axis,
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    title: str,
    levels=20,
    boundary: float | None = 0.5,
) -> None:
    """Filled contours of ``predict`` on a grid around ``x``, the line ``predict = boundary``,
    and the points on top, one marker per class.

    Args:
        axis: a matplotlib axis to draw on.
        predict: ``(n, 2) float32 grid points -> (n,)`` values (a probability, a score
            or a class index).
        x: ``(N, 2)`` points; y: their ``(N,)`` integer labels.
        title: the axis title.
        levels: contour levels (a count or a list of values).
        boundary: the level drawn as a black line, or ``None`` for none (class indices).
    """
    low, high = x.min(axis=0) - GRID_MARGIN, x.max(axis=0) + GRID_MARGIN
    grid_x, grid_y = np.meshgrid(
        np.linspace(low[0], high[0], GRID_SIZE), np.linspace(low[1], high[1], GRID_SIZE)
    )
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype("float32")  # (40000, 2)
    values = np.asarray(predict(grid)).reshape(grid_x.shape)
    if values.max() > values.min():  # a constant prediction (w = 0) has no regions to shade
        axis.contourf(grid_x, grid_y, values, levels=levels, cmap="RdBu_r", alpha=0.35)
    if boundary is not None and values.min() < boundary < values.max():
        axis.contour(grid_x, grid_y, values, levels=[boundary], colors="k")
    labels = np.unique(y)
    colors = ["tab:blue", "tab:red"] if len(labels) == 2 else [None] * len(labels)
    for label, marker, color in zip(labels, _MARKERS, colors):
        points = x[y == label]
        axis.scatter(
            points[:, 0],
            points[:, 1],
            s=14,
            marker=marker,
            c=color,
            edgecolors="k",
            linewidths=0.3,
            label=f"class {label}",
        )
    axis.set_title(title)
    axis.set_xlabel("$x_1$")
    axis.set_ylabel("$x_2$")
    axis.legend(fontsize=8, loc="best")


def decision_boundary(model, splits, recipe, run_dir: Path) -> dict[str, float]:
    """Report ``decision_boundary``: a classifier over the plane, ``plots/decision_boundary.png``.

    Shades the predicted probability of class 1 (one sigmoid output) or the
    predicted class (softmax), draws the boundary ``p = 0.5`` and the test points;
    the title gives the test accuracy (threshold 0.5, or argmax).

    Returns:
        For one sigmoid unit on raw inputs (no ``data.standardize``), the boundary
        ``w1 x1 + w2 x2 + b = 0``: ``{"w1": ..., "w2": ..., "b": ...}``; else ``{}``.

    Raises:
        RecipeError: the data are not 2-D inputs with classes.
    """
    if splits.task != "classification" or tuple(splits.input_shape) != (2,):
        raise RecipeError(
            f"report 'decision_boundary' needs 2-D inputs and classes. Received: {splits.summary()}"
        )
    binary = int(np.prod(model.output_shape[1:])) == 1

    def prediction(points):
        outputs = model.predict(points, batch_size=8192, verbose=0)
        return outputs.ravel() if binary else outputs.argmax(axis=-1)

    outputs = prediction(splits.x_test)
    predicted = (outputs > 0.5).astype("int32") if binary else outputs
    accuracy = float(np.mean(predicted == np.asarray(splits.y_test).reshape(-1)))
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(5.5, 4.5))
    draw_boundary(
        axis,
        prediction,
        splits.x_test,
        splits.y_test,
        f"{recipe.name}: test accuracy {accuracy:.3f}",
        levels=np.linspace(0, 1, 11).tolist() if binary else splits.num_classes,
        boundary=0.5 if binary else None,
    )
    save(fig, plots_dir(run_dir) / "decision_boundary.png")
    out = {}
    layers = weight_layers(model)
    if binary and len(layers) == 1 and not recipe.data.standardize:
        kernel, bias = layers[0].get_weights()
        out["w1"], out["w2"], out["b"] = float(kernel[0, 0]), float(kernel[1, 0]), float(bias[0])
    return out
