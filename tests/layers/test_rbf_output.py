"""RBFOutput (LeNet-5's output): the 7x12 digit font, 840 fixed prototype weights, a NumPy
reference, config, ``.keras`` file, an XLA step with the MAP loss, float64 gradients.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.layers.rbf_output import DIGIT_FONT_7X12, RBFOutput, default_prototypes
from dlrecipes.layers.scaled_tanh import scaled_tanh
from dlrecipes.losses import RBFMAPLoss
from dlrecipes.metrics import RBFAccuracy, rbf_predicted_classes
from tests.helpers import assert_close, check_config_round_trip, check_gradients, check_save_reload

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_digit_font_is_7x12_and_prototypes_are_distinct_plus_minus_one():
    assert len(DIGIT_FONT_7X12) == 12
    assert all(len(row) == 10 * 7 + 9 and set(row) <= {"#", ".", " "} for row in DIGIT_FONT_7X12)
    prototypes = default_prototypes(10, 84)
    assert prototypes.shape == (10, 84)
    assert set(np.unique(prototypes)) == {-1.0, 1.0}
    distances = ((prototypes[:, None, :] - prototypes[None, :, :]) ** 2).sum(-1)
    off_diagonal = distances[~np.eye(10, dtype=bool)]
    assert off_diagonal.min() >= 4 * 6  # every pair differs in at least 6 pixels (8 vs 9)
    # Digit 1's vertical stroke is column 3 of rows 1-10 of its bitmap.
    one = prototypes[1].reshape(12, 7)
    assert np.all(one[1:10, 3] == 1.0)


def test_default_prototypes_fall_back_to_seeded_codes():
    codes = default_prototypes(12, 20)
    assert codes.shape == (12, 20)
    assert set(np.unique(codes)) == {-1.0, 1.0}
    np.testing.assert_array_equal(codes, default_prototypes(12, 20))  # deterministic


def test_rbf_output_parameter_count_is_fixed():
    layer = RBFOutput(10)
    assert tuple(layer(np.zeros((2, 84), dtype="float32")).shape) == (2, 10)
    assert layer.count_params() == 840
    assert layer.trainable_weights == []
    assert [w.name for w in layer.non_trainable_weights] == ["prototypes"]
    np.testing.assert_array_equal(
        ops.convert_to_numpy(layer.prototype_weights), default_prototypes(10, 84)
    )


def test_rbf_output_matches_numpy_reference():
    rng = np.random.default_rng(11)
    prototypes = rng.normal(size=(3, 5))
    x = rng.normal(size=(4, 5)).astype("float32")
    layer = RBFOutput(3, prototypes=prototypes)
    expected = ((x[:, None, :] - prototypes[None, :, :]) ** 2).sum(axis=-1)
    assert_close(layer(x), expected, rtol=1e-5)
    # An input equal to a prototype has distance 0 to it and is classified as it.
    on_prototype = ops.convert_to_numpy(layer(prototypes[1:2].astype("float32")))
    assert on_prototype[0, 1] == pytest.approx(0.0, abs=1e-5)
    assert ops.convert_to_numpy(rbf_predicted_classes(on_prototype)).tolist() == [1]


def test_rbf_output_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Received: units=0"):
        RBFOutput(0)
    with pytest.raises(ValueError, match=r"Received: prototypes with shape \(2, 5\)"):
        RBFOutput(3, prototypes=np.zeros((2, 5)))
    layer = RBFOutput(2, prototypes=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="5 columns but the inputs have 4 features"):
        layer.build((None, 4))


def test_rbf_output_config_round_trip():
    prototypes = np.random.default_rng(12).choice([-1.0, 1.0], size=(3, 6))
    for layer in (RBFOutput(4), RBFOutput(3, prototypes=prototypes)):
        x = np.random.default_rng(13).normal(size=(2, 6)).astype("float32")
        check_config_round_trip(layer, x)
    clone = RBFOutput.from_config(RBFOutput(3, prototypes=prototypes).get_config())
    clone.build((None, 6))
    np.testing.assert_array_equal(ops.convert_to_numpy(clone.prototype_weights), prototypes)


def test_rbf_output_save_reload(tmp_path):
    x = np.random.default_rng(14).normal(size=(3, 84)).astype("float32")
    check_save_reload(RBFOutput(10), x, tmp_path)


def test_rbf_output_xla_training_step_with_map_loss():
    rng = np.random.default_rng(15)
    x = rng.normal(size=(8, 6)).astype("float32")
    y = rng.integers(0, 3, size=(8,))
    inputs = keras.Input(shape=(6,))
    features = keras.layers.Dense(84, activation=scaled_tanh)(inputs)
    model = keras.Model(inputs, RBFOutput(3)(features))
    model.compile(
        optimizer=keras.optimizers.SGD(0.01),
        loss=RBFMAPLoss(),
        metrics=[RBFAccuracy()],
        jit_compile=True,
    )
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert history.history["loss"][1] < history.history["loss"][0]
    assert len(model.non_trainable_weights) == 1  # prototypes stay fixed


def test_rbf_output_gradients_float64():
    check_gradients(lambda: RBFOutput(3, dtype="float64"), input_shape=(2, 4))
