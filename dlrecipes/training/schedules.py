"""Learning-rate schedules by name, including the lectures' eta / sqrt(t + 1) decay."""

from __future__ import annotations

import math

import keras

from dlrecipes.recipe import RecipeError


@keras.saving.register_keras_serializable(package="dlrecipes")
class InverseSqrtDecay(keras.optimizers.schedules.LearningRateSchedule):
    """eta_t = eta_0 / sqrt(t / decay_steps + 1), the AdaGrad-era decay of the lectures.

    Args:
        initial_learning_rate: eta_0.
        decay_steps: how many optimizer steps count as one unit of t (1 = per update).

    Example:
        >>> schedule = InverseSqrtDecay(0.1)
        >>> float(schedule(3))   # 0.1 / sqrt(4)
        0.05
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float = 1.0):
        if initial_learning_rate <= 0:
            raise ValueError(
                "initial_learning_rate must be > 0. "
                f"Received: initial_learning_rate={initial_learning_rate}"
            )
        if decay_steps <= 0:
            raise ValueError(f"decay_steps must be > 0. Received: decay_steps={decay_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps

    def __call__(self, step):
        t = keras.ops.cast(step, "float32") / self.decay_steps
        return self.initial_learning_rate / keras.ops.sqrt(t + 1.0)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
        }


SCHEDULES = ("constant", "exponential", "cosine", "inverse_sqrt", "piecewise")
#: Schedule options that must be > 0: a zero horizon divides by zero, a NaN learning rate
#: follows and the run would "diverge" for no reason of the optimizer's.
POSITIVE_OPTIONS = ("decay_steps", "decay_rate", "initial_learning_rate")


def _check_option(schedule: str, key: str, value) -> None:
    """Numbers in ``train.schedule_options`` are finite (and > 0 where they must be)."""
    values = value if isinstance(value, (list, tuple)) else (value,)
    for item in values:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            continue
        if not math.isfinite(item) or (key in POSITIVE_OPTIONS and item <= 0):
            bound = "a finite number > 0" if key in POSITIVE_OPTIONS else "finite numbers"
            raise RecipeError(
                f"train.schedule_options.{key} for {schedule!r} must be {bound}. "
                f"Received: {key}={value!r}"
            )


def make_schedule(name: str, learning_rate: float, options: dict, total_steps: int):
    """A learning rate or schedule: ``constant`` returns the float itself.

    Args:
        name: one of ``SCHEDULES``.
        learning_rate: eta_0.
        options: schedule arguments (``decay_steps``, ``decay_rate``, ``alpha``,
            ``boundaries`` + ``values`` for piecewise).
        total_steps: optimizer steps of the whole run (default decay horizon).
    """
    options = dict(options)
    for key, value in options.items():
        _check_option(name, key, value)
    try:
        if name == "constant":
            return learning_rate
        if name == "exponential":
            options.setdefault("decay_steps", max(1, total_steps // 10))
            options.setdefault("decay_rate", 0.5)
            return keras.optimizers.schedules.ExponentialDecay(learning_rate, **options)
        if name == "cosine":
            options.setdefault("decay_steps", max(1, total_steps))
            return keras.optimizers.schedules.CosineDecay(learning_rate, **options)
        if name == "inverse_sqrt":
            return InverseSqrtDecay(learning_rate, **options)
        if name == "piecewise":
            return keras.optimizers.schedules.PiecewiseConstantDecay(**options)
    except (TypeError, ValueError) as error:
        raise RecipeError(f"train.schedule_options for {name!r}: {error}") from None
    raise RecipeError(
        f"unknown learning-rate schedule {name!r}. Expected one of: {', '.join(SCHEDULES)}"
    )
