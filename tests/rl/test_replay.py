"""dlrecipes/rl/replay.py: the NumPy ring buffer of transitions (no Keras)."""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.rl.replay import ReplayBuffer


def _transitions(start: int, n: int):
    ids = np.arange(start, start + n, dtype=np.float32)
    s = np.stack([ids, -ids], axis=1)  # (n, 2): observation i is [i, -i]
    return s, ids.astype(int) % 3, ids, np.full(n, 0.99), s + 0.5


def test_replay_ring_overwrites_oldest_first():
    buffer = ReplayBuffer(5, (2,))
    buffer.add(*_transitions(0, 3))
    assert len(buffer) == 3 and buffer.position == 3
    buffer.add(*_transitions(3, 4))  # 7 transitions into 5 slots: 0 and 1 are overwritten
    assert len(buffer) == 5 and buffer.position == 2
    assert sorted(buffer.r_t.tolist()) == [2.0, 3.0, 4.0, 5.0, 6.0]
    np.testing.assert_array_equal(buffer.r_t, [5.0, 6.0, 2.0, 3.0, 4.0])  # ring order
    np.testing.assert_array_equal(buffer.s_tm1[:, 0], buffer.r_t)  # fields stay aligned
    np.testing.assert_array_equal(buffer.s_t, buffer.s_tm1 + 0.5)


def test_replay_add_more_than_capacity_keeps_the_last():
    buffer = ReplayBuffer(4, (2,))
    buffer.add(*_transitions(0, 10))
    assert len(buffer) == 4
    assert sorted(buffer.r_t.tolist()) == [6.0, 7.0, 8.0, 9.0]
    buffer.add(*_transitions(10, 1))  # the next write replaces the oldest (6)
    assert sorted(buffer.r_t.tolist()) == [7.0, 8.0, 9.0, 10.0]


def test_replay_sample_shapes_uniformity_and_state():
    buffer = ReplayBuffer(100, (2,))
    buffer.add(*_transitions(0, 40))
    rng = np.random.default_rng(0)
    batch = buffer.sample(rng, 8)
    assert batch["s_tm1"].shape == (8, 2) and batch["a_tm1"].dtype == np.int32
    stacked = buffer.sample(rng, 16, num_batches=5)
    assert stacked["s_t"].shape == (5, 16, 2) and stacked["r_t"].shape == (5, 16)
    assert stacked["r_t"].max() < 40  # only filled slots are drawn
    counts = np.bincount(buffer.sample_indices(rng, 40_000), minlength=40)
    assert counts.min() > 800 and counts.max() < 1200  # ~1000 each: uniform
    copy = ReplayBuffer(100, (2,))
    copy.set_state(buffer.get_state())
    assert len(copy) == 40 and copy.position == buffer.position
    np.testing.assert_array_equal(copy.s_tm1[:40], buffer.s_tm1[:40])


def test_replay_rejects_bad_shapes_and_empty_sampling():
    buffer = ReplayBuffer(3, (2,))
    with pytest.raises(ValueError, match="Received"):
        buffer.sample(np.random.default_rng(0), 2)
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        buffer.add(np.zeros((2, 3)), [0, 0], [0, 0], [0, 0], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="capacity=0"):
        ReplayBuffer(0, (2,))
