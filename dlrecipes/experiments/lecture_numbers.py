"""The Foundations lectures' worked numbers, each recomputed and checked (one custom recipe).

:func:`lecture_numbers` recomputes the numbers the lectures work out by hand and checks
each against Keras:

1. the forward pass of the 2-2-2-2 sigmoid network (:mod:`.forward_pass`);
2. the optimizers' update rules in NumPy against ``keras.optimizers``
   (:mod:`.update_rules`), and the AdaGrad example ``eta / sqrt(0.1^2 + 0.2^2) = eta / 0.22``;
3. activation functions and derivatives, analytic against autodiff and finite
   differences, and the identities (:mod:`.activation_functions`);
4. reverse-mode autodiff of the sigmoid neuron's graph (:mod:`.autodiff`).

Each check has a tolerance; ``failed_checks`` counts those that miss it (the recipe
expects 0) and every number is returned so that a test can pin it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.patches import Circle

from dlrecipes.experiments import activation_functions as af
from dlrecipes.experiments import autodiff as ad
from dlrecipes.experiments import forward_pass as fp
from dlrecipes.experiments import update_rules as ur
from dlrecipes.experiments.foundations import _options
from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.spec import RecipeError

#: Tolerances of the checks (float64 computations; Keras' float32 hyper-parameters).
TOLERANCES = {
    "forward_pass": 0.005,  # two decimals
    "update_rules": 1e-12,  # NumPy vs Keras in float64 (float32-exact hyper-parameters)
    "adam_paper_form": 1e-4,  # O(eps) between Kingma & Ba's form and Keras' epsilon-hat form
    "adagrad_example": 0.005,
    "activation_autodiff": 1e-8,  # leaky ReLU's slope passes through float32 (1.5e-9)
    "activation_finite_differences": 1e-6,
    "identities": 1e-8,
    "autodiff": 1e-6,
}


def _forward_checks(axis) -> dict[str, float]:
    model = fp.keras_model()
    wrong = fp.keras_model(transpose=False)
    inputs = np.array(list(fp.LECTURE_OUTPUTS), "float32")  # (2, 2)
    outputs = model.predict(inputs, verbose=0)
    transposed = wrong.predict(inputs, verbose=0)
    out, errors = {}, []
    for row, (x, expected) in enumerate(fp.LECTURE_OUTPUTS.items()):
        tag = "x_" + "_".join(f"{v:g}" for v in x).replace("-", "m")
        for unit in range(2):
            out[f"forward_{tag}_y{unit + 1}"] = float(outputs[row, unit])
            out[f"transposed_output_{tag}_y{unit + 1}"] = float(transposed[row, unit])
            errors.append(abs(float(outputs[row, unit]) - expected[unit]))
        layers = fp.numpy_forward(x)
        errors.append(float(np.max(np.abs(layers[-1] - outputs[row]))))
        _draw_network(axis, layers, x, offset=row)
    out["forward_max_error"] = max(errors)
    return out


def _draw_network(axis, layers, x, offset: int) -> None:
    """Nodes with their values, one network per input (``offset`` rows down)."""
    columns = [np.asarray(x, "float64"), *layers]
    y0 = -3.0 * offset
    for c, values in enumerate(columns):
        for i, value in enumerate(values):
            axis.add_patch(Circle((c, y0 - i), 0.3, color="C0" if c else "C7", alpha=0.3))
            axis.text(c, y0 - i, f"{value:.2f}", ha="center", va="center", fontsize=9)
            if c:
                for j in range(len(columns[c - 1])):
                    axis.plot([c - 1 + 0.3, c - 0.3], [y0 - j, y0 - i], "k-", lw=0.4, alpha=0.5)
    axis.set_xlim(-0.5, len(columns) - 0.5)
    axis.set_ylim(-5, 0.6)
    axis.set_aspect("equal")
    axis.axis("off")


def _update_rule_checks(axis, steps: int) -> dict[str, float]:
    value, gradient = ur.ill_conditioned_quadratic()
    w0 = np.array([-2.0, 1.0])
    grid = np.stack(np.meshgrid(np.linspace(-2.3, 0.6, 120), np.linspace(-1.3, 1.3, 120)), -1)
    axis.contour(grid[..., 0], grid[..., 1], value(grid), levels=15, colors="0.8", linewidths=0.6)
    out, worst = {}, 0.0
    for index, rule in enumerate(ur.RULES):
        hyper = ur.CHECK_HYPERPARAMETERS[rule]
        numpy_path = ur.numpy_trajectory(rule, gradient, w0, steps, **hyper)
        keras_path = ur.keras_trajectory(ur.keras_optimizer(rule, **hyper), gradient, w0, steps)
        difference = float(np.max(np.abs(numpy_path - keras_path)))
        out[f"{rule}_max_difference"] = difference
        if rule != "adam":
            worst = max(worst, difference)
        if rule != "adam_epsilon_hat":
            axis.plot(*numpy_path.T, "-", color=f"C{index}", lw=1.2, label=rule)
            axis.plot(*keras_path[::5].T, "o", color=f"C{index}", ms=3, mfc="none")
        out[f"{rule}_final_loss"] = float(value(numpy_path[-1]))
    axis.plot(*w0, "k*", ms=10)
    axis.set_title(f"{steps} steps on 0.5 (w1$^2$ + 10 w2$^2$): NumPy (lines), Keras (circles)")
    axis.legend(fontsize=7, loc="lower right")
    out["update_rules_max_difference"] = worst
    rates = ur.adagrad_effective_rates([0.1, 0.2, 0.3])
    keras_rates = ur.keras_adagrad_effective_rates([0.1, 0.2, 0.3])
    for step in range(3):
        out[f"adagrad_rate_step{step + 1}"] = float(rates[step])
        out[f"keras_adagrad_rate_step{step + 1}"] = float(keras_rates[step])
    out["adagrad_denominator_step2"] = float(1.0 / rates[1])  # sqrt(0.1^2 + 0.2^2) = 0.22
    return out


def _activation_checks(axes) -> dict[str, float]:
    z = np.linspace(-3, 3, 601) + 0.0025  # off the kinks at 0 (and maxout's at -0.4, 0.8)
    out = {}
    errors = af.derivative_errors(z)
    for name, entry in errors.items():
        out[f"{name}_autodiff_error"] = entry["autodiff"]
        out[f"{name}_finite_difference_error"] = entry["finite_differences"]
    out["activation_autodiff_max_error"] = max(e["autodiff"] for e in errors.values())
    out["activation_finite_difference_max_error"] = max(
        e["finite_differences"] for e in errors.values()
    )
    out.update(af.identities(z))
    for axis, (name, (function, derivative)) in zip(axes, af.ACTIVATIONS.items()):
        _, grads = af.keras_derivative(name, z[::20])
        axis.plot(z, function(z), label="f")
        axis.plot(z, derivative(z), label="f' (analytic)")
        axis.plot(z[::20], grads, "k.", ms=3, label="f' (Keras autodiff)")
        axis.set_title(name, fontsize=10)
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    return out


def _autodiff_checks(axis) -> dict[str, float]:
    rows = ad.table()
    grads = {name: grad for name, _, _, grad in rows}
    keras_grads, finite = ad.keras_gradients(), ad.finite_difference_gradients()
    out = {f"autodiff_df_d{name}": grads[name] for name in ad.INPUTS}
    out["autodiff_output"] = rows[-1][2]
    out["autodiff_vs_keras"] = max(abs(grads[n] - keras_grads[n]) for n in ad.INPUTS)
    out["autodiff_vs_finite_differences"] = max(abs(grads[n] - finite[n]) for n in ad.INPUTS)
    axis.axis("off")
    table = axis.table(
        cellText=[[n, op, f"{v:.3f}", f"{g:.3f}"] for n, op, v, g in rows],
        colLabels=["node", "operation", "forward value", "df/dnode (backward)"],
        loc="center",
    )
    table.scale(1, 1.2)
    axis.set_title(
        "sigmoid(w0 x0 + w1 x1 + b): reverse mode by hand\n"
        f"max |hand - Keras autodiff| = {out['autodiff_vs_keras']:.1e}",
        fontsize=10,
    )
    return out


def _autodiff_tolerance() -> float:
    """Keras 3.15 under JAX computes ``ops.tanh`` in float32 even for float64 inputs."""
    import keras

    return 1e-6 if keras.backend.backend() == "jax" else TOLERANCES["activation_autodiff"]


def _failures(m: dict[str, float]) -> list[str]:
    t = TOLERANCES
    checks = {
        "forward_pass": m["forward_max_error"] <= t["forward_pass"],
        "update_rules": m["update_rules_max_difference"] <= t["update_rules"],
        "adam_paper_form": m["adam_max_difference"] <= t["adam_paper_form"],
        "adagrad_example": abs(m["adagrad_denominator_step2"] - 0.22) <= t["adagrad_example"]
        and abs(m["keras_adagrad_rate_step2"] - m["adagrad_rate_step2"]) <= 1e-9,
        "activation_autodiff": m["activation_autodiff_max_error"] <= _autodiff_tolerance(),
        "activation_finite_differences": m["activation_finite_difference_max_error"]
        <= t["activation_finite_differences"],
        "identities": m["tanh_minus_2_sigmoid_2z_minus_1"] <= t["identities"]
        and m["softplus_derivative_minus_sigmoid"] <= t["activation_finite_differences"]
        and abs(m["sigmoid_derivative_max"] - 0.25) <= t["identities"],
        "autodiff": max(m["autodiff_vs_keras"], m["autodiff_vs_finite_differences"])
        <= t["autodiff"],
    }
    return [name for name, passed in checks.items() if not passed]


def lecture_numbers(recipe, run_dir) -> dict[str, Any]:
    """Recompute the lectures' worked numbers and check each against Keras.

    ``model.options``: ``steps`` (update-rule steps compared, default 100).

    Plots: ``plots/forward_pass.png`` (the network's values for both inputs),
    ``plots/update_rules.png`` (trajectories), ``plots/activations.png`` (f, f'),
    ``plots/autodiff.png`` (the node table).

    Returns:
        ``failed_checks`` (the number of checks outside their tolerance, expected 0) and
        every number: ``forward_x_1_m1_y1`` ..., ``<rule>_max_difference``,
        ``adagrad_rate_step<t>``, ``<activation>_autodiff_error``, the identities,
        ``autodiff_df_d<input>``.
    """
    options = _options(recipe, {"steps": 100})
    steps = int(options["steps"])
    if steps < 1:
        raise RecipeError(f"model.options.steps must be a positive integer. Received: {steps}")
    plt = pyplot()
    folder = plots_dir(run_dir)
    metrics: dict[str, Any] = {}

    fig, axis = plt.subplots(figsize=(6, 5))
    metrics.update(_forward_checks(axis))
    axis.set_title(
        "2-2-2-2 sigmoid network: f([1, -1]) (top), f([0, 0]) (bottom)\n"
        "Keras Dense(sigmoid) x 3, lecture weights: max |Keras - lecture| = "
        f"{metrics['forward_max_error']:.4f} (equal to 2 decimals)",
        fontsize=9,
    )
    save(fig, folder / "forward_pass.png")

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [2, 1]})
    metrics.update(_update_rule_checks(axes[0], steps))
    axes[1].bar(["t = 1", "t = 2", "t = 3"], [metrics[f"adagrad_rate_step{t}"] for t in (1, 2, 3)])
    for t, label in zip((1, 2, 3), ("$\\eta$/0.1", "$\\eta$/0.22", "$\\eta$/0.37")):
        axes[1].text(t - 1, metrics[f"adagrad_rate_step{t}"], label, ha="center", va="bottom")
    axes[1].set_ylabel("AdaGrad step size / $\\eta$")
    axes[1].set_title("AdaGrad with gradients 0.1, 0.2, 0.3")
    save(fig, folder / "update_rules.png")

    fig, axes = plt.subplots(1, len(af.ACTIVATIONS), figsize=(2.6 * len(af.ACTIVATIONS), 2.8))
    metrics.update(_activation_checks(axes))
    save(fig, folder / "activations.png")

    fig, axis = plt.subplots(figsize=(6.5, 4.5))
    metrics.update(_autodiff_checks(axis))
    save(fig, folder / "autodiff.png")

    failed = _failures(metrics)
    for name in failed:
        print(f"[{recipe.name}] check failed: {name}", flush=True)
    metrics["failed_checks"] = len(failed)
    metrics["update_rule_steps"] = steps
    return metrics
