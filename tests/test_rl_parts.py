"""Replay buffer, schedules, options and environment checks of dlrecipes.rl (no Keras)."""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.recipe import RecipeError
from dlrecipes.rl.options import DQN, resolve_options
from dlrecipes.rl.replay import ReplayBuffer
from dlrecipes.rl.schedules import LinearSchedule


def _transitions(start: int, n: int):
    ids = np.arange(start, start + n, dtype=np.float32)
    s = np.stack([ids, -ids], axis=1)  # (n, 2): observation i is [i, -i]
    return s, ids.astype(int) % 3, ids, np.full(n, 0.99), s + 0.5


def test_replay_ring_overwrites_oldest_first():
    buffer = ReplayBuffer(5, (2,))
    buffer.add(*_transitions(0, 3))
    assert len(buffer) == 3 and buffer.position == 3
    buffer.add(*_transitions(3, 4))  # 7 transitions into 5 slots: 0 and 1 are overwritten
    assert len(buffer) == 5 and buffer.position == 2
    assert sorted(buffer.r_t.tolist()) == [2.0, 3.0, 4.0, 5.0, 6.0]
    np.testing.assert_array_equal(buffer.r_t, [5.0, 6.0, 2.0, 3.0, 4.0])  # ring order
    np.testing.assert_array_equal(buffer.s_tm1[:, 0], buffer.r_t)  # fields stay aligned
    np.testing.assert_array_equal(buffer.s_t, buffer.s_tm1 + 0.5)


def test_replay_add_more_than_capacity_keeps_the_last():
    buffer = ReplayBuffer(4, (2,))
    buffer.add(*_transitions(0, 10))
    assert len(buffer) == 4
    assert sorted(buffer.r_t.tolist()) == [6.0, 7.0, 8.0, 9.0]
    buffer.add(*_transitions(10, 1))  # the next write replaces the oldest (6)
    assert sorted(buffer.r_t.tolist()) == [7.0, 8.0, 9.0, 10.0]


def test_replay_sample_shapes_uniformity_and_state():
    buffer = ReplayBuffer(100, (2,))
    buffer.add(*_transitions(0, 40))
    rng = np.random.default_rng(0)
    batch = buffer.sample(rng, 8)
    assert batch["s_tm1"].shape == (8, 2) and batch["a_tm1"].dtype == np.int32
    stacked = buffer.sample(rng, 16, num_batches=5)
    assert stacked["s_t"].shape == (5, 16, 2) and stacked["r_t"].shape == (5, 16)
    assert stacked["r_t"].max() < 40  # only filled slots are drawn
    counts = np.bincount(buffer.sample_indices(rng, 40_000), minlength=40)
    assert counts.min() > 800 and counts.max() < 1200  # ~1000 each: uniform
    copy = ReplayBuffer(100, (2,))
    copy.set_state(buffer.get_state())
    assert len(copy) == 40 and copy.position == buffer.position
    np.testing.assert_array_equal(copy.s_tm1[:40], buffer.s_tm1[:40])


def test_replay_rejects_bad_shapes_and_empty_sampling():
    buffer = ReplayBuffer(3, (2,))
    with pytest.raises(ValueError, match="Received"):
        buffer.sample(np.random.default_rng(0), 2)
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        buffer.add(np.zeros((2, 3)), [0, 0], [0, 0], [0, 0], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="capacity=0"):
        ReplayBuffer(0, (2,))


def test_linear_schedule():
    epsilon = LinearSchedule(1.0, 0.04, duration=8_000)
    assert epsilon(0) == 1.0
    assert epsilon(4_000) == pytest.approx(0.52)
    assert epsilon(8_000) == epsilon(50_000) == pytest.approx(0.04)
    delayed = LinearSchedule(1.0, 0.0, duration=10, begin=5)
    assert [delayed(t) for t in (0, 5, 10, 15, 20)] == pytest.approx([1, 1, 0.5, 0, 0])
    assert LinearSchedule(1.0, 0.1, duration=0)(0) == 0.1
    with pytest.raises(ValueError, match="duration=-1"):
        LinearSchedule(1.0, 0.1, duration=-1)


def test_options_defaults_coercion_and_unknown_keys():
    options = resolve_options("dqn", {"learning_rate": "0.001", "hidden_units": [64, 64]})
    assert options["learning_rate"] == 0.001 and options["hidden_units"] == (64, 64)
    assert options["batch_size"] == DQN["batch_size"]
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


def test_env_errors_are_one_line_recipe_errors():
    import gymnasium

    from dlrecipes.rl.envs import check_env_id, check_spaces, make_env

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
