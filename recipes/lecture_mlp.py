"""The lectures' Keras network, Dense(500, sigmoid) -> Dropout -> Dense(10, softmax), and
dropout as an ensemble (weight scaling vs sampled sub-networks)."""

from dlrecipes.recipe import DataSpec, ExpectSpec, ModelSpec, Recipe, TrainSpec

RECIPE = Recipe(
    name="lecture_mlp",
    summary=(
        "keras.Sequential Dense(500, sigmoid) -> Dropout(0.5) -> Dense(10, softmax); "
        "weight scaling == the mean of 100 sampled sub-networks"
    ),
    lecture="Foundations: Keras; regularization (dropout)",
    reports=("dropout_ensemble",),
    data=DataSpec(source="digits"),
    model=ModelSpec(
        builder="lecture_mlp", options={"units": 500, "activation": "sigmoid", "dropout": 0.5}
    ),
    train=TrainSpec(
        epochs=30,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-3,
        tensorboard=False,
        verbose="0",
    ),
    expect=ExpectSpec(
        metric="accuracy",
        threshold=0.93,  # 0.944 at seed 0; MC dropout 0.950, same class on 99.4%
        data="digits (360 test images)",
        budget="~1 min on 2 idle CPU (3 min on a shared machine)",
    ),
    profiles={
        "smoke": {"train.epochs": 1, "data.limit": 256, "train.jit_compile": False},
        # The lecture's data: 28x28 MNIST digits (8,000 of them, offline).
        "mnist": {"data.source": "mnist_idx:../shared/data/mnist-8k", "train.epochs": 20},
    },
    reference=(
        "Chollet, Deep Learning with Python (2017); Srivastava et al., 'Dropout', JMLR 15 "
        "(2014), section 7.5 (weight scaling vs Monte-Carlo averaging); Gal & Ghahramani 2016"
    ),
)
