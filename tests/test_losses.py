"""RBFMAPLoss, the MAP criterion of LeNet-5 (eq. 9): a NumPy reference, stability for large
penalties, config and registration, and its gradient in float64.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.losses import RBFMAPLoss
from tests.helpers import float64

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def _reference_map_loss(labels, penalties, j):
    correct = penalties[np.arange(len(labels)), labels]
    return correct + np.log(np.exp(-j) + np.exp(-penalties).sum(axis=-1))


@pytest.mark.parametrize("label_shape", [(4,), (4, 1)])
def test_map_loss_matches_numpy_reference(label_shape):
    rng = np.random.default_rng(16)
    penalties = rng.uniform(0.0, 5.0, size=(4, 3)).astype("float32")
    labels = np.array([0, 2, 1, 2])
    expected = _reference_map_loss(labels, penalties.astype("float64"), j=1.5).mean()
    loss = RBFMAPLoss(rejection_constant=1.5)
    value = float(ops.convert_to_numpy(loss(labels.reshape(label_shape), penalties)))
    assert value == pytest.approx(expected, rel=1e-5)


def test_map_loss_is_stable_for_large_penalties():
    penalties = np.array([[1000.0, 2000.0, 3000.0]], dtype="float32")
    value = float(ops.convert_to_numpy(RBFMAPLoss()(np.array([0]), penalties)))
    assert value == pytest.approx(1000.0 - 1.0, rel=1e-6)  # = y_D + log(e^-j) = y_D - j


def test_map_loss_config_and_validation():
    loss = RBFMAPLoss(rejection_constant=2.0, name="map")
    clone = RBFMAPLoss.from_config(loss.get_config())
    assert clone.rejection_constant == 2.0 and clone.name == "map"
    assert keras.saving.get_registered_name(RBFMAPLoss) == "dlrecipes>RBFMAPLoss"
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert isinstance(restored, RBFMAPLoss) and restored.rejection_constant == 2.0
    with pytest.raises(ValueError, match="Received: rejection_constant=0"):
        RBFMAPLoss(rejection_constant=0)


def test_map_loss_gradient_float64():
    # d E / d y_i = 1[i == D] - softmax_i over (-y, -j) restricted to the classes.
    rng = np.random.default_rng(17)
    penalties = rng.uniform(0.0, 3.0, size=(1, 4))
    labels = np.array([2])
    numerical = np.zeros_like(penalties)
    for i in range(4):
        step = np.zeros_like(penalties)
        step[0, i] = 1e-6
        numerical[0, i] = (
            _reference_map_loss(labels, penalties + step, 1.0)[0]
            - _reference_map_loss(labels, penalties - step, 1.0)[0]
        ) / 2e-6
    weights = np.exp(-np.concatenate([penalties[0], [1.0]]))
    analytic = -weights[:4] / weights.sum()
    analytic[2] += 1.0
    np.testing.assert_allclose(numerical[0], analytic, rtol=1e-6)
    # The Keras loss follows the same formula.
    with float64():
        value = RBFMAPLoss(dtype="float64")(labels, penalties)
        assert float(ops.convert_to_numpy(value)) == pytest.approx(
            _reference_map_loss(labels, penalties, 1.0)[0], rel=1e-12
        )
