"""dlrecipes.reports.depth and the plain_vs_residual_depth recipe's arms."""

from __future__ import annotations

import json

import numpy as np
import pytest

import dlrecipes
from dlrecipes import registry
from dlrecipes.models import resnet_small
from dlrecipes.reports import get
from dlrecipes.reports.depth import depth_sweep, weighted_layers
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


def _write_run(root, arm, seed, shortcuts, layers, loss, error):
    run = root / arm / "plain_vs_residual_depth" / f"run-s{seed}"
    run.mkdir(parents=True)
    metrics = {
        "reports": {
            "depth": {
                "weighted_layers": layers,
                "shortcuts": shortcuts,
                "train_error_percent": error,
            }
        },
        "evaluation": {"train": {"loss": loss}},
        "test": {"accuracy": 0.9},
    }
    (run / "metrics.json").write_text(json.dumps(metrics))


def test_depth_sweep_groups_seeds_by_kind_and_depth(tmp_path):
    for seed in (0, 1):
        _write_run(tmp_path, "plain_8", seed, 0, 8, 0.05 + seed * 0.02, 0.0)
        _write_run(tmp_path, "plain_32", seed, 0, 32, 0.14, 1.0 + seed)
        _write_run(tmp_path, "residual_32", seed, 15, 32, 0.001, 0.0)
    table = depth_sweep(tmp_path)
    assert table["plain"][8]["train_loss"] == pytest.approx(0.06)
    assert table["plain"][32] == {
        "train_loss": pytest.approx(0.14),
        "train_error_percent": pytest.approx(1.5),
        "test_accuracy": pytest.approx(0.9),
        "seeds": 2,
    }
    assert list(table["residual"]) == [32]
    assert (tmp_path / "plots" / "depth_sweep.png").stat().st_size > 2000
    with pytest.raises(ValueError, match="no run with a 'depth' report"):
        depth_sweep(tmp_path / "plots")
