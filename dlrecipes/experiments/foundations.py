"""Experiments of the Foundations lectures that are not one ``model.fit``
(``task = "custom"`` recipes).

Each function has the signature ``(recipe, run_dir) -> dict`` of flat metrics and
writes its slide-ready plots under ``run_dir / "plots"``. What is an ordinary
supervised run (activations, initialisers, losses, deep vs wide, logistic
regression) is a recipe with probes and reports instead (:mod:`dlrecipes.reports`);
what is left here is the lesson itself: the perceptron rule, the closed-form
comparison, the NumPy backpropagation and the sweep over widths.

``series.json`` (named curves, merged by :func:`dlrecipes.reports.probes.merge_series`)
feeds ``python -m recipes compare``. Experiment-specific settings live in
``model.options`` next to the builder's own options (e.g. ``widths`` for the
universality sweep); each function's docstring lists the ones it reads.

| experiment               | lecture result it shows                                           |
|--------------------------|-------------------------------------------------------------------|
| ``perceptron``           | Novikoff's mistake bound on separable data; no convergence on XOR |
| ``linear_regression``    | gradient descent reaches the least-squares solution              |
| ``backprop``             | NumPy backprop == Keras autodiff == finite differences           |
| ``universal_approximation`` | one hidden layer: error falls as the width grows              |
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.models.build import unwrap
from dlrecipes.reports.boundary import draw_boundary
from dlrecipes.reports.curves import learning_curves
from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.reports.model_parts import weight_layers
from dlrecipes.reports.probes import merge_series
from dlrecipes.spec import RecipeError


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
    merge_series(run_dir, series)


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
    learning_curves(result.history, plots_dir(run_dir) / "learning_curves.png", title=recipe.name)
    return result


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

    from dlrecipes.models.build import build_model
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

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))

    def sign_score(m):
        return lambda grid: np.sign(m.predict(grid, batch_size=8192, verbose=0).ravel())

    draw_boundary(
        axes[0],
        sign_score(model),
        signed.x_train,
        signed.y_train.astype(int),
        f"separable: {mistakes} mistakes <= (R/$\\gamma$)$^2$ = {bound['bound']:.0f}",
        levels=[-1.5, 0, 1.5],
        boundary=0.0,
    )
    draw_boundary(
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
    save(fig, plots_dir(run_dir) / "perceptron.png")

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

    from dlrecipes.models.build import build_model

    _options(recipe, {})
    splits = _merge_validation(_load(recipe))  # nothing to tune: fit on train + validation
    if splits.task != "regression" or splits.num_outputs != 1 or len(splits.input_shape) != 1:
        raise RecipeError(
            "linear_regression needs flat inputs and one regression target. Received: "
            f"{splits.summary()}"
        )
    model = build_model(recipe, splits)
    dense = weight_layers(unwrap(model)[0])[-1]
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

    plt = pyplot()
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
    save(fig, plots_dir(run_dir) / "linear_regression.png")

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

    plt = pyplot()
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

        draw_boundary(
            axes[2],
            predict,
            splits.x_test,
            splits.y_test,
            f"NumPy network, test accuracy {accuracy(params, x_test, y_test):.3f}",
            levels=np.linspace(0, 1, 11).tolist() if num_classes == 2 else num_classes,
            boundary=0.5 if num_classes == 2 else None,
        )
    fig.suptitle(f"Backpropagation {sizes} ({activation}, $\\lambda$ = {penalty:g}), float64")
    save(fig, plots_dir(run_dir) / "backprop.png")

    return {
        **errors,
        "max_relative_error": max(errors.values()),
        "checked_parameters": int(reference.size),
        "train_loss": bp.loss(params, x_train, y_train, penalty, activation),
        "train_accuracy": accuracy(params, x_train, y_train),
        "test_accuracy": accuracy(params, x_test, y_test),
    }


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
    from dlrecipes.models.build import builder_kwargs
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

    plt = pyplot()
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
    save(fig, plots_dir(run_dir) / "fits.png")
    fig, axis = plt.subplots(figsize=(5.5, 4))
    axis.loglog(widths, [errors[w] for w in widths], marker="o")
    axis.set_xlabel("hidden units")
    axis.set_ylabel("test mean squared error")
    axis.set_title("Approximation error against width")
    axis.grid(alpha=0.3, which="both")
    save(fig, plots_dir(run_dir) / "error_vs_width.png")
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
