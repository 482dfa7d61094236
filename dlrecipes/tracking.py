"""Experiment tracking beyond TensorBoard: a run logged to MLflow (``train.track=mlflow``).

What a tracked run records in its MLflow run (one per run directory):

- **parameters**: the resolved recipe that ran, flattened to dotted paths
  (``train.learning_rate = 0.001``, ``model.options.units = [256, 128]``; profiles,
  search spaces and variants are left out: they are not what ran);
- **per-epoch metrics**: the Keras logs of every epoch (``loss``, ``val_accuracy``, ...)
  at ``step = epoch`` (0-based, as in ``history.csv``), live through
  :meth:`Tracker.callback`, or read back from ``history.csv`` / ``episodes.csv``;
- **final metrics**: the numbers of ``metrics.json`` as dotted keys (``test.accuracy``,
  ``expect.value``, ``fit_time_s``);
- **artifacts**: the run directory's files (``recipe.toml``, ``metrics.json``,
  ``history.csv``, ``model.keras``, ``plots/``, ``best/``, ``export/``...; not the
  ``tensorboard/`` logs nor resume state such as ``backup/`` and ``checkpoint/``);
- **tags**: ``mlflow.runName`` (the run directory's name), ``dlrecipes.run_dir``,
  ``dlrecipes.recipe``, ``dlrecipes.backend``; the experiment is the recipe's name.

Where it goes: ``MLFLOW_TRACKING_URI`` when set (any store MLflow knows: a server
``http://...``, ``sqlite:///mlflow.db``, ``databricks``), else a local file store
``file:<runs root>/mlruns`` beside the run directories (``runs/mlruns`` for ``--out
runs``); browse it with ``mlflow ui --backend-store-uri runs/mlruns`` (the UI is the
full ``mlflow`` package). MLflow 3 keeps its file store in maintenance mode and asks
for ``MLFLOW_ALLOW_FILE_STORE=true``; a tracker using a ``file:`` store sets it.

The run's MLflow id is kept in ``RUN_DIR/tracking.json``, so a resumed run (and
:func:`log_run` of the same directory) continues the same MLflow run instead of
starting another.

Two ways in:

- live, while training: ``tracker = Tracker(recipe, run_dir); tracker.start()``; pass
  ``tracker.callback()`` to ``model.fit``; ``tracker.finish(metrics)`` after
  ``metrics.json`` is written (``tracker.fail(error)`` if the run raised);
- after the fact: :func:`log_run` logs a completed run directory (its recipe, history,
  metrics and files) in one call.

MLflow is the optional ``tracking`` extra (``pip install 'dlrecipes[tracking]'``); it
is imported only when a tracker starts.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dlrecipes.spec import Recipe, RecipeError, recipe_from_toml, recipe_to_toml
from dlrecipes.spec.schema import TRACKERS  # ``train.track`` values: none, or MLflow

EXTRA = "tracking"
#: Where a run directory keeps its MLflow run id.
TRACKING_FILE = "tracking.json"
#: Recipe tables that are not what ran (not logged as parameters).
NOT_PARAMETERS = ("profiles", "search", "variants")
#: ``metrics.json`` entries that are not final metrics (per-class reports, versions).
NOT_METRICS = ("classification", "versions", "evaluation", "parameters")
#: Files and folders of a run directory not logged as artifacts (logs, resume state).
NOT_ARTIFACTS = ("tensorboard", "backup", "backup.old", "backup.tmp", "checkpoint")
#: MLflow's limits: parameters per batch, metrics per batch, characters per value.
PARAMS_PER_BATCH, METRICS_PER_BATCH, MAX_VALUE = 100, 1000, 6000


def check_tracker(name: str) -> str:
    """The tracker named by ``train.track`` (``""`` for none), checked.

    Raises:
        RecipeError: an unknown name, listing the known ones.
    """
    if name not in TRACKERS:
        raise RecipeError(
            f"unknown tracker train.track={name!r}. Expected one of: "
            f"{', '.join(repr(t) for t in TRACKERS)} ('' for none)"
        )
    return name


def _mlflow():
    try:
        import mlflow
    except ImportError:
        raise RecipeError(
            f"train.track=mlflow needs the {EXTRA!r} extra: pip install 'dlrecipes[{EXTRA}]'"
        ) from None
    return mlflow


def tracking_uri(run_dir: str | Path) -> str:
    """``MLFLOW_TRACKING_URI``, else the file store ``file:<runs root>/mlruns``.

    The runs root is the folder above the recipe's folder: ``runs/mlp/<stamp>`` ->
    ``runs/mlruns``.
    """
    uri = os.environ.get("MLFLOW_TRACKING_URI", "").strip()
    if uri:
        return uri
    root = Path(run_dir).absolute().parent.parent
    return (root / "mlruns").as_uri()


def recipe_parameters(recipe: Recipe) -> dict[str, str]:
    """The resolved recipe as ``{dotted path: value}`` (lists and tables as JSON)."""
    table = tomllib.loads(recipe_to_toml(recipe))
    out: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
            return
        text = json.dumps(value) if isinstance(value, (list, dict, bool)) else str(value)
        out[prefix] = text[:MAX_VALUE]

    walk("", {k: v for k, v in table.items() if k not in NOT_PARAMETERS})
    return out


def final_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The finite numbers of a ``metrics.json`` as ``{dotted key: value}``."""
    out: dict[str, float] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(float(value)):
                out[prefix] = float(value)

    walk("", {k: v for k, v in metrics.items() if k not in NOT_METRICS})
    return out


