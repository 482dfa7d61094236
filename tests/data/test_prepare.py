"""Splits and preprocessing: held-out validation, stratified deterministic splits, resize /
pad / flat / sequence layouts (row-by-row digits and MNIST)."""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.data import load
from dlrecipes.recipe import DataSpec, RecipeError


def test_mnist_splits_keep_the_test_set_and_hold_out_validation(mnist_dir):
    splits = load(DataSpec(source=f"mnist_idx:{mnist_dir}", val_fraction=0.1), seed=0)
    assert (len(splits.x_train), len(splits.x_val), len(splits.x_test)) == (6300, 700, 1000)
    assert splits.input_shape == (28, 28, 1)
    assert (
        splits.x_train.dtype == np.float32
        and 0.0 <= splits.x_train.min() <= splits.x_train.max() <= 1.0
    )


def test_digits_splits_are_deterministic_and_stratified():
    spec = DataSpec(source="digits")
    a, b, c = load(spec, seed=0), load(spec, seed=0), load(spec, seed=1)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    assert (len(a.x_train), len(a.x_val), len(a.x_test)) == (1293, 144, 360)
    counts = np.bincount(a.y_test)
    assert counts.min() >= 35 and counts.max() <= 37  # 20% of ~180 per class


def test_image_preprocessing_resize_pad_flat_sequence():
    padded = load(DataSpec(source="digits", image_size=28, pad_to=32, limit=10), seed=0)
    assert padded.input_shape == (32, 32, 1)
    assert np.all(padded.x_train[:, :2] == 0) and np.all(padded.x_train[:, :, -2:] == 0)
    assert padded.extras["image_size"] == 28
    flat = load(DataSpec(source="digits", layout="flat", limit=10), seed=0)
    assert flat.input_shape == (64,)
    sequence = load(DataSpec(source="digits", layout="sequence", limit=10), seed=0)
    assert sequence.input_shape == (8, 8)
    with pytest.raises(RecipeError, match="need image data"):
        load(DataSpec(source="xor", pad_to=4), seed=0)


def test_digits_row_by_row_are_28_steps_of_28_pixels():
    splits = load(DataSpec(source="digits", image_size=28, layout="sequence", limit=64))
    assert splits.input_shape == (28, 28) and splits.num_classes == 10
    assert 0.0 <= splits.x_train.min() and splits.x_train.max() <= 1.0


def test_mnist_8k_row_by_row(mnist_dir):
    splits = load(DataSpec(source=f"mnist_idx:{mnist_dir}", layout="sequence"))
    assert splits.input_shape == (28, 28)
    assert len(splits.x_test) == 1000 and len(splits.x_train) + len(splits.x_val) == 7000
