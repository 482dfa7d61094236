"""dlrecipes/rl/envs.py: environment ids, options and spaces as one-line RecipeErrors."""

from __future__ import annotations

import gymnasium
import pytest

from dlrecipes.recipe import RecipeError
from dlrecipes.rl.envs import check_env_id, check_spaces, make_env, make_vector_env


def test_env_errors_are_one_line_recipe_errors():
    with pytest.raises(RecipeError, match="Did you mean 'CartPole-v1'") as error:
        check_env_id("CartPol-v1")
    assert "\n" not in str(error.value)
    with pytest.raises(RecipeError, match="CliffWalking-v1"):
        check_env_id("CliffWalking-v0")  # deprecated in gymnasium 1.x
    with pytest.raises(RecipeError, match="rejected by FrozenLake-v1"):
        make_env("FrozenLake-v1", {"is_slipery": False})
    pendulum = gymnasium.make("Pendulum-v1")
    with pytest.raises(RecipeError, match="Discrete action space.*Box"):
        check_spaces("dqn", "Pendulum-v1", pendulum.observation_space, pendulum.action_space)
    lake = gymnasium.make("FrozenLake-v1")
    with pytest.raises(RecipeError, match="needs a Box observation space.*Discrete"):
        check_spaces("dqn", "FrozenLake-v1", lake.observation_space, lake.action_space)
    cartpole = gymnasium.make("CartPole-v1")
    with pytest.raises(RecipeError, match="needs a Discrete observation space"):
        check_spaces("q_learning", "CartPole-v1", cartpole.observation_space, cartpole.action_space)


def test_read_only_env_options_are_accepted():
    from types import MappingProxyType

    envs = make_vector_env("FrozenLake-v1", MappingProxyType({"is_slippery": False}), 2)
    try:
        assert envs.num_envs == 2
    finally:
        envs.close()
