"""Text classifiers that take raw strings: ``keras.layers.TextVectorization`` inside the model.

The lectures' Keras workflow for text ("spam filtering, sentiment")::

    "a raw string"  ->  TextVectorization  ->  numbers  ->  a classifier  ->  p(class)
                        (standardise, split into words, look each word up in a
                         vocabulary learnt from the training text by ``adapt``)

Because the vectorizer is a layer of the model, the saved ``model.keras`` holds
the vocabulary (and the IDF weights) and takes a Python list of strings;
nothing outside the model has to repeat the preprocessing. The builders are
pure (no data): :func:`adapt_text_vectorization` -- called by
:func:`dlrecipes.models.build.build_model` -- adapts every vectorizer of a freshly
built model on the training split's text.

Two models on the same data:

- :func:`text_logistic_regression` -- a bag of words (or word n-grams) as a
  vector of ``max_tokens`` counts, binary indicators or TF-IDF weights, then
  ``softmax(W v + b)``: multinomial logistic regression, the classical baseline.
- :func:`text_lstm_classifier` -- word ids in order -> an embedding -> an LSTM ->
  ``softmax(W h_T + b)``: the recurrent model, which sees word order.

TensorFlow backend only: ``TextVectorization`` is built on TensorFlow string ops
(which also cannot be XLA-compiled: the text recipes set ``train.jit_compile =
false``).
"""

from __future__ import annotations

import keras

from dlrecipes.models._checks import check_positive

#: ``output_mode`` values of the bag-of-words model: one weight per vocabulary entry.
BAG_OF_WORDS_MODES = ("tf_idf", "count", "multi_hot")


def _vectorizer(max_tokens, ngrams, output_mode, sequence_length=None, name="vectorize"):
    check_positive("max_tokens", max_tokens)
    if ngrams is not None:
        check_positive("ngrams", ngrams)
    options = {"output_sequence_length": sequence_length} if sequence_length else {}
    return keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=ngrams,
        output_mode=output_mode,
        pad_to_max_tokens=output_mode != "int",
        name=name,
        **options,
    )


def _text_input():
    return keras.Input(shape=(), dtype="string", name="text")  # (batch,) raw strings


def text_logistic_regression(
    num_classes: int = 2,
    max_tokens: int = 10_000,
    output_mode: str = "tf_idf",
    ngrams: int | None = None,
    name: str = "text_logistic_regression",
):
    """Bag-of-words (TF-IDF) logistic regression on raw strings: softmax(W v(text) + b).

    ``v(text)`` has one entry per vocabulary word ``w`` (the ``max_tokens - 1``
    most frequent words of the training text, plus index 0 for every other word,
    ``[UNK]``):

    - ``count``: ``tf(w)``, how often ``w`` occurs in the text;
    - ``multi_hot``: 1 if ``w`` occurs, else 0;
    - ``tf_idf``: ``tf(w) * idf(w)``, ``idf(w) = log(1 + N / (1 + df(w)))``, where
      ``df(w)`` counts the ``N`` training texts containing ``w`` (Keras' smoothed
      IDF): words that occur everywhere weigh little.

    Args:
        num_classes: K classes (the runner fills it from the data).
        max_tokens: size of the vocabulary, ``[UNK]`` included, and so of ``v``.
        output_mode: ``tf_idf``, ``count`` or ``multi_hot``.
        ngrams: ``None`` for single words; ``n`` adds every 2..n-word sequence.

    Returns:
        A ``keras.Model`` ``(batch,) strings -> (batch, K)`` probabilities, with
        ``max_tokens K + K`` trainable parameters (the IDF weights are not trained).

    Example:
        >>> model = text_logistic_regression(4, max_tokens=5000)
        >>> model.count_params()    # 5000 * 4 + 4 (adapt() has not run: no IDF yet)
        20004

    Reference: K. Sparck Jones, "A statistical interpretation of term specificity and
    its application in retrieval", J. Documentation 28(1), 1972 (IDF); Jurafsky &
    Martin, *Speech and Language Processing*, ch. 4-5 (bag of words, logistic regression).
    """
    check_positive("num_classes", num_classes)
    if output_mode not in BAG_OF_WORDS_MODES:
        raise ValueError(
            f"output_mode must be one of {', '.join(BAG_OF_WORDS_MODES)}. "
            f"Received: output_mode={output_mode!r}"
        )
    inputs = _text_input()
    v = _vectorizer(max_tokens, ngrams, output_mode)(inputs)  # (batch, max_tokens)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="output")(v)
    return keras.Model(inputs, outputs, name=name)


