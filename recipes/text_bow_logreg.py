"""Text classification with a bag of words: TF-IDF logistic regression on raw strings.

The lectures' Keras workflow for text ("spam filtering, sentiment"): a
``keras.layers.TextVectorization`` inside the model turns each raw string into
one TF-IDF weight per vocabulary word (``tf(w) * idf(w)``; the vocabulary and the
document frequencies are learnt from the training split by ``adapt``), and
``softmax(W v + b)`` classifies it. The saved ``model.keras`` takes raw strings::

    model = dlrecipes.load_model("RUN_DIR/model.keras")
    model.predict(tf.constant(["Return a new event loop.", "Send an e-mail message."]))

The default data, ``stdlib_docs``, is real text that every Python installation has:
docstrings of six standard-library packages, each labelled by the package it
documents (asyncio, email, http, logging, tkinter, unittest; always answering the
largest class, tkinter, scores 38 %). Other data: ``--set data.source=keras:imdb``
(movie-review sentiment, downloads) or ``--set data.source=text_dir:DIR`` (one
folder of ``.txt`` files per class). ``text_lstm`` runs an embedding + LSTM
classifier on the same data.
"""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="text_bow_logreg",
    summary="TF-IDF bag-of-words logistic regression on raw strings (TextVectorization.adapt)",
    lecture="Text: bag of words, TF-IDF, logistic regression",
    data=DataSpec(source="stdlib_docs"),
    model=ModelSpec(
        builder="text_logistic_regression", options={"max_tokens": 10_000, "output_mode": "tf_idf"}
    ),
    train=TrainSpec(
        epochs=20,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-3,
        loss="sparse_categorical_crossentropy",
        metrics=("accuracy",),
        jit_compile=False,  # TextVectorization runs TensorFlow string ops, which XLA cannot compile
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.85,
        data="stdlib_docs (6 packages, ~370 test docstrings; majority class 38 %)",
        budget="~1 min, 2 CPU",
    ),
    profiles={
        "smoke": {
            "data.limit": 256,
            "model.options.max_tokens": 500,
            "train.epochs": 1,
            "train.tensorboard": False,
        },
    },
    reference="Sparck Jones 1972 (IDF); Jurafsky & Martin, Speech and Language Processing, "
    "ch. 4-5; Chollet, Deep Learning with Python, 2nd ed., ch. 11",
)