def _numbers(row: Mapping[str, str]) -> dict[str, float]:
    out = {}
    for key, text in row.items():
        try:
            value = float(text)
        except (TypeError, ValueError):
            continue
        if math.isfinite(value):
            out[key] = value
    return out


class Tracker:
    """One run directory's MLflow run.

    Args:
        recipe: the resolved recipe (logged as parameters).
        run_dir: the run directory (its name is the MLflow run's name).
        uri: the tracking URI (default :func:`tracking_uri`).
    """

    def __init__(self, recipe: Recipe, run_dir: str | Path, uri: str | None = None):
        self.recipe = recipe
        self.run_dir = Path(run_dir)
        self.uri = uri or tracking_uri(self.run_dir)
        self.client = None
        self.run_id: str | None = None
        self.reopened = False  # True when start() continued the run of tracking.json

    # --------------------------------------------------------------------- lifecycle

    def start(self) -> Tracker:
        """Open (or, for a resumed run directory, reopen) the MLflow run; log the recipe."""
        mlflow = _mlflow()
        if self.uri.startswith("file:"):  # MLflow 3's file store is opt-in
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self.client = mlflow.tracking.MlflowClient(tracking_uri=self.uri)
        previous = self._previous_run_id()
        if previous is not None:
            self.run_id, self.reopened = previous, True
            self.client.update_run(previous, status="RUNNING")
            return self
        experiment = self.client.get_experiment_by_name(self.recipe.name)
        experiment_id = (
            experiment.experiment_id
            if experiment is not None
            else self.client.create_experiment(self.recipe.name)
        )
        import keras

        run = self.client.create_run(
            experiment_id,
            run_name=self.run_dir.name,
            tags={
                "dlrecipes.run_dir": str(self.run_dir.absolute()),
                "dlrecipes.recipe": self.recipe.name,
                "dlrecipes.backend": keras.backend.backend(),
            },
        )
        self.run_id = run.info.run_id
        self._remember(experiment_id)
        self.log_params(recipe_parameters(self.recipe))
        return self

    def _previous_run_id(self) -> str | None:
        path = self.run_dir / TRACKING_FILE
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or saved.get("uri") != self.uri:
            return None
        try:
            self.client.get_run(saved["run_id"])
        except Exception:  # gone from the store (deleted, another store): start afresh
            return None
        return saved["run_id"]

    def _remember(self, experiment_id: str) -> None:
        from dlrecipes import atomic

        atomic.write_json(
            self.run_dir / TRACKING_FILE,
            {
                "tracker": "mlflow",
                "uri": self.uri,
                "experiment_id": experiment_id,
                "run_id": self.run_id,
            },
        )

    def finish(self, metrics: Mapping[str, Any] | None = None) -> None:
        """Log the final metrics and the run directory's files; mark the run finished."""
        self._require()
        if metrics is None and (self.run_dir / "metrics.json").is_file():
            metrics = json.loads((self.run_dir / "metrics.json").read_text())
        if metrics:
            self.log_metrics(final_metrics(metrics))
        self.log_artifacts()
        self.client.set_terminated(self.run_id, status="FINISHED")

    def fail(self, error: BaseException | None = None) -> None:
        """Mark the run failed (``KILLED`` when interrupted), keeping what was logged."""
        self._require()
        status = "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED"
        if error is not None:
            self.client.set_tag(self.run_id, "dlrecipes.error", str(error)[:MAX_VALUE])
        self.client.set_terminated(self.run_id, status=status)

    def _require(self) -> None:
        if self.run_id is None:
            raise RuntimeError("the tracker has not started: call start() first")

    # --------------------------------------------------------------------- logging

    def log_params(self, params: Mapping[str, str]) -> None:
        from mlflow.entities import Param

        self._require()
        items = [Param(key, value) for key, value in params.items()]
        for i in range(0, len(items), PARAMS_PER_BATCH):
            self.client.log_batch(self.run_id, params=items[i : i + PARAMS_PER_BATCH])

    def log_metrics(self, values: Mapping[str, float], step: int = 0) -> None:
        """Log ``{name: value}`` at ``step`` (non-finite values are left out)."""
        from mlflow.entities import Metric

        self._require()
        now = int(time.time() * 1000)
        items = [
            Metric(key, float(value), now, int(step))
            for key, value in values.items()
            if isinstance(value, (int, float)) and math.isfinite(float(value))
        ]
        for i in range(0, len(items), METRICS_PER_BATCH):
            self.client.log_batch(self.run_id, metrics=items[i : i + METRICS_PER_BATCH])

    def log_history(self, rows: Iterable[Mapping[str, str]], step_key: str = "epoch") -> int:
        """Log rows of a CSV history (``history.csv``: one per epoch); returns the count."""
        count = 0
        for index, row in enumerate(rows):
            values = _numbers(row)
            step = int(values.pop(step_key, index))
            self.log_metrics(values, step=step)
            count += 1
        return count

    def log_artifacts(self) -> list[str]:
        """Log the run directory's files (:data:`NOT_ARTIFACTS` left out); returns names."""
        self._require()
        logged = []
        for path in sorted(self.run_dir.iterdir()):
            if path.name in NOT_ARTIFACTS or path.name.endswith(".tmp"):
                continue
            if path.is_dir():
                if any(path.iterdir()):
                    self.client.log_artifacts(self.run_id, str(path), artifact_path=path.name)
                    logged.append(path.name)
            elif path.is_file():
                self.client.log_artifact(self.run_id, str(path))
                logged.append(path.name)
        return logged

    def callback(self):
        """A Keras callback logging each epoch's logs at ``step = epoch``."""
        import keras

        tracker = self

        class MLflowEpochs(keras.callbacks.Callback):
            """Logs ``logs`` of every epoch to the tracker's MLflow run."""

            def on_epoch_end(self, epoch, logs=None):
                tracker.log_metrics(dict(logs or {}), step=epoch)

        return MLflowEpochs()


