"""RBFAccuracy and rbf_predicted_classes: the predicted class of RBF penalties is the argmin.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.metrics import RBFAccuracy, rbf_accuracy, rbf_predicted_classes

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_rbf_accuracy_takes_argmin_and_is_named_accuracy():
    labels = np.array([1, 0, 2])
    penalties = np.array([[3.0, 0.5, 9.0], [0.1, 2.0, 0.3], [1.0, 0.2, 4.0]], dtype="float32")
    assert ops.convert_to_numpy(rbf_predicted_classes(penalties)).tolist() == [1, 0, 1]
    np.testing.assert_array_equal(ops.convert_to_numpy(rbf_accuracy(labels, penalties)), [1, 1, 0])
    metric = RBFAccuracy()
    assert metric.name == "accuracy"
    metric.update_state(labels[:, None], penalties)
    assert float(ops.convert_to_numpy(metric.result())) == pytest.approx(2 / 3)
    clone = RBFAccuracy.from_config(metric.get_config())
    assert clone.name == "accuracy"
    assert keras.saving.get_registered_name(RBFAccuracy) == "dlrecipes>RBFAccuracy"
