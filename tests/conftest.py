"""Shared test fixtures: paths to the shared real data, a quiet TensorFlow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
MNIST_8K = SHARED_DATA / "mnist-8k"
TINY_SHAKESPEARE = SHARED_DATA / "tinyshakespeare" / "input.txt"


def _require(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared test data missing in CI: {path}")
        pytest.skip(f"shared test data not found: {path}")
    return path


@pytest.fixture(autouse=True)
def _xla_not_blocked_by_op_determinism():
    """A run with ``jit_compile=False`` turns on TensorFlow's (process-wide) op
    determinism, which makes Keras refuse XLA for every model compiled afterwards in
    the same worker. Each test starts with it off, as a fresh process would."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
        try:
            from tensorflow.python.framework import config
        except ImportError:
            pass
        else:
            config.disable_op_determinism()
    yield


@pytest.fixture
def mnist_dir() -> Path:
    """The 8,000-digit MNIST IDX directory beside the repository (../shared/data/mnist-8k)."""
    return _require(MNIST_8K)


@pytest.fixture
def shakespeare_file() -> Path:
    """Tiny Shakespeare (../shared/data/tinyshakespeare/input.txt)."""
    return _require(TINY_SHAKESPEARE)


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
