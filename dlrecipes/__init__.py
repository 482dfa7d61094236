"""dlrecipes: classic deep learning as declarative, tested Keras 3 recipes.

Importing this package is cheap: TensorFlow and Keras load only when a run,
a model or a data source is used (``python -m recipes list`` stays instant).

    >>> import dlrecipes
    >>> result = dlrecipes.run("mlp", profile="smoke")      # doctest: +SKIP
    >>> result.metrics["test"]["accuracy"]                  # doctest: +SKIP
"""

from dlrecipes.recipe import Recipe, RecipeError, resolve

__version__ = "0.1.0"

__all__ = ["Recipe", "RecipeError", "resolve", "run", "evaluate", "__version__"]


def __getattr__(name):
    # Lazy imports keep `import dlrecipes` free of TensorFlow.
    if name == "run":
        from dlrecipes.runs import run

        return run
    if name == "evaluate":
        from dlrecipes.runs.saved import evaluate

        return evaluate
    raise AttributeError(f"module 'dlrecipes' has no attribute {name!r}")
