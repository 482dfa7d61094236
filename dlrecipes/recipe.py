"""The recipe spec: frozen dataclasses that say *what* to train, never *how*.

A recipe is data. It names a data source, a model builder with its options, a
training configuration, what the run should reach (``expect``), a search space
for hyperparameter tuning and a ``smoke`` profile that runs in seconds. The
runner (:mod:`dlrecipes.run`) does the work; importing a recipe builds nothing
and imports neither TensorFlow nor Keras.

Overrides are applied in this order, each one validated and coerced to the
field's type::

    recipe defaults -> profile (e.g. "smoke") -> TOML config file -> --set a.b=v

Paths are dotted: ``train.learning_rate``, ``data.source``,
``model.options.hidden_units`` (``model.hidden_units`` is accepted as a
shorthand for a builder option), ``seed``.

Example::

    >>> from dlrecipes.recipe import resolve
    >>> from recipes.mlp import RECIPE
    >>> r = resolve(RECIPE, profile="smoke", overrides=["train.learning_rate=0.01"])
    >>> r.train.learning_rate
    0.01
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib


class RecipeError(ValueError):
    """A user-facing error about a recipe, an override or a config file.

    The message is one line that names what was received and what was expected;
    the CLI prints it without a traceback and exits with status 2.
    """


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class DataSpec:
    """Where the examples come from and how they are prepared.

    Attributes:
        source: data source string, e.g. ``"digits"``, ``"xor"``,
            ``"mnist_idx:../shared/data/mnist-8k"``, ``"npz:file.npz"``,
            ``"keras:mnist"``, ``"tfds:mnist"`` (``python -m recipes list-data``).
        val_fraction: fraction of the training examples held out for validation.
        test_fraction: fraction held out for testing when the source has no test split.
        limit: use at most this many training examples (0 = all); for smoke runs.
        scale: ``"unit"`` maps the source's known value range to [0, 1]
            (pixels / 255, digits / 16); ``"none"`` keeps raw values.
        standardize: add a ``keras.layers.Normalization`` adapted on the training
            split as the model's first layer, so the saved model takes raw inputs.
        layout: ``"flat"`` (vectors), ``"image"`` (height, width, channels),
            ``"sequence"`` (time, features) or ``"auto"`` (the source's own).
        image_size: resize images to ``image_size x image_size`` (0 keeps the size).
        pad_to: zero-pad images, centred, to ``pad_to x pad_to`` (0 = no padding);
            LeNet-5 pads MNIST from 28 to 32.
        augment_shift: random translation, as a fraction of height and width (0 = off).
        augment_rotation: random rotation, as a fraction of a full turn (0 = off).
        options: source-specific options (e.g. ``num_samples``, ``noise``).
    """

    source: str = "digits"
    val_fraction: float = 0.1
    test_fraction: float = 0.2
    limit: int = 0
    scale: str = "unit"
    standardize: bool = False
    layout: str = "auto"
    image_size: int = 0
    pad_to: int = 0
    augment_shift: float = 0.0
    augment_rotation: float = 0.0
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        _check_fraction("data.val_fraction", self.val_fraction)
        _check_fraction("data.test_fraction", self.test_fraction)
        _check_choice("data.scale", self.scale, ("unit", "none"))
        _check_choice("data.layout", self.layout, ("auto", "flat", "image", "sequence"))
        for name in ("limit", "image_size", "pad_to"):
            if getattr(self, name) < 0:
                raise RecipeError(
                    f"data.{name} must be >= 0. Received: data.{name}={getattr(self, name)}"
                )
        if not self.source:
            raise RecipeError("data.source must name a data source. Received: ''")


@dataclass(frozen=True)
class ModelSpec:
    """Which builder makes the model, and with which options.

    Attributes:
        builder: name of a function in :mod:`dlrecipes.models` (e.g. ``"mlp"``).
        options: keyword arguments of the builder. ``input_shape`` and
            ``num_classes`` / ``num_outputs`` are filled in from the data.
    """

    builder: str = "mlp"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainSpec:
    """How to compile and fit.

    Attributes:
        epochs: passes over the training split.
        batch_size: examples per gradient step (mini-batch SGD).
        optimizer: ``sgd``, ``momentum``, ``nesterov``, ``adagrad``, ``adadelta``,
            ``rmsprop``, ``adam``, ``adamw`` or any ``keras.optimizers`` name.
        learning_rate: initial learning rate (eta).
        optimizer_options: extra optimizer arguments (``momentum``, ``beta_1``, ...).
        schedule: learning-rate schedule: ``constant``, ``exponential``, ``cosine``,
            ``inverse_sqrt`` (eta / sqrt(t + 1)), ``piecewise``.
        schedule_options: arguments of the schedule (``decay_steps``, ...).
        weight_decay: decoupled weight decay (0 = off).
        clipnorm: clip each gradient to this norm (0 = off).
        loss: loss name (a ``keras.losses`` name or ``rbf_map``).
        metrics: metric names; the first is the headline metric.
        early_stopping_patience: epochs without improvement of ``monitor``
            before stopping (0 = off); the best weights are restored.
        monitor: quantity watched by early stopping.
        jit_compile: compile the train step with XLA. ``True`` by default, passed
            explicitly because ``"auto"`` means off on CPU under TensorFlow.
        steps_per_execution: train steps run per compiled call.
        mixed_precision: train in ``mixed_float16`` (useful on GPUs).
        tensorboard: write TensorBoard logs in the run directory.
        shuffle: reshuffle the training split every epoch.
        verbose: Keras progress output: ``auto``, ``0``, ``1`` or ``2``.
    """

    epochs: int = 10
    batch_size: int = 32
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    optimizer_options: dict[str, Any] = field(default_factory=dict)
    schedule: str = "constant"
    schedule_options: dict[str, Any] = field(default_factory=dict)
    weight_decay: float = 0.0
    clipnorm: float = 0.0
    loss: str = "sparse_categorical_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    early_stopping_patience: int = 0
    monitor: str = "val_loss"
    jit_compile: bool = True
    steps_per_execution: int = 1
    mixed_precision: bool = False
    tensorboard: bool = True
    shuffle: bool = True
    verbose: str = "auto"

    def __post_init__(self):
        for name in ("epochs", "batch_size", "steps_per_execution"):
            if getattr(self, name) < 1:
                raise RecipeError(
                    f"train.{name} must be a positive integer. "
                    f"Received: train.{name}={getattr(self, name)}"
                )
        if self.learning_rate <= 0:
            raise RecipeError(
                "train.learning_rate must be > 0. "
                f"Received: train.learning_rate={self.learning_rate}"
            )
        _check_choice("train.verbose", self.verbose, ("auto", "0", "1", "2"))


@dataclass(frozen=True)
class ExpectSpec:
    """What a run of the default profile should reach.

    Attributes:
        metric: test metric name (e.g. ``accuracy``, ``mse``).
        threshold: the value the metric must reach.
        higher_is_better: ``True`` when the metric must be >= threshold.
        data: the data the expectation holds for (e.g. ``digits``).
        budget: the compute it holds within (e.g. ``30 s on 2 CPU cores``).
    """

    metric: str = "accuracy"
    threshold: float = 0.0
    higher_is_better: bool = True
    data: str = ""
    budget: str = ""

    def reached(self, value: float) -> bool:
        """Whether ``value`` meets the expectation."""
        return value >= self.threshold if self.higher_is_better else value <= self.threshold


HYPERPARAMETER_KINDS = ("log_uniform", "uniform", "int", "choice", "boolean")


@dataclass(frozen=True)
class Hyperparameter:
    """One dimension of a search space, over any recipe field.

    Attributes:
        path: the recipe field it sets, e.g. ``train.learning_rate``.
        kind: ``log_uniform``, ``uniform``, ``int``, ``choice`` or ``boolean``.
        low, high: range for ``log_uniform``, ``uniform`` and ``int``.
        values: the options of a ``choice``.
        step: step of an ``int`` range (default 1).
    """

    path: str
    kind: str
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] = ()
    step: float | None = None

    def __post_init__(self):
        _check_choice(f"search kind of {self.path}", self.kind, HYPERPARAMETER_KINDS)
        if self.kind in ("log_uniform", "uniform", "int"):
            if self.low is None or self.high is None:
                raise RecipeError(
                    f"search parameter {self.path} ({self.kind}) needs low and high. "
                    f"Received: low={self.low}, high={self.high}"
                )
            if self.low > self.high:
                raise RecipeError(
                    f"search parameter {self.path}: low must be <= high. "
                    f"Received: low={self.low}, high={self.high}"
                )
            if self.kind == "log_uniform" and self.low <= 0:
                raise RecipeError(
                    f"search parameter {self.path}: a log range needs low > 0. "
                    f"Received: low={self.low}"
                )
        if self.kind == "choice" and not self.values:
            raise RecipeError(
                f"search parameter {self.path}: a choice needs at least one value. Received: []"
            )


def log_uniform(path: str, low: float, high: float) -> Hyperparameter:
    """A log-uniform range, e.g. for learning rates."""
    return Hyperparameter(path, "log_uniform", low=low, high=high)


def uniform(path: str, low: float, high: float) -> Hyperparameter:
    """A uniform range, e.g. for dropout rates."""
    return Hyperparameter(path, "uniform", low=low, high=high)


def int_range(path: str, low: int, high: int, step: int = 1) -> Hyperparameter:
    """An integer range ``low, low + step, ..., high``."""
    return Hyperparameter(path, "int", low=low, high=high, step=step)


def choice(path: str, *values: Any) -> Hyperparameter:
    """One of ``values``."""
    return Hyperparameter(path, "choice", values=tuple(values))


def boolean(path: str) -> Hyperparameter:
    """``True`` or ``False``."""
    return Hyperparameter(path, "boolean")


@dataclass(frozen=True)
class SearchSpec:
    """The recipe's search space for ``python -m recipes tune``.

    Attributes:
        params: the hyperparameters searched.
        objective: the quantity optimised (a Keras history key, e.g. ``val_accuracy``).
        direction: ``max`` or ``min``.
        max_trials: default number of trials.
    """

    params: tuple[Hyperparameter, ...] = ()
    objective: str = "val_accuracy"
    direction: str = "max"
    max_trials: int = 20

    def __post_init__(self):
        _check_choice("search.direction", self.direction, ("max", "min"))


@dataclass(frozen=True)
class AgentSpec:
    """A reinforcement-learning agent and its environment (``task`` = ``rl``).

    Attributes:
        algorithm: ``q_learning`` or ``dqn``.
        env_id: a gymnasium environment id, e.g. ``CartPole-v1``.
        env_options: keyword arguments of ``gymnasium.make`` (e.g. ``is_slippery``).
        total_steps: environment steps to train for.
        options: algorithm hyperparameters (see :mod:`dlrecipes.rl`).
    """

    algorithm: str = "dqn"
    env_id: str = "CartPole-v1"
    env_options: dict[str, Any] = field(default_factory=dict)
    total_steps: int = 50_000
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    """One arm of a comparison: a name and the overrides that make it."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)


TASKS = ("supervised", "rl", "custom")


@dataclass(frozen=True)
class Recipe:
    """A complete, declarative description of one experiment.

    Attributes:
        name: the recipe's name; equals its module name in ``recipes/``.
        summary: one line shown by ``python -m recipes list``.
        lecture: the lecture topic it belongs to (e.g. ``"CNN"``).
        task: ``supervised`` (fit a model), ``rl`` (train an agent) or ``custom``
            (run the function ``experiment`` of :mod:`dlrecipes.experiments`).
        data, model, train, expect, search: see the spec classes.
        agent: the agent, for ``task = "rl"``.
        variants: arms compared by ``python -m recipes compare`` (same seed and data).
        profiles: named override sets; every recipe has ``smoke``.
        seed: the random seed (``--seed`` overrides it).
        reference: the paper or lecture the recipe reproduces.
        experiment: for ``task = "custom"``, a function name in :mod:`dlrecipes.experiments`.
        reports: extra reports run after training (names in :mod:`dlrecipes.reports`),
            e.g. ``("filters", "feature_maps")`` for CNN plots or ``("samples",)``.
    """

    name: str
    summary: str
    lecture: str
    task: str = "supervised"
    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    expect: ExpectSpec = field(default_factory=ExpectSpec)
    search: SearchSpec = field(default_factory=SearchSpec)
    agent: AgentSpec | None = None
    variants: tuple[Variant, ...] = ()
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: int = 0
    reference: str = ""
    experiment: str = ""
    reports: tuple[str, ...] = ()

    def __post_init__(self):
        _check_choice("task", self.task, TASKS)
        if self.task == "custom" and not self.experiment:
            raise RecipeError(f"recipe {self.name!r} has task='custom' but no experiment name")
        if not self.name.isidentifier():
            raise RecipeError(
                f"a recipe name must be a Python identifier. Received: name={self.name!r}"
            )
        if "smoke" not in self.profiles:
            raise RecipeError(
                f"recipe {self.name!r} must declare a 'smoke' profile. "
                f"Received profiles: {sorted(self.profiles) or 'none'}"
            )


SECTIONS = {
    "data": DataSpec,
    "model": ModelSpec,
    "train": TrainSpec,
    "expect": ExpectSpec,
    "search": SearchSpec,
    "agent": AgentSpec,
}
OPTION_FIELDS = {"data": "options", "model": "options", "agent": "options"}


# ------------------------------------------------------------------- validation helpers


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise RecipeError(f"{name} must be in [0, 1). Received: {name}={value}")


def _check_choice(name: str, value: Any, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise RecipeError(
            f"{name} must be one of {', '.join(map(str, allowed))}. Received: {value!r}"
            + _suggest(str(value), allowed)
        )


def _suggest(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.7)
    return f". Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


# ------------------------------------------------------------------- dict <-> recipe


def to_dict(recipe: Any) -> dict[str, Any]:
    """A recipe (or any spec) as plain TOML-ready data: dicts, lists, scalars; no None."""
    if dataclasses.is_dataclass(recipe):
        out = {}
        for f in dataclasses.fields(recipe):
            value = to_dict(getattr(recipe, f.name))
            if value is not None:
                out[f.name] = value
        return out
    if isinstance(recipe, Mapping):
        return {str(k): to_dict(v) for k, v in recipe.items() if v is not None}
    if isinstance(recipe, (tuple, list)):
        return [to_dict(v) for v in recipe]
    return recipe


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def from_dict(cls: type, data: Mapping[str, Any], where: str = "") -> Any:
    """Build the spec ``cls`` from plain data, coercing and validating each field."""
    if not isinstance(data, Mapping):
        raise RecipeError(
            f"{where or cls.__name__} must be a table. Received: {type(data).__name__} {data!r}"
        )
    hints = _hints(cls)
    unknown = [k for k in data if k not in hints]
    if unknown:
        key = unknown[0]
        path = f"{where}.{key}" if where else key
        raise RecipeError(
            f"unknown recipe key {path!r}"
            + _suggest(key, hints)
            + f" Valid keys{' in ' + repr(where) if where else ''}: {', '.join(hints)}"
        )
    kwargs = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else key
        kwargs[key] = _coerce(value, hints[key], path)
    try:
        return cls(**kwargs)
    except TypeError as error:  # a required field is missing
        raise RecipeError(f"{where or cls.__name__}: {error}") from None


def _coerce(value: Any, tp: Any, path: str) -> Any:
    """Coerce ``value`` to the annotated type ``tp`` or raise a one-line RecipeError."""
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return value if isinstance(value, tp) else from_dict(tp, value, path)
    if origin is tuple:
        (item_type, *_rest) = typing.get_args(tp) or (Any,)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            value = [value]
        return tuple(_coerce(v, item_type, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise RecipeError(f"{path} expects a table. Received: {value!r}")
        return {str(k): _plain(v) for k, v in value.items()}
    if tp is Any:
        return _plain(value)
    return _coerce_scalar(value, tp, path)


def _plain(value: Any) -> Any:
    """Lists from TOML become tuples so that specs stay immutable and hashable-ish."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _coerce_scalar(value: Any, tp: Any, path: str) -> Any:
    def fail(expected: str):
        raise RecipeError(f"{path} expects {expected}. Received: {value!r}")

    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        fail("true or false")
    if tp is int:
        if isinstance(value, bool):
            fail("an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.replace("_", ""))
            except ValueError:
                pass
        fail("an integer")
    if tp is float:
        if isinstance(value, bool):
            fail("a number")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        fail("a number")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        fail("a string")
    return value


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value as a TOML literal; anything else is a plain string.

    ``"0.01" -> 0.01``, ``"true" -> True``, ``"[64, 32]" -> [64, 32]``, ``"adam" -> "adam"``.
    """
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


# ------------------------------------------------------------------- overrides


def _all_paths(recipe_dict: Mapping[str, Any]) -> list[str]:
    paths = [f for f in _hints(Recipe) if f not in SECTIONS]
    for section, cls in SECTIONS.items():
        paths += [f"{section}.{f}" for f in _hints(cls)]
        option_field = OPTION_FIELDS.get(section)
        if option_field:
            options = (recipe_dict.get(section) or {}).get(option_field) or {}
            paths += [f"{section}.{option_field}.{k}" for k in options]
    return paths


def set_path(recipe_dict: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (e.g. ``train.epochs``) in a recipe dict, validating the key.

    A key that is not a field of the section is taken as a builder/source/agent
    option when the section has options (``model.units`` -> ``model.options.units``);
    otherwise it is an error that lists close matches.
    """
    parts = path.strip().split(".")
    if not all(parts):
        raise RecipeError(f"an override key must look like section.field. Received: {path!r}")
    top = parts[0]
    recipe_fields = _hints(Recipe)
    if top not in recipe_fields:
        raise RecipeError(
            f"unknown recipe key {path!r}"
            + _suggest(path, _all_paths(recipe_dict))
            + f" Valid sections and fields: {', '.join(recipe_fields)}"
        )
    if top not in SECTIONS:
        if len(parts) != 1:
            raise RecipeError(f"{top!r} has no sub-keys. Received: {path!r}")
        recipe_dict[top] = _coerce(value, recipe_fields[top], top) if top != "profiles" else value
        return
    cls = SECTIONS[top]
    section = recipe_dict.setdefault(top, {}) if recipe_dict.get(top) is not None else {}
    recipe_dict[top] = section
    if len(parts) == 1:
        if not isinstance(value, Mapping):
            raise RecipeError(f"{top} expects a table. Received: {value!r}")
        for key, item in value.items():
            set_path(recipe_dict, f"{top}.{key}", item)
        return
    hints = _hints(cls)
    key = parts[1]
    option_field = OPTION_FIELDS.get(top)
    if key == option_field and len(parts) >= 3:
        option_key = ".".join(parts[2:])
    elif key not in hints and option_field and len(parts) == 2:
        option_key = key  # shorthand: model.units -> model.options.units
    elif key not in hints:
        raise RecipeError(
            f"unknown recipe key {path!r}"
            + _suggest(path, _all_paths(recipe_dict))
            + f" Valid keys in {top!r}: {', '.join(hints)}"
        )
    else:
        is_table = typing.get_origin(hints[key]) is dict
        if len(parts) > 2 and not is_table:
            raise RecipeError(f"{top}.{key} has no sub-keys. Received: {path!r}")
        if len(parts) > 2:
            section.setdefault(key, {})[".".join(parts[2:])] = _plain(value)
        else:
            section[key] = _coerce(value, hints[key], path)
        return
    options = section.setdefault(option_field, {})
    previous = options.get(option_key)
    if previous is not None and not isinstance(previous, (dict, tuple, list)):
        value = _coerce_scalar(value, type(previous), path)
    options[option_key] = _plain(value)


def flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested tables to dotted paths: ``{"train": {"epochs": 3}}`` -> ``[("train.epochs", 3)]``."""
    items = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and key not in ("profiles",):
            items += flatten(value, path)
        else:
            items.append((path, value))
    return items


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing file or a syntax error is a one-line RecipeError."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"config file not found. Received: {str(path)!r}")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(f"TOML syntax error in {str(path)!r}: {error}") from None


def resolve(
    recipe: Recipe,
    *,
    profile: str | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    seed: int | None = None,
) -> Recipe:
    """Apply profile, config file and ``--set`` overrides, in that order.

    Args:
        recipe: the recipe's defaults.
        profile: a profile name declared by the recipe (e.g. ``"smoke"``).
        config: a TOML file (or a mapping) shaped like a recipe: ``[train] epochs = 3``.
        overrides: ``"a.b=value"`` strings (values parsed as TOML literals) or a mapping.
        seed: replaces the recipe's seed.

    Returns:
        A new, validated :class:`Recipe`.
    """
    data = to_dict(recipe)
    if profile:
        if profile not in recipe.profiles:
            raise RecipeError(
                f"recipe {recipe.name!r} has no profile {profile!r}. "
                f"Expected one of: {', '.join(sorted(recipe.profiles))}"
            )
        for path, value in recipe.profiles[profile].items():
            set_path(data, path, value)
    if config is not None:
        config_data = config if isinstance(config, Mapping) else load_toml(config)
        for path, value in flatten(config_data):
            set_path(data, path, value)
    if isinstance(overrides, Mapping):
        pairs = list(overrides.items())
    else:
        pairs = []
        for item in overrides:
            if "=" not in item:
                raise RecipeError(f"--set expects key=value. Received: {item!r}")
            key, text = item.split("=", 1)
            pairs.append((key.strip(), parse_value(text.strip())))
    for path, value in pairs:
        set_path(data, path, value)
    if seed is not None:
        data["seed"] = seed
    return from_dict(Recipe, data)


def with_overrides(recipe: Recipe, overrides: Mapping[str, Any]) -> Recipe:
    """A copy of ``recipe`` with dotted-path ``overrides`` applied (values already typed)."""
    return resolve(recipe, overrides=overrides)


def recipe_to_toml(recipe: Recipe) -> str:
    """The recipe as TOML text (what a run saves as ``recipe.toml``)."""
    import tomli_w

    return tomli_w.dumps(to_dict(recipe))


def recipe_from_toml(path: str | Path) -> Recipe:
    """Read a recipe written as TOML; no code is executed."""
    data = load_toml(path)
    for required in ("name", "summary", "lecture"):
        if required not in data:
            raise RecipeError(
                f"a TOML recipe needs a top-level {required!r}. Received keys: {', '.join(data)}"
            )
    return from_dict(Recipe, data)
