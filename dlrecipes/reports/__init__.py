"""Reports and probes: what a run draws and measures besides its metrics.

One package for every figure of the library, with one matplotlib set-up
(:mod:`dlrecipes.reports.figures`) and two registries of named steps a recipe
lists as data:

- **reports** (``Recipe.reports``) run once after training. A report is
  ``(model, splits, recipe, run_dir) -> dict | None``; it writes its files under
  ``run_dir / "plots"`` (or ``run_dir``) and may return numbers, which go into
  ``metrics.json`` under ``reports.<name>``.
- **probes** (``Recipe.probes``) measure the model at initialisation and / or
  after training and write a series for ``compare`` plus a plot; see
  :mod:`dlrecipes.reports.probes`.

=====================  ===================================================  ====================
report                 what it writes                                       module
=====================  ===================================================  ====================
``filters``            ``plots/filters.png``: first convolution's kernels   :mod:`.cnn`
``feature_maps``       ``plots/feature_maps.png``: one test image's maps    :mod:`.cnn`
``samples``            ``samples.txt``: text from a character model         :mod:`.text`
``language_model``     validation bits per character and perplexity         :mod:`.text`
``ngram_baseline``     an add-k n-gram model's nats per character           :mod:`.ngram`
``baseline``           test MSE of predicting the training mean             :mod:`.regression`
``decision_boundary``  ``plots/decision_boundary.png``: 2-D classifier      :mod:`.boundary`
``loss_curves``        ``plots/loss_curves.png``: square error, CE, hinge   :mod:`.losses`
``deep_vs_wide``       the arm's shape beside Seide et al.'s WER            :mod:`.architecture`
``connections``        parameters and connections per layer (LeNet-5 II-B) :mod:`.connections`
``dropout_ensemble``   weight scaling vs the mean of sampled sub-networks   :mod:`.dropout_ensemble`
``depth``              weighted layers, shortcuts, training error           :mod:`.depth`
=====================  ===================================================  ====================

The runner's own figures (learning curves, confusion matrix), the overlays of
``compare``, the RL figures and the search plot live here too
(:mod:`.curves`, :mod:`.rl`, :mod:`.search`).

Example::

    from dlrecipes import reports
    reports.validate(recipe.reports)          # before training: unknown names fail here
    reports.validate_probes(recipe.probes)
    scalars = reports.run_probes(recipe.probes, "init", model, splits, recipe, run_dir)
    ...                                       # fit
    extra = reports.run_all(recipe.reports, model, splits, recipe, run_dir)
    scalars.update(reports.run_probes(recipe.probes, "end", model, splits, recipe, run_dir))
"""

from __future__ import annotations

from pathlib import Path

from dlrecipes.reports.probes import PROBES, STAGES, run_probes, validate_probes
from dlrecipes.reports.registry import check_names
from dlrecipes.spec.lookup import import_target, lookup

__all__ = [
    "PROBES",
    "REPORTS",
    "STAGES",
    "get",
    "run_all",
    "run_probes",
    "validate",
    "validate_probes",
]

#: Report name -> ``"module:function"``, imported on first use.
REPORTS: dict[str, str] = {
    "filters": "dlrecipes.reports.cnn:filters",
    "feature_maps": "dlrecipes.reports.cnn:feature_maps",
    "samples": "dlrecipes.reports.text:samples",
    "language_model": "dlrecipes.reports.text:language_model",
    "ngram_baseline": "dlrecipes.reports.ngram:ngram_baseline",
    "baseline": "dlrecipes.reports.regression:baseline",
    "decision_boundary": "dlrecipes.reports.boundary:decision_boundary",
    "loss_curves": "dlrecipes.reports.losses:loss_curves",
    "deep_vs_wide": "dlrecipes.reports.architecture:deep_vs_wide",
    "connections": "dlrecipes.reports.connections:connections",
    "depth": "dlrecipes.reports.depth:depth",
    "dropout_ensemble": "dlrecipes.reports.dropout_ensemble:dropout_ensemble",
}


def get(name: str):
    """The report function called ``name`` (a one-line error with close matches if unknown)."""
    return import_target(lookup(REPORTS, name, "report"))


def validate(names) -> None:
    """Fail before training when a recipe names an unknown report (imports nothing)."""
    check_names(names, REPORTS, "report", "reports")


def run_all(names, model, splits, recipe, run_dir) -> dict:
    """Run each named report in order; returns ``{name: result}`` for those that return numbers.

    Args:
        names: the recipe's ``reports``.
        model: the trained model (the runner's, possibly wrapped).
        splits: the run's :class:`~dlrecipes.data.Splits`.
        recipe: the resolved recipe.
        run_dir: the run directory; ``run_dir / "plots"`` is created.
    """
    validate(names)
    (Path(run_dir) / "plots").mkdir(exist_ok=True)
    results = {}
    for name in names:
        value = get(name)(model, splits, recipe, run_dir)
        if value:
            results[name] = value
    return results
