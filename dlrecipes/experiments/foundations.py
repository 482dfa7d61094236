"""Experiments of the Foundations lectures (``task = "custom"`` recipes).

Each function has the signature ``(recipe, run_dir) -> dict`` of flat metrics,
writes its slide-ready plots under ``run_dir / "plots"`` and, when it trains a
Keras model, goes through the library's own steps (``data.load`` ->
``runner.build_model`` -> ``training.compile_model`` -> ``training.fit``), so
``history.csv`` lands in ``run_dir`` like in a supervised run.

Two optional files feed ``python -m recipes compare`` (:mod:`dlrecipes.compare`):

- ``history.csv``: per-epoch curves, overlaid across variants;
- ``series.json``: other named curves, e.g. the gradient norm of each layer at
  initialisation, ``{"name": {"values": [...], "xlabel": ..., "ylabel": ...,
  "log_y": bool}}``, overlaid across variants too.

Experiment-specific settings live in ``model.options`` next to the builder's own
options (e.g. ``widths`` for the universality sweep); each function's docstring
lists the ones it reads.

| experiment               | lecture result it shows                                           |
|--------------------------|-------------------------------------------------------------------|
| ``perceptron``           | Novikoff's mistake bound on separable data; no convergence on XOR |
| ``linear_regression``    | gradient descent reaches the least-squares solution              |
| ``decision_boundary``    | a classifier's boundary in the plane (logistic regression)       |
| ``backprop``             | NumPy backprop == Keras autodiff == finite differences           |
| ``universal_approximation`` | one hidden layer: error falls as the width grows              |
| ``deep_vs_wide``         | L x n against 1 x N at equal parameter count (Seide et al. 2011) |
| ``activations``          | gradient norms per layer at initialisation; final accuracy      |
| ``initializers``         | activation scale per layer; all-zero init never breaks symmetry  |
| ``losses``               | square error vs cross-entropy vs hinge with the same network     |
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.recipe import RecipeError

# --------------------------------------------------------------------------- helpers


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)


def _plots_dir(run_dir: Path) -> Path:
    path = Path(run_dir) / "plots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _options(recipe, allowed: dict[str, Any]) -> dict[str, Any]:
    """``model.options`` restricted to ``allowed`` (name -> default); unknown keys are errors."""
    options = dict(recipe.model.options)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise RecipeError(
            f"experiment {recipe.experiment!r} has no model option {unknown[0]!r}. "
            f"Expected one of: {', '.join(allowed)}"
        )
    return {**allowed, **options}


def _load(recipe):
    from dlrecipes import data

    return data.load(recipe.data, seed=recipe.seed)


def _merge_validation(splits):
    """The validation examples join the training set (for methods with nothing to tune)."""
    return dataclasses.replace(
        splits,
        x_train=np.concatenate([splits.x_train, splits.x_val]),
        y_train=np.concatenate([splits.y_train, splits.y_val]),
        x_val=splits.x_train[:0],
        y_val=splits.y_train[:0],
    )


def _write_series(run_dir: Path, series: dict[str, dict]) -> None:
    """Named non-epoch curves for ``compare`` (see the module docstring)."""
    (Path(run_dir) / "series.json").write_text(json.dumps(series, indent=2))


def _write_history(run_dir: Path, history: dict[str, list[float]]) -> None:
    """A ``history.csv`` like Keras' ``CSVLogger`` writes, for hand-written training loops."""
    names = list(history)
    with (Path(run_dir) / "history.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", *names])
        for epoch, values in enumerate(zip(*(history[n] for n in names))):
            writer.writerow([epoch, *values])


def _verbose(recipe) -> int | str:
    return recipe.train.verbose if recipe.train.verbose == "auto" else int(recipe.train.verbose)


def _logging_callbacks(recipe, run_dir) -> list:
    """``history.csv`` (and TensorBoard logs when ``train.tensorboard``) in ``run_dir``.

    Experiments call :func:`dlrecipes.training.fit` without a run directory, which
    leaves out ``BackupAndRestore``: an experiment is not resumable, and saving a
    checkpoint every epoch would dominate runs of many short epochs.
    """
    import keras

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    callbacks = [keras.callbacks.CSVLogger(str(run_dir / "history.csv"))]
    if recipe.train.tensorboard:
        callbacks.append(
            keras.callbacks.TensorBoard(
                str(run_dir / "tensorboard"), write_graph=False, profile_batch=0
            )
        )
    return callbacks


def _fit(recipe, run_dir, model, splits, callbacks=(), compiled: bool = False):
    """Compile (optimizer, schedule, loss, metrics, XLA from ``recipe.train``) unless
    ``compiled``, and fit; writes ``history.csv`` and ``plots/learning_curves.png``."""
    from dlrecipes import plots
    from dlrecipes.training import compile_model, fit

    if not compiled:
        compile_model(model, recipe.train, len(splits.x_train))
    result = fit(
        model,
        splits,
        recipe.train,
        None,
        verbose=_verbose(recipe),
        callbacks=[*_logging_callbacks(recipe, run_dir), *callbacks],
    )
    plots.learning_curves(
        result.history, _plots_dir(run_dir) / "learning_curves.png", title=recipe.name
    )
    return result


def _evaluate_splits(model, splits, names=("train", "val", "test")) -> dict[str, float]:
    """``model.evaluate`` in inference mode (no dropout, no augmentation) on each split:
    ``{"train_loss", "train_accuracy", ..., "gap", "loss_gap"}``; ``gap`` = train -
    validation accuracy, ``loss_gap`` = validation - training loss."""
    out = {}
    for split in names:
        x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
        if len(x) == 0:
            continue
        values = model.evaluate(x, y, batch_size=256, verbose=0, return_dict=True)
        out.update({f"{split}_{k}": float(v) for k, v in values.items()})
    if "train_accuracy" in out and "val_accuracy" in out:
        out["gap"] = out["train_accuracy"] - out["val_accuracy"]
    if "train_loss" in out and "val_loss" in out:
        out["loss_gap"] = out["val_loss"] - out["train_loss"]
    return out


