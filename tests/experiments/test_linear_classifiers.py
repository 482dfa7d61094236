"""One-vs-rest and one-vs-one decision rules on hand-made scores."""

import numpy as np

from dlrecipes.experiments.linear_classifiers import (
    one_vs_one_regions,
    one_vs_one_votes,
    one_vs_rest_regions,
)


def test_one_vs_rest_sign_rule_marks_none_and_several_as_ambiguous():
    scores = np.array([[1.0, -1.0, -2.0], [-1.0, -1.0, -1.0], [0.5, 0.5, -1.0], [-3, -2, 0.1]])
    np.testing.assert_array_equal(one_vs_rest_regions(scores), [0, -1, -1, 2])


def test_one_vs_one_cyclic_votes_tie_and_a_clear_winner_does_not():
    # Pairs (0,1), (0,2), (1,2); score > 0 votes for the pair's second class.
    pair_scores = {
        (0, 1): np.array([-1.0, 1.0]),  # point 0: 0 wins; point 1: 1 wins
        (0, 2): np.array([-1.0, -1.0]),  # 0 wins both
        (1, 2): np.array([-1.0, 1.0]),  # point 0: 1 wins; point 1: 2 wins
    }
    votes, confidence = one_vs_one_votes(pair_scores, 3)
    np.testing.assert_array_equal(votes, [[2, 1, 0], [1, 1, 1]])
    np.testing.assert_array_equal(one_vs_one_regions(votes), [0, -1])
    np.testing.assert_allclose(confidence.sum(axis=1), 0.0)  # each pair adds +s and -s
