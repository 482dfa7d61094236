"""The text classifiers: golden parameter counts, TextVectorization adapted on the training
text only, TF-IDF by hand, the filled vocabulary, and a saved model that takes raw strings
(loaded in a fresh process in safe mode).

TensorFlow only: ``TextVectorization`` runs TensorFlow string ops (no ``backends`` marker).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from dlrecipes.models import get
from dlrecipes.models.text import (
    FILLER_TOKEN,
    adapt_text_vectorization,
    text_logistic_regression,
    text_lstm_classifier,
    text_vectorizers,
)
from tests.helpers import make_splits

TEXTS = np.array(
    ["the cat sat on the mat", "a dog ran far", "cats and dogs", "the end of the story"],
    dtype=object,
)
LABELS = np.array([0, 1, 1, 0])


def _text_splits(x=TEXTS, y=LABELS):
    return make_splits(x, y, num_classes=2, source="unit_text")


def test_golden_parameter_counts():
    assert text_logistic_regression(4, max_tokens=5000).count_params() == 5000 * 4 + 4
    assert text_logistic_regression(2, max_tokens=10_000).count_params() == 20_002
    lstm = text_lstm_classifier(4, max_tokens=5000, embedding_dim=32, units=32)
    assert lstm.count_params() == 5000 * 32 + 4 * (32 * 32 + 32 * 32 + 32) + 33 * 4  # 168,452
    assert get("text_logistic_regression") is text_logistic_regression
    assert get("text_lstm_classifier") is text_lstm_classifier


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: text_logistic_regression(2, output_mode="int"), "output_mode='int'"),
        (lambda: text_logistic_regression(2, max_tokens=0), "max_tokens=0"),
        (lambda: text_logistic_regression(2, ngrams=0), "ngrams=0"),
        (lambda: text_lstm_classifier(2, sequence_length=-1), "sequence_length=-1"),
        (lambda: text_lstm_classifier(0), "num_classes=0"),
    ],
)
def test_builder_errors_name_the_received_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_tf_idf_matches_the_formula_and_uses_the_training_text_only():
    model = text_logistic_regression(2, max_tokens=20)
    splits = _text_splits()
    splits.x_test = np.array(["zebra zebra cat"], dtype=object)  # never seen in training
    adapt_text_vectorization(model, splits)
    (vectorizer,) = text_vectorizers(model)
    vocabulary = vectorizer.get_vocabulary()
    assert "zebra" not in vocabulary and vocabulary[1] == "the"  # most frequent first
    # [UNK] + 15 words + 4 fillers that never match
    assert len(vocabulary) == 20 and vocabulary[-1] == FILLER_TOKEN.format(3)
    weights = keras.ops.convert_to_numpy(vectorizer(np.array(["the cat the zebra"], dtype=object)))
    documents = [set(text.split()) for text in TEXTS]

    def idf(word):  # Keras: log(1 + N / (1 + df))
        return np.log(1 + len(TEXTS) / (1 + sum(word in d for d in documents)))

    assert weights[0, vocabulary.index("the")] == pytest.approx(2 * idf("the"), rel=1e-6)
    assert weights[0, vocabulary.index("cat")] == pytest.approx(idf("cat"), rel=1e-6)
    assert weights[0, 0] > 0  # "zebra" counts as [UNK]
    assert np.count_nonzero(weights) == 3


def test_filling_the_vocabulary_changes_no_output():
    model = text_logistic_regression(2, max_tokens=50, ngrams=2)
    (vectorizer,) = text_vectorizers(model)
    vectorizer.adapt(TEXTS)
    before = keras.ops.convert_to_numpy(vectorizer(TEXTS))
    adapt_text_vectorization(model, _text_splits())
    after = keras.ops.convert_to_numpy(vectorizer(TEXTS))
    np.testing.assert_allclose(after, before, rtol=1e-6)
    assert vectorizer.vocabulary_size() == 50


def test_lstm_ids_are_in_order_padded_and_masked():
    model = text_lstm_classifier(2, max_tokens=30, sequence_length=8, embedding_dim=4, units=3)
    adapt_text_vectorization(model, _text_splits())
    (vectorizer,) = text_vectorizers(model)
    ids = keras.ops.convert_to_numpy(vectorizer(np.array(["the cat unseenword"], dtype=object)))
    vocabulary = vectorizer.get_vocabulary()
    assert ids.tolist() == [[vocabulary.index("the"), vocabulary.index("cat"), 1, 0, 0, 0, 0, 0]]
    probabilities = model.predict(np.array(["the cat", "dogs"], dtype=object), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_a_vectorizer_on_numbers_is_refused():
    model = text_logistic_regression(2, max_tokens=20)
    with pytest.raises(ValueError, match="expected a text source"):
        adapt_text_vectorization(model, make_splits(np.zeros((4, 3)), LABELS))


@pytest.mark.parametrize("builder", ["text_logistic_regression", "text_lstm_classifier"])
def test_saved_model_takes_raw_strings_in_a_fresh_process(builder, tmp_path):
    model = get(builder)(2, max_tokens=40)
    adapt_text_vectorization(model, _text_splits())
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=False)
    model.fit(TEXTS, LABELS, epochs=2, verbose=0)
    strings = ["the cat sat", "dogs ran far away", "an unseen sentence!"]
    expected = model.predict(np.array(strings, dtype=object), verbose=0)
    model.save(tmp_path / "model.keras")
    script = textwrap.dedent(
        f"""
        import json, sys
        import tensorflow as tf
        import dlrecipes
        model = dlrecipes.load_model(sys.argv[1])          # Keras safe mode
        print(json.dumps(model.predict(tf.constant({strings!r}), verbose=0).tolist()))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "model.keras")],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    import json

    predicted = np.array(json.loads(completed.stdout.strip().splitlines()[-1]))
    np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-6)


def test_the_compile_path_counts_a_masked_lstm_per_word():
    # The LSTM reads (embeddings, mask): its time steps come from the first input.
    from dlrecipes.training.compile_path import forward_macs

    model = text_lstm_classifier(2, max_tokens=100, sequence_length=10, embedding_dim=4, units=3)
    lstm = 4 * (4 * 3 + 3 * 3 + 3)
    assert forward_macs(model) >= lstm * 10  # the LSTM's weights, used at each of 10 words
