"""Experiments for ``task = "custom"`` recipes: ``(recipe, run_dir) -> metrics``.

Some lecture demonstrations are not a single ``model.fit`` (a NumPy
backpropagation check, fits at several widths, a perceptron's mistake count,
convolution by hand). Everything that is one ``model.fit`` is an ordinary
supervised recipe with probes and reports instead.
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
    "backprop": "dlrecipes.experiments.foundations:backprop",
    "universal_approximation": "dlrecipes.experiments.foundations:universal_approximation",
    "conv_demo": "dlrecipes.experiments.cnn:conv_demo",
    "cnn_backprop": "dlrecipes.experiments.cnn_backprop:cnn_backprop",
    "cnn_visualisation": "dlrecipes.experiments.cnn_visualisation:cnn_visualisation",
    "lecture_numbers": "dlrecipes.experiments.lecture_numbers:lecture_numbers",
    "linear_classifiers": "dlrecipes.experiments.linear_classifiers:linear_classifiers",
    "loss_landscape": "dlrecipes.experiments.landscape:loss_landscape",
    "bandit_testbed": "dlrecipes.experiments.bandits:bandit_testbed",
}


def get(name: str):
    """The experiment function called ``name``; unknown names list close matches."""
    return import_target(lookup(EXPERIMENTS, name, kind="experiment"))
