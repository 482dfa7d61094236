"""Probes: measurements of the model at initialisation and / or after training.

A recipe lists them by name, ``probes=("gradient_norms", "activation_scale")``, and
the run calls :func:`run_probes` twice: with ``stage="init"`` after the model is
built and compiled, before ``fit``, and with ``stage="end"`` after training. Each
probe declares the stages it runs at and the split it reads (its first
:data:`PROBE_BATCH` examples), and

- writes one or more **series** (a curve that is not per epoch, e.g. a value per
  layer) into ``run_dir / "series.json"``, merged with what is already there::

      {"gradient_norm_at_init": {"values": [...], "xlabel": "...", "ylabel": "...",
                                 "log_y": true}}

  ``python -m recipes compare`` overlays a series across variants
  (``plots/compare_<series>.png``);
- draws a **plot** under ``run_dir / "plots"`` (named below);
- returns flat **scalars** (``grad_norm_first``, ``symmetric``, ...) that the run
  writes to ``metrics.json`` under ``probes``.

The probes (stage, split read; series; scalars):

- ``gradient_norms`` (init, train): ``||dJ/dW^(l)||_F`` per layer; series
  ``gradient_norm_at_init``; ``grad_norm_first``, ``grad_norm_last_hidden``,
  ``grad_norm_output``, ``grad_ratio_first_to_last_hidden``; ``plots/gradient_norms.png``.
- ``activation_scale`` (init, train): std of each hidden layer's output; series
  ``activation_std_at_init``; ``activation_std_first``, ``activation_std_last``;
  ``plots/activation_scale.png``.
- ``hidden_unit_spread`` (end, train): how far each hidden layer's units are from
  its first unit; series ``hidden_unit_spread_after_training``; ``hidden_unit_spread``
  (max over layers), ``symmetric`` (1.0 when every layer's units are identical);
  ``plots/first_layer_weights.png``.
- ``input_gradients`` (init and end, test): ``||dL/dx_t||`` per time step of a
  sequence model with float inputs ``(time, features)``; series
  ``input_gradient_norm_at_init`` / ``_at_end``;
  ``early_late_gradient_ratio_init`` / ``_trained`` (:func:`edge_ratio`);
  ``plots/input_gradients.png`` (both stages overlaid at the end).

The model given is the run's, which may be the runner's wrapper around the
builder's model (augmentation, standardisation): gradients of the loss are taken
through the whole model (as training sees it); probes that look at layers
(activation scale, hidden units) look inside with
:func:`dlrecipes.reports.model_parts.base_model` and feed them the standardised
inputs. ``end`` sees the model ``fit`` leaves: with early stopping, the restored
best weights.

References: Glorot & Bengio 2010 (activation and gradient scale per layer);
Bengio, Simard & Frasconi 1994 and Pascanu, Mikolov & Bengio 2013 (gradients
vanishing through time); Hochreiter & Schmidhuber 1997 (the LSTM's cell state).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.reports.model_parts import base_inputs, base_model, weight_layers
from dlrecipes.reports.registry import check_names
from dlrecipes.spec import RecipeError

# Keras is imported inside the functions: a recipe check imports this registry,
# and ``python -m recipes list`` must not import Keras.

#: When a probe runs: ``init`` (built and compiled, before ``fit``), ``epoch`` (after each
#: training epoch, through a Keras callback the run adds) or ``end`` (after training).
STAGES = ("init", "epoch", "end")
#: Examples a probe measures on: the first this many of its split.
PROBE_BATCH = 256
#: Where a gradient that underflowed to exactly 0 is drawn on a log axis.
PLOT_FLOOR = 1e-30
#: Steps averaged as "early" (from the start) and "late" (before the end) in :func:`edge_ratio`.
EDGE_STEPS = 10
#: Layer axis label shared by the per-layer series.
LAYER_AXIS = "layer (1 = next to the input; last = output)"


# --------------------------------------------------------------------------- measurements


def _loss_function(name: str):
    """A callable ``(y_true, y_pred) -> scalar`` (mean over the batch) for a ``train.loss`` name."""
    import keras
    from keras import ops

    from dlrecipes.training import resolve_loss

    loss = resolve_loss(name)
    if isinstance(loss, str):
        function = keras.losses.get(loss)
        return lambda y_true, y_pred: ops.mean(function(y_true, y_pred))
    return loss


def gradient_norms(model, x, y, loss: str) -> list[float]:
    """``||dJ/dW^(l)||_F`` for each layer's kernel, input to output (autodiff).

    ``J`` is the recipe's loss averaged over the batch, plus the model's
    regularisation losses; the model runs with ``training=True`` (as in ``fit``).
    With sigmoid units the norms shrink layer by layer towards the input: each
    sigmoid multiplies the backpropagated error by ``f' <= 1/4``.

    Args:
        model: a built Keras model (the run's, wrapped or not).
        x, y: one batch.
        loss: the loss name, as in ``train.loss``.

    Returns:
        One norm per trainable variable whose path ends in ``kernel``, in order.
    """
    from dlrecipes.backprop import keras_gradients

    grads = keras_gradients(model, x, y, _loss_function(loss))
    norms = []
    for variable, grad in zip(model.trainable_variables, grads):
        if variable.path.endswith("kernel"):
            norms.append(float(np.linalg.norm(grad)))
    return norms


def activation_scales(model, x) -> list[float]:
    """Standard deviation of each hidden layer's output on ``x`` (``hidden_1 .. hidden_L``).

    Too small and the signal dies out with depth; too large and the units
    saturate; Glorot and He initialisation keep it roughly constant.

    Args:
        model: the run's model; the builder's ``hidden_<l>`` layers are read, on ``x``
            passed through the wrapper's preprocessing in inference mode.
        x: a batch of raw inputs.

    Returns:
        One standard deviation per hidden layer (``[]`` when the model has none).
    """
    import keras

    base = base_model(model)
    x = base_inputs(model, x)
    hidden = [layer for layer in base.layers if layer.name.startswith("hidden_")]
    if not hidden:
        return []
    probe = keras.Model(base.inputs, [layer.output for layer in hidden])
    outputs = probe.predict(x, batch_size=256, verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return [float(np.std(o)) for o in outputs]


def hidden_unit_spread(model) -> list[float]:
    """For each hidden layer, ``max_j ||(W[:, j], b_j) - (W[:, 0], b_0)||``.

    How far the units' incoming weights are from the first unit's: 0 means every
    unit of the layer is identical. With all-zero initial weights every unit
    computes the same function and receives the same gradient, so the spread
    stays exactly 0: the symmetry never breaks.
    """
    spreads = []
    for layer in weight_layers(model):
        if not layer.name.startswith("hidden_"):
            continue
        kernel, bias = layer.get_weights()[:2]
        units = np.vstack([kernel.reshape(-1, kernel.shape[-1]), bias.reshape(1, -1)])  # (D + 1, n)
        spreads.append(float(np.max(np.linalg.norm(units - units[:, :1], axis=0))))
    return spreads


def input_gradient_norms(model, x, y, loss: str = "mse") -> np.ndarray:
    """``||dL/dx_t||`` for every time step ``t``, averaged over the batch.

    ``L = sum_b loss(y_b, model(x_b))`` (a sum, so each example's gradient is its
    own), and ``x`` is ``(batch, time, features)``: the result is ``(time,)``, the
    mean over the batch of the Euclidean norm over features. Backpropagation
    through time multiplies one Jacobian per step; for a simple RNN
    ``dh_k/dh_{k-1} = diag(1 - h_k^2) U``, whose norm is usually below 1, so the
    gradient reaching early steps dies out exponentially; the LSTM's cell state
    (``dc_t/dc_{t-1} = f_t``) keeps it alive. Under TensorFlow it uses
    ``tf.GradientTape``, under JAX ``jax.grad`` of the model's ``stateless_call``.

    Args:
        model: a model taking ``(batch, time, features)`` float inputs.
        x, y: a probe batch.
        loss: a ``keras.losses`` name whose function returns one value per example.
    """
    import keras

    loss_fn = keras.losses.get(loss)
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    if x.ndim != 3:
        raise ValueError(
            f"input_gradient_norms needs (batch, time, features) inputs. Received shape: {x.shape}"
        )
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x_tensor = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x_tensor)
            objective = tf.reduce_sum(loss_fn(y, model(x_tensor, training=False)))
        gradient = np.asarray(tape.gradient(objective, x_tensor))
    elif backend == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        def objective(inputs):
            outputs, _ = model.stateless_call(trainable, non_trainable, inputs, training=False)
            return loss_fn(y, outputs).sum()

        gradient = np.asarray(jax.grad(objective)(x))
    else:
        raise ValueError(
            "input_gradient_norms supports the tensorflow and jax backends. "
            f"Received: backend={backend!r}"
        )
    return np.linalg.norm(gradient, axis=-1).mean(axis=0)  # (time,)


def edge_ratio(norms, edge: int = EDGE_STEPS) -> float:
    """Mean gradient norm over the first ``edge`` steps / over the last ``edge`` steps.

    Near 1: the gradient reaches the start of the sequence. Orders of magnitude
    below 1: it vanished on the way back. ``edge`` is at most half the length.
    """
    edge = max(1, min(edge, len(norms) // 2))
    late = float(np.mean(norms[-edge:]))
    return float(np.mean(norms[:edge])) / late if late > 0 else float("nan")


# --------------------------------------------------------------------------- series.json


def series(values, xlabel: str, ylabel: str, log_y: bool) -> dict[str, Any]:
    """One entry of ``series.json``: ``{"values", "xlabel", "ylabel", "log_y"}``."""
    return {
        "values": [float(v) for v in values],
        "xlabel": xlabel,
        "ylabel": ylabel,
        "log_y": bool(log_y),
    }


def read_series(run_dir: str | Path) -> dict[str, dict]:
    """The series of ``run_dir / "series.json"`` (``{}`` when absent or unreadable)."""
    path = Path(run_dir) / "series.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict) and "values" in v}


def merge_series(run_dir: str | Path, new: dict[str, dict]) -> Path:
    """Add ``new`` to ``run_dir / "series.json"`` (same names replaced), written atomically."""
    path = Path(run_dir) / "series.json"
    merged = {**read_series(run_dir), **new}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(merged, indent=2))
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- probes


@dataclass(frozen=True)
class Measurement:
    """What a probe hands back: series for ``series.json`` and scalars for ``metrics.json``."""

    series: dict[str, dict] = field(default_factory=dict)
    scalars: dict[str, float] = field(default_factory=dict)


def _option_label(recipe, key: str, default: str) -> str:
    """A model option as a plot label (an initializer's config as JSON)."""
    value = recipe.model.options.get(key, default)
    return value if isinstance(value, str) else json.dumps(value, default=dict)


def _probe_gradient_norms(stage, model, x, y, recipe, run_dir) -> Measurement:
    """``||dJ/dW||`` per layer at initialisation -> ``plots/gradient_norms.png``."""
    norms = gradient_norms(model, x, y, recipe.train.loss)
    if not norms:
        raise RecipeError(
            f"probe 'gradient_norms' needs layers with a kernel; model {model.name!r} has none"
        )
    ylabel = "||dJ/dW|| at initialisation"
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6, 4))
    # A norm of exactly 0 (the gradient underflowed, e.g. tiny initial weights) has no
    # place on a log axis: it is drawn at a floor far below the others and labelled 0.
    norms_array = np.asarray(norms, dtype=float)
    positive = norms_array[norms_array > 0]
    floor = positive.min() * 1e-3 if positive.size else 1e-30
    layers = np.arange(1, len(norms) + 1)
    axis.bar(layers, np.maximum(norms_array, floor))
    for layer in layers[norms_array <= 0]:
        axis.annotate("0", (layer, floor), ha="center", va="bottom")
    axis.set_yscale("log")
    axis.set_xlabel(LAYER_AXIS)
    axis.set_ylabel(ylabel)
    activation = _option_label(recipe, "activation", "relu")
    axis.set_title(f"{activation}: gradient norm per layer at initialisation")
    axis.grid(alpha=0.3, axis="y")
    save(fig, plots_dir(run_dir) / "gradient_norms.png")
    last_hidden = norms[-2] if len(norms) > 1 else norms[0]
    return Measurement(
        series={"gradient_norm_at_init": series(norms, LAYER_AXIS, ylabel, log_y=True)},
        scalars={
            "grad_norm_first": norms[0],
            "grad_norm_last_hidden": last_hidden,
            "grad_norm_output": norms[-1],
            "grad_ratio_first_to_last_hidden": norms[0] / max(last_hidden, 1e-30),
        },
    )


