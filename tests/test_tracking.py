"""MLflow tracking against a real local file store (``tmp_path``): the recipe as
parameters, per-epoch metrics, the final metrics and the run directory's files.

MLflow is the optional ``tracking`` extra (part of ``test``); without it these tests
skip with the reason (CI, where ``CI`` is set, fails instead).
"""

from __future__ import annotations

import csv
import json
import os

import keras
import numpy as np
import pytest

import dlrecipes
from dlrecipes import registry, tracking
from dlrecipes.spec import RecipeError, resolve

try:
    import mlflow
except ImportError:  # pragma: no cover - depends on the installed extras
    if os.environ.get("CI"):
        raise
    pytest.skip(
        "mlflow is not installed: pip install 'dlrecipes[tracking]'", allow_module_level=True
    )


def _client(uri):
    return mlflow.tracking.MlflowClient(tracking_uri=uri)


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    return dlrecipes.run("mlp", smoke=True, out=tmp_path_factory.mktemp("runs"), verbose=0).run_dir


def test_live_tracker_logs_recipe_epochs_final_metrics_and_files(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    recipe = resolve(registry.get("mlp"), profile="smoke")
    run_dir = tmp_path / "runs" / "mlp" / "20260101-000000-s0"
    run_dir.mkdir(parents=True)
    (run_dir / "recipe.toml").write_text("name = 'mlp'\n")
    tracker = tracking.Tracker(recipe, run_dir).start()
    assert tracker.uri == (tmp_path / "runs" / "mlruns").as_uri()  # beside the runs

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    history = model.fit(
        x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[tracker.callback()]
    )
    (run_dir / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.75}, "seed": 0}))
    tracker.finish()

    run = _client(tracker.uri).get_run(tracker.run_id)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == run_dir.name
    assert run.data.params["train.learning_rate"] == str(recipe.train.learning_rate)
    assert run.data.params["data.source"] == "digits"
    assert not any(key.startswith(("profiles.", "search.")) for key in run.data.params)
    assert run.data.tags["dlrecipes.recipe"] == "mlp"
    losses = _client(tracker.uri).get_metric_history(tracker.run_id, "val_loss")
    assert [m.step for m in losses] == [0, 1, 2]
    np.testing.assert_allclose([m.value for m in losses], history.history["val_loss"], rtol=1e-6)
    assert run.data.metrics["test.accuracy"] == 0.75
    files = {f.path for f in _client(tracker.uri).list_artifacts(tracker.run_id)}
    assert files == {"metrics.json", "recipe.toml", "tracking.json"}


def test_log_run_of_a_smoke_run_and_the_uri_variable(mlp_run, tmp_path, monkeypatch):
    uri = (tmp_path / "elsewhere").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)  # as MLflow users set it
    tracker = tracking.log_run(mlp_run)
    assert tracker.uri == uri
    client = _client(uri)
    run = client.get_run(tracker.run_id)
    metrics = json.loads((mlp_run / "metrics.json").read_text())
    assert run.data.metrics["test.accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    assert run.data.params["model.builder"] == "mlp"
    with open(mlp_run / "history.csv", newline="") as handle:
        epochs = list(csv.DictReader(handle))
    history = client.get_metric_history(tracker.run_id, "loss")
    assert [m.step for m in history] == [int(row["epoch"]) for row in epochs]
    files = {f.path for f in client.list_artifacts(tracker.run_id)}
    assert {"recipe.toml", "metrics.json", "history.csv", "model.keras"} <= files
    assert "tensorboard" not in files
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "mlp"
    # the same directory logged again continues its MLflow run (tracking.json)
    again = tracking.log_run(mlp_run)
    assert again.run_id == tracker.run_id and again.reopened
    assert len(client.get_metric_history(tracker.run_id, "loss")) == len(epochs)


def test_failed_run_and_bad_input(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "store").as_uri())
    run_dir = tmp_path / "runs" / "mlp" / "x"
    run_dir.mkdir(parents=True)
    tracker = tracking.Tracker(resolve(registry.get("mlp"), profile="smoke"), run_dir).start()
    tracker.fail(ValueError("the loss became NaN"))
    run = _client(tracker.uri).get_run(tracker.run_id)
    assert run.info.status == "FAILED"
    assert run.data.tags["dlrecipes.error"] == "the loss became NaN"
    with pytest.raises(RecipeError, match="log_run expects a completed run directory"):
        tracking.log_run(run_dir)
    with pytest.raises(RecipeError, match="unknown tracker train.track='wandb'"):
        tracking.check_tracker("wandb")
    assert tracking.check_tracker("mlflow") == "mlflow"


def test_a_run_with_train_track_mlflow_logs_itself(tmp_path, monkeypatch):
    """``--set train.track=mlflow`` on the command line: the supervised run starts the
    tracker after its directory exists, logs every epoch and finishes with its metrics."""
    from dlrecipes.cli import main

    uri = (tmp_path / "store").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    out = tmp_path / "runs"
    args = ["run", "mlp", "--smoke", "--quiet", "--set", "train.track=mlflow", "--out", str(out)]
    assert main(args) == 0
    (run_dir,) = (out / "mlp").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    run_id = json.loads((run_dir / tracking.TRACKING_FILE).read_text())["run_id"]
    run = _client(uri).get_run(run_id)
    assert run.info.status == "FINISHED" and run.data.params["train.track"] == "mlflow"
    assert run.data.metrics["test.accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    epochs = _client(uri).get_metric_history(run_id, "loss")
    assert len(epochs) == metrics["epochs_run"]


def test_an_unknown_tracker_is_a_one_line_error():
    with pytest.raises(RecipeError, match="train.track must be one of , mlflow"):
        resolve(registry.get("mlp"), overrides=["train.track=wandb"])
