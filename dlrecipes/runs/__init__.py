"""Orchestration: run a recipe, compare its variants, evaluate a saved run.

- :func:`run` (:mod:`~dlrecipes.runs.launch`) dispatches on the recipe's task
  (:mod:`~dlrecipes.runs.supervised`, RL, custom experiments);
- :func:`compare` (:mod:`~dlrecipes.runs.comparison`) runs a recipe's variants;
- :func:`evaluate` (:mod:`~dlrecipes.runs.saved`) scores a saved run;
- :mod:`~dlrecipes.runs.directory`: the run directory's lifecycle and atomic writes.

This is the top of the library: nothing below it (experiments, reports, models,
training, data, rl, tuning's trial code) imports it. Importing it imports
neither TensorFlow nor Keras.
"""

from dlrecipes.runs.comparison import CompareResult, VariantResult, compare
from dlrecipes.runs.launch import prepare, prepare_recipe, run
from dlrecipes.runs.result import RunResult
from dlrecipes.runs.saved import evaluate, load_run_model
from dlrecipes.runs.summary import summary_line

__all__ = [
    "CompareResult",
    "RunResult",
    "VariantResult",
    "compare",
    "evaluate",
    "load_run_model",
    "prepare",
    "prepare_recipe",
    "run",
    "summary_line",
]