def _classification(model, x, y, class_names, loss: str, run_dir, title: str) -> dict[str, float]:
    """Accuracy, per-class precision / recall / F1 (flat), confusion matrix plot and
    ``classification.json`` on the test split."""
    from dlrecipes import plots
    from dlrecipes.runner import classification_report, predicted_classes

    outputs = model.predict(x, batch_size=256, verbose=0)
    report = classification_report(y, predicted_classes(outputs, loss), class_names)
    (Path(run_dir) / "classification.json").write_text(json.dumps(report, indent=2))
    plots.confusion_matrix(
        np.array(report["confusion_matrix"]),
        class_names,
        _plots_dir(run_dir) / "confusion_matrix.png",
        title=f"{title}: confusion matrix (test)",
    )
    flat = {"test_accuracy": report["accuracy"]}
    f1 = []
    for name, scores in report["per_class"].items():
        for key in ("precision", "recall", "f1"):
            flat[f"{key}_{name}"] = scores[key]
        f1.append(scores["f1"])
    flat["macro_f1"] = float(np.mean(f1))
    return flat


def _fit_and_score(recipe, run_dir, model, splits) -> dict[str, float]:
    """Train a classifier, then its loss and metrics on every split and its test scores
    (per-class precision / recall / F1, confusion matrix plot)."""
    _fit(recipe, run_dir, model, splits)
    out = _evaluate_splits(model, splits)
    out.update(
        _classification(
            model,
            splits.x_test,
            splits.y_test,
            splits.class_names,
            recipe.train.loss,
            run_dir,
            recipe.name,
        )
    )
    return out


