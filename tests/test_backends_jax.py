"""Run the backend-neutral tests (marker ``backends``) again under ``KERAS_BACKEND=jax``.

Keras picks its backend once per process, so the JAX pass is a subprocess. Layers
and builders use ``keras.ops`` only; this proves it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

jax = pytest.importorskip("jax")


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND") == "jax", reason="already running under JAX")
def test_backend_neutral_suite_passes_under_jax():
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
