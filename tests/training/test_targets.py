"""dlrecipes.training.targets: class ids become one-hot vectors for the losses that need them."""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes import run
from dlrecipes.training.targets import ONE_HOT_LOSSES, targets_for_loss
from tests.helpers import make_splits


def _splits():
    rng = np.random.default_rng(0)
    return make_splits(
        rng.uniform(size=(30, 4)).astype("float32"), rng.integers(0, 3, 30), num_classes=3
    )


@pytest.mark.parametrize("loss", ["kl_divergence", "cosine_similarity", "mse", "categorical_hinge"])
def test_one_hot_losses_get_one_hot_targets(loss):
    assert loss in ONE_HOT_LOSSES
    splits = _splits()
    converted = targets_for_loss(splits, loss)
    assert converted.y_train.shape == (len(splits.y_train), 3)
    assert np.array_equal(converted.y_train.argmax(axis=1), splits.y_train)


def test_sparse_cross_entropy_keeps_class_ids():
    splits = _splits()
    assert targets_for_loss(splits, "sparse_categorical_crossentropy") is splits


def test_kl_divergence_on_one_hot_targets_trains_exactly_like_cross_entropy(tmp_path):
    """KL(t || p) = sum_k t_k log t_k - sum_k t_k log p_k = -log p_y for a one-hot t: the
    same loss, the same gradients, the same run (up to Keras' clipping of t at 1e-7)."""
    quiet = ["train.verbose=0", "train.tensorboard=false"]
    cross_entropy = run("softmax_regression", smoke=True, out=tmp_path, overrides=quiet)
    kl = run(
        "softmax_regression",
        smoke=True,
        out=tmp_path,
        overrides=[*quiet, "train.loss=kl_divergence"],
    )
    assert kl.recipe.train.loss == "kl_divergence"
    assert kl.metrics["test"]["loss"] == pytest.approx(
        cross_entropy.metrics["test"]["loss"], abs=1e-4
    )
    assert kl.metrics["test"]["accuracy"] == pytest.approx(
        cross_entropy.metrics["test"]["accuracy"], abs=1e-6
    )
