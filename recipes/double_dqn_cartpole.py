"""Double DQN on CartPole-v1: dqn_cartpole with van Hasselt et al.'s decoupled target."""

from dataclasses import replace

from recipes.dqn_cartpole import RECIPE as DQN_CARTPOLE

RECIPE = replace(
    DQN_CARTPOLE,
    name="double_dqn_cartpole",
    summary="Double DQN: the online net picks a_t, the target net values it; CartPole-v1",
    agent=replace(DQN_CARTPOLE.agent, options={**DQN_CARTPOLE.agent.options, "double": True}),
    reference="van Hasselt, Guez & Silver 2016, Deep reinforcement learning with double Q-learning",
)
