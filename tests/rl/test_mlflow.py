"""``train.track=mlflow`` for RL runs (dlrecipes/runs/launch.py), against a real local
MLflow file store: the recipe as parameters, every episode, the final metrics, the files."""

from __future__ import annotations

import csv
import json

import pytest

from dlrecipes import tracking

mlflow = pytest.importorskip("mlflow", reason="mlflow is not installed: the 'tracking' extra")


def test_an_rl_run_with_train_track_mlflow_logs_itself(tmp_path, monkeypatch):
    from dlrecipes.cli import main

    uri = (tmp_path / "store").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    out = tmp_path / "runs"
    args = ["run", "q_learning_cliff", "--smoke", "--quiet"]
    assert main([*args, "--set", "train.track=mlflow", "--out", str(out)]) == 0
    (run_dir,) = (out / "q_learning_cliff").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    run_id = json.loads((run_dir / tracking.TRACKING_FILE).read_text())["run_id"]
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["agent.algorithm"] == "q_learning"
    assert run.data.params["agent.env_id"] == "CliffWalking-v1"
    assert run.data.metrics["test.eval_return_mean"] == pytest.approx(
        metrics["test"]["eval_return_mean"]
    )
    with (run_dir / "episodes.csv").open() as handle:
        episodes = list(csv.DictReader(handle))
    history = client.get_metric_history(run_id, "return")
    assert len(history) == len(episodes) == metrics["test"]["episodes"]
    assert [h.value for h in sorted(history, key=lambda h: h.step)] == [
        float(e["return"]) for e in episodes
    ]
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"metrics.json", "recipe.toml", "episodes.csv", "best", "plots"} <= artifacts
    assert "checkpoint" not in artifacts  # resume state stays out
