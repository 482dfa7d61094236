"""Atari 2600 games through the Arcade Learning Environment, with phi of Mnih et al. 2015.

The games come from the ``ale-py`` package (the optional ``atari`` extra; its ROMs
ship with it) as ``ALE/<Game>-v5``, made here with ``frameskip=1`` and no sticky
actions (``repeat_action_probability=0``, as in the paper). :class:`AtariPhi` is
the paper's preprocessing ("Methods: preprocessing" and Extended Data Table 1):

* **action repeat** ``k = 4``: the agent picks an action every 4th frame and the
  action is repeated on the frames in between; the rewards of the 4 frames add up;
* **max over 2 frames**: each encoded frame is the pixelwise maximum of the last
  two raw frames (some sprites are drawn only on every other frame);
* **luminance, 84 x 84**: the grey-scale screen (ALE's luminance, 210 x 160)
  rescaled bilinearly to ``screen_size x screen_size``, ``uint8``;
* **no-op starts**: a random number (1 ... ``noop_max``) of "do nothing" actions
  after every reset, so episodes do not all begin in the same state;
* **reward clipping**: ``sign(r)`` in {-1, 0, 1}, so one learning rate suits every
  game (Pong's points are already +-1: its clipped return is its score difference).

The stack of the last ``frame_stack`` (4) encoded frames is
:class:`~dlrecipes.rl.catch.FrameStack` (the same ``phi`` as catch): observations
``(84, 84, 4)`` ``uint8``, stored as ``uint8`` in the replay and scaled by 1/255 in
the network (``observation_scale``). Not done: the paper also ended training
episodes at a lost life (Pong has no lives) and evaluated with epsilon = 0.05 (the
loop evaluates greedily).

The emulator's state lives in C++, not in Python attributes; :meth:`AtariPhi.snapshot_state`
copies it (with ALE's random generator) into the NumPy array ``emulator_state``
before a checkpoint and :meth:`AtariPhi.restore_snapshot` puts it back, so a resumed
run continues mid-episode exactly (:func:`dlrecipes.rl.envs.env_state`).

Registered with gymnasium as ``dlrecipes/Atari-v0`` (``game="Pong"`` by default) by
:func:`register`; without the extra, making it is a one-line error naming the extra.
"""

from __future__ import annotations

import gymnasium
import numpy as np
from gymnasium import spaces
from PIL import Image  # matplotlib's dependency, so installed with the library

from dlrecipes.recipe import RecipeError
from dlrecipes.rl.catch import FrameStack

#: The id :func:`register` registers.
ATARI_ID = "dlrecipes/Atari-v0"
EXTRA = "atari"


def _ale_module():
    try:
        import ale_py
    except ImportError:
        raise RecipeError(
            f"{ATARI_ID} needs the Arcade Learning Environment: pip install 'dlrecipes[{EXTRA}]'"
        ) from None
    gymnasium.register_envs(ale_py)
    return ale_py


def _resize(frame: np.ndarray, size: int) -> np.ndarray:
    """``frame`` (h, w) uint8 rescaled bilinearly to ``(size, size)`` uint8 (Pillow)."""
    return np.asarray(Image.fromarray(frame).resize((size, size), Image.Resampling.BILINEAR))