def text_lstm_classifier(
    num_classes: int = 2,
    max_tokens: int = 10_000,
    sequence_length: int = 100,
    embedding_dim: int = 32,
    units: int = 32,
    dropout: float = 0.0,
    name: str = "text_lstm_classifier",
):
    """Word ids -> embedding -> LSTM -> softmax(W h_T + b), on raw strings.

    The vectorizer maps a text to its first ``sequence_length`` word ids (0 pads a
    shorter text, 1 is ``[UNK]``, the most frequent training word is 2); the
    embedding masks the padding, so ``h_T`` is the LSTM's state after the last word.

    Args:
        num_classes: K classes (the runner fills it from the data).
        max_tokens: vocabulary size, padding and ``[UNK]`` included.
        sequence_length: words read per text (longer texts are cut).
        embedding_dim: size of each word's vector.
        units: size of the LSTM's state.
        dropout: input dropout of the LSTM.

    Returns:
        A ``keras.Model`` ``(batch,) strings -> (batch, K)`` probabilities.

    Example:
        >>> model = text_lstm_classifier(4, max_tokens=5000, embedding_dim=32, units=32)
        >>> model.count_params()    # 5000*32 + 4 (32*32 + 32*32 + 32) + 33*4
        168452

    Reference: Hochreiter & Schmidhuber 1997 (LSTM); Chollet, *Deep Learning with
    Python*, 2nd ed., ch. 11 (TextVectorization, sequence models for text).
    """
    check_positive("num_classes", num_classes)
    check_positive("sequence_length", sequence_length)
    check_positive("embedding_dim", embedding_dim)
    check_positive("units", units)
    inputs = _text_input()
    ids = _vectorizer(max_tokens, None, "int", sequence_length)(inputs)  # (batch, L) ids
    x = keras.layers.Embedding(max_tokens, embedding_dim, mask_zero=True, name="embedding")(ids)
    h = keras.layers.LSTM(units, dropout=dropout, name="lstm")(x)  # (batch, units)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="output")(h)
    return keras.Model(inputs, outputs, name=name)


def text_vectorizers(model) -> list:
    """Every ``TextVectorization`` layer of ``model``, nested models included."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.TextVectorization):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found.extend(text_vectorizers(layer))
    return found


def adapt_text_vectorization(model, splits) -> None:
    """Adapt every ``TextVectorization`` of a freshly built ``model`` on the training text.

    The vocabulary (and, for ``tf_idf``, the document frequencies) comes from
    ``splits.x_train`` only, never from validation or test text. A model without
    a vectorizer is left alone.

    Raises:
        ValueError: the model has a vectorizer but the data is not text (strings).
    """
    import numpy as np

    vectorizers = text_vectorizers(model)
    if not vectorizers:
        return
    text = np.asarray(splits.x_train)
    if text.dtype.kind not in "OUS" or text.ndim != 1:
        raise ValueError(
            f"model {model.name!r} vectorizes raw text but data {splits.source!r} gives "
            f"{text.dtype} inputs of shape {text.shape[1:]}; expected a text source "
            "(stdlib_docs, text_dir:DIR, keras:imdb)"
        )
    for vectorizer in vectorizers:
        vectorizer.adapt(text, batch_size=256)
        if vectorizer.get_config()["output_mode"] == "tf_idf":
            fill_tf_idf_vocabulary(vectorizer)


#: Placeholder vocabulary entries: they hold punctuation, which the vectorizer's
#: ``lower_and_strip_punctuation`` removes from every input, so they never match a word.
FILLER_TOKEN = "[unused:{}]"


def fill_tf_idf_vocabulary(vectorizer) -> None:
    """Fill an adapted TF-IDF vectorizer's vocabulary up to ``max_tokens`` with entries that
    never match a word (weight 0), so that the saved model loads again.

    A ``tf_idf`` vectorizer with ``pad_to_max_tokens`` (the fixed width the classifier's
    ``Dense`` layer needs) whose training text has fewer than ``max_tokens`` distinct words
    saves a vocabulary shorter than its IDF weights, and Keras then refuses to load the
    ``.keras`` file ("`idf_weights` must be the same length as vocabulary"). Its outputs
    are unchanged by the filling: the new entries have IDF 0 and never occur.

    The IDF of each entry is read through the layer's public call: a one-entry document
    ``w`` has ``tf(w) = 1``, so its output at ``w``'s index is ``idf(w)``.
    """
    import numpy as np

    max_tokens = vectorizer.get_config()["max_tokens"]
    vocabulary = vectorizer.get_vocabulary()  # [UNK] first
    missing = max_tokens - len(vocabulary)
    if missing <= 0:
        return
    idf = np.zeros(len(vocabulary), dtype="float32")
    for start in range(0, len(vocabulary), 512):
        rows = np.arange(start, min(start + 512, len(vocabulary)))
        documents = np.array([vocabulary[i] for i in rows], dtype=object)
        weights = keras.ops.convert_to_numpy(vectorizer(documents))  # (rows, max_tokens)
        idf[rows] = weights[np.arange(len(rows)), rows]
    fillers = [FILLER_TOKEN.format(i) for i in range(missing)]
    vectorizer.set_vocabulary(
        [*vocabulary, *fillers], idf_weights=np.concatenate([idf, np.zeros(missing, "float32")])
    )
