"""dlrecipes/rl/rollout.py: the agent sees only real transitions of vectorised copies."""

from __future__ import annotations

import numpy as np

from dlrecipes.rl.envs import make_vector_env
from dlrecipes.rl.rollout import Rollout


class _RandomRecorder:
    """Random actions; records the transitions it is given."""

    def __init__(self):
        self.rng = np.random.default_rng(0)
        self.transitions = []

    def act(self, observations, epsilon):
        return self.rng.integers(0, 4, size=len(observations))

    def observe(self, s_tm1, a_tm1, r_t, discount_t, s_t):
        self.transitions.append((s_tm1, a_tm1, r_t, discount_t, s_t))


def test_only_live_copies_hand_over_transitions_and_episodes_add_up():
    envs = make_vector_env("FrozenLake-v1", {"is_slippery": True}, 4)
    rollout, agent = Rollout.start(envs, seed=0), _RandomRecorder()
    steps, episodes = 0, []
    try:
        for _ in range(300):
            taken, finished = rollout.step(agent, epsilon=1.0, discount=0.9)
            steps += taken
            episodes += finished
    finally:
        envs.close()
    observed = sum(len(t[0]) for t in agent.transitions)
    assert observed == steps  # the reset step after an episode's end is not experience
    in_progress = int(rollout.running_length.sum())
    assert sum(length for _, length in episodes) + in_progress == steps
    discounts = np.concatenate([t[3] for t in agent.transitions])
    rewards = np.concatenate([t[2] for t in agent.transitions])
    assert discounts.dtype == np.float32 and np.allclose(discounts[discounts > 0], 0.9)
    assert (discounts[rewards > 0] == 0.0).all()  # reaching the goal terminates: no bootstrap
    arrays, _ = rollout.state()
    assert sorted(k for k in arrays if k.startswith("loop/")) == sorted(
        ["loop/observations", "loop/previous_done", "loop/running_return", "loop/running_length"]
    )
