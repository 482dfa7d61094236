"""Schedules for exploration (epsilon) and step sizes, as functions of the step count.

The exploration/exploitation dilemma: an epsilon-greedy agent takes a random
action with probability ``epsilon`` and the greedy one otherwise. Starting with
``epsilon = 1`` (explore everything) and annealing it linearly to a small floor
is the schedule of Mnih et al. (2015), who anneal from 1.0 to 0.1 over the first
million frames.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinearSchedule:
    """``value(t) = start + (end - start) * clip((t - begin) / duration, 0, 1)``.

    Args:
        start: the value at ``t <= begin``.
        end: the value at ``t >= begin + duration``.
        duration: steps over which the value moves from ``start`` to ``end``
            (0 jumps straight to ``end``).
        begin: the step at which annealing starts.

    Example:
        >>> epsilon = LinearSchedule(1.0, 0.04, duration=8_000)
        >>> epsilon(0), epsilon(4_000), epsilon(20_000)
        (1.0, 0.52, 0.04)
    """

    start: float
    end: float
    duration: int
    begin: int = 0

    def __post_init__(self):
        if self.duration < 0:
            raise ValueError(f"duration must be >= 0. Received: duration={self.duration}")

    def __call__(self, step: int) -> float:
        if self.duration == 0:
            return float(self.end) if step >= self.begin else float(self.start)
        fraction = min(max((step - self.begin) / self.duration, 0.0), 1.0)
        return float(round(self.start + (self.end - self.start) * fraction, 12))


@dataclass(frozen=True)
class UpdateSchedule:
    """When the training loop calls ``agent.update()``, in env steps.

    The loop keeps the env step of the next update, ``next_update`` (a
    checkpointed counter that starts at :attr:`first`). An iteration that ends at
    env step ``step`` is *due* when ``step >= next_update``; the update runs if
    also ``step >= start``, and ``next_update`` then moves past ``step`` in
    strides of ``every``, so updates stay on the grid ``every, 2 every, ...``
    whatever number of environment copies steps the loop. ``every = 0`` updates
    after every iteration (tabular Q-learning's online update).

    Args:
        every: env steps between updates (0: after every loop iteration).
        start: env steps of experience to collect before the first update
            (DQN's ``learning_starts``).
        log: write the statistics of each update to TensorBoard (off for agents
            that update every iteration: one record per step would dwarf the rest).

    Example:
        >>> schedule = UpdateSchedule(every=256, start=1_000)
        >>> schedule.due(512, 512), schedule.runs(512), schedule.advance(516, 512)
        (True, False, 768)
    """

    every: int = 0
    start: int = 0
    log: bool = True

    def __post_init__(self):
        if self.every < 0 or self.start < 0:
            raise ValueError(
                f"every and start must be >= 0. Received: every={self.every}, start={self.start}"
            )

    @property
    def first(self) -> int:
        """The initial ``next_update``."""
        return self.every or 1

    def due(self, step: int, next_update: int) -> bool:
        """Whether the iteration that ended at ``step`` reached the next update."""
        return self.every == 0 or step >= next_update

    def runs(self, step: int) -> bool:
        """Whether a due update at ``step`` runs (enough experience collected)."""
        return step >= self.start

    def advance(self, step: int, next_update: int) -> int:
        """The next update's step after a due one at ``step``."""
        while self.every and next_update <= step:
            next_update += self.every
        return next_update
