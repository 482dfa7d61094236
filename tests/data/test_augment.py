"""Sample expansion in the pipeline: the affine map equals Keras' RandomTranslation /
RandomRotation at fixed amounts; amounts are drawn within the bounds; non-images refused."""

import keras
import numpy as np
import pytest

from dlrecipes.data.augment import affine_sample, augment_images, augmentation_of
from dlrecipes.spec import DataSpec


def _image():
    x = np.zeros((1, 7, 7, 1), dtype="float32")
    x[0, 1, 2, 0], x[0, 2, 2, 0], x[0, 4, 5, 0] = 1.0, 2.0, 3.0
    return x


@pytest.mark.parametrize("turn", [0.25, -0.25, 0.5])
def test_rotation_equals_keras_random_rotation_at_a_fixed_angle(turn):
    x = _image()
    keras_layer = keras.layers.RandomRotation((turn, turn), fill_mode="constant")
    expected = keras.ops.convert_to_numpy(keras_layer(x, training=True))
    np.testing.assert_allclose(affine_sample(x, 0, 0, -2 * np.pi * turn), expected, atol=1e-5)


@pytest.mark.parametrize(("dy", "dx"), [(1, 0), (0, -2), (2, 1)])
def test_translation_equals_keras_random_translation_at_a_fixed_shift(dy, dx):
    x = _image()
    height, width = x.shape[1:3]
    layer = keras.layers.RandomTranslation(
        (dy / height, dy / height), (dx / width, dx / width), fill_mode="constant"
    )
    expected = keras.ops.convert_to_numpy(layer(x, training=True))
    np.testing.assert_allclose(affine_sample(x, dy, dx, 0), expected, atol=1e-5)


def test_no_amounts_is_the_identity_and_amounts_stay_in_bounds():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(8, 9, 9, 2)).astype("float32")
    np.testing.assert_array_equal(augment_images(x, rng, 0.0, 0.0), x)
    y = augment_images(x, np.random.default_rng(1), 0.1, 0.03)
    assert y.shape == x.shape and y.dtype == x.dtype and not np.allclose(y, x)
    # the same generator state gives the same batch
    np.testing.assert_array_equal(y, augment_images(x, np.random.default_rng(1), 0.1, 0.03))


def test_augmentation_of_a_spec_and_non_images_refused():
    spec = DataSpec(source="digits", augment_shift=0.1, augment_rotation=0.02)
    images = np.zeros((4, 8, 8, 1), "float32")
    assert augmentation_of(spec, images, 3) == {"shift": 0.1, "rotation": 0.02, "seed": 3}
    assert augmentation_of(DataSpec(source="digits"), images, 3) is None
    with pytest.raises(ValueError, match=r"need image inputs .* shape \(64,\)"):
        augmentation_of(spec, np.zeros((4, 64), "float32"), 0)
    with pytest.raises(ValueError, match=r"Received: x.shape=\(4, 64\)"):
        augment_images(np.zeros((4, 64)), np.random.default_rng(0), 0.1, 0.0)
