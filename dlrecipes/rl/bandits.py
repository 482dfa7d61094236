"""The k-armed testbed: the exploration-exploitation dilemma in its simplest form.

A k-armed bandit has one state and ``k`` actions. Pulling arm ``a`` pays a reward
``R ~ N(q*(a), 1)``; the true values ``q*(a) ~ N(0, 1)`` are drawn once per
problem and hidden from the agent. The agent keeps sample-average estimates

    Q_{n+1}(a) = Q_n(a) + (R_n - Q_n(a)) / N(a)        (incremental mean, S&B eq. 2.3)

and chooses

* **epsilon-greedy**: a uniformly random arm with probability epsilon, else
  ``argmax_a Q(a)`` (ties broken at random; epsilon = 0 is the greedy method);
* **UCB** (upper confidence bound): ``argmax_a [Q(a) + c sqrt(ln t / N(a))]``, an
  arm never pulled counting as maximising (Auer et al. 2002; S&B eq. 2.10).

Greedy exploits what it knows and gets stuck on the first arm that looks good;
epsilon-greedy keeps exploring and finds the best arm; UCB explores the arms
whose estimates are uncertain rather than at random. Sutton & Barto's Fig. 2.2
averages 2,000 random problems of 1,000 steps: epsilon = 0.1 ends at about 1.55
average reward and picks the optimal arm about 80% of the time; epsilon = 0.01
improves more slowly; greedy plateaus near 1 and ~1/3 optimal.

Every run is one row of the arrays below, so the 2,000 problems step together in
NumPy: ``(num_runs, num_arms)`` estimates, one vectorised step per time step.

Reference: Sutton & Barto, Reinforcement Learning: An Introduction (2nd ed.
2018), section 2.3 (Fig. 2.2) and 2.7 (Fig. 2.4).
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class BanditCurves:
    """The testbed's result for one method, averaged over runs.

    Attributes:
        name: the method (``"epsilon=0.1"``, ``"ucb c=2"``).
        average_reward: ``(num_steps,)`` mean reward over runs at each step.
        optimal_action: ``(num_steps,)`` fraction of runs that chose the optimal arm.
    """

    name: str
    average_reward: np.ndarray
    optimal_action: np.ndarray

    def late(self, last: int = 100) -> tuple[float, float]:
        """``(average reward, optimal-action fraction)`` over the ``last`` steps."""
        return float(self.average_reward[-last:].mean()), float(self.optimal_action[-last:].mean())


def _argmax_random_ties(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``argmax`` along the last axis with ties broken uniformly at random, ``(runs,)``."""
    ties = values == values.max(axis=1, keepdims=True)  # (runs, arms)
    return np.argmax(ties * rng.random(values.shape), axis=1)


def run_testbed(
    q_star: np.ndarray,
    num_steps: int,
    *,
    epsilon: float = 0.0,
    ucb_c: float | None = None,
    seed: int = 0,
    name: str = "",
) -> BanditCurves:
    """Run one method on the bandit problems ``q_star`` for ``num_steps`` steps.

    Args:
        q_star: ``(num_runs, num_arms)`` true values, one bandit problem per row.
        num_steps: time steps per run.
        epsilon: exploration probability of epsilon-greedy, in [0, 1].
        ucb_c: UCB's exploration weight ``c`` (> 0); ``None`` for epsilon-greedy.
        seed: seeds the rewards, the exploration and the tie-breaking.
        name: the method's name in the result.

    Returns:
        :class:`BanditCurves` of the method.

    Example:
        >>> q_star = np.random.default_rng(0).normal(size=(2000, 10))
        >>> curves = run_testbed(q_star, 1000, epsilon=0.1)
        >>> round(curves.late()[0], 1)  # doctest: +SKIP
        1.5
    """
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1]. Received: epsilon={epsilon}")
    if ucb_c is not None and ucb_c <= 0:
        raise ValueError(f"ucb_c must be > 0. Received: ucb_c={ucb_c}")
    if num_steps < 1:
        raise ValueError(f"num_steps must be >= 1. Received: num_steps={num_steps}")
    q_star = np.asarray(q_star, np.float64)
    num_runs, num_arms = q_star.shape
    rng = np.random.default_rng(seed)
    rows = np.arange(num_runs)
    best = np.argmax(q_star, axis=1)  # (runs,) the optimal arm of each problem
    estimates = np.zeros((num_runs, num_arms))  # Q(a), initially 0
    counts = np.zeros((num_runs, num_arms))  # N(a)
    average_reward = np.zeros(num_steps)
    optimal_action = np.zeros(num_steps)
    for t in range(num_steps):
        if ucb_c is None:
            greedy = _argmax_random_ties(estimates, rng)
            explore = rng.random(num_runs) < epsilon
            actions = np.where(explore, rng.integers(0, num_arms, num_runs), greedy)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                bonus = ucb_c * np.sqrt(np.log(t + 1) / counts)  # t + 1: steps so far, from 1
            upper = np.where(counts == 0, np.inf, estimates + bonus)  # (runs, arms)
            actions = _argmax_random_ties(upper, rng)
        rewards = rng.normal(q_star[rows, actions], 1.0)  # (runs,) R ~ N(q*(A), 1)
        counts[rows, actions] += 1
        estimates[rows, actions] += (rewards - estimates[rows, actions]) / counts[rows, actions]
        average_reward[t] = rewards.mean()
        optimal_action[t] = np.mean(actions == best)
    return BanditCurves(name, average_reward, optimal_action)


def ten_armed_testbed(
    *,
    num_runs: int = 2000,
    num_steps: int = 1000,
    num_arms: int = 10,
    epsilons=(0.0, 0.01, 0.1),
    ucb_c: float | None = 2.0,
    seed: int = 0,
) -> list[BanditCurves]:
    """Sutton & Barto's Fig. 2.2 (and Fig. 2.4's UCB): every method on the same problems.

    Draws ``q*(a) ~ N(0, 1)`` for ``num_runs`` problems of ``num_arms`` arms, then runs
    epsilon-greedy for each of ``epsilons`` (0: greedy) and UCB with ``c = ucb_c``
    (``None``: no UCB) on those problems, each method with its own reward stream.
    """
    if num_runs < 1 or num_arms < 2:
        raise ValueError(
            f"the testbed needs num_runs >= 1 and num_arms >= 2. Received: num_runs={num_runs}, "
            f"num_arms={num_arms}"
        )
    q_star = np.random.default_rng(seed).normal(size=(num_runs, num_arms))
    results = []
    for i, epsilon in enumerate(epsilons):
        name = "greedy" if epsilon == 0 else f"epsilon={epsilon:g}"
        results.append(
            run_testbed(q_star, num_steps, epsilon=epsilon, seed=seed + 1 + i, name=name)
        )
    if ucb_c is not None:
        results.append(
            run_testbed(q_star, num_steps, ucb_c=ucb_c, seed=seed + 101, name=f"ucb c={ucb_c:g}")
        )
    return results