def _probe_activation_scale(stage, model, x, y, recipe, run_dir) -> Measurement:
    """Std of each hidden layer's output at initialisation -> ``plots/activation_scale.png``."""
    scales = activation_scales(model, x)
    if not scales:
        raise RecipeError(
            "probe 'activation_scale' needs layers named hidden_<l> (the mlp builders'); "
            f"model {base_model(model).name!r} has none"
        )
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6, 4))
    axis.plot(np.arange(1, len(scales) + 1), np.maximum(scales, 1e-12), marker="o")
    axis.set_yscale("log")
    axis.set_xlabel("hidden layer")
    axis.set_ylabel("std of the layer's output")
    initializer = _option_label(recipe, "kernel_initializer", "glorot_uniform")
    axis.set_title(f"{initializer}: activation scale at initialisation")
    axis.grid(alpha=0.3)
    save(fig, plots_dir(run_dir) / "activation_scale.png")
    ylabel = "std of the layer's output at initialisation"
    return Measurement(
        series={"activation_std_at_init": series(scales, "hidden layer", ylabel, log_y=True)},
        scalars={"activation_std_first": scales[0], "activation_std_last": scales[-1]},
    )


def _probe_hidden_unit_spread(stage, model, x, y, recipe, run_dir) -> Measurement:
    """Spread of each hidden layer's units after training -> ``plots/first_layer_weights.png``."""
    spreads = hidden_unit_spread(model)
    if not spreads:
        raise RecipeError(
            "probe 'hidden_unit_spread' needs layers named hidden_<l> (the mlp builders'); "
            f"model {base_model(model).name!r} has none"
        )
    kernel = weight_layers(model)[0].get_weights()[0]
    first = kernel.reshape(-1, kernel.shape[-1])  # (inputs, units)
    initializer = _option_label(recipe, "kernel_initializer", "glorot_uniform")
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6, 4))
    image = axis.imshow(first, aspect="auto", cmap="RdBu_r")
    fig.colorbar(image, ax=axis)
    axis.set_xlabel("hidden unit")
    axis.set_ylabel("input")
    axis.set_title(f"{initializer}: first-layer weights after training (spread {spreads[0]:.2g})")
    save(fig, plots_dir(run_dir) / "first_layer_weights.png")
    ylabel = "max_j ||w_j - w_1|| after training"
    return Measurement(
        series={
            "hidden_unit_spread_after_training": series(spreads, "hidden layer", ylabel, False)
        },
        scalars={"hidden_unit_spread": max(spreads), "symmetric": float(max(spreads) < 1e-6)},
    )


