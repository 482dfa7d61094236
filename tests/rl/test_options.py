"""dlrecipes/rl/options.py: typed, frozen options; coercion, one-line errors, neutral defaults.

``test_resolved_options_of_the_rl_recipes_are_pinned`` pins what the four RL
recipes resolve to (default and smoke profile): the values recorded with the
string-dict options of the first release, so that moving the CartPole numbers out
of the library defaults and into the recipes changed no run.
"""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType

import pytest

from dlrecipes.recipe import RecipeError, resolve
from dlrecipes.rl.agent import AGENTS
from dlrecipes.rl.options import (
    OPTIONS,
    CommonOptions,
    DQNOptions,
    QLearningOptions,
    resolve_options,
)
from recipes.double_dqn_cartpole import RECIPE as DOUBLE_DQN_CARTPOLE
from recipes.dqn_cartpole import RECIPE as DQN_CARTPOLE
from recipes.q_learning_cliff import RECIPE as Q_LEARNING_CLIFF
from recipes.q_learning_frozenlake import RECIPE as Q_LEARNING_FROZENLAKE


def test_options_defaults_coercion_and_unknown_keys():
    options = resolve_options("dqn", {"learning_rate": "0.001", "hidden_units": [64, 64]})
    assert isinstance(options, DQNOptions)
    assert options.learning_rate == 0.001 and options.hidden_units == (64, 64)
    assert options.batch_size == DQNOptions.batch_size
    assert resolve_options("dqn", {"double": "true", "buffer_size": "10_000"}).buffer_size == 10_000
    with pytest.raises(RecipeError, match="Did you mean 'learning_rate'"):
        resolve_options("dqn", {"learning_rat": 0.1})
    with pytest.raises(RecipeError, match="Did you mean 'dqn'"):
        resolve_options("dqm", {})
    with pytest.raises(RecipeError, match="expects an integer. Received: 'many'"):
        resolve_options("dqn", {"batch_size": "many"})
    with pytest.raises(RecipeError, match="tau must be in"):
        resolve_options("dqn", {"tau": 0.0})
    with pytest.raises(RecipeError, match="unknown q_learning option"):
        resolve_options("q_learning", {"buffer_size": 10})


@pytest.mark.parametrize(
    ("algorithm", "options", "message"),
    [
        ("dqn", {"num_envs": 0}, "agent.options.num_envs must be >= 1. Received: 0"),
        ("dqn", {"batch_size": 0}, "agent.options.batch_size must be >= 1. Received: 0"),
        ("dqn", {"target_update_period": 0}, "target_update_period must be >= 1. Received: 0"),
        ("dqn", {"learning_rate": 0}, "agent.options.learning_rate must be > 0. Received: 0.0"),
        (
            "q_learning",
            {"discount": 1.5},
            "agent.options.discount must be in [0, 1]. Received: 1.5",
        ),
        ("q_learning", {"epsilon_end": -0.1}, "epsilon_end must be in [0, 1]. Received: -0.1"),
        ("q_learning", {"eval_every": -1}, "eval_every expects an integer >= 0. Received: -1"),
        ("q_learning", {"stop_when_solved": "yes"}, "expects true or false. Received: 'yes'"),
        ("dqn", {"hidden_units": [64, 0]}, "expects a list of positive integers"),
        ("dqn", {"learning_rate": "fast"}, "learning_rate expects a number. Received: 'fast'"),
    ],
)
def test_bad_values_are_one_line_recipe_errors(algorithm, options, message):
    with pytest.raises(RecipeError, match=re.escape(message)) as error:
        resolve_options(algorithm, options)
    assert "\n" not in str(error.value)


def test_unknown_keys_list_the_valid_options():
    with pytest.raises(RecipeError) as error:
        resolve_options("q_learning", {"learning_rat": 0.5})
    names = sorted(field.name for field in dataclasses.fields(QLearningOptions))
    assert str(error.value) == (
        "unknown q_learning option agent.options.learning_rat. Did you mean 'learning_rate' or "
        "'learning_rate_end' or 'learning_rate_decay_fraction'? Valid options: " + ", ".join(names)
    )