def log_run(run_dir: str | Path, uri: str | None = None) -> Tracker:
    """Log a completed run directory to MLflow in one call.

    Its ``recipe.toml`` as parameters, ``history.csv`` (supervised: one row per epoch)
    or ``episodes.csv`` (RL: one row per episode, at ``step = episode``) as per-step
    metrics, ``metrics.json`` as final metrics and its files as artifacts.

    Returns:
        The finished :class:`Tracker` (``tracker.run_id``, ``tracker.uri``).

    Raises:
        RecipeError: not a completed run directory, or MLflow is not installed.
    """
    run_dir = Path(run_dir)
    if not (run_dir / "recipe.toml").is_file() or not (run_dir / "metrics.json").is_file():
        raise RecipeError(
            "log_run expects a completed run directory (recipe.toml and metrics.json). "
            f"Received: {str(run_dir)!r}"
        )
    tracker = Tracker(recipe_from_toml(run_dir / "recipe.toml"), run_dir, uri=uri).start()
    for name, step_key in (("history.csv", "epoch"), ("episodes.csv", "episode")):
        if (run_dir / name).is_file() and not tracker.reopened:  # else logged already
            with open(run_dir / name, newline="") as handle:
                tracker.log_history(csv.DictReader(handle), step_key=step_key)
    tracker.finish()
    return tracker
