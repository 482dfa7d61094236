"""Search spaces: a recipe's :class:`~dlrecipes.recipe.SearchSpec` as Keras Tuner hyperparameters.

A search space is data in the recipe. Each :class:`~dlrecipes.recipe.Hyperparameter`
names a recipe field by its dotted path and a distribution over its values:

| kind            | Keras Tuner                               | draws                   |
|-----------------|-------------------------------------------|-------------------------|
| ``log_uniform`` | ``hp.Float(path, low, high, "log")``      | log x ~ U(log a, log b) |
| ``uniform``     | ``hp.Float(path, low, high, "linear")``   | x ~ U(low, high)        |
| ``int``         | ``hp.Int(path, low, high, step)``         | low, low + step, ...    |
| ``choice``      | ``hp.Choice(path, values)``               | one of the values       |
| ``boolean``     | ``hp.Boolean(path)``                      | True or False           |

Scale parameters (learning rates, weight penalties) are searched on a log
scale: an order of magnitude matters as much at 1e-4 as at 1e-1.

:func:`validate_space` checks the whole space *before* a tuner exists: every
path must be a recipe field (unknown ones fail with close matches), every
range end and choice value must make a valid recipe (``train.epochs`` 0 fails),
builder options must be parameters of the builder. A bad space therefore fails
in a second, not after the first trial.

Example::

    >>> from dlrecipes.recipe import log_uniform
    >>> grid_space([log_uniform("train.learning_rate", 1e-4, 1e-2)], 3)[0].values
    (0.0001, 0.001, 0.01)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from dlrecipes.spec import Hyperparameter, Recipe, RecipeError, get_path, resolve

TUNERS = ("random", "bayesian", "hyperband", "grid")


# --------------------------------------------------------------------------- helpers


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def choice_labels(param: Hyperparameter) -> dict[Any, Any] | None:
    """Labels for a choice whose values Keras Tuner cannot hold directly.

    ``hp.Choice`` takes values of one type among str, int, float and bool. Other
    choices (tuples such as ``hidden_units = (256, 128)``, mixed types) are searched
    over string labels and mapped back to their values.

    Returns:
        ``{label: value}``, or ``None`` when the values are used as they are.
    """
    values = param.values
    types = {type(v) for v in values}
    if all(_is_scalar(v) for v in values) and len(types) == 1:
        return None
    labels = {}
    for value in values:
        label = str(list(value)) if isinstance(value, (tuple, list)) else str(value)
        labels[label] = value
    return labels


def current_value(recipe: Recipe, path: str) -> Any:
    """The value the recipe has at ``path`` (``None`` when it is not set); see
    :func:`dlrecipes.spec.get_path` (``model.units`` reads ``model.options.units``)."""
    return get_path(recipe, path)


def sample_points(param: Hyperparameter) -> list[Any]:
    """Values that exercise the whole range: its ends, or every choice."""
    if param.kind == "boolean":
        return [True, False]
    if param.kind == "choice":
        return list(param.values)
    if param.kind == "int":
        return [int(param.low), int(param.high)]
    return [float(param.low), float(param.high)]


# --------------------------------------------------------------------------- validation


def _check_param(param: Hyperparameter) -> None:
    """Checks beyond ``Hyperparameter.__post_init__`` (which checks low <= high etc.)."""
    where = f"search parameter {param.path}"
    if param.kind == "int":
        for name in ("low", "high"):
            value = getattr(param, name)
            if float(value) != int(value):
                raise RecipeError(
                    f"{where}: an int range needs integer bounds. Received: {name}={value}"
                )
        step = 1 if param.step is None else param.step
        if step <= 0 or float(step) != int(step):
            raise RecipeError(f"{where}: step must be a positive integer. Received: step={step}")
    if param.kind in ("uniform", "log_uniform"):
        for name in ("low", "high"):
            value = float(getattr(param, name))
            if not math.isfinite(value):
                raise RecipeError(f"{where}: {name} must be finite. Received: {name}={value}")
        if param.step is not None and param.step <= 0:
            raise RecipeError(f"{where}: step must be > 0. Received: step={param.step}")
    if param.kind == "choice":
        labels = choice_labels(param)
        keys = list(labels) if labels is not None else list(param.values)
        duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
        if duplicates:
            raise RecipeError(
                f"{where}: a choice needs distinct values. "
                f"Received: values={list(param.values)} (repeated: {', '.join(duplicates)})"
            )


def _objective_names(recipe: Recipe) -> list[str]:
    names = ["loss", *recipe.train.metrics]
    return names + [f"val_{name}" for name in names]


def validate_space(
    recipe: Recipe, tuner: str = "random", params: Sequence[Hyperparameter] | None = None
) -> tuple[Hyperparameter, ...]:
    """Check a recipe's search space before any trial runs.

    Args:
        recipe: the resolved recipe (its ``search.params`` are checked).
        tuner: ``random``, ``bayesian``, ``hyperband`` or ``grid``.
        params: check these instead of ``recipe.search.params``.

    Returns:
        The parameters, in order.

    Raises:
        RecipeError: with the parameter and the value received: an empty space, a
            repeated path, a bad range or step, an empty or repeated choice, an
            unknown field or builder option, a value the recipe rejects, an
            objective the training does not log.
    """
    params = tuple(recipe.search.params if params is None else params)
    if tuner not in TUNERS:
        raise RecipeError(f"tuner must be one of {', '.join(TUNERS)}. Received: {tuner!r}")
    if recipe.task != "supervised":
        raise RecipeError(
            f"tune searches supervised recipes; {recipe.name!r} has task={recipe.task!r}"
        )
    if getattr(recipe.train, "distribution", "none") != "none":
        raise RecipeError(
            "tune trains each trial on one device and runs trials in parallel instead; "
            f"remove train.distribution. Received: train.distribution={recipe.train.distribution!r}"
        )
    if not params:
        raise RecipeError(
            f"recipe {recipe.name!r} declares no search space (search.params is empty). "
            "Expected e.g. search.params = (log_uniform('train.learning_rate', 1e-4, 1e-1),)"
        )
    seen: set[str] = set()
    for param in params:
        if not isinstance(param, Hyperparameter):
            raise RecipeError(
                f"search.params must hold Hyperparameter entries. Received: {param!r}"
            )
        if param.path in seen:
            raise RecipeError(f"search parameter {param.path} is declared twice")
        seen.add(param.path)
        if param.path.split(".")[0] == "search":
            raise RecipeError(f"the search space cannot tune itself. Received: {param.path}")
        _check_param(param)
    for param in params:
        for value in sample_points(param):
            try:
                resolve(recipe, overrides={param.path: value})
            except RecipeError as error:
                raise RecipeError(f"search parameter {param.path} = {value!r}: {error}") from None
    if tuner == "hyperband" and any(p.path == "train.epochs" for p in params):
        raise RecipeError(
            "hyperband chooses the epochs of each trial itself; remove train.epochs from the "
            "search space or use --tuner random / bayesian"
        )
    extremes = resolve(recipe, overrides={p.path: sample_points(p)[-1] for p in params})
    _check_builder_options(extremes)
    objective = recipe.search.objective
    if objective not in _objective_names(recipe):
        raise RecipeError(
            f"search.objective must be a quantity the training logs. Received: {objective!r}. "
            f"Expected one of: {', '.join(_objective_names(recipe))}"
        )
    return params


def _check_builder_options(recipe: Recipe) -> None:
    from dlrecipes import models
    from dlrecipes.models.build import builder_kwargs

    try:
        builder = models.get(recipe.model.builder)
    except ValueError as error:
        raise RecipeError(str(error)) from None
    try:
        builder_kwargs(builder, recipe.model.options, None)
    except RecipeError as error:
        raise RecipeError(f"search space: {error}") from None


# --------------------------------------------------------------------------- keras tuner


def declare(hp, param: Hyperparameter, default: Any = None) -> Any:
    """Declare ``param`` on a ``keras_tuner.HyperParameters`` and return the recipe value.

    Args:
        hp: the trial's ``keras_tuner.HyperParameters``.
        param: the recipe's hyperparameter; its dotted path is the Keras Tuner name.
        default: the recipe's current value, used as Keras Tuner's default when it
            lies in the space (the first grid-search trial is the recipe itself).

    Returns:
        The value to set in the recipe (choice labels are mapped back to values).
    """
    name = param.path
    if param.kind == "boolean":
        return hp.Boolean(name, default=bool(default) if isinstance(default, bool) else False)
    if param.kind == "choice":
        labels = choice_labels(param)
        if labels is None:
            values = list(param.values)
            fallback = default if default in values else None
            return hp.Choice(name, values, default=fallback)
        keys = list(labels)
        fallback = next((k for k, v in labels.items() if _same(v, default)), None)
        return labels[hp.Choice(name, keys, default=fallback)]
    low, high = param.low, param.high
    if param.kind == "int":
        low, high, step = int(low), int(high), int(param.step or 1)
        if low == high:
            return hp.Fixed(name, low)
        inside = isinstance(default, int) and low <= default <= high
        inside = inside and (default - low) % step == 0
        return hp.Int(name, low, high, step=step, default=default if inside else None)
    low, high = float(low), float(high)
    if low == high:
        return hp.Fixed(name, low)
    inside = isinstance(default, (int, float)) and low <= float(default) <= high
    return hp.Float(
        name,
        low,
        high,
        step=param.step,
        sampling="log" if param.kind == "log_uniform" else "linear",
        default=float(default) if inside and param.step is None else None,
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return list(a) == list(b)
    return type(a) is type(b) and a == b


def grid_space(
    params: Iterable[Hyperparameter], points: int, centred: bool = False
) -> tuple[Hyperparameter, ...]:
    """The grid a grid search would use: each range cut into ``points`` values.

    Log ranges get geometrically spaced points, linear ranges evenly spaced ones,
    int ranges the nearest integers (without repeats); choices and booleans keep
    all their values. ``points ** len(params)`` trials cover the grid once.

    Args:
        params: the search space.
        points: values per range (>= 1; 1 takes the middle of the range).
        centred: put the points at the centres of ``points`` equal cells (in log
            space for log ranges) instead of spreading them from end to end; the
            ends of a range are rarely good values.

    Returns:
        The same paths, each as a ``choice``.
    """
    from dlrecipes.recipe import Hyperparameter as Param

    if points < 1:
        raise RecipeError(f"a grid needs at least one point per range. Received: {points}")
    grid = []
    for param in params:
        if param.kind in ("choice", "boolean"):
            values = tuple(param.values) if param.kind == "choice" else (False, True)
        else:
            low, high = float(param.low), float(param.high)
            if centred or points == 1:
                fractions = [(i + 0.5) / points for i in range(points)]
            else:
                fractions = [i / (points - 1) for i in range(points)]
            if param.kind == "log_uniform":
                values = tuple(
                    float(f"{math.exp(math.log(low) + f * math.log(high / low)):.6g}")
                    for f in fractions
                )
            elif param.kind == "uniform":
                values = tuple(float(f"{low + f * (high - low):.6g}") for f in fractions)
            else:
                values = tuple(dict.fromkeys(int(round(low + f * (high - low))) for f in fractions))
        grid.append(Param(param.path, "choice", values=values))
    return tuple(grid)
