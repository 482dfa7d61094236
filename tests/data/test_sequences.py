"""Sequence sources of the RNN lecture: the adding problem, character text files and the
stdlib corpus."""

from __future__ import annotations

import numpy as np
import pytest

from dlrecipes.data import load, load_raw
from dlrecipes.data.sequences import (
    ADDING_BASELINE_MSE,
    adding_problem,
    encode_windows,
    stdlib_corpus,
)
from dlrecipes.recipe import DataSpec, RecipeError

# ------------------------------------------------------------- adding problem


def test_adding_problem_has_two_markers_and_the_target_is_their_sum():
    x, y = adding_problem(2000, 100, seed=0)
    assert x.shape == (2000, 100, 2) and y.shape == (2000, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    np.testing.assert_array_equal(markers.sum(axis=1), 2.0)  # exactly two per sequence
    np.testing.assert_array_equal(markers[:, :50].sum(axis=1), 1.0)  # one in each half
    np.testing.assert_array_equal(markers[:, 50:].sum(axis=1), 1.0)
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-6)
    assert values.min() >= 0.0 and values.max() < 1.0


def test_adding_problem_positions_cover_both_halves_uniformly():
    x, _ = adding_problem(20_000, 10, seed=1)
    counts = x[..., 1].sum(axis=0)  # how often each step is marked
    np.testing.assert_allclose(counts, 20_000 / 5, rtol=0.1)


def test_predicting_the_mean_scores_the_stated_baseline():
    _, y = adding_problem(100_000, 20, seed=2)
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, abs=0.003)


def test_adding_problem_is_deterministic_for_a_seed():
    a, b, c = (adding_problem(50, 12, seed) for seed in (3, 3, 4))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_adding_source_through_load_gives_sequence_regression_splits():
    spec = DataSpec(source="adding:30", options={"num_samples": 500})
    splits = load(spec, seed=0)
    assert splits.input_shape == (30, 2)
    assert splits.task == "regression" and splits.num_outputs == 1 and splits.num_classes == 0
    assert len(splits.x_train) + len(splits.x_val) + len(splits.x_test) == 500
    assert splits.extras["baseline_mse"] == pytest.approx(1 / 6)
    # options.length wins over the argument
    assert load(
        DataSpec(source="adding:30", options={"length": 7, "num_samples": 20})
    ).input_shape == (7, 2)


@pytest.mark.parametrize(
    ("source", "options", "message"),
    [
        ("adding:abc", {}, "Received: 'abc'"),
        ("adding", {"length": 1}, "length=1"),
        ("adding", {"lenght": 5}, "no option 'lenght'"),
        ("adding", {"num_samples": 0}, "num_samples=0"),
    ],
)
def test_adding_errors_name_the_received_value(source, options, message):
    with pytest.raises(RecipeError, match=message):
        load_raw(source, options)


# ----------------------------------------------------------------------- text


def test_encode_windows_shifts_targets_by_one_character():
    x, y, vocabulary = encode_windows("abcabcabcab", 3)
    assert vocabulary == "abc"
    assert x.shape == y.shape == (3, 3)
    np.testing.assert_array_equal(x[0], [0, 1, 2])
    np.testing.assert_array_equal(y[0], [1, 2, 0])
    np.testing.assert_array_equal(y[:, -1], x[:, 0])  # the next window starts where y ended
    with pytest.raises(RecipeError, match="Received: 3 characters"):
        encode_windows("abc", 3)


def test_text_source_on_tiny_shakespeare(shakespeare_file):
    text = shakespeare_file.read_text(encoding="utf-8")
    raw = load_raw(f"text:{shakespeare_file}", {"seq_length": 100})
    vocabulary = raw.extras["vocabulary"]
    assert len(vocabulary) == 65 and raw.class_names == tuple(vocabulary)
    assert raw.kind == "tokens" and raw.task == "classification"
    assert raw.x.shape == raw.y.shape == ((len(text) - 1) // 100, 100)
    assert raw.x.dtype == np.int32

    def decode(ids):
        return "".join(vocabulary[i] for i in ids)

    assert decode(raw.x[0]) == text[:100]
    assert decode(raw.y[0]) == text[1:101]
    assert (
        decode(raw.x[-1]) + decode(raw.y[-1][-1:])
        == text[len(raw.x) * 100 - 100 : len(raw.x) * 100 + 1]
    )
    assert decode(raw.x[0]).startswith("First Citizen:")


def test_text_source_through_load_keeps_ids_and_counts_characters_as_classes(shakespeare_file):
    spec = DataSpec(
        source=f"text:{shakespeare_file}",
        val_fraction=0.05,
        test_fraction=0.05,
        options={"seq_length": 50, "max_chars": 100_001},
    )
    splits = load(spec, seed=0)
    assert splits.input_shape == (50,) and splits.task == "classification"
    assert splits.num_classes == len(splits.extras["vocabulary"])
    assert splits.x_train.dtype == np.int32  # tokens are not scaled
    assert len(splits.x_train) + len(splits.x_val) + len(splits.x_test) == 2000
    # windows do not overlap, so no validation window repeats a training window
    train = {row.tobytes() for row in splits.x_train}
    assert not any(row.tobytes() in train for row in splits.x_val)


def test_text_file_missing_is_a_one_line_error():
    with pytest.raises(RecipeError, match="text file not found. Received: 'no/such.txt'"):
        load_raw("text:no/such.txt")


def test_stdlib_corpus_is_deterministic_printable_python():
    first = stdlib_corpus(200_000)
    assert first == stdlib_corpus(200_000)
    assert len(first) == 200_000
    assert set(first) <= {chr(c) for c in range(32, 127)} | {"\n"}
    assert "def " in first and "import " in first and "self" in first


def test_stdlib_text_source_and_bare_text_are_the_same_corpus():
    options = {"seq_length": 64, "max_chars": 50_000}
    raw = load_raw("stdlib_text", options)
    bare = load_raw("text", options)
    np.testing.assert_array_equal(raw.x, bare.x)
    assert raw.x.shape == ((50_000 - 1) // 64, 64)
    assert raw.extras["corpus"] == "stdlib_text" and len(raw.extras["vocabulary"]) <= 96