def _parameters(model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def _loss_function(name: str):
    """A callable ``(y_true, y_pred) -> scalar`` for the recipe's loss name."""
    import keras
    from keras import ops

    from dlrecipes.training import resolve_loss

    loss = resolve_loss(name)
    if isinstance(loss, str):
        function = keras.losses.get(loss)
        return lambda y_true, y_pred: ops.mean(function(y_true, y_pred))
    return loss


def _unwrap(model, x):
    """The builder's model inside the runner's wrapper (augmentation / standardisation),
    and ``x`` passed through the wrapper's layers in inference mode."""
    import keras

    if not any(isinstance(layer, keras.Model) for layer in model.layers):
        return model, x
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            return layer, x
        if not isinstance(layer, keras.layers.InputLayer):
            x = keras.ops.convert_to_numpy(layer(x, training=False))
    return model, x


def _weight_layers(model) -> list:
    """Layers with a kernel, input to output (``hidden_1 .. hidden_L, output``)."""
    return [layer for layer in model.layers if getattr(layer, "kernel", None) is not None]


def gradient_norms(model, x, y, loss: str) -> list[float]:
    """Frobenius norm of dJ/dW for each layer's kernel, input to output (autodiff).

    Args:
        model: a (built) Keras model.
        x, y: one batch.
        loss: the loss name, as in ``train.loss``.
    """
    from dlrecipes.backprop import keras_gradients

    grads = keras_gradients(model, x, y, _loss_function(loss))
    norms = []
    for variable, grad in zip(model.trainable_variables, grads):
        if variable.path.endswith("kernel"):
            norms.append(float(np.linalg.norm(grad)))
    return norms


def activation_scales(model, x) -> list[float]:
    """Standard deviation of each hidden layer's output on ``x`` (``hidden_1 .. hidden_L``)."""
    import keras

    base, x = _unwrap(model, x)
    hidden = [layer for layer in base.layers if layer.name.startswith("hidden_")]
    probe = keras.Model(base.inputs, [layer.output for layer in hidden])
    outputs = probe.predict(x, batch_size=256, verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return [float(np.std(o)) for o in outputs]


def _boundary(axis, predict, x, y, title: str, levels=20, boundary: float | None = 0.5):
    """Filled contours of ``predict`` on a grid around ``x``, the line ``predict = boundary``
    (e.g. p = 0.5, or score = 0 for a sign), and the points on top."""
    low, high = x.min(axis=0) - 0.3, x.max(axis=0) + 0.3
    grid_x, grid_y = np.meshgrid(
        np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200)
    )
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype("float32")  # (40000, 2)
    values = np.asarray(predict(grid)).reshape(grid_x.shape)
    if values.max() > values.min():  # a constant prediction (w = 0) has no regions to shade
        axis.contourf(grid_x, grid_y, values, levels=levels, cmap="RdBu_r", alpha=0.35)
    if boundary is not None and values.min() < boundary < values.max():
        axis.contour(grid_x, grid_y, values, levels=[boundary], colors="k")
    labels = np.unique(y)
    colors = ["tab:blue", "tab:red"] if len(labels) == 2 else [None] * len(labels)
    for label, marker, color in zip(labels, ("o", "s", "^", "v", "D", "P", "X", "*"), colors):
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


# --------------------------------------------------------------------------- perceptron


def _plus_minus(y) -> np.ndarray:
    """Labels {0, 1} -> {-1, +1}."""
    y = np.asarray(y).reshape(-1)
    if not set(np.unique(y)) <= {0, 1}:
        raise RecipeError(
            f"the perceptron needs two classes labelled 0 and 1. Received labels: {np.unique(y)}"
        )
    return (2 * y - 1).astype("float32")


def novikoff_bound(x, y_pm) -> dict[str, float]:
    """R, gamma and (R / gamma)^2 for inputs augmented with a constant 1 (the bias).

    ``R = max_i ||(x_i, 1)||``. ``gamma = min_i y_i u . (x_i, 1)`` for the unit
    vector ``u`` of a hard-margin linear SVM (scikit-learn ``SVC``, C = 1e6, bias
    included in ``u``): any separating unit ``u`` gives a valid bound, and the SVM's
    maximises the margin in x-space, so its bound is close to the tightest.
    ``gamma <= 0`` means the SVM found no separation: the bound is infinite.
    """
    from sklearn.svm import SVC

    augmented = np.hstack([x, np.ones((len(x), 1))]).astype("float64")  # (N, D + 1)
    radius = float(np.linalg.norm(augmented, axis=1).max())
    svm = SVC(kernel="linear", C=1e6).fit(x, y_pm)
    direction = np.append(svm.coef_.ravel(), svm.intercept_[0])
    direction /= np.linalg.norm(direction)
    margin = float(np.min(y_pm * (augmented @ direction)))
    bound = (radius / margin) ** 2 if margin > 0 else float("inf")
    return {"radius": radius, "margin": margin, "bound": bound, "direction": direction.tolist()}


def _train_perceptron(recipe, splits, run_dir):
    """Fit a :class:`Perceptron` until an epoch without mistakes or ``train.epochs``."""
    import keras

    from dlrecipes.runner import build_model
    from dlrecipes.training import fit

    class StopWhenSeparated(keras.callbacks.Callback):
        """Records the mistakes of each epoch and stops after an epoch with none."""

        def __init__(self):
            super().__init__()
            self.per_epoch: list[int] = []
            self._start = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._start = float(keras.ops.convert_to_numpy(self.model.mistakes.value))

        def on_epoch_end(self, epoch, logs=None):
            total = float(keras.ops.convert_to_numpy(self.model.mistakes.value))
            self.per_epoch.append(int(round(total - self._start)))
            if self.per_epoch[-1] == 0:
                self.model.stop_training = True

    model = build_model(recipe, splits)
    model.compile(optimizer="sgd", jit_compile=recipe.train.jit_compile)  # optimizer unused
    stopper = StopWhenSeparated()
    callbacks = [*_logging_callbacks(recipe, run_dir), stopper]
    fit(model, splits, recipe.train, None, verbose=_verbose(recipe), callbacks=callbacks)
    return model, stopper.per_epoch


def perceptron(recipe, run_dir) -> dict[str, Any]:
    """Rosenblatt's rule on the recipe's (separable) data and on XOR, with Novikoff's bound.

    Trains :class:`~dlrecipes.models.perceptron.Perceptron` (labels mapped to
    {-1, +1}) until an epoch without mistakes, at most ``train.epochs`` epochs,
    and reports the mistakes against ``(R / gamma)^2``. Then does the same on the
    four XOR points, where the rule cannot converge: the run reports it and stops
    at the epoch cap. Plot: ``plots/perceptron.png`` (both boundaries and the
    mistakes per epoch).

    Returns:
        ``mistakes``, ``novikoff_bound``, ``radius``, ``margin``, ``epochs``,
        ``converged``, ``within_novikoff_bound`` (1.0 when converged with mistakes
        <= bound), ``train_accuracy``, ``test_accuracy``, and ``xor_converged``,
        ``xor_epochs``, ``xor_mistakes``, ``xor_mistakes_last_epoch``, ``xor_accuracy``.
    """
    from dlrecipes import data as data_sources

    _options(recipe, {})
    run_dir = Path(run_dir)
    splits = _load(recipe)
    if len(splits.input_shape) != 1:
        raise RecipeError(
            f"the perceptron needs flat inputs; {splits.source!r} gives {splits.input_shape}"
        )
    splits = _merge_validation(splits)  # the rule has no use for a validation split
    signed = dataclasses.replace(
        splits,
        y_train=_plus_minus(splits.y_train),
        y_val=np.zeros((0,), "float32"),
        y_test=_plus_minus(splits.y_test),
    )
    model, per_epoch = _train_perceptron(recipe, signed, run_dir)
    bound = novikoff_bound(signed.x_train, signed.y_train)
    mistakes = int(sum(per_epoch))
    converged = bool(per_epoch and per_epoch[-1] == 0)

    def accuracy(m, x, y):
        return float(np.mean(np.sign(m.predict(x, verbose=0).ravel()) == y))

    xor_raw = data_sources.load(dataclasses.replace(recipe.data, source="xor", options={}))
    xor = dataclasses.replace(
        xor_raw,
        y_train=_plus_minus(xor_raw.y_train),
        y_test=_plus_minus(xor_raw.y_test),
        x_val=xor_raw.x_train[:0],
        y_val=np.zeros((0,), "float32"),
    )
    xor_model, xor_per_epoch = _train_perceptron(recipe, xor, run_dir / "xor")
    xor_converged = bool(xor_per_epoch and xor_per_epoch[-1] == 0)

    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))

    def sign_score(m):
        return lambda grid: np.sign(m.predict(grid, batch_size=8192, verbose=0).ravel())

    _boundary(
        axes[0],
        sign_score(model),
        signed.x_train,
        signed.y_train.astype(int),
        f"separable: {mistakes} mistakes <= (R/$\\gamma$)$^2$ = {bound['bound']:.0f}",
        levels=[-1.5, 0, 1.5],
        boundary=0.0,
    )
    _boundary(
        axes[1],
        sign_score(xor_model),
        xor.x_train,
        xor.y_train.astype(int),
        f"XOR: still {xor_per_epoch[-1]} mistakes in epoch {len(xor_per_epoch)} (the cap)",
        levels=[-1.5, 0, 1.5],
        boundary=0.0,
    )
    xor_weights = np.concatenate([np.ravel(w) for w in xor_model.get_weights()[:2]])
    if not np.any(xor_weights):
        axes[1].text(
            0.5,
            0.5,
            "every example is a mistake in every epoch:\n"
            "sum of y x over XOR = 0, so (w, b) is back at 0\nafter each epoch -- the rule cycles",
            transform=axes[1].transAxes,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.8},
        )
    axes[2].plot(np.arange(1, len(per_epoch) + 1), per_epoch, marker="o", label="separable")
    axes[2].plot(np.arange(1, len(xor_per_epoch) + 1), xor_per_epoch, label="XOR")
    axes[2].set_xlabel("epoch")
    axes[2].set_ylabel("mistakes (updates) in the epoch")
    axes[2].set_title("Rosenblatt's rule: mistakes per epoch")
    axes[2].grid(alpha=0.3)
    axes[2].legend()
    fig.suptitle("Perceptron (Rosenblatt 1958) and Novikoff's bound (1962)")
    _save(fig, _plots_dir(run_dir) / "perceptron.png")

    return {
        "mistakes": mistakes,
        "novikoff_bound": bound["bound"],
        "radius": bound["radius"],
        "margin": bound["margin"],
        "epochs": len(per_epoch),
        "converged": float(converged),
        "within_novikoff_bound": float(converged and mistakes <= bound["bound"]),
        "train_accuracy": accuracy(model, signed.x_train, signed.y_train),
        "test_accuracy": accuracy(model, signed.x_test, signed.y_test),
        "xor_converged": float(xor_converged),
        "xor_epochs": len(xor_per_epoch),
        "xor_mistakes": int(sum(xor_per_epoch)),
        "xor_mistakes_last_epoch": xor_per_epoch[-1] if xor_per_epoch else 0,
        "xor_accuracy": accuracy(xor_model, xor.x_train, xor.y_train),
    }


