"""Experiments for ``task = "custom"`` recipes: ``(recipe, run_dir) -> metrics``.

Some lecture demonstrations are not a single ``model.fit`` (a NumPy
backpropagation check, fits at several widths, a perceptron's mistake count).
Each is a function here, named by the recipe's ``experiment`` field; it writes
its plots under ``run_dir / "plots"`` and returns a flat dict of final metrics
that contains the recipe's ``expect.metric``.
"""

from __future__ import annotations

from dlrecipes.spec.lookup import import_target, lookup

# experiment name -> "module:function", imported on first use.
EXPERIMENTS: dict[str, str] = {
    "perceptron": "dlrecipes.experiments.foundations:perceptron",
    "linear_regression": "dlrecipes.experiments.foundations:linear_regression",
    "decision_boundary": "dlrecipes.experiments.foundations:decision_boundary",
    "backprop": "dlrecipes.experiments.foundations:backprop",
    "universal_approximation": "dlrecipes.experiments.foundations:universal_approximation",
    "deep_vs_wide": "dlrecipes.experiments.foundations:deep_vs_wide",
    "activations": "dlrecipes.experiments.foundations:activations",
    "initializers": "dlrecipes.experiments.foundations:initializers",
    "losses": "dlrecipes.experiments.foundations:losses",
    "conv_demo": "dlrecipes.experiments.cnn:conv_demo",
    "rnn_vs_lstm_vs_gru": "dlrecipes.experiments.rnn:rnn_vs_lstm_vs_gru",
    "language_model": "dlrecipes.experiments.rnn:language_model",
}


def get(name: str):
    """The experiment function called ``name``; unknown names list close matches."""
    return import_target(lookup(EXPERIMENTS, name, kind="experiment"))
