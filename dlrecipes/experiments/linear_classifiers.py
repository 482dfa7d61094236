"""Linear classifiers side by side: hinge vs logistic loss, one-vs-rest and one-vs-one vs softmax.

Binary (classes 0 and 1 of the data): two linear scores ``f(x) = w . x + b`` trained by
gradient descent on the same points,

- a **linear SVM**: the hinge loss ``max(0, 1 - y f(x))`` with ``y in {-1, +1}`` plus
  ``(lambda / 2) ||w||^2`` (Cortes & Vapnik 1995, primal form); only the points inside
  the margin ``y f(x) < 1`` (the support vectors) pull on ``w``;
- **logistic regression**: ``-log sigmoid(y f(x))``, which every point pulls on.

Multi-class, C classes (Bishop, PRML section 4.1.2, Fig. 4.2):

- **one-vs-rest**: C binary classifiers ``f_c`` (class c against all others); the sign
  rule "x is c when only f_c > 0" leaves regions where no or several classifiers claim
  x (ambiguous); the argmax of the scores resolves them. The C logistic regressions are
  one ``Dense(C, sigmoid)`` layer trained with the binary cross-entropy on one-hot
  targets: the C losses share no parameter, so this is C independent fits;
- **one-vs-one**: C (C - 1) / 2 classifiers, one per pair, each trained on its pair's
  points only, and a vote; where the votes tie (each class one vote, for C = 3) the
  point is ambiguous; the summed confidence breaks the tie;
- **softmax regression**: ``argmax_k (W x + b)_k``, one model, no ambiguous region.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np

from dlrecipes.experiments.foundations import _load, _options, _verbose
from dlrecipes.reports.boundary import GRID_MARGIN
from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.spec import RecipeError


def _linear(num_outputs: int, activation: str, l2: float = 0.0):
    import keras

    regularizer = keras.regularizers.L2(l2 / 2) if l2 else None  # (lambda/2)||w||^2
    model = keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(
                num_outputs, activation=activation, kernel_regularizer=regularizer, name="linear"
            ),
        ]
    )
    return model


def _train(recipe, splits, model, x, y, loss: str):
    """Fit ``model`` on all of ``(x, y)`` with ``recipe.train`` and ``loss`` (no validation;
    ``splits`` is the template whose arrays are replaced)."""
    from dlrecipes.training import compile_model, fit

    train = dataclasses.replace(recipe.train, loss=loss, metrics=(), early_stopping_patience=0)
    compile_model(model, train, len(x))
    data = dataclasses.replace(
        splits, x_train=x, y_train=y, x_val=x[:0], y_val=y[:0], x_test=x[:0], y_test=y[:0]
    )
    fit(model, data, train, None, verbose=_verbose(recipe))
    return model


def _affine(model) -> tuple[np.ndarray, np.ndarray]:
    kernel, bias = model.get_layer("linear").get_weights()
    return kernel.astype("float64"), bias.astype("float64")  # (2, K), (K,)


def _grid(x, size: int = 300):
    low, high = x.min(axis=0) - GRID_MARGIN, x.max(axis=0) + GRID_MARGIN
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], size), np.linspace(low[1], high[1], size))
    return gx, gy, np.stack([gx.ravel(), gy.ravel()], axis=1)  # (size^2, 2)


def _line(axis, w, b, x, **style):
    """Draw ``w . x + b = 0`` across the points' range."""
    xs = np.linspace(x[:, 0].min() - GRID_MARGIN, x[:, 0].max() + GRID_MARGIN, 2)
    if abs(w[1]) > 1e-12:
        axis.plot(xs, -(w[0] * xs + b) / w[1], **style)
    else:
        axis.axvline(-b / w[0], **style)


