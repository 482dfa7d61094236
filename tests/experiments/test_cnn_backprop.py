"""dlrecipes.experiments.cnn_backprop: convolution and pooling gradients by hand vs autodiff."""

from __future__ import annotations

import numpy as np
import pytest

import dlrecipes
from dlrecipes.experiments.cnn_backprop import (
    average_pool_backward,
    check_layers,
    conv2d_backward,
    max_pool_backward,
    subsampling_backward,
    upsample,
)

LAYERS = ("convolution", "max pooling", "average pooling", "trainable subsampling")


def test_convolution_input_gradient_is_the_full_convolution_with_the_kernel():
    # one input map, one 2x2 kernel, a 3x3 input -> 2x2 output; delta = 1 at (0, 0) only:
    # dL/dx is the kernel itself placed at the top-left window (rot180 twice = identity).
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1, 1)
    x = np.arange(9.0).reshape(3, 3, 1)
    delta = np.zeros((2, 2, 1))
    delta[0, 0, 0] = 1.0
    dx, dkernel, dbias = conv2d_backward(x, kernel, delta)
    assert dx[:, :, 0].tolist() == [[1, 2, 0], [3, 4, 0], [0, 0, 0]]
    assert dkernel[:, :, 0, 0].tolist() == [[0, 1], [3, 4]]  # the window delta weighted
    assert dbias.tolist() == [1.0]


def test_pooling_gradients_up_sample_delta():
    x = np.array([[1.0, 5.0], [2.0, 3.0]]).reshape(2, 2, 1)
    delta = np.array([[[2.0]]])  # (1, 1, 1)
    assert max_pool_backward(x, delta)[:, :, 0].tolist() == [[0, 2], [0, 0]]  # to the maximum
    assert average_pool_backward(x, delta)[:, :, 0].tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert upsample(delta, 2, (3, 3, 1))[:, :, 0].tolist() == [[2, 2, 0], [2, 2, 0], [0, 0, 0]]


def test_subsampling_gradient_of_a_linear_unit_near_zero():
    # f'(0) = 1.7159 * 2/3: with zero bias and a zero window sum, da = delta * f'(0).
    x = np.zeros((2, 2, 1))
    dx, dcoefficient, dbias = subsampling_backward(
        x, np.array([0.5]), np.array([0.0]), np.ones((1, 1, 1))
    )
    slope = 1.7159 * 2 / 3
    assert dbias == pytest.approx([slope]) and dcoefficient == pytest.approx([0.0])
    np.testing.assert_allclose(dx[:, :, 0], np.full((2, 2), 0.5 * slope))


def test_every_layer_matches_autodiff_and_finite_differences():
    image = np.random.default_rng(3).normal(size=(7, 8, 1))  # odd height: a dropped row
    results = check_layers(image, seed=3, filters=2)
    assert list(results) == list(LAYERS)
    for name, result in results.items():
        assert result["errors"]["numpy_vs_autodiff"] < 1e-12, name
        assert result["errors"]["numpy_vs_finite_differences"] < 1e-7, name
    dx = results["max pooling"]["numpy"][0]
    assert np.all(dx[-1] == 0.0)  # the row no 2x2 window covers gets no gradient
    assert [g.shape for g in results["convolution"]["numpy"]] == [(7, 8, 1), (3, 3, 1, 2), (2,)]


def test_recipe_reaches_its_expectation(tmp_path):
    result = dlrecipes.run("cnn_backprop", out=tmp_path, verbose=0)
    test = result.metrics["test"]
    assert result.reached is True and test["max_relative_error"] < 1e-6
    assert test["convolution_numpy_vs_autodiff"] < 1e-12
    assert test["checked_parameters"] == (8 * 8 + 27 + 3) + 6 * 6 * 3 * 3 + 2 * 3
    assert (result.run_dir / "plots" / "cnn_backprop.png").stat().st_size > 2000
