"""The recipe spec: frozen dataclasses that say *what* to train, never *how*.

A recipe is data. It names a data source, a model builder with its options, a
training configuration, what the run should reach (``expect``), a search space
for hyperparameter tuning and a ``smoke`` profile that runs in seconds. The
orchestrator (:mod:`dlrecipes.runs`) does the work; importing a recipe builds
nothing and imports neither TensorFlow nor Keras.

Specs are deeply immutable: every mapping is a
:class:`~dlrecipes.spec.frozen.FrozenDict` and every list a tuple, so recipes
that derive from each other share nothing mutable and ``hash(recipe)`` works.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dlrecipes.spec.coerce import coerce_scalar
from dlrecipes.spec.errors import (
    MAX_SEED,
    RecipeError,
    check_choice,
    check_count,
    check_fraction,
    check_non_negative,
)
from dlrecipes.spec.frozen import FrozenDict, freeze

EXPECT_SPLITS = ("test", "val")
#: Experiment trackers of ``train.track`` (``""``: none; see :mod:`dlrecipes.tracking`).
TRACKERS = ("", "mlflow")
# dlrecipes.training.distribution.DISTRIBUTIONS (kept here: the spec imports no Keras)
DISTRIBUTIONS = ("none", "data_parallel")


def _freeze_fields(spec: Any, *names: str) -> None:
    """Replace the named fields of a frozen dataclass by their deeply frozen values."""
    for name in names:
        object.__setattr__(spec, name, freeze(getattr(spec, name)))


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
            (pixels / 255, digits / 16); ``"minmax"`` maps each feature (each channel
            of an image) to [0, 1] with the training split's minimum and maximum,
            ``(x - min) / (max - min)``, as the model's first layer; ``"none"`` keeps
            raw values.
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
    options: Mapping[str, Any] = field(default_factory=FrozenDict)

    def __post_init__(self):
        _freeze_fields(self, "options")
        check_fraction("data.val_fraction", self.val_fraction)
        check_fraction("data.test_fraction", self.test_fraction)
        check_choice("data.scale", self.scale, ("unit", "minmax", "none"))
        check_choice("data.layout", self.layout, ("auto", "flat", "image", "sequence"))
        for name in ("limit", "image_size", "pad_to"):
            check_count(f"data.{name}", getattr(self, name), low=0)
        check_fraction("data.augment_shift", self.augment_shift)
        check_fraction("data.augment_rotation", self.augment_rotation)
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
    options: Mapping[str, Any] = field(default_factory=FrozenDict)

    def __post_init__(self):
        _freeze_fields(self, "options")


#: The value of ``train.jit_compile`` / ``train.steps_per_execution`` that lets the library choose.
AUTO = "auto"


def _auto_or_value(spec: Any, name: str, expected: str) -> None:
    """Normalise ``spec.<name>``: ``"auto"`` stays, ``"true"`` / ``"8"`` strings (``--set``,
    TOML) become ``True`` / ``8``; anything else is a one-line error."""
    value = getattr(spec, name)
    if isinstance(value, str) and value.strip().lower() == AUTO:
        object.__setattr__(spec, name, AUTO)
        return
    kind = bool if name == "jit_compile" else int
    try:
        object.__setattr__(spec, name, coerce_scalar(value, kind, f"train.{name}"))
    except RecipeError:
        raise RecipeError(f"train.{name} expects {expected}. Received: {value!r}") from None


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
        jit_compile: compile the train step with XLA: ``true`` or ``false`` force it;
            ``"auto"`` (the default) lets :mod:`dlrecipes.training.compile_path` choose the
            fastest path for the backend, device and model (recorded with its reason in
            ``metrics.json`` and shown by ``describe``).
        steps_per_execution: train steps run per compiled call; ``"auto"`` (the default)
            chosen with ``jit_compile`` (several tiny steps per call where Keras'
            per-step dispatch would dominate).
        mixed_precision: train in ``mixed_float16`` (useful on GPUs).
        tensorboard: write TensorBoard logs in the run directory.
        track: an experiment tracker beyond TensorBoard: ``""`` (none) or ``"mlflow"``
            (recipe as parameters, per-epoch and final metrics, the run's files; the
            ``tracking`` extra; ``MLFLOW_TRACKING_URI`` or a local store ``runs/mlruns``).
        shuffle: reshuffle the training split every epoch.
        verbose: Keras progress output: ``auto``, ``0``, ``1`` or ``2``.
        distribution: ``none`` (one device) or ``data_parallel``: the global batch
            split over every visible device (:mod:`dlrecipes.training.distribution`).
    """

    epochs: int = 10
    batch_size: int = 32
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    optimizer_options: Mapping[str, Any] = field(default_factory=FrozenDict)
    schedule: str = "constant"
    schedule_options: Mapping[str, Any] = field(default_factory=FrozenDict)
    weight_decay: float = 0.0
    clipnorm: float = 0.0
    loss: str = "sparse_categorical_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    early_stopping_patience: int = 0
    monitor: str = "val_loss"
    jit_compile: bool | str = "auto"
    steps_per_execution: int | str = "auto"
    mixed_precision: bool = False
    tensorboard: bool = True
    shuffle: bool = True
    verbose: str = "auto"
    track: str = ""
    distribution: str = "none"

    def __post_init__(self):
        _freeze_fields(self, "optimizer_options", "schedule_options", "metrics")
        check_choice("train.track", self.track, TRACKERS)
        check_choice("train.distribution", self.distribution, DISTRIBUTIONS)
        _auto_or_value(self, "jit_compile", "true or false (or auto)")
        _auto_or_value(self, "steps_per_execution", "an integer >= 1 (or auto)")
        for name in ("epochs", "batch_size", "steps_per_execution"):
            if getattr(self, name) != AUTO:
                check_count(f"train.{name}", getattr(self, name), low=1)
        check_count("train.early_stopping_patience", self.early_stopping_patience, low=0)
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise RecipeError(
                "train.learning_rate must be a finite number > 0. "
                f"Received: train.learning_rate={self.learning_rate}"
            )
        for name in ("weight_decay", "clipnorm"):
            check_non_negative(f"train.{name}", getattr(self, name))
        check_choice("train.verbose", self.verbose, ("auto", "0", "1", "2"))


