"""The XOR loss landscape helpers: parameter vectors, the NumPy loss and its curvature."""

import numpy as np
import pytest

from dlrecipes.experiments.landscape import (
    STUCK_LOSS,
    flatten,
    gradient,
    hessian_eigenvalues,
    loss,
    unflatten,
)

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float64")
Y = np.array([0, 1, 1, 0], dtype="float64")


def test_flatten_and_unflatten_are_inverse():
    weights = [np.arange(4.0).reshape(2, 2), np.array([4.0, 5.0]), np.array([[6.0], [7.0]]), [8.0]]
    theta = flatten(weights)
    np.testing.assert_array_equal(theta, np.arange(9.0))
    for back, original in zip(unflatten(theta, 2), weights):
        np.testing.assert_array_equal(back, np.asarray(original))


def test_loss_of_zero_weights_is_ln2_and_a_hand_solution_is_near_zero():
    assert loss(np.zeros(9), X, Y, 2) == pytest.approx(np.log(2))
    # h1 = OR, h2 = AND (steep sigmoids); output = h1 AND NOT h2.
    k = 20.0
    solution = flatten(
        [np.array([[k, k], [k, k]]), np.array([-k / 2, -1.5 * k]), np.array([[k], [-k]]), [-k / 2]]
    )
    assert loss(solution, X, Y, 2) < 1e-3
    assert loss(np.stack([np.zeros(9), solution]), X, Y, 2).shape == (2,)  # a batch of thetas


def test_the_stuck_point_of_the_lecture_has_loss_ln2_over_2():
    # Output fits two points exactly and leaves two at p = 1/2: loss (2 ln 2) / 4.
    assert STUCK_LOSS == pytest.approx(2 * np.log(2) / 4)


def test_hessian_of_the_loss_at_zero_is_symmetric_and_finite():
    eigenvalues = hessian_eigenvalues(np.zeros(9), X, Y, 2, "sigmoid")
    assert eigenvalues.shape == (9,) and np.all(np.isfinite(eigenvalues))
    assert np.linalg.norm(gradient(np.zeros(9), X, Y, 2, "sigmoid")) < 1e-8  # symmetric point