# --------------------------------------------------------------------------- linear regression


def least_squares(x, y) -> np.ndarray:
    """The closed-form least-squares solution in the lectures' notation.

    With examples as columns of ``X`` (D + 1 rows: the features and a row of ones
    for the bias), minimising ``||X^T w - y||^2`` gives the normal equations
    ``X X^T w = X y``, i.e. ``w = (X X^T)^-1 X y``. Solved with
    ``numpy.linalg.solve`` (never form the inverse).

    Args:
        x: inputs ``(N, D)``.
        y: targets ``(N,)`` or ``(N, 1)``.

    Returns:
        ``(D + 1,)``: the weights, then the bias.
    """
    design = np.vstack([np.asarray(x, "float64").T, np.ones((1, len(x)))])  # X: (D + 1, N)
    targets = np.asarray(y, "float64").reshape(-1)  # (N,)
    return np.linalg.solve(design @ design.T, design @ targets)


def linear_regression(recipe, run_dir) -> dict[str, Any]:
    """Gradient descent on the mean squared error against ``w = (X X^T)^-1 X y``.

    Fits the recipe's model (``linear_regression`` builder) with the recipe's
    optimizer (full-batch SGD in the recipe), records ``(w, b)`` after every
    epoch and compares the final weights with the closed form on the same
    training examples (the training and validation splits together: there is
    nothing to tune). Plot: ``plots/linear_regression.png`` (loss against the
    closed-form optimum, weight trajectories).

    Returns:
        ``max_weight_difference`` (max |w_GD - w_LS| over weights and bias),
        ``closed_form_train_mse``, ``train_mse``, ``test_mse``, ``closed_form_test_mse``.
    """
    import keras

    from dlrecipes.runner import build_model

    _options(recipe, {})
    splits = _merge_validation(_load(recipe))  # nothing to tune: fit on train + validation
    if splits.task != "regression" or splits.num_outputs != 1 or len(splits.input_shape) != 1:
        raise RecipeError(
            "linear_regression needs flat inputs and one regression target. Received: "
            f"{splits.summary()}"
        )
    model = build_model(recipe, splits)
    dense = _weight_layers(_unwrap(model, splits.x_train[:1])[0])[-1]
    trajectory = []

    class RecordWeights(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            kernel, bias = dense.get_weights()
            trajectory.append(np.append(kernel.ravel(), bias))

    result = _fit(recipe, run_dir, model, splits, callbacks=[RecordWeights()])
    closed = least_squares(splits.x_train, splits.y_train)  # (D + 1,)
    kernel, bias = dense.get_weights()
    learned = np.append(kernel.ravel(), bias)

    def mse(weights, x, y):
        return float(np.mean((x @ weights[:-1] + weights[-1] - y.reshape(-1)) ** 2))

    closed_train = mse(closed, splits.x_train, splits.y_train)
    history = np.array(trajectory)  # (epochs, D + 1)

    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, len(result.history["loss"]) + 1)
    axes[0].semilogy(epochs, result.history["loss"], label="gradient descent (train MSE)")
    axes[0].axhline(
        closed_train, color="k", linestyle="--", label="closed form (X X$^T$)$^{-1}$X y"
    )
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("mean squared error")
    axes[0].set_title("The loss reaches the least-squares optimum")
    axes[0].legend()
    axes[0].grid(alpha=0.3)
    names = [f"$w_{i + 1}$" for i in range(len(closed) - 1)] + ["$b$"]
    for index, name in enumerate(names):
        line = axes[1].plot(epochs, history[:, index], label=name)[0]
        axes[1].axhline(closed[index], color=line.get_color(), linestyle="--", linewidth=0.8)
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("weight")
    axes[1].set_title("Weights (dashed: closed form)")
    axes[1].legend(fontsize=8)
    axes[1].grid(alpha=0.3)
    _save(fig, _plots_dir(run_dir) / "linear_regression.png")

    out = {
        "max_weight_difference": float(np.max(np.abs(learned - closed))),
        "closed_form_train_mse": closed_train,
        "train_mse": mse(learned, splits.x_train, splits.y_train),
        "test_mse": mse(learned, splits.x_test, splits.y_test),
        "closed_form_test_mse": mse(closed, splits.x_test, splits.y_test),
        "epochs": len(epochs),
    }
    for index, value in enumerate(closed[:-1]):
        out[f"closed_form_w{index + 1}"] = float(value)
        out[f"w{index + 1}"] = float(learned[index])
    out["closed_form_b"], out["b"] = float(closed[-1]), float(learned[-1])
    return out


# --------------------------------------------------------------------------- decision boundary


