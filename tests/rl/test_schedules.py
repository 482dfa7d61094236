"""dlrecipes/rl/schedules.py: epsilon / step-size schedules and the update schedule."""

from __future__ import annotations

import pytest

from dlrecipes.rl.schedules import LinearSchedule, UpdateSchedule


def test_linear_schedule():
    epsilon = LinearSchedule(1.0, 0.04, duration=8_000)
    assert epsilon(0) == 1.0
    assert epsilon(4_000) == pytest.approx(0.52)
    assert epsilon(8_000) == epsilon(50_000) == pytest.approx(0.04)
    delayed = LinearSchedule(1.0, 0.0, duration=10, begin=5)
    assert [delayed(t) for t in (0, 5, 10, 15, 20)] == pytest.approx([1, 1, 0.5, 0, 0])
    assert LinearSchedule(1.0, 0.1, duration=0)(0) == 0.1
    with pytest.raises(ValueError, match="duration=-1"):
        LinearSchedule(1.0, 0.1, duration=-1)


def _updates(schedule: UpdateSchedule, steps):
    """The env steps at which an update runs, for a loop whose iterations end at ``steps``."""
    ran, next_update = [], schedule.first
    for step in steps:
        if schedule.due(step, next_update):
            if schedule.runs(step):
                ran.append(step)
            next_update = schedule.advance(step, next_update)
    return ran, next_update


def test_update_schedule_keeps_the_grid_and_waits_for_start():
    # DQN's: every 256 env steps once 1,000 are stored; 4 copies step 4 at a time
    ran, next_update = _updates(UpdateSchedule(every=256, start=1_000), range(4, 2_100, 4))
    assert ran == [1_024, 1_280, 1_536, 1_792, 2_048]  # not 1,000: the grid, not the start
    assert next_update == 2_304
    ran, _ = _updates(UpdateSchedule(every=200, start=200), [150, 199, 201, 390, 600, 601])
    assert ran == [201, 600]  # a stride that overshoots a multiple still updates once


def test_update_schedule_every_iteration():
    # Q-learning's: after every iteration, also one in which no copy took a real step
    schedule = UpdateSchedule(every=0, log=False)
    ran, next_update = _updates(schedule, [4, 8, 8, 12])
    assert ran == [4, 8, 8, 12] and next_update == schedule.first == 1
    with pytest.raises(ValueError, match="every=-1"):
        UpdateSchedule(every=-1)
