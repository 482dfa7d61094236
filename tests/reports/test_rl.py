"""dlrecipes.reports.rl: returns per episode and the greedy policy of a tabular agent."""

from __future__ import annotations

from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest

from dlrecipes.reports import rl
from tests.helpers import assert_png


def test_returns_write_a_png(tmp_path):
    steps = np.cumsum(np.full(60, 20))
    episode_returns = np.linspace(10, 200, 60)
    rl.returns(steps, episode_returns, [400, 800, 1200], [50, 120, 190], tmp_path / "returns.png")
    assert_png(tmp_path / "returns.png")


@pytest.mark.filterwarnings("ignore:No artists with labels")
def test_returns_with_no_episodes_yet_still_write_a_png(tmp_path):
    rl.returns([], [], [], [], tmp_path / "returns.png", title="empty")
    assert_png(tmp_path / "returns.png", min_bytes=1000)


def test_policy_table_draws_a_grid_world_as_arrows(tmp_path):
    env = gym.make("FrozenLake-v1")
    q_table = np.random.default_rng(0).uniform(size=(16, 4))
    rl.policy_table(q_table, env, "FrozenLake-v1", tmp_path / "policy.png")
    env.close()
    assert_png(tmp_path / "policy.png")


def test_policy_table_draws_cliff_walking_with_its_cliff(tmp_path):
    env = gym.make("CliffWalking-v1")
    q_table = np.random.default_rng(0).uniform(size=(48, 4))
    rl.policy_table(q_table, env, "CliffWalking-v1", tmp_path / "policy.png")
    env.close()
    assert_png(tmp_path / "policy.png")


def test_policy_table_of_another_environment_is_the_q_table(tmp_path):
    env = SimpleNamespace(unwrapped=SimpleNamespace())  # no grid to draw
    q_table = np.random.default_rng(0).normal(size=(500, 6))
    rl.policy_table(q_table, env, "Unit-v0", tmp_path / "policy.png")
    assert_png(tmp_path / "policy.png")
