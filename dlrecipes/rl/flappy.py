"""Flappy bird as the lecture gives it: a discretised state and the reward 1 / 50 / -1000.

The game is ``FlappyBird-v0`` of the maintained ``flappy-bird-gymnasium`` package
(the optional ``rl-extra``; it draws with pygame, off-screen with
``SDL_VIDEODRIVER=dummy``). :class:`FlappyBirdTabular` turns it into the small
MDP of the lecture's tabular Q-learning:

* **state** ``S = (dx, dy, v)``: the horizontal distance from the bird to the end of
  the next pipe, the vertical distance from the bird to the gap's lower edge (both
  in pixels, binned by ``bin_size``) and the bird's vertical speed (-9 ... 10 pixels
  per frame); one ``Discrete`` index ``(dx * num_dy + dy) * num_v + v``;
* **actions**: 0 = do nothing, 1 = flap;
* **reward**: ``alive_reward`` (1) per frame survived, ``pipe_reward`` (50) when a
  pipe is passed, ``death_reward`` (-1000) when the bird dies; one episode is one
  bird's life (or ``score_limit`` pipes, a truncation).

The discretised state is computed from the game's own variables (bird position and
speed, pipe positions), not from its normalised observation vector.

:class:`FlappyBirdFeatures` is the game for DQN: the game's own feature vector
(``use_lidar=False``: 12 floats in [-1, 1], the last, next and next-but-one pipe's
horizontal position and its gap's top and bottom edges, the bird's height, vertical
speed and rotation) with the same reward options (the lecture's 1 / 50 / -1000 by
default; the game's own scale is 0.1 / 1 / -1).

:func:`register` registers ``dlrecipes/FlappyBirdTabular-v0`` and
``dlrecipes/FlappyBird-v0`` (the features); without the extra, making either is a
one-line error naming the extra.
"""

from __future__ import annotations

import os

import gymnasium
import numpy as np
from gymnasium import spaces

from dlrecipes.recipe import RecipeError

#: The id :func:`register` registers.
FLAPPY_ID = "dlrecipes/FlappyBirdTabular-v0"
#: The id of the feature-vector game (DQN's) :func:`register` registers.
FLAPPY_FEATURES_ID = "dlrecipes/FlappyBird-v0"
EXTRA = "rl-extra"
#: The game's constants (flappy_bird_gymnasium.envs.constants): pipe width, speeds.
PIPE_WIDTH = 52
MIN_VELOCITY, MAX_VELOCITY = -9, 10


def _flappy_module():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # no display: draw off-screen
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "hide")
    try:
        import flappy_bird_gymnasium
    except ImportError:
        raise RecipeError(
            f"{FLAPPY_ID} needs flappy-bird-gymnasium (and pygame): "
            f"pip install 'dlrecipes[{EXTRA}]'"
        ) from None
    return flappy_bird_gymnasium


