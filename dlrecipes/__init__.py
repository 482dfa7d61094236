"""dlrecipes: classic deep learning as declarative, tested Keras 3 recipes.

Importing this package is cheap: TensorFlow and Keras load only when a run,
a model or a data source is used (``python -m recipes list`` stays instant).

    >>> import dlrecipes
    >>> result = dlrecipes.run("mlp", profile="smoke")      # doctest: +SKIP
    >>> result.metrics["test"]["accuracy"]                  # doctest: +SKIP
"""

from pathlib import Path

from dlrecipes.recipe import Recipe, RecipeError, resolve

__version__ = "0.1.0"

__all__ = [
    "Recipe",
    "RecipeError",
    "resolve",
    "run",
    "compare",
    "evaluate",
    "load_model",
    "__version__",
]


def run(recipe=None, *, seeds=None, jobs: int = 1, **options):
    """Run a recipe once (:func:`dlrecipes.runs.run`), or over several seeds.

    With ``seeds`` (``"0-4"``, ``5``, ``"0,3,7"`` or a list) it is
    :func:`dlrecipes.runs.run_seeds`: every seed runs (``jobs`` at a time) and the
    result is a :class:`~dlrecipes.runs.SeedsResult` whose ``summary`` holds each
    metric's mean, sd, 95% confidence interval and every seed's value::

        >>> group = dlrecipes.run("mlp", smoke=True, seeds="0-4")   # doctest: +SKIP
        >>> group.summary["metrics"]["test_accuracy"]["ci_low"]     # doctest: +SKIP
    """
    # Imported here: `import dlrecipes` stays free of TensorFlow.
    from dlrecipes import runs

    resume = options.get("resume")
    group = resume is not None and (Path(resume) / "group.json").is_file()
    if seeds is None and not group:
        if jobs != 1:
            raise RecipeError(f"jobs needs seeds (one run uses every core). Received: jobs={jobs}")
        return runs.run(recipe, **options)
    if options.pop("seed", None) is not None:
        raise RecipeError("give either seed or seeds, not both")
    return runs.run_seeds(recipe, seeds=seeds, jobs=jobs, **options)


def compare(recipe=None, **options):
    """Compare a recipe's variants (:func:`dlrecipes.runs.compare`); with ``seeds``, over
    seeds with 95% intervals, paired tests and verdicts."""
    from dlrecipes import runs

    return runs.compare(recipe, **options)


def load_model(path):
    """Load a run's ``model.keras`` in Keras' safe mode,
    with the library's custom layers, losses and schedules registered: the one call a
    colleague needs besides ``import dlrecipes`` (:func:`dlrecipes.export.load_model`)."""
    from dlrecipes.export import load_model as _load_model

    return _load_model(path)


def __getattr__(name):
    # Lazy imports keep `import dlrecipes` free of TensorFlow.
    if name == "evaluate":
        from dlrecipes.runs.saved import evaluate

        return evaluate
    raise AttributeError(f"module 'dlrecipes' has no attribute {name!r}")
