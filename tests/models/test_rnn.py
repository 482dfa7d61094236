"""Golden parameter counts, shapes and errors of the RNN builders.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import keras
import numpy as np
import pytest

from dlrecipes.layers.additive_cell import AdditiveCell
from dlrecipes.layers.additive_memory_cell import AdditiveMemoryCell
from dlrecipes.layers.peephole_lstm_cell import PeepholeLSTMCell
from dlrecipes.models import get
from dlrecipes.models.rnn import (
    CELLS,
    char_language_model,
    sequence_classifier,
    sequence_regressor,
)

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def recurrent_parameters(cell, features, units):
    """Weights of one recurrent layer: gates x (input + recurrent + bias) [+ peepholes]."""
    if cell == "simple_rnn":
        return features * units + units * units + units
    if cell == "lstm":
        return 4 * (features * units + units * units + units)
    if cell == "peephole_lstm":
        return 4 * (features * units + units * units + units) + 3 * units
    if cell == "gru":  # Keras' reset_after=True: two bias vectors per gate
        return 3 * (features * units + units * units + 2 * units)
    if cell == "additive_memory":  # V, b, W: as many as the simple RNN's W, U, b
        return features * units + units + units * units
    if cell == "additive_cell":  # V, U, b, W
        return features * units + 2 * units * units + units
    raise AssertionError(cell)


GOLDEN_ROWMNIST_128 = {  # sequence_classifier((28, 28), 10, units=128) + Dense(128 -> 10)
    "simple_rnn": 21_386,
    "lstm": 81_674,
    "peephole_lstm": 82_058,
    "gru": 61_962,
    "additive_memory": 21_386,
    "additive_cell": 37_770,
}


@pytest.mark.parametrize("cell", CELLS)
def test_sequence_classifier_golden_counts(cell):
    model = sequence_classifier((28, 28), 10, cell=cell, units=128)
    assert model.count_params() == GOLDEN_ROWMNIST_128[cell]
    assert model.count_params() == recurrent_parameters(cell, 28, 128) + 129 * 10
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("cell", CELLS)
def test_stacked_sequence_regressor_counts_and_shapes(cell):
    model = sequence_regressor((10, 2), 1, cell=cell, units=8, num_layers=2)
    expected = recurrent_parameters(cell, 2, 8) + recurrent_parameters(cell, 8, 8) + 9
    assert model.count_params() == expected
    assert model.output_shape == (None, 1)


def test_builders_are_registered_and_peephole_uses_the_cell():
    assert get("sequence_regressor") is sequence_regressor
    assert get("char_language_model") is char_language_model
    model = get("sequence_classifier")((5, 3), 4, cell="peephole_lstm", units=6)
    (recurrent,) = [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]
    assert isinstance(recurrent.cell, PeepholeLSTMCell)


@pytest.mark.parametrize(
    ("cell", "cell_class"),
    [("additive_memory", AdditiveMemoryCell), ("additive_cell", AdditiveCell)],
)
def test_the_rnn_to_lstm_steps_use_their_cells(cell, cell_class):
    model = sequence_regressor((5, 3), 1, cell=cell, units=6)
    (recurrent,) = [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]
    assert isinstance(recurrent.cell, cell_class) and recurrent.name == f"{cell}_1"


@pytest.mark.parametrize("cell", ["lstm", "gru", "peephole_lstm"])
def test_char_language_model_counts_and_shapes(cell):
    model = char_language_model((20,), 65, cell=cell, units=32, embedding_dim=16, num_layers=2)
    expected = (
        65 * 16 + recurrent_parameters(cell, 16, 32) + recurrent_parameters(cell, 32, 32) + 33 * 65
    )
    assert model.count_params() == expected
    assert model.output_shape == (None, 20, 65)


def test_char_language_model_gives_a_distribution_per_step():
    model = char_language_model((20,), 65, units=8, embedding_dim=4)
    probabilities = keras.ops.convert_to_numpy(model(np.zeros((2, 20), dtype="int32")))
    assert probabilities.shape == (2, 20, 65)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)


def test_char_language_model_default_is_the_recipe_size():
    assert char_language_model((100,), 65).count_params() == 349_569


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sequence_regressor((10, 2), cell="lstmm"), "cell=.lstmm."),
        (lambda: sequence_regressor((10, 2), units=0), "units=0"),
        (lambda: sequence_regressor((10, 2), num_layers=0), "num_layers=0"),
        (lambda: sequence_classifier((28, 28, 1), 10), r"input_shape=\(28, 28, 1\)"),
        (lambda: char_language_model((10, 3), 5), r"input_shape=\(10, 3\)"),
        (lambda: sequence_regressor((10, 2), cell="peephole_lstm", dropout=0.2), "dropout=0.2"),
        (lambda: sequence_regressor((10, 2), cell="additive_cell", dropout=0.2), "dropout=0.2"),
        (
            lambda: sequence_regressor(
                (10, 2), cell="additive_memory", recurrent_initializer="identity"
            ),
            "recurrent_initializer='identity'",
        ),
    ],
)
def test_builder_errors_name_the_received_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_gru_reset_after_false_is_the_lecture_notes_form():
    """reset_after=False: h~ = tanh(W x + U (r * h) + b), h = z * h_prev + (1 - z) * h~; one
    recurrent bias (3 * units fewer parameters than Keras' default); checked by hand."""
    import keras

    notes = sequence_regressor((3, 2), 1, cell="gru", units=4, reset_after=False)
    default = sequence_regressor((3, 2), 1, cell="gru", units=4)
    assert default.count_params() - notes.count_params() == 3 * 4
    layer = notes.get_layer("gru_1")
    kernel, recurrent, bias = (np.asarray(w, "float64") for w in layer.get_weights())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 2))
    h = np.zeros((2, 4))

    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    for t in range(3):  # Keras' gate order: z, r, h
        xz, xr, xh = np.split(x[:, t] @ kernel + bias, 3, axis=-1)
        uz, ur, uh = np.split(recurrent, 3, axis=-1)
        z, r = sigmoid(xz + h @ uz), sigmoid(xr + h @ ur)
        candidate = np.tanh(xh + (r * h) @ uh)
        h = z * h + (1 - z) * candidate
    states = keras.Model(notes.input, layer.output)(x.astype("float32"))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(states), h, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="reset_after applies to cell='gru' only"):
        sequence_regressor((3, 2), 1, cell="lstm", reset_after=False)
