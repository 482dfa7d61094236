"""dlrecipes.reports.text: sampling from a character language model, the samples report."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlrecipes import reports
from dlrecipes.models.rnn import char_language_model
from dlrecipes.reports import text
from tests.helpers import make_splits, unit_recipe

VOCABULARY = "abcdefg"


def _next_letter_model(window=4):
    """A "language model" that puts all its mass on (current id + 1) mod V."""
    size = len(VOCABULARY)
    inputs = keras.Input((window,), dtype="int32")
    logits = keras.layers.Embedding(size, size, name="table")(inputs)
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    model.get_layer("table").embeddings.assign(50.0 * np.roll(np.eye(size), 1, axis=1))
    return model


def _char_splits(window=12, count=6, seed=0):
    ids = np.random.default_rng(seed).integers(0, len(VOCABULARY), (count, window + 1))
    x, y = ids[:, :-1].astype("int32"), ids[:, 1:].astype("int32")
    return make_splits(
        x,
        y,
        num_classes=len(VOCABULARY),
        extras={"vocabulary": VOCABULARY},
        source="stdlib_text",
    )


def test_decode_maps_ids_to_characters():
    assert text.decode([0, 2, 6], VOCABULARY) == "acg"


def test_sample_characters_follows_a_deterministic_model():
    generated = text.sample_characters(
        _next_letter_model(), [0, 1, 2, 3], 6, temperatures=(0.0, 0.5, 1.0)
    )
    for row in generated:
        np.testing.assert_array_equal(row, [4, 5, 6, 0, 1, 2])
    with pytest.raises(ValueError, match="Received: 0 ids"):
        text.sample_characters(_next_letter_model(), [], 3)
    with pytest.raises(ValueError, match=r"temperatures must be >= 0. Received: \[-1.0\]"):
        text.sample_characters(_next_letter_model(), [0, 1, 2, 3], 3, temperatures=(-1.0,))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_stepping_model_carries_the_state_like_the_full_sequence(cell):
    model = char_language_model((12,), 9, cell=cell, units=5, embedding_dim=3, num_layers=2)
    stepping, sizes = text.stepping_model(model)
    assert sizes == ([5, 5] if cell == "lstm" else [5]) * 2
    ids = np.random.default_rng(0).integers(0, 9, (2, 12)).astype("int32")
    full = keras.ops.convert_to_numpy(model(ids))
    zeros = [np.zeros((2, size), dtype="float32") for size in sizes]
    first, *states = stepping([ids[:, :7], *zeros])
    second, *_ = stepping([ids[:, 7:], *[keras.ops.convert_to_numpy(s) for s in states]])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(first), full[:, :7], atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(second), full[:, 7:], atol=1e-6)


def test_samples_report_writes_text_from_a_tiny_char_model(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(text, "SAMPLE_LENGTH", 30)
    model = char_language_model((12,), len(VOCABULARY), units=8, embedding_dim=4)
    splits = _char_splits()
    result = reports.get("samples")(model, splits, unit_recipe(), tmp_path)
    assert result == {"characters": 30, "temperatures": len(text.SAMPLE_TEMPERATURES)}
    written = (tmp_path / "samples.txt").read_text()
    assert written.startswith(
        f"prompt (held-out text):\n{text.decode(splits.x_test[0], VOCABULARY)}"
    )
    for tau in text.SAMPLE_TEMPERATURES:
        section = written.split(f"--- temperature {tau} ---\n")[1].split("\n")[0]
        assert len(section) == 30 and set(section) <= set(VOCABULARY)
    assert "--- temperature 0.5 ---" in capsys.readouterr().out
    again = tmp_path / "again"
    again.mkdir()
    reports.get("samples")(model, splits, unit_recipe(), again)
    assert (again / "samples.txt").read_text() == written  # the recipe's seed fixes the draws


def test_samples_report_needs_a_character_source(tmp_path):
    splits = make_splits(np.zeros((2, 3), "float32"), np.array([0, 1]))
    with pytest.raises(ValueError, match="needs a character source .* Received: 'unit'"):
        text.samples(None, splits, unit_recipe(), tmp_path)
