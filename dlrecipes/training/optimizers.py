"""Optimizers by name: the lectures' SGD family and the adaptive methods.

| name      | update (g = gradient, eta = learning rate)                          |
|-----------|---------------------------------------------------------------------|
| sgd       | w <- w - eta g                                                       |
| momentum  | v <- mu v - eta g; w <- w + v (mu = 0.9)                             |
| nesterov  | momentum evaluated at the look-ahead point (Sutskever et al. 2013)   |
| adagrad   | w <- w - eta g / sqrt(sum g^2) (Duchi et al. 2011)                   |
| adadelta  | unit-corrected running averages (Zeiler 2012)                        |
| rmsprop   | w <- w - eta g / sqrt(E[g^2]) (Tieleman & Hinton 2012)               |
| adam      | bias-corrected first and second moments (Kingma & Ba 2015)          |
| adamw     | Adam with decoupled weight decay (Loshchilov & Hutter 2019)          |
"""

from __future__ import annotations

import difflib
import math

import keras

from dlrecipes.recipe import RecipeError
from dlrecipes.training.schedules import make_schedule

OPTIMIZERS: dict[str, tuple[str, dict]] = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "adadelta": ("Adadelta", {}),
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
    "nadam": ("Nadam", {}),
    "adamax": ("Adamax", {}),
}


def make_optimizer(train, total_steps: int) -> keras.optimizers.Optimizer:
    """Build the optimizer a :class:`~dlrecipes.recipe.TrainSpec` names.

    ``total_steps`` (optimizer steps of the whole run) sets default decay horizons.
    """
    name = train.optimizer.lower()
    if name not in OPTIMIZERS:
        close = difflib.get_close_matches(name, OPTIMIZERS, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise RecipeError(
            f"unknown optimizer {train.optimizer!r}.{hint} Expected one of: {', '.join(OPTIMIZERS)}"
        )
    class_name, defaults = OPTIMIZERS[name]
    kwargs = {**defaults, **train.optimizer_options}
    for key, value in train.optimizer_options.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise RecipeError(
                f"train.optimizer_options.{key} must be a finite number. Received: {key}={value}"
            )
    if train.weight_decay:
        kwargs["weight_decay"] = train.weight_decay
    if train.clipnorm:
        kwargs["clipnorm"] = train.clipnorm
    learning_rate = make_schedule(
        train.schedule, train.learning_rate, train.schedule_options, total_steps
    )
    try:
        return getattr(keras.optimizers, class_name)(learning_rate=learning_rate, **kwargs)
    except (TypeError, ValueError) as error:
        raise RecipeError(f"train.optimizer_options for {name!r}: {error}") from None
