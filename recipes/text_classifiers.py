"""Bag of words or word order? TF-IDF, binary bag-of-words and an LSTM on the same text.

``python -m recipes compare text_classifiers`` trains three classifiers of raw
strings on the same split of ``stdlib_docs`` (standard-library docstrings
labelled by package), each with its own ``keras.layers.TextVectorization``
adapted on the training text:

- ``tf_idf``: logistic regression on TF-IDF weights (``text_bow_logreg``);
- ``multi_hot``: the same on 0/1 word indicators (which words occur, not how often);
- ``lstm``: word ids in order -> embedding -> LSTM (``text_lstm``).

``run`` trains the TF-IDF model. The reference arm of ``--seeds`` is ``tf_idf``.
"""

from dataclasses import replace

from dlrecipes.recipe import Variant
from recipes.text_bow_logreg import RECIPE as TEXT_BOW_LOGREG
from recipes.text_lstm import RECIPE as TEXT_LSTM

RECIPE = replace(
    TEXT_BOW_LOGREG,
    name="text_classifiers",
    summary="TF-IDF vs binary bag-of-words vs embedding + LSTM on the same raw text",
    lecture="Text: bag of words against sequence models",
    expect=replace(TEXT_BOW_LOGREG.expect, budget="~1 min (TF-IDF), ~6 min all three, 2 CPU"),
    variants=(
        Variant("tf_idf", {"model.options.output_mode": "tf_idf"}),
        Variant("multi_hot", {"model.options.output_mode": "multi_hot"}),
        Variant(
            "lstm",
            {
                "model.builder": TEXT_LSTM.model.builder,
                "model.options": dict(TEXT_LSTM.model.options),
                "train.epochs": TEXT_LSTM.train.epochs,
                "train.learning_rate": TEXT_LSTM.train.learning_rate,
            },
        ),
    ),
    profiles={
        "smoke": {
            **TEXT_BOW_LOGREG.profiles["smoke"],
            "model.options.max_tokens": 300,
        },
    },
)
