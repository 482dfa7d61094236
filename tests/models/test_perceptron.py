"""The perceptron: its rule against the textbook loop, Novikoff's bound, XOR, the ``.keras`` file.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax`` (the rule
has a functional-state path for JAX).
"""

import keras
import numpy as np
import pytest

from dlrecipes.models.perceptron import Perceptron, perceptron, perceptron_pass
from tests.helpers import assert_close, to_numpy

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def _rule_reference(x, y):
    """The textbook online perceptron, one example after the other."""
    w, b, mistakes = np.zeros(x.shape[1]), 0.0, 0
    for x_i, y_i in zip(x, y):
        if y_i * (w @ x_i + b) <= 0:
            w, b, mistakes = w + y_i * x_i, b + y_i, mistakes + 1
    return w, b, mistakes


def test_perceptron_pass_matches_the_textbook_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(25, 3)).astype("float32")
    y = np.sign(x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype("float32")
    kernel, bias, mistakes = perceptron_pass(keras.ops.zeros((3, 1)), keras.ops.zeros((1,)), x, y)
    w, b, count = _rule_reference(x.astype("float64"), y)
    assert_close(to_numpy(kernel).ravel(), w, rtol=1e-5, atol=1e-5)
    assert_close(to_numpy(bias)[0], b, atol=1e-6)
    assert float(to_numpy(mistakes)) == count


@pytest.mark.parametrize("seed", [0, 1])
def test_perceptron_fit_obeys_novikoff_bound(seed):
    from dlrecipes.data.embedded import separable
    from dlrecipes.experiments.foundations import novikoff_bound

    raw = separable("", {"num_samples": 80, "margin": 0.1}, seed)
    x, y = raw.x, (2 * raw.y - 1).astype("float32")
    model = perceptron(input_shape=(2,))
    model.compile()
    stop = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", logs["mistakes"] == 0)
    )
    history = model.fit(
        x, y, batch_size=len(x), epochs=60, shuffle=False, verbose=0, callbacks=[stop]
    )
    per_epoch = history.history["mistakes"]
    assert per_epoch[-1] == 0, "the rule must converge on separable data"
    mistakes = float(to_numpy(model.mistakes.value))
    bound = novikoff_bound(x, y)
    assert bound["margin"] >= 0.1 / np.sqrt(2) - 1e-6  # the generator's line, bias-augmented
    assert 0 < mistakes <= bound["bound"]
    assert np.all(np.sign(to_numpy(model(x))).ravel() == y)


def test_perceptron_never_converges_on_xor_and_round_trips(tmp_path):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
    y = np.array([-1, 1, 1, -1], "float32")
    model = perceptron(input_shape=(2,))
    model.compile()
    history = model.fit(x, y, batch_size=4, epochs=10, shuffle=False, verbose=0)
    assert min(history.history["mistakes"]) > 0
    model.save(tmp_path / "perceptron.keras")
    restored = keras.saving.load_model(tmp_path / "perceptron.keras")
    assert isinstance(restored, Perceptron)
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_perceptron_builder_rejects_images():
    with pytest.raises(ValueError, match="flat inputs"):
        perceptron(input_shape=(8, 8, 1))