class AtariPhi(gymnasium.Wrapper):
    """Mnih et al. 2015's frame preprocessing of one ALE game (see the module docstring).

    Args:
        env: an ``ALE/<Game>-v5`` env made with ``frameskip=1`` and ``obs_type="grayscale"``.
        frame_skip: frames each action is repeated for, >= 1.
        screen_size: the side of the square output frame, >= 1.
        noop_max: at most this many no-op actions after a reset (0: none).
        clip_rewards: rewards as ``sign(r)``.

    Observation: ``Box(0, 255, (screen_size, screen_size), uint8)``.

    Example:
        >>> env = gymnasium.make("dlrecipes/Atari-v0", frame_stack=0)  # doctest: +SKIP
        >>> env.reset(seed=0)[0].shape                                  # doctest: +SKIP
        (84, 84)
    """

    def __init__(
        self,
        env,
        *,
        frame_skip: int = 4,
        screen_size: int = 84,
        noop_max: int = 30,
        clip_rewards: bool = True,
    ):
        super().__init__(env)
        for name, value, low in (
            ("frame_skip", frame_skip, 1),
            ("screen_size", screen_size, 1),
            ("noop_max", noop_max, 0),
        ):
            if int(value) != value or value < low:
                raise ValueError(f"{name} must be an integer >= {low}. Received: {name}={value}")
        self.frame_skip, self.screen_size = int(frame_skip), int(screen_size)
        self.noop_max, self.clip_rewards = int(noop_max), bool(clip_rewards)
        height, width = env.observation_space.shape
        self.raw_frames = np.zeros((2, height, width), np.uint8)  # the last two raw frames
        self.observation_space = spaces.Box(0, 255, (self.screen_size,) * 2, np.uint8)
        self.emulator_state = np.zeros(0, np.uint8)  # filled by snapshot_state()

    def _encode(self) -> np.ndarray:
        return _resize(self.raw_frames.max(axis=0), self.screen_size)  # (84, 84)

    def reset(self, *, seed=None, options=None):
        frame, info = self.env.reset(seed=seed, options=options)
        noops = (
            int(self.env.unwrapped.np_random.integers(1, self.noop_max + 1)) if self.noop_max else 0
        )
        for _ in range(noops):
            frame, _, terminated, truncated, info = self.env.step(0)
            if terminated or truncated:
                frame, info = self.env.reset()
        self.raw_frames[:] = frame
        return self._encode(), info

    def step(self, action):
        total_reward, terminated, truncated, info = 0.0, False, False, {}
        for _ in range(self.frame_skip):
            frame, reward, terminated, truncated, info = self.env.step(action)
            total_reward += float(reward)
            self.raw_frames[0] = self.raw_frames[1]  # the previous frame
            self.raw_frames[1] = frame
            if terminated or truncated:
                break
        if self.clip_rewards:
            total_reward = float(np.sign(total_reward))
        return self._encode(), total_reward, terminated, truncated, info

    def snapshot_state(self) -> None:
        """Copy the emulator's state (with ALE's RNG) into ``emulator_state`` (uint8)."""
        state = self.env.unwrapped.ale.cloneState(include_rng=True)
        self.emulator_state = np.frombuffer(state.serialize(), np.uint8).copy()

    def restore_snapshot(self) -> None:
        """Put ``emulator_state`` back into the emulator (nothing if it is empty)."""
        if self.emulator_state.size:
            ale = self.env.unwrapped.ale
            ale.restoreState(_ale_module().ALEState(self.emulator_state.tobytes()))


def make_atari(
    game: str = "Pong",
    frame_skip: int = 4,
    screen_size: int = 84,
    noop_max: int = 30,
    frame_stack: int = 4,
    clip_rewards: bool = True,
    max_num_frames_per_episode: int = 108_000,
    render_mode: str | None = None,
):
    """The entry point of ``dlrecipes/Atari-v0``: ``ALE/<game>-v5`` -> :class:`AtariPhi`
    -> :class:`~dlrecipes.rl.catch.FrameStack` (if ``frame_stack > 0``).

    ``max_num_frames_per_episode`` (raw frames; 108,000 = 30 minutes at 60 Hz, ALE's
    v5 default) truncates an episode.
    """
    _ale_module()
    try:
        game_env = gymnasium.make(
            f"ALE/{game}-v5",
            frameskip=1,
            repeat_action_probability=0.0,
            obs_type="grayscale",
            max_num_frames_per_episode=max_num_frames_per_episode,
            render_mode=render_mode,
        )
    except gymnasium.error.Error as error:
        raise RecipeError(
            f"agent.env_options.game {game!r} is not an ALE game ({str(error).splitlines()[0]})"
        ) from None
    env = AtariPhi(
        game_env,
        frame_skip=frame_skip,
        screen_size=screen_size,
        noop_max=noop_max,
        clip_rewards=clip_rewards,
    )
    return FrameStack(env, frame_stack) if frame_stack else env


def register() -> None:
    """Register ``dlrecipes/Atari-v0`` (once; it needs the extra only when made)."""
    if ATARI_ID not in gymnasium.envs.registry:
        gymnasium.register(ATARI_ID, entry_point=make_atari)
