"""Catch: a small pixel environment DQN learns in minutes on a CPU, and phi's frame stack.

A ball starts in a random column of the top row of a ``rows x columns`` grid
(10 x 5 by default) and falls one row per step; a paddle on the bottom row moves
left, stays or moves right. When the ball reaches the bottom row the episode
ends with reward +1 if the paddle is under it and -1 otherwise (0 on every other
step). The observation is the picture itself: a ``(rows, columns)`` float image
with 1 where the ball and the paddle are. The paddle can always reach the ball
(it has ``rows - 1`` steps to cross ``columns - 1`` columns), so the optimal
return is 1 (Mnih et al. 2014's "catch"; bsuite's ``catch``, Osband et al. 2020).

:class:`FrameStack` is Algorithm 1's ``phi``: the last ``num_frames`` frames
stacked on a channel axis, ``(rows, columns, num_frames)``, so that the network
can see motion (here: which way the ball is falling; the task is Markov from one
frame, but the recipe keeps the lecture's pipeline).

Both keep their state in NumPy arrays and the environment's generator, which the
training loop's checkpoints save as data (:func:`dlrecipes.rl.envs.env_state`),
so a resumed run continues mid-episode exactly.

Registered with gymnasium as ``dlrecipes/Catch-v0`` (one frame) by
:func:`register`; ``gymnasium.make("dlrecipes/Catch-v0", frame_stack=4)`` adds phi.
"""

from __future__ import annotations

import gymnasium
import numpy as np
from gymnasium import spaces

#: The id this module registers (one frame; ``frame_stack=k`` stacks k).
CATCH_ID = "dlrecipes/Catch-v0"
#: Actions: move the paddle left, stay, move right.
ACTIONS = ("left", "stay", "right")


class Catch(gymnasium.Env):
    """Catch the falling ball with the paddle (see the module docstring).

    Args:
        rows: grid height (the ball falls ``rows - 1`` steps), >= 2.
        columns: grid width, >= 1.
        render_mode: ``"rgb_array"`` for :meth:`render` (an upscaled picture), or None.

    Observation: ``Box(0, 1, (rows, columns), float32)``. Actions: ``Discrete(3)``.

    Example:
        >>> env = Catch()
        >>> observation, _ = env.reset(seed=0)
        >>> observation.shape, float(observation.sum())
        ((10, 5), 2.0)
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 8}

    def __init__(self, rows: int = 10, columns: int = 5, render_mode: str | None = None):
        if int(rows) != rows or rows < 2 or int(columns) != columns or columns < 1:
            raise ValueError(
                f"Catch needs rows >= 2 and columns >= 1. Received: rows={rows}, columns={columns}"
            )
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array'. Received: {render_mode!r}")
        self.rows, self.columns, self.render_mode = int(rows), int(columns), render_mode
        self.observation_space = spaces.Box(0.0, 1.0, (self.rows, self.columns), np.float32)
        self.action_space = spaces.Discrete(len(ACTIONS))
        # [ball row, ball column, paddle column]: the whole state, as an array
        self.positions = np.zeros(3, np.int64)

    def _frame(self) -> np.ndarray:
        frame = np.zeros((self.rows, self.columns), np.float32)
        ball_row, ball_column, paddle_column = self.positions
        frame[ball_row, ball_column] = 1.0
        frame[self.rows - 1, paddle_column] = 1.0
        return frame

    def reset(self, *, seed: int | None = None, options=None):
        super().reset(seed=seed)
        ball_column = int(self.np_random.integers(self.columns))
        self.positions[:] = (0, ball_column, self.columns // 2)
        return self._frame(), {}

    def step(self, action):
        action = int(action)
        if not 0 <= action < len(ACTIONS):
            raise ValueError(f"action must be 0 (left), 1 (stay) or 2 (right). Received: {action}")
        self.positions[2] = np.clip(self.positions[2] + action - 1, 0, self.columns - 1)
        self.positions[0] += 1  # the ball falls one row
        terminated = bool(self.positions[0] == self.rows - 1)
        reward = 0.0
        if terminated:
            reward = 1.0 if self.positions[1] == self.positions[2] else -1.0
        return self._frame(), reward, terminated, False, {}

    def render(self):
        """The frame as an RGB picture, 16 pixels per cell (ball red, paddle white)."""
        if self.render_mode != "rgb_array":
            return None
        picture = np.zeros((self.rows, self.columns, 3), np.uint8)
        ball_row, ball_column, paddle_column = self.positions
        picture[self.rows - 1, paddle_column] = (230, 230, 230)
        picture[ball_row, ball_column] = (230, 60, 60)
        return np.repeat(np.repeat(picture, 16, axis=0), 16, axis=1)


class FrameStack(gymnasium.ObservationWrapper):
    """phi: the last ``num_frames`` observations stacked on a new last (channel) axis.

    ``phi_t = [x_{t-k+1}, ..., x_t]``, ``(*frame_shape, k)``; at the start of an
    episode the first frame fills every slot (Mnih et al. 2013, section 4.1, stack
    the last 4 preprocessed frames). The stack is a NumPy array attribute, so a
    checkpoint saves it as data.

    Args:
        env: an environment with a ``Box`` observation space.
        num_frames: frames per observation, >= 1.
    """

    def __init__(self, env, num_frames: int = 4):
        super().__init__(env)
        if int(num_frames) != num_frames or num_frames < 1:
            raise ValueError(f"num_frames must be >= 1. Received: num_frames={num_frames}")
        self.num_frames = int(num_frames)
        space = env.observation_space
        low = np.repeat(space.low[..., None], self.num_frames, axis=-1)
        high = np.repeat(space.high[..., None], self.num_frames, axis=-1)
        self.observation_space = spaces.Box(low, high, dtype=space.dtype)
        self.frames = np.zeros(self.observation_space.shape, space.dtype)

    def reset(self, *, seed: int | None = None, options=None):
        observation, info = self.env.reset(seed=seed, options=options)
        self.frames[...] = observation[..., None]  # the first frame in every slot
        return self.frames.copy(), info

    def observation(self, observation):
        self.frames[..., :-1] = self.frames[..., 1:]  # drop the oldest frame
        self.frames[..., -1] = observation
        return self.frames.copy()


def make_catch(rows: int = 10, columns: int = 5, frame_stack: int = 0, render_mode=None):
    """The entry point of ``dlrecipes/Catch-v0``: :class:`Catch`, with phi's stack if > 0."""
    env = Catch(rows, columns, render_mode=render_mode)
    return FrameStack(env, frame_stack) if frame_stack else env


def register() -> None:
    """Register ``dlrecipes/Catch-v0`` with gymnasium (once; later calls do nothing)."""
    if CATCH_ID not in gymnasium.envs.registry:
        gymnasium.register(CATCH_ID, entry_point=make_catch, max_episode_steps=None)
