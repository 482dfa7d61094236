"""Local minima and saddle points: the XOR network's loss between solutions, seed by seed.

The 2-2-1 sigmoid network of ``xor_mlp`` is trained from several seeds with the same
data and budget. Most seeds solve XOR (loss near 0); some stop in the classic
"local minimum" where two of the four points sit at ``p = 0.5`` and the loss is
``(2 ln 2) / 4 = 0.347`` (the cross-entropy of two perfectly fitted points and two at
one half). Writing the parameters as one vector ``theta`` (9 numbers), the loss

- along the line ``theta(a) = (1 - a) theta_A + a theta_B`` between two solutions:
  two global solutions found from different seeds are usually *different* minima
  (hidden units swapped or signs flipped: the loss has symmetric copies of each
  minimum) with a barrier between them;
- on the plane through three solutions ``theta_A + a (theta_B - theta_A) + b (theta_C -
  theta_A)``;
- and the Hessian's eigenvalues at the stuck point (central differences of the
  NumPy gradient): all >= 0 is a minimum along every direction; small or negative ones
  mean a saddle or a flat valley (Dauphin et al. 2014: in high dimension most critical
  points are saddles).

The loss is evaluated in NumPy on the four XOR points (the same binary cross-entropy
Keras trained; their agreement is returned as ``numpy_vs_keras_loss``).

References: Minsky & Papert 1969; Rumelhart, Hinton & Williams 1986; Goodfellow,
Vinyals & Saxe, "Qualitatively characterizing neural network optimization problems",
ICLR 2015 (linear interpolation); Dauphin et al., NeurIPS 2014 (saddle points).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from dlrecipes.experiments.foundations import _load, _options, _verbose
from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.spec import RecipeError

#: The loss of the classic stuck point: two points fitted, two at p = 1/2.
STUCK_LOSS = np.log(2) / 2
#: A seed whose final loss exceeds this has not solved XOR.
SOLVED_LOSS = 0.1
_ACTIVATIONS = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh}


def flatten(weights: list[np.ndarray]) -> np.ndarray:
    """Keras weights ``[W1 (2, h), b1 (h,), W2 (h, 1), b2 (1,)]`` -> one float64 vector."""
    return np.concatenate([np.asarray(w, "float64").ravel() for w in weights])


def unflatten(theta: np.ndarray, hidden: int) -> list[np.ndarray]:
    """The inverse of :func:`flatten` for a 2-``hidden``-1 network."""
    sizes = [(2, hidden), (hidden,), (hidden, 1), (1,)]
    out, start = [], 0
    for shape in sizes:
        count = int(np.prod(shape))
        out.append(theta[start : start + count].reshape(shape))
        start += count
    return out


def loss(theta, x, y, hidden: int, activation: str = "sigmoid") -> np.ndarray:
    """Binary cross-entropy of the 2-h-1 network; ``theta`` may be ``(..., P)`` (a grid)."""
    theta = np.asarray(theta, "float64")
    flat = theta.reshape(-1, theta.shape[-1])
    values = np.empty(len(flat))
    for index, vector in enumerate(flat):
        w1, b1, w2, b2 = unflatten(vector, hidden)
        h = _ACTIVATIONS[activation](x @ w1 + b1)  # (4, h)
        p = np.clip(1 / (1 + np.exp(-(h @ w2 + b2)))[:, 0], 1e-7, 1 - 1e-7)
        values[index] = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return values.reshape(theta.shape[:-1])


def gradient(theta, x, y, hidden, activation, step=1e-5) -> np.ndarray:
    """Central-difference gradient of :func:`loss` (9 parameters: cheap and exact enough)."""
    eye = np.eye(len(theta)) * step
    return np.array(
        [
            (loss(theta + e, x, y, hidden, activation) - loss(theta - e, x, y, hidden, activation))
            / (2 * step)
            for e in eye
        ]
    )


def hessian_eigenvalues(theta, x, y, hidden, activation, step=1e-4) -> np.ndarray:
    """Eigenvalues of the (symmetrised) central-difference Hessian, ascending."""
    eye = np.eye(len(theta)) * step
    rows = [
        (
            gradient(theta + e, x, y, hidden, activation)
            - gradient(theta - e, x, y, hidden, activation)
        )
        / (2 * step)
        for e in eye
    ]
    matrix = np.array(rows)
    return np.linalg.eigvalsh((matrix + matrix.T) / 2)


def _train_seeds(recipe, splits, seeds):
    from dlrecipes.models.build import build_model, unwrap
    from dlrecipes.training import compile_model, fit, set_seed

    thetas, keras_losses = {}, {}
    for seed in seeds:
        seeded = dataclasses.replace(recipe, seed=seed)
        set_seed(seed, recipe.train.jit_compile)
        model = build_model(seeded, splits)
        compile_model(model, recipe.train, len(splits.x_train))
        fit(model, splits, recipe.train, None, verbose=_verbose(recipe))
        thetas[seed] = flatten(unwrap(model)[0].get_weights())
        keras_losses[seed] = float(
            model.evaluate(splits.x_test, splits.y_test, verbose=0, return_dict=True)["loss"]
        )
        print(f"[{recipe.name}] seed {seed}: loss {keras_losses[seed]:.4f}", flush=True)
    return thetas, keras_losses


def _line(theta_a, theta_b, args, alphas):
    return loss(theta_a[None] + alphas[:, None] * (theta_b - theta_a)[None], *args)


def loss_landscape(recipe, run_dir) -> dict[str, Any]:
    """Train the XOR network from each seed; the loss between the solutions found.

    ``model.options``: the ``mlp`` builder's (``hidden_units`` one layer,
    ``activation`` sigmoid or tanh, ``binary`` True) plus ``seeds`` (default 0-7).

    Plots: ``plots/final_loss_per_seed.png``, ``plots/loss_along_lines.png``,
    ``plots/loss_plane.png``.

    Returns:
        ``stuck_seeds`` (seeds whose loss stayed above 0.1), ``stuck_fraction``,
        ``stuck_loss`` (the first stuck seed's loss; ln2/2 = 0.347 for the classic point),
        ``solved_loss``, ``barrier_between_solutions`` (the highest loss on the line
        between two solutions minus the higher end), ``barrier_solved_to_stuck``,
        ``stuck_gradient_norm``, ``stuck_hessian_min`` / ``_max``,
        ``numpy_vs_keras_loss``.
    """
    options = _options(
        recipe,
        {"hidden_units": (2,), "activation": "sigmoid", "binary": True, "seeds": tuple(range(8))},
    )
    seeds = tuple(int(s) for s in options["seeds"])
    hidden = options["hidden_units"]
    hidden = int(hidden if isinstance(hidden, int) else hidden[0])
    activation = str(options["activation"])
    if len(seeds) < 2 or activation not in _ACTIVATIONS:
        raise RecipeError(
            "loss_landscape needs at least 2 seeds and a sigmoid or tanh hidden layer. "
            f"Received: seeds={seeds}, activation={activation!r}"
        )
    splits = _load(recipe)
    if splits.input_shape != (2,) or splits.num_classes != 2:
        raise RecipeError(f"loss_landscape needs the xor source. Received: {splits.summary()}")
    model_recipe = dataclasses.replace(
        recipe,
        model=dataclasses.replace(
            recipe.model, options={k: v for k, v in options.items() if k != "seeds"}
        ),
    )
    thetas, keras_losses = _train_seeds(model_recipe, splits, seeds)
    x = splits.x_test.astype("float64")
    y = splits.y_test.astype("float64").reshape(-1)
    args = (x, y, hidden, activation)
    final = {s: float(loss(thetas[s], *args)) for s in seeds}
    solved = [s for s in seeds if final[s] <= SOLVED_LOSS]
    stuck = [s for s in seeds if final[s] > SOLVED_LOSS]
    out: dict[str, Any] = {
        "stuck_seeds": len(stuck),
        "stuck_fraction": len(stuck) / len(seeds),
        "numpy_vs_keras_loss": max(abs(final[s] - keras_losses[s]) for s in seeds),
        "solved_loss": float(np.mean([final[s] for s in solved])) if solved else float("nan"),
    }
    for seed in seeds:
        out[f"loss_seed_{seed}"] = final[seed]

    plt = pyplot()
    folder = plots_dir(run_dir)
    fig, axis = plt.subplots(figsize=(6, 3.8))
    axis.bar(
        [str(s) for s in seeds],
        [final[s] for s in seeds],
        color=["C3" if s in stuck else "C2" for s in seeds],
    )
    axis.axhline(STUCK_LOSS, color="k", ls="--", lw=0.8, label="ln 2 / 2 (two points at p = 0.5)")
    axis.set_xlabel("seed")
    axis.set_ylabel("final training loss")
    axis.set_title(f"XOR 2-{hidden}-1 ({activation}): {len(stuck)} of {len(seeds)} seeds stuck")
    axis.legend(fontsize=8)
    save(fig, folder / "final_loss_per_seed.png")

    alphas = np.linspace(-0.5, 1.5, 201)
    fig, axis = plt.subplots(figsize=(6.5, 4))
    pairs = []
    if len(solved) >= 2:
        pairs.append(("solution to solution", solved[0], solved[1], "barrier_between_solutions"))
    if solved and stuck:
        pairs.append(("solution to stuck point", solved[0], stuck[0], "barrier_solved_to_stuck"))
    for label, a, b, key in pairs:
        values = _line(thetas[a], thetas[b], args, alphas)
        inside = values[(alphas >= 0) & (alphas <= 1)]
        out[key] = float(inside.max() - max(final[a], final[b]))
        axis.plot(alphas, values, label=f"{label} (seeds {a} -> {b})")
    axis.axvline(0, color="0.6", lw=0.6)
    axis.axvline(1, color="0.6", lw=0.6)
    axis.set_xlabel("a in (1 - a) theta_A + a theta_B")
    axis.set_ylabel("loss")
    axis.set_title("The loss along straight lines between solutions")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    save(fig, folder / "loss_along_lines.png")

    if len(seeds) >= 3:
        chosen = (solved[:2] + stuck[:1]) if len(solved) >= 2 and stuck else list(seeds[:3])
        chosen = (chosen + [s for s in seeds if s not in chosen])[:3]
        a, b, c = (thetas[s] for s in chosen)
        grid = np.linspace(-0.5, 1.5, 41)
        ga, gb = np.meshgrid(grid, grid)
        plane = a + ga[..., None] * (b - a) + gb[..., None] * (c - a)  # (41, 41, P)
        values = loss(plane, *args)
        fig, axis = plt.subplots(figsize=(5.5, 4.6))
        shown = axis.contourf(ga, gb, np.log10(values), levels=30, cmap="viridis")
        fig.colorbar(shown, label="log10 loss")
        for (u, v), seed in zip(((0, 0), (1, 0), (0, 1)), chosen):
            axis.plot(u, v, "w*" if seed in solved else "rX", ms=12)
            axis.annotate(
                f"seed {seed}", (u, v), color="w", xytext=(4, 4), textcoords="offset points"
            )
        axis.set_title("Loss on the plane through three trained networks")
        save(fig, folder / "loss_plane.png")

    if stuck:
        point = thetas[stuck[0]]
        out["stuck_loss"] = final[stuck[0]]
        out["stuck_gradient_norm"] = float(np.linalg.norm(gradient(point, *args)))
        eigenvalues = hessian_eigenvalues(point, *args)
        out["stuck_hessian_min"], out["stuck_hessian_max"] = (
            float(eigenvalues[0]),
            float(eigenvalues[-1]),
        )
    return out