def decision_boundary(recipe, run_dir) -> dict[str, Any]:
    """Train a classifier on 2-D data and draw its decision boundary (logistic regression).

    The runner's supervised flow plus ``plots/decision_boundary.png``: the
    predicted probability of class 1 (sigmoid output) or the predicted class
    (softmax) over the plane, the boundary p = 0.5 and the test points.

    Returns:
        ``test_accuracy``, ``test_loss``, ``train_*``, ``val_*``, ``gap``, per-class
        ``precision_<c>``, ``recall_<c>``, ``f1_<c>``, ``macro_f1``, ``parameters``
        (and ``weights``/``bias`` of the boundary w . x + b = 0 for one sigmoid unit).
    """
    from dlrecipes.runner import build_model

    splits = _load(recipe)
    if splits.task != "classification" or splits.input_shape != (2,):
        raise RecipeError(
            f"decision_boundary needs 2-D inputs and classes. Received: {splits.summary()}"
        )
    model = build_model(recipe, splits)
    out = _fit_and_score(recipe, run_dir, model, splits)
    out["parameters"] = _parameters(model)
    binary = int(np.prod(model.output_shape[1:])) == 1

    def probability(grid):
        outputs = model.predict(grid, batch_size=8192, verbose=0)
        return outputs.ravel() if binary else outputs.argmax(axis=-1)

    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(5.5, 4.5))
    _boundary(
        axis,
        probability,
        splits.x_test,
        splits.y_test,
        f"{recipe.name}: test accuracy {out['test_accuracy']:.3f}",
        levels=np.linspace(0, 1, 11).tolist() if binary else splits.num_classes,
        boundary=0.5 if binary else None,
    )
    _save(fig, _plots_dir(run_dir) / "decision_boundary.png")
    layers = _weight_layers(_unwrap(model, splits.x_train[:1])[0])
    if binary and len(layers) == 1 and not recipe.data.standardize:
        kernel, bias = layers[0].get_weights()
        out["w1"], out["w2"], out["b"] = float(kernel[0, 0]), float(kernel[1, 0]), float(bias[0])
    return out


# --------------------------------------------------------------------------- backprop


def backprop(recipe, run_dir) -> dict[str, Any]:
    """NumPy backpropagation == Keras autodiff == central finite differences, in float64.

    Builds the lectures' network ``[D, *hidden_units, K]`` (sigmoid hidden units,
    softmax output, cross-entropy, penalty ``(weight_penalty / 2) sum ||W||^2``),
    compares the three gradients on ``check_examples`` training examples, then
    trains the NumPy network with plain full-batch gradient descent
    (``train.epochs`` steps of ``train.learning_rate``) using only
    :func:`dlrecipes.backprop.backward`.

    ``model.options``: ``hidden_units`` (default ``(16,)``), ``activation``
    (``sigmoid``, ``tanh``, ``relu``), ``weight_penalty`` (lambda), ``check_examples``.

    Plot: ``plots/backprop.png`` (gradient agreement; NumPy training loss; the
    learned boundary for 2-D data).

    Returns:
        ``backprop_vs_autodiff``, ``backprop_vs_finite_differences``,
        ``autodiff_vs_finite_differences`` (max relative errors), ``max_relative_error``
        (the largest of the three), ``checked_parameters``, ``train_loss``,
        ``train_accuracy``, ``test_accuracy``.
    """
    from dlrecipes import backprop as bp

    options = _options(
        recipe,
        {
            "hidden_units": (16,),
            "activation": "sigmoid",
            "weight_penalty": 1e-3,
            "check_examples": 16,
        },
    )
    splits = _load(recipe)
    if splits.task != "classification":
        raise RecipeError(f"backprop needs a classification source. Received: {splits.summary()}")
    hidden = options["hidden_units"]
    hidden = (hidden,) if isinstance(hidden, int) else tuple(int(h) for h in hidden)
    activation, penalty = str(options["activation"]), float(options["weight_penalty"])
    num_classes = splits.num_classes

    def columns(x, y):  # rows -> the lectures' columns, float64, one-hot targets
        x = np.asarray(x, "float64").reshape(len(x), -1).T  # (D, N)
        return x, np.eye(num_classes)[np.asarray(y).reshape(-1)].T  # (K, N)

    x_train, y_train = columns(splits.x_train, splits.y_train)
    x_test, y_test = columns(splits.x_test, splits.y_test)
    sizes = [x_train.shape[0], *hidden, num_classes]
    params = bp.init_params(sizes, seed=recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    params = [(w, b + 0.1 * rng.standard_normal(b.shape)) for w, b in params]  # nonzero biases
    count = min(int(options["check_examples"]), x_train.shape[1])
    x_check, y_check = x_train[:, :count], y_train[:, :count]

    numpy_grads = bp.backward(params, x_check, y_check, penalty, activation)
    autodiff = bp.keras_backprop_gradients(params, x_check, y_check, penalty, activation)
    finite = bp.finite_difference_gradients(params, x_check, y_check, penalty, activation)
    errors = {
        "backprop_vs_autodiff": bp.max_relative_error(numpy_grads, autodiff),
        "backprop_vs_finite_differences": bp.max_relative_error(numpy_grads, finite),
        "autodiff_vs_finite_differences": bp.max_relative_error(autodiff, finite),
    }

    # Plain gradient descent with the hand-written gradients.
    learning_rate = recipe.train.learning_rate
    history = {"loss": [], "accuracy": []}

    def accuracy(p, x, y):
        _, activations = bp.forward(p, x, activation)
        return float(np.mean(activations[-1].argmax(axis=0) == y.argmax(axis=0)))

    for _ in range(recipe.train.epochs):
        history["loss"].append(bp.loss(params, x_train, y_train, penalty, activation))
        history["accuracy"].append(accuracy(params, x_train, y_train))
        grads = bp.backward(params, x_train, y_train, penalty, activation)
        params = [
            (w - learning_rate * gw, b - learning_rate * gb)
            for (w, b), (gw, gb) in zip(params, grads)
        ]
    _write_history(run_dir, history)

    plt = _pyplot()
    panels = 3 if x_train.shape[0] == 2 else 2
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 4.2))
    flat = lambda grads: np.concatenate([g.ravel() for pair in grads for g in pair])  # noqa: E731
    reference = flat(numpy_grads)
    axes[0].scatter(reference, flat(finite), s=14, label="finite differences")
    axes[0].scatter(reference, flat(autodiff), s=5, marker="x", label="Keras autodiff")
    span = [reference.min(), reference.max()]
    axes[0].plot(span, span, "k--", linewidth=0.8)
    axes[0].set_xlabel("NumPy backprop dJ/d$\\theta$")
    axes[0].set_ylabel("other method")
    axes[0].set_title(
        f"{len(reference)} partial derivatives; max rel. error {max(errors.values()):.1e}"
    )
    axes[0].legend()
    axes[1].semilogy(np.arange(1, len(history["loss"]) + 1), history["loss"])
    axes[1].set_xlabel("gradient-descent step (full batch)")
    axes[1].set_ylabel("J (cross-entropy + L2)")
    axes[1].set_title("Training with the hand-written gradients")
    axes[1].grid(alpha=0.3)
    if panels == 3:

        def predict(grid):
            _, activations = bp.forward(params, grid.astype("float64").T, activation)
            return activations[-1][1] if num_classes == 2 else activations[-1].argmax(axis=0)

        _boundary(
            axes[2],
            predict,
            splits.x_test,
            splits.y_test,
            f"NumPy network, test accuracy {accuracy(params, x_test, y_test):.3f}",
            levels=np.linspace(0, 1, 11).tolist() if num_classes == 2 else num_classes,
            boundary=0.5 if num_classes == 2 else None,
        )
    fig.suptitle(f"Backpropagation {sizes} ({activation}, $\\lambda$ = {penalty:g}), float64")
    _save(fig, _plots_dir(run_dir) / "backprop.png")

    return {
        **errors,
        "max_relative_error": max(errors.values()),
        "checked_parameters": int(reference.size),
        "train_loss": bp.loss(params, x_train, y_train, penalty, activation),
        "train_accuracy": accuracy(params, x_train, y_train),
        "test_accuracy": accuracy(params, x_test, y_test),
    }


