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
