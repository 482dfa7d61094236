"""dlrecipes.reports.depth and the plain_vs_residual_depth recipe's arms."""

from __future__ import annotations

import numpy as np
import pytest

import dlrecipes
from dlrecipes import registry
from dlrecipes.models import resnet_small
from dlrecipes.reports import get
from dlrecipes.reports.depth import weighted_layers
from tests.helpers import make_splits


@pytest.mark.parametrize("depth, blocks", [(8, 3), (20, 9), (32, 15)])
def test_arms_have_he_et_al_depths_and_equal_parameters(depth, blocks):
    recipe = registry.get("plain_vs_residual_depth")
    variants = {v.name: dict(v.overrides) for v in recipe.variants}
    assert variants[f"plain_{depth}"]["model.options.num_blocks"] == blocks
    assert variants[f"residual_{depth}"]["model.options.residual"] is True
    plain = resnet_small(input_shape=(8, 8, 1), num_blocks=blocks, residual=False)
    residual = resnet_small(input_shape=(8, 8, 1), num_blocks=blocks, residual=True)
    assert weighted_layers(plain) == weighted_layers(residual) == depth
    assert plain.count_params() == residual.count_params()  # shortcuts add no weights


def test_report_counts_shortcuts_and_the_training_error(tmp_path):
    model = resnet_small(input_shape=(8, 8, 1), num_blocks=2)
    x = np.random.default_rng(0).normal(size=(12, 8, 8, 1)).astype("float32")
    y = np.arange(12) % 10
    out = get("depth")(model, make_splits(x, y, num_classes=10), None, tmp_path)
    accuracy = np.mean(model.predict(x, verbose=0).argmax(-1) == y)
    assert out == {
        "weighted_layers": 6,
        "shortcuts": 2,
        "train_error_percent": pytest.approx(100 * (1 - accuracy)),
    }


def test_smoke_run_reports_the_depth(tmp_path):
    result = dlrecipes.run("plain_vs_residual_depth", smoke=True, out=tmp_path, verbose=0)
    report = result.metrics["reports"]["depth"]
    assert (report["weighted_layers"], report["shortcuts"]) == (4, 1)  # smoke: one block


@pytest.mark.slow
def test_the_32_layer_residual_default_reaches_its_target(tmp_path):
    result = dlrecipes.run("plain_vs_residual_depth", out=tmp_path, verbose=0)
    assert result.metrics["reports"]["depth"]["weighted_layers"] == 32
    assert result.reached is True
