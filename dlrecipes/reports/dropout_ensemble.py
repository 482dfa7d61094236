"""The ``dropout_ensemble`` report: weight scaling at test time against sampled sub-networks.

Dropout trains an ensemble of 2^n sub-networks that share weights (one per mask of the n
dropped units). At test time the lecture's rule keeps every unit and scales its
outgoing weights by the keep probability ``1 - p`` (Keras' ``Dropout`` scales by
``1 / (1 - p)`` during training instead, "inverted dropout", which is the same
network). For one softmax layer the scaled network computes exactly the normalised
*geometric* mean of the sub-networks' predictions; with hidden nonlinearities it is an
approximation (Srivastava et al. 2014, section 7.5; Baldi & Sadowski 2013). This report
measures how good, on the test split:

- ``weight_scaling_accuracy``: ``model(x, training=False)``;
- ``mc_accuracy``: the arithmetic mean of ``num_samples`` sampled sub-networks
  ``model(x, training=True)`` (Monte-Carlo dropout, Gal & Ghahramani 2016);
- ``mc_geometric_accuracy``: their normalised geometric mean;
- ``mean_abs_probability_gap``: mean over examples and classes of
  ``|p_scaled - p_mc|``; ``max_abs_probability_gap``; ``argmax_agreement``: the
  fraction of examples on which both predict the same class;
- ``single_subnetwork_accuracy``: the mean accuracy of one sampled sub-network.

Plot ``plots/dropout_ensemble.png``: MC accuracy against the number of sub-networks
averaged, the weight-scaling accuracy as a line, and the per-example gap histogram.

The model is the run's (possibly the runner's wrapper): ``training=True`` also switches on
any augmentation layer of the wrapper, so use it on recipes without augmentation.
"""

from __future__ import annotations

import numpy as np

from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.spec import RecipeError

#: Sub-networks sampled (test passes with dropout on).
NUM_SAMPLES = 100
#: Test examples used (the first this many).
MAX_EXAMPLES = 2000


def _has_dropout(model) -> bool:
    import keras

    def walk(layer):
        if isinstance(layer, keras.layers.Dropout) and layer.rate > 0:
            return True
        return any(walk(inner) for inner in getattr(layer, "layers", []))

    return walk(model)


def sample_predictions(model, x, num_samples: int, seed: int = 0) -> np.ndarray:
    """``(num_samples, N, K)`` predictions of sub-networks (dropout on, one mask each)."""
    import keras

    keras.utils.set_random_seed(seed)
    tensor = keras.ops.convert_to_tensor(x)
    return np.stack(
        [keras.ops.convert_to_numpy(model(tensor, training=True)) for _ in range(num_samples)]
    )


def ensemble_metrics(scaled: np.ndarray, samples: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The report's numbers from the weight-scaled ``(N, K)`` and sampled ``(S, N, K)``
    predictions and the labels ``(N,)``."""
    y = np.asarray(y).reshape(-1)
    mean = samples.mean(axis=0)
    log_geometric = np.log(np.clip(samples, 1e-12, 1.0)).mean(axis=0)
    geometric = np.exp(log_geometric - log_geometric.max(axis=1, keepdims=True))
    geometric /= geometric.sum(axis=1, keepdims=True)
    gap = np.abs(scaled - mean)
    return {
        "weight_scaling_accuracy": float(np.mean(scaled.argmax(1) == y)),
        "mc_accuracy": float(np.mean(mean.argmax(1) == y)),
        "mc_geometric_accuracy": float(np.mean(geometric.argmax(1) == y)),
        "single_subnetwork_accuracy": float(np.mean(samples.argmax(2) == y[None])),
        "mean_abs_probability_gap": float(gap.mean()),
        "max_abs_probability_gap": float(gap.max()),
        "geometric_mean_abs_probability_gap": float(np.abs(scaled - geometric).mean()),
        "argmax_agreement": float(np.mean(scaled.argmax(1) == mean.argmax(1))),
        "num_samples": int(len(samples)),
    }


def dropout_ensemble(model, splits, recipe, run_dir) -> dict[str, float]:
    """The report function (see the module docstring)."""
    import keras

    if splits.task != "classification":
        raise RecipeError(f"dropout_ensemble needs a classifier. Received: {splits.summary()}")
    if not _has_dropout(model):
        raise RecipeError(
            "dropout_ensemble needs a model with a Dropout layer of rate > 0. "
            f"Received: {recipe.model.builder} with options {dict(recipe.model.options)}"
        )
    x, y = splits.x_test[:MAX_EXAMPLES], np.asarray(splits.y_test[:MAX_EXAMPLES]).reshape(-1)
    scaled = keras.ops.convert_to_numpy(model(keras.ops.convert_to_tensor(x), training=False))
    if scaled.ndim != 2 or scaled.shape[1] < 2:
        raise RecipeError(
            f"dropout_ensemble needs (N, K) class probabilities. Received shape {scaled.shape}"
        )
    samples = sample_predictions(model, x, NUM_SAMPLES, seed=recipe.seed)
    out = ensemble_metrics(scaled, samples, y)

    counts = np.unique(np.geomspace(1, NUM_SAMPLES, 15).astype(int))
    running = np.cumsum(samples, axis=0)
    accuracy = [float(np.mean(running[c - 1].argmax(1) == y)) for c in counts]
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].semilogx(counts, accuracy, marker="o", label="mean of sampled sub-networks (MC)")
    axes[0].axhline(out["weight_scaling_accuracy"], color="k", ls="--", label="weight scaling")
    axes[0].set_xlabel("sub-networks averaged")
    axes[0].set_ylabel("test accuracy")
    axes[0].set_title("Dropout as an ensemble")
    axes[0].legend()
    axes[0].grid(alpha=0.3, which="both")
    axes[1].hist(np.abs(scaled - samples.mean(0)).max(axis=1), bins=40)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("max_k |p_scaled - p_MC| per test example")
    axes[1].set_ylabel("examples")
    axes[1].set_title(
        f"mean gap {out['mean_abs_probability_gap']:.4f}; same class on "
        f"{100 * out['argmax_agreement']:.1f}%"
    )
    save(fig, plots_dir(run_dir) / "dropout_ensemble.png")
    return out
