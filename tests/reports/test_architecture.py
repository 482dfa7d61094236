"""dlrecipes.reports.architecture: deep vs wide beside Seide et al. (2011)."""

from __future__ import annotations

import math

import numpy as np

from dlrecipes.models import matched_mlp
from dlrecipes.reports.architecture import SEIDE_2011_WER, deep_vs_wide
from dlrecipes.spec import ModelSpec
from tests.helpers import make_splits, unit_recipe


def _splits():
    rng = np.random.default_rng(0)
    return make_splits(
        rng.uniform(size=(20, 64)).astype("float32"), rng.integers(0, 10, 20), num_classes=10
    )


def _report(tmp_path, **options):
    recipe = unit_recipe(model=ModelSpec(builder="matched_mlp", options=options))
    model = matched_mlp(**options)
    return model, deep_vs_wide(model, _splits(), recipe, tmp_path)


def test_a_deep_arm_is_labelled_with_the_papers_number(tmp_path):
    model, out = _report(tmp_path, num_layers=3, units=16)
    assert out["architecture"] == "3x16" and out["hidden_layers"] == 3
    assert (out["paper_architecture"], out["paper_wer_percent"]) == SEIDE_2011_WER[(3, 0)]
    splits = _splits()
    accuracy = np.mean(model.predict(splits.x_test, verbose=0).argmax(-1) == splits.y_test)
    assert out["test_error_percent"] == 100.0 * (1.0 - accuracy)


def test_a_wide_arm_names_the_depth_it_matches(tmp_path):
    _, out = _report(tmp_path, units=16, match_layers=5)
    assert out["architecture"].endswith(" (=5x16)") and out["hidden_layers"] == 1
    assert out["paper_architecture"] == "1x3772"


def test_a_shape_the_paper_did_not_train_has_no_number(tmp_path):
    _, out = _report(tmp_path, num_layers=6, units=8)
    assert out["paper_architecture"] == "" and math.isnan(out["paper_wer_percent"])


def test_the_widest_single_layer_is_the_papers_1x16k_arm(tmp_path):
    model, out = _report(tmp_path, num_layers=1, units=16, width_multiple=8)
    assert out["architecture"] == "1x128" and out["hidden_layers"] == 1
    assert (out["paper_architecture"], out["paper_wer_percent"]) == ("1x16k", 22.1)
    assert model.count_params() == 64 * 128 + 128 + 128 * 10 + 10
