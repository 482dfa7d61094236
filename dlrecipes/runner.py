"""Compatibility name of the orchestrator, :mod:`dlrecipes.runs` (and the model and
evaluation helpers it used to hold). New code imports from those modules."""

from dlrecipes.evaluation import classification_report, evaluate_model, predicted_classes
from dlrecipes.models.build import build_model, builder_kwargs, parameter_counts
from dlrecipes.runs.directory import make_run_dir, versions
from dlrecipes.runs.launch import prepare, prepare_recipe, run
from dlrecipes.runs.result import RunResult
from dlrecipes.runs.saved import evaluate, load_run_model
from dlrecipes.runs.summary import summary_line
from dlrecipes.spec import expectation_applies

__all__ = [
    "RunResult",
    "build_model",
    "builder_kwargs",
    "classification_report",
    "evaluate",
    "evaluate_model",
    "expectation_applies",
    "load_run_model",
    "make_run_dir",
    "parameter_counts",
    "predicted_classes",
    "prepare",
    "prepare_recipe",
    "run",
    "summary_line",
    "versions",
]
