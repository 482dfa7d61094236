"""Checkpoints of the whole training state, written atomically.

A checkpoint directory holds

* ``arrays.npz``: every array (network and target weights, Adam moments or the
  Q-table, the replay buffer's contents);
* ``state.json``: counters (env steps, episodes, updates), the exploration and
  evaluation bookkeeping, the NumPy generator's state;
* ``envs.pkl``: the vectorised environments, pickled mid-episode (their physics
  state and random generators), so that a resumed run continues the very episodes
  that were interrupted and ends exactly where an uninterrupted run ends.

It is written to ``<dir>.tmp`` and then renamed over ``<dir>``, so an
interruption while writing leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.recipe import RecipeError


def save(
    directory: Path, arrays: dict[str, np.ndarray], data: dict[str, Any], envs: Any = None
) -> None:
    """Write a checkpoint to ``directory`` (replacing any previous one atomically).

    ``envs`` is pickled when it can be; an environment that cannot (e.g. one holding
    an open window) is left out, and a resumed run restarts its episodes.
    """
    directory = Path(directory)
    temporary = directory.with_name(directory.name + ".tmp")
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    np.savez(temporary / "arrays.npz", **arrays)
    (temporary / "state.json").write_text(json.dumps(data, indent=1))
    if envs is not None:
        try:
            payload = pickle.dumps(envs)
        except (pickle.PicklingError, TypeError, AttributeError):
            payload = None
        if payload is not None:
            (temporary / "envs.pkl").write_bytes(payload)
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    temporary.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def load(directory: Path) -> tuple[dict[str, np.ndarray], dict[str, Any], Any]:
    """``(arrays, data, envs or None)`` from a checkpoint written by :func:`save`."""
    directory = Path(directory)
    if not (directory / "state.json").is_file():
        old = directory.with_name(directory.name + ".old")
        if (old / "state.json").is_file():  # interrupted between the two renames
            directory = old
        else:
            raise RecipeError(
                "--resume found no checkpoint to continue from. "
                f"Received: {str(directory)!r} (expected checkpoint/state.json inside the run)"
            )
    with np.load(directory / "arrays.npz") as archive:
        arrays = {key: archive[key] for key in archive.files}
    data = json.loads((directory / "state.json").read_text())
    envs = None
    if (directory / "envs.pkl").is_file():
        with (directory / "envs.pkl").open("rb") as handle:
            envs = pickle.load(handle)
    return arrays, data, envs
