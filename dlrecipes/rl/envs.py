"""Gymnasium environments: checked ids, checked spaces, vectorised copies.

An environment is the tuple ``<X, A, P, R>`` of the lectures: observations
``X`` (``observation_space``), actions ``A`` (``action_space``), transition
probabilities ``P(x' | x, a)`` and rewards ``R(x, a)`` (hidden inside ``step``).
This module turns the mistakes a user can make (an unknown id, a continuous
action space given to DQN, options the environment does not take) into one-line
:class:`~dlrecipes.recipe.RecipeError` messages, builds the vectorised
environments (``gymnasium.vector``) the agents collect experience with, and
saves and restores their state mid-episode as data (:func:`env_state`,
:func:`restore_env_state`): no pickle, so a checkpoint runs no code when loaded.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator
from copy import deepcopy
from typing import Any

import numpy as np

from dlrecipes.recipe import RecipeError


def register_environments() -> None:
    """Register the library's own environments with gymnasium (``dlrecipes/Catch-v0``,
    ``dlrecipes/FlappyBirdTabular-v0``, ``dlrecipes/FlappyBird-v0``, ``dlrecipes/Atari-v0``)."""
    from dlrecipes.rl import atari, catch, flappy  # import gymnasium: only when an env is made

    catch.register()
    flappy.register()
    atari.register()


def check_env_id(env_id: str) -> None:
    """Raise a RecipeError naming close registered ids if ``env_id`` is not registered."""
    import gymnasium

    register_environments()
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

    register_environments()
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
    ``SyncVectorEnv`` otherwise; :func:`env_state` saves either mid-episode. In both
    cases an episode that ends at step t is reset at step t+1:
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


# ---------------------------------------------------------------- state as data

#: The bit generators a saved ``np.random.Generator`` may name (nothing else is built).
BIT_GENERATORS = {
    cls.__name__: cls
    for cls in (np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937, np.random.Philox)
}
_PLAIN = (bool, int, float, str, type(None))


def _parts(envs) -> Iterator[tuple[str, Any]]:
    """``(path, object)`` for a vector environment, its copies and every wrapper layer."""
    stack = [("vector", envs)]
    while stack:
        path, part = stack.pop()
        yield path, part
        for i, copy in reversed(list(enumerate(getattr(part, "envs", None) or []))):
            stack.append((f"{path}.envs.{i}", copy))
        inner = vars(part).get("env")
        if inner is not None and hasattr(inner, "step"):
            stack.append((f"{path}.env", inner))


def _encode(value: Any) -> dict[str, Any] | None:
    """A plain-data description of ``value``, or ``None`` if it is not state we keep."""
    if isinstance(value, _PLAIN):
        return {"kind": "plain", "value": value}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"kind": "scalar", "dtype": value.dtype.str, "value": value.item()}
    if isinstance(value, list | tuple) and all(isinstance(v, _PLAIN) for v in value):
        return {"kind": type(value).__name__, "value": list(value)}
    if isinstance(value, np.random.Generator):
        return {"kind": "generator", "state": value.bit_generator.state}
    if isinstance(value, list | dict) and _is_json(value):  # flappy bird's pipes, its ground
        return {"kind": "json", "value": deepcopy(value)}  # a snapshot, not the live list
    return None


def _is_json(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is lists and string-keyed dicts of plain values (JSON as it is)."""
    if isinstance(value, _PLAIN):
        return not isinstance(value, float) or np.isfinite(value)
    if depth > 4:
        return False
    if isinstance(value, list):
        return all(_is_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v, depth + 1) for k, v in value.items())
    return False


def env_state(envs) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The state of a vector environment as ``(arrays, JSON data)``, mid-episode.

    Every attribute of the vector environment, of each copy and of each wrapper
    (TimeLimit's elapsed steps, OrderEnforcing's reset flag) that is plain data:
    NumPy arrays (CartPole's ``state`` and ``steps``, the autoreset flags), numbers,
    strings, lists of them (FrozenLake's ``s``), nested lists and string-keyed dicts
    of them (flappy bird's pipes) and random generators (their bit generator's
    state). Spaces, specs, renderers and tables built at construction are not state
    and are rebuilt by making the environment again (so is an iterator such as flappy
    bird's wing-animation cycle, which only changes the drawing). A part whose class
    has ``snapshot_state()`` (an emulator in C++: :class:`~dlrecipes.rl.atari.AtariPhi`)
    first copies that state into one of its array attributes.
    """
    arrays, data = {}, {}
    for path, part in _parts(envs):
        if hasattr(type(part), "snapshot_state"):
            part.snapshot_state()
        entries = {}
        for name, value in vars(part).items():
            if name.startswith("__"):
                continue
            if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
                arrays[f"{path}/{name}"] = value.copy()
                entries[name] = {"kind": "array"}
            elif (encoded := _encode(value)) is not None:
                entries[name] = encoded
        data[path] = entries
    return arrays, data


def _decode(entry: dict[str, Any], current: Any, array: np.ndarray | None) -> Any:
    kind = entry["kind"]
    if kind == "array":
        if isinstance(current, np.ndarray) and current.shape == array.shape:
            current[...] = array  # in place: whatever shares the array sees the new values
            return current
        return np.array(array)
    if kind == "scalar":
        return np.dtype(entry["dtype"]).type(entry["value"])
    if kind in ("list", "tuple"):
        return list(entry["value"]) if kind == "list" else tuple(entry["value"])
    if kind == "generator":
        name = entry["state"]["bit_generator"]
        if name not in BIT_GENERATORS:
            raise RecipeError(f"unknown bit generator in a checkpoint. Received: {name!r}")
        if (
            isinstance(current, np.random.Generator)
            and type(current.bit_generator).__name__ == name
        ):
            generator = current
        else:
            generator = np.random.Generator(BIT_GENERATORS[name]())
        generator.bit_generator.state = entry["state"]
        return generator
    if kind == "plain":
        return entry["value"]
    if kind == "json":
        return deepcopy(entry["value"])
    raise RecipeError(f"unknown kind of environment state in a checkpoint. Received: {kind!r}")


def restore_env_state(envs, arrays: dict[str, np.ndarray], data: dict[str, Any]) -> None:
    """Put back what :func:`env_state` saved into freshly made and reset ``envs``.

    Only attributes the fresh environment has are set, and only to plain data, so a
    checkpoint cannot make the environment run anything; a checkpoint of another
    environment (other copies, wrappers or attributes) is a RecipeError.
    """
    parts = dict(_parts(envs))
    if set(parts) != set(data):
        raise RecipeError(
            "the checkpoint's environment state does not match the environment. "
            f"Received parts {sorted(data)}; expected {sorted(parts)}"
        )
    for path, entries in data.items():
        part = vars(parts[path])
        unknown = sorted(set(entries) - set(part))
        if unknown:
            raise RecipeError(
                f"the checkpoint's environment state names attributes {path} does not have. "
                f"Received: {unknown}"
            )
        for name, entry in entries.items():
            array = arrays.get(f"{path}/{name}") if entry["kind"] == "array" else None
            if entry["kind"] == "array" and array is None:
                raise RecipeError(f"the checkpoint misses the array {path}/{name}")
            part[name] = _decode(entry, part[name], array)
        if hasattr(type(parts[path]), "restore_snapshot"):
            parts[path].restore_snapshot()  # the emulator takes back what snapshot_state copied
