"""The ``activation_sparsity`` probe: how many hidden units are exactly zero (ReLU's sparsity).

A ReLU unit outputs exactly 0 for every input with a negative pre-activation, so a
ReLU network's hidden representation is sparse: Glorot, Bordes & Bengio (2011) measured
50-80 % zeros after training. Sigmoid and tanh units are never exactly 0. For each
hidden layer ``hidden_<l>`` (post-activation) on the first test examples the probe
measures

- the **fraction of zero activations** (over examples and units), and
- the **fraction of dead units**: zero on every probed example.

At ``init`` and ``end``; series ``zero_fraction_at_init`` / ``zero_fraction_at_end``
(per layer), scalars ``zero_fraction_init`` / ``zero_fraction_end`` (mean over the
hidden layers) and ``dead_unit_fraction_end``; plot ``plots/activation_sparsity.png``.

Reference: X. Glorot, A. Bordes and Y. Bengio, "Deep sparse rectifier neural networks",
AISTATS 2011.
"""

from __future__ import annotations

import numpy as np

from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.reports.model_parts import base_inputs, base_model
from dlrecipes.reports.probes import Measurement, read_series, series


def hidden_outputs(model, x) -> list[np.ndarray]:
    """The post-activation outputs ``(N, units)`` of each hidden layer on ``x``."""
    import keras

    base = base_model(model)
    x = base_inputs(model, x)
    names = [layer.name for layer in base.layers]
    hidden = []
    for layer in base.layers:
        if not layer.name.startswith("hidden_"):
            continue
        index = layer.name.split("_", 1)[1]
        # With batch_norm the nonlinearity is a separate Activation layer.
        after = f"activation_{index}"
        hidden.append(base.get_layer(after) if after in names else layer)
    if not hidden:
        return []
    probe = keras.Model(base.inputs, [layer.output for layer in hidden])
    outputs = probe.predict(x, batch_size=256, verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return [np.asarray(o).reshape(len(x), -1) for o in outputs]


def sparsity(outputs: list[np.ndarray]) -> tuple[list[float], list[float]]:
    """Per layer: the fraction of exactly-zero activations and of units zero everywhere."""
    zero = [float(np.mean(o == 0)) for o in outputs]
    dead = [float(np.mean(np.all(o == 0, axis=0))) for o in outputs]
    return zero, dead


def activation_sparsity(stage, model, x, y, recipe, run_dir) -> Measurement:
    """The probe function (stages ``init`` and ``end``); see the module docstring."""
    zero, dead = sparsity(hidden_outputs(model, x))
    name = f"zero_fraction_at_{stage}"
    found = read_series(run_dir)
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6, 3.8))
    layers = np.arange(1, len(zero) + 1)
    earlier = found.get("zero_fraction_at_init", {}).get("values") if stage == "end" else None
    if earlier:
        axis.bar(layers - 0.2, earlier, width=0.4, label="at initialisation")
    axis.bar(layers + (0.2 if earlier else 0), zero, width=0.4, label=f"at {stage}")
    axis.set_xlabel("hidden layer")
    axis.set_ylabel("fraction of activations exactly 0")
    axis.set_ylim(0, 1)
    activation = recipe.model.options.get("activation", "relu")
    axis.set_title(f"Sparse activation ({activation})")
    axis.legend()
    save(fig, plots_dir(run_dir) / "activation_sparsity.png")
    mean = float(np.mean(zero)) if zero else 0.0
    return Measurement(
        series={name: series(zero, "hidden layer", "fraction of zero activations", False)},
        scalars={
            f"zero_fraction_{stage}": mean,
            f"dead_unit_fraction_{stage}": float(np.mean(dead)) if dead else 0.0,
        },
    )
