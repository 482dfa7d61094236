"""dlrecipes.experiments.cnn_visualisation: ascent on the input, Gram matrices, texture."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.experiments.cnn_visualisation import (
    ascend,
    class_objective,
    gram_matrices,
    map_objective,
    random_filter_bank,
    synthesise_texture,
    texture_image,
    texture_loss,
    value_and_gradient,
)


def test_value_and_gradient_of_a_quadratic():
    value, grad = value_and_gradient(lambda x: ops.sum(ops.square(x)), np.array([[1.0, -2.0]]))
    assert value == pytest.approx(5.0)
    np.testing.assert_allclose(grad, [[2.0, -4.0]])


def test_ascent_on_one_unit_finds_its_preferred_pattern():
    # a linear 3x3 filter detecting a vertical bar: the centre unit's receptive field
    # (the 3x3 window around the centre) ends at the clip limits in the filter's signs
    inputs = keras.Input((9, 9, 1))
    conv = keras.layers.Conv2D(1, 3, use_bias=False)
    model = keras.Model(inputs, conv(inputs))
    kernel = np.array([[-1, 2, -1]] * 3, dtype="float32")
    conv.set_weights([kernel.reshape(3, 3, 1, 1)])
    start = 0.01 * np.random.default_rng(0).standard_normal((1, 9, 9, 1)).astype("float32")
    x, values = ascend(map_objective(model, np.array([0])), start, 40, 0.1, -1.0, 1.0)
    assert values[-1] == pytest.approx(12.0)  # 2 * 3 * 1 + 2 * 3 * 1: every weight at +-1
    np.testing.assert_allclose(x[0, 3:6, 3:6, 0], np.sign(kernel))
    assert np.abs(x[0, 0]).max() < 0.05  # outside the receptive field nothing moves


def test_class_objective_reads_log_probability_or_negative_penalty():
    outputs = keras.Input((2,))
    model = keras.Model(outputs, outputs)
    x = np.array([[0.25, 0.75]], dtype="float32")
    assert float(class_objective(model, np.array([1]), rbf=False)(x)) == pytest.approx(
        np.log(0.75), abs=1e-6
    )
    assert float(class_objective(model, np.array([1]), rbf=True)(x)) == pytest.approx(-0.75)


def test_gram_matrix_of_a_constant_image_by_hand():
    bank = [np.ones((2, 2, 1, 2), dtype="float32") * np.array([1.0, -1.0], dtype="float32")]
    (gram,) = gram_matrices(ops.ones((1, 3, 3, 1)), bank)
    # responses: relu(4) = 4 for the first filter, relu(-4) = 0 for the second, 4 positions
    np.testing.assert_allclose(np.asarray(gram)[0], [[16.0, 0.0], [0.0, 0.0]])


def test_texture_synthesis_matches_the_statistics_not_the_pixels():
    target = texture_image(16)
    assert target.shape == (16, 16) and abs(float(target.mean())) < 1e-5
    bank = random_filter_bank(sizes=(3, 5), filters=8)
    grams = [
        np.asarray(g) for g in gram_matrices(ops.convert_to_tensor(target[None, ..., None]), bank)
    ]
    assert float(texture_loss(ops.convert_to_tensor(target[None, ..., None]), grams, bank)) == 0.0
    image, losses = synthesise_texture(target, bank, steps=60)
    assert losses[-1] < 0.1 * losses[0]
    assert abs(np.corrcoef(image.ravel(), target.ravel())[0, 1]) < 0.5
    with pytest.raises(ValueError, match="Received: size=64"):
        texture_image(64)
