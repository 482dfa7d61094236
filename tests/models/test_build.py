"""dlrecipes.models.build: the inference wrapper (min-max normalisation)."""

from __future__ import annotations

import numpy as np
import pytest

import dlrecipes
from dlrecipes.models.build import min_max_layer
from dlrecipes.runs.saved import load_run_model
from dlrecipes.spec import RecipeError

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_min_max_layer_maps_each_training_feature_to_0_1_and_a_constant_one_to_x_minus_min():
    x_train = np.array([[0.0, 10.0, 5.0], [4.0, 30.0, 5.0], [2.0, 20.0, 5.0]], dtype="float32")
    layer = min_max_layer(x_train)
    out = np.asarray(layer(x_train))
    np.testing.assert_allclose(out, [[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.5, 0.5, 0.0]], atol=1e-6)
    # a new input outside the training range goes outside [0, 1], as (x - min) / (max - min)
    np.testing.assert_allclose(
        np.asarray(layer(np.array([[6.0, 0.0, 7.0]]))), [[1.5, -0.5, 2.0]], atol=1e-5
    )


def test_min_max_on_images_is_per_channel():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 7, (5, 4, 4, 2)).astype("float32")
    out = np.asarray(min_max_layer(x)(x))
    np.testing.assert_allclose(out.min(axis=(0, 1, 2)), [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(out.max(axis=(0, 1, 2)), [1.0, 1.0], atol=1e-6)


def test_a_minmax_run_keeps_the_layer_in_the_saved_model(tmp_path):
    result = dlrecipes.run(
        "softmax_regression",
        smoke=True,
        overrides=["data.scale=minmax", "train.tensorboard=false"],
        out=tmp_path,
        verbose=0,
    )
    assert "minmax" in [layer.name for layer in result.model.layers]
    splits = dlrecipes.data.load(result.recipe.data, seed=result.recipe.seed)
    assert splits.x_train.max() == 16.0  # raw digits: the model scales them itself
    reloaded = load_run_model(result.run_dir)
    np.testing.assert_allclose(
        reloaded.predict(splits.x_test[:8], verbose=0),
        result.model.predict(splits.x_test[:8], verbose=0),
        atol=1e-6,
    )


def test_an_unknown_scale_names_the_choices():
    with pytest.raises(RecipeError, match="minmax"):
        dlrecipes.run("softmax_regression", smoke=True, overrides=["data.scale=zscore"])
