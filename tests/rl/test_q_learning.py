"""dlrecipes/rl/q_learning.py: the lecture's tabular update and the Q-learning agent."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest

from dlrecipes.recipe import RecipeError
from dlrecipes.rl.agent import Agent
from dlrecipes.rl.options import QLearningOptions
from dlrecipes.rl.q_learning import QLearningAgent, q_learning_update


def test_q_learning_update_is_the_lecture_formula():
    # Q(S,A) <- (1 - a) Q(S,A) + a [R + g max_a Q(S',a)], on a hand example
    q = np.array([[0.5, 2.0], [1.0, 4.0], [3.0, -1.0]])
    errors = q_learning_update(q, [0], [1], [1.0], [0.9], [1], learning_rate=0.25)
    assert q[0, 1] == pytest.approx(0.75 * 2.0 + 0.25 * (1.0 + 0.9 * 4.0))  # 2.65
    assert errors[0] == pytest.approx(1.0 + 0.9 * 4.0 - 2.0)
    q_learning_update(q, [2], [0], [5.0], [0.0], [1], learning_rate=0.5)  # terminal: no bootstrap
    assert q[2, 0] == pytest.approx(0.5 * 3.0 + 0.5 * 5.0)
    q_learning_update(q, [1, 1], [0, 0], [0.0, 0.0], [1.0, 1.0], [1, 1], learning_rate=1.0)
    assert q[1, 0] == pytest.approx(4.0)  # applied in order: the second sees the first


def _agent(**options) -> QLearningAgent:
    return QLearningAgent.create(
        QLearningOptions(**options),
        gymnasium.spaces.Discrete(3),
        gymnasium.spaces.Discrete(2),
        seed=0,
        total_steps=10,
    )


def test_step_size_follows_the_observed_env_steps():
    # alpha decays 1.0 -> 0.0 over the run's 10 steps; 4 transitions observed: alpha = 0.6
    agent = _agent(learning_rate=1.0, learning_rate_end=0.0, discount=0.5)
    assert isinstance(agent, Agent) and agent.update_schedule.every == 0
    agent.observe([0, 0], [1, 1], [0.0, 0.0], [0.5, 0.5], [1, 1])
    agent.observe([1, 1], [0, 0], [0.0, 0.0], [0.5, 0.5], [2, 2])
    assert agent.steps == 4
    agent.q_table[0, 1] = 1.0
    stats = agent.update()
    assert agent.q_table[0, 1] == pytest.approx(0.4 * 0.4)  # twice (1 - 0.6) Q with target 0
    assert stats["loss"] > 0 and agent.update() == {}  # nothing queued: no statistics


def test_state_round_trip_params_policy_and_saved_table(tmp_path):
    agent = _agent(initial_q=0.0)
    states = np.array([0, 1, 2, 0])
    agent.observe(states[:2], [1, 0], [1.0, 2.0], [0.99, 0.0], states[1:3])
    agent.update()
    arrays, data = agent.get_state()
    twin = _agent()
    twin.set_state(arrays, data)
    assert twin.steps == agent.steps == 2
    np.testing.assert_array_equal(twin.act(states, 0.5), agent.act(states, 0.5))  # same RNG
    params = agent.params()
    np.testing.assert_array_equal(agent.value_table(params), agent.q_table)
    np.testing.assert_array_equal(agent.policy(params)(states), agent.greedy(states))
    agent.save(tmp_path, params)
    np.testing.assert_array_equal(
        QLearningAgent.load_policy(tmp_path)(states), agent.greedy(states)
    )
    with pytest.raises(RecipeError, match="has no q_table"):
        QLearningAgent.load_policy(tmp_path / "nowhere")


def test_greedy_ties_go_to_the_lowest_action_and_acting_breaks_them_at_random():
    agent = _agent()
    states = np.zeros(200, int)  # an all-zero row: every action ties
    assert (agent.greedy(states) == 0).all()
    assert set(agent.act(states, 0.0).tolist()) == {0, 1}
