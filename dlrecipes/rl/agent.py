"""The agent interface the training loop drives, and the agent class of each algorithm.

An agent learns from transitions ``(s_tm1, a_tm1, r_t, discount_t, s_t)`` (the
legend of :mod:`dlrecipes.rl.replay`) and owns everything algorithm-specific:
how it explores, when it updates (:attr:`Agent.update_schedule`), what it
learns, how its greedy policy is saved and loaded. The loop in
:mod:`dlrecipes.rl.train` owns the environments, evaluation and checkpoints and
never asks which algorithm it runs (dqn_zoo's agent / loop split).

Params are the arrays of a greedy policy by name (a Q-table, or a network's
weights), a plain ``dict[str, np.ndarray]`` so that the loop can keep the best
agent's and checkpoint them without knowing what they are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from dlrecipes.rl.dqn import DQNAgent
from dlrecipes.rl.options import CommonOptions
from dlrecipes.rl.q_learning import QLearningAgent
from dlrecipes.rl.schedules import UpdateSchedule

Params = dict[str, np.ndarray]
Policy = Callable[[np.ndarray], np.ndarray]


@runtime_checkable
class Agent(Protocol):
    """What the training loop needs of an agent (implemented by DQN and Q-learning).

    Attributes:
        update_schedule: when the loop calls :meth:`update` (every iteration, or
            every N env steps after a warm-up).
    """

    update_schedule: UpdateSchedule

    @classmethod
    def create(
        cls, options: CommonOptions, observation_space, action_space, *, seed: int, total_steps: int
    ) -> Agent:
        """A fresh agent for the environment's spaces, seeded, for a run of ``total_steps``."""

    @classmethod
    def load_policy(cls, directory: Path) -> Policy:
        """The greedy policy that :meth:`save` wrote to ``directory``."""

    def act(self, observations: np.ndarray, epsilon: float) -> np.ndarray:
        """Epsilon-greedy actions ``(n,)`` for a batch of observations ``(n, ...)``."""

    def observe(self, s_tm1, a_tm1, r_t, discount_t, s_t) -> None:
        """Take in a batch of ``n`` transitions (leading axis ``n``)."""

    def update(self) -> dict[str, float]:
        """Learn from what was observed; return statistics (e.g. ``loss``), maybe empty."""

    def greedy(self, observations: np.ndarray) -> np.ndarray:
        """``argmax_a Q(x, a)`` for each observation ``(n, ...)`` -> ``(n,)``."""

    def params(self) -> Params:
        """A copy of the arrays of the current greedy policy."""

    def policy(self, params: Params | None = None) -> Policy:
        """The greedy policy of ``params`` (default: the current ones), observations -> actions."""

    def value_table(self, params: Params) -> np.ndarray | None:
        """``Q[x, a]`` as a ``(num_states, num_actions)`` array for a tabular agent, else None."""

    def save(self, directory: Path, params: Params) -> None:
        """Write the greedy policy of ``params`` to ``directory`` (read by :meth:`load_policy`)."""

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """``(arrays, JSON-able data)``: everything a resumed run needs to continue exactly."""

    def set_state(self, arrays: dict[str, np.ndarray], data: dict[str, Any]) -> None:
        """Restore what :meth:`get_state` returned."""


#: The agent class of each ``agent.algorithm`` (the keys of :data:`~dlrecipes.rl.options.OPTIONS`).
AGENTS: dict[str, type] = {"q_learning": QLearningAgent, "dqn": DQNAgent}
