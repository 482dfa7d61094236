"""dlrecipes.experiments.convolution: the lecture's convolution formulas, by hand and by number."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import scipy.signal

from dlrecipes.experiments.cnn import cross_correlate
from dlrecipes.experiments.convolution import (
    BINARY_IMAGE,
    PADDINGS_1D,
    X_KERNEL,
    convolution_matrix,
    convolve1d,
    convolve2d,
    output_size,
    relative_change,
    shift,
    why_cnn_parameters,
)


def test_the_lectures_binary_image_gives_a_map_whose_top_left_is_4():
    feature_map = cross_correlate(np.array(BINARY_IMAGE), np.array(X_KERNEL))
    # top-left window: 1+1 (corners) + 1 (centre) + 0 + 1 = 4, by hand
    assert feature_map.tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    assert np.array_equal(convolve2d(BINARY_IMAGE, X_KERNEL), feature_map)  # symmetric kernel


def test_convolution_is_correlation_with_the_kernel_rotated_by_180_degrees():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(
        convolve2d(image, kernel), scipy.signal.convolve2d(image, kernel, "valid")
    )
    np.testing.assert_allclose(
        cross_correlate(image, kernel), scipy.signal.correlate2d(image, kernel, "valid")
    )
    assert not np.allclose(convolve2d(image, kernel), cross_correlate(image, kernel))


@pytest.mark.parametrize("kernel_size", [1, 2, 3, 4, 5])
def test_1d_padding_modes_equal_numpy_and_have_the_lecture_lengths(kernel_size):
    rng = np.random.default_rng(kernel_size)
    signal, kernel = rng.normal(size=9), rng.normal(size=kernel_size)
    for mode in PADDINGS_1D:
        np.testing.assert_allclose(
            convolve1d(signal, kernel, mode), np.convolve(signal, kernel, mode)
        )
    assert len(convolve1d(signal, kernel, "valid")) == 9 - kernel_size + 1
    assert len(convolve1d(signal, kernel, "full")) == 9 + kernel_size - 1
    assert len(convolve1d(signal, kernel, "same")) == 9


def test_1d_convolution_by_hand():
    assert convolve1d([1, 2, 3, 4], [1, 0, -1]).tolist() == [2, 2]  # x[i+2] - x[i]
    assert convolve1d([1, 2, 3], [1, 1], "full").tolist() == [1, 3, 5, 3]
    with pytest.raises(ValueError, match="padding must be one of .* Received: padding='wide'"):
        convolve1d([1, 2, 3], [1], "wide")


def test_output_size_formula_matches_keras():
    for n, k, stride, padding in [(32, 5, 1, 0), (28, 2, 2, 0), (7, 3, 2, 1), (227, 11, 4, 0)]:
        shape = keras.layers.ZeroPadding2D(padding).compute_output_shape((None, n, n, 1))
        shape = keras.layers.Conv2D(1, k, strides=stride).compute_output_shape(shape)
        assert output_size(n, k, stride, padding) == shape[1]
    assert output_size(227, 11, stride=4) == 55
    with pytest.raises(ValueError, match="stride must be a positive integer. Received: stride=0"):
        output_size(8, 3, stride=0)


@pytest.mark.parametrize("input_shape, kernel_shape", [((10,), (3,)), ((6, 7), (3, 2))])
def test_a_convolution_is_a_sparse_weight_tied_dense_layer_equal_to_keras(
    input_shape, kernel_shape
):
    rng = np.random.default_rng(1)
    kernel, x = rng.normal(size=kernel_shape), rng.normal(size=(3, *input_shape))
    matrix = convolution_matrix(kernel, input_shape)
    layer = (keras.layers.Conv1D if len(input_shape) == 1 else keras.layers.Conv2D)(
        1, kernel_shape, use_bias=False, dtype="float64"
    )
    layer.build((None, *input_shape, 1))
    layer.set_weights([kernel.reshape(*kernel_shape, 1, 1)])
    by_keras = np.asarray(layer(x[..., None])).reshape(3, -1)
    np.testing.assert_allclose(x.reshape(3, -1) @ matrix.T, by_keras, rtol=1e-12, atol=1e-12)
    outputs = matrix.shape[0]
    assert np.count_nonzero(matrix) == outputs * kernel.size  # local connections
    assert len(np.unique(matrix[matrix != 0])) == kernel.size  # shared weights


def test_why_cnn_parameter_counts_on_a_1000x1000_image():
    counts = {row["layer"]: row["parameters"] for row in why_cnn_parameters()}
    assert counts == {
        "fully connected": 10**12,
        "locally connected": 10**8,
        "convolutional (shared)": 10**4,
    }


def test_shift_and_relative_change():
    images = np.arange(2 * 3 * 3, dtype="float64").reshape(2, 3, 3) + 1
    moved = shift(images, 1, axis=2)
    assert moved[0].tolist() == [[0, 1, 2], [0, 4, 5], [0, 7, 8]]
    assert relative_change(images, images) == 0.0
    assert relative_change(images, 2 * images) == pytest.approx(1.0)
