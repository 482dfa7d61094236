"""The whole training state of a fit, backed up at epoch ends, so that a resumed run
continues exactly where an uninterrupted one would be.

Keras' ``BackupAndRestore`` keeps weights, optimizer and epoch, but not the
random generators, the early-stopping counters and best weights, the history of
the epochs already run, or the files other callbacks append to; and it writes
its two files one after the other. :class:`TrainingBackup` keeps all of it, as
data only (no pickle), in ``run_dir/backup/``, swapped in atomically:

* ``arrays.npz``: every model variable (weights, batch-norm statistics, the
  layers' seed-generator states), every optimizer variable (step count, hence the
  learning-rate schedule; moments), early stopping's best weights, the global
  random generators' arrays;
* ``state.json``: epochs done, whether training finished, the history so far,
  the throughput counters, early stopping's counters, Python's and NumPy's
  generator states, and a caller's ``carried`` values (e.g. per-epoch probes);
* ``files/``: copies of ``history.csv`` and ``series.json`` as they were at that
  epoch, put back on resume so each epoch is in them once; ``state.json``'s
  ``saved_at`` (wall time) cuts the TensorBoard event files back to the backup
  (:func:`dlrecipes.event_files.cut_back`), so they too hold each epoch once.

Order of a resumed fit: :func:`load` the backup, ``model.fit(initial_epoch=epoch)``,
and at ``on_train_begin`` (after early stopping's own reset) every value is
restored. Under TensorFlow Keras draws the same shuffling order every epoch from
the global seed, under JAX it draws from ``np.random``: both continue unchanged.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from dlrecipes import atomic, event_files
from dlrecipes.spec import RecipeError
from dlrecipes.training.seeding import random_state, set_random_state

#: Bump when the layout changes; a backup of another format is not used.
FORMAT = 1
#: Files of the run directory that callbacks append to, kept with each backup.
KEPT_FILES = ("history.csv", "series.json")
_THROUGHPUT = ("steps", "steady_steps", "fit_seconds", "steady_seconds", "_epochs_seen")
_EARLY_STOPPING = ("wait", "stopped_epoch", "best", "best_epoch")


@dataclass
class Backup:
    """A backup read back by :func:`load`.

    Attributes:
        epoch: epochs completed (the ``initial_epoch`` to continue from).
        finished: training ended (all epochs, or early stopping); only evaluation is left.
        history: per-epoch values of the epochs completed.
        arrays: the arrays of ``arrays.npz``.
        data: the rest of ``state.json``.
        directory: where it was read from.
    """

    epoch: int
    finished: bool
    history: dict[str, list[float]]
    arrays: dict[str, np.ndarray] = field(repr=False)
    data: dict[str, Any] = field(repr=False)
    directory: Path


def load(directory: str | Path) -> Backup | None:
    """The backup in ``directory``, or ``None`` when there is none (or of another format).

    Data only: ``arrays.npz`` is read with ``allow_pickle=False``; a damaged backup is a
    one-line RecipeError (remove ``backup/`` to start the run over).
    """
    directory = atomic.readable_directory(directory)
    state_path = directory / "state.json"
    if not state_path.is_file():
        return None
    try:
        data = json.loads(state_path.read_text())
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        with np.load(directory / "arrays.npz", allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        return Backup(
            epoch=int(data["epoch"]),
            finished=bool(data["finished"]),
            history={str(k): [float(v) for v in values] for k, values in data["history"].items()},
            arrays=arrays,
            data=data,
            directory=directory,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise RecipeError(
            f"the training backup in {str(directory)!r} is unreadable ({error}); "
            "remove it to start the run over"
        ) from None


def _numbered(arrays: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    count = sum(1 for key in arrays if key.startswith(prefix))
    return [arrays[f"{prefix}{i}"] for i in range(count)]


def _assign(variables, values: list[np.ndarray], what: str) -> None:
    if len(values) != len(variables):
        raise RecipeError(
            f"the training backup holds {len(values)} {what} variables, the model "
            f"{len(variables)}: it was made by another model"
        )
    for variable, value in zip(variables, values):
        if tuple(value.shape) != tuple(variable.shape):
            raise RecipeError(
                f"the training backup's {what} variable {variable.path!r} has shape "
                f"{tuple(value.shape)}, the model's {tuple(variable.shape)}: "
                "it was made by another model"
            )
        variable.assign(value)


class TrainingBackup(keras.callbacks.Callback):
    """Back up the training state every ``every`` epochs and restore it on resume.

    Put it last among the callbacks: it saves what the others wrote for the epoch.

    Args:
        run_dir: the run directory (the backup goes to ``run_dir/backup``).
        every: back up every this many epochs (and always when training ends).
        early_stopping: the run's ``EarlyStopping`` callback, if any.
        throughput: the run's :class:`~dlrecipes.training.callbacks.Throughput`, if any.
        carried: a dict of JSON values saved with each backup and updated in place
            on resume (e.g. the latest per-epoch probe scalars).
        restore: the :class:`Backup` to restore at the start of training, if resuming.
    """

    def __init__(
        self,
        run_dir: str | Path,
        *,
        every: int = 1,
        early_stopping=None,
        throughput=None,
        carried: dict | None = None,
        restore: Backup | None = None,
    ):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1. Received: every={every}")
        self.run_dir, self.directory = Path(run_dir), Path(run_dir) / "backup"
        self.every, self.early_stopping, self.throughput = every, early_stopping, throughput
        self.carried = carried if carried is not None else {}
        self.restore = restore
        self.history: dict[str, list[float]] = dict(restore.history) if restore else {}
        self.epochs_done = restore.epoch if restore else 0

    # ---------------------------------------------------------------- Keras hooks

    def on_train_begin(self, logs=None):
        if self.restore is not None:
            restore_state(self.model, self.restore, self.early_stopping, self.throughput)
            self.carried.update(self.restore.data.get("carried", {}))

    def on_epoch_end(self, epoch, logs=None):
        values = {key: float(value) for key, value in (logs or {}).items()}
        for key, value in values.items():
            self.history.setdefault(key, []).append(value)
        self.epochs_done = epoch + 1
        # A diverged epoch (NaN loss) is not backed up: resuming it would evaluate NaN
        # weights; resuming from the backup before repeats the divergence and its error.
        finite = all(math.isfinite(value) for value in values.values())
        if finite and (self.epochs_done % self.every == 0 or self.model.stop_training):
            self.save()

    # ---------------------------------------------------------------- saving

    def save(self, finished: bool = False) -> None:
        """Write the state after ``epochs_done`` epochs to ``run_dir/backup`` atomically."""
        arrays, data = self._state(finished)
        with atomic.replaced_directory(self.directory) as new:
            np.savez(new / "arrays.npz", **arrays)
            (new / "state.json").write_text(json.dumps(data))
            (new / "files").mkdir()
            for name in KEPT_FILES:
                if (self.run_dir / name).is_file():
                    shutil.copyfile(self.run_dir / name, new / "files" / name)

    def _state(self, finished: bool) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        model = self.model
        arrays = {
            f"model/{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(model.variables)
        }
        for i, variable in enumerate(model.optimizer.variables):
            arrays[f"optimizer/{i}"] = keras.ops.convert_to_numpy(variable)
        rng_arrays, rng_data = random_state()
        arrays.update({f"rng/{key}": value for key, value in rng_arrays.items()})
        data = {
            "format": FORMAT,
            "epoch": self.epochs_done,
            "finished": finished,
            # after every event of these epochs was logged (this callback runs last)
            "saved_at": time.time(),
            # early stopping ended training at this epoch: a resumed fit runs no more
            "stopped": bool(self.model.stop_training),
            "history": self.history,
            "rng": rng_data,
            "carried": self.carried,
        }
        if self.throughput is not None:
            data["throughput"] = {k: getattr(self.throughput, k) for k in _THROUGHPUT}
        stopper = self.early_stopping
        if stopper is not None:
            data["early_stopping"] = {
                k: None if getattr(stopper, k) is None else float(getattr(stopper, k))
                for k in _EARLY_STOPPING
            }
            for i, weight in enumerate(stopper.best_weights or []):
                arrays[f"early_stopping/{i}"] = np.asarray(weight)
        return arrays, data


def restore_state(model, backup: Backup, early_stopping=None, throughput=None) -> None:
    """Put ``backup`` back: variables, optimizer, random generators, callbacks' counters.

    Raises:
        RecipeError: the backup was made by another model, or its values are damaged.
    """
    _assign(model.variables, _numbered(backup.arrays, "model/"), "model")
    _assign(model.optimizer.variables, _numbered(backup.arrays, "optimizer/"), "optimizer")
    try:
        rng = {k[4:]: v for k, v in backup.arrays.items() if k.startswith("rng/")}
        set_random_state(rng, backup.data["rng"])
        if throughput is not None and "throughput" in backup.data:
            for key in _THROUGHPUT:
                setattr(
                    throughput, key, type(getattr(throughput, key))(backup.data["throughput"][key])
                )
        if early_stopping is not None and "early_stopping" in backup.data:
            saved = backup.data["early_stopping"]
            early_stopping.wait = int(saved["wait"])
            early_stopping.stopped_epoch = int(saved["stopped_epoch"])
            early_stopping.best_epoch = int(saved["best_epoch"])
            early_stopping.best = None if saved["best"] is None else float(saved["best"])
            early_stopping.best_weights = _numbered(backup.arrays, "early_stopping/") or None
    except (ValueError, TypeError, KeyError) as error:
        raise RecipeError(
            f"the training backup in {str(backup.directory)!r} is damaged ({error}); "
            "remove it to start the run over"
        ) from None


def restore_files(run_dir: str | Path, backup: Backup | None) -> None:
    """Put the run directory's :data:`KEPT_FILES` back as they were at the backup and cut
    its TensorBoard events back to the backup's time, so a resumed run logs each epoch
    once; without a backup, ``history.csv`` and the events start anew.

    Call it before ``model.fit``: ``CSVLogger`` opens ``history.csv`` at the start of training.
    """
    run_dir = Path(run_dir)
    # A backup older than ``saved_at`` keeps every event (math.inf): nothing to cut by.
    saved_at = backup.data.get("saved_at", math.inf) if backup is not None else -math.inf
    event_files.cut_back(run_dir / "tensorboard", saved_at)
    for name in KEPT_FILES:
        kept = backup.directory / "files" / name if backup is not None else None
        if kept is not None and kept.is_file():
            atomic.write_bytes(run_dir / name, kept.read_bytes())
        elif name == "history.csv":
            (run_dir / name).unlink(missing_ok=True)