def test_options_are_frozen_hashable_and_take_read_only_mappings():
    options = resolve_options("dqn", MappingProxyType({"hidden_units": (8, 8), "tau": 1}))
    assert options.tau == 1.0 and isinstance(options.tau, float)
    assert hash(options) == hash(resolve_options("dqn", {"hidden_units": [8, 8], "tau": 1.0}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.tau = 0.5
    assert DQNOptions(hidden_units=[8], batch_size="4").hidden_units == (8,)  # coerced too


def test_every_field_is_documented_and_each_algorithm_has_an_agent():
    assert set(OPTIONS) == set(AGENTS)
    for cls in (CommonOptions, *OPTIONS.values()):
        own = set(cls.__annotations__) - {"algorithm"}
        for name in own:
            assert re.search(rf"^\s+{name}: \S", cls.__doc__, re.MULTILINE), (cls, name)


def test_library_defaults_are_environment_neutral():
    for cls in OPTIONS.values():
        defaults = cls().as_dict()
        assert 475.0 not in defaults.values()  # CartPole's success return lives in its recipes
        assert defaults["success_return"] == CommonOptions.success_return
        assert defaults["eval_every"] == CommonOptions.eval_every
        assert defaults["epsilon_end"] == CommonOptions.epsilon_end
    dqn = DQNOptions()  # Stable-Baselines3's DQN defaults, not the CartPole zoo's settings
    assert (dqn.learning_rate, dqn.batch_size, dqn.train_frequency, dqn.gradient_steps) == (
        1e-4,
        32,
        4,
        1,
    )


# What each recipe resolved to with the first release's string-dict options (recorded by
# running its resolve_options on the same recipes): default profile, then the smoke
# profile's changes.
CARTPOLE_DQN = {
    "num_envs": 4,
    "discount": 0.99,
    "epsilon_start": 1.0,
    "epsilon_end": 0.04,
    "epsilon_decay_fraction": 0.16,
    "eval_every": 1000,
    "eval_episodes": 10,
    "final_eval_episodes": 100,
    "success_return": 475.0,
    "stop_when_solved": True,
    "solved_return": 475.0,
    "checkpoint_every": 10000,
    "progress_every": 5000,
    "hidden_units": (128, 128),
    "dueling": False,
    "double": False,
    "learning_rate": 0.0023,
    "adam_epsilon": 1e-08,
    "max_grad_norm": 10.0,
    "huber_delta": 1.0,
    "batch_size": 64,
    "buffer_size": 100000,
    "learning_starts": 1000,
    "train_frequency": 256,
    "gradient_steps": 128,
    "target_update_period": 128,
    "tau": 1.0,
    "target_network": True,
    "loss": "huber",
    "conv_filters": (),
    "conv_kernel_size": (3,),
    "conv_stride": (1,),
    "observation_scale": 1.0,
    "jit_compile": "true",
}
CARTPOLE_DQN_SMOKE = {
    "eval_every": 300,
    "eval_episodes": 2,
    "final_eval_episodes": 2,
    "checkpoint_every": 300,
    "hidden_units": (16, 16),
    "batch_size": 16,
    "learning_starts": 200,
    "train_frequency": 200,
    "gradient_steps": 4,
}
CLIFF = {
    "num_envs": 4,
    "discount": 1.0,
    "epsilon_start": 0.5,
    "epsilon_end": 0.05,
    "epsilon_decay_fraction": 0.5,
    "eval_every": 0,
    "eval_episodes": 10,
    "final_eval_episodes": 10,
    "success_return": -13.0,
    "stop_when_solved": False,
    "solved_return": 0.0,
    "checkpoint_every": 10000,
    "progress_every": 5000,
    "learning_rate": 0.5,
    "learning_rate_end": 0.1,
    "learning_rate_decay_fraction": 1.0,
    "initial_q": 0.0,
}
FROZENLAKE = {
    **CLIFF,
    "num_envs": 8,
    "discount": 0.99,
    "epsilon_start": 1.0,
    "final_eval_episodes": 1000,
    "success_return": 1.0,
    "learning_rate": 0.1,
    "learning_rate_end": 0.01,
}
PINNED = {
    (DQN_CARTPOLE, None): ("CartPole-v1", {}, 50_000, CARTPOLE_DQN),
    (DQN_CARTPOLE, "smoke"): ("CartPole-v1", {}, 600, {**CARTPOLE_DQN, **CARTPOLE_DQN_SMOKE}),
    (DOUBLE_DQN_CARTPOLE, None): ("CartPole-v1", {}, 50_000, {**CARTPOLE_DQN, "double": True}),
    (DOUBLE_DQN_CARTPOLE, "smoke"): (
        "CartPole-v1",
        {},
        600,
        {**CARTPOLE_DQN, **CARTPOLE_DQN_SMOKE, "double": True},
    ),
    (Q_LEARNING_CLIFF, None): ("CliffWalking-v1", {"max_episode_steps": 200}, 30_000, CLIFF),
    (Q_LEARNING_CLIFF, "smoke"): (
        "CliffWalking-v1",
        {"max_episode_steps": 200},
        2_000,
        {
            **CLIFF,
            "eval_every": 1000,
            "eval_episodes": 2,
            "final_eval_episodes": 2,
            "checkpoint_every": 1000,
        },
    ),  # fmt: skip
    (Q_LEARNING_FROZENLAKE, None): ("FrozenLake-v1", {"is_slippery": True}, 200_000, FROZENLAKE),
    (Q_LEARNING_FROZENLAKE, "smoke"): (
        "FrozenLake-v1",
        {"is_slippery": True},
        500,
        {
            **FROZENLAKE,
            "eval_every": 250,
            "eval_episodes": 2,
            "final_eval_episodes": 20,
            "checkpoint_every": 250,
        },
    ),  # fmt: skip
}


@pytest.mark.parametrize(
    ("recipe", "profile"), list(PINNED), ids=[f"{r.name}-{p or 'default'}" for r, p in PINNED]
)
def test_resolved_options_of_the_rl_recipes_are_pinned(recipe, profile):
    env_id, env_options, total_steps, expected = PINNED[recipe, profile]
    spec = resolve(recipe, profile=profile).agent
    assert (spec.env_id, dict(spec.env_options), spec.total_steps) == (
        env_id,
        env_options,
        total_steps,
    )
    resolved = resolve_options(spec.algorithm, spec.options).as_dict()
    assert resolved == expected
    assert {k: type(v) for k, v in resolved.items()} == {k: type(v) for k, v in expected.items()}
