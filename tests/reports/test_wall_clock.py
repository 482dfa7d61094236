"""The wall_clock probe: a running training clock and the loss, per epoch."""

import time

import numpy as np
import pytest

from dlrecipes.reports.probes import read_series, run_probes
from tests.helpers import make_splits, unit_recipe

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_clock_runs_between_calls_and_the_loss_is_recorded(tmp_path):
    import keras

    from dlrecipes.models.linear import softmax_regression

    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = softmax_regression((3,), 2)
    splits = make_splits(x, y)
    recipe = unit_recipe(probes=("wall_clock",))
    scalars = run_probes(recipe.probes, "init", model, splits, recipe, tmp_path)
    assert scalars["training_seconds"] == 0.0
    expected = keras.losses.SparseCategoricalCrossentropy()(y, model(x))
    assert scalars["probe_loss"] == pytest.approx(float(expected), rel=1e-5)
    for _ in range(2):
        time.sleep(0.2)  # "training"
        scalars = run_probes(recipe.probes, "epoch", model, splits, recipe, tmp_path)
    times = read_series(tmp_path)["training_seconds"]["values"]
    assert len(times) == 3 and len(read_series(tmp_path)["probe_loss"]["values"]) == 3
    assert 0.4 <= times[-1] < 10.0 and np.all(np.diff(times) >= 0.2)  # a loaded machine is slow
    assert scalars["seconds_per_epoch"] == pytest.approx(times[-1] / 2)
    assert (tmp_path / "plots" / "loss_vs_wall_time.png").is_file()
