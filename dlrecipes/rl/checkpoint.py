"""Checkpoints of the whole training state, written atomically, read as data only.

A checkpoint directory holds

* ``arrays.npz``: every array (network and target weights, Adam moments or the
  Q-table, the replay buffer's contents, the environments' state arrays such as
  CartPole's ``state``);
* ``state.json``: counters (env steps, episodes, updates), the exploration and
  evaluation bookkeeping, the random generators' states and the rest of the
  environments' state (:func:`dlrecipes.rl.envs.env_state`: FrozenLake's ``s``,
  TimeLimit's elapsed steps, each copy's generator), so that a resumed run
  continues the very episodes that were interrupted and ends exactly where an
  uninterrupted run ends.

Nothing in it is pickled: ``arrays.npz`` is read with ``allow_pickle=False`` and
``state.json`` is JSON, so loading a checkpoint from someone else's run directory
runs no code. (Checkpoints of earlier versions held ``envs.pkl``; it is never
read: such a run resumes with its environments' episodes restarted.)

It is built in ``<dir>.tmp`` and swapped in with two renames
(:func:`dlrecipes.atomic.replaced_directory`), so an interruption while writing
leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes import atomic
from dlrecipes.recipe import RecipeError


def save(directory: Path, arrays: dict[str, np.ndarray], data: dict[str, Any]) -> None:
    """Write a checkpoint to ``directory``, replacing any previous one atomically."""
    with atomic.replaced_directory(directory) as new:
        np.savez(new / "arrays.npz", **arrays)
        (new / "state.json").write_text(json.dumps(data, indent=1))


def exists(directory: Path) -> bool:
    """Whether ``directory`` (or the previous one of an interrupted swap) holds a checkpoint."""
    return (atomic.readable_directory(directory) / "state.json").is_file()


def load(directory: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(arrays, data)`` of a checkpoint written by :func:`save` (data only: no pickle)."""
    directory = atomic.readable_directory(directory)
    if not (directory / "state.json").is_file():
        raise RecipeError(
            "--resume found no checkpoint to continue from. "
            f"Received: {str(directory)!r} (expected checkpoint/state.json inside the run)"
        )
    try:
        with np.load(directory / "arrays.npz", allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        data = json.loads((directory / "state.json").read_text())
    except (OSError, ValueError) as error:  # JSONDecodeError and a pickled array are ValueErrors
        raise RecipeError(f"the checkpoint in {str(directory)!r} is unreadable: {error}") from None
    return arrays, data
