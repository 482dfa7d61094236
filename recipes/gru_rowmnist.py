"""Row-by-row sequential digits with a GRU: an image read as 28 steps of 28 pixels.

The network sees one pixel row per time step, ``x_t`` = row ``t`` (28 values),
and classifies from its last hidden state ``h_28``: it must carry the shape
of the top of the digit through the whole sequence (the "row MNIST" task of
Le, Jaitly & Hinton 2015, with rows instead of single pixels). The
preprocessing is declared, not coded: ``data.layout="sequence"`` turns
``(N, 28, 28, 1)`` images into ``(N, 28, 28)`` sequences.

- digits (default, no files): scikit-learn's 8x8 digits resized to 28x28.
- MNIST (``--profile mnist8k``): 7,000 training and 1,000 test digits from
  ``../shared/data/mnist-8k``.

The recipe of ``lstm_rowmnist`` with a gated recurrent unit (Cho et al. 2014):
three gates' weights instead of the LSTM's four, no separate cell state.
"""

from dlrecipes.recipe import (
    DataSpec,
    ExpectSpec,
    ModelSpec,
    Recipe,
    SearchSpec,
    TrainSpec,
    choice,
    int_range,
    log_uniform,
)

RECIPE = Recipe(
    name="gru_rowmnist",
    summary="GRU reads digits row by row (28 steps of 28 pixels): digits or MNIST (>= 96%)",
    lecture="RNN: GRU",
    data=DataSpec(source="digits", image_size=28, layout="sequence"),
    model=ModelSpec(
        builder="sequence_classifier", options={"cell": "gru", "units": 128, "num_layers": 1}
    ),
    train=TrainSpec(
        epochs=40,
        batch_size=64,
        optimizer="adam",
        learning_rate=3e-3,
        schedule="cosine",
        clipnorm=1.0,
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.96,
        data="digits resized to 28x28 (360 test images)",
        budget="~1 min, 2 CPU",
    ),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 3e-4, 1e-2),
            choice("model.options.units", 64, 128, 256),
            int_range("model.options.num_layers", 1, 2),
            choice("train.batch_size", 32, 64, 128),
        ),
        objective="val_accuracy",
    ),
    profiles={
        "smoke": {
            "data.limit": 128,
            "model.options.units": 8,
            "train.epochs": 1,
            "train.tensorboard": False,
            "train.jit_compile": False,
        },
        "mnist8k": {
            "data.source": "mnist_idx:../shared/data/mnist-8k",
            "data.image_size": 0,
            "expect.threshold": 0.96,
            "expect.data": "mnist-8k, row by row (6,300 train, 1,000 test digits)",
            "expect.budget": "~5 min, 2 CPU",
        },
    },
    reference="Cho et al. 2014 (GRU); Le, Jaitly & Hinton, 'A simple way to initialize "
    "recurrent networks of rectified linear units', 2015 (sequential MNIST)",
)
