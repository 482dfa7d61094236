"""dlrecipes.reports.model_parts: the builder's model inside the run's wrapper."""

from __future__ import annotations

import keras
import numpy as np

from dlrecipes.reports.model_parts import base_inputs, base_model, weight_layers


def _mlp():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="tanh", name="hidden_1")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="output")(hidden), name="mlp")


def test_a_bare_model_is_its_own_base():
    model = _mlp()
    x = np.ones((2, 3), "float32")
    assert base_model(model) is model
    np.testing.assert_array_equal(base_inputs(model, x), x)
    assert [layer.name for layer in weight_layers(model)] == ["hidden_1", "output"]


def test_a_wrapped_model_gives_its_base_and_standardised_inputs():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 3)).astype("float32")
    base = _mlp()
    inputs = keras.Input((3,))
    normalization = keras.layers.Normalization(axis=-1)
    normalization.adapt(x)
    outputs = keras.layers.Activation("linear", dtype="float32")(base(normalization(inputs)))
    wrapped = keras.Model(inputs, outputs)
    assert base_model(wrapped) is base
    expected = (x - x.mean(axis=0)) / x.std(axis=0)
    np.testing.assert_allclose(base_inputs(wrapped, x), expected, rtol=1e-4, atol=1e-4)
    assert [layer.name for layer in weight_layers(wrapped)] == ["hidden_1", "output"]
