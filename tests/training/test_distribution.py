"""``train.distribution=data_parallel`` equals one device with the same global batch.

Each backend runs in its own subprocess with two simulated CPU devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=2`` for JAX; two logical CPU
devices for TensorFlow). The same recipe trains once on one device and once
data-parallel over both, through ``dlrecipes.runs.run`` (the real run path);
the per-epoch losses and the final weights must agree to float32 rounding.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlrecipes import registry
from dlrecipes.recipe import RecipeError
from dlrecipes.spec import resolve

REPO_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os, sys
backend, out = sys.argv[1], sys.argv[2]
import keras
import numpy as np
if backend == "tensorflow":
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    )
from dlrecipes.runs import run
from dlrecipes.training.distribution import devices

overrides = [
    "data.limit=256", "train.epochs=3", "train.batch_size=64", "train.optimizer=sgd",
    "train.learning_rate=0.5", "train.shuffle=false", "train.tensorboard=false",
] + (["train.jit_compile=false"] if backend == "tensorflow" else [])
results = {}
for distribution in ("none", "data_parallel"):
    result = run(
        "softmax_regression",
        smoke=True,
        overrides=overrides + [f"train.distribution={distribution}"],
        out=os.path.join(out, distribution),
        verbose=0,
    )
    saved = keras.saving.load_model(result.run_dir / "model.keras")
    results[distribution] = {
        "loss": [float(v) for v in result.history["loss"]],
        "weights": [np.asarray(w).tolist() for w in saved.get_weights()],
        "test_accuracy": result.metrics["test"]["accuracy"],
    }
one, parallel = results["none"], results["data_parallel"]
loss_error = max(abs(a - b) for a, b in zip(one["loss"], parallel["loss"]))
weight_error = max(
    float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
    for a, b in zip(one["weights"], parallel["weights"])
)
print(json.dumps({
    "devices": len(devices()),
    "loss_single": one["loss"],
    "loss_parallel": parallel["loss"],
    "max_loss_error": loss_error,
    "max_weight_error": weight_error,
    "test_accuracy": [one["test_accuracy"], parallel["test_accuracy"]],
}))
"""


def _run(backend: str, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "XLA_FLAGS")}
    env["KERAS_BACKEND"] = backend
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if backend == "jax":
        pytest.importorskip("jax")
        env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
        env["JAX_PLATFORMS"] = "cpu"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, backend, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_data_parallel_matches_one_device_with_the_same_global_batch(backend, tmp_path):
    result = _run(backend, tmp_path)
    print(backend, json.dumps(result))  # the equivalence errors, for the README
    assert result["devices"] == 2
    assert len(result["loss_single"]) == 3
    assert result["loss_single"][-1] < result["loss_single"][0], "it trained"
    assert result["max_loss_error"] < 1e-5, result
    assert result["max_weight_error"] < 1e-5, result


def test_an_unknown_distribution_is_one_line_error():
    with pytest.raises(RecipeError, match="train.distribution must be one of none, data_parallel"):
        resolve(registry.get("softmax_regression"), overrides={"train.distribution": "ddp"})


def test_tensorflow_multi_worker_and_xla_are_refused_in_one_line(monkeypatch):
    import keras

    from dlrecipes.training.distribution import distribution_scope

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the TensorFlow path")
    with pytest.raises(RecipeError, match="needs train.jit_compile=false"):
        with distribution_scope("data_parallel", jit_compile=True):
            pass
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1", "b:2"]}}))
    with pytest.raises(RecipeError, match="keras-team/keras#20585"):
        with distribution_scope("data_parallel"):
            pass