def _binary(recipe, splits, options, axis) -> dict[str, float]:
    keep_train, keep_test = splits.y_train < 2, splits.y_test < 2
    x, y = splits.x_train[keep_train], splits.y_train[keep_train]
    x_test, y_test = splits.x_test[keep_test], splits.y_test[keep_test]
    y_pm = (2.0 * y - 1.0).astype("float32")[:, None]  # {0, 1} -> {-1, +1}
    svm = _train(recipe, splits, _linear(1, "linear", options["svm_l2"]), x, y_pm, "hinge")
    logistic = _train(
        recipe,
        splits,
        _linear(1, "sigmoid"),
        x,
        y.astype("float32")[:, None],
        "binary_crossentropy",
    )
    (w_svm, b_svm), (w_log, b_log) = _affine(svm), _affine(logistic)
    w_svm, b_svm, w_log, b_log = w_svm[:, 0], b_svm[0], w_log[:, 0], b_log[0]
    margins = y_pm[:, 0] * (x @ w_svm + b_svm)  # y f(x)
    support = margins < 1

    def accuracy(w, b):
        return float(np.mean((x_test @ w + b > 0) == (y_test == 1)))

    cosine = w_svm @ w_log / (np.linalg.norm(w_svm) * np.linalg.norm(w_log))
    for label, marker in ((0, "o"), (1, "s")):
        chosen = y == label
        axis.scatter(*x[chosen].T, marker=marker, s=14, alpha=0.6, label=f"class {label}")
    axis.scatter(*x[support].T, s=60, facecolors="none", edgecolors="k", label="y f(x) < 1 (SVM)")
    _line(axis, w_svm, b_svm, x, color="C3", lw=2, label="linear SVM (hinge)")
    for offset in (-1, 1):
        _line(axis, w_svm, b_svm - offset, x, color="C3", lw=0.8, ls="--")
    _line(axis, w_log, b_log, x, color="C2", lw=2, label="logistic regression")
    axis.set_title("Hinge vs logistic loss: both boundaries (dashed: SVM margins f = +-1)")
    axis.legend(fontsize=7)
    low, high = x.min(axis=0) - GRID_MARGIN, x.max(axis=0) + GRID_MARGIN
    axis.set_xlim(low[0], high[0])
    axis.set_ylim(low[1], high[1])
    return {
        "svm_test_accuracy": accuracy(w_svm, b_svm),
        "logistic_test_accuracy": accuracy(w_log, b_log),
        "svm_margin_width": float(2 / np.linalg.norm(w_svm)),
        "svm_support_fraction": float(np.mean(support)),
        "svm_hinge_loss": float(np.mean(np.maximum(0, 1 - margins))),
        "boundary_angle_degrees": float(np.degrees(np.arccos(np.clip(cosine, -1, 1)))),
    }


def one_vs_rest_regions(scores: np.ndarray) -> np.ndarray:
    """The sign rule of C one-vs-rest scores ``(N, C)`` (> 0 claims the point): the class
    when exactly one classifier claims x, else -1 (ambiguous: none or several)."""
    claims = scores > 0
    return np.where(claims.sum(axis=1) == 1, claims.argmax(axis=1), -1)


def one_vs_one_votes(pair_scores: dict[tuple[int, int], np.ndarray], num_classes: int):
    """Votes ``(N, C)`` of the pairwise classifiers (score > 0 votes for the pair's second
    class) and the summed confidences that break ties."""
    n = len(next(iter(pair_scores.values())))
    votes, confidence = np.zeros((n, num_classes)), np.zeros((n, num_classes))
    for (i, j), score in pair_scores.items():
        votes[:, j] += score > 0
        votes[:, i] += score <= 0
        confidence[:, j] += score
        confidence[:, i] -= score
    return votes, confidence


def one_vs_one_regions(votes: np.ndarray) -> np.ndarray:
    """The class with most votes, or -1 where the largest vote count is shared (a tie)."""
    top = votes.max(axis=1, keepdims=True)
    return np.where((votes == top).sum(axis=1) == 1, votes.argmax(axis=1), -1)


