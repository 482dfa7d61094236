"""The activation_sparsity probe: exact zeros of ReLU units, none for sigmoid units."""

import numpy as np
import pytest

from dlrecipes.reports.probes import run_probes
from dlrecipes.reports.sparsity import hidden_outputs, sparsity
from tests.helpers import make_splits, unit_recipe

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_sparsity_counts_zeros_and_dead_units():
    outputs = [np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])]
    zero, dead = sparsity(outputs)
    assert zero == [pytest.approx(4 / 6)] and dead == [pytest.approx(1 / 3)]


def test_relu_layers_are_sparse_and_sigmoid_layers_are_not(tmp_path):
    import keras

    from dlrecipes.models.mlp import mlp

    x = np.random.default_rng(0).normal(size=(128, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    keras.utils.set_random_seed(0)
    relu = mlp(input_shape=(8,), num_classes=2, hidden_units=(32, 32), activation="relu")
    outputs = hidden_outputs(relu, x)
    assert [o.shape for o in outputs] == [(128, 32), (128, 32)]
    first = np.maximum(x @ relu.get_layer("hidden_1").get_weights()[0], 0)  # zero bias at init
    np.testing.assert_allclose(outputs[0], first, rtol=1e-5, atol=1e-6)
    recipe = unit_recipe(probes=("activation_sparsity",))
    scalars = run_probes(recipe.probes, "init", relu, make_splits(x, y), recipe, tmp_path)
    assert 0.3 < scalars["zero_fraction_init"] < 0.7  # symmetric weights: about half
    sigmoid = mlp(input_shape=(8,), num_classes=2, hidden_units=(32,), activation="sigmoid")
    scalars = run_probes(recipe.probes, "end", sigmoid, make_splits(x, y), recipe, tmp_path)
    assert scalars["zero_fraction_end"] == 0.0 and scalars["dead_unit_fraction_end"] == 0.0
    assert (tmp_path / "plots" / "activation_sparsity.png").is_file()
