"""Reinforcement learning: bandits, tabular Q-learning and DQN on gymnasium environments.

* :mod:`~dlrecipes.rl.agent`: the ``Agent`` protocol the loop drives (act,
  observe, update, greedy, get_state / set_state) and the agent of each algorithm.
* :mod:`~dlrecipes.rl.options`: the typed, frozen options of each algorithm.
* :mod:`~dlrecipes.rl.q_learning`: the lecture's tabular update (Watkins 1989).
* :mod:`~dlrecipes.rl.dqn`: Deep Q-learning with experience replay and a target
  network (Mnih et al. 2015), Double DQN (van Hasselt et al. 2016), dueling
  heads (Wang et al. 2016); pure updates compiled with XLA.
* :mod:`~dlrecipes.rl.train`: the loop as small steps (collect, update,
  evaluate, checkpoint); :mod:`~dlrecipes.rl.rollout`: its environment side.
* :mod:`~dlrecipes.rl.bandits`: the 10-armed testbed (greedy, epsilon-greedy, UCB).
* :mod:`~dlrecipes.rl.catch` (``dlrecipes/Catch-v0`` and phi's frame stack),
  :mod:`~dlrecipes.rl.flappy` (the lecture's discretised flappy bird and the game's
  feature vector) and :mod:`~dlrecipes.rl.atari` (``dlrecipes/Atari-v0``: ALE games
  through Mnih et al. 2015's phi): the library's own gymnasium environments,
  registered by :func:`~dlrecipes.rl.envs.register_environments`.
* :mod:`~dlrecipes.rl.replay`, :mod:`~dlrecipes.rl.schedules`,
  :mod:`~dlrecipes.rl.evaluate`, :mod:`~dlrecipes.rl.checkpoint`: the parts.

The runner calls :func:`validate` and :func:`train_agent`; the CLI's
``run NAME --play RUN_DIR`` calls :func:`play`. Nothing here is imported when a
recipe module is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["train_agent", "play", "validate"]


def validate(recipe):
    """Check a recipe's agent section (algorithm, options, env id, spaces); return its options.

    See :func:`dlrecipes.rl.train.validate`.
    """
    from dlrecipes.rl.train import validate as _validate

    return _validate(recipe)


def train_agent(recipe, run_dir: Path, *, resume: bool = False, verbose: bool = True) -> dict:
    """Train the recipe's agent into ``run_dir`` and return its final metrics.

    See :func:`dlrecipes.rl.train.train_agent`.
    """
    from dlrecipes.rl.train import train_agent as _train_agent

    return _train_agent(recipe, Path(run_dir), resume=resume, verbose=verbose)


def play(
    run_dir: Path, *, episodes: int = 10, record: Path | None = None, seed: int = 0
) -> dict[str, Any]:
    """Evaluate the saved agent of ``run_dir``; optionally record a GIF of an episode.

    See :func:`dlrecipes.rl.playback.play`.
    """
    from dlrecipes.rl.playback import play as _play

    return _play(Path(run_dir), episodes=episodes, record=record, seed=seed)
