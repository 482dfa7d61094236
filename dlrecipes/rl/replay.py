"""Uniform experience replay stored in a NumPy ring buffer.

Experience replay (Lin 1992; Mnih et al. 2015, Algorithm 1) stores the agent's
transitions ``(s_tm1, a_tm1, r_t, discount_t, s_t)`` and trains on mini-batches
drawn uniformly from the last ``capacity`` of them. Sampling breaks the strong
correlation between consecutive steps and reuses each transition many times.

Legend (time-indexed names, as in DeepMind's dqn_zoo and rlax):

* ``s_tm1``: observation at time t-1, ``(n, *observation_shape)``
* ``a_tm1``: action taken at t-1, ``(n,)`` int32
* ``r_t``: reward received on arriving at t, ``(n,)`` float32
* ``discount_t``: ``gamma`` if the episode goes on after t, ``0`` if t is terminal, ``(n,)``
* ``s_t``: observation at time t, ``(n, *observation_shape)``

Storage is one preallocated array per field; writing position ``p`` wraps
around modulo ``capacity``, so the oldest transitions are overwritten first and
memory never grows (no Python lists of transitions).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from dlrecipes.spec import RecipeError

FIELDS = ("s_tm1", "a_tm1", "r_t", "discount_t", "s_t")


def bytes_needed(capacity: int, observation_shape, observation_dtype="float32") -> int:
    """Memory of a buffer: two observations, an int32 action and two float32 scalars per slot."""
    observation = (
        int(np.prod(observation_shape, dtype=np.int64)) * np.dtype(observation_dtype).itemsize
    )
    return int(capacity) * (2 * observation + 3 * 4)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (``MemAvailable``), if the OS says."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _check_fits_in_memory(capacity: int, observation_shape, observation_dtype) -> None:
    needed, available = (
        bytes_needed(capacity, observation_shape, observation_dtype),
        available_memory(),
    )
    if available is not None and needed > available:
        per_slot = max(1, bytes_needed(1, observation_shape, observation_dtype))
        raise RecipeError(
            f"a replay buffer of {capacity} transitions (agent.options.buffer_size) needs "
            f"{needed / 2**30:.1f} GiB; {available / 2**30:.1f} GiB are available. Expected "
            f"agent.options.buffer_size <= {available // per_slot}"
        )


class ReplayBuffer:
    """A fixed-capacity FIFO of transitions with uniform sampling.

    Args:
        capacity: the most transitions kept; older ones are overwritten.
        observation_shape: shape of one observation, e.g. ``(4,)``.
        observation_dtype: storage dtype of observations (``float32`` by default).

    Example:
        >>> buffer = ReplayBuffer(3, (2,))
        >>> buffer.add(np.zeros((2, 2)), [0, 1], [1.0, 1.0], [0.99, 0.0], np.ones((2, 2)))
        >>> len(buffer)
        2
        >>> batch = buffer.sample(np.random.default_rng(0), batch_size=4)
        >>> batch["s_tm1"].shape
        (4, 2)
    """

    def __init__(
        self,
        capacity: int,
        observation_shape: Sequence[int],
        observation_dtype: str | np.dtype = "float32",
    ):
        if int(capacity) != capacity or capacity < 1:
            raise ValueError(f"capacity must be a positive integer. Received: capacity={capacity}")
        self.capacity = int(capacity)
        self.observation_shape = tuple(int(d) for d in observation_shape)
        self.observation_dtype = np.dtype(observation_dtype)
        _check_fits_in_memory(self.capacity, self.observation_shape, self.observation_dtype)
        shape = (self.capacity, *self.observation_shape)
        self.s_tm1 = np.zeros(shape, self.observation_dtype)
        self.a_tm1 = np.zeros(self.capacity, np.int32)
        self.r_t = np.zeros(self.capacity, np.float32)
        self.discount_t = np.zeros(self.capacity, np.float32)
        self.s_t = np.zeros(shape, self.observation_dtype)
        self.position = 0  # the next slot written
        self.size = 0  # slots holding a transition

    def __len__(self) -> int:
        return self.size

    def add(self, s_tm1, a_tm1, r_t, discount_t, s_t) -> None:
        """Append a batch of ``n`` transitions (leading axis ``n``), overwriting the oldest.

        If ``n > capacity`` only the last ``capacity`` transitions are kept.
        """
        s_tm1 = np.asarray(s_tm1, self.observation_dtype)
        n = s_tm1.shape[0]
        if s_tm1.shape[1:] != self.observation_shape:
            raise ValueError(
                f"observations must have shape (n, {', '.join(map(str, self.observation_shape))})."
                f" Received: s_tm1 with shape {s_tm1.shape}"
            )
        if n == 0:
            return
        columns = {
            "s_tm1": s_tm1,
            "a_tm1": np.asarray(a_tm1, np.int32).reshape(n),
            "r_t": np.asarray(r_t, np.float32).reshape(n),
            "discount_t": np.asarray(discount_t, np.float32).reshape(n),
            "s_t": np.asarray(s_t, self.observation_dtype).reshape(s_tm1.shape),
        }
        if n > self.capacity:
            columns = {key: value[-self.capacity :] for key, value in columns.items()}
            self.position = (self.position + n - self.capacity) % self.capacity
            n = self.capacity
        slots = (self.position + np.arange(n)) % self.capacity  # ring indices
        for key, value in columns.items():
            getattr(self, key)[slots] = value
        self.position = (self.position + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def sample_indices(self, rng: np.random.Generator, batch_size: int, num_batches: int = 0):
        """Uniform slot indices: ``(batch_size,)``, or ``(num_batches, batch_size)`` if > 0."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer. Received: size=0")
        shape = (num_batches, batch_size) if num_batches else (batch_size,)
        return rng.integers(0, self.size, size=shape)

    def sample(
        self, rng: np.random.Generator, batch_size: int, num_batches: int = 0
    ) -> dict[str, np.ndarray]:
        """A batch as a dict of the five fields.

        Shapes are ``(batch_size, ...)``, or ``(num_batches, batch_size, ...)`` when
        ``num_batches > 0`` (all the mini-batches of one compiled update, drawn up front).
        """
        indices = self.sample_indices(rng, batch_size, num_batches)
        return {key: getattr(self, key)[indices] for key in FIELDS}

    def get_state(self) -> dict[str, np.ndarray]:
        """The buffer's contents and write position, as arrays (for checkpoints)."""
        state = {key: getattr(self, key)[: self.size] for key in FIELDS}
        state["position"] = np.asarray(self.position)
        return state

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`get_state` returned."""
        size = int(state["s_tm1"].shape[0])
        if size > self.capacity:
            raise ValueError(
                f"the saved buffer holds more transitions than the capacity. "
                f"Received: {size} transitions, capacity={self.capacity}"
            )
        for key in FIELDS:
            getattr(self, key)[:size] = state[key]
        self.size = size
        self.position = int(state["position"])
