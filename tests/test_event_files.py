"""dlrecipes/event_files.py: TensorBoard event files read and cut back as data.

The files are written by the real writers (Keras' TensorBoard callback, the RL loop's
ScalarWriter) and the cut files are read back with TensorBoard's own loader.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import pytest

from dlrecipes import event_files
from dlrecipes.rl.logs import ScalarWriter
from dlrecipes.training.callbacks import EpochTensorBoard


class _EpochTimes(keras.callbacks.Callback):
    """Wall time after each epoch's events were logged (it runs after the TensorBoard one)."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.time())
        time.sleep(0.01)  # the next epoch's events are strictly later


@pytest.fixture(scope="module")
def keras_logs(tmp_path_factory):
    """Three epochs of a small fit logged by EpochTensorBoard: (directory, history, times)."""
    directory = tmp_path_factory.mktemp("tb") / "tensorboard"
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    times = _EpochTimes()
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=16,
        validation_split=0.25,
        verbose=0,
        callbacks=[EpochTensorBoard(str(directory), write_graph=False, profile_batch=0), times],
    )
    return directory, history.history, times.times


def _tensorboard_loader_steps(path) -> list[int]:
    """Steps of the summaries in one file, read by TensorBoard's own loader."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    return [int(e.step) for e in EventFileLoader(str(path)).Load() if e.HasField("summary")]


def test_scalars_of_a_keras_fit_are_its_history(keras_logs):
    directory, history, _ = keras_logs
    found = event_files.scalars(directory)
    assert [step for step, _ in found["train/epoch_loss"]] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in found["train/epoch_loss"]], history["loss"], 1e-6)
    np.testing.assert_allclose(
        [v for _, v in found["validation/epoch_loss"]], history["val_loss"], 1e-6
    )


def test_each_epoch_is_on_disk_when_the_epoch_ends(tmp_path):
    """EpochTensorBoard flushes every epoch: read while the writers are still open."""
    seen = []

    class Read(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(len(event_files.scalars(tmp_path).get("train/epoch_loss", [])))

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 2), "float32")
    callbacks = [EpochTensorBoard(str(tmp_path), write_graph=False, profile_batch=0), Read()]
    model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=callbacks)
    assert seen == [1, 2, 3]


def test_cut_back_keeps_the_events_up_to_a_backup_time(keras_logs, tmp_path):
    directory, _, times = keras_logs
    copy = tmp_path / "tensorboard"
    for path in event_files.event_files(directory):
        target = copy / path.relative_to(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    removed = event_files.cut_back(copy, times[1])  # a backup after epoch 2 (index 1)
    assert removed >= 2  # epoch 3's loss (train) and val_loss (validation), at least
    found = event_files.scalars(copy)
    assert [step for step, _ in found["train/epoch_loss"]] == [0, 1]
    assert [step for step, _ in found["validation/epoch_loss"]] == [0, 1]
    # TensorBoard reads the rewritten files (checksums intact) and sees the same events
    train_file = next(p for p in event_files.event_files(copy) if p.parent.name == "train")
    assert 2 not in _tensorboard_loader_steps(train_file)
    assert event_files.cut_back(copy, times[1]) == 0  # nothing more to cut


def test_cut_back_to_the_start_removes_every_file(keras_logs, tmp_path):
    directory, _, _ = keras_logs
    (path,) = [p for p in event_files.event_files(directory) if p.parent.name == "train"]
    (tmp_path / path.name).write_bytes(path.read_bytes())
    assert event_files.cut_back(tmp_path, -math.inf) > 0
    assert event_files.event_files(tmp_path) == []


def test_a_record_cut_short_by_a_kill_ends_the_file_and_is_removed(tmp_path):
    writer = ScalarWriter(tmp_path)
    for step in range(3):
        writer.scalars(step, {"eval/return_mean": float(step * 10)})
    writer.close()
    (path,) = event_files.event_files(tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole[:-7])  # the last record half written
    assert event_files.scalars(tmp_path) == {"eval/return_mean": [(0, 0.0), (1, 10.0)]}
    assert event_files.cut_back(tmp_path, math.inf) == 0  # no event removed, the tail is
    assert len(path.read_bytes()) < len(whole) - 7
    assert _tensorboard_loader_steps(path) == [0, 1]


def test_no_directory_reads_as_nothing(tmp_path):
    assert event_files.scalars(tmp_path / "missing") == {}
    assert event_files.cut_back(tmp_path / "missing", 0.0) == 0
