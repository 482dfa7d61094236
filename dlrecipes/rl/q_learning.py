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

from typing import Any

import numpy as np


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
        >>> q[0, 1]      # (1 - 0.5) * 0 + 0.5 * (1 + 0.5 * 3)
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

    Args:
        num_states: size of the ``Discrete`` observation space.
        num_actions: size of the ``Discrete`` action space.
        options: the resolved ``q_learning`` options.
        seed: seeds the NumPy generator used for exploration and tie-breaking.
    """

    def __init__(self, num_states: int, num_actions: int, options: dict, seed: int):
        self.options = dict(options)
        self.num_states = int(num_states)
        self.num_actions = int(num_actions)
        self.q_table = np.full((self.num_states, self.num_actions), options["initial_q"], float)
        self.rng = np.random.default_rng(seed)
        self.learning_rate = options["learning_rate"]
        self._pending = []

    def greedy(self, states: np.ndarray, q_table: np.ndarray | None = None) -> np.ndarray:
        """``argmax_a Q[x, a]`` per state ``(n,)``; ties go to the lowest action (deterministic)."""
        q_table = self.q_table if q_table is None else q_table
        return np.argmax(q_table[np.asarray(states)], axis=-1)

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

    def observe(self, s_tm1, a_tm1, r_t, discount_t, s_t) -> None:
        """Queue transitions for the next :meth:`update` (Q-learning keeps no replay)."""
        self._pending.append((s_tm1, a_tm1, r_t, discount_t, s_t))

    def update(self) -> dict[str, float]:
        """Apply the lecture's update to every queued transition, in order."""
        errors = [
            q_learning_update(self.q_table, *transition, learning_rate=self.learning_rate)
            for transition in self._pending
        ]
        self._pending.clear()
        if not errors:
            return {}
        errors = np.concatenate(errors)
        return {"loss": float(np.mean(errors**2)) if errors.size else 0.0}

    def params(self) -> np.ndarray:
        return self.q_table.copy()

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"q_table": self.q_table.copy()}, {
            "rng": self.rng.bit_generator.state,
            "learning_rate": self.learning_rate,
        }

    def set_state(self, arrays: dict[str, np.ndarray], data: dict[str, Any]) -> None:
        self.q_table = np.array(arrays["q_table"], float)
        self.rng.bit_generator.state = data["rng"]
        self.learning_rate = float(data["learning_rate"])