# --------------------------------------------------------------------------- universality


def universal_approximation(recipe, run_dir) -> dict[str, Any]:
    """One hidden layer of growing width fitting a continuous 1-D function.

    For each width in ``model.options.widths`` builds ``mlp(hidden_units=(width,))``
    with the recipe's other ``mlp`` options, trains it with ``recipe.train`` and
    measures the test mean squared error. Plots: ``plots/fits.png`` (the target
    and the fit of each width) and ``plots/error_vs_width.png``.

    Returns:
        ``test_mse_width_<w>`` for each width, ``test_mse`` (the widest),
        ``narrowest_to_widest_ratio`` (test MSE of the narrowest over the widest) and
        ``monotone_fraction`` (the fraction of consecutive widths whose error did not grow).
    """
    from dlrecipes import models
    from dlrecipes.runner import builder_kwargs
    from dlrecipes.training import compile_model, fit

    options = dict(recipe.model.options)
    widths = options.pop("widths", (1, 2, 4, 8, 16, 32))
    widths = (widths,) if isinstance(widths, int) else tuple(int(w) for w in widths)
    if not widths or min(widths) < 1:
        raise RecipeError(f"model.options.widths must list positive widths. Received: {widths}")
    options.pop("hidden_units", None)
    splits = _merge_validation(_load(recipe))  # nothing is tuned: validate on nothing
    if splits.task != "regression" or splits.input_shape != (1,):
        raise RecipeError(
            f"universal_approximation needs y = f(x) with scalar x. Received: {splits.summary()}"
        )
    builder = models.get(recipe.model.builder)
    grid = np.linspace(-1, 1, 400, dtype="float32")[:, None]  # (400, 1)
    errors, fits, histories = {}, {}, {}
    for width in widths:
        kwargs = builder_kwargs(builder, {**options, "hidden_units": (width,)}, splits)
        model = builder(**kwargs)
        compile_model(model, recipe.train, len(splits.x_train))
        result = fit(model, splits, recipe.train, None, verbose=_verbose(recipe))
        errors[width] = float(
            np.mean((model.predict(splits.x_test, verbose=0) - splits.y_test) ** 2)
        )
        fits[width] = model.predict(grid, verbose=0).ravel()
        histories[width] = result.history["loss"]
        print(f"[{recipe.name}] width {width}: test MSE {errors[width]:.5f}", flush=True)

    plt = _pyplot()
    order = np.argsort(splits.x_train[:, 0])
    fig, axis = plt.subplots(figsize=(7, 4.2))
    axis.plot(
        splits.x_train[order, 0],
        splits.y_train[order, 0],
        "k",
        linewidth=3,
        alpha=0.25,
        label="target f(x)",
    )
    for width in widths:
        axis.plot(grid[:, 0], fits[width], label=f"{width} hidden units")
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    axis.set_title("One hidden layer: wider fits better (Cybenko 1989, Hornik 1991)")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    _save(fig, _plots_dir(run_dir) / "fits.png")
    fig, axis = plt.subplots(figsize=(5.5, 4))
    axis.loglog(widths, [errors[w] for w in widths], marker="o")
    axis.set_xlabel("hidden units")
    axis.set_ylabel("test mean squared error")
    axis.set_title("Approximation error against width")
    axis.grid(alpha=0.3, which="both")
    _save(fig, _plots_dir(run_dir) / "error_vs_width.png")
    _write_series(
        run_dir,
        {
            "test_mse_vs_width": {
                "values": [errors[w] for w in widths],
                "xlabel": "width index",
                "ylabel": "test MSE",
                "log_y": True,
            }
        },
    )

    steps = [errors[b] <= errors[a] for a, b in zip(widths[:-1], widths[1:])]
    out = {f"test_mse_width_{w}": errors[w] for w in widths}
    out["test_mse"] = errors[widths[-1]]
    out["narrowest_to_widest_ratio"] = errors[widths[0]] / max(errors[widths[-1]], 1e-12)
    out["monotone_fraction"] = float(np.mean(steps)) if steps else 1.0
    return out


# --------------------------------------------------------------------------- deep vs wide

