"""The hyperparameters of each algorithm: defaults, meaning, validation.

A recipe's ``agent.options`` table overrides these defaults; an unknown key is
a :class:`~dlrecipes.recipe.RecipeError` that lists close matches, and every
value is coerced to the type of its default (``"0.01"`` -> ``0.01``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from dlrecipes.recipe import RecipeError

ALGORITHMS = ("q_learning", "dqn")

#: Shared by every algorithm: the training loop, evaluation and bookkeeping.
COMMON = {
    "num_envs": 1,  # environment copies stepped together (gymnasium.vector)
    "discount": 0.99,  # gamma, the discount factor of future rewards
    "epsilon_start": 1.0,  # exploration probability at step 0
    "epsilon_end": 0.05,  # exploration probability after the decay
    "epsilon_decay_fraction": 0.5,  # fraction of total_steps over which epsilon decays linearly
    "eval_every": 5_000,  # env steps between greedy evaluations (0 = only at the end)
    "eval_episodes": 10,  # episodes per periodic greedy evaluation
    "final_eval_episodes": 100,  # episodes of the final greedy evaluation of the best agent
    "success_return": 1.0,  # an evaluation episode with return >= this counts as a success
    "stop_when_solved": False,  # stop once a greedy evaluation reaches solved_return
    "solved_return": 0.0,  # mean evaluation return that counts as solved
    "checkpoint_every": 10_000,  # env steps between checkpoints (0 = only at the end)
    "progress_every": 5_000,  # env steps between progress lines
}

#: Tabular Q-learning (Watkins 1989; Sutton & Barto 2018, section 6.5).
Q_LEARNING = {
    **COMMON,
    "learning_rate": 0.1,  # alpha at step 0
    "learning_rate_end": 0.1,  # alpha after the decay (equal to learning_rate: constant)
    "learning_rate_decay_fraction": 1.0,  # fraction of total_steps over which alpha decays
    "initial_q": 0.0,  # initial value of every Q[x, a]
}

#: DQN (Mnih et al. 2015) with the options of Double DQN and dueling networks.
DQN = {
    **COMMON,
    "hidden_units": (256, 256),  # Q-network hidden layer widths
    "dueling": False,  # dueling value/advantage head (Wang et al. 2016)
    "double": False,  # Double DQN targets (van Hasselt et al. 2016)
    "learning_rate": 2.3e-3,  # Adam step size
    "adam_epsilon": 1e-8,  # Adam's epsilon
    "max_grad_norm": 10.0,  # clip the gradient's global norm to this (0 = off)
    "huber_delta": 1.0,  # Huber loss: quadratic for |td| <= delta, linear beyond
    "batch_size": 64,  # transitions per gradient step
    "buffer_size": 100_000,  # replay capacity in transitions
    "learning_starts": 1_000,  # env steps of experience before the first update
    "train_frequency": 256,  # env steps between updates
    "gradient_steps": 128,  # gradient steps per update (one compiled call)
    "target_update_period": 128,  # gradient steps between target-network updates
    "tau": 1.0,  # target <- tau * online + (1 - tau) * target (1 = hard copy)
    "epsilon_end": 0.04,
    "epsilon_decay_fraction": 0.16,
    "success_return": 475.0,
    "eval_every": 2_000,
}

DEFAULTS = {"q_learning": Q_LEARNING, "dqn": DQN}


def _coerce(key: str, value: Any, default: Any) -> Any:
    def fail(expected):
        raise RecipeError(f"agent.options.{key} expects {expected}. Received: {value!r}")

    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        fail("true or false")
    if (
        isinstance(value, str)
        and isinstance(default, (int, float))
        and not isinstance(default, bool)
    ):
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
        items = value if isinstance(value, (list, tuple)) else (value,)
        if not items or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            fail("a list of positive integers, e.g. [256, 256]")
        if any(v <= 0 for v in items):
            fail("a list of positive integers, e.g. [256, 256]")
        return tuple(int(v) for v in items)
    return value


def resolve_options(algorithm: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The algorithm's defaults updated with ``options``, each key checked and coerced."""
    if algorithm not in DEFAULTS:
        close = difflib.get_close_matches(algorithm, ALGORITHMS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise RecipeError(
            f"agent.algorithm must be one of {', '.join(ALGORITHMS)}. Received: {algorithm!r}."
            + hint
        )
    defaults = DEFAULTS[algorithm]
    resolved = dict(defaults)
    for key, value in options.items():
        if key not in defaults:
            close = difflib.get_close_matches(key, list(defaults), n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise RecipeError(
                f"unknown {algorithm} option agent.options.{key}.{hint} "
                f"Valid options: {', '.join(sorted(defaults))}"
            )
        resolved[key] = _coerce(key, value, defaults[key])
    for key in ("num_envs", "final_eval_episodes"):
        if resolved[key] < 1:
            raise RecipeError(f"agent.options.{key} must be >= 1. Received: {resolved[key]}")
    if algorithm == "dqn":
        for key in ("batch_size", "buffer_size", "train_frequency", "gradient_steps"):
            if resolved[key] < 1:
                raise RecipeError(f"agent.options.{key} must be >= 1. Received: {resolved[key]}")
        if not 0.0 < resolved["tau"] <= 1.0:
            raise RecipeError(f"agent.options.tau must be in (0, 1]. Received: {resolved['tau']}")
        if resolved["target_update_period"] < 1:
            raise RecipeError(
                "agent.options.target_update_period must be >= 1. "
                f"Received: {resolved['target_update_period']}"
            )
    if resolved["learning_rate"] <= 0:
        raise RecipeError(
            f"agent.options.learning_rate must be > 0. Received: {resolved['learning_rate']}"
        )
    if not 0.0 <= resolved["discount"] <= 1.0:
        raise RecipeError(
            f"agent.options.discount must be in [0, 1]. Received: {resolved['discount']}"
        )
    for key in ("epsilon_start", "epsilon_end", "epsilon_decay_fraction"):
        if not 0.0 <= resolved[key] <= 1.0:
            raise RecipeError(f"agent.options.{key} must be in [0, 1]. Received: {resolved[key]}")
    return resolved
