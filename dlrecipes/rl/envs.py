"""Gymnasium environments: checked ids, checked spaces, vectorised copies.

An environment is the tuple ``<X, A, P, R>`` of the lectures: observations
``X`` (``observation_space``), actions ``A`` (``action_space``), transition
probabilities ``P(x' | x, a)`` and rewards ``R(x, a)`` (hidden inside ``step``).
This module turns the mistakes a user can make (an unknown id, a continuous
action space given to DQN, options the environment does not take) into one-line
:class:`~dlrecipes.recipe.RecipeError` messages, and builds the vectorised
environments (``gymnasium.vector``) the agents collect experience with.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from dlrecipes.recipe import RecipeError


def check_env_id(env_id: str) -> None:
    """Raise a RecipeError naming close registered ids if ``env_id`` is not registered."""
    import gymnasium

    try:
        gymnasium.spec(env_id)
    except gymnasium.error.Error as error:
        known = list(gymnasium.envs.registry)
        close = difflib.get_close_matches(env_id, known, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        reason = str(error).split("\n")[0]
        raise RecipeError(
            f"agent.env_id {env_id!r} is not a registered gymnasium environment ({reason}).{hint}"
        ) from None


def env_factory(env_id: str, env_options: dict[str, Any], **extra):
    """A picklable ``() -> env`` (a ``functools.partial`` of ``gymnasium.make``)."""
    import gymnasium

    return functools.partial(gymnasium.make, env_id, **dict(env_options), **extra)


def make_env(env_id: str, env_options: dict[str, Any], **extra):
    """``gymnasium.make(env_id, **env_options)`` with user errors as RecipeError."""
    check_env_id(env_id)
    try:
        return env_factory(env_id, env_options, **extra)()
    except TypeError as error:
        raise RecipeError(
            f"agent.env_options {dict(env_options)!r} were rejected by {env_id}: {error}"
        ) from None


def make_vector_env(env_id: str, env_options: dict[str, Any], num_envs: int):
    """``num_envs`` copies of the environment stepped together (autoreset on the next step).

    Uses the environment's own vectorised implementation when it has one
    (CartPole-v1 steps all its copies with NumPy at once) and a
    ``SyncVectorEnv`` of picklable factories otherwise, so that the whole vector
    environment (its physics state and random generators) can be checkpointed with
    ``pickle``. In both cases an episode that ends at step t is reset at step t+1:
    the observation returned at t is the true last one, and the transition into
    t+1 is a reset, not experience (gymnasium's ``AutoresetMode.NEXT_STEP``).
    """
    import gymnasium

    check_env_id(env_id)
    spec = gymnasium.spec(env_id)
    try:
        if spec.vector_entry_point is not None:
            return gymnasium.make_vec(
                env_id,
                num_envs=num_envs,
                vectorization_mode="vector_entry_point",
                **dict(env_options),
            )
        factory = env_factory(env_id, env_options)
        return gymnasium.vector.SyncVectorEnv([factory] * num_envs)
    except TypeError as error:
        raise RecipeError(
            f"agent.env_options {dict(env_options)!r} were rejected by {env_id}: {error}"
        ) from None


def describe_space(space) -> str:
    return f"{type(space).__name__}{getattr(space, 'shape', '') or ''}" + (
        f"(n={space.n})" if hasattr(space, "n") else ""
    )


def check_spaces(algorithm: str, env_id: str, observation_space, action_space) -> None:
    """Each algorithm's requirements on the spaces, as one-line RecipeErrors.

    * ``q_learning`` (a table ``Q[x, a]``) needs ``Discrete`` observations and actions.
    * ``dqn`` (a network ``Q(x, .; theta)`` with one output per action) needs a
      ``Box`` observation and a ``Discrete`` action space.
    """
    import gymnasium.spaces as spaces

    if not isinstance(action_space, spaces.Discrete):
        raise RecipeError(
            f"{algorithm} needs a Discrete action space (one Q-value per action). Received: "
            f"{env_id} with action space {action_space}"
            + (
                "; a continuous action space needs an actor-critic method (e.g. DDPG, SAC)"
                if isinstance(action_space, spaces.Box)
                else ""
            )
        )
    if algorithm == "q_learning" and not isinstance(observation_space, spaces.Discrete):
        raise RecipeError(
            "q_learning keeps a table Q[x, a] and needs a Discrete observation space. "
            f"Received: {env_id} with observation space {observation_space}; use algorithm='dqn'"
        )
    if algorithm == "dqn" and not isinstance(observation_space, spaces.Box):
        raise RecipeError(
            "dqn feeds observations to a network and needs a Box observation space. "
            f"Received: {env_id} with observation space {observation_space}"
            + (
                "; use algorithm='q_learning' for a Discrete one"
                if isinstance(observation_space, spaces.Discrete)
                else ""
            )
        )
