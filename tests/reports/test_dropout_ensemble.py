"""Dropout as an ensemble: the report's numbers on exact and trained ensembles."""

import itertools

import numpy as np
import pytest

from dlrecipes.reports.dropout_ensemble import dropout_ensemble, ensemble_metrics
from dlrecipes.spec import RecipeError
from tests.helpers import make_splits, unit_recipe

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def test_weight_scaling_is_the_geometric_mean_for_one_softmax_layer():
    # Dropout (p = 0.5, inverted) on 4 inputs of one softmax layer: all 16 masks are
    # equally likely; the normalised geometric mean of their predictions is
    # softmax(W x + b), the weight-scaled network (Srivastava et al. 2014, 7.5).
    rng = np.random.default_rng(0)
    w, b, x = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(20, 4))
    masks = np.array(list(itertools.product([0.0, 2.0], repeat=4)))  # m / (1 - p)
    samples = np.stack([_softmax((x * m) @ w + b) for m in masks])  # (16, 20, 3)
    scaled = _softmax(x @ w + b)
    y = scaled.argmax(axis=1)
    result = ensemble_metrics(scaled, samples, y)
    assert result["geometric_mean_abs_probability_gap"] < 1e-12
    assert result["mean_abs_probability_gap"] > 1e-3  # the arithmetic mean is not exact
    assert result["weight_scaling_accuracy"] == result["mc_geometric_accuracy"] == 1.0
    assert result["num_samples"] == 16


def test_report_on_a_trained_dropout_network(tmp_path):
    import keras

    from dlrecipes.models.foundations import lecture_mlp

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    keras.utils.set_random_seed(0)
    model = lecture_mlp(input_shape=(4,), num_classes=2, units=32, dropout=0.5)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    recipe = unit_recipe()
    result = dropout_ensemble(model, make_splits(x, y), recipe, tmp_path)
    assert result["weight_scaling_accuracy"] > 0.9
    assert abs(result["mc_accuracy"] - result["weight_scaling_accuracy"]) < 0.05
    assert result["argmax_agreement"] > 0.95 and result["mean_abs_probability_gap"] < 0.05
    assert result["single_subnetwork_accuracy"] <= result["mc_accuracy"] + 0.02
    assert (tmp_path / "plots" / "dropout_ensemble.png").is_file()
    with pytest.raises(RecipeError, match="Dropout layer"):
        dropout_ensemble(
            lecture_mlp((4,), 2, units=4, dropout=0.0), make_splits(x, y), recipe, tmp_path
        )
