"""Tabular Q-learning with epsilon-greedy exploration (Watkins 1989).

The lecture's algorithm (the flappy-bird example): keep a table ``Q[x, a]`` and,
after each step ``S --A--> (R, S')``, move ``Q(S, A)`` towards the one-step
bootstrapped target,

    Q(S, A) <- (1 - alpha) Q(S, A) + alpha [R + gamma max_a Q(S', a)],

with ``gamma max_a Q(S', a)`` replaced by 0 when ``S'`` is terminal (here:
``discount_t = gamma (1 - terminated)``). Acting is epsilon-greedy: a random
action with probability epsilon, ``argmax_a Q(S, a)`` otherwise, ties broken at
random so that an all-zero table still explores. Q-learning is off-policy: it
learns the greedy policy's values while following the exploratory one, and
converges to ``Q*`` when every pair is visited infinitely often and the step
sizes decay appropriately (Watkins & Dayan 1992; Sutton & Barto 2018, 6.5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes import atomic
from dlrecipes.recipe import RecipeError
from dlrecipes.rl.options import QLearningOptions


def q_learning_update(
    q_table: np.ndarray,
    s_tm1: np.ndarray,
    a_tm1: np.ndarray,
    r_t: np.ndarray,
    discount_t: np.ndarray,
    s_t: np.ndarray,
    learning_rate: float,
) -> np.ndarray:
    """Apply the Q-learning update to ``q_table`` in place, one transition after another.

    Args:
        q_table: ``(num_states, num_actions)`` action values.
        s_tm1, a_tm1, r_t, discount_t, s_t: ``(n,)`` arrays of transitions
            (states, actions, rewards, ``gamma`` or 0 at a terminal state, next states).
        learning_rate: alpha in (0, 1].

    Returns:
        The TD errors ``r_t + discount_t max_a Q[s_t, a] - Q[s_tm1, a_tm1]``, ``(n,)``.

    Example:
        >>> q = np.zeros((2, 2)); q[1] = [1.0, 3.0]
        >>> q_learning_update(q, [0], [1], [1.0], [0.5], [1], learning_rate=0.5)
        array([2.5])
        >>> float(q[0, 1])  # (1 - 0.5) * 0 + 0.5 * (1 + 0.5 * 3)
        1.25
    """
    td_errors = np.zeros(len(s_tm1))
    for i, (s, a, r, discount, s_next) in enumerate(zip(s_tm1, a_tm1, r_t, discount_t, s_t)):
        target = r + discount * np.max(q_table[s_next])  # R + gamma max_a Q(S', a)
        td_errors[i] = target - q_table[s, a]
        q_table[s, a] = (1.0 - learning_rate) * q_table[s, a] + learning_rate * target
    return td_errors


class QLearningAgent:
    """A table ``Q[x, a]`` learned online with :func:`q_learning_update`.

    Implements :class:`~dlrecipes.rl.agent.Agent`. The step size ``alpha`` follows
    ``options.learning_rate_schedule`` against the agent's own count of observed
    transitions, which equals the loop's env steps (the loop hands over every
    transition once).

    Args:
        num_states: size of the ``Discrete`` observation space.
        num_actions: size of the ``Discrete`` action space.
        options: the resolved :class:`~dlrecipes.rl.options.QLearningOptions`.
        seed: seeds the NumPy generator used for exploration and tie-breaking.
        total_steps: the run's env steps (the length of the step-size decay).

    Example:
        >>> options = QLearningOptions(learning_rate=0.5, learning_rate_end=0.5)
        >>> agent = QLearningAgent(2, 2, options, seed=0, total_steps=100)
        >>> agent.observe([0], [1], [1.0], [0.0], [1])
        >>> agent.update()
        {'loss': 1.0}
        >>> agent.params()["q_table"][0]
        array([0. , 0.5])
    """

    def __init__(
        self,
        num_states: int,
        num_actions: int,
        options: QLearningOptions,
        seed: int,
        total_steps: int,
    ):
        self.options = options
        self.num_states = int(num_states)
        self.num_actions = int(num_actions)
        self.q_table = np.full((self.num_states, self.num_actions), options.initial_q, float)
        self.rng = np.random.default_rng(seed)
        self.learning_rate = options.learning_rate_schedule(total_steps)
        self.update_schedule = options.update_schedule()
        self.steps = 0  # transitions observed (= env steps of the training loop)
        self._pending = []

    @classmethod
    def create(cls, options, observation_space, action_space, *, seed, total_steps):
        """The agent for ``Discrete`` observation and action spaces."""
        return cls(observation_space.n, action_space.n, options, seed, total_steps)

    @classmethod
    def load_policy(cls, directory: Path):
        """The greedy policy of the table :meth:`save` wrote to ``directory``."""
        path = Path(directory) / "q_table.npy"
        if not path.is_file():
            raise RecipeError(
                f"no saved agent in the run. Received: {str(directory)!r} has no q_table"
            )
        q_table = np.load(path)
        return lambda obs: np.argmax(q_table[np.asarray(obs)], axis=-1)

    # ------------------------------------------------------------------ acting

    def greedy(self, states: np.ndarray) -> np.ndarray:
        """``argmax_a Q[x, a]`` per state ``(n,)``; ties go to the lowest action (deterministic)."""
        return np.argmax(self.q_table[np.asarray(states)], axis=-1)

    def act(self, states: np.ndarray, epsilon: float) -> np.ndarray:
        """Epsilon-greedy actions ``(n,)``; greedy ties are broken uniformly at random."""
        states = np.asarray(states)
        n = states.shape[0]
        explore = self.rng.random(n) < epsilon
        random_actions = self.rng.integers(0, self.num_actions, size=n)
        q = self.q_table[states]  # (n, num_actions)
        noise = self.rng.random(q.shape)  # random tie-breaking among the maxima
        is_max = q == q.max(axis=-1, keepdims=True)
        greedy = np.argmax(np.where(is_max, noise, -1.0), axis=-1)
        return np.where(explore, random_actions, greedy)

    # ----------------------------------------------------------------- learning

    def observe(self, s_tm1, a_tm1, r_t, discount_t, s_t) -> None:
        """Queue transitions for the next :meth:`update` (Q-learning keeps no replay)."""
        self._pending.append((s_tm1, a_tm1, r_t, discount_t, s_t))
        self.steps += len(s_tm1)

    def update(self) -> dict[str, float]:
        """Apply the lecture's update to every queued transition, in order."""
        alpha = self.learning_rate(self.steps)
        errors = [
            q_learning_update(self.q_table, *transition, learning_rate=alpha)
            for transition in self._pending
        ]
        self._pending.clear()
        if not errors:
            return {}
        errors = np.concatenate(errors)
        return {"loss": float(np.mean(errors**2)) if errors.size else 0.0}

    # -------------------------------------------------------------------- state

    def params(self) -> dict[str, np.ndarray]:
        """A copy of the table, ``{"q_table": (num_states, num_actions)}``."""
        return {"q_table": self.q_table.copy()}

    def policy(self, params: dict[str, np.ndarray] | None = None):
        """The greedy policy of ``params["q_table"]`` (default: the live table)."""
        if params is None:
            return self.greedy
        q_table = params["q_table"]
        return lambda states: np.argmax(q_table[np.asarray(states)], axis=-1)

    def value_table(self, params: dict[str, np.ndarray]) -> np.ndarray:
        """The table itself: ``Q[x, a]``, ``(num_states, num_actions)``."""
        return np.asarray(params["q_table"])

    def save(self, directory: Path, params: dict[str, np.ndarray]) -> None:
        """Write ``directory/q_table.npy``."""
        atomic.write_with(
            Path(directory) / "q_table.npy", lambda path: np.save(path, params["q_table"]), ".npy"
        )

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """``({"q_table"}, {"rng", "steps"})``."""
        return {"q_table": self.q_table.copy()}, {
            "rng": self.rng.bit_generator.state,
            "steps": self.steps,
        }

    def set_state(self, arrays: dict[str, np.ndarray], data: dict[str, Any]) -> None:
        """Restore what :meth:`get_state` returned."""
        self.q_table = np.array(arrays["q_table"], float)
        self.rng.bit_generator.state = data["rng"]
        self.steps = int(data["steps"])
