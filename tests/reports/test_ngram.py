"""dlrecipes.reports.ngram: add-k smoothed n-gram counts, by hand."""

import math

import numpy as np
import pytest

from dlrecipes.reports import ngram
from tests.helpers import make_splits


def test_bigram_probabilities_are_add_k_smoothed_counts():
    # the text "abab" as one window: x = a b a, y = b a b; V = 2 (a = 0, b = 1)
    x, y = np.array([[0, 1, 0]]), np.array([[1, 0, 1]])
    model = ngram.NGramModel(2, 2).fit(x, y)
    k = 0.5
    p_b_after_a = (2 + k) / (2 + 2 * k)  # "a" is followed by "b" twice
    p_a_after_b = (1 + k) / (1 + 2 * k)
    expected = -(2 * math.log(p_b_after_a) + math.log(p_a_after_b)) / 3
    assert model.loss(x, y, k) == pytest.approx(expected)


def test_unigram_ignores_the_context_and_unseen_pairs_keep_probability():
    x, y = np.array([[0, 0, 0, 0]]), np.array([[0, 0, 0, 1]])
    unigram = ngram.NGramModel(1, 3).fit(x, y)
    k = 1.0
    expected = -(3 * math.log((3 + k) / (4 + 3 * k)) + math.log((1 + k) / (4 + 3 * k))) / 4
    assert unigram.loss(x, y, k) == pytest.approx(expected)
    unseen = unigram.loss(np.array([[0]]), np.array([[2]]), k)  # never seen: k / (4 + 3k)
    assert unseen == pytest.approx(-math.log(k / (4 + 3 * k)))


def test_the_order_is_chosen_on_validation_and_a_regular_text_needs_context():
    text = np.tile(np.arange(5), 401)  # "abcde" repeated: the previous character decides
    windows = text[:2000].reshape(-1, 10)
    targets = text[1:2001].reshape(-1, 10)
    splits = make_splits(
        windows, targets, extras={"vocabulary": "abcde"}, num_classes=5, source="unit"
    )
    result = ngram.select(splits, orders=(1, 2, 3), smoothing=(0.01,))
    assert result["ngram_order"] >= 2
    assert result["ngram_val_loss_order_1"] == pytest.approx(math.log(5), rel=1e-2)
    assert result["ngram_val_loss"] < 0.01 and result["ngram_test_loss"] < 0.01


def test_a_source_without_characters_is_a_one_line_error():
    splits = make_splits(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="needs a character source"):
        ngram.select(splits)
