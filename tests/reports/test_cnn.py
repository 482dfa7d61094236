"""dlrecipes.reports.cnn: learned filters and feature maps, on bare and wrapped models."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlrecipes import reports
from dlrecipes.reports import cnn
from tests.helpers import assert_png, make_splits, unit_recipe


def _digits(count=2, size=32, seed=0):
    x = np.random.default_rng(seed).uniform(size=(count, size, size, 1)).astype("float32")
    return make_splits(x, np.arange(count) % 10, num_classes=10)


def test_reports_on_a_bare_lenet5(tmp_path):
    from dlrecipes.models import lenet5

    model, splits = lenet5(), _digits()
    assert reports.get("filters")(model, splits, unit_recipe(), tmp_path) == {
        "layer": "C1",
        "num_filters": 6,
        "kernel_size": [5, 5],
    }
    result = reports.get("feature_maps")(model, splits, unit_recipe(), tmp_path)
    assert result["label"] == "0" and result["example"] == 0
    assert list(result["shapes"]) == ["input", "C1", "S2", "C3", "S4", "C5"]
    assert result["shapes"]["C5"] == [1, 1, 120]
    assert_png(tmp_path / "plots" / "filters.png")
    assert_png(tmp_path / "plots" / "feature_maps.png")


def test_filters_of_a_connection_table_layer_show_one_kernel_per_map(tmp_path):
    from dlrecipes.layers.connection_table_conv2d import ConnectionTableConv2D

    inputs = keras.Input((14, 14, 6))
    model = keras.Model(inputs, ConnectionTableConv2D(kernel_size=5, name="C3")(inputs))
    result = cnn.filters(model, None, unit_recipe(), tmp_path)
    assert result == {"layer": "C3", "num_filters": 16, "kernel_size": [5, 5]}


def test_plot_feature_maps_annotated_writes_a_png(tmp_path):
    maps = {"image": np.eye(6), "maps": np.arange(32, dtype=float).reshape(4, 4, 2)}
    cnn.plot_feature_maps(maps, tmp_path / "demo.png", title="demo", annotate=True)
    assert_png(tmp_path / "demo.png")


def test_plot_filters_and_feature_maps_name_a_wrong_shape(tmp_path):
    with pytest.raises(ValueError, match=r"Received: shape \(5, 5\)"):
        cnn.plot_filters(np.zeros((5, 5)), tmp_path / "f.png")
    with pytest.raises(ValueError, match="at least one array"):
        cnn.plot_feature_maps({}, tmp_path / "m.png")


def test_feature_maps_need_image_inputs(tmp_path):
    splits = make_splits(np.zeros((3, 4), "float32"), np.array([0, 1, 0]))
    with pytest.raises(
        ValueError, match=r"needs image inputs .* Received: inputs of shape \(3, 4\)"
    ):
        cnn.feature_maps(None, splits, unit_recipe(), tmp_path)


def test_feature_maps_of_a_wrapped_model_see_the_standardized_input():
    from dlrecipes.experiments.cnn import cross_correlate
    from dlrecipes.models import convnet

    x = np.random.default_rng(1).uniform(size=(8, 28, 28, 1)).astype("float32")
    base = convnet()
    inputs = keras.Input((28, 28, 1))
    normalization = keras.layers.Normalization(axis=-1)
    normalization.adapt(x)
    shifted = keras.layers.RandomTranslation(0.2, 0.2)(inputs)
    wrapped = keras.Model(inputs, base(normalization(shifted)))
    assert cnn.base_model(wrapped) is base and cnn.base_model(base) is base
    expected = (x - x.mean()) / x.std()
    np.testing.assert_allclose(cnn.base_inputs(wrapped, x), expected, rtol=1e-3, atol=1e-3)
    maps = cnn.feature_maps_of(wrapped, x[0])
    np.testing.assert_allclose(maps["input"], expected[0], rtol=1e-3, atol=1e-3)
    conv = base.get_layer("conv_1")
    by_hand = cross_correlate(expected[0, :, :, 0], conv.get_weights()[0][:, :, 0, 0])
    by_hand = np.maximum(by_hand + conv.get_weights()[1][0], 0.0)  # bias, ReLU
    np.testing.assert_allclose(maps["conv_1"][:, :, 0], by_hand, rtol=1e-4, atol=1e-4)
