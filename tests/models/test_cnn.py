"""Golden parameter counts and smoke tests of the CNN builders (TensorFlow and JAX backends)."""

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.layers.block_max_pooling2d import BlockMaxPooling2D
from dlrecipes.layers.connection_table_conv2d import ConnectionTableConv2D
from dlrecipes.layers.rbf_output import RBFOutput, default_prototypes
from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D
from dlrecipes.losses import RBFMAPLoss
from dlrecipes.metrics import RBFAccuracy
from dlrecipes.models.cnn import (
    CONV_DEMO_FILTERS,
    CONV_DEMO_IMAGE,
    conv_demo,
    convnet,
    lenet5,
    resnet_small,
)
from tests.helpers import count_weights, per_layer_counts

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


# -------------------------------------------------------------------- LeNet-5


def test_lenet5_faithful_golden_parameter_counts():
    model = lenet5(input_shape=(32, 32, 1), num_classes=10)
    assert per_layer_counts(model) == {
        "C1": 6 * (5 * 5 * 1 + 1),  # 156
        "S2": 6 * 2,  # 12
        "C3": 60 * 25 + 16,  # 1,516
        "S4": 16 * 2,  # 32
        "C5": 120 * (5 * 5 * 16 + 1),  # 48,120
        "F6": 84 * (120 + 1),  # 10,164
        "OUTPUT": 10 * 84,  # 840, fixed
    }
    assert count_weights(model.trainable_weights) == 60_000
    assert count_weights(model.non_trainable_weights) == 840
    assert isinstance(model.get_layer("S2"), TrainableSubsampling2D)
    assert isinstance(model.get_layer("C3"), ConnectionTableConv2D)
    assert isinstance(model.get_layer("OUTPUT"), RBFOutput)
    assert tuple(model.output.shape) == (None, 10)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(model.get_layer("OUTPUT").prototype_weights),
        default_prototypes(10, 84),
    )


def test_lenet5_modern_golden_parameter_counts():
    model = lenet5(input_shape=(32, 32, 1), num_classes=10, faithful=False)
    assert per_layer_counts(model) == {
        "C1": 156,
        "C3": 16 * (5 * 5 * 6 + 1),  # 2,416: dense C3
        "C5": 48_120,
        "F6": 10_164,
        "OUTPUT": 10 * (84 + 1),  # 850
    }
    assert count_weights(model.trainable_weights) == 61_706
    assert count_weights(model.non_trainable_weights) == 0
    assert isinstance(model.get_layer("S2"), BlockMaxPooling2D)


def test_lenet5_feature_map_shapes():
    model = lenet5()
    shapes = {
        name: tuple(model.get_layer(name).output.shape[1:])
        for name in ("C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT")
    }
    assert shapes == {
        "C1": (28, 28, 6),
        "S2": (14, 14, 6),
        "C3": (10, 10, 16),
        "S4": (5, 5, 16),
        "C5": (1, 1, 120),
        "F6": (84,),
        "OUTPUT": (10,),
    }


@pytest.mark.parametrize("faithful", [True, False])
def test_lenet5_input_size_checks(faithful):
    with pytest.raises(ValueError, match=r"at least 32x32.*Received: input_shape=\(28, 28, 1\)"):
        lenet5(input_shape=(28, 28, 1), faithful=faithful)
    with pytest.raises(ValueError, match=r"Received: input_shape=\(32, 31, 1\)"):
        lenet5(input_shape=(32, 31, 1), faithful=faithful)
    with pytest.raises(ValueError, match=r"Received: input_shape=\(32, 32\)"):
        lenet5(input_shape=(32, 32), faithful=faithful)
    with pytest.raises(ValueError, match="Received: num_classes=0"):
        lenet5(num_classes=0, faithful=faithful)
    # Bigger inputs and more channels work: C5 maps grow beyond 1x1 and F6 grows with them.
    model = lenet5(input_shape=(36, 36, 3), num_classes=4, faithful=faithful)
    assert tuple(model.get_layer("C5").output.shape[1:]) == (2, 2, 120)
    assert model.get_layer("F6").count_params() == 84 * (4 * 120 + 1)
    assert tuple(model.output.shape) == (None, 4)


def test_lenet5_faithful_trains_with_map_loss_and_saves(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 32, 32, 1)).astype("float32")
    y = rng.integers(0, 10, size=(16,))
    keras.utils.set_random_seed(0)
    model = lenet5(input_shape=(32, 32, 1), num_classes=10)
    model.compile(
        optimizer=keras.optimizers.SGD(0.01),
        loss=RBFMAPLoss(),
        metrics=[RBFAccuracy()],
        jit_compile=True,
    )
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "lenet5.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        reloaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
    )
    assert count_weights(reloaded.non_trainable_weights) == 840


# -------------------------------------------------------------------- convnet


