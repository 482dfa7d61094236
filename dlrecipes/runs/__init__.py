"""Orchestration: run a recipe, compare its variants, evaluate a saved run.

- :func:`run` (:mod:`~dlrecipes.runs.launch`) dispatches on the recipe's task
  (:mod:`~dlrecipes.runs.supervised`, RL, custom experiments);
- :func:`compare` (:mod:`~dlrecipes.runs.comparison`) runs a recipe's variants,
  over several seeds with intervals, paired tests and verdicts (:func:`compare_seeds`);
- :func:`run_seeds` (:mod:`~dlrecipes.runs.seeds`) runs one recipe over several seeds
  and summarises them (mean, sd, 95% CI, IQM, the expectation in k/n seeds);
- :func:`evaluate` (:mod:`~dlrecipes.runs.saved`) scores a saved run;
- :mod:`~dlrecipes.runs.directory`: the run directory's lifecycle and atomic writes.

This is the top of the library: nothing below it (experiments, reports, models,
training, data, rl, tuning's trial code) imports it. Importing it imports
neither TensorFlow nor Keras.
"""

from dlrecipes.runs.comparison import (
    CompareResult,
    SeedsComparison,
    VariantResult,
    compare,
    compare_seeds,
)
from dlrecipes.runs.launch import prepare, prepare_recipe, run
from dlrecipes.runs.result import RunResult
from dlrecipes.runs.saved import evaluate, load_run_model
from dlrecipes.runs.seeds import SeedsResult, parse_seeds, run_seeds, write_report
from dlrecipes.runs.summary import summary_line

__all__ = [
    "CompareResult",
    "RunResult",
    "SeedsComparison",
    "SeedsResult",
    "VariantResult",
    "compare",
    "compare_seeds",
    "evaluate",
    "load_run_model",
    "parse_seeds",
    "prepare",
    "prepare_recipe",
    "run",
    "run_seeds",
    "summary_line",
    "write_report",
]