#: Seide, Li & Yu (2011), Table 2: word error rate (%) on Hub5'00-SWB of CD-DNN-HMMs
#: with L hidden layers of N units, and of single-layer networks with the parameter
#: count of 5x2k (1x3772) and 7x2k (1x4634). Keyed by (num_layers, match_layers).
SEIDE_2011_WER = {
    (1, 0): ("1x2k", 24.2),
    (2, 0): ("2x2k", 20.4),
    (3, 0): ("3x2k", 18.4),
    (4, 0): ("4x2k", 17.8),
    (5, 0): ("5x2k", 17.2),
    (7, 0): ("7x2k", 17.1),
    (1, 5): ("1x3772", 22.5),
    (1, 7): ("1x4634", 22.6),
}


def deep_vs_wide(recipe, run_dir) -> dict[str, Any]:
    """One arm of the deep-versus-wide comparison, with the paper's number beside it.

    Trains ``matched_mlp`` (L x n, or 1 x N with the parameter count of M x n) as the
    runner would and reports its test error next to Seide et al.'s word error
    rate for the architecture of the same shape (``python -m recipes compare
    deep_vs_wide`` puts all arms in one table).

    Returns:
        ``architecture`` (e.g. ``"3x128"`` or ``"1x457 (=5x128)"``), ``hidden_layers``,
        ``parameters``, ``test_error_percent``, ``test_accuracy``, ``train_*``,
        ``val_*``, ``gap``, per-class scores, ``paper_architecture``, ``paper_wer_percent``.
    """
    from dlrecipes.runner import build_model

    options = recipe.model.options
    splits = _load(recipe)
    model = build_model(recipe, splits)
    out = _fit_and_score(recipe, run_dir, model, splits)
    base, _ = _unwrap(model, splits.x_train[:1])
    hidden = [layer.units for layer in base.layers if layer.name.startswith("hidden_")]
    num_layers, match = int(options.get("num_layers", 1)), int(options.get("match_layers", 0))
    units = options.get("units", 128)
    label = f"{len(hidden)}x{hidden[0]}" + (f" (={match}x{units})" if match else "")
    paper_label, paper_wer = SEIDE_2011_WER.get(
        (1 if match else num_layers, match), ("", float("nan"))
    )
    return {
        "architecture": label,
        "parameters": _parameters(model),
        "test_error_percent": 100.0 * (1.0 - out["test_accuracy"]),
        "paper_architecture": paper_label,
        "paper_wer_percent": paper_wer,
        "hidden_layers": len(hidden),
        **out,
    }


# --------------------------------------------------------------------------- activations / init


def _probe_batch(splits, size: int = 256):
    return splits.x_train[:size], splits.y_train[:size]


def activations(recipe, run_dir) -> dict[str, Any]:
    """Gradient norms per layer at initialisation, then training, for one activation.

    Before training, computes ``||dJ/dW^(l)||_F`` for every layer on 256 training
    examples (autodiff): with sigmoid units they shrink layer by layer towards the
    input (each sigmoid multiplies the backpropagated error by f' <= 1/4), the
    vanishing-gradient problem. Then trains like the runner and evaluates.
    ``series.json`` holds the per-layer norms, which ``compare`` overlays across
    activations. Plot: ``plots/gradient_norms.png``.

    Returns:
        ``grad_norm_first`` (layer 1, next to the input), ``grad_norm_last_hidden``,
        ``grad_norm_output``, ``grad_ratio_first_to_last_hidden``, ``test_accuracy``,
        ``train_*``, ``val_*``, ``gap``, per-class scores, ``parameters``.
    """
    from dlrecipes.runner import build_model

    splits = _load(recipe)
    model = build_model(recipe, splits)
    x_probe, y_probe = _probe_batch(splits)
    norms = gradient_norms(model, x_probe, y_probe, recipe.train.loss)
    activation = recipe.model.options.get("activation", "relu")
    _write_series(
        run_dir,
        {
            "gradient_norm_at_init": {
                "values": norms,
                "xlabel": "layer (1 = next to the input; last = output)",
                "ylabel": "||dJ/dW|| at initialisation",
                "log_y": True,
            }
        },
    )
    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(6, 4))
    axis.bar(np.arange(1, len(norms) + 1), norms)
    axis.set_yscale("log")
    axis.set_xlabel("layer (1 = next to the input; last = output)")
    axis.set_ylabel("||dJ/dW|| at initialisation")
    axis.set_title(f"{activation}: gradient norm per layer at initialisation")
    axis.grid(alpha=0.3, axis="y")
    _save(fig, _plots_dir(run_dir) / "gradient_norms.png")

    out = _fit_and_score(recipe, run_dir, model, splits)
    return {
        "grad_norm_first": norms[0],
        "grad_norm_last_hidden": norms[-2] if len(norms) > 1 else norms[0],
        "grad_norm_output": norms[-1],
        "grad_ratio_first_to_last_hidden": norms[0]
        / max(norms[-2] if len(norms) > 1 else norms[0], 1e-30),
        **out,
        "parameters": _parameters(model),
    }


def hidden_unit_spread(model) -> list[float]:
    """For each hidden layer, ``max_j ||(W[:, j], b_j) - (W[:, 0], b_0)||``: how far the
    units' incoming weights are from the first unit's (0 = all units identical)."""
    spreads = []
    for layer in _weight_layers(model):
        if not layer.name.startswith("hidden_"):
            continue
        kernel, bias = layer.get_weights()[:2]
        units = np.vstack([kernel.reshape(-1, kernel.shape[-1]), bias.reshape(1, -1)])  # (D + 1, n)
        spreads.append(float(np.max(np.linalg.norm(units - units[:, :1], axis=0))))
    return spreads