def test_convnet_golden_parameter_counts():
    model = convnet(input_shape=(28, 28, 1), num_classes=10)
    assert per_layer_counts(model) == {
        "conv_1": 32 * (3 * 3 * 1 + 1),  # 320
        "conv_2": 64 * (3 * 3 * 32 + 1),  # 18,496
        "output": 10 * (5 * 5 * 64 + 1),  # 16,010
    }
    assert model.count_params() == 34_826  # keras-io "Simple MNIST convnet"
    assert tuple(model.get_layer("pool_2").output.shape[1:]) == (5, 5, 64)
    assert model.get_layer("dropout").rate == 0.5


def test_convnet_is_keras_ios_sequential_stack():
    """``convnet`` is a ``keras.Sequential``: keras-io's stack written by hand, same outputs."""
    model = convnet()
    assert isinstance(model, keras.Sequential)
    by_hand = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    by_hand.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(by_hand(x)), ops.convert_to_numpy(model(x)), rtol=1e-6, atol=1e-7
    )


def test_convnet_options_and_checks():
    model = convnet(input_shape=(32, 32, 3), num_classes=5, filters=(8,), dropout=0.0)
    assert per_layer_counts(model) == {"conv_1": 8 * 28, "output": 5 * (15 * 15 * 8 + 1)}
    with pytest.raises(ValueError, match=r"Received: input_shape=\(6, 6, 1\)"):
        convnet(input_shape=(6, 6, 1))
    with pytest.raises(ValueError, match="Received: dropout=1.0"):
        convnet(dropout=1.0)
    with pytest.raises(ValueError, match=r"Received: filters=\(\)"):
        convnet(filters=())


# --------------------------------------------------------------- resnet_small


def _resnet_counts(channels, filters, num_blocks, num_classes):
    """Hand formula: (trainable, non-trainable) of resnet_small with batch norm."""
    convs = 9 * channels * filters + num_blocks * 2 * 9 * filters * filters  # no conv bias
    batch_norms = 1 + 2 * num_blocks
    dense = (filters + 1) * num_classes
    return convs + 2 * filters * batch_norms + dense, 2 * filters * batch_norms


@pytest.mark.parametrize("residual", [True, False])
def test_resnet_small_golden_parameter_counts(residual):
    model = resnet_small(input_shape=(28, 28, 1), num_classes=10, residual=residual)
    assert (count_weights(model.trainable_weights), count_weights(model.non_trainable_weights)) == (
        14_362,
        224,
    )
    assert _resnet_counts(1, 16, 3, 10) == (14_362, 224)
    adds = [layer for layer in model.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == (3 if residual else 0)
    assert tuple(model.output.shape) == (None, 10)


def test_resnet_small_options():
    model = resnet_small(input_shape=(12, 12, 3), num_classes=4, filters=8, num_blocks=2)
    expected = _resnet_counts(3, 8, 2, 4)
    assert (
        count_weights(model.trainable_weights),
        count_weights(model.non_trainable_weights),
    ) == expected
    plain = resnet_small(input_shape=(12, 12, 3), num_classes=4, use_batch_norm=False)
    assert count_weights(plain.non_trainable_weights) == 0
    assert plain.count_params() == 16 * (9 * 3 + 1) + 6 * 16 * (9 * 16 + 1) + 4 * 17
    with pytest.raises(ValueError, match="Received: num_blocks=-1"):
        resnet_small(num_blocks=-1)


def test_resnet_small_xla_training_step():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 3, size=(8,))
    model = resnet_small(input_shape=(8, 8, 1), num_classes=3, filters=4, num_blocks=1)
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=True,
    )
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# ------------------------------------------------------------------ conv_demo


def _cross_correlate(image, kernel):
    size = image.shape[0] - kernel.shape[0] + 1
    return np.array(
        [[np.sum(image[i : i + 3, j : j + 3] * kernel) for j in range(size)] for i in range(size)]
    )


def test_conv_demo_feature_maps_by_hand():
    image = np.array(CONV_DEMO_IMAGE, dtype="float32")
    model = conv_demo()
    feature_maps = model.predict(image[None, :, :, None], verbose=0)[0]  # (4, 4, 2)
    assert feature_maps.shape == (4, 4, 2)
    for f, kernel in enumerate(CONV_DEMO_FILTERS):
        expected = _cross_correlate(image, np.array(kernel, dtype="float32"))
        np.testing.assert_array_equal(feature_maps[:, :, f], expected)
    # The lecture's values: the diagonal filter fires on the full diagonal at the top-left.
    assert feature_maps[0, 0, 0] == 3 and feature_maps[0, 3, 0] == -1
    assert feature_maps[:, :, 0].max() == 3
    assert count_weights(model.trainable_weights) == 0
    assert count_weights(model.non_trainable_weights) == 18  # two 3x3 filters, no bias


def test_conv_demo_checks_input_shape():
    assert tuple(conv_demo(input_shape=(8, 5, 1)).output.shape) == (None, 6, 3, 2)
    with pytest.raises(ValueError, match=r"Received: input_shape=\(6, 6, 3\)"):
        conv_demo(input_shape=(6, 6, 3))
