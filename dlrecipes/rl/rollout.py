"""The environments' side of the training loop: step every copy, hand the agent its transitions.

``num_envs`` copies run in a gymnasium vector environment with next-step
autoreset: an episode that ends at step t returns its true last observation at
t, and the copy's next step is a reset, not experience. A :class:`Rollout`
therefore remembers which copies ended last step and gives the agent only the
transitions of the others ("live" copies), so the loop's env-step count is the
number of real transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlrecipes.rl.envs import env_state, restore_env_state

#: The arrays of a rollout saved in a checkpoint (under ``loop/``).
ARRAYS = ("observations", "previous_done", "running_return", "running_length")


@dataclass
class Rollout:
    """Vectorised environments mid-episode, and each copy's running return and length.

    Attributes:
        envs: a gymnasium vector environment of ``n`` copies.
        observations: the copies' current observations, ``(n, ...)``.
        previous_done: which copies ended an episode at the last step, ``(n,)`` bool.
        running_return: undiscounted return of each copy's episode so far, ``(n,)``.
        running_length: steps of each copy's episode so far, ``(n,)`` int.
    """

    envs: Any
    observations: np.ndarray
    previous_done: np.ndarray
    running_return: np.ndarray
    running_length: np.ndarray

    @classmethod
    def start(cls, envs, seed: int) -> Rollout:
        """Reset ``envs`` with ``seed`` and start every copy's first episode."""
        observations, _ = envs.reset(seed=seed)
        num_envs = envs.num_envs
        return cls(
            envs,
            observations,
            np.zeros(num_envs, bool),
            np.zeros(num_envs),
            np.zeros(num_envs, int),
        )

    @classmethod
    def restore(
        cls, envs, arrays: dict[str, np.ndarray], env_data: dict[str, Any] | None, seed: int
    ) -> Rollout:
        """The rollout of a checkpoint: :meth:`state` put back into fresh ``envs``.

        ``envs`` are reset with ``seed`` (so every attribute exists) and then given the
        saved environment state (:func:`~dlrecipes.rl.envs.restore_env_state`); the
        copies continue their interrupted episodes. Without ``env_data`` (a checkpoint of
        an earlier version) every copy restarts its episode from that reset instead.
        """
        rollout = cls(envs, *(np.array(arrays[f"loop/{name}"]) for name in ARRAYS))
        observations, _ = envs.reset(seed=seed)
        if env_data is not None:
            env_arrays = {k[len("envs/") :]: v for k, v in arrays.items() if k.startswith("envs/")}
            restore_env_state(envs, env_arrays, env_data)
        else:
            rollout.observations = observations
            rollout.previous_done[:] = False
            rollout.running_return[:] = 0.0
            rollout.running_length[:] = 0
        return rollout

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """``(arrays, data)`` a checkpoint keeps: the rollout's arrays under ``loop/`` and
        the environments' state (:func:`~dlrecipes.rl.envs.env_state`) under ``envs/``."""
        env_arrays, env_data = env_state(self.envs)
        arrays = {f"loop/{name}": getattr(self, name) for name in ARRAYS}
        arrays.update({f"envs/{key}": value for key, value in env_arrays.items()})
        return arrays, env_data

    def step(self, agent, epsilon: float, discount: float) -> tuple[int, list[tuple[float, int]]]:
        """Step every copy with the agent's epsilon-greedy actions; the agent observes.

        ``discount_t = discount * (1 - terminated)``: a truncated episode (a time
        limit) still bootstraps from its last observation, a terminated one does not.

        Returns:
            ``(env steps taken, [(return, length) of each episode that ended])``.
        """
        actions = agent.act(self.observations, epsilon)
        next_observations, rewards, terminated, truncated, _ = self.envs.step(actions)
        live = ~self.previous_done  # a copy whose episode ended last step is only resetting
        if live.any():
            discount_t = discount * (1.0 - terminated.astype(np.float32))
            agent.observe(
                self.observations[live],
                actions[live],
                rewards[live],
                discount_t[live],
                next_observations[live],
            )
        self.running_return[live] += rewards[live]
        self.running_length[live] += 1
        finished = []
        for i in np.flatnonzero((terminated | truncated) & live):
            finished.append((float(self.running_return[i]), int(self.running_length[i])))
            self.running_return[i] = 0.0
            self.running_length[i] = 0
        self.previous_done = terminated | truncated
        self.observations = next_observations
        return int(live.sum()), finished
