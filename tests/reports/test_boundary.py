"""dlrecipes.reports.boundary: decision boundaries in the plane."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlrecipes.reports.boundary import decision_boundary, draw_boundary
from dlrecipes.reports.figures import pyplot, save
from dlrecipes.spec import DataSpec, RecipeError
from tests.helpers import assert_png, make_splits, unit_recipe


def _logistic(weights, bias):
    inputs = keras.Input((2,))
    dense = keras.layers.Dense(1, activation="sigmoid", name="output")
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.array(weights, "float32").reshape(2, 1), np.array([bias], "float32")])
    return model


def test_decision_boundary_of_logistic_regression_reports_its_line(tmp_path):
    x = np.random.default_rng(0).normal(size=(60, 2)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0.5).astype("int32")
    model = _logistic([2.0, -2.0], -1.0)  # the boundary x1 - x2 = 0.5 exactly
    out = decision_boundary(model, make_splits(x, y), unit_recipe(), tmp_path)
    assert out == {"w1": 2.0, "w2": -2.0, "b": -1.0}
    assert_png(tmp_path / "plots" / "decision_boundary.png")


def test_decision_boundary_of_standardised_inputs_reports_no_line(tmp_path):
    x = np.random.default_rng(1).normal(size=(30, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    recipe = unit_recipe(data=DataSpec(standardize=True))
    assert decision_boundary(_logistic([1.0, 0.0], 0.0), make_splits(x, y), recipe, tmp_path) == {}


def test_decision_boundary_of_a_softmax_classifier(tmp_path):
    x = np.random.default_rng(2).normal(size=(45, 2)).astype("float32")
    y = np.digitize(x[:, 0], [-0.5, 0.5]).astype("int32")
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    splits = make_splits(x, y, num_classes=3)
    assert decision_boundary(model, splits, unit_recipe(), tmp_path) == {}
    assert_png(tmp_path / "plots" / "decision_boundary.png")


def test_decision_boundary_needs_two_dimensional_inputs(tmp_path):
    splits = make_splits(np.zeros((4, 3), "float32"), np.array([0, 1, 0, 1]))
    with pytest.raises(RecipeError, match="needs 2-D inputs and classes. Received: unit"):
        decision_boundary(None, splits, unit_recipe(), tmp_path)


def test_draw_boundary_of_a_sign_and_of_a_constant(tmp_path):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
    y = np.array([-1, 1, 1, 1])
    fig, axes = pyplot().subplots(1, 2)
    draw_boundary(axes[0], lambda g: np.sign(g.sum(axis=1) - 0.5), x, y, "or", [-1.5, 0, 1.5], 0.0)
    draw_boundary(axes[1], lambda g: np.zeros(len(g)), x, y, "w = 0", boundary=0.0)
    assert_png(save(fig, tmp_path / "boundaries.png"))