class FlappyBirdTabular(gymnasium.Wrapper):
    """``FlappyBird-v0`` with the lecture's discretised state and rewards.

    Args:
        env: a ``FlappyBirdEnv`` (``use_lidar=False``).
        bin_size: pixels per bin of ``dx`` and ``dy``, >= 1.
        max_dx: distances ``dx`` beyond this (pixels) share the last bin.
        max_dy: ``|dy|`` beyond this (pixels) shares the outermost bins.
        alive_reward, pipe_reward, death_reward: the lecture's reward scale.

    Attributes:
        grid: ``{"dx": n, "dy": n, "v": n}``, the sizes of the state's axes (in order).
    """

    def __init__(
        self,
        env,
        *,
        bin_size: int = 10,
        max_dx: int = 290,
        max_dy: int = 300,
        alive_reward: float = 1.0,
        pipe_reward: float = 50.0,
        death_reward: float = -1000.0,
    ):
        super().__init__(env)
        if bin_size < 1:
            raise ValueError(f"bin_size must be >= 1. Received: bin_size={bin_size}")
        self.bin_size, self.max_dx, self.max_dy = int(bin_size), int(max_dx), int(max_dy)
        self.alive_reward, self.pipe_reward = float(alive_reward), float(pipe_reward)
        self.death_reward = float(death_reward)
        self.grid = {
            "dx": self.max_dx // self.bin_size + 1,
            "dy": 2 * (self.max_dy // self.bin_size) + 1,
            "v": MAX_VELOCITY - MIN_VELOCITY + 1,
        }
        self.observation_space = spaces.Discrete(int(np.prod(list(self.grid.values()))))
        self.score = 0

    def features(self) -> tuple[int, int, int]:
        """``(dx, dy, v)`` in pixels and pixels per frame, from the game's variables."""
        game = self.env.unwrapped
        bird_x, bird_y = game._player_x, game._player_y
        ahead = [p for p in game._lower_pipes if p["x"] + PIPE_WIDTH > bird_x]
        pipe = min(ahead, key=lambda p: p["x"]) if ahead else game._lower_pipes[0]
        dx = int(pipe["x"] + PIPE_WIDTH - bird_x)
        dy = int(pipe["y"] - bird_y)  # > 0: the bird is above the gap's lower edge
        return dx, dy, int(game._player_vel_y)

    def state(self) -> int:
        """The discretised state's index (see the module docstring)."""
        dx, dy, v = self.features()
        bins = self.max_dy // self.bin_size
        i = min(max(dx, 0) // self.bin_size, self.grid["dx"] - 1)
        j = int(np.clip(np.floor_divide(dy, self.bin_size), -bins, bins)) + bins
        k = int(np.clip(v, MIN_VELOCITY, MAX_VELOCITY)) - MIN_VELOCITY
        return (i * self.grid["dy"] + j) * self.grid["v"] + k

    def reset(self, *, seed=None, options=None):
        _, info = self.env.reset(seed=seed, options=options)
        self.score = 0
        return self.state(), info

    def step(self, action):
        _, _, terminated, truncated, info = self.env.step(int(action))
        reward = _lecture_reward(self, info, terminated)
        return self.state(), reward, terminated, truncated, info


def _lecture_reward(wrapper, info, terminated: bool) -> float:
    """``death_reward`` if the bird died, ``pipe_reward`` if it passed a pipe this frame,
    ``alive_reward`` otherwise (and ``wrapper.score`` follows the game's score)."""
    passed = info["score"] > wrapper.score
    wrapper.score = int(info["score"])
    if terminated:
        return wrapper.death_reward
    return wrapper.pipe_reward if passed else wrapper.alive_reward


class FlappyBirdFeatures(gymnasium.Wrapper):
    """``FlappyBird-v0``'s 12-float feature observation with the lecture's reward options.

    The observation is the game's own (normalised to [-1, 1], see the module
    docstring), as float32; only the reward is replaced: ``alive_reward`` per frame,
    ``pipe_reward`` for a pipe passed, ``death_reward`` for dying (the game's own
    -0.5 for touching the top of the screen is dropped with the rest of its scale).

    Args:
        env: a ``FlappyBirdEnv`` (``use_lidar=False``).
        alive_reward, pipe_reward, death_reward: the reward scale.

    Observation: ``Box(-1, 1, (12,), float32)``. Actions: 0 = do nothing, 1 = flap.
    """

    def __init__(
        self,
        env,
        *,
        alive_reward: float = 1.0,
        pipe_reward: float = 50.0,
        death_reward: float = -1000.0,
    ):
        super().__init__(env)
        self.alive_reward, self.pipe_reward = float(alive_reward), float(pipe_reward)
        self.death_reward = float(death_reward)
        space = env.observation_space
        self.observation_space = spaces.Box(
            space.low.astype(np.float32), space.high.astype(np.float32), dtype=np.float32
        )
        self.score = 0

    def reset(self, *, seed=None, options=None):
        observation, info = self.env.reset(seed=seed, options=options)
        self.score = 0
        return observation.astype(np.float32), info

    def step(self, action):
        observation, _, terminated, truncated, info = self.env.step(int(action))
        reward = _lecture_reward(self, info, terminated)
        return observation.astype(np.float32), reward, terminated, truncated, info


def make_flappy_tabular(
    score_limit: int | None = 500,
    bin_size: int = 10,
    alive_reward: float = 1.0,
    pipe_reward: float = 50.0,
    death_reward: float = -1000.0,
    render_mode: str | None = None,
):
    """The entry point of ``dlrecipes/FlappyBirdTabular-v0``."""
    return FlappyBirdTabular(
        _game(score_limit, render_mode),
        bin_size=bin_size,
        alive_reward=alive_reward,
        pipe_reward=pipe_reward,
        death_reward=death_reward,
    )


def make_flappy_features(
    score_limit: int | None = 500,
    alive_reward: float = 1.0,
    pipe_reward: float = 50.0,
    death_reward: float = -1000.0,
    render_mode: str | None = None,
):
    """The entry point of ``dlrecipes/FlappyBird-v0``: :class:`FlappyBirdFeatures`."""
    return FlappyBirdFeatures(
        _game(score_limit, render_mode),
        alive_reward=alive_reward,
        pipe_reward=pipe_reward,
        death_reward=death_reward,
    )


def _game(score_limit: int | None, render_mode: str | None):
    """The package's ``FlappyBirdEnv`` without lidar (its 12-float feature observation)."""
    return _flappy_module().FlappyBirdEnv(
        use_lidar=False, score_limit=score_limit, render_mode=render_mode
    )


def _entry_point(**kwargs):
    _flappy_module()  # the one-line error when the extra is missing
    return make_flappy_tabular(**kwargs)


def _features_entry_point(**kwargs):
    _flappy_module()
    return make_flappy_features(**kwargs)


def register() -> None:
    """Register ``dlrecipes/FlappyBirdTabular-v0`` and ``dlrecipes/FlappyBird-v0`` (once;
    they need the extra only when made)."""
    if FLAPPY_ID not in gymnasium.envs.registry:
        gymnasium.register(FLAPPY_ID, entry_point=_entry_point)
    if FLAPPY_FEATURES_ID not in gymnasium.envs.registry:
        gymnasium.register(FLAPPY_FEATURES_ID, entry_point=_features_entry_point)