def _multiclass(recipe, splits, axes) -> dict[str, float]:
    num_classes = splits.num_classes
    x, y, x_test, y_test = splits.x_train, splits.y_train, splits.x_test, splits.y_test
    eye = np.eye(num_classes, dtype="float32")
    ovr = _train(recipe, splits, _linear(num_classes, "sigmoid"), x, eye[y], "binary_crossentropy")
    w_ovr, b_ovr = _affine(ovr)
    pairs = list(itertools.combinations(range(num_classes), 2))
    ovo = {}
    for i, j in pairs:
        chosen = (y == i) | (y == j)
        target = (y[chosen] == j).astype("float32")[:, None]
        ovo[i, j] = _affine(
            _train(recipe, splits, _linear(1, "sigmoid"), x[chosen], target, "binary_crossentropy")
        )
    softmax = _train(
        recipe, splits, _linear(num_classes, "softmax"), x, y, "sparse_categorical_crossentropy"
    )
    w_soft, b_soft = _affine(softmax)

    def predict(points):
        ovr_scores = points @ w_ovr + b_ovr
        pair_scores = {p: (points @ w + b)[:, 0] for p, (w, b) in ovo.items()}
        votes, confidence = one_vs_one_votes(pair_scores, num_classes)
        ovo_choice = np.argmax(votes + 1e-6 * np.tanh(confidence), axis=1)
        return {
            "one_vs_rest": (one_vs_rest_regions(ovr_scores), ovr_scores.argmax(axis=1)),
            "one_vs_one": (one_vs_one_regions(votes), ovo_choice),
            "softmax": ((points @ w_soft + b_soft).argmax(axis=1),) * 2,
        }

    gx, gy, grid = _grid(x)
    on_grid, on_test = predict(grid), predict(x_test)
    out = {}
    titles = {
        "one_vs_rest": f"one-vs-rest: {num_classes} classifiers",
        "one_vs_one": f"one-vs-one: {len(pairs)} classifiers, vote",
        "softmax": "softmax regression: argmax",
    }
    for axis, (name, (regions, _)) in zip(axes, on_grid.items()):
        ambiguous = float(np.mean(regions == -1))
        out[f"{name}_ambiguous_fraction"] = ambiguous
        out[f"{name}_test_accuracy"] = float(np.mean(on_test[name][1] == y_test))
        shown = np.ma.masked_equal(regions.reshape(gx.shape), -1)
        colors = [f"C{k}" for k in range(num_classes)]
        axis.contourf(gx, gy, shown, levels=np.arange(-0.5, num_classes), colors=colors, alpha=0.3)
        axis.contourf(
            gx,
            gy,
            (regions == -1).reshape(gx.shape).astype(float),
            levels=[0.5, 1.5],
            colors="0.4",
            alpha=0.6,
            hatches=["//"],
        )
        for label in range(num_classes):
            chosen = y_test == label
            axis.scatter(*x_test[chosen].T, s=10, color=f"C{label}", marker="os^vD"[label % 5])
        axis.set_title(f"{titles[name]}\nambiguous (grey): {100 * ambiguous:.1f}% of the plane")
    out["one_vs_rest_classifiers"] = num_classes
    out["one_vs_one_classifiers"] = len(pairs)
    return out


def linear_classifiers(recipe, run_dir) -> dict[str, Any]:
    """Hinge vs logistic loss (binary) and one-vs-rest / one-vs-one / softmax (multi-class).

    Every model is a linear map of the 2-D input trained with ``recipe.train``
    (optimizer, learning rate, epochs, batch size) on the training split; accuracies are
    on the test split. ``model.options``: ``svm_l2`` (lambda of the SVM's
    ``(lambda / 2) ||w||^2``, default 0.01).

    Plots: ``plots/hinge_vs_logistic.png``, ``plots/multiclass_linear.png``.

    Returns:
        ``svm_test_accuracy``, ``logistic_test_accuracy``, ``boundary_angle_degrees``,
        ``svm_margin_width``, ``svm_support_fraction``; ``<method>_test_accuracy`` and
        ``<method>_ambiguous_fraction`` for one_vs_rest, one_vs_one and softmax.
    """
    options = _options(recipe, {"svm_l2": 0.01})
    splits = _load(recipe)
    if splits.task != "classification" or splits.input_shape != (2,) or splits.num_classes < 3:
        raise RecipeError(
            "linear_classifiers needs 2-D points of at least 3 classes (e.g. blobs). "
            f"Received: {splits.summary()}"
        )
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6.5, 5))
    metrics = _binary(recipe, splits, options, axis)
    save(fig, plots_dir(run_dir) / "hinge_vs_logistic.png")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    metrics.update(_multiclass(recipe, splits, axes))
    save(fig, plots_dir(run_dir) / "multiclass_linear.png")
    return metrics
