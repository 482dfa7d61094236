"""Embedded sources: xor, linear, function1d and spirals from the seed, unknown options."""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.data import load, load_raw
from dlrecipes.recipe import DataSpec, RecipeError


def test_synthetic_sources():
    xor = load(DataSpec(source="xor"), seed=0)
    assert xor.x_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert xor.y_train.tolist() == [0, 1, 1, 0]
    linear = load_raw("linear", {"num_samples": 100, "noise": 0.0})
    w, b = np.array(linear.extras["true_weights"]), linear.extras["true_bias"]
    np.testing.assert_allclose(linear.x @ w + b, linear.y.ravel(), rtol=1e-5, atol=1e-5)
    fn = load(DataSpec(source="function1d:abs"), seed=0)
    np.testing.assert_allclose(fn.y_train, np.abs(fn.x_train), atol=1e-6)
    assert fn.task == "regression" and fn.num_outputs == 1
    spirals = load_raw("spirals", {"num_samples": 200})
    assert spirals.x.shape == (200, 2) and np.bincount(spirals.y).tolist() == [100, 100]
    with pytest.raises(RecipeError, match="has no option 'samples'"):
        load_raw("spirals", {"samples": 3})


def test_parity_is_the_whole_truth_table_labelled_by_xor_of_the_bits():
    raw = load_raw("parity:3")
    assert raw.x.tolist() == [[(code >> shift) & 1 for shift in (2, 1, 0)] for code in range(8)]
    assert raw.y.tolist() == [0, 1, 1, 0, 1, 0, 0, 1]
    splits = load(DataSpec(source="parity:10"))
    assert splits.x_train.shape == splits.x_test.shape == (1024, 10)
    assert np.array_equal(splits.y_test, splits.x_test.sum(axis=1).astype(int) % 2)
    assert len(np.unique(splits.x_train, axis=0)) == 1024  # every string once


@pytest.mark.parametrize("argument", ["0", "17", "eight"])
def test_parity_refuses_a_bit_count_outside_1_to_16(argument):
    with pytest.raises(
        RecipeError, match=f"parity:N takes a number of bits from 1 to 16. Received: '{argument}'"
    ):
        load_raw(f"parity:{argument}")
