"""dlrecipes/runs/directory.py and dlrecipes/atomic.py: one status, atomic writes, a full disk.

A write that fails (``OSError(ENOSPC)``, simulated mid-write) leaves the previous
file or none under the final name, and no temporary file; ``FAILED.txt`` is never
empty; a run that fails before producing anything leaves no directory.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import keras
import numpy as np
import pytest

import dlrecipes
from dlrecipes import atomic
from dlrecipes.runs import directory
from dlrecipes.spec import RecipeError


def _full_disk(path, *args, **kwargs):
    """Write half a file, then fail as a full disk does."""
    with open(path, "wb") as handle:
        handle.write(b"PK\x03\x04 half a file")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def _full_disk_save(model, path, *args, **kwargs):
    _full_disk(path)


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_write_text_replaces_whole_files_and_a_failed_write_leaves_the_old_one(tmp_path):
    path = tmp_path / "metrics.json"
    atomic.write_text(path, "old")
    with pytest.raises(OSError, match="No space left"):
        atomic.write_with(path, _full_disk)
    assert path.read_text() == "old" and _names(tmp_path) == ["metrics.json"]
    atomic.write_json(path, {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}


def test_a_full_disk_while_saving_a_model_leaves_no_model_keras(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    monkeypatch.setattr(keras.Model, "save", _full_disk_save)
    with pytest.raises(OSError, match="No space left"):
        atomic.save_model(model, tmp_path / "model.keras")
    assert _names(tmp_path) == []


def test_a_full_disk_during_a_run_leaves_no_partial_model_and_a_non_empty_failed_txt(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(keras.Model, "save", _full_disk_save)
    with pytest.raises(OSError, match="No space left"):
        dlrecipes.run("mlp", smoke=True, out=tmp_path, verbose=0)
    (run_dir,) = (tmp_path / "mlp").iterdir()
    assert not (run_dir / "model.keras").exists() and not (run_dir / "metrics.json").exists()
    assert not [name for name in _names(run_dir) if name.startswith(".") or ".tmp" in name]
    assert (run_dir / "FAILED.txt").read_text().startswith("OSError: [Errno 28] No space left")
    assert directory.status(run_dir) == "failed"
    monkeypatch.undo()  # space freed: the resume saves what training had finished
    resumed = dlrecipes.run("mlp", resume=run_dir, verbose=0)
    assert directory.status(run_dir) == "completed" and not (run_dir / "FAILED.txt").exists()
    assert resumed.metrics["epochs_run"] == 2 and (run_dir / "model.keras").is_file()


def test_failed_txt_names_the_error_and_is_never_empty(tmp_path):
    directory.fail(tmp_path, KeyboardInterrupt())
    assert (tmp_path / "FAILED.txt").read_text() == (
        "KeyboardInterrupt: interrupted; continue with --resume RUN_DIR\n"
    )
    directory.fail(tmp_path, RuntimeError(""))
    assert (tmp_path / "FAILED.txt").read_text() == "RuntimeError: no message\n"
    directory.fail(tmp_path, ValueError("first line\nsecond line"))
    assert (tmp_path / "FAILED.txt").read_text() == "ValueError: first line\n"


def test_fail_on_a_full_disk_does_not_hide_the_error_nor_leave_an_empty_file(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(Path, "write_bytes", lambda self, data: _full_disk(self))
    directory.fail(tmp_path, RuntimeError("the real error"))  # does not raise
    assert _names(tmp_path) == []  # neither FAILED.txt nor a temporary file
    assert "could not write FAILED.txt" in capsys.readouterr().err


def test_one_status(tmp_path):
    assert directory.status(tmp_path) == "incomplete"
    directory.fail(tmp_path, RuntimeError("x"))
    assert directory.status(tmp_path) == "failed"
    directory.begin_attempt(tmp_path)
    assert directory.status(tmp_path) == "incomplete"
    directory.fail(tmp_path, RuntimeError("x"))
    (tmp_path / "backup").mkdir()
    directory.finish(tmp_path, {"status": "completed"})
    assert directory.status(tmp_path) == "completed"
    assert _names(tmp_path) == ["metrics.json"]  # FAILED.txt and the backup are gone


def test_replaced_directory_keeps_the_old_content_when_building_fails(tmp_path):
    target = tmp_path / "backup"
    with atomic.replaced_directory(target) as new:
        (new / "a").write_text("1")
    with pytest.raises(OSError):
        with atomic.replaced_directory(target) as new:
            (new / "a").write_text("2")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert (target / "a").read_text() == "1" and _names(tmp_path) == ["backup"]


def test_a_custom_run_checks_its_data_before_creating_its_directory(tmp_path):
    with pytest.raises(RecipeError, match="num_features must be >= 1"):
        dlrecipes.run(
            "linear_regression",
            smoke=True,
            overrides=["data.options.num_features=-3"],
            out=tmp_path,
            verbose=0,
        )
    with pytest.raises(RecipeError, match="positive widths"):
        dlrecipes.run(
            "universal_approximation",
            smoke=True,
            overrides=["model.options.widths=[0]"],
            out=tmp_path,
            verbose=0,
        )
    assert not list(tmp_path.rglob("recipe.toml"))


def test_discard_if_unused_keeps_a_directory_that_produced_something(tmp_path):
    run_dir = tmp_path / "run"
    (run_dir / "plots").mkdir(parents=True)
    (run_dir / "recipe.toml").write_text("")
    (run_dir / "plots" / "a.png").write_bytes(np.zeros(1).tobytes())
    assert not directory.discard_if_unused(run_dir) and run_dir.exists()
    (run_dir / "plots" / "a.png").unlink()
    assert directory.discard_if_unused(run_dir) and not run_dir.exists()