#: How each stage is named in plot legends.
STAGE_LABELS = {"init": "at initialisation", "epoch": "after an epoch", "end": "after training"}


def _probe_input_gradients(stage, model, x, y, recipe, run_dir) -> Measurement:
    """``||dL/dx_t||`` against ``t`` -> ``plots/input_gradients.png`` (init and end overlaid)."""
    from dlrecipes.reports.curves import overlay

    norms = input_gradient_norms(model, x, y, recipe.train.loss)
    ylabel = "mean ||dL/dx_t||"
    profiles = {STAGE_LABELS[stage]: norms}
    if stage == "end":
        init = read_series(run_dir).get("input_gradient_norm_at_init")
        if init is not None:
            profiles = {STAGE_LABELS["init"]: init["values"], **profiles}
    overlay(
        {k: np.maximum(np.asarray(v, "float64"), PLOT_FLOOR) for k, v in profiles.items()},
        plots_dir(run_dir) / "input_gradients.png",
        xlabel="time step t",
        ylabel=f"{ylabel} (0 drawn at {PLOT_FLOOR:g})",
        title=f"{recipe.name}: gradient reaching each time step",
        log_y=True,
    )
    scalar = "early_late_gradient_ratio_" + ("init" if stage == "init" else "trained")
    return Measurement(
        series={f"input_gradient_norm_at_{stage}": series(norms, "time step t", ylabel, True)},
        scalars={scalar: edge_ratio(norms)},
    )