@dataclass(frozen=True)
class ExpectSpec:
    """What a run of the default profile should reach.

    Attributes:
        metric: metric name (e.g. ``accuracy``, ``mse``), read from ``split``.
        threshold: the value the metric must reach.
        higher_is_better: ``True`` when the metric must be >= threshold.
        data: the data the expectation holds for (e.g. ``digits``).
        budget: the compute it holds within (e.g. ``30 s on 2 CPU cores``).
        split: the split whose metrics it judges: ``test`` (the default) or ``val``
            (a language model's validation loss, which its lecture reports).
    """

    metric: str = "accuracy"
    threshold: float = 0.0
    higher_is_better: bool = True
    data: str = ""
    budget: str = ""
    split: str = "test"

    def __post_init__(self):
        check_choice("expect.split", self.split, EXPECT_SPLITS)
        if not math.isfinite(self.threshold):
            raise RecipeError(
                f"expect.threshold must be a finite number. Received: {self.threshold}"
            )

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
        _freeze_fields(self, "values")
        check_choice(f"search kind of {self.path}", self.kind, HYPERPARAMETER_KINDS)
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
        _freeze_fields(self, "params")
        check_choice("search.direction", self.direction, ("max", "min"))
        check_count("search.max_trials", self.max_trials, low=1)


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

    algorithm: str = ""
    env_id: str = ""
    env_options: Mapping[str, Any] = field(default_factory=FrozenDict)
    total_steps: int = 50_000
    options: Mapping[str, Any] = field(default_factory=FrozenDict)

    def __post_init__(self):
        _freeze_fields(self, "env_options", "options")
        check_count("agent.total_steps", self.total_steps, low=1)
        for name in ("algorithm", "env_id"):  # no environment's defaults in the library
            if not getattr(self, name):
                raise RecipeError(
                    f"agent.{name} must be set (e.g. algorithm = 'dqn', env_id = "
                    f"'CartPole-v1'). Received: agent.{name}={getattr(self, name)!r}"
                )


@dataclass(frozen=True)
class Variant:
    """One arm of a comparison: a name and the overrides that make it."""

    name: str
    overrides: Mapping[str, Any] = field(default_factory=FrozenDict)

    def __post_init__(self):
        _freeze_fields(self, "overrides")


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
        probes: measurements of the model at initialisation and / or after training
            (names in :mod:`dlrecipes.reports.probes`), e.g. ``("gradient_norms",)``:
            each writes a series to ``series.json``, a plot, and scalars to
            ``metrics.json`` under ``probes``.
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
    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=FrozenDict)
    seed: int = 0
    reference: str = ""
    experiment: str = ""
    reports: tuple[str, ...] = ()
    probes: tuple[str, ...] = ()

    def __post_init__(self):
        _freeze_fields(self, "variants", "profiles", "reports", "probes")
        check_choice("task", self.task, TASKS)
        if self.task == "custom" and not self.experiment:
            raise RecipeError(f"recipe {self.name!r} has task='custom' but no experiment name")
        if not 0 <= self.seed <= MAX_SEED:
            raise RecipeError(
                f"seed must be an integer in [0, {MAX_SEED}] (2**32 - 1, NumPy's seed range). "
                f"Received: seed={self.seed}"
            )
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
#: Sections whose ``options`` table holds free-form keys (``model.units`` is
#: shorthand for ``model.options.units``).
OPTION_FIELDS = {"data": "options", "model": "options", "agent": "options"}
