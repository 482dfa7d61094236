"""Training: optimizers and schedules by name, XLA compile, callbacks, seeding."""

from dlrecipes.training.fit import (
    FitResult,
    TrainingDivergedError,
    compile_model,
    fit,
    resolve_loss,
    steps_per_epoch,
)
from dlrecipes.training.optimizers import OPTIMIZERS, make_optimizer
from dlrecipes.training.precision import precision_policy
from dlrecipes.training.schedules import SCHEDULES, InverseSqrtDecay, make_schedule
from dlrecipes.training.seeding import device_name, set_seed

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "FitResult",
    "InverseSqrtDecay",
    "TrainingDivergedError",
    "compile_model",
    "device_name",
    "fit",
    "make_optimizer",
    "make_schedule",
    "precision_policy",
    "resolve_loss",
    "set_seed",
    "steps_per_epoch",
]