EARLY_SERIES = "early_gradient_norm"


def _probe_early_input_gradients(stage, model, x, y, recipe, run_dir) -> Measurement:
    """Mean ``||dL/dx_t||`` over the first :data:`EDGE_STEPS` steps, at initialisation and
    after every epoch -> the series ``early_gradient_norm`` (x = epoch + 1, 1 = at
    initialisation) and ``plots/early_gradient_norm.png``: whether training opens the
    path along which the gradient reaches the start of the sequence."""
    from dlrecipes.reports.curves import overlay

    norms = input_gradient_norms(model, x, y, recipe.train.loss)
    edge = max(1, min(EDGE_STEPS, len(norms) // 2))
    value = float(np.mean(norms[:edge]))
    previous = (
        []
        if stage == "init"
        else list(read_series(run_dir).get(EARLY_SERIES, {}).get("values", []))
    )
    values = [*previous, value]
    ylabel = f"mean ||dL/dx_t||, t <= {EDGE_STEPS} (0 drawn at {PLOT_FLOOR:g})"
    overlay(
        {recipe.name: np.maximum(np.asarray(values, "float64"), PLOT_FLOOR)},
        plots_dir(run_dir) / f"{EARLY_SERIES}.png",
        xlabel="epoch + 1 (1 = initialisation)",
        ylabel=ylabel,
        title="gradient reaching the first time steps",
        log_y=True,
    )
    return Measurement(
        series={EARLY_SERIES: series(values, "epoch + 1 (1 = initialisation)", ylabel, True)},
        scalars={"early_gradient_norm_init": values[0], "early_gradient_norm_last": value},
    )


def _probe_wall_clock(stage, model, x, y, recipe, run_dir) -> Measurement:
    """Training seconds and the loss per epoch (:mod:`dlrecipes.reports.wall_clock`)."""
    from dlrecipes.reports.wall_clock import wall_clock  # it imports this module

    return wall_clock(stage, model, x, y, recipe, run_dir)


def _probe_activation_sparsity(stage, model, x, y, recipe, run_dir) -> Measurement:
    """Fraction of exactly-zero hidden activations (:mod:`dlrecipes.reports.sparsity`)."""
    from dlrecipes.reports.sparsity import activation_sparsity  # it imports this module

    return activation_sparsity(stage, model, x, y, recipe, run_dir)


@dataclass(frozen=True)
class Probe:
    """A registered probe.

    Attributes:
        stages: the stages of :data:`STAGES` it runs at.
        split: the split whose first :data:`PROBE_BATCH` examples it measures on.
        function: ``(stage, model, x, y, recipe, run_dir) -> Measurement``; it draws
            its plot under ``run_dir / "plots"``.
        summary: one line for the docs and error messages.
    """

    stages: tuple[str, ...]
    split: str
    function: Callable[..., Measurement]
    summary: str


#: Probe name -> :class:`Probe`.
PROBES: dict[str, Probe] = {
    "gradient_norms": Probe(
        ("init",), "train", _probe_gradient_norms, "||dJ/dW|| per layer at initialisation"
    ),
    "activation_scale": Probe(
        ("init",), "train", _probe_activation_scale, "std of each hidden layer's output at init"
    ),
    "hidden_unit_spread": Probe(
        ("end",), "train", _probe_hidden_unit_spread, "how far each layer's units are apart"
    ),
    "input_gradients": Probe(
        ("init", "end"), "test", _probe_input_gradients, "||dL/dx_t|| per time step"
    ),
    "early_input_gradients": Probe(
        ("init", "epoch"),
        "test",
        _probe_early_input_gradients,
        "mean ||dL/dx_t|| over the first steps, per epoch",
    ),
    "wall_clock": Probe(
        ("init", "epoch"), "train", _probe_wall_clock, "training seconds and loss, per epoch"
    ),
    "activation_sparsity": Probe(
        ("init", "end"), "test", _probe_activation_sparsity, "fraction of zero hidden activations"
    ),
}


def runs_at(names, stage: str) -> bool:
    """Whether any of the named probes runs at ``stage``."""
    return any(stage in PROBES[name].stages for name in validate_probes(names))


def validate_probes(names) -> tuple[str, ...]:
    """Fail before training when a recipe names an unknown probe (one-line ``RecipeError``).

    Returns:
        ``names`` as a tuple.
    """
    return check_names(names, PROBES, "probe", "probes")


def probe_batch(splits, split: str, size: int = PROBE_BATCH):
    """The first ``size`` examples ``(x, y)`` of ``split``; the training split if it is empty."""
    x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
    if len(x) == 0:
        x, y = splits.x_train, splits.y_train
    return x[:size], y[:size]


def run_probes(names, stage: str, model, splits, recipe, run_dir) -> dict[str, float]:
    """Run the named probes that run at ``stage``; returns their scalars, flat.

    Writes (merges) their series into ``run_dir / "series.json"`` and their plots
    under ``run_dir / "plots"``. Probes that do not run at ``stage`` are skipped.

    Args:
        names: the recipe's ``probes``.
        stage: ``"init"`` (before ``fit``), ``"epoch"`` (after each epoch) or ``"end"``
            (after training).
        model: the run's model (possibly the runner's wrapper).
        splits: the run's :class:`~dlrecipes.data.splits.Splits`.
        recipe: the resolved recipe (``train.loss``, ``model.options`` for titles).
        run_dir: the run directory (it must exist).

    Returns:
        ``{scalar name: value}``, e.g. ``{"grad_norm_first": 0.23, ...}``.

    Raises:
        RecipeError: an unknown probe name.
        ValueError: an unknown stage.
    """
    names = validate_probes(names)
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}. Received: stage={stage!r}")
    scalars: dict[str, float] = {}
    for name in names:
        probe = PROBES[name]
        if stage not in probe.stages:
            continue
        x, y = probe_batch(splits, probe.split)
        measured = probe.function(stage, model, x, y, recipe, Path(run_dir))
        if measured.series:
            merge_series(run_dir, measured.series)
        scalars.update(measured.scalars)
    return scalars
