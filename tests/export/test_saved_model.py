"""A run's ``model.keras`` is clean: it loads in a fresh interpreter in safe mode, holds
no training-only layers once exported, and crosses backends (TensorFlow <-> JAX).

The fresh interpreters are subprocesses: Keras picks its backend once per process, and
a fresh process proves that nothing but the file and the installed package is needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dlrecipes.export import load_inference, load_model
from tests.conftest import REPO_ROOT


def _python(code: str, backend: str = "tensorflow", timeout: int = 240):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def lenet5(smoke_runs, tmp_path_factory):
    """``(model.keras of a lenet5 smoke run, 16 test-like inputs, TensorFlow's outputs)``."""
    path = smoke_runs("lenet5") / "model.keras"
    x = np.random.default_rng(0).random((16, 32, 32, 1)).astype("float32")
    expected = np.asarray(load_model(path, compile=False)(x, training=False))
    folder = tmp_path_factory.mktemp("lenet5-io")
    np.save(folder / "x.npy", x)
    return path, folder, expected


def test_model_keras_loads_in_a_fresh_interpreter_in_safe_mode(lenet5):
    path, folder, expected = lenet5
    _python(
        f"""
        import sys
        import numpy as np
        import dlrecipes
        assert "tensorflow" not in sys.modules  # importing the package loads nothing heavy
        model = dlrecipes.load_model({str(path)!r})  # safe mode, custom layers by name
        np.save({str(folder / "fresh.npy")!r}, np.asarray(model.predict(np.load(
            {str(folder / "x.npy")!r}), verbose=0)))
        import keras  # and once the package is imported, plain Keras loads it too
        keras.saving.load_model({str(path)!r}, safe_mode=True)
        """
    )
    np.testing.assert_array_equal(np.load(folder / "fresh.npy"), expected)


def test_saved_under_tensorflow_loads_under_jax_and_back(lenet5, tmp_path):
    pytest.importorskip("jax")
    path, folder, expected = lenet5
    resaved = tmp_path / "saved_under_jax.keras"
    _python(
        f"""
        import keras, numpy as np
        import dlrecipes.export
        assert keras.backend.backend() == "jax"
        model = dlrecipes.export.load_model({str(path)!r})
        x = np.load({str(folder / "x.npy")!r})
        np.save({str(folder / "jax.npy")!r}, np.asarray(model(x, training=False)))
        model.save({str(resaved)!r})
        """,
        backend="jax",
    )
    # XLA's and TensorFlow's convolution kernels sum in other orders: float32 rounding only
    np.testing.assert_allclose(np.load(folder / "jax.npy"), expected, rtol=1e-5, atol=1e-4)
    back = load_model(resaved, compile=False)  # saved under JAX, loaded here under TensorFlow
    np.testing.assert_allclose(
        np.asarray(back(np.load(folder / "x.npy"), training=False)), expected, rtol=1e-5, atol=1e-4
    )


def test_inference_model_drops_augmentation_keeps_standardisation(smoke_runs):
    run_dir = smoke_runs("lenet5")
    saved = load_model(run_dir / "model.keras", compile=False)
    # augmentation runs in the input pipeline (dlrecipes.data.augment): never saved
    assert not any(layer.name.startswith("augment_") for layer in saved.layers)
    inference = load_inference(run_dir, examples=32)
    names = [layer.name for layer in inference.model.layers]
    assert "standardize" in names
    assert not any(name.startswith("augment_") for name in names)
    assert inference.removed == ()
    (x,) = inference.examples[0]
    # the same layers, so the same numbers as the saved model in inference mode
    np.testing.assert_array_equal(inference.predict([x])[0], np.asarray(saved(x, training=False)))
