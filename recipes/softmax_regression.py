"""Softmax regression on the embedded digits: the simplest classifier of the course."""

from dlrecipes.recipe import (
    DataSpec,
    ExpectSpec,
    ModelSpec,
    Recipe,
    SearchSpec,
    TrainSpec,
    choice,
    log_uniform,
)

RECIPE = Recipe(
    name="softmax_regression",
    summary="Multinomial logistic regression p(y|x) = softmax(Wx + b) on 8x8 digits",
    lecture="Foundations: linear models",
    data=DataSpec(source="digits"),
    model=ModelSpec(builder="softmax_regression"),
    train=TrainSpec(epochs=60, batch_size=32, optimizer="adam", learning_rate=0.01),
    expect=ExpectSpec(
        metric="accuracy", threshold=0.95, data="digits (360 test images)", budget="~15 s, 2 CPU"
    ),
    search=SearchSpec(
        params=(
            log_uniform("train.learning_rate", 1e-4, 1e-1),
            choice("train.batch_size", 16, 32, 64, 128),
            choice("train.optimizer", "sgd", "momentum", "adam", "rmsprop"),
        ),
        objective="val_accuracy",
    ),
    profiles={"smoke": {"train.epochs": 2, "data.limit": 256}},
    reference="McCullagh & Nelder, Generalized Linear Models (1989); the lectures' step 1-3",
)
