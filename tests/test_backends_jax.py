"""Backends: the ``backends``-marked tests again under ``KERAS_BACKEND=jax``, and a smoke run.

Keras picks its backend once per process, so the JAX pass is a subprocess. It
collects the marker from the whole ``tests`` tree: the layer, builder, loss,
metric, backprop and experiment-helper tests (``tests/layers``, ``tests/models``,
``tests/experiments``, ``tests/test_backprop.py``, ...) carry it, since layers and
builders use ``keras.ops`` only; this proves it.

``test_smoke_run_on_this_backend`` is itself ``backends``-marked: the whole path
(data, build, fit, evaluate, save) runs once on each backend.
"""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import pytest

import dlrecipes
from tests.conftest import REPO_ROOT


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND") == "jax", reason="already running under JAX")
def test_backend_neutral_suite_passes_under_jax():
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "backends and not slow",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    tail = "\n".join(result.stdout.splitlines()[-30:])
    assert result.returncode == 0, tail + result.stderr[-3000:]
    assert " passed" in tail and " failed" not in tail, tail


@pytest.mark.backends
def test_smoke_run_on_this_backend(tmp_path):
    result = dlrecipes.run("mlp", smoke=True, out=tmp_path, verbose=0)
    assert result.metrics["backend"] == keras.backend.backend()
    assert result.metrics["test"]["accuracy"] > 0.3
    assert (result.run_dir / "model.keras").is_file()
