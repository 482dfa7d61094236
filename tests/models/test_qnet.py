"""dlrecipes.models.qnet: the DQN Q-network, plain and dueling (Wang et al. 2016).

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest
from keras import ops

from dlrecipes.models.qnet import qnet

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_qnet_parameter_counts():
    model = qnet((4,), 2)
    assert model.count_params() == 4 * 256 + 256 + 256 * 256 + 256 + 256 * 2 + 2 == 67_586
    assert model.output_shape == (None, 2)
    dueling = qnet((4,), 3, hidden_units=(32, 16), dueling=True)
    trainable = sum(int(np.prod(v.shape)) for v in dueling.trainable_variables)
    fixed = sum(int(np.prod(v.shape)) for v in dueling.non_trainable_variables)
    # trunk 4->32; value 32->16->1; advantage 32->16->3; fixed (1 + 3) x 3 aggregation
    assert trainable == (4 * 32 + 32) + (32 * 16 + 16 + 16 + 1) + (32 * 16 + 16 + 16 * 3 + 3)
    assert fixed == 4 * 3
    with pytest.raises(ValueError, match="Received: hidden_units=\\(\\)"):
        qnet((4,), 2, hidden_units=())


def test_dueling_head_is_value_plus_centred_advantage():
    model = qnet((4,), 3, hidden_units=(8, 8), dueling=True)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    value_model = keras.Model(model.input, model.get_layer("value").output)
    advantage_model = keras.Model(model.input, model.get_layer("advantage").output)
    v = ops.convert_to_numpy(value_model(x))  # (5, 1)
    a = ops.convert_to_numpy(advantage_model(x))  # (5, 3)
    q = ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(q, v + a - a.mean(axis=1, keepdims=True), atol=1e-5)
