"""Text classification with word order: an embedding + LSTM classifier on raw strings.

The same data and the same in-model ``keras.layers.TextVectorization`` as
``text_bow_logreg``, but in ``int`` mode: each raw string becomes its first 64
word ids (0 pads, 1 is an unknown word), an ``Embedding`` (masking the padding)
gives each word a vector, an LSTM reads them in order and ``softmax(W h_T + b)``
classifies the final state. The saved ``model.keras`` takes raw strings.

On the small default data (``stdlib_docs``: 1,337 training docstrings of six
standard-library packages) the bag of words is at least as good: over 5 seeds
(``compare text_classifiers --seeds 0-4``) TF-IDF logistic regression scores 0.896
[0.885, 0.907] and this LSTM 0.872 [0.852, 0.892]: no difference in accuracy at this
budget after the Holm correction, a worse test loss for the LSTM. The
LSTM has about 5 times more parameters (328,518, mostly word vectors) to fit from the
same examples, fits its training set perfectly within 10 epochs, and the package a
docstring documents is told by *which* words occur more than by their order.
``--set data.source=keras:imdb`` (25,000 reviews, downloads) is where sequence models
have more to learn from.
"""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="text_lstm",
    summary="Embedding + LSTM text classifier on raw strings (TextVectorization.adapt)",
    lecture="Text: word embeddings and recurrent classifiers",
    data=DataSpec(source="stdlib_docs"),
    model=ModelSpec(
        builder="text_lstm_classifier",
        options={"max_tokens": 10_000, "sequence_length": 64, "embedding_dim": 32, "units": 32},
    ),
    train=TrainSpec(
        epochs=15,
        batch_size=32,
        optimizer="adam",
        learning_rate=3e-3,
        loss="sparse_categorical_crossentropy",
        metrics=("accuracy",),
        jit_compile=False,  # TextVectorization runs TensorFlow string ops, which XLA cannot compile
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.75,
        data="stdlib_docs (6 packages, ~370 test docstrings; majority class 38 %)",
        budget="~3 min, 2 CPU",
    ),
    profiles={
        "smoke": {
            "data.limit": 256,
            "model.options.max_tokens": 500,
            "model.options.sequence_length": 16,
            "model.options.embedding_dim": 8,
            "model.options.units": 8,
            "train.epochs": 1,
            "train.tensorboard": False,
        },
    },
    reference="Hochreiter & Schmidhuber 1997 (LSTM); Chollet, Deep Learning with Python, "
    "2nd ed., ch. 11",
)
