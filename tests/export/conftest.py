"""Fixtures of the export tests: smoke runs made once per test session.

Exports convert TensorFlow graphs, so these tests run under the TensorFlow backend
only. The export runtimes are the ``export`` extra (part of ``test``): a machine
without them skips with the reason, CI (``CI`` set) fails instead.
"""

from __future__ import annotations

import importlib
import os

import keras
import pytest

import dlrecipes

collect_ignore_glob = [] if keras.backend.backend() == "tensorflow" else ["test_*.py"]


def require_runtime(module: str) -> None:
    """Skip (fail in CI) when an export runtime of the ``export`` extra is missing."""
    try:
        importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} (the 'export' extra) is missing in CI")
        pytest.skip(f"{module} is not installed: pip install 'dlrecipes[export]'")


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory):
    """``name -> run directory`` of smoke runs, each made on first use."""
    out = tmp_path_factory.mktemp("export-runs")
    made = {}

    def get(name: str):
        if name not in made:
            made[name] = dlrecipes.run(name, smoke=True, out=out, verbose=0).run_dir
        return made[name]

    return get