def initializers(recipe, run_dir) -> dict[str, Any]:
    """Initialisation: activation scale per layer at init, training, and symmetry.

    At initialisation, the standard deviation of every hidden layer's output on
    256 training examples (too small: signals die out with depth; too large:
    saturation; Glorot / He keep it roughly constant) and the gradient norm per
    layer, both written to ``series.json`` for ``compare``. After training, the
    spread of each hidden layer's units: with all-zero weights every unit of a
    layer computes the same function and receives the same gradient, so the
    spread stays exactly 0 -- the symmetry never breaks. Plots:
    ``plots/activation_scale.png``, ``plots/first_layer_weights.png``.

    Returns:
        ``activation_std_first``, ``activation_std_last``, ``grad_norm_first``,
        ``hidden_unit_spread`` (max over layers, after training), ``symmetric``
        (1.0 when every hidden layer's units are identical), ``test_accuracy``,
        ``train_*``, ``val_*``, ``gap``, per-class scores.
    """
    from dlrecipes.runner import build_model

    splits = _load(recipe)
    model = build_model(recipe, splits)
    x_probe, y_probe = _probe_batch(splits)
    scales = activation_scales(model, x_probe)
    norms = gradient_norms(model, x_probe, y_probe, recipe.train.loss)
    _write_series(
        run_dir,
        {
            "activation_std_at_init": {
                "values": scales,
                "xlabel": "hidden layer",
                "ylabel": "std of the layer's output at initialisation",
                "log_y": True,
            },
            "gradient_norm_at_init": {
                "values": norms,
                "xlabel": "layer (1 = next to the input; last = output)",
                "ylabel": "||dJ/dW|| at initialisation",
                "log_y": True,
            },
        },
    )
    out = _fit_and_score(recipe, run_dir, model, splits)
    base, _ = _unwrap(model, x_probe[:1])
    spreads = hidden_unit_spread(base)
    initializer = recipe.model.options.get("kernel_initializer", "glorot_uniform")
    name = initializer if isinstance(initializer, str) else json.dumps(initializer)

    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(6, 4))
    axis.plot(np.arange(1, len(scales) + 1), np.maximum(scales, 1e-12), marker="o")
    axis.set_yscale("log")
    axis.set_xlabel("hidden layer")
    axis.set_ylabel("std of the layer's output")
    axis.set_title(f"{name}: activation scale at initialisation")
    axis.grid(alpha=0.3)
    _save(fig, _plots_dir(run_dir) / "activation_scale.png")
    first = (
        _weight_layers(base)[0]
        .get_weights()[0]
        .reshape(-1, _weight_layers(base)[0].get_weights()[0].shape[-1])
    )
    fig, axis = plt.subplots(figsize=(6, 4))
    image = axis.imshow(first, aspect="auto", cmap="RdBu_r")
    fig.colorbar(image, ax=axis)
    axis.set_xlabel("hidden unit")
    axis.set_ylabel("input")
    axis.set_title(f"{name}: first-layer weights after training (spread {spreads[0]:.2g})")
    _save(fig, _plots_dir(run_dir) / "first_layer_weights.png")

    return {
        "activation_std_first": scales[0],
        "activation_std_last": scales[-1],
        "grad_norm_first": norms[0],
        "hidden_unit_spread": max(spreads),
        "symmetric": float(max(spreads) < 1e-6),
        **out,
    }


# --------------------------------------------------------------------------- losses


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def loss_curves(path: Path) -> None:
    """The lectures' "square error vs cross-entropy" plot (and the hinge), for one example.

    With the score margin ``z`` (logit of the correct class minus the other's, so
    the softmax gives ``p = sigmoid(z)``): cross-entropy ``-log p``, square error
    ``(1 - p)^2`` (Keras' mean over the two outputs) and hinge ``max(0, 1 - z)``.
    Their derivatives with respect to ``z``: ``-(1 - p)``, ``-2 p (1 - p)^2`` and
    ``-1[z < 1]``: for a confidently wrong output (z << 0) the square error's
    gradient vanishes while cross-entropy's tends to -1.
    """
    plt = _pyplot()
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
    _save(fig, path)


ONE_HOT_LOSSES = (
    "mse",
    "mean_squared_error",
    "categorical_crossentropy",
    "categorical_hinge",
    "hinge",
    "squared_hinge",
    "mae",
    "mean_absolute_error",
)


def losses(recipe, run_dir) -> dict[str, Any]:
    """Train the same network with the recipe's loss: square error, cross-entropy or hinge.

    Losses in :data:`ONE_HOT_LOSSES` get one-hot targets (``mse`` on a softmax
    output is the lectures' "square error"; ``categorical_hinge`` on linear
    scores is the multi-class hinge of Crammer & Singer); accuracy is the argmax.
    Also writes ``plots/loss_curves.png`` (:func:`loss_curves`).

    Returns:
        ``test_accuracy``, ``train_accuracy``, ``val_accuracy``, ``gap``, the loss
        values per split (not comparable across losses), per-class scores.
    """
    import keras

    from dlrecipes.runner import build_model
    from dlrecipes.training import make_optimizer, resolve_loss, steps_per_epoch

    loss_curves(_plots_dir(run_dir) / "loss_curves.png")
    splits = _load(recipe)
    if splits.task != "classification":
        raise RecipeError(f"losses needs a classification source. Received: {splits.summary()}")
    one_hot = recipe.train.loss in ONE_HOT_LOSSES
    if one_hot:
        eye = np.eye(splits.num_classes, dtype="float32")
        targets = dataclasses.replace(
            splits,
            y_train=eye[splits.y_train],
            y_val=eye[splits.y_val],
            y_test=eye[splits.y_test],
        )
        accuracy = keras.metrics.CategoricalAccuracy(name="accuracy")
    else:
        targets, accuracy = splits, keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    model = build_model(recipe, splits)
    total_steps = (
        steps_per_epoch(len(splits.x_train), recipe.train.batch_size) * recipe.train.epochs
    )
    model.compile(
        optimizer=make_optimizer(recipe.train, total_steps),
        loss=resolve_loss(recipe.train.loss),
        metrics=[accuracy],
        jit_compile=recipe.train.jit_compile,
    )
    _fit(recipe, run_dir, model, targets, compiled=True)
    out = _evaluate_splits(model, targets)
    out.update(
        _classification(
            model, splits.x_test, splits.y_test, splits.class_names, "argmax", run_dir, recipe.name
        )
    )
    return out
