"""The hyperparameters of each algorithm as typed, frozen dataclasses.

A recipe's ``agent.options`` table is turned into one of these once, by
:func:`resolve_options`: an unknown key is a :class:`~dlrecipes.recipe.RecipeError`
that lists close matches, and every value is coerced to the type of its default
(``"0.01"`` -> ``0.01``, ``[64, 64]`` -> ``(64, 64)``) and range-checked.

The defaults are environment-neutral (the textbook or library defaults of each
algorithm); the numbers tuned for one environment, such as CartPole's DQN
settings and its success return of 475, live in that environment's recipes.

Example:
    >>> options = resolve_options("dqn", {"learning_rate": "1e-3", "hidden_units": [64]})
    >>> options.learning_rate, options.hidden_units, options.batch_size
    (0.001, (64,), 32)
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from typing import Any, ClassVar

from dlrecipes.recipe import RecipeError
from dlrecipes.rl.schedules import LinearSchedule, UpdateSchedule


def _coerce(key: str, value: Any, default: Any) -> Any:
    """``value`` as the type of ``default`` (bool, non-negative int, float, tuple of ints)."""

    def fail(expected):
        raise RecipeError(f"agent.options.{key} expects {expected}. Received: {value!r}")

    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        fail("true or false")
    if isinstance(value, str) and isinstance(default, (int, float)):
        try:
            value = float(value.replace("_", ""))
        except ValueError:
            fail("an integer" if isinstance(default, int) else "a number")
    if isinstance(default, int):
        if isinstance(value, bool):
            fail("an integer")
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            if int(value) < 0:
                fail("an integer >= 0")
            return int(value)
        fail("an integer")
    if isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        fail("a number")
    if isinstance(default, tuple):
        if default == () and isinstance(value, (list, tuple)) and len(value) == 0:
            return ()  # an empty default may stay empty (no conv layers)
        items = value if isinstance(value, (list, tuple)) else (value,)
        if not items or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            fail("a list of positive integers, e.g. [256, 256]")
        if any(v <= 0 for v in items):
            fail("a list of positive integers, e.g. [256, 256]")
        return tuple(int(v) for v in items)
    return value


def _require(options, key: str, ok, condition: str) -> None:
    value = getattr(options, key)
    if not ok(value):
        raise RecipeError(f"agent.options.{key} must be {condition}. Received: {value}")


@dataclasses.dataclass(frozen=True)
class CommonOptions:
    """Options every algorithm shares: the training loop, exploration, evaluation, bookkeeping.

    Build the options of an algorithm with :func:`resolve_options` (or its class's
    :meth:`from_mapping`); constructing a class directly coerces and checks the
    values the same way.

    Attributes:
        num_envs: environment copies stepped together (``gymnasium.vector``), >= 1.
        discount: gamma in [0, 1], the discount factor of future rewards.
        epsilon_start: exploration probability at step 0, in [0, 1].
        epsilon_end: exploration probability after the decay, in [0, 1].
        epsilon_decay_fraction: fraction of ``total_steps`` over which epsilon
            decays linearly from ``epsilon_start`` to ``epsilon_end``, in [0, 1].
        eval_every: env steps between greedy evaluations (0: only the final one).
        eval_episodes: episodes per periodic greedy evaluation.
        final_eval_episodes: episodes of the final greedy evaluation of the best
            agent (and of the confirmation of a solved evaluation), >= 1.
        success_return: an evaluation episode with a return >= this counts as a
            success (1.0: the goal reward of sparse-reward tasks; set the
            environment's own threshold in its recipe).
        stop_when_solved: stop once a greedy evaluation reaches ``solved_return``
            and a confirmation on ``final_eval_episodes`` fresh episodes agrees.
        solved_return: mean evaluation return that counts as solved.
        checkpoint_every: env steps between checkpoints (0: only at the end).
        progress_every: env steps between progress lines.
    """

    #: the ``agent.algorithm`` these options belong to (set by each subclass).
    algorithm: ClassVar[str] = ""

    num_envs: int = 1
    discount: float = 0.99
    epsilon_start: float = 1.0
    epsilon_end: float = 0.05
    epsilon_decay_fraction: float = 0.5
    eval_every: int = 5_000
    eval_episodes: int = 10
    final_eval_episodes: int = 100
    success_return: float = 1.0
    stop_when_solved: bool = False
    solved_return: float = 0.0
    checkpoint_every: int = 10_000
    progress_every: int = 5_000

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]):
        """The class's defaults updated with ``options``; unknown keys name close matches."""
        names = [field.name for field in dataclasses.fields(cls)]
        for key in options:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=3, cutoff=0.6)
                hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                raise RecipeError(
                    f"unknown {cls.algorithm} option agent.options.{key}.{hint} "
                    f"Valid options: {', '.join(sorted(names))}"
                )
        return cls(**options)

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = _coerce(field.name, getattr(self, field.name), field.default)
            object.__setattr__(self, field.name, value)
        for key in ("num_envs", "final_eval_episodes"):
            _require(self, key, lambda v: v >= 1, ">= 1")
        self._check_algorithm_options()
        _require(self, "discount", lambda v: 0.0 <= v <= 1.0, "in [0, 1]")
        for key in ("epsilon_start", "epsilon_end", "epsilon_decay_fraction"):
            _require(self, key, lambda v: 0.0 <= v <= 1.0, "in [0, 1]")

    def _check_algorithm_options(self) -> None:
        """Range checks of the subclass's own fields (run between the shared ones)."""

    def epsilon_schedule(self, total_steps: int) -> LinearSchedule:
        """Exploration probability against env steps for a run of ``total_steps``."""
        return LinearSchedule(
            self.epsilon_start,
            self.epsilon_end,
            int(self.epsilon_decay_fraction * total_steps),
        )

    def as_dict(self) -> dict[str, Any]:
        """Every option by name (what ``agent.options`` resolved to)."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class QLearningOptions(CommonOptions):
    """Tabular Q-learning (Watkins 1989; Sutton & Barto 2018, section 6.5).

    The step size decays linearly like epsilon; the defaults keep it constant at
    the book's 0.1. Shared fields: see :class:`CommonOptions`.

    Attributes:
        learning_rate: alpha at step 0, > 0.
        learning_rate_end: alpha after the decay (equal to ``learning_rate``: constant).
        learning_rate_decay_fraction: fraction of ``total_steps`` over which alpha decays.
        initial_q: the initial value of every ``Q[x, a]`` (optimistic when above
            the returns the environment pays).
    """

    algorithm: ClassVar[str] = "q_learning"

    learning_rate: float = 0.1
    learning_rate_end: float = 0.1
    learning_rate_decay_fraction: float = 1.0
    initial_q: float = 0.0

    def _check_algorithm_options(self) -> None:
        _require(self, "learning_rate", lambda v: v > 0, "> 0")

    def learning_rate_schedule(self, total_steps: int) -> LinearSchedule:
        """Alpha against env steps for a run of ``total_steps``."""
        return LinearSchedule(
            self.learning_rate,
            self.learning_rate_end,
            int(self.learning_rate_decay_fraction * total_steps),
        )

    def update_schedule(self) -> UpdateSchedule:
        """The online update: after every iteration of the loop, not logged per update."""
        return UpdateSchedule(every=0, start=0, log=False)


#: The TD losses of :class:`DQNOptions` (``loss``).
LOSSES = ("huber", "squared")
#: The compile paths of :class:`DQNOptions` (``jit_compile``).
JIT_COMPILE = ("true", "false", "auto")


@dataclasses.dataclass(frozen=True)
class DQNOptions(CommonOptions):
    """DQN (Mnih et al. 2015) with the options of Double DQN and dueling networks.

    The defaults are Stable-Baselines3's general DQN defaults (Raffin et al. 2021)
    with Mnih et al.'s target period; a smaller replay (memory is preallocated).
    Shared fields: see :class:`CommonOptions`.

    Attributes:
        hidden_units: the Q-network's hidden layer widths (positive integers).
        dueling: a dueling value/advantage head (Wang et al. 2016).
        double: Double DQN targets (van Hasselt et al. 2016).
        learning_rate: Adam's step size, > 0.
        adam_epsilon: Adam's epsilon.
        max_grad_norm: clip the gradient's global norm to this (0: no clipping).
        huber_delta: the Huber loss is quadratic for ``|td| <= delta``, linear beyond.
        batch_size: transitions per gradient step, >= 1.
        buffer_size: replay capacity in transitions, >= 1 (preallocated:
            ``2 * buffer_size`` observations of float32).
        learning_starts: env steps of experience stored before the first update.
        train_frequency: env steps between updates, >= 1.
        gradient_steps: gradient steps per update (one compiled call), >= 1.
        target_update_period: gradient steps between target-network updates, >= 1.
        tau: ``target <- tau * online + (1 - tau) * target``, in (0, 1] (1: a hard copy).
        target_network: compute targets with a separate target network ``theta^-``
            (Mnih et al. 2015). False: with the current weights ``theta`` (under
            ``stop_gradient``), as Algorithm 1 of Mnih et al. 2013 does.
        loss: ``"huber"`` (quadratic within ``huber_delta``, linear beyond: the 2015
            error clipping) or ``"squared"`` (``delta^2 / 2``: Algorithm 1's squared error).
        conv_filters: ``Conv2D`` filters before the hidden layers, for image
            observations ``(height, width, frames)`` (empty: an MLP).
        conv_kernel_size: kernel size of every conv layer, or one per conv layer
            (``[8, 4, 3]``: Mnih et al. 2015), each >= 1.
        conv_stride: stride of every conv layer, or one per conv layer, each >= 1.
        jit_compile: ``"true"``: the update and acting compiled with XLA; ``"false"``:
            as TensorFlow graphs without XLA; ``"auto"``: XLA except for a
            convolutional Q-network under TensorFlow on a CPU, where XLA's convolution
            gradients are far slower than oneDNN's (under JAX always ``jax.jit``).
        observation_scale: the network multiplies observations by this first
            (``1 / 255`` for ``uint8`` pixels, which the replay then stores as
            ``uint8``: a quarter of the memory of float32), > 0.
    """

    algorithm: ClassVar[str] = "dqn"

    hidden_units: tuple[int, ...] = (64, 64)
    dueling: bool = False
    double: bool = False
    learning_rate: float = 1e-4
    adam_epsilon: float = 1e-8
    max_grad_norm: float = 10.0
    huber_delta: float = 1.0
    batch_size: int = 32
    buffer_size: int = 100_000
    learning_starts: int = 100
    train_frequency: int = 4
    gradient_steps: int = 1
    target_update_period: int = 10_000
    tau: float = 1.0
    target_network: bool = True
    loss: str = "huber"
    conv_filters: tuple[int, ...] = ()
    conv_kernel_size: tuple[int, ...] = (3,)
    conv_stride: tuple[int, ...] = (1,)
    observation_scale: float = 1.0
    jit_compile: str = "true"

    def _check_algorithm_options(self) -> None:
        _require(self, "loss", lambda v: v in LOSSES, f"one of {', '.join(LOSSES)}")
        for key in ("conv_kernel_size", "conv_stride"):
            _require(self, key, lambda v: min(v) >= 1, ">= 1")
            _require(
                self,
                key,
                lambda v: len(v) in (1, max(1, len(self.conv_filters))),
                f"one value or one per conv layer ({len(self.conv_filters)})",
            )
        _require(self, "observation_scale", lambda v: v > 0, "> 0")
        if isinstance(self.jit_compile, bool):  # TOML's true / false
            object.__setattr__(self, "jit_compile", str(self.jit_compile).lower())
        _require(
            self, "jit_compile", lambda v: v in JIT_COMPILE, f"one of {', '.join(JIT_COMPILE)}"
        )
        for key in ("batch_size", "buffer_size", "train_frequency", "gradient_steps"):
            _require(self, key, lambda v: v >= 1, ">= 1")
        _require(self, "tau", lambda v: 0.0 < v <= 1.0, "in (0, 1]")
        _require(self, "target_update_period", lambda v: v >= 1, ">= 1")
        _require(self, "learning_rate", lambda v: v > 0, "> 0")

    def use_xla(self, conv_xla_is_slow: bool) -> bool:
        """Whether to compile with XLA (``conv_xla_is_slow``: TensorFlow on a CPU)."""
        if self.jit_compile == "auto":
            return not (self.conv_filters and conv_xla_is_slow)
        return self.jit_compile == "true"

    def update_schedule(self) -> UpdateSchedule:
        """Every ``train_frequency`` env steps once ``learning_starts`` steps are stored."""
        return UpdateSchedule(every=self.train_frequency, start=self.learning_starts, log=True)


#: The options class of each ``agent.algorithm``.
OPTIONS: dict[str, type[CommonOptions]] = {"q_learning": QLearningOptions, "dqn": DQNOptions}
ALGORITHMS = tuple(OPTIONS)


def resolve_options(algorithm: str, options: Mapping[str, Any]) -> CommonOptions:
    """The typed options of ``algorithm``: its defaults updated with ``options``, checked.

    Raises:
        RecipeError: an unknown algorithm or option (naming close matches), a value
            of the wrong type, or one out of range; one line each.
    """
    if algorithm not in OPTIONS:
        close = difflib.get_close_matches(algorithm, ALGORITHMS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise RecipeError(
            f"agent.algorithm must be one of {', '.join(ALGORITHMS)}. Received: {algorithm!r}."
            + hint
        )
    return OPTIONS[algorithm].from_mapping(options)
